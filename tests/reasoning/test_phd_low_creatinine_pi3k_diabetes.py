"""Fifth pharmacist sweep, M7 and L4: a very low creatinine in an older or light adult gets a caveat on every
drug whose dose or renal alert reads the Cockcroft-Gault CrCl (never a new dose), and the inavolisib
diabetes wording says who INAVO120 left out (ClinicalTrials.gov NCT04191499)."""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import run, with_changes


def _case(**over: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "patient": {
            "age": 91, "sex": "F", "menopausal": "post", "weight_kg": 40, "height_cm": 150, "ecog": 1
        },
        "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 50, "her2_ihc": "0"},
        "metastatic_sites": ["bone"],
        "labs": {
            "creatinine_mg_dl": 0.4, "anc_per_ul": 3000, "platelets_per_ul": 200000, "hemoglobin_g_dl": 12.0,
            "calcium_mg_dl": 9.4, "albumin_g_dl": 4.0, "bilirubin_mg_dl": 0.6, "alt_u_l": 20, "ast_u_l": 20,
        },
        "line": 2,
    }
    return with_changes(case, over)


def _alert(out: Any, code: str, drug: str) -> Any:
    return next((a for a in out.safety_alerts if a.code == code and a.drug == drug), None)


def test_probe_91y_40kg_cr04_capecitabine_gets_the_low_creatinine_caveat_cockcroft_gault_1976() -> None:
    out = run(_case(proposed_treatment=[{"drug": "capecitabine"}]))
    assert out.calculations["crcl_ml_min"] == pytest.approx(57.8, abs=0.1)
    caveat = _alert(out, "crcl_low_creatinine_caveat", "capecitabine")
    assert caveat is not None and caveat.severity == "warning"
    assert "0.4 mg/dL" in caveat.clinician and "58 mL/min" in caveat.clinician
    assert "local practice" in caveat.clinician and "0.8-1.0" in caveat.clinician
    assert "muscle" in caveat.public
    # a caveat, not a dose rule: no renal band is invented at CrCl 58
    assert _alert(out, "renal_dose_adjustment", "capecitabine") is None
    assert _alert(out, "renal_not_recommended", "capecitabine") is None


@pytest.mark.parametrize(
    ("patient", "creatinine"),
    [({"age": 70, "weight_kg": 70}, 0.6), ({"age": 40, "weight_kg": 45}, 0.5)],
)
def test_older_or_light_adult_alone_is_enough(patient: dict, creatinine: float) -> None:
    out = run(_case(patient=patient, labs={"creatinine_mg_dl": creatinine},
                    proposed_treatment=[{"drug": "carboplatin", "target_auc": 5}]))
    assert _alert(out, "crcl_low_creatinine_caveat", "carboplatin") is not None


@pytest.mark.parametrize(
    ("patient", "creatinine"),
    [({"age": 91, "weight_kg": 40}, 0.7), ({"age": 50, "weight_kg": 70}, 0.5)],
)
def test_no_caveat_at_0_7_or_in_a_younger_heavier_adult(patient: dict, creatinine: float) -> None:
    out = run(_case(patient=patient, labs={"creatinine_mg_dl": creatinine},
                    proposed_treatment=[{"drug": "capecitabine"}]))
    assert _alert(out, "crcl_low_creatinine_caveat", "capecitabine") is None


def test_no_caveat_for_a_drug_without_a_renal_band() -> None:
    out = run(_case(proposed_treatment=[{"drug": "paclitaxel"}]))
    assert _alert(out, "crcl_low_creatinine_caveat", "paclitaxel") is None


# --- L4: inavolisib with diabetes on treatment and a good HbA1c (INAVO120 NCT04191499, Itovebi label) -----
def test_inavolisib_with_treated_diabetes_names_the_inavo120_exclusion() -> None:
    out = run(_case(
        patient={"age": 62, "weight_kg": 70, "height_cm": 165},
        labs={"creatinine_mg_dl": 0.9, "hba1c_percent": 6.7, "glucose_mg_dl": 110},
        tumor={"pik3ca": "mutant"},
        comorbidities=["type_2_diabetes"],
        current_meds=["sitagliptin"],
        proposed_treatment=[{"drug": "inavolisib"}],
    ))
    alert = _alert(out, "hyperglycemia_risk", "inavolisib")
    assert alert is not None
    assert "requiring ongoing systemic treatment" in alert.clinician
    assert "not tested in people who need medicine for diabetes" in alert.public
    assert "nct04191499-inavo120-registration" in alert.sources
    assert "uncontrolled diabetes not studied" not in alert.clinician
