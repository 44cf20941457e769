"""The state of brain metastases (``brain_mets_status``, ``brain_mets_symptomatic``) from what the record
says about them: mCODE cancer disease status Observations whose focus is the brain metastasis Condition,
local treatment of the brain (Procedure), and symptom evidence.

Why so careful: in the Case, "stable" and "progressing" mean after surgery or radiotherapy, and "stable"
moves local therapy out of first place. A status is therefore set only when the record shows both the
brain treatment and a disease status dated after it; every other combination leaves the field unset
(the assessment then treats the state as unknown and still lists local therapy) and says why in a note.
Symptoms, when two records disagree on one date, count as present: the safer reading.
"""

from __future__ import annotations

from typing import Any

from mbcnav.interop.fhir.notes import FieldSource
from mbcnav.interop.fhir.state import BrainStatus, BrainSymptoms, ImportState, LocalTreatment
from mbcnav.interop.fhir.values import date_key

#: a disease status trend after local treatment -> the Case's brain_mets_status
_AFTER_TREATMENT = {"stable": "stable", "improved": "stable", "worsened": "progressing"}
#: among statuses of one date, the one kept: the state that keeps local therapy first wins
_SAFER_FIRST = {"worsened": 0, "undetermined": 1, "stable": 2, "improved": 3}


def resolve_brain(st: ImportState, data: dict[str, Any], provenance: dict[str, FieldSource]) -> None:
    """Set the two brain fields in ``data`` when the record allows, and note every step either way."""
    if not (st.brain_status or st.brain_symptoms or st.local_treatments or st.brain_conditions):
        return
    brain_site = "brain" in data.get("metastatic_sites", ())
    statuses = [s for s in st.brain_status if _about_brain(st, s.focus, s.resource, "cancer disease status")]
    treatments = [t for t in st.local_treatments if _treats_brain(st, t)]
    symptoms = [
        s for s in st.brain_symptoms if not s.focus or _about_brain(st, s.focus, s.resource, "symptom")
    ]
    if not brain_site:
        return
    for t in treatments:
        when = f" on {t.date[:10]}" if t.date else " (no date)"
        st.note(
            "info",
            f"{t.kind} of the brain{when} ('{t.label}'): the brain metastases have had local treatment",
            t.resource,
        )
    _status(st, statuses, treatments, data, provenance)
    _symptomatic(st, symptoms, data, provenance)


def _target(st: ImportState, reference: str) -> dict[str, Any] | None:
    """The resource a reference names ("Condition/x", a fullUrl, an absolute or versioned URL)."""
    found = st.index.get(reference)
    if found is None and "Condition/" in reference:
        rid = reference.rsplit("Condition/", 1)[1].split("/_history/", 1)[0]
        found = st.index.get(f"Condition/{rid}")
    return found


def _is_brain(st: ImportState, reference: str) -> bool:
    target = _target(st, reference)
    return target is not None and id(target) in st.brain_conditions


def _about_brain(st: ImportState, focus: tuple[str, ...], resource: str, what: str) -> bool:
    if any(_is_brain(st, f) for f in focus):
        return True
    st.note(
        "unmapped",
        f"{what} about {', '.join(focus)}, which is not a brain metastasis Condition of this record: "
        "mbcnav reads this only for brain metastases; not used",
        resource,
        "focus",
    )
    return False


def _treats_brain(st: ImportState, t: LocalTreatment) -> bool:
    if t.brain or any(_is_brain(st, r) for r in t.reasons):
        return True
    st.note(
        "unmapped",
        f"Procedure '{t.label}' is not a breast cancer surgery or a treatment of brain metastases; not used",
        t.resource,
    )
    return False


def _unset(st: ImportState, why: str, resource: str | None) -> None:
    st.note(
        "needs_review",
        f"brain_mets_status left unset: {why} (the assessment then treats the state as unknown and still "
        "lists local therapy; give it by hand if known)",
        resource,
        None,
        "warning",
    )


