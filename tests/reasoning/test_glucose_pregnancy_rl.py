"""Glucose before PI3K/AKT/mTOR inhibitors, and the ECG item in pregnancy (closing-note leftovers).

- Known diabetes with no HbA1c: the PI3K/AKT options stay where they rank (the labels exclude
  uncontrolled diabetes, not diabetes, and an unknown HbA1c is a missing test, not a finding), but the
  alert says no HbA1c is recorded and asks for fasting glucose and HbA1c (Piqray: type 1 or uncontrolled
  type 2 diabetes excluded from SOLAR-1; all three labels: optimise glucose before starting), and the
  workup asks for HbA1c even when a glucose is recorded.
- Everolimus: the Afinitor label asks for fasting glucose (and lipids) before starting and glucose
  control first where possible (hyperglycaemia in BOLERO-2); the same glucose rules as the PI3K/AKT
  inhibitors now reach it, and with HbA1c >= 8% it does not move ahead of the PI3K/AKT options.
- Pregnancy: no CDK4/6 inhibitor is given in pregnancy, so the "ECG before ribociclib" item is not asked.
"""

from __future__ import annotations

from typing import Any

from mbcnav.assessment import Assessment
from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess

_AFTER_AI_CDK46 = [
    {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 22},
    {"drug": "palbociclib", "setting": "metastatic", "progressed": True, "months": 22},
]
_PATIENT = {"age": 62, "sex": "F", "menopausal": "post", "weight_kg": 68, "height_cm": 164, "ecog": 1}
_BASE_LABS = {"creatinine_mg_dl": 0.8, "anc_per_ul": 3500, "qtcf_ms": 420, "lvef_percent": 62}


def _case(pik3ca: str = "mutant", comorbidities: tuple[str, ...] = (), **labs: float) -> Assessment:
    return assess(
        parse_case(
            {
                "patient": _PATIENT,
                "tumor": {"er_percent": 95, "pr_percent": 60, "her2_ihc": "1+", "pik3ca": pik3ca},
                "metastatic_sites": ["bone"],
                "labs": {**_BASE_LABS, **labs},
                "line": 2,
                "prior_treatment": _AFTER_AI_CDK46,
                "comorbidities": list(comorbidities),
            }
        )
    )


def _alert(result: Assessment, code: str, drug: str) -> Any:
    found = [a for a in result.safety_alerts if a.code == code and a.drug == drug]
    assert found, (code, drug, sorted(f"{a.code}:{a.drug}" for a in result.safety_alerts))
    return found[0]


def _regimens(result: Assessment) -> list[str]:
    return [o.regimen for o in result.therapy_options]


def _rank(result: Assessment, regimen: str) -> int:
    return next(o.rank for o in result.therapy_options if o.regimen == regimen)


# ------------------------------------------------------------------ 1: diabetes with no HbA1c
def test_diabetes_without_hba1c_keeps_the_pi3k_akt_ranking_but_asks_for_the_hba1c() -> None:
    diabetic = _case(comorbidities=("type_2_diabetes",))
    plain = _case()
    # ranking unchanged: unknown control is not uncontrolled diabetes
    assert _regimens(diabetic) == _regimens(plain)
    for drug in ("alpelisib", "capivasertib"):
        alert = _alert(diabetic, "hyperglycemia_risk", drug)
        assert alert.severity == "warning"
        assert "no hba1c recorded" in alert.clinician.lower()
        assert "fasting glucose and HbA1c" in alert.clinician
        assert "SOLAR-1" in alert.clinician
        assert "HbA1c" in alert.public
    work = {w.code: w for w in diabetic.workup}
    assert "glucose_hba1c" in work


def test_diabetes_with_a_glucose_but_no_hba1c_still_gets_the_hba1c_workup_item() -> None:
    """Old code asked for the test only when both glucose and HbA1c were missing."""
    result = _case(comorbidities=("diabetes",), glucose_mg_dl=118)
    work = {w.code: w for w in result.workup}
    assert "glucose_hba1c" in work
    assert "diabetes" in work["glucose_hba1c"].clinician.lower()
    assert "HbA1c" in work["glucose_hba1c"].public
    # no diabetes recorded and a glucose known: nothing is asked, as before
    assert "glucose_hba1c" not in {w.code for w in _case(glucose_mg_dl=118).workup}


