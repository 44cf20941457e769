"""Assessment → FHIR R4 Bundle, so an EHR can file what mbcnav said next to the chart it came from.

Mapping (every resource points at the one Patient):
- safety alerts → DetectedIssue (contraindication: severity high; warning: moderate), the drug in
  ``code.text``, the clinician text in ``detail``; an order dose alert's ``dose_limit`` as a
  ``dose-limit`` extension (valueQuantity, UCUM), so an EHR need not read the number out of the text,
  and what that dose is in a ``dose-limit-detail`` extension (sub-extensions ``kind``, ``neverExceed``,
  ``rule``: FHIR lets an extension hold a value or sub-extensions, never both, so the quantity keeps its
  own); ``implicated`` references each draft order of the alert's drug (``orders``: the importer's
  draft MedicationRequests, e.g. from ``draft_orders``);
- red flags → DetectedIssue with severity high and the immediate management in ``mitigation``;
- calculations → one Observation each (BSA, CrCl by actual, ideal and adjusted weight, the weights,
  corrected calcium, GPA group medians, Mirels, estimated ECOG: UCUM units; an estimated KPS range as
  text) and a RiskAssessment for each Breast GPA, naming its group's median survival (a prognostic
  score: RiskAssessment is the FHIR home of prognosis);
- the whole assessment → a collection Bundle with deterministic ``urn:uuid`` full URLs (uuid5 of
  the case id and item code), so exporting the same assessment twice gives the same Bundle.
Codes are mbcnav's own (``CODE_SYSTEM``); the text is the clinician voice, unchanged.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from mbcnav.assessment import Assessment, SafetyAlert
from mbcnav.calculation_labels import CALCULATIONS

CODE_SYSTEM = "https://mbcnav.org/fhir/CodeSystem"
#: an extension's url names its StructureDefinition (FHIR R4 Extension.url), not a CodeSystem. Exports
#: before this fix used f"{CODE_SYSTEM}/StructureDefinition/urgency"; the importer reads neither.
URGENCY_EXTENSION = "https://mbcnav.org/fhir/StructureDefinition/urgency"
#: the dose a proposed order should not exceed (SafetyAlert.dose_limit), on its DetectedIssue
DOSE_LIMIT_EXTENSION = "https://mbcnav.org/fhir/StructureDefinition/dose-limit"
#: what that dose is (DoseLimit.kind, never_exceed, rule), as sub-extensions of one complex extension
DOSE_LIMIT_DETAIL_EXTENSION = "https://mbcnav.org/fhir/StructureDefinition/dose-limit-detail"
_NS = uuid.UUID("6f1c1a52-4b8e-4c3e-9d55-2d7c1e0b7a11")

#: calculation key -> (display, UCUM unit or None), shared with the web pages (one table, so the
#: export and the result page name each number the same way)
_CALCULATIONS = CALCULATIONS
_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
#: prognostic score -> (display, the key of its median survival)
_RISK_SCORES = {
    "breast_gpa": ("Breast Graded Prognostic Assessment 2012 (brain metastases)", "breast_gpa_median_months"),
    "breast_gpa_2020": ("Breast Graded Prognostic Assessment 2020 (brain metastases)",
                        "breast_gpa_2020_median_months"),
}  # fmt: skip


def _uid(*parts: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NS, '|'.join(parts))}"


def _narrative(text: str) -> dict[str, str]:
    from html import escape

    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{escape(text)}</div>'}


def assessment_to_fhir(
    assessment: Assessment,
    *,
    patient_id: str | None = None,
    patient_resource: dict[str, Any] | None = None,
    issued: dt.datetime | None = None,
    orders: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """A FHIR R4 collection Bundle (plain JSON) for one Assessment.

    ``orders``: (canonical drug, "MedicationRequest/<id>") of the draft orders the case was built from;
    a safety alert on a drug (or naming it as a partner) references those orders in ``implicated``.

    ``patient_resource`` (e.g. the Patient that was imported) is included as is; otherwise a minimal
    Patient with ``patient_id`` (or the case id) stands in, so references always resolve in the Bundle.
    """
    key = assessment.case_id or patient_id or "case"
    when = (issued or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    if patient_resource is not None:
        patient = dict(patient_resource)
    else:
        patient = {"resourceType": "Patient"}
        pid = patient_id or assessment.case_id
        if pid:
            patient["id"] = _fhir_id(pid)
    patient_url = _uid(key, "Patient")
    subject = {"reference": patient_url}
    entries: list[dict[str, Any]] = [{"fullUrl": patient_url, "resource": patient}]

    for flag in assessment.red_flags:
        entries.append(
            _entry(
                _uid(key, "red_flag", flag.code),
                {
                    "resourceType": "DetectedIssue",
                    "status": "preliminary",
                    "code": {
                        "coding": [
                            {
                                "system": f"{CODE_SYSTEM}/red-flag",
                                "code": flag.code,
                                "display": flag.title or flag.code.replace("_", " "),
                            }
                        ],
                        "text": f"Red flag ({flag.urgency}): {flag.title or flag.code.replace('_', ' ')}",
                    },
                    "severity": "high",
                    "patient": subject,
                    "identifiedDateTime": when,
                    "detail": flag.clinician,
                    "reference": _source_ref(flag.sources),
                    "mitigation": [{"action": {"text": "Act now: " + flag.clinician[:900]}}],
                    "extension": _urgency_ext(flag.urgency),
                },
            )
        )
    for alert in assessment.safety_alerts:
        entries.append(
            _entry(
                _uid(key, "safety", alert.code, alert.drug or ""),
                {
                    "resourceType": "DetectedIssue",
                    "status": "preliminary",
                    "code": {
                        "coding": [{"system": f"{CODE_SYSTEM}/safety-alert", "code": alert.code}],
                        "text": f"{alert.code.replace('_', ' ')}{': ' + alert.drug if alert.drug else ''}",
                    },
                    "severity": "high" if alert.severity == "contraindication" else "moderate",
                    "patient": subject,
                    "identifiedDateTime": when,
                    "detail": alert.clinician,
                    "reference": _source_ref(alert.sources),
                    "implicated": _implicated(alert, orders),
                    **_dose_limit_ext(alert),
                },
            )
        )
    for name, value in assessment.calculations.items():
        if value is None or isinstance(value, bool):
            continue
        if name in _RISK_SCORES and isinstance(value, int | float):
            entries.append(_risk_entry(key, name, value, assessment.calculations, subject, when))
            continue
        entries.append(_entry(_uid(key, "calc", name), _calculation(name, value, subject, when)))
    summary = (
        f"mbcnav assessment: subtype {assessment.subtype}, urgency {assessment.urgency}, "
        f"{len(assessment.red_flags)} red flag(s), {len(assessment.safety_alerts)} safety alert(s). "
        f"{assessment.disclaimer}"
    )
    return {
        "resourceType": "Bundle",
        "id": _fhir_id(f"mbcnav-{key}"),
        "meta": {
            "tag": [{"system": f"{CODE_SYSTEM}/tag", "code": "mbcnav-assessment", "display": summary[:250]}]
        },
        "type": "collection",
        "timestamp": when,
        "entry": entries,
    }


def _calculation(name: str, value: float | int | str, subject: dict[str, str], when: str) -> dict[str, Any]:
    """One calculation as an Observation: a number with its UCUM unit, or a text value (a KPS range)."""
    display, unit = _CALCULATIONS.get(name, (name.replace("_", " "), None))
    result: dict[str, Any]
    if isinstance(value, str):
        result = {"valueString": value}
    else:
        quantity: dict[str, Any] = {"value": float(value)}
        if unit:
            quantity.update(unit=unit, system="http://unitsofmeasure.org", code=unit)
        result = {"valueQuantity": quantity}
    return {
        "resourceType": "Observation",
        "status": "preliminary",
        "category": [{"coding": [{"system": _CATEGORY, "code": "survey"}]}],
        "code": {"coding": [{"system": f"{CODE_SYSTEM}/calculation", "code": name, "display": display}],
                 "text": display},
        "subject": subject,
        "effectiveDateTime": when,
        **result,
    }  # fmt: skip


def _risk_entry(
    key: str, name: str, value: float | int, calculations: dict[str, Any], subject: dict[str, str], when: str
) -> dict[str, Any]:
    """A prognostic score as a RiskAssessment (the FHIR home of prognosis), naming its group's median."""
    display, median_key = _RISK_SCORES[name]
    median = calculations.get(median_key)
    rationale = f"{display} = {value:g}"
    if isinstance(median, int | float) and not isinstance(median, bool):
        rationale += f"; median overall survival of this group {median:g} months"
    return _entry(
        _uid(key, "risk", name),
        {
            "resourceType": "RiskAssessment",
            "status": "preliminary",
            "subject": subject,
            "occurrenceDateTime": when,
            "code": {"coding": [{"system": f"{CODE_SYSTEM}/calculation", "code": name, "display": display}]},
            "prediction": [
                {"outcome": {"text": "overall survival (prognostic group)"}, "rationale": rationale}
            ],
            "note": [{"text": f"{display}: {value:g}"}],
        },
    )


