"""Case assessment pages: the form (every field of the Case format), upload of a case JSON, the
saved result with its permalink, and the PDF to take to an appointment."""

from __future__ import annotations

import re
import typing
from typing import Any

import orjson
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from mbcnav import jsondoc
from mbcnav.case import Case, parse_case
from mbcnav.errors import CaseValidationError
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.triage import TriageResult
from mbcnav.reasoning.words_first import case_words_reading
from mbcnav.web.api.examples import HR_POSITIVE_CASE
from mbcnav.web.case_view import LEGENDS, case_as_entered
from mbcnav.web.forms import (
    FormField,
    FormSection,
    FormValues,
    _is_model,
    _strip_annotated,
    _unwrap,
    fahrenheit_note,
    field_for,
    form_to_data,
    human_label,
    lines,
    model_fields,
    numeric,
    plain_message,
    read_temperatures,
    split_problems,
)
from mbcnav.web.pages.common import render
from mbcnav.web.pages.fhir import sorted_notes
from mbcnav.web.pdf import source_ids
from mbcnav.web.store import ID_PATTERN

router = APIRouter(include_in_schema=False)

#: seconds a client is told to wait before asking again for a PDF that was not ready (503 Retry-After)
PDF_RETRY_AFTER_S = 30
#: how many blank rows each list of objects shows (a no-JS button adds more)
DEFAULT_ROWS = {
    "prior_treatment": 3,
    "current_treatment": 2,
    "proposed_treatment": 2,
    "allergies": 1,
    "bone_lesions": 1,
}
MAX_ROWS = 30
LIST_HELP = {
    "symptoms": "One symptom per line, in everyday words, e.g. “my back hurts and my legs feel weak”.",
    "current_meds": (
        "One medicine per line; generic or brand names, e.g. paroxetine. A cancer medicine listed here "
        "counts as cancer treatment now."
    ),
    "comorbidities": "One per line, e.g. diabetes, heart_failure, interstitial_lung_disease, cirrhosis.",
    "notes": "One note per line: imaging reports, letters. mbcnav says which notes it used.",
}
#: the form's example is the API docs' first example (one valid case for both)
EXAMPLE_CASE: dict[str, Any] = HR_POSITIVE_CASE


def _list_item_type(annotation: Any) -> Any | None:
    inner = _strip_annotated(_unwrap(_strip_annotated(annotation))[0])
    if typing.get_origin(inner) is tuple:
        return _strip_annotated(typing.get_args(inner)[0])
    return None


def _row_fields(model: type[BaseModel], name: str, index: int) -> list[FormField]:
    out: list[FormField] = []
    for fname, info in model.model_fields.items():
        inner = _strip_annotated(_unwrap(info.annotation)[0])
        if _is_model(inner):
            for sub in model_fields(inner, f"{name}.{index}.{fname}."):
                sub.label = f"{human_label(fname)}: {sub.label}"
                out.append(sub)
        else:
            out.append(field_for(fname, f"{name}.{index}.{fname}", info, info.annotation))
    return out


def wanted_rows(name: str, values: FormValues) -> int:
    """Rows a list of objects would show without the MAX_ROWS cap: its default, up to the last row
    submitted, and two more when its no-JS "More rows" button was pressed."""
    submitted = {int(m.group(1)) for k in values for m in [re.match(rf"{name}\.(\d+)\.", k)] if m}
    rows = max(DEFAULT_ROWS.get(name, 1), max(submitted, default=-1) + 1)
    return rows + 2 if values.get("_more") == name else rows


def case_sections(values: FormValues | None = None) -> list[FormSection]:
    """Fieldsets in reading order; every field of `Case` lands in exactly one of them."""
    values = values or FormValues()
    about = FormSection("about", "The case")
    sections: list[FormSection] = [about]
    for name, info in Case.model_fields.items():
        inner = _strip_annotated(_unwrap(info.annotation)[0])
        item = _list_item_type(info.annotation)
        if _is_model(inner):
            legend = LEGENDS.get(name, human_label(name))
            sections.append(FormSection(name, legend, model_fields(inner, f"{name}.")))
        elif item is not None and _is_model(item):
            rows = min(wanted_rows(name, values), MAX_ROWS)
            sections.append(
                FormSection(
                    name,
                    LEGENDS.get(name, human_label(name)),
                    rows=rows,
                    row_fields=[_row_fields(item, name, i) for i in range(rows)],
                )
            )
        elif item is not None and typing.get_origin(item) is typing.Literal:
            field = FormField(
                name,
                LEGENDS.get(name, human_label(name)),
                "checks",
                info.description or "",
                tuple(str(a) for a in typing.get_args(item)),
            )
            sections.append(FormSection(name, field.label, [field]))
        elif item is not None:
            legend = LEGENDS.get(name, human_label(name))
            field = FormField(name, legend, "lines", LIST_HELP.get(name, "One per line."))
            sections.append(FormSection(name, field.label, [field]))
        else:
            about.fields.extend(f for f in model_fields(Case) if f.name == name)
    return sections


