"""Procedure → the date of breast cancer surgery; every other Procedure is listed as not used.

Why the surgery date matters: a cancer medicine given before the metastatic diagnosis was early-disease
treatment, and the surgery tells which kind — started after it, adjuvant; started before it,
neoadjuvant. :mod:`.resolve` uses these dates (and the time from the end of that treatment to the
relapse); nothing else in a Procedure is read.
"""

from __future__ import annotations

from typing import Any

from mbcnav.interop import codes as C
from mbcnav.interop.fhir.state import ImportState

#: statuses of a surgery that did take place (FHIR R4 EventStatus)
_DONE = frozenset({"completed", "in-progress"})


def map_procedure(st: ImportState, res: dict[str, Any], ref: str) -> None:
    """A completed breast cancer surgery with a date into ``st.surgeries``; anything else becomes a note."""
    concept = res.get("code")
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


def _performed(res: dict[str, Any]) -> str | None:
    value = res.get("performedDateTime")
    if isinstance(value, str) and value:
        return value
    period = res.get("performedPeriod")
    if isinstance(period, dict):
        value = period.get("start") or period.get("end")
        if isinstance(value, str) and value:
            return value
    return None
