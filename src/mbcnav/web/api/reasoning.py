"""/api/v1 triage, assess (one or a batch), calculators and schemas: thin wrappers on the core."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from mbcnav.assessment import Assessment
from mbcnav.case import Case, Labs
from mbcnav.errors import CalculatorInputError
from mbcnav.interop.fhir_export import assessment_to_fhir
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.calculators import CALCULATORS
from mbcnav.reasoning.triage import TriageResult, triage

router = APIRouter(prefix="/api/v1", tags=["reasoning"])

#: cases per /assess/batch request (the body-size limit also applies); larger runs: `mbcnav assess-batch`
MAX_BATCH_CASES = 1000


class TriageRequest(BaseModel):
    model_config = {"extra": "forbid"}
    text: str = Field(min_length=1, max_length=5000, description="Symptoms in everyday words")
    labs: Labs | None = None


@router.post("/triage", response_model=TriageResult, summary="Everyday words (and labs) → red flags")
async def triage_endpoint(body: TriageRequest) -> TriageResult:
    # async: the core answers in well under a millisecond, so a thread hop would cost more than it
    # saves; the batch endpoint stays sync (a thousand cases must not block the event loop).
    return triage(body.text, body.labs)


@router.post("/assess", response_model=Assessment, summary="Assess one case")
async def assess_endpoint(case: Case) -> Assessment:
    return assess(case)


class FhirJSONResponse(JSONResponse):
    """FHIR's own media type (R4 §3.1.0.1.8), so an EHR or FHIR client knows what it received."""

    media_type = "application/fhir+json"


_BUNDLE_EXAMPLE = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {"fullUrl": "urn:uuid:...", "resource": {"resourceType": "Patient", "id": "p1"}},
        {"fullUrl": "urn:uuid:...", "resource": {"resourceType": "DetectedIssue", "severity": "high"}},
    ],
}


@router.post(
    "/assess/fhir",
    response_class=FhirJSONResponse,
    summary="Assess one case and return the result as a FHIR R4 Bundle",
    description=(
        "The same Case body as `POST /api/v1/assess`; the answer is a FHIR R4 collection Bundle "
        "(`application/fhir+json`) an EHR can file: a Patient (the case id), a DetectedIssue per red "
        "flag and safety alert, an Observation per calculation (BSA, CrCl, corrected calcium) and a "
        "RiskAssessment for the Breast GPA. Clinician text, mbcnav's own code system."
    ),
    responses={
        200: {
            "description": "FHIR R4 Bundle (type collection)",
            "content": {
                "application/fhir+json": {
                    "schema": {"type": "object", "description": "https://hl7.org/fhir/R4/bundle.html"},
                    "example": _BUNDLE_EXAMPLE,
                }
            },
        }
    },
)
async def assess_fhir_endpoint(case: Case) -> FhirJSONResponse:
    return FhirJSONResponse(assessment_to_fhir(assess(case)))


@router.post("/assess/batch", response_model=list[Assessment], summary="Assess a list of cases")
def assess_batch(cases: list[Case] = Body(..., max_length=MAX_BATCH_CASES)) -> list[Assessment]:
    return [assess(case) for case in cases]


@router.get("/calculators", summary="Every calculator with its formula and sources")
def list_calculators() -> list[dict[str, Any]]:
    return [
        {
            "name": calc.name,
            "title": calc.title,
            "formula": calc.formula,
            "sources": list(calc.sources),
            "inputs": calc.inputs.model_json_schema(),
        }
        for calc in CALCULATORS.values()
    ]


@router.post("/calculators/{name}", summary="Run one calculator")
def run_calculator(name: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    calc = CALCULATORS.get(name)
    if calc is None:
        raise HTTPException(404, f"no calculator '{name}'; use one of {', '.join(CALCULATORS)}")
    try:
        inputs = calc.inputs.model_validate(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown field"
        raise CalculatorInputError(message, field=field) from None
    return calc.compute(inputs).model_dump(mode="json")


@router.get("/schemas/{name}", summary="JSON Schema of the public formats: case, assessment, triage")
def schema(name: str) -> dict[str, Any]:
    models: dict[str, type[BaseModel]] = {"case": Case, "assessment": Assessment, "triage": TriageResult}
    model = models.get(name)
    if model is None:
        raise HTTPException(404, f"no schema '{name}'; use one of {', '.join(models)}")
    return model.model_json_schema()
