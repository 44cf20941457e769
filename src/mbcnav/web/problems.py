"""RFC 9457 problem details for every error the API returns; nothing answers 500 for bad input."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from mbcnav.errors import (
    CalculatorInputError,
    CaseValidationError,
    MbcnavError,
    UnknownDrugError,
    UnknownTopicError,
)

logger = logging.getLogger("mbcnav.web")

PROBLEM_JSON = "application/problem+json"
_TITLES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
    415: "Unsupported media type",
    503: "Not available",
    422: "Invalid input",
    500: "Internal error",
}


class FieldProblem(BaseModel):
    field: str = Field(
        description="Dotted path of the input the problem is about (e.g. `labs.temp_c`, `q`); empty for "
        "the body as a whole"
    )
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details: the body of every 4xx/5xx answer of the API."""

    type: str = Field("about:blank", description="A URI naming the problem type")
    title: str = Field(description="Short summary of the kind of problem, e.g. 'Invalid input'")
    status: int = Field(description="The HTTP status code")
    detail: str = Field(description="What went wrong, naming the field")
    instance: str | None = Field(None, description="The path of the request")
    errors: list[FieldProblem] | None = Field(
        None, description="One entry per invalid input (422, and 400 for malformed JSON)"
    )
    # Additive members: red flags are never hidden by a refused field.
    urgency: str | None = Field(
        None,
        description="/triage and /assess only, when the input is refused but its words (triage `text`; a "
        "case's `symptoms` and `notes`) alone show a red flag: the urgency of those words, as in Triage",
    )
    red_flags: list[dict[str, Any]] | None = Field(
        None, description="With `urgency`: the red flags of the words alone (Triage `red_flags` shape)"
    )
    advice: dict[str, Any] | None = Field(
        None, description="With `urgency`: what to do now (Triage `advice` shape)"
    )


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _loc(parts: tuple[Any, ...] | list[Any]) -> str:
    # FastAPI prefixes fields with where they came from ("body", "query", "path"); people know the field
    # (or the query parameter: `kind`, `q`), not the transport.
    items = [str(p) for p in parts]
    if items and items[0] in ("body", "query", "path", "header", "cookie"):
        items = items[1:]
    return ".".join(items)


