"""Strict mode: validate every resource with the ``fhir.resources`` models before mapping it.

Resources that fail are left out and each defect becomes an error-level note; those that pass are
mapped as re-serialised by the models, so the lenient and strict paths can be compared on one corpus.

The models are lax about JSON types: they read the number 20240201 in a dateTime as seconds since 1970
(1970-08-23) and the string "150" in a decimal as 150, even with pydantic's ``strict=True`` (the
fhir.resources primitive types carry their own validators). FHIR R4 JSON gives each primitive one JSON
type (a string for dates, codes and text; a number for decimal and integer; true/false for boolean), so
every primitive whose JSON type the model changed is a defect too, and its resource is left out: a value
is never rewritten without a word (and the default import refuses the same values).
``fhir.resources`` is imported only when strict mode is asked for: it is slow to import and the
lenient path never needs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from pydantic import ValidationError

from mbcnav.interop.fhir.notes import ImportNote
from mbcnav.interop.fhir.reading import Resources, ref_of


# mCODE is written against FHIR R4 (4.0.1), but fhir.resources 8 ships no plain R4 package (only R4B,
# R5 and STU3). R4B changed none of the resources mbcnav reads (Patient, Condition, Observation,
# Medication*, AllergyIntolerance, Bundle) in ways that matter here, so its models parse R4 mCODE data.
def strict_validate(resources: Resources, data: Any) -> tuple[Resources, list[ImportNote]]:
    """The resources that validate (as the models re-serialise them), and one note per defect."""
    from fhir.resources.R4B import get_fhir_model_class

    defects: list[ImportNote] = []
    kept: Resources = []
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        shell = {k: v for k, v in data.items() if k != "entry"}
        defects.extend(
            _validate_one(
                get_fhir_model_class, shell, "Bundle" + (f"/{data['id']}" if data.get("id") else "")
            )[1]
        )
    for where, res, full_url in resources:
        if res["resourceType"] == "_Empty":
            continue
        model, errs = _validate_one(get_fhir_model_class, res, ref_of(res, where))
        defects.extend(errs)
        if model is not None:
            kept.append((where, model, full_url))
    return kept, defects


def _validate_one(
    get_class: Any, res: dict[str, Any], ref: str
) -> tuple[dict[str, Any] | None, list[ImportNote]]:
    try:
        cls = get_class(res["resourceType"])
    except (KeyError, ValueError, AttributeError):
        return None, [
            ImportNote(
                kind="defect",
                level="error",
                resource=ref,
                element="resourceType",
                message=f"unknown resource type '{res['resourceType']}'",
            )
        ]
    try:
        model = cls.model_validate(res)
    except ValidationError as exc:
        return None, [
            ImportNote(
                kind="defect",
                level="error",
                resource=ref,
                element=".".join(str(p) for p in err["loc"]) or None,
                message=err["msg"],
            )
            for err in exc.errors(include_url=False)
        ]
    except Exception as exc:  # fhir.resources raises its own errors for some shapes
        return None, [ImportNote(kind="defect", level="error", resource=ref, message=str(exc)[:300])]
    dumped = orjson.loads(model.model_dump_json(by_alias=True, exclude_none=True))
    retyped = list(_retyped(res, dumped, ()))
    if retyped:
        return None, [
            ImportNote(
                kind="defect",
                level="error",
                resource=ref,
                element=".".join(str(p) for p in loc),
                message=(
                    f"must be {_JSON_KIND[_json_kind(new)]} in FHIR R4 JSON, got "
                    f"{_JSON_KIND[_json_kind(old)]} {_short(old)}; fhir.resources would read it as "
                    f"{_short(new)}, so the resource is left out rather than the value rewritten"
                ),
            )
            for loc, old, new in retyped
        ]
    return dumped, []


_Where = tuple[str | int, ...]
_JSON_KIND = {"string": "a string", "number": "a number", "boolean": "true/false"}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_kind(value: Any) -> str | None:
    """The JSON type of a primitive value (None for an object, a list or null)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


def _retyped(raw: Any, dumped: Any, loc: _Where) -> Iterator[tuple[_Where, Any, Any]]:
    """(where, value as sent, value as the model re-serialised it) for each primitive whose JSON type the
    model changed; objects and lists are walked side by side (the dump keeps names and list order)."""
    if isinstance(raw, dict) and isinstance(dumped, dict):
        for key, value in raw.items():
            if key in dumped:
                yield from _retyped(value, dumped[key], (*loc, key))
    elif isinstance(raw, list) and isinstance(dumped, list):
        if len(raw) == len(dumped):
            for n, (a, b) in enumerate(zip(raw, dumped, strict=True)):
                yield from _retyped(a, b, (*loc, n))
    else:
        old, new = _json_kind(raw), _json_kind(dumped)
        if old is not None and new is not None and old != new:
            yield loc, raw, dumped
