"""Ask, the symptom checker and the calculators: forms that work without JavaScript."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from mbcnav.case import Labs, hidden_char_problem
from mbcnav.errors import CalculatorInputError, MbcnavError
from mbcnav.reasoning.calculators import CALCULATORS
from mbcnav.reasoning.triage import TriageResult, triage
from mbcnav.reasoning.words_first import MAX_TEXT_CHARS, fahrenheit_reading, words_triage
from mbcnav.search import MAX_QUESTION_CHARS, ask
from mbcnav.web.forms import (
    csv_values,
    fahrenheit_note,
    form_to_data,
    human_label,
    model_fields,
    numeric,
    plain_message,
    read_temperatures,
    split_problems,
)
from mbcnav.web.pages.common import audience_of, render

router = APIRouter(include_in_schema=False)

#: labs the symptom checker asks for (optional): the ones that turn words into a red flag
TRIAGE_LABS = ("temp_c", "anc_per_ul", "calcium_mg_dl", "albumin_g_dl")


@router.get("/ask", response_class=HTMLResponse)
def ask_page(request: Request, q: str = "") -> HTMLResponse:
    # Never cut the question: a dropped last sentence ("my legs are weak") can be the emergency.
    # ask() refuses an over-long question with a message naming the limit.
    question = q.strip()
    result = None
    error = ""
    if question:
        try:
            result = ask(question, audience=audience_of(request), k=5)
        except MbcnavError as exc:
            error = exc.message
    status = 422 if error else 200
    alert = (result.urgency or "urgent") if result is not None and result.red_flags else None
    return render(
        request, "ask.html", status_code=status, alert=alert, title="Ask", q=question, result=result,
        error=error,
        max_chars=MAX_QUESTION_CHARS,
    )


def _triage_fields() -> list[Any]:
    return [f for f in model_fields(Labs, "labs.") if f.name.removeprefix("labs.") in TRIAGE_LABS]


_SYMPTOM_LABELS = {"text": "What do you feel?", **{f.name: f.label for f in _triage_fields()}}


@router.get("/symptoms", response_class=HTMLResponse)
def symptoms_page(request: Request) -> HTMLResponse:
    return render(
        request,
        "symptoms.html",
        title="Symptom checker",
        fields=_triage_fields(),
        labels=_SYMPTOM_LABELS,
        values={},
        errors={},
        result=None,
    )


@router.post("/symptoms", response_class=HTMLResponse)
async def symptoms_check(request: Request) -> HTMLResponse:
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    # The triage engine runs in the threadpool: a long text must not stall other users (sweep 6).
    return await run_in_threadpool(_symptoms_check, request, values)


def _symptoms_check(request: Request, values: dict[str, str]) -> HTMLResponse:
    errors: dict[str, str] = {}
    text = values.get("text", "").strip()
    hidden: str | None = None
    if not text:
        errors["text"] = "type at least a few words about how you feel"
    elif len(text) > MAX_TEXT_CHARS:
        errors["text"] = f"please keep it under {MAX_TEXT_CHARS} characters"
    elif (hidden := hidden_char_problem(text)) is not None:
        errors["text"] = f"the text {hidden}"
    labs = None
    typed, notes = read_temperatures({k: v for k, v in values.items() if k.startswith("labs.")})
    lab_values = numeric(typed, _triage_fields())
    lab_data = form_to_data(Labs, lab_values, {}).get("labs")
    if lab_data:
        try:
            labs = Labs.model_validate(lab_data)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                loc = ".".join(str(p) for p in err["loc"])
                message = str(err["msg"]).removeprefix("Value error, ")
                if loc:
                    errors[f"labs.{loc}"] = message
                else:  # unit traps report "field: message" at model level
                    for part in split_problems(message):
                        name, _, msg = part.partition(": ")
                        errors[f"labs.{name}"] = msg or part
    result = None
    words = None
    fahrenheit = ""
    if not errors:
        result = triage(text, labs)
    elif "text" not in errors or hidden is not None:
        # A refused lab must not hide what the words alone show: their red flags come first.
        words = words_triage(text)
        fever = _fahrenheit_triage(text, lab_data or {}, errors)
        if fever is not None:
            words, fahrenheit = fever
    shown = result or words
    return render(
        request,
        "symptoms.html",
        status_code=422 if errors else 200,
        alert=shown.urgency if shown else None,
        title="Symptom checker",
        words=words,
        fahrenheit=fahrenheit,
        notes=notes,
        fields=_triage_fields(),
        labels=_SYMPTOM_LABELS,
        values=values,
        errors={name: plain_message(message) for name, message in errors.items()},
        result=result,
    )


def _fahrenheit_triage(
    text: str, lab_data: dict[str, Any], errors: dict[str, str]
) -> tuple[TriageResult, str] | None:
    """The words with a bare °F temperature read as °F, when that is the only refused field and the
    reading raises a red flag: the field error stays, and the fever warning shows above it."""
    f = fahrenheit_reading(lab_data.get("temp_c"))  # the form's numbers are already numbers (numeric)
    if f is None or set(errors) != {"labs.temp_c"}:
        return None
    try:
        labs = Labs.model_validate({**lab_data, "temp_c": f[1]})
    except ValidationError:
        return None
    result = triage(text, labs)
    return (result, fahrenheit_note(*f)) if result.red_flags else None


@router.get("/calculators", response_class=HTMLResponse)
def calculators_index(request: Request) -> HTMLResponse:
    return render(request, "calculators.html", title="Calculators", calculators=list(CALCULATORS.values()))


def _calculator(name: str) -> Any:
    calc = CALCULATORS.get(name)
    if calc is None:
        raise HTTPException(404, f"There is no calculator called '{name}'.")
    return calc


def _calc_page(
    request: Request,
    calc: Any,
    values: dict[str, str],
    errors: dict[str, str],
    general: list[str],
    result: Any,
    status: int = 200,
) -> HTMLResponse:
    fields = model_fields(calc.inputs)
    return render(
        request,
        "calculator.html",
        status_code=status,
        title=calc.title,
        calc=calc,
        fields=fields,
        labels={f.name: f.label for f in fields},
        values=values,
        errors={name: plain_message(message) for name, message in errors.items()},
        general=general,
        result=result,
    )


@router.get("/calculators/{name}", response_class=HTMLResponse)
def calculator_page(request: Request, name: str) -> HTMLResponse:
    return _calc_page(request, _calculator(name), {}, {}, [], None)


@router.post("/calculators/{name}", response_class=HTMLResponse)
async def calculator_run(request: Request, name: str) -> HTMLResponse:
    calc = _calculator(name)
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    return await run_in_threadpool(_calculator_run, request, calc, values)


def _calculator_run(request: Request, calc: Any, values: dict[str, str]) -> HTMLResponse:
    fields = {f.name: f for f in model_fields(calc.inputs)}
    data: dict[str, Any] = {}
    for key, raw in values.items():
        if key not in fields or not raw.strip():
            continue
        data[key] = csv_values(raw) if fields[key].kind == "csv" else raw.strip()
    errors: dict[str, str] = {}
    general: list[str] = []
    result = None
    try:
        # Validate here first: the model reports every missing or wrong input at once (compute() would
        # name only the first, and an empty form would take one round trip per field).
        inputs = calc.inputs.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            field = str(err["loc"][0]) if err["loc"] else ""
            message = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "missing":
                message = "required input is missing"
            if field in fields:
                errors.setdefault(field, message)
            else:
                general.append(message)
    else:
        try:
            result = calc.compute(inputs)
        except CalculatorInputError as exc:
            field = (exc.field or "").split(".")[0]
            if field in fields:
                errors[field] = exc.message
            else:
                general.append(exc.message)
    status = 422 if errors or general else 200
    return _calc_page(request, calc, values, errors, general, result, status)


__all__ = ["human_label", "router"]
