"""The order dose check's limit as data (``SafetyAlert.dose_limit``), and partner doses added with it.

Each test goes through parse_case and assess() (the JSON a client gets); each fails on the code before
the field existed (the field is absent) or before the tucatinib partner dose (no capecitabine alert).
"""

from __future__ import annotations

from typing import Any

import jsonschema
from _helpers import NORMAL_LABS

from mbcnav.assessment import Assessment, SafetyAlert
from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.calculators import calvert_dose

HR_POS = {"histology": "IDC", "er_percent": 90, "pr_percent": 50, "her2_ihc": "1+"}
HER2_POS = {"histology": "IDC", "er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"}


def _case(orders: list[dict[str, Any]], *, weight: float = 68, creatinine: float = 0.8, **extra: Any) -> Any:
    data: dict[str, Any] = {
        "patient": {"sex": "F", "age": 60, "ecog": 1, "height_cm": 164, "weight_kg": weight,
                    "menopausal": "post"},
        "tumor": HR_POS,
        "metastatic_sites": ["bone"],
        "labs": {**NORMAL_LABS, "creatinine_mg_dl": creatinine},
        "line": 2,
        "proposed_treatment": orders,
        "pharmacogenomics": {"dpyd": "normal"},
    }  # fmt: skip
    data.update(extra)
    return parse_case(data)


def _json_alerts(result: Assessment) -> list[dict[str, Any]]:
    return result.model_dump(mode="json")["safety_alerts"]


def _alert(result: Assessment, code: str, drug: str) -> dict[str, Any]:
    (found,) = [a for a in _json_alerts(result) if a["code"] == code and a["drug"] == drug]
    return found


def test_a_dose_above_the_label_carries_the_label_dose_as_data_fda_label_tamoxifen() -> None:
    result = assess(_case([{"drug": "tamoxifen", "dose_mg": 60}]))
    alert = _alert(result, "dose_above_label", "tamoxifen")
    assert alert["dose_limit"] == {
        "value": 40.0, "unit": "mg", "kind": "label", "never_exceed": False, "rule": None
    }  # fmt: skip
    # the words stay as they were: the field is added beside them, not parsed from them
    assert alert["rationale"] == "tamoxifen (proposed order): 60 mg above the label dose 40 mg"


def test_the_output_with_a_dose_limit_matches_the_published_json_schema() -> None:
    result = assess(_case([{"drug": "tamoxifen", "dose_mg": 60}]))
    schema = Assessment.model_json_schema(mode="serialization")
    jsonschema.Draft202012Validator(schema).validate(result.model_dump(mode="json"))
    props = schema["$defs"]["SafetyAlert"]["properties"]
    assert "dose_limit" in props and props["dose_limit"].get("description")
    assert set(schema["$defs"]["DoseLimit"]["properties"]["unit"]["enum"]) == {"mg", "mg/m2", "mg/kg"}


def test_a_renal_band_gives_the_adjusted_dose_and_the_band_alert_itself_states_none() -> None:
    """Zoledronic acid 4 mg at CrCl about 35 mL/min: the label's 3.0 mg band (Zometa Table 1). The
    renal_dose_adjustment rule alert says it in words only: its dose_limit is null."""
    result = assess(_case([{"drug": "zoledronic acid", "dose_mg": 4}], creatinine=1.8))
    assert 30 <= result.calculations["crcl_ml_min"] < 40
    dose = _alert(result, "dose_above_adjusted", "zoledronic acid")
    assert dose["dose_limit"] == {
        "value": 3.0, "unit": "mg", "kind": "adjusted", "never_exceed": False, "rule": "renal_dose_adjustment"
    }  # fmt: skip
    band = _alert(result, "renal_dose_adjustment", "zoledronic acid")
    assert band["dose_limit"] is None


def test_a_flat_mg_cap_is_a_never_exceed_limit_fda_label_datopotamab_deruxtecan() -> None:
    """6 mg/kg at 100 kg is 600 mg, above the label's 540 mg ceiling."""
    result = assess(_case([{"drug": "Datroway", "dose_mg_kg": 6}], weight=100))
    alert = _alert(result, "dose_above_label", "datopotamab deruxtecan")
    assert alert["dose_limit"] == {
        "value": 540.0, "unit": "mg", "kind": "cap", "never_exceed": True, "rule": None
    }  # fmt: skip


def test_capecitabine_with_tucatinib_is_held_to_1000_mg_m2_tukysa_label_her2climb() -> None:
    """Tukysa label 2.2: with tucatinib, capecitabine 1000 mg/m2 twice daily (the HER2CLIMB regimen)."""
    orders = [{"drug": "Tukysa", "dose_mg": 300}, {"drug": "trastuzumab", "dose_mg_kg": 6}]
    over = assess(_case([*orders, {"drug": "capecitabine", "dose_mg_m2": 1250}], tumor=HER2_POS))
    alert = _alert(over, "dose_above_label", "capecitabine")
    assert alert["dose_limit"] == {
        "value": 1000.0, "unit": "mg/m2", "kind": "partner", "never_exceed": False, "rule": None
    }  # fmt: skip
    assert {"fda-label-tucatinib", "her2climb"} <= set(alert["sources"])
    assert "with tucatinib" in alert["clinician"] and "1000 mg/m2" in alert["clinician"]
    at_dose = assess(_case([*orders, {"drug": "capecitabine", "dose_mg_m2": 1000}], tumor=HER2_POS))
    assert not [a for a in at_dose.safety_alerts if a.code.startswith("dose_") and a.drug == "capecitabine"]


def test_a_carboplatin_order_above_the_calvert_dose_carries_that_dose_in_whole_mg() -> None:
    result = assess(_case([{"drug": "carboplatin", "dose_mg": 900, "target_auc": 5}], tumor=HER2_POS))
    crcl = result.calculations["crcl_ml_min"]
    assert isinstance(crcl, float)
    alert = _alert(result, "dose_above_calvert", "carboplatin")
    expected = float(f"{calvert_dose(5, crcl):.0f}")
    assert alert["dose_limit"] == {"value": expected, "unit": "mg", "kind": "calvert", "never_exceed": False,
                                   "rule": None}  # fmt: skip
    assert f"{expected:.0f} mg" in alert["clinician"]


def test_a_target_auc_above_6_states_no_dose_an_auc_is_not_a_dose() -> None:
    result = assess(_case([{"drug": "carboplatin", "target_auc": 8}], tumor=HER2_POS))
    alert = _alert(result, "dose_above_label", "carboplatin")
    assert alert["dose_limit"] is None


def test_alerts_that_are_not_order_dose_alerts_have_no_dose_limit() -> None:
    result = assess(_case([{"drug": "tamoxifen", "dose_mg": 20}], current_meds=["paroxetine"]))
    codes = {a.code: a for a in result.safety_alerts}
    assert "tamoxifen_cyp2d6_inhibitor" in codes
    assert all(a.dose_limit is None for a in result.safety_alerts if not a.code.startswith("dose_above"))
    assert SafetyAlert.model_fields["dose_limit"].default is None
