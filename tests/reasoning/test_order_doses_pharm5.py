"""Order dose checks from the fifth pharmacist sweep (/work/scratch-pharm5: H1-H3, L1, L2).

Cases are the pharmacist's probes, trimmed; each test runs through parse_case and assess() and fails on
the code before the fix.
"""

from __future__ import annotations

from typing import Any

from _helpers import NORMAL_LABS
from _helpers import run as _assess

from mbcnav.assessment import Assessment

TNBC = {"histology": "IDC", "er_percent": 0, "pr_percent": 0, "her2_ihc": "0"}
HR_POS = {"histology": "IDC", "er_percent": 95, "pr_percent": 60, "her2_ihc": "1+"}


def _case(orders: list[dict[str, Any]], creatinine: float = 0.8, **patient: Any) -> dict[str, Any]:
    # 60 y, 68 kg, 164 cm, creatinine 0.8 -> Cockcroft-Gault CrCl 80.3 mL/min
    return {
        "patient": {"age": 60, "sex": "F", "menopausal": "post", "ecog": 1, "height_cm": 164,
                    "weight_kg": 68, **patient},
        "tumor": TNBC,
        "metastatic_sites": ["bone"],
        "labs": {**NORMAL_LABS, "creatinine_mg_dl": creatinine},
        "line": 2,
        "proposed_treatment": orders,
    }  # fmt: skip


def _alerts(result: Assessment, drug: str) -> dict[str, Any]:
    return {a.code: a for a in result.safety_alerts if a.drug == drug}


def _row(result: Assessment, drug: str) -> Any:
    return next(o for o in result.proposed_orders if o.drug == drug)


# ---------------------------------------------------------------- H1: carboplatin at >= 2x the Calvert dose


def test_carboplatin_at_three_times_the_calvert_dose_is_a_contraindication_like_any_gross_overdose() -> None:
    # probe3 first case: CrCl ~80, AUC 5 -> 527 mg; 1500 mg is AUC ~14 (2.8x)
    result = _assess(_case([{"drug": "carboplatin", "dose_mg": 1500, "target_auc": 5}]))
    alert = _alerts(result, "carboplatin")["dose_above_calvert"]
    assert alert.severity == "contraindication"
    assert alert.dose_limit is not None and alert.dose_limit.never_exceed
    assert alert.dose_limit.kind == "calvert"
    assert "Do not give it as written" in alert.clinician
    assert _row(result, "carboplatin").result == "contraindicated"
    # the drug is right, the dose wrong: carboplatin options are not demoted by an order slip
    assert not alert.alternatives


def test_carboplatin_below_twice_the_calvert_dose_stays_a_warning() -> None:
    result = _assess(_case([{"drug": "carboplatin", "dose_mg": 1000, "target_auc": 5}]))
    alert = _alerts(result, "carboplatin")["dose_above_calvert"]
    assert alert.severity == "warning" and alert.dose_limit is not None
    assert not alert.dose_limit.never_exceed


def test_carboplatin_on_dialysis_at_three_times_the_gfr_zero_dose_is_a_contraindication() -> None:
    # c30: on dialysis, 400 mg with AUC 5 is AUC 16 against 125 mg (3.2x)
    result = _assess(_case([{"drug": "carboplatin", "dose_mg": 400, "target_auc": 5}], on_dialysis=True))
    alert = _alerts(result, "carboplatin")["dose_above_calvert"]
    assert alert.severity == "contraindication" and alert.dose_limit is not None
    assert alert.dose_limit.never_exceed and alert.dose_limit.value == 125


# ---------------------------------------------------------------- L1: the row shows the AUC ordered


def test_a_carboplatin_row_for_auc_8_shows_the_ordered_auc_and_its_dose() -> None:
    result = _assess(_case([{"drug": "carboplatin", "target_auc": 8}]))
    crcl = result.calculations["crcl_ml_min"]
    row = _row(result, "carboplatin")
    assert row.dose.startswith(f"AUC 8 = {8 * (crcl + 25):.0f} mg"), row.dose
    assert "dose_above_label" in row.alerts


# ---------------------------------------------------------------- H2: 10x orders of unlabelled drugs


def test_tenfold_cyclophosphamide_fluorouracil_cisplatin_and_megestrol_orders_are_contraindications() -> None:
    # c34_overdoses
    orders = [
        {"drug": "cyclophosphamide", "dose_mg_m2": 6000},
        {"drug": "fluorouracil", "dose_mg_m2": 6000},
        {"drug": "cisplatin", "dose_mg_m2": 750},
        {"drug": "megestrol acetate", "dose_mg": 1600},
    ]
    result = _assess(_case(orders))
    for drug in ("cyclophosphamide", "fluorouracil", "cisplatin", "megestrol acetate"):
        (alert,) = [a for a in _alerts(result, drug).values() if a.code.startswith("dose_")]
        assert alert.severity == "contraindication", (drug, alert.code)
        assert alert.dose_limit is not None and alert.dose_limit.never_exceed, drug
        assert _row(result, drug).result == "contraindicated"
    ceiling = _alerts(result, "cisplatin")["dose_above_ceiling"]
    assert "far above any breast cancer regimen" in ceiling.clinician
    assert "100 mg/m2" in ceiling.clinician and "fda-label-cisplatin" in ceiling.sources
    assert "fda-label-fluorouracil" in _alerts(result, "fluorouracil")["dose_above_label"].sources


