"""What is missing for one case — tests, scans and biopsies — each with why, read from ``rules/workup.yaml``.

An entry names the case flags that make a test worth doing (``reasoning/flags.py``); several entries
may share a code so that the more urgent variant (spine MRI today for cord compression) wins over
the routine one. Items come out emergency first, so nothing urgent sits below a routine check.

Two kinds of entry read the safety alerts instead (``after_safety``): one with ``after_alerts`` is added
when an alert of those codes fires (a cardio-oncology review after an LVEF alert), and one with
``prepares_for`` is dropped when every drug it prepares for that the case puts in play is
contraindicated (no dental exam for bone agents a pregnancy rules out).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from mbcnav.assessment import URGENCY_ORDER, SafetyAlert, WorkupItem
from mbcnav.reasoning import doses
from mbcnav.reasoning.flags import (
    RULES_DIR,
    ChunkMemo,
    Condition,
    compile_condition,
    drug_groups,
    flags_for,
)
from mbcnav.yamlfile import load_yaml


@dataclass(frozen=True, slots=True)
class WorkupRule:
    code: str
    when: Condition
    urgency: str
    item: WorkupItem


@dataclass(frozen=True)
class _AfterSafety:
    """The entries that read the safety alerts (see the module docstring)."""

    #: alert code -> the items it adds (file order)
    added_by: dict[str, tuple[WorkupItem, ...]]
    #: workup code -> the drugs it prepares for
    prepares_for: dict[str, frozenset[str]]


@functools.cache
def _entries() -> tuple[tuple[WorkupRule, ...], _AfterSafety]:
    data = load_yaml((RULES_DIR / "workup.yaml").read_text(encoding="utf-8"))
    out: list[WorkupRule] = []
    added_by: dict[str, list[WorkupItem]] = {}
    prepares_for: dict[str, frozenset[str]] = {}
    groups = drug_groups()
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
        if raw.get("prepares_for"):
            drugs = groups.expand(raw["prepares_for"])
            unknown = sorted(d for d in drugs if d not in groups.category)
            if unknown:
                raise ValueError(f"{where}: unknown drug(s) in prepares_for {unknown}")
            prepares_for[raw["code"]] = prepares_for.get(raw["code"], frozenset()) | drugs
        if raw.get("after_alerts"):
            if raw.get("when"):
                raise ValueError(f"{where}: an after_alerts entry has no flag condition (when)")
            for code in raw["after_alerts"]:
                added_by.setdefault(code, []).append(item)
            continue
        out.append(WorkupRule(raw["code"], compile_condition(raw.get("when"), where), raw["urgency"], item))
    out.sort(key=lambda r: URGENCY_ORDER[r.urgency])
    after = _AfterSafety({k: tuple(v) for k, v in added_by.items()}, prepares_for)
    return tuple(out), after


def workup_rules() -> tuple[WorkupRule, ...]:
    """Entries sorted by urgency (stable in file order); their WorkupItems are built once."""
    return _entries()[0]


def after_safety(
    items: tuple[WorkupItem, ...], alerts: Sequence[SafetyAlert], in_play: Iterable[str]
) -> tuple[WorkupItem, ...]:
    """The workup once the safety alerts are known: items the alerts ask for are added (once per code,
    in urgency order), and an item preparing for drugs is dropped when every one of them in play
    (``in_play``: the options' drugs, proposed orders, current treatment) is contraindicated."""
    if not alerts:
        return items
    table = _entries()[1]
    added: list[WorkupItem] = []
    present = {item.code for item in items}
    for alert in alerts:
        for item in table.added_by.get(alert.code, ()):
            if item.code not in present:
                present.add(item.code)
                added.append(item)
    # an order dose alert (a gross overdose) blocks the order, not the drug: its preparation stays
    blocked = {a.drug for a in alerts if a.severity == "contraindication" and not doses.order_only(a)}
    drop: set[str] = set()
    if blocked:
        used = set(in_play)
        for code, drugs in table.prepares_for.items():
            if code in present:
                wanted = drugs & used
                if wanted and wanted <= blocked:
                    drop.add(code)
    if not added and not drop:
        return items
    kept = [item for item in items if item.code not in drop]
    # stable: an added item goes after the kept items of its urgency
    return tuple(sorted([*kept, *added], key=lambda item: URGENCY_ORDER[item.urgency]))


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
