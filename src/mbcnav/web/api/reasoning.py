"""/api/v1 triage, assess (one or a batch), calculators and schemas: thin wrappers on the core."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, HTTPException
from pydantic import BaseModel, Field, ValidationError

from mbcnav.assessment import Assessment
from mbcnav.case import Case, Labs
from mbcnav.errors import CalculatorInputError
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
