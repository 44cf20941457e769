"""RFC 9457 problem details for every error the API returns; nothing answers 500 for bad input."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
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
    # FastAPI prefixes body fields with "body"; people know the field, not the transport.
    items = [str(p) for p in parts]
    if items and items[0] == "body":
        items = items[1:]
    return ".".join(items)


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
        errors.append({"field": _loc(err.get("loc", ())), "message": message})
    return status, errors


def install(app: FastAPI) -> None:
    """Register handlers that turn every known error into problem+json."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, errors = validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors)
        return problem(status, detail, errors=errors, instance=request.url.path)

    @app.exception_handler(CaseValidationError)
    async def _case(request: Request, exc: CaseValidationError) -> JSONResponse:
        errors = [{"field": loc, "message": msg} for loc, msg in exc.problems]
        return problem(422, str(exc), errors=errors, instance=request.url.path)

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
        errors = [{"field": exc.field, "message": exc.message}] if exc.field else None
        return problem(422, str(exc), errors=errors, instance=request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_html(request):
            from mbcnav.web.pages.common import error_page  # late: pages import this module

            return error_page(request, exc.status_code, str(exc.detail))
        response = problem(exc.status_code, str(exc.detail), instance=request.url.path)
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


def wants_html(request: Request) -> bool:
    """Browsers on page URLs get an HTML error page; the API and programs always get problem+json."""
    if request.url.path.startswith("/api"):
        return False
    return "text/html" in request.headers.get("accept", "")
