"""What is missing for one case — tests, scans and biopsies — each with why, read from ``rules/workup.yaml``.

An entry names the case flags that make a test worth doing (``reasoning/flags.py``); several entries
may share a code so that the more urgent variant (spine MRI today for cord compression) wins over
the routine one. Items come out emergency first, so nothing urgent sits below a routine check.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import yaml

from mbcnav.assessment import URGENCY_ORDER, WorkupItem
from mbcnav.reasoning.flags import RULES_DIR, Condition, Memo, compile_condition, flags_for


@dataclass(frozen=True, slots=True)
class WorkupRule:
    code: str
    when: Condition
    urgency: str
    item: WorkupItem


@functools.cache
def workup_rules() -> tuple[WorkupRule, ...]:
    """Entries sorted by urgency (stable in file order); their WorkupItems are built once."""
    data = yaml.safe_load((RULES_DIR / "workup.yaml").read_text(encoding="utf-8"))
    out: list[WorkupRule] = []
    for i, raw in enumerate(data["items"]):
        where = f"workup.yaml: item #{i + 1} ({raw.get('code', '?')})"
        if raw["urgency"] not in URGENCY_ORDER:
            raise ValueError(f"{where}: urgency must be emergency, urgent or routine")
        item = WorkupItem(
            code=raw["code"],
            public=raw["public"],
            clinician=raw["clinician"],
            sources=tuple(raw["sources"]),
            rationale=raw["rationale"],
            urgency=raw["urgency"],
        )
        out.append(WorkupRule(raw["code"], compile_condition(raw.get("when"), where), raw["urgency"], item))
    out.sort(key=lambda r: URGENCY_ORDER[r.urgency])
    return tuple(out)


@functools.cache
def _memo() -> Memo:
    relevant: set[str] = set()
    for rule in workup_rules():
        relevant |= rule.when.referenced()
    return Memo(frozenset(relevant))


def plan_for_flags(flags: frozenset[str]) -> list[WorkupItem]:
    """Workup items for a flag set, memoised on the flags the workup rules mention."""
    memo = _memo()
    key = memo.key(flags)
    cached = memo.get(key)
    if cached is None:
        cached = tuple(_plan(key))
        memo.put(key, cached)
    return list(cached)


def _plan(flags: frozenset[str]) -> list[WorkupItem]:
    seen: set[str] = set()
    items: list[WorkupItem] = []
    for rule in workup_rules():
        if rule.code in seen or not rule.when.holds(flags):
            continue
        seen.add(rule.code)
        items.append(rule.item)
    return items


def plan(case: Any, subtype_result: Any, triage_result: Any) -> list[WorkupItem]:
    """Missing tests for this case, most urgent first, each with why, both voices and sources."""
    return plan_for_flags(flags_for(case, subtype_result, triage_result))
