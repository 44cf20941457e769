"""Liver rules from the labels (rules/safety.yaml), as a pharmacist's acceptance sweep asked for them:
the paclitaxel hepatic table, the ribociclib and abemaciclib liver-toxicity tables for a drug already
taken, and the Child-Pugh doses of eribulin, fulvestrant and the CDK4/6 inhibitors (patient.child_pugh),
plus capivasertib's bilirubin-graded hepatic impairment. Each test runs a case through parse_case and
assess, and names the label it checks."""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import run as _run
from _helpers import with_changes

from mbcnav.assessment import Assessment, SafetyAlert
from mbcnav.case import parse_case
from mbcnav.errors import CaseValidationError


def _case(**over: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "patient": {
            "age": 60,
            "sex": "F",
            "menopausal": "post",
            "weight_kg": 70,
            "height_cm": 165,
            "ecog": 1,
        },
        "tumor": {"histology": "IDC", "er_percent": 95, "pr_percent": 60, "her2_ihc": "1+"},
        "metastatic_sites": ["liver"],
        "labs": {"creatinine_mg_dl": 0.8, "anc_per_ul": 3000, "platelets_per_ul": 200000},
        "line": 1,
    }
    return with_changes(case, over)


def _alerts(result: Assessment, drug: str, code: str) -> list[SafetyAlert]:
    return [a for a in result.safety_alerts if a.drug == drug and a.code == code]


def _offered(result: Assessment) -> set[str]:
    return {d for o in result.therapy_options if not o.flagged for d in o.drugs}


TNBC = {"histology": "IDC", "er_percent": 0, "pr_percent": 0, "her2_ihc": "0", "pdl1_cps": 15}


# ------------------------------------------------------------------ paclitaxel (label hepatic table)
def test_paclitaxel_at_ast_12x_uln_is_not_offered_or_accepted_fda_label_paclitaxel() -> None:
    case = _case(
        tumor=TNBC,
        labs={"bilirubin_mg_dl": 1.4, "alt_u_l": 420, "ast_u_l": 480},
        proposed_treatment=[{"drug": "paclitaxel", "dose_mg_m2": 90}],
    )
    result = _run(case)
    (alert,) = _alerts(result, "paclitaxel", "hepatic_contraindication")
    assert alert.severity == "contraindication" and "not recommended" in alert.clinician
    assert "proposed order" in alert.rationale
    # the "A or B" chemotherapy options must not fall back on paclitaxel once nab-paclitaxel is blocked
    assert "paclitaxel" not in _offered(result) and "nab-paclitaxel" not in _offered(result)


def test_current_paclitaxel_is_held_at_bilirubin_over_5x_uln_fda_label_paclitaxel() -> None:
    case = _case(tumor=TNBC, labs={"bilirubin_mg_dl": 6.5}, current_treatment=[{"drug": "paclitaxel"}])
    result = _run(case)
    (alert,) = _alerts(result, "paclitaxel", "hepatic_contraindication")
    assert alert.severity == "contraindication" and "> 5 x ULN" in alert.clinician
    assert "paclitaxel" not in _offered(result)


@pytest.mark.parametrize(("bilirubin", "dose"), [(1.8, "135 mg/m2"), (3.6, "90 mg/m2")])
def test_paclitaxel_first_dose_follows_the_bilirubin_band_fda_label_paclitaxel(
    bilirubin: float, dose: str
) -> None:
    case = _case(tumor=TNBC, labs={"bilirubin_mg_dl": bilirubin, "ast_u_l": 60, "alt_u_l": 50}, line=2)
    (alert,) = _alerts(_run(case), "paclitaxel", "hepatic_dose_adjustment")
    assert alert.severity == "warning" and dose in alert.clinician


def test_paclitaxel_at_bilirubin_1_25x_uln_has_no_hepatic_alert_fda_label_paclitaxel() -> None:
    case = _case(tumor=TNBC, labs={"bilirubin_mg_dl": 1.5, "ast_u_l": 200}, line=2)  # 1.25 x ULN, AST 5 x
    result = _run(case)
    assert not [a for a in result.safety_alerts if a.drug == "paclitaxel" and a.code.startswith("hepatic")]


# ------------------------------------------------------------------ CDK4/6 inhibitors on treatment
def test_ribociclib_with_hys_law_pattern_is_stopped_fda_label_ribociclib() -> None:
    case = _case(
        labs={"alt_u_l": 160, "ast_u_l": 170, "bilirubin_mg_dl": 2.8},
        current_treatment=[{"drug": "ribociclib", "dose_mg": 600}, {"drug": "letrozole"}],
    )
    result = _run(case)
    (alert,) = _alerts(result, "ribociclib", "hepatotoxicity")  # one alert: the stop, not also "resume"
    assert alert.severity == "contraindication"
    assert "permanently discontinue" in alert.clinician and "current treatment" in alert.rationale
    assert "ribociclib" not in _offered(result)


@pytest.mark.parametrize(
    ("alt", "severity", "words"),
    [
        (250, "contraindication", "next lower dose"),  # 6.25 x ULN, grade 3
        (900, "contraindication", "grade 4, > 20 x ULN): discontinue"),  # 22.5 x ULN, grade 4
        (160, "warning", "no dose change"),  # 4 x ULN, grade 2
    ],
)
def test_abemaciclib_transaminase_grades_fda_label_abemaciclib(alt: int, severity: str, words: str) -> None:
    case = _case(
        labs={"alt_u_l": alt, "ast_u_l": 100, "bilirubin_mg_dl": 0.8},
        current_treatment=[{"drug": "abemaciclib", "dose_mg": 150}, {"drug": "anastrozole"}],
    )
    (alert,) = _alerts(_run(case), "abemaciclib", "hepatotoxicity")
    assert alert.severity == severity and words in alert.clinician


