"""Upload a FHIR R4 record (a Bundle file, or its JSON pasted) and get the case assessment.

The page uses the importer of ``mbcnav import`` and ``mbcnav assess --fhir`` (mbcnav.interop.fhir,
``refuse_empty=True``), so a record reads the same in the browser as on the command line: the same
Case, the same import notes, the same error naming the resource and element. An error is shown on
the page (status 422, the form kept) and nothing is saved. A record that imports is assessed and
saved with its import notes; the browser goes to the saved result page, which shows the notes under
the assessment, so the permalink and its PDF show what the person saw.

The size limit is the app's one body limit (Settings.max_body_bytes, the API's too): the middleware
refuses a larger body before it is read, and for this page it answers with the page itself and a
message (see :func:`too_large_page`) instead of the API's problem+json.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.types import Scope

from mbcnav import jsondoc
from mbcnav.case import Case
from mbcnav.errors import MbcnavError
from mbcnav.interop.fhir import case_from_fhir
from mbcnav.reasoning.assess import assess
from mbcnav.web.pages.common import render

router = APIRouter(include_in_schema=False)

#: the page's address: under /cases/new (the case form's), never /cases/<word>, which is a permalink
FHIR_PATH = "/cases/new/fhir"
FILE_FIELD = "fhir_file"
TEXT_FIELD = "fhir_text"
LABELS = {FILE_FIELD: "FHIR Bundle file", TEXT_FIELD: "Or paste the FHIR JSON"}
#: import note levels, most important first (the notes table is sorted by it)
LEVEL_ORDER = {"error": 0, "warning": 1, "info": 2}


def _size_words(max_bytes: int) -> str:
    """2097152 -> "2 MB": the limit in the words a file browser shows (binary units, one decimal)."""
    size, unit = (max_bytes / (1024 * 1024), "MB") if max_bytes >= 1024 * 1024 else (max_bytes / 1024, "KB")
    return f"{size:.1f}".removesuffix(".0") + f" {unit}"


def _page(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    text: str = "",
    status: int = 200,
) -> HTMLResponse:
    max_bytes = request.app.state.settings.max_body_bytes
    return render(
        request,
        "fhir_upload.html",
        status_code=status,
        title="Upload a FHIR record",
        errors=errors or {},
        general=general or [],
        labels=LABELS,
        text=text,
        max_size=_size_words(max_bytes),
        file_field=FILE_FIELD,
        text_field=TEXT_FIELD,
    )


@router.get(FHIR_PATH, response_class=HTMLResponse)
def fhir_form(request: Request) -> HTMLResponse:
    return _page(request)


@router.post(FHIR_PATH, response_class=HTMLResponse)
async def fhir_submit(request: Request) -> Response:
    # A pasted Bundle is a form field, and Starlette caps a field at 1 MB by default: lift that cap to the
    # body limit, so a paste gets the same limit as a file (the middleware enforces it on the whole body).
    max_bytes = request.app.state.settings.max_body_bytes
    form = await request.form(max_part_size=max_bytes)
    upload = form.get(FILE_FIELD)
    text = form.get(TEXT_FIELD)
    raw: bytes | None = None
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read()
    pasted = text if isinstance(text, str) else ""
    # JSON parsing, the import, the engine and the database write are CPU and disk work: off the event
    # loop, as the case form does.
    return await run_in_threadpool(_submit, request, raw, pasted)


def _submit(request: Request, raw: bytes | None, pasted: str) -> Response:
    if raw is not None and pasted.strip():
        message = "choose a file or paste the JSON, not both: mbcnav will not guess which one you meant"
        return _page(request, general=[message], text=pasted, status=422)
    if raw is None and not pasted.strip():
        message = "choose a FHIR Bundle file (.json) or paste the Bundle's JSON in the box"
        return _page(request, errors={FILE_FIELD: message}, status=422)
    field = FILE_FIELD if raw is not None else TEXT_FIELD
    source = raw if raw is not None else pasted
    try:
        data = jsondoc.loads(source)
    except orjson.JSONDecodeError as exc:
        return _page(request, errors={field: f"not valid JSON ({exc})"}, text=pasted, status=422)
    try:
        imported = case_from_fhir(data, refuse_empty=True)
    except MbcnavError as exc:
        return _page(request, errors={field: _import_problem(exc, data)}, text=pasted, status=422)
    case = imported.case
    assessment = assess(case)
    saved = request.app.state.store.save(
        case.model_dump(mode="json", exclude_defaults=True),
        assessment.model_dump(mode="json"),
        import_notes=[n.to_json() for n in imported.import_notes],
    )
    return RedirectResponse(f"/cases/{saved.id}", status_code=303)


def _import_problem(exc: MbcnavError, data: Any) -> str:
    """The importer's own words (they name the resource and element), plus a pointer when the JSON is
    a case file of mbcnav's own format, the likeliest wrong file to pick here."""
    message = f"the record could not be read: {exc}"
    case_keys = set(Case.model_fields) - {"id"}
    if isinstance(data, dict) and "resourceType" not in data and set(data) & case_keys:
        message += ". This looks like an mbcnav case file, not a FHIR record: upload it on the case form"
    return message


def sorted_notes(notes: Any) -> list[dict[str, Any]]:
    """Import notes with errors and warnings first, each level in the importer's order."""
    return sorted(notes, key=lambda n: LEVEL_ORDER.get(n.get("level", "info"), 3))


def too_large_page(scope: Scope, max_bytes: int) -> Response:
    """The upload page with the size problem, for the body-size middleware (413, nothing read or saved)."""
    request = Request(scope)
    message = (
        f"the upload is larger than the limit of {_size_words(max_bytes)} ({max_bytes:,} bytes), so it was "
        "not read and nothing was saved. Export only this patient's record, or assess a large record with "
        "the command line: mbcnav assess --fhir FILE"
    )
    return _page(request, errors={FILE_FIELD: message}, status=413)
