"""MedicationRequest/Statement/Administration → medicine uses; AllergyIntolerance → drug allergies; and
the two things other modules ask of a medicine: its canonical drug name and its first dose.

Whether a medicine is current, its period, dose, metastatic intent and any progression reason are
read here; which line of therapy and setting it belongs to is decided later, in :mod:`.resolve`,
once every medicine and the metastasis dates are known.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
from collections.abc import Mapping
from typing import Any

from mbcnav.drugnames import is_known_drug, resolve_drug
from mbcnav.errors import FhirMappingError, MbcnavError, UnknownDrugError
from mbcnav.interop import codes as C
from mbcnav.interop.fhir.reading import ref_of
from mbcnav.interop.fhir.state import ImportState, Med
from mbcnav.interop.fhir.values import (
    checked_date,
    date_key,
    kind,
    number,
    parse_date,
    period_date,
    wrong_date_type,
)

_DRUG_WORD_SPLIT = re.compile(r"[\s,;()\[\]]+")
_NUMBER_START = re.compile(r"^[\d.]+")
_PLANNED = frozenset({"proposal", "plan"})
_DOSE_UNITS = {"mg": "dose_mg", "mg/m2": "dose_mg_m2", "mg/m^2": "dose_mg_m2", "mg/kg": "dose_mg_kg"}


def map_medication(st: ImportState, res: dict[str, Any], ref: str) -> None:
    """One MedicationRequest/Statement/Administration into ``st.meds`` (current or prior, with dose)."""
    rtype = res["resourceType"]
    status = str(res.get("status") or "unknown")
    if status in {"entered-in-error", "cancelled", "not-taken", "not-done"}:
        st.note("dropped", f"{rtype} status '{status}'; not used", ref, "status")
        return
    concept, element = medication_concept(res, st.index)
    if concept is None and element == "medicationReference":
        target = res["medicationReference"].get("reference", "")
        st.note(
            "unmapped",
            f"medication reference '{target}' not found in the input",
            ref,
            element,
            "warning",
        )
        return
    drug = _drug(st, concept, ref, element)
    if drug is None:
        return
    start, end = _med_period(res)
    if rtype == "MedicationAdministration":
        current = status == "in-progress" or (
            status == "completed"
            and (d := parse_date(end or start)) is not None
            and (st.as_of - d).days <= 42
        )
        if status == "completed" and current:
            st.note(
                "assumption",
                f"{drug} given within 6 weeks of {st.as_of.isoformat()}: counted as current",
                ref,
                "effective[x]",
            )
    else:
        current = status in {"active", "on-hold", "draft", "intended", "unknown"}
        if current and end and status not in {"draft", "intended"}:
            current = _still_current(st, drug, end, ref)
    # planned, not yet given: a MedicationStatement "intended", a draft MedicationRequest, or one whose
    # intent is only a proposal or plan (FHIR R4 request intent); checked like an order, not as current
    proposed = current and (
        status in {"intended", "draft"} or (rtype == "MedicationRequest" and res.get("intent") in _PLANNED)
    )
    extensions = res.get("extension")
    intent_ok = (
        any(
            s == "sct" and c in C.tables().intent_metastatic_sct
            for ext in extensions
            if isinstance(ext, dict) and "intent" in str(ext.get("url", ""))
            for s, c, _ in C.codings(ext.get("valueCodeableConcept"))
        )
        if extensions
        else False
    )
    reasons = res.get("statusReason")
    reason_codes = res.get("reasonCode")
    if reasons is None and not reason_codes:
        reason_text = ""  # what the join below gives for no reasons, without building it
    else:
        reasons = list(reasons) if isinstance(reasons, list) else [reasons]
        reason_text = " ".join(C.concept_text(x) for x in (*reasons, *(reason_codes or ())))
    progressed = _progressed(reason_text)
    dose = _dose(res, ref, st)
    st.meds.append(
        Med(
            drug,
            "proposed" if proposed else "current" if current else "prior",
            start,
            end,
            ref,
            dose,
            intent_ok,
            progressed,
            rtype == "MedicationAdministration",
            status,
            # a planned order's dose in a unit not read is kept as written, for the order check to name
            unread_dose(res) if proposed and not dose else None,
        )
    )


#: administrations of one drug further apart than this start a new course. Cycles run every 1-4 weeks; a
#: gap of three missed 4-weekly cycles or more is a break (a later course, e.g. a re-challenge), which
#: matters for the setting and the line of therapy. An import heuristic, said in a note at each split.
COURSE_GAP_DAYS = 90


def medicine_courses(st: ImportState) -> list[Med]:
    """``st.meds`` with the MedicationAdministrations of one drug grouped into courses: one treatment
    entry per course (first to last dose, with its count in a note), not one per infusion.

    ``st.meds`` itself is left as it is: the cumulative doses add up each administration.
    """
    out: list[Med] = []
    given: dict[str, list[Med]] = {}
    for med in st.meds:
        if med.administered and med.status != "proposed" and med.start:
            given.setdefault(med.drug, []).append(med)
        else:
            out.append(med)
    for drug, meds in given.items():
        meds.sort(key=lambda m: date_key(m.start))
        course = [meds[0]]
        for prev, med in itertools.pairwise(meds):
            a, b = parse_date(prev.end or prev.start), parse_date(med.start)
            if a is not None and b is not None and (b - a).days > COURSE_GAP_DAYS:
                st.note(
                    "assumption",
                    f"{drug}: {(b - a).days} days between administrations ({a.isoformat()} to "
                    f"{b.isoformat()}), over {COURSE_GAP_DAYS}: counted as a new course",
                    med.resource,
                    "effective[x]",
                )
                out.append(_course(st, drug, course))
                course = []
            course.append(med)
        out.append(_course(st, drug, course))
    return out


def _course(st: ImportState, drug: str, meds: list[Med]) -> Med:
    """One course from its administrations (in date order): first start, last end, latest dose."""
    if len(meds) == 1:
        return meds[0]
    first, last = meds[0], meds[-1]
    days = len({str(m.start)[:10] for m in meds})
    end = last.end or last.start
    st.note(
        "assumption",
        f"{drug}: {len(meds)} administrations on {days} day(s) from {str(first.start)[:10]} to "
        f"{str(end)[:10]} counted as one course",
        first.resource,
        "effective[x]",
    )
    return dataclasses.replace(
        last,
        status="current" if any(m.status == "current" for m in meds) else "prior",
        start=first.start,
        end=end,
        resource=first.resource,
        metastatic_intent=any(m.metastatic_intent for m in meds),
        progressed=True if any(m.progressed for m in meds) else None,
    )


def _still_current(st: ImportState, drug: str, end: str, ref: str) -> bool:
    """An active record whose own period has ended is a past use, said in a note."""
    ended = parse_date(end)
    if ended is not None and ended < st.as_of:
        st.note(
            "assumption",
            f"{drug}: status is active but its period ended {ended.isoformat()}: counted as a past treatment",
            ref,
            "status",
            "warning",
        )
        return False
    return True


def map_allergy(st: ImportState, res: dict[str, Any], ref: str) -> None:
    """One AllergyIntolerance to a known drug into ``st.allergies`` (with the first reaction named)."""
    verification = {c for _, c, _ in C.codings(res.get("verificationStatus"))}
    if verification & {"refuted", "entered-in-error"}:
        st.note("dropped", "allergy refuted or entered in error", ref, "verificationStatus")
        return
    drug = _drug(st, res.get("code"), ref, "code")
    if drug is None:
        return
    reaction = None
    for r in res.get("reaction") or ():
        for m in (r.get("manifestation") or ()) if isinstance(r, dict) else ():
            reaction = reaction or C.label(m)
    entry: dict[str, Any] = {"drug": drug}
    if reaction and reaction != "?":
        entry["reaction"] = reaction[:200]
    st.allergies.append(entry)


def _drug(st: ImportState, concept: Any, ref: str, element: str) -> str | None:
    try:
        drug = drug_name(concept)
    except MbcnavError as exc:  # the drug index lives in the knowledge base, which can be broken
        st.note(
            "unmapped",
            f"medicine '{C.label(concept)}' not used: mbcnav's drug index could not be "
            f"loaded ({exc.message[:120]})",
            ref,
            element,
            "error",
        )
        return None
    if drug is None:
        st.note(
            "unmapped",
            f"medicine '{C.label(concept)}' is not known to mbcnav; not used",
            ref,
            element,
            "warning",
        )
    return drug


@functools.lru_cache(maxsize=1024)
def _progressed(reason_text: str) -> bool | None:
    """True when the reasons a medicine was stopped or changed name progression, else None (not known).

    Cached by the text (most often empty); bounded, so odd input cannot grow it."""
    return True if any(w in reason_text for w in C.tables().progression_text) else None


def medication_concept(res: dict[str, Any], index: Mapping[str, dict[str, Any]]) -> tuple[Any, str]:
    """(the medicine's CodeableConcept or None, the element it was read from) of a medication resource.

    A MedicationRequest/Statement/Administration names its medicine either inline
    (``medicationCodeableConcept``) or through ``medicationReference`` to a Medication resource: one in
    its own ``contained`` list ("#id"), or another resource of the input, found in ``index`` by
    "Medication/id" or by fullUrl. Both the importer and the CDS order checks read it here, so a draft
    order and a recorded medicine are never read two ways. Raises FhirMappingError naming the element
    when the reference is not text.
    """
    concept = res.get("medicationCodeableConcept")
    reference = res.get("medicationReference")
    if concept is not None or not isinstance(reference, dict):
        return concept, "medicationCodeableConcept"
    target = reference.get("reference", "")
    if not isinstance(target, str):
        got = f"{kind(target)} {target!r}"[:150]
        raise FhirMappingError(f"medicationReference.reference: must be a string, got {got}")
    med = _contained(res, target) or index.get(target)
    return (med.get("code") if isinstance(med, dict) else None), "medicationReference"


def _contained(res: dict[str, Any], target: str) -> dict[str, Any] | None:
    if not target.startswith("#"):
        return None
    contained = res.get("contained")
    if contained is None:
        return None
    if not isinstance(contained, list):
        raise FhirMappingError(f"contained: must be a list, got {kind(contained)}")
    for item in contained:
        if isinstance(item, dict) and item.get("id") == target[1:]:
            return item
    return None


def drug_name(concept: Any) -> str | None:
    """Canonical generic name for a medicine concept, or None. RxNorm map first, then the words."""
    rx = C.tables().rxnorm
    for system, c, _ in C.codings(concept):
        if system == "rxnorm" and c in rx:
            try:
                return resolve_drug(str(rx[c]))
            except UnknownDrugError:
                return None
    text = C.concept_text(concept)
    if not text:
        return None
    return _drug_in_words(text)


@functools.lru_cache(maxsize=2048)
def _drug_in_words(text: str) -> str | None:
    """The drug named by the longest run of words (up to five) of a medicine's lower-case text.

    Cached by the text: a feed names the same few dozen medicines over and over, and the drug index
    never changes within a process. Bounded, so odd input cannot grow it; a broken drug index raises
    every time (lru_cache keeps only returns)."""
    noise = C.tables().drug_text_noise
    words = [w for w in _DRUG_WORD_SPLIT.split(text) if w and w not in noise and not _NUMBER_START.match(w)]
    for size in range(min(5, len(words)), 0, -1):
        for i in range(len(words) - size + 1):
            candidate = " ".join(words[i : i + size])
            if is_known_drug(candidate):
                return resolve_drug(candidate)
    return None


def _med_period(res: dict[str, Any]) -> tuple[str | None, str | None]:
    """(start, end) as sent; an impossible date, or one that is not a JSON string, is an error naming its
    element, never a start or end."""
    for key in ("effectivePeriod",):
        period = res.get(key)
        if isinstance(period, dict):
            return period_date(period, "start", key), period_date(period, "end", key)
    for key in ("effectiveDateTime", "authoredOn", "dateAsserted"):
        value = res.get(key)
        if value is not None and not isinstance(value, str):
            raise wrong_date_type(value, key)
    for key in ("effectiveDateTime", "authoredOn", "dateAsserted"):
        value = res.get(key)
        if isinstance(value, str):
            return (checked_date(value, key) if value else value), None
    validity = (
        (res.get("dispenseRequest") or {}).get("validityPeriod")
        if isinstance(res.get("dispenseRequest"), dict)
        else None
    )
    if isinstance(validity, dict):
        key = "dispenseRequest.validityPeriod"
        return period_date(validity, "start", key), period_date(validity, "end", key)
    return None, None


#: dose units given in another mass unit: the factor to mg
_DOSE_TO_MG = {"g": 1000.0, "ug": 0.001, "mcg": 0.001, "µg": 0.001, "μg": 0.001}


def _dose(res: dict[str, Any], ref: str, st: ImportState | None = None) -> dict[str, float]:
    """The first dose quantity in mg, mg/m² or mg/kg (what the safety rules compare); else nothing.

    With ``st`` (an import), a converted unit, a unit that cannot be used and a dose given only as a
    rate each leave a note; without it (a CDS draft order) the dose is just read. A dose in a unit that
    cannot be used is not lost: :func:`unread_dose` gives it as written, for the order check to name.
    """
    dosages: list[Any] = []
    if isinstance(res.get("dosageInstruction"), list):
        dosages = res["dosageInstruction"]
    elif isinstance(res.get("dosage"), list):
        dosages = res["dosage"]
    quantities: list[tuple[Any, str]] = []
    rates: list[str] = []
    for n, dosage in enumerate(dosages):
        for m, dr in enumerate((dosage.get("doseAndRate") or ()) if isinstance(dosage, dict) else ()):
            if isinstance(dr, dict) and isinstance(dr.get("doseQuantity"), dict):
                quantities.append((dr["doseQuantity"], f"dosage[{n}].doseAndRate[{m}].doseQuantity"))
            elif isinstance(dr, dict) and isinstance(dr.get("rateQuantity"), dict):
                rates.append(f"dosage[{n}].doseAndRate[{m}].rateQuantity")
    if isinstance(res.get("dosage"), dict) and isinstance(res["dosage"].get("dose"), dict):
        quantities.append((res["dosage"]["dose"], "dosage.dose"))
    if not quantities and rates and st is not None:
        st.note("unmapped", "the dose is given only as a rate; not used (give doseQuantity)", ref, rates[0])
    for q, element in quantities[:1]:
        if "value" not in q:
            continue
        value = number(q["value"], ref, f"{element}.value")
        sent = str(q.get("code") or q.get("unit") or "").strip()
        unit = sent.lower().replace("²", "2")
        key = _DOSE_UNITS.get(unit)
        if key:
            return {key: value}
        factor = _DOSE_TO_MG.get(unit)
        if factor is not None:
            mg = round(value * factor, 6)
            if st is not None:
                st.note("conversion", f"dose {value:g} {sent} converted to {mg:g} mg", ref, element)
            return {"dose_mg": mg}
        if st is not None:
            st.note(
                "dropped",
                f"dose in '{sent or 'no unit'}' not used (mbcnav reads mg, mg/m2, mg/kg, g or µg)",
                ref,
                f"{element}.unit",
                "warning",
            )
    return {}


def unread_dose(res: dict[str, Any]) -> str | None:
    """The first dose quantity as written ("4 mL", "2 tablets") when its unit is not one :func:`_dose`
    reads or converts, else None: a draft order in such a unit must get "dose not checked", naming the
    unit, never pass as an order without a dose."""
    if _dose(res, ref_of(res, "")):
        return None
    dosages = (
        res.get("dosageInstruction") if isinstance(res.get("dosageInstruction"), list) else res.get("dosage")
    )
    quantities: list[Any] = []
    for dosage in dosages if isinstance(dosages, list) else ():
        for dr in (dosage.get("doseAndRate") or ()) if isinstance(dosage, dict) else ():
            if isinstance(dr, dict) and isinstance(dr.get("doseQuantity"), dict):
                quantities.append(dr["doseQuantity"])
    if isinstance(res.get("dosage"), dict) and isinstance(res["dosage"].get("dose"), dict):
        quantities.append(res["dosage"]["dose"])
    for q in quantities[:1]:
        value = q.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        sent = str(q.get("unit") or q.get("code") or "").strip()[:40]
        return f"{value:g} {sent or 'no unit'}"
    return None


def drug_from_concept(concept: Any) -> str | None:
    """Canonical drug name for a medication CodeableConcept (RxNorm or words), or None."""
    return drug_name(concept)


def dose_of(resource: dict[str, Any]) -> dict[str, float]:
    """dose_mg / dose_mg_m2 / dose_mg_kg of a MedicationRequest's first dose."""
    return _dose(resource, ref_of(resource, ""))