def test_ribociclib_grade_3_transaminases_hold_then_lower_dose_fda_label_ribociclib() -> None:
    case = _case(
        labs={"alt_u_l": 300, "ast_u_l": 100, "bilirubin_mg_dl": 0.8},
        current_treatment=[{"drug": "ribociclib", "dose_mg": 600}, {"drug": "letrozole"}],
    )
    (alert,) = _alerts(_run(case), "ribociclib", "hepatotoxicity")
    assert alert.severity == "contraindication" and "one dose level lower" in alert.clinician


def test_cdk46_liver_tables_are_for_current_treatment_only() -> None:
    """Starting a CDK4/6 inhibitor with grade 2 transaminases is not a hold (labels: baseline grade)."""
    result = _run(_case(labs={"alt_u_l": 160, "ast_u_l": 150, "bilirubin_mg_dl": 0.8}))
    assert not [a for a in result.safety_alerts if a.code == "hepatotoxicity"]


# ------------------------------------------------------------------ Child-Pugh class
@pytest.mark.parametrize(
    ("drug", "child_pugh", "words"),
    [
        ("eribulin", "A", "1.1 mg/m2"),
        ("eribulin", "B", "0.7 mg/m2"),
        ("fulvestrant", "B", "250 mg"),
        ("ribociclib", "C", "400 mg"),
        ("palbociclib", "C", "75 mg"),
        ("abemaciclib", "C", "once daily"),
    ],
)
def test_child_pugh_label_doses(drug: str, child_pugh: str, words: str) -> None:
    case = _case(
        patient={"child_pugh": child_pugh},
        comorbidities=["cirrhosis"],
        labs={"bilirubin_mg_dl": 2.4},
        proposed_treatment=[{"drug": drug}],
    )
    alerts = _alerts(_run(case), drug, "hepatic_dose_adjustment")
    assert len(alerts) == 1 and words in alerts[0].clinician, [a.clinician for a in alerts]
    assert alerts[0].clinician.startswith("Child-Pugh") and child_pugh in alerts[0].clinician.split(" (")[0]


def test_cirrhosis_without_a_class_lists_the_doses_and_asks_for_it() -> None:
    """Pharmacist case h03: Halaven 1.4 mg/m2 proposed in cirrhosis got only 'apply the label's table'."""
    case = _case(
        comorbidities=["cirrhosis"],
        labs={"bilirubin_mg_dl": 2.4, "albumin_g_dl": 2.7, "inr": 1.6},
        proposed_treatment=[{"drug": "Halaven", "dose_mg_m2": 1.4}],
        line=4,
    )
    (alert,) = _alerts(_run(case), "eribulin", "hepatic_dose_adjustment")
    assert "0.7 mg/m2" in alert.clinician and "1.1" in alert.clinician and "child_pugh" in alert.clinician


def test_no_child_pugh_alert_without_liver_disease_recorded() -> None:
    result = _run(_case(labs={"bilirubin_mg_dl": 0.8}, proposed_treatment=[{"drug": "eribulin"}], line=4))
    assert not _alerts(result, "eribulin", "hepatic_dose_adjustment")


def test_child_pugh_is_read_from_common_spellings_and_refused_otherwise() -> None:
    assert parse_case(_case(patient={"child_pugh": "Child-Pugh b"})).patient.child_pugh == "B"
    with pytest.raises(CaseValidationError) as info:
        parse_case(_case(patient={"child_pugh": "D"}))
    assert "child_pugh" in str(info.value.problems)


# ------------------------------------------------------------------ capivasertib (bilirubin-graded)
@pytest.mark.parametrize(
    ("bilirubin", "words"), [(2.2, "monitor for adverse reactions"), (4.0, "not studied")]
)
def test_capivasertib_hepatic_impairment_fda_label_capivasertib(bilirubin: float, words: str) -> None:
    """Pharmacist case h05: proposed Truqap with bilirubin 1.8 x ULN got no alert at all."""
    case = _case(
        tumor={"histology": "IDC", "er_percent": 95, "pr_percent": 60, "her2_ihc": "0", "akt1": "mutant"},
        labs={"bilirubin_mg_dl": bilirubin, "alt_u_l": 95, "ast_u_l": 110},
        proposed_treatment=[{"drug": "Truqap", "dose_mg": 400}, {"drug": "fulvestrant", "dose_mg": 500}],
        prior_treatment=[{"drug": "anastrozole", "setting": "metastatic", "progressed": True, "months": 14}],
        line=2,
    )
    (alert,) = _alerts(_run(case), "capivasertib", "hepatic_dose_adjustment")
    assert alert.severity == "warning" and words in alert.clinician


def test_bilirubin_alert_speaks_of_its_own_drug_only_kadcyla_label() -> None:
    """The generic bilirubin text ended "(T-DM1 grade 2 bilirubin: hold)" on every drug's alert (a second
    pharmacist sweep); T-DM1 now has its own rule, and the others no longer mention it."""
    case = _case(
        tumor={"er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"},
        labs={"bilirubin_mg_dl": 2.4},
        current_treatment=[{"drug": "trastuzumab emtansine"}],
        proposed_treatment=[{"drug": "eribulin"}],
    )
    alerts = {(a.code, a.drug): a for a in _run(case).safety_alerts}
    tdm1 = alerts[("hepatic_dose_adjustment", "trastuzumab emtansine")]
    assert "do not give T-DM1 until bilirubin is back to <= 1.5 x ULN" in tdm1.clinician
    other = alerts[("hepatic_dose_adjustment", "eribulin")]
    assert "T-DM1" not in other.clinician
