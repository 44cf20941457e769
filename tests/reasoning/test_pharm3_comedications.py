"""Third pharmacist sweep (M2, M5, L3, M6 and hormonal contraception): cases copied from the sweep into
data_pharm3_x4/, checked through parse_case and assess()."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from _helpers import first_alert as _alert
from _helpers import run as _assess

from mbcnav.case import parse_case
from mbcnav.errors import CaseValidationError

DATA = Path(__file__).parent / "data_pharm3_x4"


def _load(name: str) -> dict[str, Any]:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


# --- M2: medicines that raise calcium during hypercalcaemia ------------------------------------------
@pytest.mark.parametrize(
    ("case", "medicines"),
    [
        ("c20_hcm_zometa_hctz", ["hydrochlorothiazide", "calcium carbonate", "cholecalciferol"]),
        ("v30_hcm_thiazide_calcium", ["chlorthalidone", "calcium carbonate", "calcitriol", "lithium"]),
    ],
)
def test_calcium_raising_medicines_are_held_in_hypercalcemia_per_endocrine_society_2023(
    case: str, medicines: list[str]
) -> None:
    result = _assess(_load(case))
    assert "hypercalcemia" in [f.code for f in result.red_flags]
    for medicine in medicines:
        alert = _alert(result, "hypercalcemia_raising_medicine", medicine)
        assert alert is not None, medicine
        assert alert.severity == "contraindication"
        assert "endocrine-society-hcm-2023" in alert.sources


def test_calcium_raising_medicines_pass_with_normal_calcium() -> None:
    data = _load("v30_hcm_thiazide_calcium")
    data["labs"]["calcium_mg_dl"] = 9.4
    result = _assess(data)
    assert not [a for a in result.safety_alerts if a.code == "hypercalcemia_raising_medicine"]


# --- M5: testosterone and an aromatase inhibitor alone in a man ---------------------------------------
@pytest.mark.parametrize(("case", "medicine"), [("c35_male_ai_testosterone", "testosterone"),
                                                ("v25_male_testosterone_noai", "testosterone")])
def test_testosterone_in_a_man_is_contraindicated_per_its_label(case: str, medicine: str) -> None:
    alert = _alert(_assess(_load(case)), "androgen_male_breast_cancer", medicine)
    assert alert is not None
    assert alert.severity == "contraindication"
    assert "fda-label-testosterone" in alert.sources


def test_testosterone_rule_reads_sex() -> None:
    data = _load("v25_male_testosterone_noai")
    data["patient"]["sex"] = "F"
    data["patient"]["menopausal"] = "post"
    assert _alert(_assess(data), "androgen_male_breast_cancer", "testosterone") is None


def test_anastrozole_ordered_for_a_man_without_gnrh_agonist_per_asco_2020() -> None:
    alert = _alert(_assess(_load("c35_male_ai_testosterone")), "ai_male_without_gnrh", "anastrozole")
    assert alert is not None
    assert "asco-male-breast-cancer-2020" in alert.sources


def test_anastrozole_with_leuprolide_ordered_gets_no_gnrh_alert() -> None:
    data = _load("c35_male_ai_testosterone")
    data["proposed_treatment"].append({"drug": "Lupron Depot"})
    assert _alert(_assess(data), "ai_male_without_gnrh", "anastrozole") is None


def test_male_options_pairing_an_ai_with_leuprolide_raise_no_gnrh_alert() -> None:
    """Without an order, the options (which add leuprolide for men) are not checked by this rule."""
    data = _load("c35_male_ai_testosterone")
    data["proposed_treatment"] = []
    result = _assess(data)
    assert not [a for a in result.safety_alerts if a.code == "ai_male_without_gnrh"]


# --- hormonal contraception with breast cancer (US MEC 2024 category 4) -------------------------------
@pytest.mark.parametrize("method", ["Mirena", "Nexplanon", "Depo-Provera", "Camila", "Yaz", "NuvaRing"])
def test_hormonal_contraception_is_contraindicated_per_us_mec_2024(method: str) -> None:
    data = _load("v28_myasthenia_only")
    data["patient"]["menopausal"] = "pre"
    data["patient"]["age"] = 36
    data["current_meds"] = [method]
    result = _assess(data)
    alerts = [a for a in result.safety_alerts if a.code == "hormonal_contraception_breast_cancer"]
    assert len(alerts) == 1
    assert alerts[0].severity == "contraindication"
    assert "us-mec-2024" in alerts[0].sources
    assert "copper IUD" in alerts[0].public


# --- L3: tamoxifen already taken and ordered again ----------------------------------------------------
def test_tamoxifen_listed_and_ordered_gets_a_duplicate_therapy_note() -> None:
    alert = _alert(_assess(_load("c03_tamox_pm_bupropion_60mg")), "duplicate_therapy", "tamoxifen")
    assert alert is not None
    assert alert.severity == "warning"


def test_tamoxifen_ordered_alone_has_no_duplicate_note() -> None:
    data = _load("c03_tamox_pm_bupropion_60mg")
    data["current_meds"] = ["Wellbutrin XL 300 mg"]
    assert _alert(_assess(data), "duplicate_therapy", "tamoxifen") is None


# --- M6: myasthenia gravis, and unknown conditions -----------------------------------------------------
def test_myasthenia_gravis_is_autoimmune_for_pembrolizumab_per_label() -> None:
    alert = _alert(_assess(_load("v28_myasthenia_only")), "autoimmune_disease", "pembrolizumab")
    assert alert is not None
    assert "fda-label-pembrolizumab" in alert.sources


def test_transplant_and_myasthenia_both_warn_for_keytruda() -> None:
    result = _assess(_load("c30_keytruda_transplant_mg"))
    assert _alert(result, "organ_transplant", "pembrolizumab") is not None
    assert _alert(result, "autoimmune_disease", "pembrolizumab") is not None


def test_unknown_comorbidity_is_an_error_naming_the_field_and_known_values() -> None:
    data = copy.deepcopy(_load("v28_myasthenia_only"))
    data["comorbidities"] = ["hypertension", "myastenia gravus"]
    with pytest.raises(CaseValidationError) as caught:
        parse_case(data)
    text = " ".join(str(p) for p in caught.value.problems)
    assert "comorbidities.1" in text
    assert "myastenia gravus" in text
    assert "myasthenia_gravis" in text


def test_comorbidity_aliases_read_as_the_rule_names() -> None:
    data = _load("v28_myasthenia_only")
    data["comorbidities"] = ["SLE", "Interstitial lung disease", "CHF"]
    case = parse_case(data)
    assert case.comorbidities == ("lupus", "interstitial_lung_disease", "heart_failure")


def test_emergency_contraception_is_not_a_hormonal_contraceptive_per_us_mec_2024_appendix_j() -> None:
    # US MEC 2024 restricts ongoing hormonal methods in breast cancer (category 4), not the single-dose
    # emergency pill; Aygestin (norethindrone acetate 5 mg) is not a contraceptive at all.
    data = _load("v28_myasthenia_only")
    data["comorbidities"] = []
    data["current_meds"] = ["Plan B", "Aygestin", "Mirena"]
    alerts = _assess(data).safety_alerts
    flagged = [a.drug for a in alerts if a.code == "hormonal_contraception_breast_cancer"]
    assert flagged == ["levonorgestrel"]
