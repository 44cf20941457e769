"""From what the resources said to Case data: pick one value per field, and derive what no single
resource states.

The latest dated value wins (every replaced value becomes a note); values of one date that differ are
settled by the field's rule in codes.yaml (the safer lab value, else left empty), never by entry order;
marker statuses are kept or checked against percentages; variants become PIK3CA/ESR1/... or germline
BRCA/PALB2 only when pathogenic or likely pathogenic (or of unstated significance, with a note);
metastatic sites come from metastasis Conditions or stage IV; the state of brain metastases comes from
:mod:`.brain`; medicines become current and prior treatment with a setting; the line of therapy is derived
from the start dates of metastatic regimens; and cumulative anthracycline doses come from :mod:`.cumulative`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from mbcnav.case import Labs, Patient
from mbcnav.interop import codes as C
from mbcnav.interop.fhir import nodes
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
        if chosen is None:
            continue
        if path.startswith("status."):
            status[path[7:]] = chosen
            continue
        section, name = path.split(".", 1)
        data.setdefault(section, {})[name] = chosen.value
        provenance[path] = new_tuple(
            FieldSource, (chosen.value, chosen.date, chosen.resource, chosen.element, chosen.original)
        )
        chosen_of[path] = chosen
    _lvef_baseline(st, data, provenance)
    _statuses(st, status, data, provenance)
    _performance_conflict(st, data)
    _stage_conflicts(st)
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


def _latest(st: ImportState, path: str, cands: list[Candidate]) -> Candidate | None:
    """The latest value; a same-date disagreement is settled by the field's rule (``same_day_conflicts``
    in codes.yaml), never by entry order. None: the field stays empty (a needs_review note says why)."""
    if len(cands) == 1:
        return cands[0]
    ordered = sorted(cands, key=lambda c: (date_key(c.date), c.order))
    newest = date_key(ordered[-1].date)
    top = [c for c in ordered if date_key(c.date) == newest]
    if len({_hashable(c.value) for c in top}) > 1:
        return _same_day(st, path, top)
    chosen = ordered[-1]
    others = [c for c in ordered[:-1] if c.value != chosen.value]
    if others:
        # one note per field, naming the latest few values replaced: a long lab history (20,000
        # creatinines) made one note per value, 17 MB of notes for one field
        when = f" on {chosen.date}" if chosen.date else " (no date)"
        named = others[: -_REPLACED_NAMED - 1 : -1]
        replaced = ", ".join(
            f"{o.original!s}{f' on {o.date}' if o.date else ' (no date)'} ({o.resource})" for o in named
        )
        more = len(others) - len(named)
        if more:
            replaced += f" and {more} earlier value{'s' if more > 1 else ''}"
        st.note(
            "conflict",
            f"{path}: {chosen.original!s}{when} ({chosen.resource}) replaces {replaced}; latest value wins",
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


def _lvef_baseline(st: ImportState, data: dict[str, Any], provenance: dict[str, FieldSource]) -> None:
    """The earliest dated LVEF, when the record has one dated before today's (latest) value, as
    ``labs.lvef_baseline_percent``, with a note.

    Why: the HER2-therapy labels hold by the fall from the pre-treatment LVEF (Herceptin: >= 16 points), and
    FHIR has no element that says "baseline"; the earliest measurement is the best the record offers, so the
    note asks the reader to check that it predates the HER2 therapy. Several values on that earliest date:
    the higher one (the larger fall, the safer reading for the holds), said in the note.
    """
    chosen = st.chosen.get("labs.lvef_percent") if st.chosen else None
    cands = [c for c in st.values.get("labs.lvef_percent", ()) if c.date]
    if chosen is None or not chosen.date or len(cands) < 2:
        return
    first = min(date_key(c.date) for c in cands)
    if first >= date_key(chosen.date):
        return
    earliest = [c for c in cands if date_key(c.date) == first]
    base = max(earliest, key=lambda c: c.value)
    data.setdefault("labs", {})["lvef_baseline_percent"] = base.value
    provenance["labs.lvef_baseline_percent"] = new_tuple(
        FieldSource, (base.value, base.date, base.resource, base.element, base.original)
    )
    several = (
        f" (the higher of {len(earliest)} values that day)" if len({c.value for c in earliest}) > 1 else ""
    )
    st.note(
        "assumption",
        f"labs.lvef_baseline_percent: the earliest LVEF in the record, {base.original!s} on {base.date} "
        f"({base.resource}){several}, is taken as the pre-treatment baseline; today's value is the latest, "
        f"{chosen.original!s} on {chosen.date} (review: the baseline should predate the HER2 therapy)",
        base.resource,
        base.element,
    )


#: how many replaced values a conflict note names (the latest first) before it gives their count
_REPLACED_NAMED = 3


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else repr(value)


def _same_day(st: ImportState, path: str, top: list[Candidate]) -> Candidate | None:
    """Different values of one field on the same date: the safer one by the field's rule, else none."""
    listed = ", ".join(f"{c.original!s} ({c.resource})" for c in top[:_REPLACED_NAMED])
    if len(top) > _REPLACED_NAMED:
        listed += f" and {len(top) - _REPLACED_NAMED} more"
    when = f"the same date ({top[0].date})" if top[0].date else "no date"
    rule = C.tables().same_day_rules.get(path)
    if rule in {"higher", "lower"}:
        pick = max if rule == "higher" else min
        chosen = pick(reversed(top), key=lambda c: c.value)
        st.note(
            "conflict",
            f"{path}: {listed} disagree and have {when}; the {rule} value, {chosen.original!s} "
            f"({chosen.resource}), is kept because it is the safer one for the safety checks (review)",
            chosen.resource,
            chosen.element,
            "warning",
        )
        return chosen
    retest = " (re-test or check the report)" if path.startswith(("tumor.", "status.")) else ""
    st.note(
        "needs_review",
        f"{path}: {listed} disagree and have {when}; the order of entries means nothing in FHIR, so "
        f"neither is used and the field is left empty{retest}",
        top[-1].resource,
        top[-1].element,
        "warning",
    )
    return None


