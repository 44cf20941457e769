"""Strict JSON request bodies for the API: what RFC 8259 calls JSON, sent as JSON, or a clear error.

FastAPI reads a body with Python's `json.loads`, which takes `NaN` and `Infinity` (not JSON) and lets
the last of two equal keys win without a word, and it hands a JSON text sent as `text/plain` (or with
no type) to validation as raw bytes, which then says "Input should be a valid dictionary". A clinical
case must not change meaning silently, so each of these gets a problem naming the cause: 415 for the
wrong media type, 400 for a non-JSON number or a repeated key (with the key's path).
"""

from __future__ import annotations

import email.message
import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

JSON_MEDIA_TYPE = "application/json"


class BodyProblem(HTTPException):
    """An HTTP error about the request body that also names the input at fault (`errors`)."""

    def __init__(self, status_code: int, detail: str, errors: list[dict[str, str]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code, detail, headers)
        self.errors = errors


class _Found(Exception):
    """Raised on the fast path at the first non-JSON constant or repeated key; the slow path then
    finds where it is."""


class _Marker:
    """Stands, on the slow path, where a non-JSON constant or a repeated key was read."""

    def __init__(self, message: str) -> None:
        self.message = message


def _fast_constant(name: str) -> Any:
    raise _Found(name)


def _fast_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _Found("duplicate")
    return obj


def _marking_constant(name: str) -> _Marker:
    return _Marker(f"{name} is not a JSON number (RFC 8259): send a number, or null for no value")


def _marking_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            value = _Marker(f"the key '{key}' appears more than once in this object: send it once")
        obj[key] = value
    return obj


def _find_marker(value: Any, path: tuple[str, ...] = ()) -> tuple[tuple[str, ...], _Marker] | None:
    if isinstance(value, _Marker):
        return path, value
    items: Any = ()
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    for key, child in items:
        found = _find_marker(child, (*path, str(key)))
        if found is not None:
            return found
    return None


def strict_loads(body: bytes | str) -> Any:
    """Parse JSON as RFC 8259 defines it. The usual body costs one C-speed parse with a cheap hook per
    object; only a faulty body is parsed again to find the field. Raises BodyProblem (400), or
    json.JSONDecodeError for malformed text (FastAPI answers that as before)."""
    try:
        return json.loads(body, parse_constant=_fast_constant, object_pairs_hook=_fast_pairs)
    except _Found:
        pass
    found = _find_marker(json.loads(body, parse_constant=_marking_constant, object_pairs_hook=_marking_pairs))
    path, marker = found if found is not None else ((), _Marker("the body is not valid JSON"))
    field = ".".join(path)
    detail = f"{field}: {marker.message}" if field else marker.message
    raise BodyProblem(400, detail, errors=[{"field": field, "message": marker.message}])


def is_json_media_type(content_type: str) -> bool:
    """The media types FastAPI reads as JSON: application/json and application/*+json."""
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


class StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = strict_loads(await self.body())
        return self._json


class StrictJSONRoute(APIRoute):
    """An API route whose JSON body must be sent as JSON and be strict JSON (see the module text)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def strict_handler(request: Request) -> Response:
            strict = StrictJSONRequest(request.scope, request.receive)
            content_type = strict.headers.get("content-type", "")
            if not is_json_media_type(content_type) and await strict.body():
                sent = f"was sent as '{content_type}'" if content_type else "has no Content-Type"
                raise BodyProblem(
                    415,
                    f"the request body {sent}; send the JSON with 'Content-Type: {JSON_MEDIA_TYPE}'",
                    headers={"Accept-Post": JSON_MEDIA_TYPE},
                )
            return await handler(strict)

        return strict_handler