def _entry(full_url: str, resource: dict[str, Any]) -> dict[str, Any]:
    resource = {k: v for k, v in resource.items() if v not in (None, [], {})}
    if resource.get("detail"):
        resource["text"] = _narrative(resource["detail"])
    return {"fullUrl": full_url, "resource": resource}


def _source_ref(sources: tuple[str, ...]) -> str | None:
    """The URL of the first source (DetectedIssue.reference is a single URI)."""
    try:
        from mbcnav.knowledge.loader import load_knowledge_base

        known = load_knowledge_base().sources
    except Exception:  # a broken knowledge base must not stop an export
        return None
    for sid in sources:
        if sid in known:
            return str(known[sid].url)
    return None


def _dose_limit_ext(alert: Any) -> dict[str, Any]:
    limit = alert.dose_limit
    if limit is None:
        return {}
    ucum = "http://unitsofmeasure.org"
    quantity = {"value": limit.value, "unit": limit.unit, "system": ucum, "code": limit.unit}
    detail: list[dict[str, Any]] = [
        {"url": "kind", "valueCode": limit.kind},
        {"url": "neverExceed", "valueBoolean": limit.never_exceed},
    ]
    if limit.rule:
        detail.append({"url": "rule", "valueString": limit.rule})
    return {
        "extension": [
            {"url": DOSE_LIMIT_EXTENSION, "valueQuantity": quantity},
            {"url": DOSE_LIMIT_DETAIL_EXTENSION, "extension": detail},
        ]
    }