def _performance_conflict(st: ImportState, data: dict[str, Any]) -> None:
    """ECOG and Karnofsky of the same date that disagree once KPS is mapped to ECOG with the conventional
    table (rules/calculators.yaml ecog_kps): a conflict note; both values stay in the Case as sent."""
    ecog, kps = st.chosen.get("patient.ecog"), st.chosen.get("patient.kps")
    if ecog is None or kps is None or date_key(ecog.date) != date_key(kps.date):
        return
    from mbcnav.reasoning.calculators import kps_to_ecog  # only when both scales are present

    try:
        as_ecog = kps_to_ecog(int(kps.value))
    except (ValueError, TypeError):
        return  # a KPS the Case refuses is dropped later with its own note
    if as_ecog != ecog.value:
        when = f"the same date ({ecog.date})" if ecog.date else "no date"
        st.note(
            "conflict",
            f"performance status: ECOG {ecog.value} ({ecog.resource}) and Karnofsky {kps.value} "
            f"({kps.resource}) have {when} but disagree (KPS {kps.value} is about ECOG {as_ecog} by the "
            "conventional table); both are kept as sent - check which is current",
            kps.resource,
            kps.element,
            "warning",
        )


def _stage_conflicts(st: ImportState) -> None:
    """Stage groups of the same date that differ (a Condition's stage.summary and a stage Observation, or
    two Observations): a conflict note naming both; which one is right is not guessed."""
    by_date: dict[str, list[tuple[str | None, str, str, str]]] = {}
    for item in st.stage_groups:
        by_date.setdefault(date_key(item[0]), []).append(item)
    for items in by_date.values():
        if len({token for _, _, _, token in items}) < 2:
            continue
        listed = "; ".join(f"{label} ({ref})" for _, ref, label, _ in items)
        when = f"the same date ({items[0][0]})" if items[0][0] else "no date"
        st.note(
            "conflict",
            f"stage group: {listed} have {when} but differ; both are kept in the notes - check which is "
            "the current stage",
            items[-1][1],
            None,
            "warning",
        )


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
        need = _STILL_NEEDED[marker]
        st.note(
            "needs_review",
            f"{name} reported only as '{cand.value}'{when}; kept as tumor.{marker}_status; "
            f"still needed: {need}",
            cand.resource,
            cand.element,
            "warning",
        )

