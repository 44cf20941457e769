"""JSON text from files, uploads and lines, read the same way everywhere.

A UTF-8 byte order mark (Windows editors write one) is not JSON, and orjson refuses it; a person who
saved a case or a FHIR bundle in Notepad should not get "not valid JSON". Every reader of JSON that a
person hands in (case files, FHIR files and NDJSON lines, batch inputs, web uploads) parses through
here, so the mark is dropped in one place.
"""

from __future__ import annotations

import codecs
from typing import Any

import orjson

_BOM_TEXT = codecs.BOM_UTF8.decode("utf-8")


def without_bom(raw: bytes | str) -> bytes | str:
    """The JSON text without a leading UTF-8 byte order mark."""
    if isinstance(raw, bytes):
        return raw.removeprefix(codecs.BOM_UTF8)
    return raw.removeprefix(_BOM_TEXT)


def loads(raw: bytes | str) -> Any:
    """``orjson.loads`` of the text without a byte order mark (raises orjson.JSONDecodeError)."""
    return orjson.loads(without_bom(raw))
