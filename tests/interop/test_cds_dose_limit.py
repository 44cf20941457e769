"""The CDS "change the dose" suggestion reads ``SafetyAlert.dose_limit``, never the rationale text."""

from __future__ import annotations

from typing import Any

from mbcnav.assessment import Assessment, DoseLimit, SafetyAlert
from mbcnav.case import parse_case
from mbcnav.interop.cds_hooks import CdsSettings, cards_for
from mbcnav.reasoning.assess import assess

SETTINGS = CdsSettings(base_url="https://mbcnav.example", cors_origins=(), fetch_timeout_s=5)


def _draft(drug: str, value: float, unit: str = "mg") -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": f"draft-{drug.replace(' ', '-')}",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {"text": drug},
        "dosageInstruction": [{"doseAndRate": [{"doseQuantity": {"value": value, "unit": unit}}]}],
    }


def _only_suggestion(assessment: Assessment, draft: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    cards = cards_for(
        assessment, hook="order-sign", hook_instance="h", settings=SETTINGS, orders=[(draft, row)]
    )
    suggestions = [s for c in cards for s in c.get("suggestions", ())]
    assert len(suggestions) == 1, [c["summary"] for c in cards]
    return suggestions[0]


def test_the_create_action_takes_the_dose_from_the_field_whatever_the_rationale_says() -> None:
    alert = SafetyAlert(
        code="dose_above_label",
        drug="tamoxifen",
        severity="warning",
        public="p",
        clinician="c",
        sources=("fda-label-tamoxifen",),
        rationale="worded for people; no number to parse here",
        dose_limit=DoseLimit(value=40, unit="mg", kind="label"),
    )
    tumor = {"er_percent": 90, "her2_ihc": "0"}
    base = assess(parse_case({"patient": {"age": 60, "sex": "F"}, "tumor": tumor}))
    assessment = base.model_copy(update={"red_flags": (), "safety_alerts": (alert,)})
    suggestion = _only_suggestion(assessment, _draft("tamoxifen", 60), {"drug": "tamoxifen", "dose_mg": 60})
    assert suggestion["label"].startswith("Change the tamoxifen dose to 40 mg")
    delete, create = suggestion["actions"]
    assert delete["type"] == "delete" and create["type"] == "create"
    (instruction,) = create["resource"]["dosageInstruction"]
    assert instruction["doseAndRate"][0]["doseQuantity"] == {
        "value": 40.0, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"
    }  # fmt: skip


def test_a_carboplatin_order_above_calvert_is_replaced_at_the_calvert_dose_on_order_sign() -> None:
    """Before the field, only label and band doses were read back out of the text; the Calvert dose on
    the card was not offered, so the clinician had to re-order by hand."""
    case = parse_case(
        {
            "patient": {"age": 60, "sex": "F", "height_cm": 164, "weight_kg": 68, "ecog": 1},
            "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0"},
            "labs": {"creatinine_mg_dl": 0.8},
            "proposed_treatment": [{"drug": "carboplatin", "dose_mg": 900, "target_auc": 5}],
        }
    )
    assessment = assess(case)
    (alert,) = [a for a in assessment.safety_alerts if a.code == "dose_above_calvert"]
    assert alert.dose_limit is not None and alert.dose_limit.kind == "calvert"
    suggestion = _only_suggestion(
        assessment, _draft("carboplatin", 900), {"drug": "carboplatin", "dose_mg": 900, "target_auc": 5}
    )
    _, create = suggestion["actions"]
    quantity = create["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]
    assert quantity["value"] == alert.dose_limit.value and quantity["code"] == "mg"
    assert f"{alert.dose_limit.value:.0f} mg" in alert.clinician


def test_the_fhir_export_carries_the_dose_limit_as_a_ucum_quantity_on_the_detected_issue() -> None:
    import datetime as dt

    from fhir.resources.R4B.bundle import Bundle

    from mbcnav.interop.fhir_export import DOSE_LIMIT_EXTENSION, assessment_to_fhir

    case = parse_case(
        {
            "patient": {"age": 60, "sex": "F", "height_cm": 164, "weight_kg": 68, "menopausal": "post"},
            "tumor": {"er_percent": 90, "pr_percent": 50, "her2_ihc": "0"},
            "proposed_treatment": [{"drug": "tamoxifen", "dose_mg": 60}],
        }
    )
    bundle = assessment_to_fhir(assess(case), issued=dt.datetime(2024, 7, 1, tzinfo=dt.UTC))
    Bundle.model_validate(bundle)
    found = [
        ext["valueQuantity"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "DetectedIssue"
        for ext in entry["resource"].get("extension", ())
        if ext["url"] == DOSE_LIMIT_EXTENSION
    ]
    assert found == [{"value": 40.0, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}]


def _order_sign_cards(orders: list[tuple[dict[str, Any], dict[str, Any]]], creatinine: float) -> list[Any]:
    # 78 y, 60 kg, creatinine 1.6 -> CrCl 31 (the pharmacist's order-sign call, /work/scratch-pharm5)
    case = parse_case(
        {
            "patient": {"age": 78, "sex": "F", "height_cm": 160, "weight_kg": 60, "ecog": 1},
            "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0"},
            "labs": {"creatinine_mg_dl": creatinine},
            "proposed_treatment": [row for _, row in orders],
        }
    )
    return cards_for(assess(case), hook="order-sign", hook_instance="h", settings=SETTINGS, orders=orders)


def test_carboplatin_at_four_times_the_calvert_dose_is_a_critical_card_that_re_orders_at_calvert() -> None:
    """Fifth pharmacist sweep H1: 1500 mg at CrCl 31 (AUC ~27 for a target of 6) was a warning card."""
    row = {"drug": "carboplatin", "dose_mg": 1500, "target_auc": 6}
    cards = _order_sign_cards([(_draft("carboplatin", 1500), row)], 1.6)
    (card,) = [c for c in cards if "Calvert" in c["summary"]]
    assert card["indicator"] == "critical"
    (suggestion,) = card["suggestions"]
    assert suggestion["label"].startswith("Change the carboplatin dose to ")


def test_a_dose_not_checked_card_never_offers_to_re_order_at_an_adjusted_dose() -> None:
    """Fifth pharmacist sweep L3: there is no adjusted dose when the dose could not be checked."""
    row = {"drug": "cyclophosphamide", "dose_mg_m2": 600}
    cards = _order_sign_cards([(_draft("cyclophosphamide", 600, "mg/m2"), row)], 0.8)
    labels = [s["label"] for c in cards for s in c.get("suggestions", ())]
    assert labels and not [label for label in labels if "adjusted dose" in label]
