"""Session 10, pharmacist review 7 (phb): medium and low findings.

Golden answers name their source: Xeloda label (hepatic insufficiency; hyperbilirubinemia: interrupt for
treatment-related grade 3-4 until bilirubin <= 3.0 x ULN), CTCAE v5 bilirubin grades (grade 2 > 1.5-3 x ULN,
grade 3 > 3-10 x ULN); EU Tyverb SmPC 4.5 and US Tykerb label (esomeprazole: lapatinib exposure -27%);
Neulasta label 2.1 (6 mg once per cycle, not from 14 days before to 24 hours after cytotoxic chemotherapy);
Neupogen label 2.1 (5 mcg/kg/day); Herceptin label (8 mg/kg loading, then 6 mg/kg every 3 weeks);
Trodelvy label (reduced UGT1A1 activity).
"""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import NORMAL_LABS, run, with_changes


def _case(**over: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "patient": {
            "age": 60, "sex": "F", "menopausal": "post", "weight_kg": 70, "height_cm": 165, "ecog": 1
        },
        "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 40, "her2_ihc": "1+"},
        "metastatic_sites": ["bone", "liver"],
        "labs": dict(NORMAL_LABS),
        "line": 2,
    }
    return with_changes(case, over)


def _alerts(out: Any, drug: str) -> dict[str, Any]:
    return {a.code: a for a in out.safety_alerts if a.drug == drug}


def _order(out: Any, drug: str) -> Any:
    return next(o for o in out.proposed_orders if o.drug == drug)


# --- 1. capecitabine with a high bilirubin (Xeloda label) -------------------------------------------------
def test_capecitabine_bilirubin_grade_3_gets_the_label_interruption() -> None:
    """pharm7 c02: bilirubin 4.0 mg/dL (3.3 x ULN 1.2, CTCAE grade 3) gave no liver alert on capecitabine.
    Xeloda label: interrupt for treatment-related grade 3-4 hyperbilirubinemia until <= 3.0 x ULN."""
    out = run(_case(
        labs={"bilirubin_mg_dl": 4.0, "alt_u_l": 90, "ast_u_l": 110},
        proposed_treatment=[{"drug": "capecitabine", "dose_mg_m2": 1000}],
    ))
    alert = _alerts(out, "capecitabine")["hepatic_dose_adjustment"]
    assert alert.severity == "warning"
    assert "3.3 x ULN" in alert.clinician
    assert "interrupt capecitabine until bilirubin is <= 3.0 x ULN" in alert.clinician
    assert "fda-label-capecitabine" in alert.sources
    assert "hepatic_dose_adjustment" in _order(out, "capecitabine").alerts


def test_capecitabine_bilirubin_grade_2_asks_for_close_monitoring() -> None:
    """Bilirubin 2.4 mg/dL = 2.0 x ULN (CTCAE grade 2): the label's 'monitor carefully', no dose change."""
    out = run(_case(
        labs={"bilirubin_mg_dl": 2.4}, proposed_treatment=[{"drug": "capecitabine", "dose_mg_m2": 1000}]
    ))
    alert = _alerts(out, "capecitabine")["hepatic_dose_adjustment"]
    assert "grade 2" in alert.clinician and "monitor carefully" in alert.clinician
    assert "interrupt" in alert.clinician  # the next step is named
    assert "liver" in alert.public


def test_capecitabine_bilirubin_grade_1_gets_no_liver_alert() -> None:
    """Bilirubin 1.6 mg/dL = 1.33 x ULN (grade 1): no label action."""
    out = run(_case(
        labs={"bilirubin_mg_dl": 1.6}, proposed_treatment=[{"drug": "capecitabine", "dose_mg_m2": 1000}]
    ))
    assert "hepatic_dose_adjustment" not in _alerts(out, "capecitabine")


# --- 2. lapatinib with acid suppression (EU Tyverb SmPC 4.5; US Tykerb label -27%) -----------------------
@pytest.mark.parametrize("partner", ["esomeprazole", "famotidine", "Nexium"])
def test_lapatinib_with_acid_suppression_is_flagged(partner: str) -> None:
    out = run(_case(
        tumor={"her2_ihc": "3+"},
        current_meds=[partner],
        proposed_treatment=[
            {"drug": "lapatinib", "dose_mg": 1250}, {"drug": "capecitabine", "dose_mg_m2": 1000}
        ],
    ))
    alert = _alerts(out, "lapatinib")["lapatinib_acid_suppression"]
    assert alert.severity == "warning"
    assert "27%" in alert.clinician and "Tyverb SmPC" in alert.clinician
    assert {"ema-smpc-lapatinib", "fda-label-lapatinib"} <= set(alert.sources)
    assert "lapatinib_acid_suppression" in _order(out, "lapatinib").alerts


def test_lapatinib_without_acid_suppression_has_no_such_alert() -> None:
    out = run(_case(
        tumor={"her2_ihc": "3+"}, proposed_treatment=[{"drug": "lapatinib", "dose_mg": 1250}]
    ))
    assert "lapatinib_acid_suppression" not in _alerts(out, "lapatinib")


# --- 3. G-CSF doses and pegfilgrastim timing (Neulasta, Neupogen labels) ----------------------------------
def test_pegfilgrastim_6_mg_is_checked_and_passes() -> None:
    """pharm7 c27: pegfilgrastim 6 mg got dose_not_checked; the label dose is 6 mg once per cycle."""
    out = run(_case(proposed_treatment=[{"drug": "pegfilgrastim", "dose_mg": 6}]))
    assert "dose_not_checked" not in _alerts(out, "pegfilgrastim")
    assert _order(out, "pegfilgrastim").result == "no alert"


