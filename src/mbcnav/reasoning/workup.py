"""What is missing for one case — tests, scans and biopsies — each with why, read from ``rules/workup.yaml``.

An entry names the case flags that make a test worth doing (``reasoning/flags.py``); several entries
may share a code so that the more urgent variant (spine MRI today for cord compression) wins over
the routine one. Items come out emergency first, so nothing urgent sits below a routine check.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mbcnav.assessment import URGENCY_ORDER, WorkupItem
from mbcnav.reasoning.flags import RULES_DIR, ChunkMemo, Condition, compile_condition, flags_for
from mbcnav.yamlfile import load_yaml


@dataclass(frozen=True, slots=True)
class WorkupRule:
    code: str
    when: Condition
    urgency: str
    item: WorkupItem


@functools.cache
def workup_rules() -> tuple[WorkupRule, ...]:
    """Entries sorted by urgency (stable in file order); their WorkupItems are built once."""
    data = load_yaml((RULES_DIR / "workup.yaml").read_text(encoding="utf-8"))
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


#: rules per memo chunk: few enough that a chunk reads only a handful of flags, so its answers repeat
_CHUNK = 5


def _holding(rules: tuple[tuple[int, WorkupRule], ...]) -> Callable[[frozenset[str]], tuple[int, ...]]:
    def compute(flags: frozenset[str]) -> tuple[int, ...]:
        return tuple(i for i, rule in rules if rule.when.holds(flags))

    return compute


@functools.cache
def _chunks() -> tuple[ChunkMemo, ...]:
    """Consecutive rules in groups of ``_CHUNK``, each memoised on only the flags its rules read."""
    indexed = tuple(enumerate(workup_rules()))
    out = []
    for start in range(0, len(indexed), _CHUNK):
        part = indexed[start : start + _CHUNK]
        relevant = frozenset().union(*(rule.when.referenced() for _, rule in part))
        out.append(ChunkMemo(None, relevant, _holding(part)))
    return tuple(out)


_PLANS: dict[tuple[int, ...], tuple[WorkupItem, ...]] = {}
_PLANS_LIMIT = 50_000


def plan_items(flags: frozenset[str]) -> tuple[WorkupItem, ...]:
    """Workup items for a flag set, memoised through the answers of the rule chunks."""
    tokens: list[int] = []
    parts: list[tuple[int, ...]] = []
    for chunk in _chunks():
        token, part = chunk.lookup(flags)
        tokens.append(token)
        parts.append(part)
    key = tuple(tokens)
    found = _PLANS.get(key)
    if found is None:
        found = _plan([i for part in parts for i in part])
        if len(_PLANS) >= _PLANS_LIMIT:
            _PLANS.clear()
        _PLANS[key] = found
    return found


def plan_for_flags(flags: frozenset[str]) -> list[WorkupItem]:
    """Workup items for a flag set, most urgent first (one per code)."""
    return list(plan_items(flags))


#: the rules kept (one per code) → their items: many chunk-token keys share one answer, so the answers
#: are shared objects (fewer objects for the garbage collector to scan)
_ANSWERS: dict[tuple[int, ...], tuple[WorkupItem, ...]] = {}


def _plan(holding: list[int]) -> tuple[WorkupItem, ...]:
    rules = workup_rules()
    seen: set[str] = set()
    kept: list[int] = []
    for i in holding:
        code = rules[i].code
        if code in seen:
            continue
        seen.add(code)
        kept.append(i)
    key = tuple(kept)
    items = _ANSWERS.get(key)
    if items is None:
        items = tuple(rules[i].item for i in kept)
        if len(_ANSWERS) >= _PLANS_LIMIT:
            _ANSWERS.clear()
        _ANSWERS[key] = items
    return items


def plan(case: Any, subtype_result: Any, triage_result: Any) -> list[WorkupItem]:
    """Missing tests for this case, most urgent first, each with why, both voices and sources."""
    return plan_for_flags(flags_for(case, subtype_result, triage_result))
