"""Procedure → the date of breast cancer surgery, and local treatment (radiotherapy, surgery) of brain
metastases; every other Procedure is listed as not used.

Why the surgery date matters: a cancer medicine given before the metastatic diagnosis was early-disease
treatment, and the surgery tells which kind — started after it, adjuvant; started before it,
neoadjuvant. :mod:`.resolve` uses these dates (and the time from the end of that treatment to the
relapse). Why brain treatment matters: the Case's brain metastasis states "stable" and "progressing" mean
after surgery or radiotherapy, so :mod:`.brain` needs the date of that treatment to read a disease status.
"""

from __future__ import annotations

from typing import Any

from mbcnav.interop import codes as C
from mbcnav.interop.fhir.state import ImportState, LocalTreatment
from mbcnav.interop.fhir.values import checked_date, period_date, profile, wrong_date_type

#: statuses of a surgery that did take place (FHIR R4 EventStatus)
_DONE = frozenset({"completed", "in-progress"})


def map_procedure(st: ImportState, res: dict[str, Any], ref: str) -> None:
    """A completed breast cancer surgery with a date into ``st.surgeries``, a radiotherapy or surgery that
    may treat brain metastases into ``st.local_treatments``; anything else becomes a note."""
    concept = res.get("code")
    kind = _local_treatment_kind(res, concept)
    if kind is not None:
        brain = _targets_brain(res, concept)
        reasons = _reason_references(res) if not brain else ()
        if brain or (reasons and not _is_breast_surgery(concept)):
            status = res.get("status")
            if status not in _DONE:
                note = f"{kind} with status '{status}' did not take place; not used"
                st.note("dropped", note, ref, "status")
                return
            st.local_treatments.append(
                LocalTreatment(_treated_until(res), ref, kind, brain, reasons, C.label(concept))
            )
            return
    if not _is_breast_surgery(concept):
        st.note("unmapped", f"Procedure '{C.label(concept)}' is not a breast cancer surgery; not used", ref)
        return
    status = res.get("status")
    if status not in _DONE:
        st.note("dropped", f"breast surgery with status '{status}' did not take place; not used", ref,
                "status")  # fmt: skip
        return
    date = _performed(res)
    if date is None:
        st.note("unmapped", "breast surgery has no performed date; not used", ref, "performed[x]", "warning")
        return
    st.surgeries.append((date, ref))


def _is_breast_surgery(concept: Any) -> bool:
    tables = C.tables()
    if any(s == "sct" and c in tables.breast_surgery_sct for s, c, _ in C.codings(concept)):
        return True
    words = C.concept_text(concept)
    return any(w in words for w in tables.breast_surgery_words)


def _local_treatment_kind(res: dict[str, Any], concept: Any) -> str | None:
    """"radiotherapy" or "surgery" by the mCODE profile, the SNOMED code or the words; else None."""
    t = C.tables()
    prof = profile(res)
    words = C.concept_text(concept)
    if (
        any(p in prof for p in t.radiotherapy_profiles)
        or any(s == "sct" and c in t.radiotherapy_sct for s, c, _ in C.codings(concept))
        or any(w in words for w in t.radiotherapy_words)
    ):
        return "radiotherapy"
    if any(p in prof for p in t.surgery_profiles) or any(w in words for w in t.surgery_words):
        return "surgery"
    return None


def _targets_brain(res: dict[str, Any], concept: Any) -> bool:
    """Whether the procedure's bodySite (SNOMED or words) or its own words name the brain."""
    t = C.tables()
    for site in res.get("bodySite") or ():
        if any(s == "sct" and c in t.brain_body_sct for s, c, _ in C.codings(site)):
            return True
        if any(w in C.concept_text(site) for w in t.brain_words):
            return True
    return any(w in C.concept_text(concept) for w in t.brain_words)


def _reason_references(res: dict[str, Any]) -> tuple[str, ...]:
    reasons = res.get("reasonReference")
    if not isinstance(reasons, list):
        return ()
    return tuple(
        r["reference"] for r in reasons if isinstance(r, dict) and isinstance(r.get("reference"), str)
    )


def _treated_until(res: dict[str, Any]) -> str | None:
    """When a local treatment was over (the end of performedPeriod, else its one date): a disease status
    reads as "after treatment" only from then on."""
    period = res.get("performedPeriod")
    if isinstance(period, dict):
        key = "performedPeriod"
        value = period_date(period, "end", key) or period_date(period, "start", key)
        if value:
            return value
    return _performed(res)


def _performed(res: dict[str, Any]) -> str | None:
    value = res.get("performedDateTime")
    if value is not None and not isinstance(value, str):
        raise wrong_date_type(value, "performedDateTime")
    if isinstance(value, str) and value:
        return checked_date(value, "performedDateTime")
    period = res.get("performedPeriod")
    if isinstance(period, dict):
        start = period_date(period, "start", "performedPeriod")
        end = period_date(period, "end", "performedPeriod")
        return start or end
    return None
