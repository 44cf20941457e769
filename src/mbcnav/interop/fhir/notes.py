"""What an import hands back: the Case, the notes about what was done to the record, and where each value
came from; and the error strict mode raises.

These are the importer's public result types, kept apart from the mapping code so that callers (the
CLI, the CDS service, batch runs) and every mapping module can name them without importing the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from mbcnav.case import Case
from mbcnav.errors import FhirMappingError

NoteKind = Literal[
    "unmapped",
    "conversion",
    "conflict",
    "superseded",
    "assumption",
    "dropped",
    "defect",
    "needs_review",
    "info",
]
NoteLevel = Literal["info", "warning", "error"]


class ImportNote(NamedTuple):
    """One thing the importer wants a person to know: what, where, and why.

    A named tuple (immutable, built in one step): an import makes dozens, the benchmark thousands a
    second, and a frozen dataclass spends most of its construction time on per-field setattr calls.
    """

    kind: NoteKind
    message: str
    level: NoteLevel = "info"
    #: "Observation/abc" (or "Bundle.entry[3]" when the resource has no id)
    resource: str | None = None
    #: the element inside the resource, FHIRPath-like ("valueQuantity.unit")
    element: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "kind": self.kind,
            "level": self.level,
            "resource": self.resource,
            "element": self.element,
            "message": self.message,
        }
        return {k: v for k, v in out.items() if v is not None}


class FieldSource(NamedTuple):
    """Where a Case value came from: the resource, the element, the date, and the value as sent."""

    value: Any
    date: str | None = None
    resource: str | None = None
    element: str | None = None
    original: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "value": self.value,
            "date": self.date,
            "resource": self.resource,
            "element": self.element,
            "original": self.original,
        }
        return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True)
class ImportResult:
    case: Case
    import_notes: list[ImportNote]
    #: dotted Case field ("labs.creatinine_mg_dl") -> where its value came from
    provenance: dict[str, FieldSource] = field(default_factory=dict)
    patient_id: str | None = None

    @property
    def errors(self) -> list[ImportNote]:
        return [n for n in self.import_notes if n.level == "error"]

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case.model_dump(mode="json", exclude_none=True, exclude_defaults=True),
            "import_notes": [n.to_json() for n in self.import_notes],
            "provenance": {k: v.to_json() for k, v in self.provenance.items()},
        }


class FhirValidationError(FhirMappingError):
    """Strict mode found resources that do not validate against the FHIR models."""

    def __init__(self, defects: list[ImportNote]) -> None:
        self.defects = defects
        head = "; ".join(f"{d.resource}: {d.element}: {d.message}" for d in defects[:5])
        more = f" (and {len(defects) - 5} more)" if len(defects) > 5 else ""
        super().__init__(f"{len(defects)} FHIR validation defect(s): {head}{more}")
