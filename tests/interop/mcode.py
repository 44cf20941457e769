"""Builders for small mCODE-shaped FHIR R4 resources, so each test states exactly the record it reads."""

from __future__ import annotations

from typing import Any

LOINC = "http://loinc.org"
SCT = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
HGNC = "http://www.genenames.org/geneId"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition"

PID = "p1"


def cc(
    system: str | None, code: str | None, display: str | None = None, text: str | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if code is not None:
        coding: dict[str, Any] = {"system": system, "code": code}
        if display:
            coding["display"] = display
        out["coding"] = [coding]
    if text:
        out["text"] = text
    return out


def subject() -> dict[str, str]:
    return {"reference": f"Patient/{PID}"}


def patient(birth: str = "1964-06-15", gender: str = "female", birthsex: str | None = "F") -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Patient",
        "id": PID,
        "gender": gender,
        "birthDate": birth,
        "meta": {"profile": [f"{MCODE}/mcode-cancer-patient"]},
    }
    if birthsex:
        res["extension"] = [
            {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex", "valueCode": birthsex}
        ]
    return res


def primary(
    rid: str = "primary",
    code: dict[str, Any] | None = None,
    histology: dict[str, Any] | None = None,
    onset: str | None = None,
) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rid,
        "subject": subject(),
        "meta": {"profile": [f"{MCODE}/mcode-primary-cancer-condition"]},
        "code": code or cc(SCT, "372137005", "Primary malignant neoplasm of breast (disorder)"),
    }
    if histology:
        res["extension"] = [
            {"url": f"{MCODE}/mcode-histology-morphology-behavior", "valueCodeableConcept": histology}
        ]
    if onset:
        res["onsetDateTime"] = onset
    return res


def secondary(
    rid: str, code: dict[str, Any], onset: str | None = None, body_site: dict[str, Any] | None = None
) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rid,
        "subject": subject(),
        "code": code,
        "meta": {"profile": [f"{MCODE}/mcode-secondary-cancer-condition"]},
    }
    if onset:
        res["onsetDateTime"] = onset
    if body_site:
        res["bodySite"] = [body_site]
    return res


def observation(
    rid: str, code: dict[str, Any], date: str | None = "2024-05-01", **value: Any
) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "subject": subject(),
        "code": code,
        **value,
    }
    if date:
        res["effectiveDateTime"] = date
    return res


def lab(
    rid: str, loinc: str, value: Any, unit: str | None, date: str | None = "2024-05-01", ucum: bool = True
) -> dict[str, Any]:
    quantity: dict[str, Any] = {"value": value}
    if unit is not None:
        quantity["unit"] = unit
        if ucum:
            quantity.update(system=UCUM, code=unit)
    return observation(rid, cc(LOINC, loinc), date, valueQuantity=quantity)


def marker_percent(rid: str, loinc: str, percent: float, date: str = "2024-04-01") -> dict[str, Any]:
    return observation(
        rid,
        cc(LOINC, loinc),
        date,
        valueQuantity={"value": percent, "unit": "%", "system": UCUM, "code": "%"},
    )


def marker_answer(
    rid: str, loinc: str, answer: dict[str, Any], date: str | None = "2024-04-01"
) -> dict[str, Any]:
    return observation(rid, cc(LOINC, loinc), date, valueCodeableConcept=answer)


POSITIVE = cc(LOINC, "LA6576-8", "Positive")
NEGATIVE = cc(LOINC, "LA6577-6", "Negative")


def variant(
    rid: str,
    hgnc: str,
    symbol: str,
    present: bool = True,
    source: str | None = None,
    date: str = "2024-04-10",
) -> dict[str, Any]:
    components: list[dict[str, Any]] = [
        {"code": cc(LOINC, "48018-6", "Gene studied [ID]"), "valueCodeableConcept": cc(HGNC, hgnc, symbol)}
    ]
    if source:
        code = {"germline": "LA6683-2", "somatic": "LA6684-0"}[source]
        components.append(
            {"code": cc(LOINC, "48002-0"), "valueCodeableConcept": cc(LOINC, code, source.title())}
        )
    value = cc(LOINC, "LA9633-4", "Present") if present else cc(LOINC, "LA9634-2", "Absent")
    res = observation(
        rid,
        cc(LOINC, "69548-6", "Genetic variant assessment"),
        date,
        valueCodeableConcept=value,
        component=components,
    )
    res["meta"] = {"profile": [f"{MCODE}/mcode-genomic-variant"]}
    return res


