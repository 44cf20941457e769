"""Strict mode: validate every resource with the ``fhir.resources`` models before mapping it.

Resources that fail are left out and each defect becomes an error-level note; those that pass are
mapped as re-serialised by the models, so the lenient and strict paths can be compared on one corpus.
``fhir.resources`` is imported only when strict mode is asked for: it is slow to import and the
lenient path never needs it.
"""

from __future__ import annotations

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
    return dumped, []