#: what a receptor reported only as a call still needs (ASCO/CAP 2020 ER/PR, 2023 HER2); ER-low is an ER
#: category only, so the PR text says what the percent decides for PR (positive at 1% or more)
_STILL_NEEDED = {
    "er": "the percent of stained cells (ER-low 1-10% cannot be excluded)",
    "pr": "the percent of stained cells (PR is positive at 1% or more; how much PR there is is not known)",
    "her2": "the IHC score (0, 1+, 2+, 3+) or ISH result (HER2-low cannot be decided)",
}

#: clinical significances that make a variant count as a mutation (ACMG pathogenic tiers)
_ACTIONABLE = frozenset({"pathogenic", "likely_pathogenic"})
_NOT_DISEASE = frozenset({"benign", "likely_benign"})
_WORDS = {"likely_pathogenic": "likely pathogenic", "likely_benign": "likely benign"}


def _implied(st: ImportState) -> dict[str, list[tuple[str, str]]]:
    """Variant reference -> [(significance, Diagnostic Implication)] joined through ``derivedFrom``."""
    out: dict[str, list[tuple[str, str]]] = {}
    if not st.implications:
        return out
    index, known = st.index, set(st.variant_ids.values())
    for imp in st.implications:
        hit = False
        for target in imp.targets:
            res = index.get(target.split("/_history/", 1)[0])
            ref = st.variant_ids.get(id(res)) if res is not None else None
            if ref is None and target in known:
                ref = target
            if ref is not None:
                out.setdefault(ref, []).append((imp.significance, imp.resource))
                hit = True
        if not hit:
            st.note(
                "unmapped",
                f"diagnostic implication '{imp.significance}' is derived from "
                f"{', '.join(imp.targets)[:120]}, which is no variant of this input; not used",
                imp.resource,
                "derivedFrom",
                "warning",
            )
    return out


def _call(st: ImportState, gene: str, cand: Candidate, implied: dict[str, list[tuple[str, str]]]) -> str:
    """What one variant result says: mutant, unstated (present, significance not given), uncertain,
    benign or absent. Disagreeing significances for one variant count as uncertain unless all agree on
    the side (pathogenic or benign) that matters."""
    found, _source, own = cand.value
    if not found:
        return "absent"
    stated = ([(own, cand.resource)] if own else []) + implied.get(cand.resource, [])
    kinds = {sig for sig, _ in stated}
    if not kinds:
        return "unstated"
    if len(kinds) > 1:
        listed = "; ".join(f"{_WORDS.get(sig, sig)} ({where})" for sig, where in stated)
        st.note(
            "conflict",
            f"{gene} variant {cand.resource}: its clinical significance differs ({listed})",
            cand.resource,
            "component(53037-8)",
            "warning",
        )
    if kinds <= _ACTIONABLE:
        return "mutant"
    if kinds <= _NOT_DISEASE:
        return "benign"
    return "uncertain"


#: outcome of a gene's results -> positive (a mutation), negative, or None (undecided)
_OUTCOME = {"mutant": True, "unstated": True, "absent": False, "benign": False, "uncertain": None}


