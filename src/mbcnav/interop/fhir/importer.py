"""One import, start to finish: read the resources, send each to its family's mapper, resolve, and
build the Case.

This is the only module that knows every resource family: it holds the dispatch table, decides which
resources belong to the one patient, and turns a Case that does not validate into a clear error (after
dropping, with a note, any imported value the Case refuses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mbcnav.case import parse_case
from mbcnav.errors import CaseValidationError, FhirMappingError
from mbcnav.interop.fhir.condition import map_condition
from mbcnav.interop.fhir.medication import map_allergy, map_medication
from mbcnav.interop.fhir.notes import ImportNote, ImportResult
from mbcnav.interop.fhir.observation import map_observation
from mbcnav.interop.fhir.patient import map_patient
from mbcnav.interop.fhir.procedure import map_procedure
from mbcnav.interop.fhir.reading import Resources, all_resources, load_fhir_path, patient_part, ref_of
from mbcnav.interop.fhir.resolve import drop_invalid, resolve
from mbcnav.interop.fhir.state import ImportState
from mbcnav.interop.fhir.strict import strict_validate
from mbcnav.interop.fhir.values import kind

#: why a record with no resources at all is refused: the same words from `mbcnav import`, `mbcnav assess
#: --fhir` and `mbcnav assess-batch` (that case's error)
EMPTY_RECORD = (
    "no FHIR resources: the record is empty (a Bundle without entries, or an empty file or folder), so "
    "there is nothing to assess; send the patient's record"
)
#: why the CDS Hooks service answers 412 without the Patient: it needs whose record it is
NO_PATIENT = (
    "no Patient resource: the record does not say whose it is (an empty Bundle, or one without its "
    "Patient), so there is no person to assess; send the patient's record with its Patient resource"
)
#: a record with resources but without its Patient is read (a lone Condition file is a real export),
#: with this warning, since age and sex then stay unknown
NO_PATIENT_NOTE = (
    "the record has no Patient resource: age and sex are unknown, so age- and sex-dependent checks "
    "(creatinine clearance, menopausal status) cannot run; import the Patient with it if you have it"
)

#: resource type -> the function that maps it
HANDLERS: dict[str, Callable[[ImportState, dict[str, Any], str], None]] = {
    "Condition": map_condition,
    "Observation": map_observation,
    "MedicationRequest": map_medication,
    "MedicationStatement": map_medication,
    "MedicationAdministration": map_medication,
    "AllergyIntolerance": map_allergy,
    "Procedure": map_procedure,
}


def run(st: ImportState, resources: Resources) -> None:
    """Map every resource into ``st``: the one Patient first, then the rest in input order."""
    patients = [(w, r, u) for w, r, u in resources if r["resourceType"] == "Patient"]
    patient_server: str | None = None
    if len(patients) > 1:
        ids = ", ".join(ref_of(r, w) for w, r, _ in patients)
        raise FhirMappingError(
            f"the input holds {len(patients)} patients ({ids}); import one patient at a time"
        )
    if patients:
        where, patient, full_url = patients[0]
        ref = ref_of(patient, where)
        st.patient_id = patient.get("id")
        if st.patient_id:
            if not isinstance(st.patient_id, str):
                got = f"{kind(st.patient_id)} {st.patient_id!r}"[:150]
                raise FhirMappingError(f"id: must be a string, got {got}", field=ref)
            st.patient_keys.add(f"Patient/{st.patient_id}")
            st.patient_keys.add(st.patient_id)
        if full_url:
            st.patient_keys.add(str(full_url))
            patient_server = _server_of(str(full_url))
        _guarded(map_patient, st, patient, ref)
    else:
        st.note("info", "no Patient resource: age and sex are unknown")
    st.resources = resources
    handlers = HANDLERS
    keys = st.patient_keys
    subjects = st.subjects
    unused: dict[str, list[str]] = {}
    #: without a Patient resource: each distinct subject reference and the first resource naming it
    named: dict[str, str] = {}
    #: absolute subject references on a server the record does not name for its Patient, read as this
    #: patient: reference -> [first resource naming it, how many do]
    elsewhere: dict[str, list[Any]] = {}
    # the hot loop: the reference text and the subject check are inline, not function calls
    for where, res, _ in resources:
        rtype = res["resourceType"]
        if rtype == "Patient" or rtype == "_Empty":
            continue
        rid = res.get("id")
        ref = f"{rtype}/{rid}" if rid else ref_of(res, where)
        handler = handlers.get(rtype)
        if handler is None:
            unused.setdefault(rtype, []).append(ref)
            continue
        subject = res.get("subject") or res.get("patient")
        if isinstance(subject, dict):
            target = subject.get("reference")
            if isinstance(target, str) and target:
                if not keys:
                    # no Patient to compare with: the subjects must at least all be one patient
                    named.setdefault(patient_part(target), ref)
                else:
                    # every resource of a bundle names the same subject: judge each reference once
                    ours = subjects.get(target)
                    if ours is None:
                        ours = subjects[target] = _names_patient(target, keys)
                        server = _server_of(target)
                        if ours and server is not None and server != patient_server:
                            if patient_server is not None:  # provably another server's patient
                                ours = subjects[target] = False
                            else:
                                elsewhere[target] = [ref, 0]
                    if not ours:
                        other = _server_of(target)
                        st.note(
                            "dropped",
                            f"refers to a patient on another server ({target}) than this record's Patient "
                            f"({patient_server}Patient/{st.patient_id}); not used"
                            if other is not None and patient_server is not None and other != patient_server
                            else f"refers to another patient ({target}); not used",
                            ref,
                            "subject",
                            "warning",
                        )
                        continue
                    if elsewhere and target in elsewhere:
                        elsewhere[target][1] += 1
        _guarded(handler, st, res, ref)
    if len(named) > 1:
        listed = ", ".join(f"{target} (first in {where})" for target, where in list(named.items())[:5])
        raise FhirMappingError(
            f"the input has no Patient resource and its resources name {len(named)} different subjects "
            f"({listed}); import one patient at a time, or include the Patient resource"
        )
    for rtype, refs in unused.items():
        _note_unused(st, rtype, refs)
    for target, (first, count) in elsewhere.items():
        others = f" and {count - 1} other resource{'s' if count > 2 else ''}" if count > 1 else ""
        st.note(
            "needs_review",
            f"the subject is a patient on another server ({target}); read as this record's Patient "
            f"because the id matches and the record names no server for its Patient (used by {first}"
            f"{others}): check that it is the same person",
            first,
            "subject",
            "warning",
        )


def _server_of(url: str) -> str | None:
    """The server base of an absolute Patient reference ("https://ehr/fhir/" for
    "https://ehr/fhir/Patient/p1/_history/2"), else None (relative, urn:uuid, no Patient/ part)."""
    if not url.startswith(("https://", "http://")) or "Patient/" not in url:
        return None
    return url.split("/_history/", 1)[0].rsplit("Patient/", 1)[0]


#: how many references a note on unused resources names before it gives only the count
_UNUSED_NAMED = 5


def _note_unused(st: ImportState, rtype: str, refs: list[str]) -> None:
    """One note per unused resource type, not per resource: an EHR export holds hundreds of Encounters."""
    if len(refs) == 1:
        st.note("unmapped", f"{rtype} resources are not used by mbcnav", refs[0])
        return
    named = ", ".join(refs[:_UNUSED_NAMED])
    more = f" and {len(refs) - _UNUSED_NAMED} more" if len(refs) > _UNUSED_NAMED else ""
    st.note("unmapped", f"{rtype} resources are not used by mbcnav ({len(refs)}: {named}{more})", refs[0])


def _guarded(handler: Callable[[ImportState, dict[str, Any], str], None], st: ImportState,
             res: dict[str, Any], ref: str) -> None:  # fmt: skip
    """Run one resource's mapping; any error names the resource.

    The except clauses are a safety net, not a parser: the mapping reads plain JSON, and some wrong
    shapes (a number where FHIR has a list or an object) reach code that expects the right one. The
    person then gets the resource and the way to the exact element instead of an internal error.
    """
    try:
        handler(st, res, ref)
    except FhirMappingError as exc:
        if exc.field is None:
            raise FhirMappingError(exc.message, field=ref) from None
        raise
    except (AttributeError, TypeError, KeyError, IndexError) as exc:
        raise FhirMappingError(_malformed(exc), field=ref) from None


def _names_patient(target: str, keys: set[str]) -> bool:
    """Whether a subject reference names the one Patient ("Patient/id", a bare id, a fullUrl or urn,
    any of them with a version)."""
    target = patient_part(target)
    return target in keys or target.rsplit("/", 1)[-1] in keys or target.rsplit(":", 1)[-1] in keys


def case_from_fhir(
    data: Any, *, strict: bool = False, as_of: dt.date | None = None, refuse_empty: bool = False
) -> ImportResult:
    """Map a parsed FHIR Bundle, resource, or list of resources to a Case with import notes.

    ``strict``: validate every resource against the fhir.resources R4B models first; resources that
    fail are left out and each defect becomes an error-level note (``ImportResult.errors``).
    ``as_of``: the date ages and "current" are reckoned from (default: today).
    ``refuse_empty``: refuse input with no resources at all (:data:`EMPTY_RECORD`). The commands ask
    for it, since an empty Bundle would otherwise be assessed as if it were a person; the default stays
    lenient for library callers. Input with resources but no Patient is read with a warning note
    (:data:`NO_PATIENT_NOTE`): a lone Condition file is a real export, and its sites still count.
    """
    resources = all_resources(data)
    if refuse_empty and not resources:
        raise FhirMappingError(EMPTY_RECORD)
    has_patient = any(res["resourceType"] == "Patient" for _, res, _ in resources)
    defects: list[ImportNote] = []
    if strict:
        resources, defects = strict_validate(resources, data)
    st = ImportState(as_of or dt.date.today())
    st.notes.extend(defects)
    if resources and not has_patient:
        st.note("needs_review", NO_PATIENT_NOTE, level="warning")
    run(st, resources)
    try:
        case_data, provenance = resolve(st)
    except (AttributeError, TypeError, KeyError, IndexError) as exc:
        raise FhirMappingError(_malformed(exc)) from None
    if st.patient_id:
        case_data["id"] = str(st.patient_id)[:200]
    try:
        case = parse_case(case_data)
    except CaseValidationError as exc:
        if not drop_invalid(st, case_data, provenance):
            raise FhirMappingError(f"the imported values do not form a valid case: {exc}") from None
        try:
            case = parse_case(case_data)
        except CaseValidationError as exc2:
            raise FhirMappingError(f"the imported values do not form a valid case: {exc2}") from None
    return ImportResult(case=case, import_notes=st.notes, provenance=provenance, patient_id=st.patient_id)


def case_from_fhir_path(
    path: str | Path, strict: bool = False, as_of: dt.date | None = None, refuse_empty: bool = False
) -> ImportResult:
    """Read a file or folder and import it (the entry point for ``mbcnav import`` and ``assess --fhir``)."""
    return case_from_fhir(load_fhir_path(path), strict=strict, as_of=as_of, refuse_empty=refuse_empty)


def _malformed(exc: Exception) -> str:
    return (
        "an element has the wrong JSON type for FHIR R4 (a number, text, list or object where FHIR "
        "expects another), so this resource cannot be read; import with --strict to have every "
        f"defect named by its element (detail: {type(exc).__name__}: {str(exc)[:120]})"
    )
