"""Cumulative anthracycline dose across drugs: doxorubicin, epirubicin and pegylated liposomal
doxorubicin (PLD) given so far, plus a planned dose, are added up with the ESC 2022 cardio-oncology
ratios (epirubicin x 0.8) and held against each drug's label limit (doxorubicin 550, or 400 with risk
factors; epirubicin 900; PLD: 11% cardiomyopathy at 450-550 mg/m2 cumulative anthracycline)."""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import run as _run

from mbcnav.assessment import SafetyAlert
from mbcnav.case import parse_case
from mbcnav.errors import CaseValidationError
from mbcnav.reasoning.assess import assess


def _case(**extra: Any) -> dict[str, Any]:
    """A triple-negative case with normal labs and heart, so only the cumulative dose speaks."""
    case: dict[str, Any] = {
        "patient": {
            "age": 55,
            "sex": "F",
            "menopausal": "post",
            "weight_kg": 68,
            "height_cm": 164,
            "ecog": 1,
        },
        "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0", "gbrca": "negative", "pdl1_cps": 2},
        "metastatic_sites": ["lung"],
        "labs": {
            "creatinine_mg_dl": 0.8,
            "bilirubin_mg_dl": 0.6,
            "alt_u_l": 25,
            "ast_u_l": 24,
            "anc_per_ul": 3500,
            "platelets_per_ul": 240000,
            "lvef_percent": 62,
        },
        "line": 2,
    }
    case.update(extra)
    return case


def _alerts(case: dict[str, Any]) -> dict[str, SafetyAlert]:
    return {f"{a.code}:{a.drug}": a for a in assess(parse_case(case)).safety_alerts}


def test_epirubicin_history_counts_toward_the_doxorubicin_550_limit_esc_2022_ratio() -> None:
    """240 doxorubicin + 400 epirubicin x 0.8 (= 320) + 60 planned = 620 mg/m2 doxorubicin-equivalent."""
    case = _case(
        cumulative_doxorubicin_mg_m2=240,
        cumulative_epirubicin_mg_m2=400,
        proposed_treatment=[{"drug": "doxorubicin", "dose_mg_m2": 60}],
    )
    alert = _alerts(case)["cumulative_anthracycline_limit:doxorubicin"]
    assert alert.severity == "contraindication"
    assert "620 mg/m2" in alert.clinician
    assert (
        "epirubicin 400 mg/m2 x 0.8" in alert.clinician
        and "doxorubicin 300 mg/m2 (60 planned)" in alert.clinician
    )
    assert "ESC 2022" in alert.clinician and "esc-cardio-oncology-2022" in alert.sources
    assert "doxorubicin and epirubicin" in alert.public
    # the same doxorubicin without the epirubicin history stays below the ceiling (300: monitoring only)
    alone = _alerts(_case(cumulative_doxorubicin_mg_m2=240, proposed_treatment=case["proposed_treatment"]))
    assert "cumulative_anthracycline_limit:doxorubicin" not in alone
    assert alone["cumulative_anthracycline_warning:doxorubicin"].severity == "warning"


def test_epirubicin_label_limit_900_mg_m2_ellence_label() -> None:
    planned = [{"drug": "epirubicin", "dose_mg_m2": 100}]
    alert = _alerts(_case(cumulative_epirubicin_mg_m2=800, proposed_treatment=planned))[
        "cumulative_anthracycline_limit:epirubicin"
    ]
    assert alert.severity == "contraindication"
    assert "900 mg/m2" in alert.clinician and "fda-label-epirubicin" in alert.sources
    # 890 mg/m2: under the epirubicin label limit, though 890 x 0.8 = 712 would pass doxorubicin's 550:
    # no limit, only the warning every order gets above 300 mg/m2 doxorubicin-equivalent
    below = _alerts(_case(cumulative_epirubicin_mg_m2=790, proposed_treatment=planned))
    assert [key for key in below if key.startswith("cumulative_anthracycline")] == [
        "cumulative_anthracycline_warning:epirubicin"
    ]
    assert below["cumulative_anthracycline_warning:epirubicin"].severity == "warning"
    assert "712 mg/m2" in below["cumulative_anthracycline_warning:epirubicin"].clinician


