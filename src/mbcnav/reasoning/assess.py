"""One case in, one Assessment out: subtype, stage, red flags, workup, safety-checked options, numbers.

Pure: the same case always gives the same Assessment, nothing is read or written per call, and
every rule file is parsed once per process (module-level caches in each step). The parts are
built from already-validated data, so the Assessment is assembled with ``model_construct`` — the
published JSON Schema still describes it exactly (tests validate the output against it).

Order of work matters for safety: triage first (red flags decide visceral crisis and cord
compression, which change the options), then the options, then the safety checks that flag or
demote any option this person should not get.
"""

from __future__ import annotations

import itertools
import operator
from typing import Any

from mbcnav import DISCLAIMER
from mbcnav.assessment import URGENCY_ORDER, Assessment, RedFlag, UnitHint
from mbcnav.case import Case, Tumor, soft_unit_hints
from mbcnav.reasoning import safety, staging, workup
from mbcnav.reasoning.calculators import case_calculations
from mbcnav.reasoning.construct import constructor
from mbcnav.reasoning.flags import flags_for, note_facts
from mbcnav.reasoning.notes import read_notes
from mbcnav.reasoning.orders import order_checks
from mbcnav.reasoning.prognosis import prognosis
from mbcnav.reasoning.subtype import SubtypeResult, classify
from mbcnav.reasoning.therapy import option_set
from mbcnav.reasoning.triage import triage_case

#: Tumor field values → subtype. The subtype depends only on the Tumor, and case streams repeat the
#: same results often; the key is the tuple of the values ``classify`` reads (not the gene results,
#: PD-L1 or histology, which would split one answer into dozens), because comparing two pydantic
#: models (what a cache keyed on the Tumor itself does on every hit) costs several microseconds.
_SUBTYPES: dict[tuple[Any, ...], SubtypeResult] = {}
_SUBTYPES_LIMIT = 50_000
#: every Tumor field subtype.classify reads: a field it starts to read must be added here
_SUBTYPE_FIELDS = (
    "er_percent",
    "pr_percent",
    "her2_ihc",
    "her2_ish",
    "her2_ish_ratio",
    "her2_mean_copy_number",
    "er_status",
    "pr_status",
    "her2_status",
)
_subtype_key = operator.attrgetter(*_SUBTYPE_FIELDS)


def _classify(tumor: Tumor) -> SubtypeResult:
    key = _subtype_key(tumor)
    found = _SUBTYPES.get(key)
    if found is None:
        found = classify(tumor)
        if len(_SUBTYPES) >= _SUBTYPES_LIMIT:
            _SUBTYPES.clear()
        _SUBTYPES[key] = found
    return found


#: ``Assessment.model_construct`` without its per-field alias and default lookups (a hot path)
_assessment = constructor(Assessment)


def _red_flags(triage_result: Any) -> tuple[RedFlag, ...]:
    flags = tuple(triage_result.red_flags)
    if len(flags) < 2:  # nothing to order (most cases): skips building the pairwise check
        return flags
    # Emergency first, always — even if a future triage forgets to sort.
    if any(URGENCY_ORDER[a.urgency] > URGENCY_ORDER[b.urgency] for a, b in itertools.pairwise(flags)):
        flags = tuple(sorted(flags, key=lambda f: URGENCY_ORDER[f.urgency]))
    return flags


def assess(case: Case) -> Assessment:
    """The full, cited Assessment of one case (red flags first, options with safety applied)."""
    subtype_result = _classify(case.tumor)
    if case.notes:
        # a DPYD result or an allergy written in a note counts like the structured field, and the parts
        # of a note that tell the past are not triaged as happening now (reasoning/notes.py)
        reading = read_notes(case)
        case = reading.case
        triage_result = triage_case(reading.triage_case)
    else:
        reading = None
        triage_result = triage_case(case)
    calculations = case_calculations(case, subtype_result)
    flags = flags_for(case, subtype_result, triage_result)

    work = workup.plan_items(flags)
    candidates = option_set(flags)
    alerts = safety.check_set(
        case,
        candidates,
        calculations,
        [f.code for f in triage_result.red_flags],
        # facts no case field holds: from the notes, and from the subtype (HR-negative, ER-low)
        (reading.facts | safety.subtype_facts(subtype_result))
        if reading is not None
        else safety.subtype_facts(subtype_result),
    )
    ranked = safety.apply_set(candidates, alerts)
    if alerts:
        # items the alerts ask for (cardio-oncology review) or rule out (dental exam for blocked bone agents)
        in_play = [d for option in candidates.options for d in option.drugs]
        in_play += [p.drug for p in case.proposed_treatment]
        in_play += [t.drug for t in case.current_treatment]
        work = workup.after_safety(work, alerts, in_play)

    red_flags = _red_flags(triage_result)
    urgency = red_flags[0].urgency if red_flags else "routine"
    notes_used = (
        note_facts(case.notes, case.metastatic_sites, reading.current_notes, reading.used)[1]
        if reading is not None
        else ()
    )
    return _assessment(
        case_id=case.id,
        subtype=subtype_result.subtype,
        her2_low=subtype_result.her2_low,
        her2_ultralow=subtype_result.her2_ultralow,
        er_low=subtype_result.er_low,
        stage=staging.stage(case),
        urgency=urgency,
        red_flags=red_flags,
        workup=tuple(work),
        therapy_options=tuple(ranked),
        safety_alerts=tuple(alerts),
        calculations=calculations,
        prognosis=prognosis(case, subtype_result, calculations, flags),
        disclaimer=DISCLAIMER,
        subtype_explanation={"public": subtype_result.public, "clinician": subtype_result.clinician},
        notes_used=notes_used,
        name_readings=case.name_readings,
        proposed_orders=order_checks(case, alerts, calculations) if case.proposed_treatment else (),
        unit_hints=tuple(UnitHint(field=f, message=m) for f, m in soft_unit_hints(case.labs)),
    )