def test_standard_cyclophosphamide_cisplatin_fluorouracil_and_megestrol_doses_are_not_hard_stops() -> None:
    orders = [
        {"drug": "cyclophosphamide", "dose_mg_m2": 600},
        {"drug": "fluorouracil", "dose_mg_m2": 600},
        {"drug": "cisplatin", "dose_mg_m2": 75},
        {"drug": "megestrol acetate", "dose_mg": 40},
    ]
    result = _assess(_case(orders))
    assert set(_alerts(result, "cyclophosphamide")) == {"dose_not_checked"}
    assert "dose_not_checked" in _alerts(result, "cisplatin")
    assert not [c for c in _alerts(result, "fluorouracil") if c.startswith("dose_")]
    assert not [c for c in _alerts(result, "megestrol acetate") if c.startswith("dose_")]


def test_megestrol_800_mg_is_named_as_the_suspension_appetite_dose_not_a_hard_stop() -> None:
    result = _assess(_case([{"drug": "megestrol acetate", "dose_mg": 800}]))
    alert = _alerts(result, "megestrol acetate")["dose_above_label"]
    assert alert.severity == "warning"
    assert "160 mg" in alert.clinician and "suspension" in alert.clinician


# ---------------------------------------------------------------- H3: Reclast is zoledronic acid


def _reclast_case(creatinine: float, orders: list[dict[str, Any]]) -> dict[str, Any]:
    # c28: 80 y, 55 kg -> creatinine 1.6 gives CrCl 27; 1.3 gives CrCl 33
    data = _case(orders, creatinine, age=80, weight_kg=55, height_cm=158)
    data["tumor"] = HR_POS
    return data


def test_reclast_at_crcl_33_is_contraindicated_by_its_label_limit_of_35() -> None:
    result = _assess(_reclast_case(1.3, [{"drug": "Reclast", "dose_mg": 5}]))
    assert 30 <= result.calculations["crcl_ml_min"] < 35
    drug = "zoledronic acid (reclast)"
    renal = _alerts(result, drug)["renal_not_recommended"]
    assert renal.severity == "contraindication" and "35" in renal.clinician
    assert _row(result, drug).result == "contraindicated"


def test_reclast_with_zometa_is_a_duplicate_and_its_5_mg_is_named_an_osteoporosis_dose() -> None:
    orders = [{"drug": "Reclast", "dose_mg": 5}, {"drug": "zoledronic acid", "dose_mg": 4}]
    result = _assess(_reclast_case(1.6, orders))
    drug = "zoledronic acid (reclast)"
    row = _row(result, drug)
    assert {"renal_not_recommended", "bone_agent_duplicate", "dose_other_indication"} <= set(row.alerts)
    assert "dose_not_checked" not in row.alerts
    assert "bone_agent_duplicate" in _row(result, "zoledronic acid").alerts
    dose = _alerts(result, drug)["dose_other_indication"]
    assert "osteoporosis" in dose.clinician and "4 mg" in dose.clinician


def test_reclast_at_normal_kidney_function_gets_the_osteoporosis_dose_warning_only() -> None:
    result = _assess(_reclast_case(0.7, [{"drug": "Reclast", "dose_mg": 5}]))
    alerts = _alerts(result, "zoledronic acid (reclast)")
    assert set(alerts) == {"dose_other_indication"}
    assert alerts["dose_other_indication"].severity == "warning"


# ---------------------------------------------------------------- L2: Dato-DXd names the per-kg limit


def test_dato_dxd_above_both_limits_names_the_lower_per_kg_dose() -> None:
    # c20: 64 kg -> 6 mg/kg is 384 mg, below the 540 mg cap; 600 mg exceeds both
    data = _case([{"drug": "datopotamab deruxtecan", "dose_mg": 600}], weight_kg=64)
    data["tumor"] = HR_POS
    alert = _alerts(_assess(data), "datopotamab deruxtecan")["dose_above_label"]
    assert "above the label dose of 6 mg/kg" in alert.clinician
    assert alert.dose_limit is not None
    assert (alert.dose_limit.value, alert.dose_limit.unit) == (6, "mg/kg")


def test_dato_dxd_at_120_kg_is_held_to_the_540_mg_cap() -> None:
    data = _case([{"drug": "datopotamab deruxtecan", "dose_mg": 600}], weight_kg=120)
    data["tumor"] = HR_POS
    alert = _alerts(_assess(data), "datopotamab deruxtecan")["dose_above_label"]
    assert alert.dose_limit is not None and alert.dose_limit.kind == "cap"
    assert "540 mg" in alert.clinician