def test_pegfilgrastim_60_mg_is_a_gross_overdose() -> None:
    out = run(_case(proposed_treatment=[{"drug": "pegfilgrastim", "dose_mg": 60}]))
    alert = _alerts(out, "pegfilgrastim")["dose_above_label"]
    assert alert.severity == "contraindication"
    assert "6 mg" in alert.clinician


def test_filgrastim_5_mcg_per_kg_passes_and_double_is_flagged() -> None:
    """Neupogen: 5 mcg/kg/day = 0.35 mg at 70 kg; 0.7 mg (10 mcg/kg) is above the starting dose."""
    ok = run(_case(proposed_treatment=[{"drug": "filgrastim", "dose_mg": 0.35}]))
    assert _order(ok, "filgrastim").result == "no alert"
    high = run(_case(proposed_treatment=[{"drug": "filgrastim", "dose_mg_kg": 0.01}]))
    assert "dose_above_label" in _alerts(high, "filgrastim")


SAME_DAY_NOTES = [
    "Plan: docetaxel 75 mg/m2 day 1 with pegfilgrastim 6 mg given the same day, 2 hours before chemotherapy.",
    "Neulasta 6 mg SC before chemo today.",
    "Same-day pegfilgrastim with docetaxel for convenience.",
]


@pytest.mark.parametrize("note", SAME_DAY_NOTES)
def test_pegfilgrastim_same_day_note_is_a_warning(note: str) -> None:
    """Neulasta label 2.1: not from 14 days before to 24 hours after cytotoxic chemotherapy."""
    out = run(_case(
        notes=[note],
        proposed_treatment=[{"drug": "docetaxel", "dose_mg_m2": 75}, {"drug": "pegfilgrastim", "dose_mg": 6}],
    ))
    alert = _alerts(out, "pegfilgrastim")["pegfilgrastim_chemo_timing"]
    assert alert.severity == "warning"
    assert "14 days before to 24 hours after" in alert.clinician
    assert "fda-label-pegfilgrastim" in alert.sources
    assert any("pegfilgrastim timing" in line for line in out.notes_used)


@pytest.mark.parametrize(
    "note",
    [
        "Docetaxel day 1, pegfilgrastim 6 mg on day 2, 24 hours after chemotherapy.",
        "Pegfilgrastim not on the same day as chemotherapy: give day 2.",
        "Neulasta Onpro applied on the same day as docetaxel.",
        "Docetaxel day 1, same-day labs; pegfilgrastim on day 2.",
    ],
)
def test_pegfilgrastim_correct_timing_is_not_read_as_same_day(note: str) -> None:
    out = run(_case(
        notes=[note],
        proposed_treatment=[{"drug": "docetaxel", "dose_mg_m2": 75}, {"drug": "pegfilgrastim", "dose_mg": 6}],
    ))
    assert "pegfilgrastim_chemo_timing" not in _alerts(out, "pegfilgrastim")


# --- 5. wording ---------------------------------------------------------------------------------------------
def test_trastuzumab_6_mg_is_named_a_unit_slip_for_6_mg_per_kg() -> None:
    """Herceptin: 6 mg/kg every 3 weeks; "6 mg" is that figure in the wrong unit (docs: dose_unit_suspect)."""
    out = run(_case(
        tumor={"her2_ihc": "3+"}, proposed_treatment=[{"drug": "trastuzumab", "dose_mg": 6}]
    ))
    alerts = _alerts(out, "trastuzumab")
    assert "dose_below_label" not in alerts
    alert = alerts["dose_unit_suspect"]
    assert "6 mg/kg" in alert.clinician and "420 mg" in alert.clinician  # 6 mg/kg x 70 kg


def test_zoledronic_acid_4_g_names_the_thousandfold_g_for_mg_slip() -> None:
    out = run(_case(proposed_treatment=[{"drug": "zoledronic acid", "dose_mg": 4000}]))
    alert = next(
        a for a in out.safety_alerts if a.drug == "zoledronic acid" and a.code.startswith("dose_above")
    )
    assert alert.severity == "contraindication"
    assert "1000 times the dose, probably g written for mg" in alert.clinician
    assert "1000 times" in alert.public and "grams" in alert.public


def test_letrozole_25_mg_keeps_the_general_slip_wording() -> None:
    """10x is a decimal slip, not the g-for-mg one."""
    out = run(_case(proposed_treatment=[{"drug": "letrozole", "dose_mg": 25}]))
    alert = _alerts(out, "letrozole")["dose_above_label"]
    assert "likely unit or decimal slip" in alert.clinician
    assert "grams" not in alert.public


def test_ugt1a1_text_keeps_to_the_label() -> None:
    out = run(_case(
        tumor={"er_percent": 0, "pr_percent": 0, "her2_ihc": "0"},
        pharmacogenomics={"ugt1a1": "*28/*28"},
        proposed_treatment=[{"drug": "sacituzumab govitecan", "dose_mg_kg": 10}],
    ))
    alert = _alerts(out, "sacituzumab govitecan")["ugt1a1_poor_metabolizer"]
    assert "low threshold" not in alert.clinician
    assert "febrile neutropenia" in alert.clinician


def test_moderate_cyp3a_card_title_says_avoid_or_lower() -> None:
    """The code is public (doses.yaml names it), so the clearer wording is in the card title."""
    from mbcnav.interop.cds_hooks import card_titles

    title = card_titles()["safety"]["moderate_cyp3a_inhibitor_dose"]
    assert title.startswith("Moderate CYP3A inhibitor - avoid")