def _latest_status(st: ImportState, statuses: list[BrainStatus]) -> BrainStatus:
    ordered = sorted(statuses, key=lambda s: (date_key(s.date), -_SAFER_FIRST[s.trend]))
    latest = ordered[-1]
    for other in ordered[:-1]:
        if other.trend == latest.trend:
            continue
        if date_key(other.date) == date_key(latest.date):
            st.note(
                "conflict",
                f"brain metastases: '{other.label}' ({other.resource}) and '{latest.label}' "
                f"({latest.resource}) on the same date; '{latest.label}' is used, the state that keeps "
                "local therapy first",
                latest.resource,
                "valueCodeableConcept",
                "warning",
            )
        else:
            st.note(
                "conflict",
                f"brain metastases: '{latest.label}' on {latest.date} ({latest.resource}) "
                f"replaces '{other.label}' on {other.date or 'no date'} ({other.resource}); latest "
                "value wins",
                latest.resource,
                "valueCodeableConcept",
                "warning",
            )
    return latest


def _status(
    st: ImportState,
    statuses: list[BrainStatus],
    treatments: list[LocalTreatment],
    data: dict[str, Any],
    provenance: dict[str, FieldSource],
) -> None:
    if not statuses:
        if treatments:
            _unset(
                st,
                "the brain metastases were treated, but no later cancer disease status (LOINC "
                "97509-4) says whether they are stable or growing",
                treatments[-1].resource,
            )
        else:
            _unset(
                st,
                "the record has no cancer disease status (LOINC 97509-4) about the brain metastasis "
                "Condition and no brain surgery or radiotherapy",
                None,
            )
        return
    latest = _latest_status(st, statuses)
    said = f"'{latest.label}' on {latest.date or 'no date'} ({latest.resource})"
    if latest.trend == "undetermined":
        _unset(st, f"the latest disease status is {said}", latest.resource)
        return
    if not treatments:
        _unset(
            st,
            f"the brain metastases are {latest.trend} ({said}), but no brain surgery or "
            "radiotherapy is recorded, so untreated cannot be told from treated",
            latest.resource,
        )
        return
    undated = [t for t in treatments if not t.date]
    if undated or not latest.date:
        _unset(
            st,
            f"the brain treatment ({(undated or treatments)[0].resource}) or the disease status "
            f"({latest.resource}) has no date, so which came first cannot be told",
            latest.resource,
        )
        return
    last = max(treatments, key=lambda t: date_key(t.date))
    if latest.date[:10] <= str(last.date)[:10]:
        _unset(
            st,
            f"the latest disease status ({said}) is not after the latest brain {last.kind} "
            f"({last.resource}, {str(last.date)[:10]})",
            latest.resource,
        )
        return
    value = _AFTER_TREATMENT[latest.trend]
    data["brain_mets_status"] = value
    provenance["brain_mets_status"] = FieldSource(
        value, latest.date, latest.resource, "valueCodeableConcept", latest.label
    )
    st.note(
        "assumption",
        f"brain_mets_status = {value}: {said} about the brain metastases, after the brain "
        f"{last.kind} ({last.resource}, {str(last.date)[:10]})",
        latest.resource,
        "valueCodeableConcept",
    )


def _symptomatic(
    st: ImportState, symptoms: list[BrainSymptoms], data: dict[str, Any], provenance: dict[str, FieldSource]
) -> None:
    if not symptoms:
        st.note(
            "info",
            "brain_mets_symptomatic left unset: nothing in the record says whether the brain "
            "metastases cause symptoms (symptoms given as text are read by the assessment)",
        )
        return
    ordered = sorted(symptoms, key=lambda s: (date_key(s.date), s.symptomatic))
    latest = ordered[-1]
    for other in ordered[:-1]:
        if other.symptomatic != latest.symptomatic:
            same = date_key(other.date) == date_key(latest.date)
            how = "on the same date; symptomatic is used (the safer reading)" if same else "latest value wins"
            st.note(
                "conflict",
                f"brain metastases {_word(latest.symptomatic)} ({latest.resource}, "
                f"{latest.date or 'no date'}) and {_word(other.symptomatic)} ({other.resource}, "
                f"{other.date or 'no date'}): {how}",
                latest.resource,
                latest.element,
                "warning",
            )
    data["brain_mets_symptomatic"] = latest.symptomatic
    provenance["brain_mets_symptomatic"] = FieldSource(
        latest.symptomatic, latest.date, latest.resource, latest.element, _word(latest.symptomatic)
    )
    st.note(
        "assumption",
        f"brain_mets_symptomatic = {str(latest.symptomatic).lower()}: recorded as "
        f"{_word(latest.symptomatic)} ({latest.date or 'no date'})",
        latest.resource,
        latest.element,
    )


def _word(symptomatic: bool) -> str:
    return "symptomatic" if symptomatic else "asymptomatic"