def _implicated(alert: SafetyAlert, orders: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """References to the draft orders the alert is about: on its drug, or naming the drug as a partner."""
    return [
        {"reference": ref, "display": f"draft order: {drug}"}
        for drug, ref in orders
        if drug == alert.drug or drug in alert.partners
    ]


def draft_orders(record: Any) -> list[tuple[str, str]]:
    """(canonical drug, "MedicationRequest/<id>") of each draft or planned MedicationRequest with an id
    in a FHIR record whose medicine mbcnav knows: the orders the importer makes ``proposed_treatment``."""
    from mbcnav.errors import MbcnavError
    from mbcnav.interop.fhir import drug_from_concept, index_of, iter_resources, medication_concept

    triples = list(iter_resources(record))
    index = index_of(triples)
    out: list[tuple[str, str]] = []
    for _, res, _ in triples:
        if res.get("resourceType") != "MedicationRequest" or not isinstance(res.get("id"), str):
            continue
        if res.get("status") != "draft" and res.get("intent") not in {"proposal", "plan"}:
            continue
        try:
            drug = drug_from_concept(medication_concept(res, index)[0])
        except MbcnavError:  # the importer notes it; the export just names no order
            continue
        if drug is not None:
            out.append((drug, f"MedicationRequest/{res['id']}"))
    return out


def _urgency_ext(urgency: str) -> list[dict[str, Any]]:
    return [{"url": URGENCY_EXTENSION, "valueCode": urgency}]


def _fhir_id(value: str) -> str:
    """FHIR ids allow [A-Za-z0-9-.]{1,64}; anything else becomes '-'."""
    cleaned = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-.") else "-" for ch in value)
    return cleaned[:64] or "case"