def _gene_outcome(
    st: ImportState, gene: str, cands: list[Candidate], implied: dict[str, list[tuple[str, str]]]
) -> tuple[bool | None, Candidate]:
    """True (a mutation), False (none) or None (undecided) from a gene's latest results, with the result
    that decides; every reading that is not plain pathogenic or absent is a note naming its resource."""
    ordered = sorted(cands, key=lambda c: (date_key(c.date), c.order))
    latest_key = date_key(ordered[-1].date)
    top = [c for c in ordered if date_key(c.date) == latest_key]
    calls = [(_call(st, gene, c, implied), c) for c in top]
    positive = [c for call, c in calls if call == "mutant"] or [c for call, c in calls if call == "unstated"]
    uncertain = [c for call, c in calls if call == "uncertain"]
    if positive:
        outcome: bool | None = True
        decider = positive[-1]
    elif uncertain:
        outcome, decider = None, uncertain[-1]
    else:
        outcome, decider = False, top[-1]
    for call, c in calls:
        by = [where for _, where in implied.get(c.resource, [])]
        said = f" (significance stated in {', '.join(by)})" if by else ""
        if call == "unstated" and outcome is True:
            st.note(
                "needs_review",
                f"{gene} variant present but its clinical significance is not given (no 53037-8 component "
                "and no Diagnostic Implication derived from it); counted as a mutation - check the report "
                "says pathogenic or likely pathogenic",
                c.resource,
                "component(53037-8)",
                "warning",
            )
        elif call == "uncertain":
            st.note(
                "needs_review",
                f"{gene} variant of uncertain (or disputed) significance{said}: not counted as a mutation"
                + (" (another result of the same date is)" if outcome else "; the result is left undecided")
                + " - a VUS does not guide treatment; review the report or ask for reclassification",
                c.resource,
                "component(53037-8)",
                "warning",
            )
        elif call == "benign":
            st.note(
                "needs_review",
                f"{gene} variant is benign or likely benign{said}: not counted as a mutation"
                + (
                    " (another result of the same date is)"
                    if outcome
                    else (
                        "; the gene was tested and no pathogenic or uncertain variant is reported, so it is "
                        "read as no mutation found" if outcome is False else ""
                    )
                )
                + " - check the report covers the whole gene",
                c.resource,
                "component(53037-8)",
                "warning",
            )
    older = {_OUTCOME[_call_quiet(c, implied)] for c in ordered if date_key(c.date) != latest_key}
    if older - {outcome}:
        st.note(
            "conflict",
            f"{gene}: results differ over time; latest ({decider.original}, "
            f"{decider.date or 'no date'}) used",
            decider.resource,
            decider.element,
            "warning",
        )
    return outcome, decider


def _call_quiet(cand: Candidate, implied: dict[str, list[tuple[str, str]]]) -> str:
    """:func:`_call` without notes, for older results that only need comparing."""
    found, _source, own = cand.value
    if not found:
        return "absent"
    kinds = {sig for sig in [own] if sig} | {sig for sig, _ in implied.get(cand.resource, [])}
    if not kinds:
        return "unstated"
    return "mutant" if kinds <= _ACTIONABLE else "benign" if kinds <= _NOT_DISEASE else "uncertain"


def _genomics(st: ImportState, data: dict[str, Any], provenance: dict[str, FieldSource]) -> None:
    tumor = data.setdefault("tumor", {})
    implied = _implied(st)
    brca: dict[str, tuple[bool | None, Candidate]] = {}
    for gene, cands in st.genes.items():
        found, latest = _gene_outcome(st, gene, cands, implied)
        source = latest.value[1]
        if gene in {"PIK3CA", "ESR1", "AKT1", "PTEN"}:
            name = gene.lower()
            tumor[name] = "unknown" if found is None else "mutant" if found else "wildtype"
            provenance[f"tumor.{name}"] = FieldSource(
                value=tumor[name], date=latest.date, resource=latest.resource, element=latest.element
            )
            continue
        if source != "germline":
            said = "of uncertain significance" if found is None else "present" if found else "absent"
            st.case_notes.append(
                f"FHIR import: {gene} variant {said} "
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
            tumor["gpalb2"] = "unknown" if found is None else "mutant" if found else "negative"
        else:
            brca[gene] = (found, latest)
    _germline_brca(st, tumor, brca)
    if not tumor:
        data.pop("tumor")


def _germline_brca(
    st: ImportState, tumor: dict[str, Any], brca: dict[str, tuple[bool | None, Candidate]]
) -> None:
    """gbrca from the germline BRCA1/BRCA2 outcomes: a pathogenic variant names its gene; an undecided
    result (a VUS) leaves it "unknown"; "negative" needs both genes tested with no mutation."""
    mutated = [gene for gene, (found, _) in brca.items() if found]
    if mutated:
        tumor["gbrca"] = mutated[0]
        if len(mutated) > 1:
            st.note(
                "info",
                f"germline variants in both BRCA1 and BRCA2; {mutated[0]} kept",
                brca[mutated[1]][1].resource,
            )
    elif any(found is None for found, _ in brca.values()):
        tumor["gbrca"] = "unknown"
    elif {"BRCA1", "BRCA2"} <= set(brca):
        tumor["gbrca"] = "negative"


def _metastatic(st: ImportState, data: dict[str, Any]) -> None:
    nodes.place(st)
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
            order: dict[str, Any] = {"drug": med.drug, **med.dose}
            if med.written_dose:
                order["dose_as_written"] = med.written_dose
            proposed.append(order)
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