def _field_names(sections: list[FormSection]) -> set[str]:
    names = {f.name for s in sections for f in s.fields}
    names |= {f.name for s in sections for row in s.row_fields for f in row}
    return names


def form_to_case_data(
    values: FormValues, sections: list[FormSection], row_index: dict[str, list[int]] | None = None
) -> dict[str, Any]:
    kinds = {f.name: f.kind for s in sections for f in s.fields}
    names = _field_names(sections)
    scalars = {k: v for k, v in values.items() if k in names and kinds.get(k) not in ("checks", "lines")}
    # "101.5 F" in the temperature field is taken as °C (the result shows the case as entered, in °C)
    scalars, _ = read_temperatures(scalars)
    checks = {k: values.getlist(k) for k, kind in kinds.items() if kind == "checks"}
    every = [f for s in sections for f in s.fields] + [
        f for s in sections for row in s.row_fields for f in row
    ]
    data = form_to_data(Case, numeric(scalars, every), checks, row_index)
    for name, kind in kinds.items():
        if kind == "lines" and values.get(name, "").strip():
            data[name] = lines(values[name])
    return data


def errors_by_field(
    problems: list[tuple[str, str]], names: set[str], row_index: dict[str, list[int]] | None = None
) -> tuple[dict[str, str], list[str]]:
    """Map each problem to the form field it names; what names no field goes to the summary."""
    errors: dict[str, str] = {}
    general: list[str] = []
    for problem_loc, message in problems:
        loc = problem_loc
        parts = loc.split(".")
        # Blank rows are dropped before validation; point the error back at the row the person filled.
        if row_index and len(parts) > 1 and parts[0] in row_index and parts[1].isdigit():
            kept = row_index[parts[0]]
            if int(parts[1]) < len(kept):
                loc = ".".join([parts[0], str(kept[int(parts[1])]), *parts[2:]])
        target = loc
        # Items of one-per-line lists ("symptoms.2") belong to the list's text box.
        if target not in names and re.fullmatch(r"[a-z_]+\.\d+", target) and target.split(".")[0] in names:
            target = target.split(".")[0]
        if target in names:
            errors.setdefault(target, message)
            continue
        # Section-level checks ("labs": "temp_c: looks like °F ...") name their field in the message.
        handled = False
        for part in split_problems(message):
            field, sep, rest = part.partition(": ")
            key = f"{loc}.{field}" if loc else field
            if sep and key in names:
                errors.setdefault(key, rest)
                handled = True
            elif sep and field in names:
                errors.setdefault(field, rest)
                handled = True
        if not handled:
            general.append(f"{loc}: {message}" if loc else message)
    return errors, general


def _labels(sections: list[FormSection]) -> dict[str, str]:
    """Visible label of every field (rows say which list and row), for error messages."""
    labels = {f.name: f.label for s in sections for f in s.fields}
    for s in sections:
        for i, row in enumerate(s.row_fields, 1):
            labels.update({f.name: f"{s.legend}, row {i}: {f.label}" for f in row})
    return labels | {"case_file": "Case JSON file"}


def _form_page(
    request: Request,
    values: FormValues,
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    status: int = 200,
    editing: Any = None,
    words: TriageResult | None = None,
    fahrenheit: str = "",
) -> HTMLResponse:
    sections = case_sections(values)
    return render(
        request,
        "case_form.html",
        status_code=status,
        alert=words.urgency if words else None,
        words=words,
        fahrenheit=fahrenheit,
        title="Change the case" if editing else "Case assessment",
        editing=editing,
        sections=sections,
        labels=_labels(sections),
        max_rows=MAX_ROWS,
        values=values,
        errors={name: plain_message(message) for name, message in (errors or {}).items()},
        general=general or [],
    )