def test_epirubicin_order_warns_at_the_doxorubicin_equivalent_total_a_doxorubicin_order_would() -> None:
    """Report #3: 450 doxorubicin + 90 epirubicin planned = 522 mg/m2 doxorubicin-equivalent (x 0.8)."""
    for drug, dose in (("epirubicin", 90), ("doxorubicin", 72)):
        found = _alerts(
            _case(cumulative_doxorubicin_mg_m2=450, proposed_treatment=[{"drug": drug, "dose_mg_m2": dose}])
        )
        alert = found[f"cumulative_anthracycline_warning:{drug}"]
        assert "522 mg/m2" in alert.clinician, drug
    # below 300 mg/m2 doxorubicin-equivalent (200 + 90 x 0.8 = 272) the epirubicin order does not warn
    low = _alerts(
        _case(cumulative_doxorubicin_mg_m2=200, proposed_treatment=[{"drug": "epirubicin", "dose_mg_m2": 90}])
    )
    assert not any(key.startswith("cumulative_anthracycline") for key in low)


def test_prior_doxorubicin_counts_toward_the_epirubicin_limit_in_epirubicin_units() -> None:
    """400 doxorubicin / 0.8 = 500 epirubicin-equivalent; + 350 given + 50 planned = 900."""
    case = _case(
        cumulative_doxorubicin_mg_m2=400,
        cumulative_epirubicin_mg_m2=350,
        proposed_treatment=[{"drug": "Ellence", "dose_mg_m2": 50}],
    )
    alert = _alerts(case)["cumulative_anthracycline_limit:epirubicin"]
    assert "900 mg/m2" in alert.clinician and "doxorubicin 400 mg/m2 x 1.25" in alert.clinician
    case["cumulative_doxorubicin_mg_m2"] = 390
    assert "cumulative_anthracycline_limit:epirubicin" not in _alerts(case)


def test_pld_history_counts_toward_a_doxorubicin_order_and_pld_order_is_checked_doxil_label() -> None:
    dox_order = _case(
        cumulative_pegylated_liposomal_doxorubicin_mg_m2=300,
        cumulative_doxorubicin_mg_m2=200,
        proposed_treatment=[{"drug": "doxorubicin", "dose_mg_m2": 60}],
    )
    alert = _alerts(dox_order)["cumulative_anthracycline_limit:doxorubicin"]
    assert "560 mg/m2" in alert.clinician and "pegylated liposomal doxorubicin 300 mg/m2" in alert.clinician

    pld_order = _case(
        cumulative_doxorubicin_mg_m2=500,
        proposed_treatment=[{"drug": "Doxil", "dose_mg_m2": 50}],
    )
    alert = _alerts(pld_order)["cumulative_anthracycline_limit:pegylated liposomal doxorubicin"]
    assert alert.severity == "contraindication"
    assert "11%" in alert.clinician and "fda-label-pegylated-liposomal-doxorubicin" in alert.sources
    pld_order["cumulative_doxorubicin_mg_m2"] = 420
    warning = _alerts(pld_order)["cumulative_anthracycline_warning:pegylated liposomal doxorubicin"]
    assert warning.severity == "warning" and "470 mg/m2" in warning.clinician


def test_risk_factor_limit_names_the_factor_and_counts_epirubicin() -> None:
    """200 doxorubicin + 200 epirubicin x 0.8 + 60 planned = 420 >= 400 after trastuzumab."""
    case = _case(
        cumulative_doxorubicin_mg_m2=200,
        cumulative_epirubicin_mg_m2=200,
        proposed_treatment=[{"drug": "doxorubicin", "dose_mg_m2": 60}],
        prior_treatment=[{"drug": "trastuzumab", "setting": "adjuvant", "progressed": False, "months": 12}],
    )
    alert = _alerts(case)["cumulative_anthracycline_limit:doxorubicin"]
    assert "420 mg/m2" in alert.clinician and "prior HER2 antibody" in alert.clinician
    case["prior_treatment"] = []
    assert "cumulative_anthracycline_limit:doxorubicin" not in _alerts(case)


def test_a_contraindicated_anthracycline_option_is_flagged() -> None:
    """Pregnancy (second trimester) offers AC or weekly paclitaxel; a full epirubicin history blocks the
    anthracycline part only."""
    case = _case(
        patient={
            "age": 34,
            "sex": "F",
            "menopausal": "pre",
            "ecog": 0,
            "pregnant": True,
            "gestation_weeks": 20,
        },
        cumulative_epirubicin_mg_m2=720,
        line=1,
    )
    result = _run(case)
    blocked = {a.drug for a in result.safety_alerts if a.severity == "contraindication"}
    assert "doxorubicin" in blocked
    for option in result.therapy_options:
        if "doxorubicin" in option.drugs:
            assert option.flagged
    assert any(o.drugs == ("paclitaxel",) and not o.flagged for o in result.therapy_options)


def test_cumulative_epirubicin_must_be_a_dose() -> None:
    with pytest.raises(CaseValidationError) as err:
        parse_case(_case(cumulative_epirubicin_mg_m2=-5))
    assert any(field == "cumulative_epirubicin_mg_m2" for field, _ in err.value.problems)