def test_diabetes_with_an_hba1c_does_not_say_the_hba1c_is_missing() -> None:
    result = _case(comorbidities=("diabetes",), hba1c_percent=6.9, glucose_mg_dl=120)
    alert = _alert(result, "hyperglycemia_risk", "alpelisib")
    assert "no hba1c recorded" not in alert.clinician.lower()
    assert "HbA1c 6.9%" in alert.clinician
    assert "glucose_hba1c" not in {w.code for w in result.workup}


# ------------------------------------------------------------------ 2: everolimus
def test_everolimus_gets_the_glucose_alerts_of_the_shared_rules() -> None:
    for labs, needle in (
        ({"hba1c_percent": 7.2}, "HbA1c 7.2%"),
        ({"hba1c_percent": 8.6}, "HbA1c 8.6%"),
        ({"glucose_mg_dl": 230}, "Glucose 230 mg/dL"),  # >= 200: high even if not fasting (ADA)
    ):
        result = _case(pik3ca="wildtype", **labs)
        alert = _alert(result, "hyperglycemia_risk", "everolimus")
        assert needle in alert.clinician
        assert "fda-label-everolimus" in alert.sources
    diabetic = _case(pik3ca="wildtype", comorbidities=("diabetes",))
    assert "no hba1c recorded" in _alert(diabetic, "hyperglycemia_risk", "everolimus").clinician.lower()
    # a normal HbA1c and glucose: no alert, as for the PI3K/AKT inhibitors
    calm = _case(pik3ca="wildtype", hba1c_percent=5.4, glucose_mg_dl=90)
    assert not [a for a in calm.safety_alerts if a.code == "hyperglycemia_risk"]


def test_glucose_workup_before_everolimus_when_pik3ca_is_wildtype() -> None:
    """Old code asked for glucose only when a PI3K/AKT inhibitor could be given (PIK3CA altered or
    untested); everolimus + exemestane or fulvestrant needs it too (Afinitor label)."""
    result = _case(pik3ca="wildtype")
    assert any("everolimus" in o.drugs for o in result.therapy_options)
    work = {w.code: w for w in result.workup}
    assert "glucose_hba1c" in work
    assert "everolimus" in work["glucose_hba1c"].clinician


def test_uncontrolled_hba1c_does_not_move_everolimus_ahead_of_the_pi3k_akt_options() -> None:
    result = _case(hba1c_percent=8.5)
    capivasertib = _rank(result, "capivasertib + fulvestrant")
    assert _rank(result, "fulvestrant + everolimus") > capivasertib
    assert _rank(result, "everolimus + exemestane") > capivasertib
    option = next(o for o in result.therapy_options if o.regimen == "fulvestrant + everolimus")
    assert "HbA1c at or above 8%" in option.rationale
    # controlled: everolimus keeps its usual place after the biomarker-matched options
    assert _regimens(_case(hba1c_percent=6.0)) == _regimens(_case())


# ------------------------------------------------------------------ 3: ECG item in pregnancy
def _pregnant_hr_pos(pregnant: bool) -> Assessment:
    patient = {"age": 34, "sex": "F", "ecog": 1, "weight_kg": 68, "height_cm": 165, "menopausal": "pre"}
    if pregnant:
        patient |= {"pregnant": True, "gestation_weeks": 24}
    return assess(
        parse_case(
            {
                "patient": patient,
                "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 50, "her2_ihc": "0"},
                "metastatic_sites": ["liver", "bone"],
                "line": 1,
                "labs": {
                    "creatinine_mg_dl": 0.8,
                    "anc_per_ul": 3500,
                    "lvef_percent": 62,
                    "glucose_mg_dl": 92,
                },
            }
        )
    )


def test_pregnancy_workup_does_not_ask_for_an_ecg_before_ribociclib() -> None:
    result = _pregnant_hr_pos(pregnant=True)
    assert not any("ribociclib" in o.drugs and not o.flagged for o in result.therapy_options)
    for item in result.workup:
        assert "ribociclib" not in item.public.lower(), item.code
        assert "ribociclib" not in item.clinician.lower(), item.code
    # not pregnant, same case: ribociclib is a first-line candidate and the ECG item stays
    assert "ecg" in {w.code for w in _pregnant_hr_pos(pregnant=False).workup}
