"""FHIR R4 / mCODE → Case: read the records hospitals already exchange, and say what was done to them.

The default path walks plain dicts from ``orjson`` (fast enough to import and assess thousands of
bundles a second); ``strict=True`` first validates every resource with ``fhir.resources`` and maps
the validated, re-serialised resources, so the two paths can be compared on the same corpus.

Nothing is guessed silently. Every resource or element that is not used, every value that another
value replaced (latest date wins; its date is kept in ``provenance``), every unit conversion and
every assumption becomes an :class:`ImportNote`. Results the Case cannot hold faithfully (an ER
result given only as "Positive", a HER2 "Negative" without the IHC score) are kept as Case
``notes`` instead of being turned into invented numbers. A structurally broken input (not a
resource, a number where a number must be) raises :class:`FhirMappingError` naming the resource
and the element.

The work is split by job: :mod:`.reading` (files and Bundles into resources), :mod:`.values` (dates,
numbers), one module per resource family (:mod:`.patient`, :mod:`.condition`, :mod:`.observation`,
:mod:`.medication`) writing into one :class:`.state.ImportState`, :mod:`.resolve` (latest wins and
the derived fields), :mod:`.strict` (fhir.resources validation) and :mod:`.importer`, which runs an
import from start to finish. The names below are the public interface.
"""

from __future__ import annotations

from mbcnav.interop.fhir.importer import (
    EMPTY_RECORD,
    NO_PATIENT,
    NO_PATIENT_NOTE,
    case_from_fhir,
    case_from_fhir_path,
)
from mbcnav.interop.fhir.medication import dose_of, drug_from_concept, medication_concept, unread_dose
from mbcnav.interop.fhir.notes import (
    FhirValidationError,
    FieldSource,
    ImportNote,
    ImportResult,
    NoteKind,
    NoteLevel,
)
from mbcnav.interop.fhir.reading import index_of, iter_resources, load_fhir_path, resources_of

__all__ = [
    "EMPTY_RECORD",
    "NO_PATIENT",
    "NO_PATIENT_NOTE",
    "FhirValidationError",
    "FieldSource",
    "ImportNote",
    "ImportResult",
    "NoteKind",
    "NoteLevel",
    "case_from_fhir",
    "case_from_fhir_path",
    "dose_of",
    "drug_from_concept",
    "index_of",
    "iter_resources",
    "load_fhir_path",
    "medication_concept",
    "resources_of",
    "unread_dose",
]
