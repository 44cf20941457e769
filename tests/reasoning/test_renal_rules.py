"""Renal checks from the pharmacist's acceptance sweep (report items 2, 3, 7, 12, 13, 17).

Cases are the sweep's reproductions (/work/scratch-pharm/probes and cases), copied here; each test
names the label or paper its expectation comes from.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from _helpers import alerts_by_key as _alerts
from _helpers import run as _assess

from mbcnav.reasoning.calculators import CALCULATORS


def _offered(result: Any) -> set[str]:
    return {d for o in result.therapy_options if not o.flagged for d in o.drugs}


# probes/F_talaz_crcl10.json: CrCl 9.7 mL/min, not on dialysis
TALAZ_CRCL10 = {
    "patient": {"age": 85, "sex": "F", "weight_kg": 45, "height_cm": 150, "menopausal": "post", "ecog": 1},
    "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0", "gbrca": "BRCA1"},
    "metastatic_sites": ["lung"],
    "labs": {"creatinine_mg_dl": 3.0},
    "proposed_treatment": [{"drug": "talazoparib", "dose_mg": 0.5}, {"drug": "eribulin"}],
    "line": 2,
}


def test_talazoparib_and_eribulin_below_crcl_15_against_labels() -> None:
    """Talzenna and Halaven labels dose only down to CrCl 15 mL/min: below it, no silent pass."""
    result = _assess(TALAZ_CRCL10)
    assert result.calculations["crcl_ml_min"] == pytest.approx(9.7, abs=0.06)
    alerts = _alerts(result)
    for drug in ("talazoparib", "eribulin"):
        alert = alerts[f"renal_not_studied:{drug}"]
        assert alert.severity == "contraindication"
        assert "15" in alert.clinician
    assert "talazoparib" not in _offered(result)
    assert "eribulin" not in _offered(result)


def test_lowest_band_still_fires_at_crcl_20_not_the_below_15_rule() -> None:
    """Talzenna label: CrCl 15-29 -> 0.5 mg; the new < 15 rule must not replace it."""
    case = json.loads(json.dumps(TALAZ_CRCL10))
    case["labs"]["creatinine_mg_dl"] = 1.5  # (140-85) x 45 / (72 x 1.5) x 0.85 = 19.5
    alerts = _alerts(_assess(case))
    assert "0.5 mg" in alerts["renal_dose_adjustment:talazoparib"].clinician
    assert "renal_not_studied:talazoparib" not in alerts


def test_ribociclib_severe_renal_start_dose_against_kisqali_label() -> None:
    """probes/C_ribo_crcl20.json (CrCl 22.9): Kisqali label, severe renal impairment -> start at 200 mg."""
    case = {
        "patient": {
            "age": 78,
            "sex": "F",
            "weight_kg": 50,
            "height_cm": 155,
            "menopausal": "post",
            "ecog": 1,
        },
        "tumor": {"er_percent": 95, "pr_percent": 60, "her2_ihc": "1+"},
        "metastatic_sites": ["bone"],
        "labs": {"creatinine_mg_dl": 1.6, "qtcf_ms": 420},
        "proposed_treatment": [{"drug": "ribociclib", "dose_mg": 600}, {"drug": "letrozole"}],
        "line": 1,
    }
    alert = _alerts(_assess(case))["renal_dose_adjustment:ribociclib"]
    assert alert.severity == "warning"
    assert "200 mg" in alert.clinician


INAVOLISIB_CRCL40 = {
    "patient": {"age": 70, "sex": "F", "weight_kg": 60, "height_cm": 160, "menopausal": "post", "ecog": 1},
    "tumor": {"er_percent": 95, "pr_percent": 60, "her2_ihc": "1+", "pik3ca": "mutant"},
    "metastatic_sites": ["liver"],
    "labs": {"creatinine_mg_dl": 1.2, "hba1c_percent": 5.5},
    "prior_treatment": [
        {"drug": "letrozole", "setting": "adjuvant", "months": 24, "relapse_after_end_months": 0}
    ],
    "proposed_treatment": [
        {"drug": "inavolisib", "dose_mg": 9},
        {"drug": "palbociclib"},
        {"drug": "fulvestrant"},
    ],
    "line": 1,
}


def test_inavolisib_moderate_renal_dose_against_itovebi_label() -> None:
    """probes/C2_inavolisib_crcl40.json (CrCl 41.3): Itovebi label, moderate renal impairment -> 6 mg."""
    alert = _alerts(_assess(INAVOLISIB_CRCL40))["renal_dose_adjustment:inavolisib"]
    assert "6 mg" in alert.clinician


def test_inavolisib_severe_renal_is_not_silent() -> None:
    case = json.loads(json.dumps(INAVOLISIB_CRCL40))
    case["labs"]["creatinine_mg_dl"] = 2.5  # CrCl 19.8
    alert = _alerts(_assess(case))["renal_dose_adjustment:inavolisib"]
    assert "9 mg" in alert.clinician and "severe" in alert.clinician


@pytest.mark.parametrize(("platelets", "words"), [(40000, "same dose"), (20000, "one dose level lower")])
def test_tdxd_thrombocytopenia_hold_against_enhertu_label(platelets: int, words: str) -> None:
    """probes/L_tdxd_anc400.json: Enhertu label, grade 3 platelets -> hold to grade <= 1, same dose;
    grade 4 -> hold, then one level lower."""
    case = {
        "patient": {
            "age": 60,
            "sex": "F",
            "weight_kg": 70,
            "height_cm": 165,
            "menopausal": "post",
            "ecog": 1,
        },
        "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"},
        "metastatic_sites": ["lung"],
        "labs": {"anc_per_ul": 2000, "platelets_per_ul": platelets, "lvef_percent": 60},
        "current_treatment": [{"drug": "trastuzumab deruxtecan", "dose_mg_kg": 5.4, "cycle": 4, "day": 1}],
        "line": 2,
    }
    alert = _alerts(_assess(case))["platelets_low:trastuzumab deruxtecan"]
    assert alert.severity == "contraindication"
    assert words in alert.clinician and "75,000" in alert.clinician


# probes/nowt.json and probes/nosex.json: creatinine known, weight or sex missing
NO_WEIGHT = {
    "patient": {"age": 78, "sex": "F"},
    "tumor": {"er_percent": 90, "her2_ihc": "0"},
    "metastatic_sites": ["bone"],
    "labs": {"creatinine_mg_dl": 2.4},
    "proposed_treatment": [{"drug": "zoledronic acid", "dose_mg": 4}, {"drug": "capecitabine"}],
}
NO_SEX = {
    "patient": {"age": 60, "weight_kg": 70},
    "tumor": {"er_percent": 90, "her2_ihc": "0"},
    "metastatic_sites": ["bone"],
    "labs": {"creatinine_mg_dl": 2.0},
    "proposed_treatment": [{"drug": "zoledronic acid"}],
}


@pytest.mark.parametrize("case", [NO_WEIGHT, NO_SEX], ids=["no_weight", "no_sex"])
def test_missing_crcl_input_is_never_silent(case: dict[str, Any]) -> None:
    result = _assess(case)
    assert "crcl_ml_min" not in result.calculations  # nothing guessed
    alert = _alerts(result)["renal_check_incomplete:zoledronic acid"]
    assert alert.severity == "warning"
    assert "could not" in alert.public
    work = {w.code: w for w in result.workup}
    assert work["crcl_inputs"].urgency == "urgent"
    assert result.workup[0].urgency == "urgent"  # urgent items come before routine ones


def test_missing_weight_with_no_renal_drug_in_play_is_a_routine_workup_item() -> None:
    case = {
        **NO_WEIGHT,
        "proposed_treatment": [],
        "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"},
    }
    work = {w.code: w for w in _assess(case).workup}
    assert work["crcl_inputs"].urgency == "routine"


def test_complete_inputs_give_no_incomplete_alert_or_workup() -> None:
    case = json.loads(json.dumps(NO_WEIGHT))
    case["patient"]["weight_kg"] = 60
    result = _assess(case)
    assert "crcl_ml_min" in result.calculations
    assert not any(a.code == "renal_check_incomplete" for a in result.safety_alerts)
    assert "crcl_inputs" not in {w.code for w in result.workup}


# cases/r05_carbo_crcl45_tnbc.json: 162 cm, 95 kg (BMI 36)
OBESE = {
    "patient": {"age": 64, "sex": "F", "weight_kg": 95, "height_cm": 162, "ecog": 1, "menopausal": "post"},
    "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0", "gbrca": "BRCA1"},
    "metastatic_sites": ["lung"],
    "labs": {"creatinine_mg_dl": 1.9, "anc_per_ul": 2600, "platelets_per_ul": 160000},
    "proposed_treatment": [{"drug": "capecitabine"}],
    "line": 2,
}


def test_obese_case_shows_ideal_and_adjusted_weight_crcl_against_devine_1974() -> None:
    """Devine IBW 45.5 + 2.3 x (162/2.54 - 60) = 54.2 kg; AdjBW = 54.2 + 0.4 x (95 - 54.2) = 70.5 kg."""
    result = _assess(OBESE)
    calc = result.calculations
    assert calc["crcl_ml_min"] == pytest.approx(44.9, abs=0.06)  # the rules still test actual weight
    assert calc["ibw_kg"] == pytest.approx(54.2, abs=0.06)
    assert calc["adjbw_kg"] == pytest.approx(70.5, abs=0.06)
    assert calc["crcl_ibw_ml_min"] == pytest.approx(25.6, abs=0.06)
    assert calc["crcl_adjbw_ml_min"] == pytest.approx(33.3, abs=0.06)
    alerts = _alerts(result)
    caveat = alerts["crcl_weight_caveat:capecitabine"]
    assert "26" in caveat.clinician and "actual body weight" in caveat.clinician
    assert "actual body weight" in alerts["renal_dose_adjustment:capecitabine"].rationale


def test_normal_weight_case_has_no_weight_caveat() -> None:
    case = json.loads(json.dumps(OBESE))
    case["patient"]["weight_kg"] = 58
    result = _assess(case)
    assert "crcl_ibw_ml_min" not in result.calculations
    assert not any(a.code == "crcl_weight_caveat" for a in result.safety_alerts)


def test_crcl_calculator_reports_ibw_and_adjbw_with_height() -> None:
    result = CALCULATORS["crcl"].compute(
        {"age": 64, "weight_kg": 95, "creatinine_mg_dl": 1.9, "sex": "F", "height_cm": 162}
    )
    assert result.value == pytest.approx(44.9, abs=0.06)
    assert result.values["crcl_ibw_ml_min"] == pytest.approx(25.6, abs=0.06)
    assert result.values["crcl_adjbw_ml_min"] == pytest.approx(33.3, abs=0.06)
    assert "devine-1974-ideal-body-weight" in result.sources
    assert "ideal" in result.clinician and result.notes


def test_crcl_calculator_without_height_is_unchanged() -> None:
    result = CALCULATORS["crcl"].compute({"age": 64, "weight_kg": 95, "creatinine_mg_dl": 1.9, "sex": "F"})
    assert result.values == {"crcl_ml_min": 44.9}
    assert not result.notes


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from mbcnav.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_calc_crcl_help_lists_the_calculator_inputs() -> None:
    proc = _cli("calc", "crcl", "--help")
    assert proc.returncode == 0, proc.stderr
    for option in ("--age", "--weight-kg", "--creatinine-mg-dl", "--sex", "--height-cm"):
        assert option in proc.stdout


def test_cli_calc_crcl_accepts_height() -> None:
    proc = _cli(
        "calc",
        "crcl",
        "--age",
        "64",
        "--weight-kg",
        "95",
        "--creatinine-mg-dl",
        "1.9",
        "--sex",
        "F",
        "--height-cm",
        "162",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    values = json.loads(proc.stdout)["values"]
    assert values["crcl_ibw_ml_min"] == pytest.approx(25.6, abs=0.06)