def med_statement(
    rid: str,
    text: str,
    status: str,
    start: str | None = None,
    end: str | None = None,
    rxnorm: str | None = None,
) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": rid,
        "status": status,
        "subject": subject(),
        "medicationCodeableConcept": cc(RXNORM if rxnorm else None, rxnorm, text, text),
    }
    if not rxnorm:
        res["medicationCodeableConcept"] = {"text": text}
    if start or end:
        res["effectivePeriod"] = {k: v for k, v in (("start", start), ("end", end)) if v}
    return res


def med_request(
    rid: str,
    text: str,
    status: str = "active",
    dose: float | None = None,
    unit: str = "mg",
    authored: str | None = "2024-05-01",
    intent: str = "order",
) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": status,
        "intent": intent,
        "subject": subject(),
        "medicationCodeableConcept": {"text": text},
    }
    if authored:
        res["authoredOn"] = authored
    if dose is not None:
        res["dosageInstruction"] = [
            {"doseAndRate": [{"doseQuantity": {"value": dose, "unit": unit, "system": UCUM, "code": unit}}]}
        ]
    return res


def surgery(
    rid: str = "surgery",
    code: dict[str, Any] | None = None,
    performed: str | None = "2017-12-01",
    status: str = "completed",
) -> dict[str, Any]:
    """An mCODE CancerRelatedSurgicalProcedure (default: excision of part of breast, as in mCODE 4.0.0)."""
    res: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": rid,
        "status": status,
        "subject": subject(),
        "meta": {"profile": [f"{MCODE}/mcode-cancer-related-surgical-procedure"]},
        "code": code or cc(SCT, "64368001", "Excision of part of breast (procedure)"),
    }
    if performed:
        res["performedDateTime"] = performed
    return res


def bundle(*resources: dict[str, Any], bid: str = "b1", kind: str = "collection") -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "id": bid,
        "type": kind,
        "entry": [
            {"fullUrl": f"urn:uuid:{r['resourceType'].lower()}-{r.get('id', n)}", "resource": r}
            for n, r in enumerate(resources)
        ],
    }


def hr_positive_renal_record() -> dict[str, Any]:
    """A 60-year-old woman, 60 kg, creatinine 1.62 mg/dL (Cockcroft-Gault CrCl about 35 mL/min), HR+/HER2-
    (ER 90%, PR 40%, HER2 IHC 1+) with bone and liver metastases, on letrozole + palbociclib."""
    return bundle(
        patient(birth="1964-06-15"),
        primary(histology=cc(SCT, "82711006", "Infiltrating duct carcinoma (morphologic abnormality)")),
        secondary(
            "met-bone", cc(SCT, "94222008", "Secondary malignant neoplasm of bone (disorder)"), "2023-02-01"
        ),
        secondary(
            "met-liver", cc(SCT, "94381002", "Secondary malignant neoplasm of liver (disorder)"), "2023-02-01"
        ),
        marker_percent("er", "85337-4", 90),
        marker_percent("pr", "85339-0", 40),
        marker_answer("her2", "85319-2", {"text": "1+"}),
        observation(
            "wt",
            cc(LOINC, "29463-7", "Body weight"),
            "2024-05-01",
            valueQuantity={"value": 60, "unit": "kg", "system": UCUM, "code": "kg"},
        ),
        observation(
            "ht",
            cc(LOINC, "8302-2", "Body height"),
            "2024-05-01",
            valueQuantity={"value": 165, "unit": "cm", "system": UCUM, "code": "cm"},
        ),
        lab("creat", "2160-0", 1.62, "mg/dL"),
        lab("ca", "17861-6", 9.6, "mg/dL"),
        lab("alb", "1751-7", 4.0, "g/dL"),
        observation("ecog", cc(LOINC, "89247-1"), "2024-05-01", valueInteger=1),
        med_statement("let", "letrozole 2.5 MG Oral Tablet", "active", start="2023-03-01"),
        med_statement("palbo", "Ibrance 125 MG Oral Capsule", "active", start="2023-03-01"),
    )