#: how many row numbers a "rows were not kept" message lists before it says "and N more"
_ROWS_LISTED = 10


def _rows_not_kept(legend: str, numbers: list[int]) -> str:
    shown = [str(n) for n in numbers[:_ROWS_LISTED]]
    if len(numbers) > _ROWS_LISTED:
        shown.append(f"{len(numbers) - _ROWS_LISTED} more")
    listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
    which = f"row {listed} was" if len(numbers) == 1 else f"rows {listed} were"
    return (
        f"{legend}: {which} not kept; the form takes at most {MAX_ROWS} rows (from row 1). "
        "Use a case file for more."
    )


def unread_fields(values: FormValues, names: set[str]) -> list[str]:
    """Filled-in form values that no field of the form reads: rows past MAX_ROWS, or names a tampered
    or stale form sent. Saving (or redisplaying) without them would silently lose what the person
    typed, so each list says which of its rows were not kept."""
    rows: dict[str, set[int]] = {}
    problems: list[str] = []
    for key, value in values.items():
        if key in names or key.startswith("_") or key == "case_file" or not value.strip():
            continue
        row = re.fullmatch(r"([a-z_]+)\.(-?\d+)\..+", key)
        if row and row.group(1) in LEGENDS:
            rows.setdefault(row.group(1), set()).add(int(row.group(2)) + 1)
        else:
            problems.append(f"{key}: not a field of the case form")
    kept = [_rows_not_kept(LEGENDS[name], sorted(numbers)) for name, numbers in rows.items()]
    return kept + list(dict.fromkeys(problems))


def _more_rows_page(request: Request, values: FormValues) -> HTMLResponse:
    """The no-JS "More rows" button: the same form with two more rows in one list. At the MAX_ROWS cap
    the page says so (the JS "Add a row" button does too), and names any filled-in row it could not
    keep, instead of redisplaying the form without them."""
    sections = case_sections(values)
    notes = unread_fields(values, _field_names(sections))
    grown = next((s for s in sections if s.rows and s.name == values.get("_more")), None)
    said = any(note.startswith(f"{grown.legend}: ") for note in notes) if grown else False
    if grown is not None and wanted_rows(grown.name, values) > MAX_ROWS and not said:
        notes.insert(
            0,
            f"{grown.legend}: the form takes at most {MAX_ROWS} rows, and it now shows all {MAX_ROWS}. "
            "Use a case file for more.",
        )
    return _form_page(request, values, general=notes)


