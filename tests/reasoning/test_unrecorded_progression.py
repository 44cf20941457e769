"""Options never say a prior treatment failed when the record does not show it.

A later line (``line2plus``) is not a recorded progression. Fulvestrant + palbociclib (PALOMA-3) and
fulvestrant + abemaciclib (MONARCH 2) are labelled for disease progression after endocrine therapy (Faslodex,
Ibrance and Verzenio labels), while fulvestrant + ribociclib is also labelled as initial endocrine-based
therapy (MONALEESA-3); so a second line after chemotherapy alone gets the ribociclib pair only. The HER2
second-line drugs (DESTINY-Breast03, HER2CLIMB, EMILIA) and sacituzumab (ASCENT) stay for a later line, but
their rationale says when no HER2 antibody or chemotherapy is recorded instead of claiming one. Every test
goes through parse_case and assess, as a user's case would (the first is the oncology probe p2).
"""

from __future__ import annotations

import copy
from typing import Any

from mbcnav.assessment import Assessment
from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess

# /work/scratch-onc4/probes/p2.json: premenopausal HR+/HER2-0, second line after paclitaxel + carboplatin
_P2: dict[str, Any] = {
    "patient": {"age": 41, "sex": "F", "menopausal": "pre", "weight_kg": 68, "height_cm": 164, "ecog": 1},
    "tumor": {
        "histology": "IDC",
        "er_percent": 90,
        "pr_percent": 40,
        "her2_ihc": "0",
        "pik3ca": "wildtype",
        "akt1": "wildtype",
        "pten": "wildtype",
        "esr1": "wildtype",
        "gbrca": "negative",
    },
    "metastatic_sites": ["liver", "lung"],
    "labs": {
        "creatinine_mg_dl": 0.8,
        "calcium_mg_dl": 9.3,
        "albumin_g_dl": 4.0,
        "bilirubin_mg_dl": 0.5,
        "alt_u_l": 22,
        "ast_u_l": 24,
        "anc_per_ul": 3900,
        "platelets_per_ul": 250000,
        "hemoglobin_g_dl": 12.6,
        "lvef_percent": 62,
        "qtcf_ms": 414,
        "glucose_mg_dl": 92,
        "hba1c_percent": 5.4,
        "temp_c": 36.6,
    },
    "line": 2,
    "prior_treatment": [
        {"drug": "paclitaxel", "setting": "metastatic", "progressed": True, "months": 4},
        {"drug": "carboplatin", "setting": "metastatic", "progressed": True, "months": 4},
    ],
    "id": "p2_doublet_progressed",
}

_CLAIMS = ("endocrine therapy stopped working", "hormone medicine stops working")


def _assess(**changes: Any) -> Assessment:
    data = copy.deepcopy(_P2)
    tumor = changes.pop("tumor", {})
    data["tumor"].update(tumor)
    data.update(changes)
    return assess(parse_case(data))


def _by_regimen(result: Assessment) -> dict[str, Any]:
    return {o.regimen.split(" + ovarian")[0]: o for o in result.therapy_options}


def test_p2_second_line_after_chemotherapy_only_claims_no_endocrine_progression() -> None:
    result = _assess()
    options = _by_regimen(result)
    assert "fulvestrant + abemaciclib" not in options
    assert "fulvestrant + palbociclib" not in options
    assert "fulvestrant + ribociclib" in options  # Faslodex/Kisqali labels: also initial endocrine-based
    for option in result.therapy_options:
        text = f"{option.rationale} {option.public}".lower()
        assert not any(claim in text for claim in _CLAIMS), option.regimen


def test_hr_positive_second_line_after_endocrine_progression_keeps_paloma3_and_monarch2() -> None:
    result = _assess(
        prior_treatment=[{"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 14}]
    )
    options = _by_regimen(result)
    assert options["fulvestrant + abemaciclib"].rationale.startswith(
        "After endocrine therapy stopped working"
    )
    assert options["fulvestrant + palbociclib"].rationale.startswith(
        "After endocrine therapy stopped working"
    )
    assert "fulvestrant + ribociclib" in options


def test_relapse_on_adjuvant_endocrine_therapy_counts_as_endocrine_progression() -> None:
    result = _assess(
        line=1,
        prior_treatment=[{"drug": "tamoxifen", "setting": "adjuvant", "progressed": True, "months": 30}],
    )
    options = _by_regimen(result)
    assert "fulvestrant + abemaciclib" in options
    assert "fulvestrant + palbociclib" in options


def test_stated_line_2_with_no_treatment_on_record_gets_first_line_options_without_claims() -> None:
    result = _assess(prior_treatment=[])
    drugs = {d for o in result.therapy_options for d in o.drugs}
    assert {"letrozole", "ribociclib"} <= drugs
    options = _by_regimen(result)
    assert "fulvestrant + abemaciclib" not in options
    for option in result.therapy_options:
        text = f"{option.rationale} {option.public}".lower()
        assert not any(claim in text for claim in _CLAIMS), option.regimen


def test_her2_positive_later_line_without_a_her2_antibody_on_record_says_so() -> None:
    result = _assess(tumor={"her2_ihc": "3+"})
    options = _by_regimen(result)
    for regimen in (
        "trastuzumab deruxtecan (T-DXd)",
        "tucatinib + trastuzumab + capecitabine",
        "trastuzumab emtansine (T-DM1)",
    ):
        assert "No HER2 antibody is recorded" in options[regimen].rationale, regimen
    assert "after prior anti-HER2 therapy" not in options["tucatinib + trastuzumab + capecitabine"].rationale


def test_her2_positive_after_trastuzumab_has_no_missing_history_note() -> None:
    result = _assess(
        tumor={"her2_ihc": "3+"},
        prior_treatment=[
            {"drug": "trastuzumab", "setting": "metastatic", "progressed": True, "months": 18},
            {"drug": "pertuzumab", "setting": "metastatic", "progressed": True, "months": 18},
            {"drug": "docetaxel", "setting": "metastatic", "progressed": True, "months": 18},
        ],
    )
    options = _by_regimen(result)
    assert "No HER2 antibody is recorded" not in options["trastuzumab deruxtecan (T-DXd)"].rationale


def test_her2_brain_metastases_without_her2_therapy_do_not_cite_the_after_her2_therapy_route() -> None:
    result = _assess(
        tumor={"her2_ihc": "3+"},
        metastatic_sites=["liver", "brain"],
        brain_mets_status="untreated",
        brain_mets_symptomatic=False,
    )
    local = next(o for o in result.therapy_options if o.category == "local" and "brain" in o.regimen)
    assert "after HER2 therapy" not in local.rationale


def test_triple_negative_later_line_without_chemotherapy_on_record_says_so() -> None:
    result = _assess(
        tumor={"er_percent": 0, "pr_percent": 0},
        prior_treatment=[{"drug": "pembrolizumab", "setting": "metastatic", "progressed": True, "months": 5}],
    )
    sg = _by_regimen(result)["sacituzumab govitecan"]
    assert "No chemotherapy is recorded" in sg.rationale
    assert not sg.rationale.startswith("Triple-negative after chemotherapy")