def field_problems(problems: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Problems of a case as {field, message}; each names its exact field (`labs.temp_c`: the Case
    model locates even a wrong-unit lab at its own field), so a client can point at the input."""
    return [{"field": loc, "message": message} for loc, message in problems]


def validation_errors(exc: RequestValidationError) -> tuple[int, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    status = 422
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            status = 400
            ctx = err.get("ctx") or {}
            errors.append({"field": "", "message": f"malformed JSON: {ctx.get('error', err['msg'])}"})
            continue
        message = str(err.get("msg", "")).removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            message = "unknown field (not part of the format)"
        errors += field_problems([(_loc(err.get("loc", ())), message)])
    return status, errors


def install(app: FastAPI) -> None:
    """Register handlers that turn every known error into problem+json, and document them."""
    document_problems(app)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, errors = validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors)
        response = problem(status, detail, errors=errors, instance=request.url.path)
        words = _words_red_flags(request.url.path, exc.body)
        if words is None:
            return response
        body = orjson.loads(response.body)
        body.update(words)
        return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)

    @app.exception_handler(CaseValidationError)
    async def _case(request: Request, exc: CaseValidationError) -> JSONResponse:
        return problem(422, str(exc), errors=field_problems(exc.problems), instance=request.url.path)

    @app.exception_handler(UnknownTopicError)
    async def _topic(request: Request, exc: UnknownTopicError) -> JSONResponse:
        return problem(404, str(exc), instance=request.url.path)

    @app.exception_handler(UnknownDrugError)
    async def _drug(request: Request, exc: UnknownDrugError) -> JSONResponse:
        return problem(404 if exc.field is None else 422, str(exc), instance=request.url.path)

    @app.exception_handler(CalculatorInputError)
    async def _calc(request: Request, exc: CalculatorInputError) -> JSONResponse:
        errors = [{"field": exc.field or "", "message": exc.message}]
        return problem(422, str(exc), errors=errors, instance=request.url.path)

    @app.exception_handler(MbcnavError)
    async def _mbcnav(request: Request, exc: MbcnavError) -> JSONResponse:
        field = _PARAMETER_NAMES.get((request.url.path, exc.field or ""), exc.field)
        errors = [{"field": field, "message": exc.message}] if field else None
        detail = f"{field}: {exc.message}" if field else str(exc)
        return problem(422, detail, errors=errors, instance=request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_html(request):
            from mbcnav.web.pages.common import error_page  # late: pages import this module

            page = error_page(request, exc.status_code, str(exc.detail))
            if exc.headers:  # Retry-After on a 503, Allow on a 405: pages say it as the API does
                page.headers.update(exc.headers)
            return page
        # a body problem (api/jsonbody.py) names the input at fault, as a validation error does
        errors = getattr(exc, "errors", None)
        response = problem(exc.status_code, str(exc.detail), errors=errors, instance=request.url.path)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # A bug, not bad input: log it for the operator, show the user no stack trace.
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(
            500, "mbcnav hit an internal error; the request changed nothing.", instance=request.url.path
        )


def case_problem(exc: CaseValidationError, data: Any, *, instance: str) -> JSONResponse:
    """A refused case as problem details (parse_case's plain messages, each at its field), with the red
    flags of its valid parts as additive members when they show one."""
    response = problem(422, str(exc), errors=field_problems(exc.problems), instance=instance)
    words = _words_red_flags("/api/v1/assess", data)
    if words is None:
        return response
    body = orjson.loads(response.body)
    body.update(words)
    return JSONResponse(body, status_code=422, media_type=PROBLEM_JSON)


def _words_red_flags(path: str, body: Any) -> dict[str, Any] | None:
    """The refused input's words triaged alone, as additive problem members, when they show a red
    flag: a wrong-unit temperature must not hide the cord compression the text describes."""
    from mbcnav.reasoning.words_first import case_words_triage, words_triage

    if path == "/api/v1/triage":
        result = words_triage(body.get("text")) if isinstance(body, dict) else None
    elif path in ("/api/v1/assess", "/api/v1/assess/fhir"):
        result = case_words_triage(body)
    else:
        return None
    if result is None:
        return None
    data = result.model_dump(mode="json")
    return {key: data[key] for key in ("urgency", "red_flags", "advice")}


#: (path, field the core names) -> the request parameter a client sent: the core's ask() calls its
#: argument `question`, the API's query parameter is `q`
_PARAMETER_NAMES: dict[tuple[str, str], str] = {("/api/v1/ask", "question"): "q"}

_PROBLEM_DESCRIPTIONS = {
    "400": "Malformed JSON, a non-JSON number (NaN) or a repeated key (problem details)",
    "404": "Not found (problem details)",
    "413": "Request body above the size limit (problem details)",
    "415": "The body was not sent as `application/json` (problem details)",
    "422": "Invalid input; `errors` names each field (problem details)",
}


def document_problems(app: FastAPI) -> None:
    """Make the OpenAPI document say what the API really sends on error: problem+json (Problem) for
    400 (malformed JSON), 404, 413 (body too large), 415 (body not sent as JSON) and 422, instead of
    FastAPI's default 422 `HTTPValidationError` that this API never answers with."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(problem_schema.pop("$defs", {}))
        components["Problem"] = problem_schema
        if "#/components/schemas/Case" in str(schema.get("paths")) and "Case" not in components:
            # the case operations read their body with parse_case (plain messages), so FastAPI does
            # not add the Case schema their request bodies name
            from mbcnav.case import Case

            case_schema = Case.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, sub in case_schema.pop("$defs", {}).items():
                components.setdefault(name, sub)
            components["Case"] = case_schema
        ref = {"$ref": "#/components/schemas/Problem"}
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                params = operation.get("parameters", [])
                # what FastAPI already documents (CDS Hooks: its own errors, also problem+json), plus
                # what any /api operation can answer
                statuses: set[str] = set()
                if path.startswith("/api/"):
                    if "requestBody" in operation:
                        statuses |= {"400", "413", "415", "422"}
                    if params:
                        statuses.add("422")
                    if any(p.get("in") == "path" for p in params):
                        statuses.add("404")
                statuses |= {s for s in responses if s in _PROBLEM_DESCRIPTIONS}
                for status in sorted(statuses):
                    responses[status] = {
                        "description": _PROBLEM_DESCRIPTIONS[status],
                        "content": {PROBLEM_JSON: {"schema": ref}},
                    }
        if "#/components/schemas/HTTPValidationError" not in str(schema.get("paths")):
            components.pop("HTTPValidationError", None)
            components.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def wants_html(request: Request) -> bool:
    """Browsers on page URLs get an HTML error page; the API and programs always get problem+json."""
    if request.url.path.startswith("/api"):
        return False
    return "text/html" in request.headers.get("accept", "")