def _flatten(data: Any, prefix: str = "") -> list[tuple[str, str]]:
    """A case JSON as form values (to prefill the form from the example or an upload)."""
    out: list[tuple[str, str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            out += _flatten(value, f"{prefix}{key}.")
    elif isinstance(data, list):
        name = prefix.rstrip(".")
        if all(not isinstance(v, dict | list) for v in data):
            if name == "metastatic_sites":
                out += [(name, str(v)) for v in data]
            else:
                out.append((name, "\n".join(str(v) for v in data)))
        else:
            for i, value in enumerate(data):
                out += _flatten(value, f"{prefix}{i}.")
    elif data is not None:
        text = ("true" if data else "false") if isinstance(data, bool) else str(data)
        out.append((prefix.rstrip("."), text))
    return out


@router.get("/cases/new", response_class=HTMLResponse)
def case_form(request: Request, example: str = "") -> HTMLResponse:
    values = FormValues(_flatten(EXAMPLE_CASE)) if example else FormValues()
    return _form_page(request, values)


@router.get("/cases", include_in_schema=False)
def cases_root() -> RedirectResponse:
    return RedirectResponse("/cases/new", status_code=303)


@router.post("/cases", response_class=HTMLResponse)
async def case_submit(request: Request) -> Response:
    form = await request.form()
    upload = form.get("case_file")
    items = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    raw: bytes | None = None
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read()
    # Validation, the engine and the database write are CPU and disk work: off the event loop, so one
    # large case does not stall every other user (sweep 6).
    return await run_in_threadpool(_case_submit, request, FormValues(items), raw)


def _case_submit(request: Request, values: FormValues, raw: bytes | None) -> Response:
    if values.get("_more"):
        return _more_rows_page(request, values)
    sections = case_sections(values)
    names = _field_names(sections)
    row_index: dict[str, list[int]] = {}
    if raw is not None:
        try:
            data = jsondoc.loads(raw)
        except orjson.JSONDecodeError as exc:
            problem = {"case_file": f"the file is not valid JSON ({exc})"}
            return _form_page(request, values, problem, status=422)
        names = names | {"case_file"}
    else:
        unread = unread_fields(values, names)
        if unread:
            return _form_page(request, values, general=unread, status=422)
        data = form_to_case_data(values, sections, row_index)
        if not set(data) - {"id"}:
            message = (
                "enter at least one thing about the case (for example the tumor test results, where "
                "the cancer has spread, or a symptom), or choose a case file"
            )
            return _form_page(request, values, general=[message], status=422)
    try:
        case = parse_case(data)
    except CaseValidationError as exc:
        if raw is not None:
            # Show the uploaded case in the form so each problem sits next to its field.
            values = FormValues(_flatten(data)) if isinstance(data, dict) else values
            names = _field_names(case_sections(values)) | {"case_file"}
        errors, general = errors_by_field(exc.problems, names, row_index)
        # A refused field must not hide what the valid parts show (a bare °F temperature read as °F):
        # their red flags come first.
        reading = case_words_reading(data)
        words = reading[0] if reading else None
        fahrenheit = fahrenheit_note(*reading[1]) if reading and reading[1] else ""
        return _form_page(request, values, errors, general, status=422, words=words, fahrenheit=fahrenheit)
    assessment = assess(case)
    store = request.app.state.store
    saved = store.save(
        case.model_dump(mode="json", exclude_defaults=True),
        assessment.model_dump(mode="json"),
    )
    return RedirectResponse(f"/cases/{saved.id}", status_code=303)


def _saved(request: Request, saved_id: str) -> Any:
    if not re.fullmatch(ID_PATTERN, saved_id):
        raise HTTPException(404, "There is no saved assessment at this address.")
    saved = request.app.state.store.get(saved_id)
    if saved is None:
        raise HTTPException(404, "There is no saved assessment at this address.")
    return saved


@router.get("/cases/{saved_id}", response_class=HTMLResponse)
def case_result(request: Request, saved_id: str) -> HTMLResponse:
    saved = _saved(request, saved_id)
    return render(
        request,
        "case_result.html",
        title="Assessment",
        saved=saved,
        a=saved.assessment,
        case=saved.case,
        entered=case_as_entered(saved.case),
        source_ids=source_ids(saved.assessment),
        permalink=str(request.url_for("case_result", saved_id=saved.id)),
        import_notes=None if saved.import_notes is None else sorted_notes(saved.import_notes),
    )


@router.get("/cases/{saved_id}/edit", response_class=HTMLResponse)
def case_edit(request: Request, saved_id: str) -> HTMLResponse:
    """The form filled in from a saved case, so one wrong value is fixed without retyping 40 fields.
    It posts to /cases like any form: the fix becomes a new assessment with its own permalink, and the
    saved one stays as the person saw it."""
    saved = _saved(request, saved_id)
    return _form_page(request, FormValues(_flatten(saved.case)), editing=saved)


@router.get("/cases/{saved_id}/case.json")
def case_json(request: Request, saved_id: str) -> Response:
    saved = _saved(request, saved_id)
    headers = {"content-disposition": f'attachment; filename="mbcnav-case-{saved.id}.json"'}
    return Response(
        orjson.dumps(saved.case, option=orjson.OPT_INDENT_2), media_type="application/json", headers=headers
    )


@router.get("/cases/{saved_id}/report.pdf")
def case_pdf(request: Request, saved_id: str) -> Response:
    from mbcnav.web.pdf import PdfTimeout, assessment_pdf

    saved = _saved(request, saved_id)
    permalink = str(request.url_for("case_result", saved_id=saved.id))
    # a plain (sync) route: FastAPI runs it in its threadpool, so a render never blocks the event loop;
    # the wait for the render is bounded (PdfCache), the render goes on and is cached for the next try
    try:
        pdf = request.app.state.pdf_cache.get_or_render(
            (saved.id, permalink), lambda: assessment_pdf(saved, permalink=permalink)
        )
    except PdfTimeout as exc:
        raise HTTPException(
            503,
            f"The PDF report is still being made ({exc}). Nothing is wrong with the assessment. Try the "
            f"download again in a minute; the result page at {permalink} has everything the PDF has.",
            headers={"Retry-After": str(PDF_RETRY_AFTER_S)},
        ) from None
    headers = {"content-disposition": f'attachment; filename="mbcnav-report-{saved.id}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
