"""Fourth pharmacist sweep (H1, H2, M1-M4, L2, L4): cases copied from the sweep into data_pharm4/, checked
through parse_case and assess()."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _helpers import first_alert as _alert
from _helpers import run as _assess

from mbcnav.assessment import Assessment, OrderCheck
from mbcnav.case import parse_case
from mbcnav.drugnames import resolve_drug

DATA = Path(__file__).parent / "data_pharm4"


def _load(name: str) -> dict[str, Any]:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def _order(result: Assessment, drug: str) -> OrderCheck:
    return next(o for o in result.proposed_orders if o.drug == drug)


# --- H1: neratinib in severe hepatic impairment (Nerlynx label: Child-Pugh C starting dose 80 mg) ----------
def test_neratinib_240_mg_in_child_pugh_c_is_held_to_the_nerlynx_label_80_mg() -> None:
    result = _assess(_load("v33_nerlynx_cpC"))
    alert = _alert(result, "hepatic_dose_adjustment", "neratinib")
    assert alert is not None
    assert "80 mg" in alert.clinician
    assert "fda-label-neratinib" in alert.sources
    dose = _alert(result, "dose_above_adjusted", "neratinib")
    assert dose is not None and dose.dose_limit is not None
    assert dose.dose_limit.value == 80
    assert _order(result, "neratinib").result == "warning"


def test_neratinib_80_mg_in_child_pugh_c_passes_the_dose_check() -> None:
    data = _load("v33_nerlynx_cpC")
    data["proposed_treatment"][0]["dose_mg"] = 80
    assert _alert(_assess(data), "dose_above_adjusted", "neratinib") is None


def test_neratinib_in_child_pugh_b_gets_no_hepatic_dose_note() -> None:
    data = _load("v33_nerlynx_cpC")
    data["patient"]["child_pugh"] = "B"
    assert _alert(_assess(data), "hepatic_dose_adjustment", "neratinib") is None


# --- H2: an aromatase inhibitor for a pre/perimenopausal woman without ovarian suppression -----------------
def test_letrozole_ordered_premenopausal_without_ofs_is_flagged_per_femara_and_ibrance_labels() -> None:
    result = _assess(_load("p29_letrozole_premeno_no_ofs"))
    alert = _alert(result, "ai_premenopausal_without_ofs", "letrozole")
    assert alert is not None
    assert alert.severity == "warning"
    assert "ovarian" in alert.clinician.lower()
    assert "fda-label-letrozole" in alert.sources
    assert _order(result, "letrozole").result == "warning"


def test_perimenopausal_woman_on_current_anastrozole_without_ofs_is_flagged() -> None:
    data = _load("p29_letrozole_premeno_no_ofs")
    data["patient"]["menopausal"] = "peri"
    data["proposed_treatment"] = []
    data["current_treatment"] = [{"drug": "anastrozole"}]
    assert _alert(_assess(data), "ai_premenopausal_without_ofs", "anastrozole") is not None


def test_letrozole_with_goserelin_ordered_gets_no_ofs_alert() -> None:
    data = _load("p29_letrozole_premeno_no_ofs")
    data["proposed_treatment"].append({"drug": "Zoladex"})
    assert _alert(_assess(data), "ai_premenopausal_without_ofs", "letrozole") is None


def test_postmenopausal_letrozole_gets_no_ofs_alert() -> None:
    data = _load("p29_letrozole_premeno_no_ofs")
    data["patient"]["menopausal"] = "post"
    assert _alert(_assess(data), "ai_premenopausal_without_ofs", "letrozole") is None


def test_premenopausal_options_that_add_goserelin_raise_no_ofs_alert() -> None:
    """Without an order the options (which add goserelin for premenopausal women) are not checked."""
    data = _load("p29_letrozole_premeno_no_ofs")
    data["proposed_treatment"] = []
    result = _assess(data)
    assert not [a for a in result.safety_alerts if a.code == "ai_premenopausal_without_ofs"]


# --- M1: cisplatin with renal impairment (cisplatin label: reduce the dose or use an alternative) ----------
def test_cisplatin_with_crcl_44_gets_a_renal_alert_per_the_cisplatin_label() -> None:
    result = _assess(_load("p26_cisplatin_crcl45"))
    alert = _alert(result, "renal_dose_adjustment", "cisplatin")
    assert alert is not None
    assert alert.severity == "warning"
    assert "fda-label-cisplatin" in alert.sources
    assert "renal_dose_adjustment" in _order(result, "cisplatin").alerts


def test_cisplatin_with_normal_kidneys_gets_no_renal_alert() -> None:
    data = _load("p26_cisplatin_crcl45")
    data["labs"]["creatinine_mg_dl"] = 0.6
    assert _alert(_assess(data), "renal_dose_adjustment", "cisplatin") is None


# --- M2: letrozole in cirrhosis with severe hepatic impairment (Femara label: 2.5 mg every other day) -----
def test_letrozole_in_child_pugh_c_gets_the_femara_every_other_day_dose() -> None:
    result = _assess(_load("v07_letrozole_cpC"))
    alert = _alert(result, "hepatic_dose_adjustment", "letrozole")
    assert alert is not None
    assert "every other day" in alert.clinician
    assert "fda-label-letrozole" in alert.sources
    assert _order(result, "letrozole").result == "warning"


def test_letrozole_in_child_pugh_b_gets_no_hepatic_note() -> None:
    data = _load("v07_letrozole_cpC")
    data["patient"]["child_pugh"] = "B"
    assert _alert(_assess(data), "hepatic_dose_adjustment", "letrozole") is None


# --- M3: abemaciclib with ketoconazole (Verzenio label: avoid; the 100 mg step is for other inhibitors) -----
def test_abemaciclib_with_ketoconazole_gets_no_100_mg_target_but_an_avoid_alert_per_verzenio_label() -> None:
    result = _assess(_load("p02_abema_ketoconazole_tabs"))
    assert _alert(result, "dose_above_adjusted", "abemaciclib") is None
    assert _alert(result, "cdk46_strong_cyp3a_inhibitor", "abemaciclib") is None
    alert = _alert(result, "abemaciclib_ketoconazole", "abemaciclib")
    assert alert is not None
    assert "ketoconazole" in alert.partners
    assert "16" in alert.clinician
    assert _order(result, "abemaciclib").result == "warning"


def test_abemaciclib_100_mg_with_ketoconazole_is_still_flagged() -> None:
    result = _assess(_load("v09_abema_keto_100"))
    assert "abemaciclib_ketoconazole" in _order(result, "abemaciclib").alerts


def test_abemaciclib_with_posaconazole_keeps_the_100_mg_band() -> None:
    data = _load("p02_abema_ketoconazole_tabs")
    data["current_meds"] = ["posaconazole"]
    result = _assess(data)
    dose = _alert(result, "dose_above_adjusted", "abemaciclib")
    assert dose is not None and dose.dose_limit is not None and dose.dose_limit.value == 100
    assert _alert(result, "abemaciclib_ketoconazole", "abemaciclib") is None


# --- L4: grapefruit is avoided (CDK4/6 labels), not a reason for the strong-inhibitor dose step -------------
def test_ribociclib_with_grapefruit_gets_an_avoid_grapefruit_alert_not_the_400_mg_step() -> None:
    result = _assess(_load("p04_ribo_grapefruit_stjw"))
    assert _alert(result, "dose_above_adjusted", "ribociclib") is None
    assert _alert(result, "cdk46_strong_cyp3a_inhibitor", "ribociclib") is None
    alert = _alert(result, "cdk46_grapefruit", "ribociclib")
    assert alert is not None
    assert "grapefruit" in alert.partners
    assert "grapefruit" in alert.public.lower()


# --- M4: pamidronate in hypercalcaemia of malignancy with CrCl 22 (Aredia label: "not recommended" is for
# bone metastases; in other indications weigh benefit against risk) --------------------------------------
def test_pamidronate_for_hypercalcemia_with_crcl_22_is_a_warning_like_zoledronic_acid() -> None:
    result = _assess(_load("p34_aredia_hcm_crcl25"))
    assert "hypercalcemia" in [f.code for f in result.red_flags]
    pamidronate = [a for a in result.safety_alerts if a.drug == "pamidronate" and a.code.startswith("renal_")]
    assert pamidronate
    assert all(a.severity == "warning" for a in pamidronate)
    assert all("bone metastases" in a.clinician for a in pamidronate)
    row = _order(result, "pamidronate")
    assert row.result != "contraindicated"
    flagged = {a.drug for a in result.safety_alerts}
    assert not [alt for alt in row.alternatives if any(d in alt for d in flagged)]


def test_pamidronate_for_bone_metastases_with_crcl_22_stays_contraindicated() -> None:
    data = _load("p34_aredia_hcm_crcl25")
    data["labs"]["calcium_mg_dl"] = 9.0
    result = _assess(data)
    assert "hypercalcemia" not in [f.code for f in result.red_flags]
    alert = _alert(result, "renal_not_recommended", "pamidronate")
    assert alert is not None and alert.severity == "contraindication"


# --- L2: real names that were refused or mis-suggested ---------------------------------------------------
@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("Vijoice", "alpelisib"),
        ("Zortress", "everolimus"),
        ("Ecansya", "capecitabine"),
        ("fam-trastuzumab deruxtecan", "trastuzumab deruxtecan"),
    ],
)
def test_anticancer_brand_and_label_names_resolve(given: str, canonical: str) -> None:
    assert resolve_drug(given) == canonical


@pytest.mark.parametrize(
    ("given", "read_as"),
    [
        ("Cresemba", "isavuconazonium"),
        ("isavuconazonium", "isavuconazonium"),
        ("Kerendia", "finerenone"),
        ("Evenity", "romosozumab"),
        ("Ziihera", "zanidatamab"),
        ("zanidatamab", "zanidatamab"),
        ("Tylenol PM", "acetaminophen-diphenhydramine"),
        ("Tums Ultra", "calcium carbonate"),
        ("Rolaids", "calcium carbonate-magnesium hydroxide"),
        ("Biotene", "saliva substitute"),
        ("Alka-Seltzer Plus", "acetaminophen-phenylephrine-dextromethorphan"),
    ],
)
def test_everyday_medicine_names_are_read_not_refused(given: str, read_as: str) -> None:
    data = _load("p26_cisplatin_crcl45")
    data["current_meds"] = [given]
    assert parse_case(data).current_meds == (read_as,)


def test_isavuconazonium_counts_as_a_moderate_cyp3a_inhibitor_with_olaparib() -> None:
    data = _load("p26_cisplatin_crcl45")
    data["proposed_treatment"] = [{"drug": "olaparib", "dose_mg": 300}]
    data["current_meds"] = ["Cresemba"]
    assert _alert(_assess(data), "moderate_cyp3a_inhibitor_dose", "olaparib") is not None


def test_rolaids_is_held_during_hypercalcemia_like_tums() -> None:
    data = _load("p34_aredia_hcm_crcl25")
    data["current_meds"] = ["Rolaids"]
    assert _alert(_assess(data), "hypercalcemia_raising_medicine", "calcium carbonate-magnesium hydroxide")


def test_type_2_diabetes_mellitus_is_a_known_comorbidity() -> None:
    data = _load("p26_cisplatin_crcl45")
    data["comorbidities"] = ["type 2 diabetes mellitus"]
    assert parse_case(data).comorbidities == ("type_2_diabetes",)
