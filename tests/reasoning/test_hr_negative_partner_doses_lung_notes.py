"""Remaining safety items of the medical-editor review (item 5) and the third pharmacist sweep.

- Endocrine therapy in HR-negative disease (ER < 1% and PR < 1%): no role (ASCO/CAP 2020), so an order or a
  current treatment is a contraindication; ER-low (1-10%) may still get it, so only a warning there.
- Capecitabine with lapatinib: 1000 mg/m2 twice daily (Tykerb label; Geyer 2006), not the 1250 mg/m2 alone.
- Ixabepilone with a strong CYP3A4 inhibitor: 20 mg/m2 if the inhibitor cannot be avoided (Ixempra label).
- A pneumonitis written only in a note ("radiation pneumonitis 2019") is the lung history the ILD rules read,
  while triage still does not raise it as a pneumonitis happening now.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mbcnav.assessment import Assessment
from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.flags import drug_groups

BASE: dict[str, Any] = {
    "patient": {"age": 58, "sex": "F", "menopausal": "post", "weight_kg": 68, "height_cm": 164, "ecog": 1},
    "tumor": {"histology": "IDC", "er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"},
    "metastatic_sites": ["bone", "liver"],
    "labs": {
        "creatinine_mg_dl": 0.8,
        "calcium_mg_dl": 9.4,
        "albumin_g_dl": 4.0,
        "bilirubin_mg_dl": 0.6,
        "alt_u_l": 22,
        "ast_u_l": 25,
        "anc_per_ul": 3500,
        "platelets_per_ul": 230000,
        "lvef_percent": 60,
    },
    "line": 2,
}


def _assess(**over: Any) -> Assessment:
    case = copy.deepcopy(BASE)
    case.update(over)
    return assess(parse_case(case))


def _alerts(result: Assessment, code: str) -> dict[str, str]:
    """drug -> severity of the alerts with this code."""
    return {a.drug or "": a.severity for a in result.safety_alerts if a.code == code}


def _order(result: Assessment, drug: str) -> Any:
    return next(o for o in result.proposed_orders if o.drug == drug)


# --- 1. endocrine therapy and hormone receptors --------------------------------------------------------
def test_tamoxifen_in_er_pr_negative_disease_is_blocked_kbrev_item5() -> None:
    # the editor's repro: ER 0%, PR 0, HER2 3+, tamoxifen proposed, paroxetine taken
    result = _assess(proposed_treatment=[{"drug": "tamoxifen", "dose_mg": 20}], current_meds=["paroxetine"])
    assert _alerts(result, "endocrine_in_hr_negative") == {"tamoxifen": "contraindication"}
    alert = next(a for a in result.safety_alerts if a.code == "endocrine_in_hr_negative")
    assert "asco-cap-er-pr-2020" in alert.sources
    assert "no hormone receptors" in alert.public
    assert _order(result, "tamoxifen").result == "contraindicated"
    # the CYP2D6 warning is still there, ranked below the contraindication
    codes = [a.code for a in result.safety_alerts]
    assert codes.index("endocrine_in_hr_negative") < codes.index("tamoxifen_cyp2d6_inhibitor")


def test_current_endocrine_and_cdk46_in_triple_negative_disease_are_flagged() -> None:
    result = _assess(
        tumor={"histology": "IDC", "er_percent": 0, "pr_percent": 0, "her2_ihc": "0"},
        current_treatment=[{"drug": "letrozole"}, {"drug": "palbociclib"}],
    )
    assert result.subtype == "TNBC"
    assert _alerts(result, "endocrine_in_hr_negative") == {
        "letrozole": "contraindication",
        "palbociclib": "contraindication",
    }


def test_receptor_status_words_without_her2_still_count_as_hr_negative() -> None:
    # ER/PR reported negative (no percents) and HER2 not yet known: the subtype is unknown, HR is not
    result = _assess(
        tumor={"histology": "IDC", "er_status": "negative", "pr_status": "negative"},
        proposed_treatment=[{"drug": "fulvestrant", "dose_mg": 500}],
    )
    assert result.subtype == "unknown"
    assert _alerts(result, "endocrine_in_hr_negative") == {"fulvestrant": "contraindication"}


def test_er_low_endocrine_order_is_a_warning_not_a_block() -> None:
    result = _assess(
        tumor={"histology": "IDC", "er_percent": 5, "pr_percent": 0, "her2_ihc": "0"},
        proposed_treatment=[{"drug": "letrozole", "dose_mg": 2.5}],
    )
    assert result.er_low
    assert _alerts(result, "endocrine_in_er_low") == {"letrozole": "warning"}
    assert _alerts(result, "endocrine_in_hr_negative") == {}
    assert _order(result, "letrozole").result == "warning"


@pytest.mark.parametrize("er", [50, 95])
def test_hr_positive_endocrine_order_gets_neither_alert(er: int) -> None:
    result = _assess(
        tumor={"histology": "IDC", "er_percent": er, "pr_percent": 20, "her2_ihc": "0"},
        proposed_treatment=[{"drug": "letrozole", "dose_mg": 2.5}, {"drug": "ribociclib", "dose_mg": 600}],
    )
    assert _alerts(result, "endocrine_in_hr_negative") == {}
    assert _alerts(result, "endocrine_in_er_low") == {}


def test_gnrh_agonist_and_megestrol_are_not_flagged_in_hr_negative_disease() -> None:
    # goserelin protects the ovaries during chemotherapy; megestrol is given for appetite
    result = _assess(
        proposed_treatment=[{"drug": "goserelin", "dose_mg": 3.6}, {"drug": "megestrol acetate"}],
    )
    assert _alerts(result, "endocrine_in_hr_negative") == {}


@pytest.mark.parametrize("her2_ihc", ["0", "1+", "3+"])
@pytest.mark.parametrize("line", [1, 2, 3])
def test_options_never_offer_endocrine_or_its_partners_in_hr_negative_disease(
    her2_ihc: str, line: int
) -> None:
    expand = drug_groups().expand
    hr_only = expand(["serm", "ai", "serd", "cdk46", "pi3k_akt_mtor"])
    result = _assess(
        tumor={"histology": "IDC", "er_percent": 0, "pr_percent": 0, "her2_ihc": her2_ihc}, line=line
    )
    offered = {d for o in result.therapy_options for d in o.drugs}
    assert not offered & hr_only
    assert _alerts(result, "endocrine_in_hr_negative") == {}


# --- 2. partner and interaction doses ------------------------------------------------------------------
def test_capecitabine_with_lapatinib_is_held_to_1000_mg_m2() -> None:
    result = _assess(
        proposed_treatment=[
            {"drug": "capecitabine", "dose_mg_m2": 1250},
            {"drug": "lapatinib", "dose_mg": 1250},
        ]
    )
    alert = next(
        a for a in result.safety_alerts if a.drug == "capecitabine" and a.code.startswith("dose_above")
    )
    assert "1000 mg/m2" in alert.clinician
    assert "lapatinib" in alert.clinician
    assert "geyer-2006-lapatinib-capecitabine" in alert.sources


def test_capecitabine_1000_mg_m2_with_lapatinib_passes_the_dose_check() -> None:
    result = _assess(
        proposed_treatment=[
            {"drug": "capecitabine", "dose_mg_m2": 1000},
            {"drug": "lapatinib", "dose_mg": 1250},
        ]
    )
    assert not [a for a in result.safety_alerts if a.code.startswith("dose_above")]


def test_ixabepilone_with_clarithromycin_is_held_to_20_mg_m2() -> None:
    tnbc = {"histology": "IDC", "er_percent": 0, "pr_percent": 0, "her2_ihc": "0"}
    result = _assess(
        tumor=tnbc,
        current_meds=["clarithromycin"],
        proposed_treatment=[{"drug": "ixabepilone", "dose_mg_m2": 40}],
    )
    assert _alerts(result, "dose_above_adjusted") == {"ixabepilone": "warning"}
    alert = next(a for a in result.safety_alerts if a.code == "dose_above_adjusted")
    assert "20 mg/m2" in alert.clinician and "CYP3A4" in alert.clinician
    ok = _assess(
        tumor=tnbc,
        current_meds=["clarithromycin"],
        proposed_treatment=[{"drug": "ixabepilone", "dose_mg_m2": 20}],
    )
    assert _alerts(ok, "dose_above_adjusted") == {}
    assert _alerts(ok, "cyp3a_inhibitor_targeted").get("ixabepilone") == "warning"


# --- 3. a pneumonitis in the notes ---------------------------------------------------------------------
TDXD = [{"drug": "trastuzumab deruxtecan", "dose_mg_kg": 5.4}]


def test_radiation_pneumonitis_in_a_note_blocks_tdxd_but_is_not_triaged_as_now() -> None:
    result = _assess(notes=["radiation pneumonitis 2019"], proposed_treatment=TDXD)
    assert _alerts(result, "ild_history") == {"trastuzumab deruxtecan": "contraindication"}
    assert "pneumonitis" not in {f.code for f in result.red_flags}
    assert any("comorbidities: pneumonitis" in line for line in result.notes_used)
    # the same case without the note: no lung alert (the note is what changed it)
    plain = _assess(proposed_treatment=TDXD)
    assert _alerts(plain, "ild_history") == {}


def test_note_pneumonitis_reaches_the_everolimus_check() -> None:
    result = _assess(
        tumor={"histology": "IDC", "er_percent": 90, "pr_percent": 50, "her2_ihc": "0"},
        notes=["History of ILD after chest wall RT (2019), resolved."],
        proposed_treatment=[{"drug": "everolimus", "dose_mg": 10}, {"drug": "exemestane", "dose_mg": 25}],
    )
    assert _alerts(result, "pneumonitis_risk").get("everolimus") == "warning"


def test_grade_1_pneumonitis_in_a_note_is_the_grade_1_warning() -> None:
    result = _assess(notes=["Grade 1 pneumonitis on palbociclib in 2022."], proposed_treatment=TDXD)
    assert _alerts(result, "ild_history") == {"trastuzumab deruxtecan": "warning"}


@pytest.mark.parametrize(
    "note",
    [
        "No pneumonitis.",
        "Counselled on ILD risk with T-DXd.",
        "CT: possible pneumonitis",
        "pneumonitis ruled out",
    ],
)
def test_notes_that_report_no_pneumonitis_history_change_no_lung_alert(note: str) -> None:
    result = _assess(notes=[note], proposed_treatment=TDXD)
    assert _alerts(result, "ild_history") == {}


def test_recorded_comorbidity_and_note_say_so_once() -> None:
    result = _assess(
        comorbidities=["pneumonitis"], notes=["radiation pneumonitis 2019"], proposed_treatment=TDXD
    )
    assert _alerts(result, "ild_history") == {"trastuzumab deruxtecan": "contraindication"}
    assert any("already recorded in comorbidities" in line for line in result.notes_used)
