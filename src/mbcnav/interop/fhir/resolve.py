"""From what the resources said to Case data: pick one value per field, and derive what no single
resource states.

The latest dated value wins (every replaced value becomes a note); marker statuses are kept or
checked against percentages; variants become PIK3CA/ESR1/... or germline BRCA/PALB2; metastatic sites
come from metastasis Conditions or stage IV; the state of brain metastases comes from :mod:`.brain`;
medicines become current and prior treatment with a setting; the line of therapy is derived from the
start dates of metastatic regimens; and cumulative anthracycline doses come from :mod:`.cumulative`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from mbcnav.case import Labs, Patient
from mbcnav.interop import codes as C
from mbcnav.interop.fhir.brain import resolve_brain
from mbcnav.interop.fhir.cumulative import resolve_cumulative
from mbcnav.interop.fhir.medication import medicine_courses
from mbcnav.interop.fhir.notes import FieldSource
from mbcnav.interop.fhir.state import Candidate, ImportState, Med, new_tuple
from mbcnav.interop.fhir.values import date_key, fmt, parse_date

_NON_LINE = {"bone", "supportive"}
_EARLY = ("adjuvant", "neoadjuvant")
_OVARIAN_SUPPRESSION = {"goserelin", "leuprolide"}


@functools.cache
def _drug_categories() -> dict[str, str]:
    """generic name -> knowledge-base category (endocrine, cdk46, ..., bone, supportive)."""
    try:
        from mbcnav.knowledge.loader import load_knowledge_base

        return {d.generic: d.category for d in load_knowledge_base().of_kind("drug")}  # type: ignore[attr-defined]
    except Exception:  # the knowledge base is someone else's; a broken one must not break import
        return {}


def resolve(st: ImportState) -> tuple[dict[str, Any], dict[str, FieldSource]]:
    """Case data (a dict for parse_case) and the provenance of each value taken from a resource."""
    data: dict[str, Any] = {}
    provenance: dict[str, FieldSource] = {}
    status: dict[str, Candidate] = {}
    chosen_of: dict[str, Candidate] = {}
    st.chosen = chosen_of
    for path, cands in st.values.items():
        # one candidate is the common case: nothing to compare, no note, no call
        chosen = cands[0] if len(cands) == 1 else _latest(st, path, cands)
        if path.startswith("status."):
            status[path[7:]] = chosen
            continue
        section, name = path.split(".", 1)
        data.setdefault(section, {})[name] = chosen.value
        provenance[path] = new_tuple(
            FieldSource, (chosen.value, chosen.date, chosen.resource, chosen.element, chosen.original)
        )
        chosen_of[path] = chosen
    _statuses(st, status, data, provenance)
    _genomics(st, data, provenance)
    _metastatic(st, data)
    resolve_brain(st, data, provenance)
    _treatments(st, data)
    resolve_cumulative(st, data, provenance)
    if st.allergies:
        data["allergies"] = st.allergies
    if st.comorbidities:
        data["comorbidities"] = list(dict.fromkeys(st.comorbidities))
    if st.case_notes:
        data["notes"] = list(dict.fromkeys(st.case_notes))
    return data, provenance


def _latest(st: ImportState, path: str, cands: list[Candidate]) -> Candidate:
    if len(cands) == 1:
        return cands[0]
    ordered = sorted(cands, key=lambda c: (date_key(c.date), c.order))
    chosen = ordered[-1]
    others = [c for c in ordered[:-1] if c.value != chosen.value]
    for other in others:
        same_time = date_key(other.date) == date_key(chosen.date)
        when = f" on {chosen.date}" if chosen.date else " (no date)"
        was = f" on {other.date}" if other.date else " (no date)"
        if same_time:
            st.note(
                "conflict",
                f"{path}: {other.original!s} ({other.resource}) and {chosen.original!s} "
                f"({chosen.resource}) have the same date{when}; the later entry in the input is used",
                chosen.resource,
                chosen.element,
                "warning",
            )
        else:
            st.note(
                "conflict",
                f"{path}: {chosen.original!s}{when} ({chosen.resource}) replaces "
                f"{other.original!s}{was} ({other.resource}); latest value wins",
                chosen.resource,
                chosen.element,
                "warning",
            )
    superseded = len(ordered) - 1 - len(others)
    if superseded:
        st.note(
            "superseded",
            f"{path}: {superseded} older result(s) with the same value",
            chosen.resource,
            chosen.element,
        )
    return chosen


def drop_invalid(st: ImportState, data: dict[str, Any], provenance: dict[str, FieldSource]) -> bool:
    """After a failed Case parse: drop each imported lab/patient value the Case refuses, with a note.

    Checked only when the whole Case fails, so the common path pays for one validation, not one per field.
    """
    dropped = False
    for path, cand in list(st.chosen.items()):
        section, name = path.split(".", 1)
        model = {"labs": Labs, "patient": Patient}.get(section)
        if model is None or name not in data.get(section, {}):
            continue
        try:
            model.model_validate({name: cand.value})
        except ValidationError as exc:
            msg = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
            st.note(
                "dropped",
                f"{path} = {cand.value} (sent as {cand.original}) is not accepted: {msg}",
                cand.resource,
                cand.element,
                "warning",
            )
            del data[section][name]
            provenance.pop(path, None)
            dropped = True
    return dropped


#: the Case fields that hold each marker's measured result (a newer bare call replaces them all)
_MEASURED = {
    "er": ("er_percent",),
    "pr": ("pr_percent",),
    "her2": ("her2_ihc", "her2_ish", "her2_ish_ratio", "her2_mean_copy_number"),
}
_MARKER_NAMES = {"er": "ER", "pr": "PR", "her2": "HER2"}


def _shown(value: Any) -> str:
    return fmt(value) if isinstance(value, float) else str(value)


def _measured_call(marker: str, tumor: dict[str, Any]) -> str | None:
    """The positive/negative/equivocal call the measured result makes (ASCO/CAP), or None if none."""
    if marker != "her2":
        pct = tumor.get(f"{marker}_percent")
        return None if pct is None else ("positive" if pct >= 1 else "negative")
    ish = tumor.get("her2_ish")
    if ish is not None:
        return "positive" if ish == "amplified" else "negative"
    ihc = tumor.get("her2_ihc")
    if ihc is None:
        return None
    return {"3+": "positive", "2+": "equivocal"}.get(ihc, "negative")


def _statuses(
    st: ImportState,
    status: dict[str, Candidate],
    data: dict[str, Any],
    provenance: dict[str, FieldSource],
) -> None:
    """Bare positive/negative calls beside measured results: the latest dated result wins.

    A call that agrees with the measured result adds nothing. One that disagrees is a conflict (a
    warning note with both dates): the newer of the two is kept, so a newer "HER2 positive" is not lost
    behind an older IHC 1+, and a newer percent is not overruled by an older call.
    """
    tumor = data.get("tumor", {})
    for marker, cand in status.items():
        name = _MARKER_NAMES[marker]
        when = f", {cand.date}" if cand.date else ""
        measured = _measured_call(marker, tumor)
        if measured is not None:
            if measured == cand.value:
                continue
            fields = [f for f in _MEASURED[marker] if f in tumor]
            sources = [st.chosen[f"tumor.{f}"] for f in fields if f"tumor.{f}" in st.chosen]
            newest = max(sources, key=lambda c: date_key(c.date), default=None)
            shown = ", ".join(f"{f} {_shown(tumor[f])}" for f in fields)
            was = ""
            if newest is not None:
                was = f" ({newest.resource}, {newest.date})" if newest.date else f" ({newest.resource})"
            if newest is not None and date_key(cand.date) > date_key(newest.date):
                for f in fields:
                    del tumor[f]
                    provenance.pop(f"tumor.{f}", None)
                st.note(
                    "conflict",
                    f"{name} reported '{cand.value}'{when} ({cand.resource}) is newer than {shown}{was}, "
                    f"which calls it '{measured}'; the newer call is used and the older result left out",
                    cand.resource,
                    cand.element,
                    "warning",
                )
            else:
                st.note(
                    "conflict",
                    f"{name} reported '{cand.value}'{when} ({cand.resource}) but {shown}{was} calls it "
                    f"'{measured}' and is not older; {shown} is used",
                    cand.resource,
                    cand.element,
                    "warning",
                )
                continue
        # Keep the reported call in the Case (tumor.<marker>_status); the subtype step uses it
        # and names what is still missing (ER-low cannot be excluded, HER2-low needs the IHC score).
        tumor[f"{marker}_status"] = cand.value
        data["tumor"] = tumor
        need = (
            "the percent of stained cells (ER-low 1-10% cannot be excluded)"
            if marker != "her2"
            else "the IHC score (0, 1+, 2+, 3+) or ISH result (HER2-low cannot be decided)"
        )
        st.note(
            "needs_review",
            f"{name} reported only as '{cand.value}'{when}; kept as tumor.{marker}_status; "
            f"still needed: {need}",
            cand.resource,
            cand.element,
            "warning",
        )

def _genomics(st: ImportState, data: dict[str, Any], provenance: dict[str, FieldSource]) -> None:
    tumor = data.setdefault("tumor", {})
    for gene, cands in st.genes.items():
        ordered = sorted(cands, key=lambda c: (date_key(c.date), c.order))
        latest = ordered[-1]
        found, source = latest.value
        if len({c.value[0] for c in ordered}) > 1:
            st.note(
                "conflict",
                f"{gene}: results differ over time; latest ({latest.original}, "
                f"{latest.date or 'no date'}) used",
                latest.resource,
                latest.element,
                "warning",
            )
        if gene in {"PIK3CA", "ESR1", "AKT1", "PTEN"}:
            name = gene.lower()
            tumor[name] = "mutant" if found else "wildtype"
            provenance[f"tumor.{name}"] = FieldSource(
                value=tumor[name], date=latest.date, resource=latest.resource, element=latest.element
            )
            continue
        if source != "germline":
            st.case_notes.append(
                f"FHIR import: {gene} variant {'present' if found else 'absent'} "
                f"({source or 'germline or somatic not stated'}; {latest.resource})."
            )
            st.note(
                "needs_review",
                f"{gene} result is {source or 'not marked germline or somatic'}; "
                "the germline fields are left empty and the result is kept in notes",
                latest.resource,
                "component(48002-0)",
                "warning",
            )
            continue
        if gene == "PALB2":
            tumor["gpalb2"] = "mutant" if found else "negative"
        elif found:
            if tumor.get("gbrca") in {"BRCA1", "BRCA2"} and tumor["gbrca"] != gene:
                st.note(
                    "info",
                    f"germline variants in both BRCA1 and BRCA2; {tumor['gbrca']} kept",
                    latest.resource,
                )
                continue
            tumor["gbrca"] = gene
        elif "gbrca" not in tumor and {"BRCA1", "BRCA2"} <= set(st.genes):
            tumor["gbrca"] = "negative"
    if not tumor:
        data.pop("tumor")


def _metastatic(st: ImportState, data: dict[str, Any]) -> None:
    if st.sites:
        data["metastatic_sites"] = list(st.sites)
    elif st.stage_iv:
        data["metastatic_sites"] = ["other"]
        st.note(
            "assumption",
            "stage IV / M1 recorded but no metastasis Condition names a site; "
            "metastatic_sites set to ['other']",
            st.stage_iv[0][1],
            None,
            "warning",
        )
    elif st.early_stage:
        st.note(
            "needs_review",
            "the record describes early (non-metastatic) breast cancer; mbcnav is "
            "built for metastatic disease",
            st.early_stage[0][1],
            None,
            "warning",
        )
    if st.stage_iv:
        st.metastasis_dates.extend(d for d, _ in st.stage_iv if d)


def _treatments(st: ImportState, data: dict[str, Any]) -> None:
    if not st.meds:
        return
    categories = _drug_categories()
    met_start = min((date_key(d) for d in st.metastasis_dates), default=None)
    de_novo = bool(st.stage_iv) and not st.early_stage
    surgery = min(
        (date_key(d) for d, _ in st.surgeries if not met_start or date_key(d) <= met_start), default=None
    )
    current_tx: list[dict[str, Any]] = []
    current_meds: list[str] = []
    prior: list[dict[str, Any]] = []
    proposed: list[dict[str, Any]] = []
    line_items: list[tuple[str, str, bool]] = []  # (start, drug, current)
    unknown_setting: list[tuple[str, str]] = []  # (start, drug): anticancer, setting not told
    for med in medicine_courses(st):
        category = categories.get(med.drug)
        if med.status == "proposed":
            proposed.append({"drug": med.drug, **med.dose})
            st.note(
                "info",
                f"{med.drug} is planned, not yet given: checked as a proposed treatment",
                med.resource,
                "status/intent",
            )
            continue
        if category is None or category == "supportive":
            if med.status == "current":
                current_meds.append(med.drug)
            else:
                st.note("unmapped", f"past non-cancer medicine {med.drug} is not used", med.resource)
            continue
        if med.status == "current":
            entry: dict[str, Any] = {"drug": med.drug, **med.dose}
            current_tx.append(entry)
            if category in _FINITE_COURSES:
                _note_stale_course(st, med)
        setting = _setting(st, med, met_start, de_novo, surgery)
        if med.status == "prior":
            p: dict[str, Any] = {"drug": med.drug}
            if setting:
                p["setting"] = setting
            start, end = parse_date(med.start), parse_date(med.end)
            if start and end and end >= start:
                p["months"] = _months(start, end)
            if med.progressed is not None:
                p["progressed"] = med.progressed
            if setting in _EARLY and met_start:
                relapse = _relapse_after_end(st, med, met_start)
                if relapse is not None:
                    p["relapse_after_end_months"] = relapse
            prior.append(p)
        if setting == "metastatic" and category not in _NON_LINE:
            line_items.append((date_key(med.start), med.drug, med.status == "current"))
        elif setting is None and category not in _NON_LINE:
            unknown_setting.append((date_key(med.start), med.drug))
    if current_tx:
        data["current_treatment"] = _dedupe(current_tx)
    if current_meds:
        data["current_meds"] = list(dict.fromkeys(current_meds))
    if prior:
        data["prior_treatment"] = prior
    if proposed:
        data["proposed_treatment"] = _dedupe(proposed)
    _line(st, line_items, data, unknown_setting)


#: treatments given as a course of months, not until progression: one still "active" a year after it
#: began is more likely an order left open (EHRs leave finished chemotherapy orders active for years,
#: as the mCODE "Jenny M" record's 2018 AC-T) than one taken now
_FINITE_COURSES = frozenset({"chemotherapy"})
_STALE_COURSE_DAYS = 365


def _note_stale_course(st: ImportState, med: Med) -> None:
    began = parse_date(med.start)
    if began is not None and (st.as_of - began).days > _STALE_COURSE_DAYS:
        st.note(
            "needs_review",
            f"{med.drug}: active since {began.isoformat()}, over a year before {st.as_of.isoformat()}, "
            "which is long for a chemotherapy course: counted as taken now; check that it is",
            med.resource,
            "status",
            "warning",
        )


def _setting(
    st: ImportState, med: Med, met_start: str | None, de_novo: bool, surgery: str | None
) -> str | None:
    """Metastatic, adjuvant or neoadjuvant from the dates (every inference is a note), else None."""
    if med.metastatic_intent:
        return "metastatic"
    if met_start and med.start:
        started = date_key(med.start)
        if started >= met_start:
            return "metastatic"
        if med.status == "current":
            st.note(
                "needs_review",
                f"{med.drug} started before the metastatic diagnosis and is still given; "
                "its setting is not stated, so none is given",
                med.resource,
                "effective[x]",
            )
            return None
        start_day, met_day = parse_date(med.start), parse_date(met_start)
        margin = C.tables().early_treatment_min_days
        if start_day is None or met_day is None or (met_day - start_day).days < margin:
            st.note(
                "needs_review",
                f"{med.drug} started {med.start[:10]}, shortly before the metastatic diagnosis date "
                f"({met_start[:10]}; under {margin} days, often the date it was charted): early-disease or "
                "metastatic treatment cannot be told, so no setting is given",
                med.resource,
                "effective[x]",
            )
            return None
        if surgery:
            setting = "adjuvant" if started >= surgery else "neoadjuvant"
            st.note(
                "assumption",
                f"{med.drug} started {med.start[:10]}, before the metastatic diagnosis ({met_start[:10]}) "
                f"and {'after' if setting == 'adjuvant' else 'before'} breast surgery ({surgery[:10]}): "
                f"counted as {setting} treatment",
                med.resource,
                "effective[x]",
            )
            return setting
        st.note(
            "assumption",
            f"{med.drug} started {med.start[:10]}, before the metastatic diagnosis ({met_start[:10]}): "
            "early-disease treatment; no breast surgery is recorded to tell adjuvant from neoadjuvant, "
            "so it is recorded as adjuvant (mbcnav judges resistance the same way for both; review)",
            med.resource,
            "effective[x]",
            "warning",
        )
        return "adjuvant"
    if de_novo:
        st.note(
            "assumption",
            f"{med.drug}: stage IV with no earlier stage recorded, so counted as "
            "metastatic-setting treatment",
            med.resource,
        )
        return "metastatic"
    st.note(
        "needs_review",
        f"{med.drug}: setting (metastatic or early disease) cannot be told from the record",
        med.resource,
    )
    return None


def _months(start: dt.date, end: dt.date) -> float:
    return round((end - start).days / 30.4375, 1)


def _relapse_after_end(st: ImportState, med: Med, met_start: str) -> float | None:
    """Months from the end of early-disease treatment to the metastatic diagnosis (0 = relapsed on it).

    Left out, with a note, when the record cannot say: no end date, or stopped for a reason other than
    progression (a relapse then contradicts ``progressed: false``).
    """
    relapse = parse_date(met_start)
    end = parse_date(med.end)
    if relapse is None:
        return None
    if end is None:
        st.note(
            "needs_review",
            f"{med.drug}: early-disease treatment with no end date; the time from its end to the relapse "
            "cannot be told, so resistance to it is not judged",
            med.resource,
            "effective[x]",
            "warning",
        )
        return None
    months = 0.0 if end >= relapse else _months(end, relapse)
    ended = str(med.end)[:10]
    when = "while it was still given" if months == 0 else f"{months:g} months after it ended ({ended})"
    st.note(
        "assumption",
        f"{med.drug}: metastatic relapse ({met_start[:10]}) {when}; relapse_after_end_months = {months:g}",
        med.resource,
        "effective[x]",
    )
    return months


def _line(
    st: ImportState,
    items: list[tuple[str, str, bool]],
    data: dict[str, Any],
    unknown_setting: Sequence[tuple[str, str]] = (),
) -> None:
    if not items:
        return
    if any(not start for start, _, _ in items):
        st.note("needs_review", "some metastatic treatments have no dates; line of therapy not derived")
        return
    # a treatment whose setting cannot be told, given before the current regimen (or before now when none
    # is current), may be a metastatic line or early-disease treatment: the count depends on it
    current = max((start for start, _, cur in items if cur), default=None)
    unsure = [(s, d) for s, d in unknown_setting if current is None or not s or s < current]
    if unsure:
        named = ", ".join(f"{d} ({s[:10] or 'undated'})" for s, d in unsure)
        st.note(
            "needs_review",
            f"line of therapy not derived: it depends on the setting of {named}, which cannot be told "
            "(metastatic or early disease); give the line",
            None,
            None,
            "warning",
        )
        return
    groups: dict[str, list[tuple[str, bool]]] = {}
    for start, drug, current in items:
        groups.setdefault(start[:10], []).append((drug, current))
    regimens = [
        (start, g)
        for start, g in sorted(groups.items())
        if not all(drug in _OVARIAN_SUPPRESSION for drug, _ in g)
    ]
    if not regimens:
        return
    current_idx = [i for i, (_, g) in enumerate(regimens) if any(cur for _, cur in g)]
    if current_idx:
        line = current_idx[-1] + 1
        how = f"current regimen started {regimens[current_idx[-1]][0]} is regimen {line} by start date"
    else:
        line = len(regimens) + 1
        how = f"{len(regimens)} earlier metastatic regimen(s) and none current, so the next line is {line}"
    if line > 20:
        st.note("dropped", f"derived line {line} is above 20; not used", None, None, "warning")
        return
    data["line"] = line
    names = "; ".join(f"{s}: {' + '.join(d for d, _ in g)}" for s, g in regimens)
    st.note("assumption", f"line of therapy {line} derived from start dates ({how}; regimens: {names})")


def _dedupe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        seen[row["drug"]] = {**seen.get(row["drug"], {}), **row}
    return list(seen.values())
