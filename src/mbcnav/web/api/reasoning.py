"""/api/v1 triage, assess (one or a batch), calculators and schemas: thin wrappers on the core."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from mbcnav.assessment import Assessment
from mbcnav.case import Case, Labs, PlainText, parse_case
from mbcnav.errors import CaseValidationError, MbcnavError
from mbcnav.interop.fhir_export import assessment_to_fhir
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.calculators import CALCULATORS, CalculationResult, Calculator
from mbcnav.reasoning.triage import TriageResult, triage
from mbcnav.reasoning.words_first import MAX_TEXT_CHARS
from mbcnav.web.api.examples import ASSESS_EXAMPLES, BATCH_EXAMPLES, TRIAGE_EXAMPLES
from mbcnav.web.api.jsonbody import StrictJSONRoute
from mbcnav.web.problems import Problem, case_problem, field_problems

router = APIRouter(prefix="/api/v1", tags=["reasoning"], route_class=StrictJSONRoute)

#: cases per /assess/batch request (the body-size limit also applies); larger runs: `mbcnav assess-batch`
MAX_BATCH_CASES = 1000


class TriageRequest(BaseModel):
    model_config = {"extra": "forbid"}
    text: Annotated[str, PlainText] = Field(
        min_length=1, max_length=MAX_TEXT_CHARS, description="Symptoms in everyday words"
    )
    labs: Labs | None = None


@router.post("/triage", response_model=TriageResult, summary="Everyday words (and labs) → red flags")
def triage_endpoint(body: Annotated[TriageRequest, Body(openapi_examples=TRIAGE_EXAMPLES)]) -> TriageResult:
    # Plain `def` (FastAPI runs it in the threadpool), as every handler that runs the engine: a long
    # text or a large case must not stall the event loop and with it every other user.
    return triage(body.text, body.labs)


#: the request body of the single-case operations, documented as the Case schema: the body is read as
#: any JSON and validated by parse_case, so its problems have the plain wording of batch, CLI and forms
#: (FastAPI's own body validation would answer in pydantic's: "Input should be a valid integer")
_CASE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Case"},
                "examples": ASSESS_EXAMPLES,
            }
        },
    }
}


def _case_or_problem(data: Any, path: str) -> Case | JSONResponse:
    """The case, or its problem details with the red flags of its valid parts (never hidden)."""
    try:
        return parse_case(data)
    except CaseValidationError as exc:
        return case_problem(exc, data, instance=path)


@router.post("/assess", response_model=Assessment, summary="Assess one case", openapi_extra=_CASE_BODY)
def assess_endpoint(case: Any = Body(...)) -> Assessment | JSONResponse:
    parsed = _case_or_problem(case, f"{router.prefix}/assess")
    return parsed if isinstance(parsed, JSONResponse) else assess(parsed)


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
    openapi_extra=_CASE_BODY,
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
def assess_fhir_endpoint(case: Any = Body(...)) -> JSONResponse:
    parsed = _case_or_problem(case, f"{router.prefix}/assess/fhir")
    if isinstance(parsed, JSONResponse):
        return parsed
    return FhirJSONResponse(assessment_to_fhir(assess(parsed)))


class BatchError(BaseModel):
    """A case of a batch that could not be assessed; the other cases still are (as `mbcnav
    assess-batch` does)."""

    index: int = Field(description="Position of the case in the request list (from 0)")
    case_id: str | None = Field(None, description="The case's `id`, when it had a readable one")
    error: Problem


_BATCH_DESCRIPTION = f"""
A JSON list of up to {MAX_BATCH_CASES} cases (the Case format of `POST /api/v1/assess`). The answer is
a list of the same length and order. When every case is valid, each item is an Assessment (the
answer is a plain list of assessments). A case that is not valid does not stop the batch: its item
is `{{"index", "case_id", "error"}}`, where `error` is the problem details a `POST /api/v1/assess` of
that case alone would get (status 422, `errors` naming each field inside the case, `instance` the
path with the item as a JSON pointer, e.g. `/api/v1/assess/batch#/3`). Tell the two
apart by the `error` key. A body that is not a JSON list, or has too many cases, is a 422 for the
whole request.
"""


@router.post(
    "/assess/batch",
    response_model=list[Assessment | BatchError],
    summary="Assess a list of cases; per-case errors do not stop the batch",
    description=_BATCH_DESCRIPTION,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Case"},
                        "maxItems": MAX_BATCH_CASES,
                    },
                    "examples": BATCH_EXAMPLES,
                }
            }
        }
    },
)
def assess_batch(cases: list[Any] = Body(..., max_length=MAX_BATCH_CASES)) -> list[Assessment | BatchError]:
    results: list[Assessment | BatchError] = []
    for index, record in enumerate(cases):
        try:
            results.append(assess(parse_case(record)))
        except MbcnavError as exc:
            results.append(_batch_error(index, record, exc))
    return results


#: a batch item's problem names the item as a JSON pointer into the request body (RFC 6901), after the
#: path: `/api/v1/assess/batch#/3` is the fourth case
_BATCH_PATH = f"{router.prefix}/assess/batch"


def _batch_error(index: int, record: Any, exc: MbcnavError) -> BatchError:
    if isinstance(exc, CaseValidationError):
        errors = field_problems(exc.problems)
    else:
        errors = [{"field": exc.field or "", "message": exc.message}]
    case_id = record.get("id") if isinstance(record, dict) else None
    return BatchError(
        index=index,
        case_id=case_id if isinstance(case_id, str) else None,
        error=Problem(
            title="Invalid input",
            status=422,
            detail=str(exc),
            instance=f"{_BATCH_PATH}#/{index}",
            errors=errors,  # type: ignore[arg-type]
        ),
    )


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


def _calculator_endpoint(calc: Calculator) -> Any:
    """One operation per calculator, so the OpenAPI document carries each one's input schema and a
    body with several problems gets all of them at once (FastAPI validates the body model)."""

    def run(inputs: Any) -> CalculationResult:
        return calc.compute(inputs)

    run.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("inputs", inspect.Parameter.KEYWORD_ONLY, annotation=calc.inputs)],
        return_annotation=CalculationResult,
    )
    run.__name__ = f"calculator_{calc.name}"
    return run


for _calc in CALCULATORS.values():
    router.add_api_route(
        f"/calculators/{_calc.name}",
        _calculator_endpoint(_calc),
        methods=["POST"],
        response_model=CalculationResult,
        summary=_calc.title,
        description=f"Formula: {_calc.formula}\n\nSources: {', '.join(_calc.sources)}",
        operation_id=f"calculator_{_calc.name}",
    )


@router.post("/calculators/{name}", include_in_schema=False)
def run_calculator(name: str) -> None:
    """Names that are no calculator (the real ones are matched by their own routes above)."""
    raise HTTPException(404, f"no calculator '{name}'; use one of {', '.join(CALCULATORS)}")


@router.get("/schemas/{name}", summary="JSON Schema of the public formats: case, assessment, triage")
def schema(name: str) -> dict[str, Any]:
    models: dict[str, type[BaseModel]] = {"case": Case, "assessment": Assessment, "triage": TriageResult}
    model = models.get(name)
    if model is None:
        raise HTTPException(404, f"no schema '{name}'; use one of {', '.join(models)}")
    return model.model_json_schema()
