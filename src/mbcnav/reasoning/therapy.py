"""Treatment options ranked for one case, read from ``rules/therapy.yaml``.

Regimens, their conditions and their ranks are data: each regimen names the case flags it needs
(``reasoning/flags.py``), a priority, priority adjustments (visceral crisis, brain metastases,
performance status...) and drugs to add (ovarian suppression for pre/perimenopausal women, a GnRH
agonist with an aromatase inhibitor for men). This module only evaluates them, so that adding a
drug or a trial is a data edit plus a vignette, never a new branch here.

Prior treatment is read through flags: ``progressed:ai`` means the cancer grew on (or came back
during) an aromatase inhibitor in any setting; ``adjuvant_relapse:antiestrogen`` means a relapse
recorded on (neo)adjuvant endocrine therapy, which the rules treat as endocrine resistance (relapse
on or within 12 months of adjuvant therapy) — the route to fulvestrant-based and inavolisib options.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mbcnav.assessment import TherapyOption
from mbcnav.reasoning.construct import constructor
from mbcnav.reasoning.flags import (
    ChunkMemo,
    Condition,
    compile_condition,
    drug_groups,
    flags_for,
    rules_file,
)

_REQUIRED = (
    "id",
    "regimen",
    "public_name",
    "drugs",
    "category",
    "priority",
    "evidence",
    "sources",
    "rationale",
    "public",
    "clinician",
)
_ECOG3 = frozenset({"ecog3plus"})


@dataclass(frozen=True, slots=True)
class Adjust:
    when: Condition
    priority: int
    why: str


@dataclass(frozen=True, slots=True)
class Addition:
    when: Condition
    drugs: tuple[str, ...]
    label: str
    #: the addition's part of the plain public name ("a shot to turn off the ovaries (goserelin)")
    public_label: str
    #: the plain sentence (and its sources) the public text gains with this addition; empty when the
    #: regimen's own public text already names the added drug (``named: true``)
    public: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Regimen:
    index: int
    id: str
    regimen: str
    #: the short plain name the public voice shows instead of the clinician's regimen wording
    public_name: str
    drugs: tuple[str, ...]
    category: str
    when: Condition
    priority: int
    adjust: tuple[Adjust, ...]
    add: tuple[Addition, ...]
    evidence: tuple[str, ...]
    sources: tuple[str, ...]
    rationale: str
    public: str
    clinician: str
    always: bool
    #: groups of drugs of which one is used ("A or B"); every other drug is always part of the regimen
    alternatives: tuple[tuple[str, ...], ...] = ()
    #: per alternative group, the flags (progressed_met:<drug>) that drop it: a drug the cancer already grew
    #: on is not offered again, while the rest of the "A or B" option stays; empty unless the YAML opts in
    drop_when: tuple[frozenset[str], ...] = ()
    #: a "continue what still works" option: ``drugs`` are the candidates, and only those the case records as
    #: responding for metastatic disease and current (responding_met:<drug> and current:<drug>) are kept
    continue_responding: bool = False


def _continue_flags(drug: str) -> tuple[str, str]:
    return f"responding_met:{drug}", f"current:{drug}"


@functools.cache
def _added_drugs() -> dict[str, dict[str, Any]]:
    """therapy.yaml's added_drugs: what a patient is told about a drug an ``add`` entry brings in."""
    return dict(rules_file("therapy.yaml").get("added_drugs") or {})


def _load_addition(raw: dict[str, Any], where: str) -> Addition:
    """An added drug (the shot a hormone pill needs) must reach the public text too, not only the label."""
    public: list[str] = []
    sources: list[str] = []
    if not raw.get("named"):
        for drug in raw["drugs"]:
            said = _added_drugs().get(drug)
            if said is None:
                raise ValueError(f"{where}: add brings in {drug!r} with no added_drugs text (or named: true)")
            public.append(said["public"])
            sources.extend(s for s in said.get("sources", ()) if s not in sources)
    return Addition(
        compile_condition(raw["if"], where),
        tuple(raw["drugs"]),
        raw["label"],
        raw["public_label"],
        " ".join(public),
        tuple(sources),
    )


def _load_regimen(index: int, raw: dict[str, Any]) -> Regimen:
    where = f"therapy.yaml: regimen #{index + 1} ({raw.get('id', '?')})"
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise ValueError(f"{where}: missing {missing}")
    known = set(drug_groups().category)
    continue_responding = bool(raw.get("continue_responding"))
    # a continue option names candidate drugs by group (drug_groups.yaml): the case decides which stay
    drugs = tuple(sorted(drug_groups().expand(raw["drugs"]))) if continue_responding else tuple(raw["drugs"])
    unknown = [d for d in drugs if d not in known]
    if unknown:
        raise ValueError(f"{where}: unknown drug(s) {unknown}")
    when = compile_condition(raw.get("when"), where)
    if raw.get("combination_chemotherapy"):
        when = Condition(all=when.all, any=when.any, none=when.none | _ECOG3)
    adjust = tuple(
        Adjust(compile_condition(a["if"], where), int(a["priority"]), a.get("why", ""))
        for a in raw.get("adjust", ())
    )
    add = tuple(_load_addition(a, where) for a in raw.get("add", ()))
    for addition in add:
        if any(d not in known for d in addition.drugs):
            raise ValueError(f"{where}: unknown drug in add {addition.drugs}")
    alternatives = tuple(tuple(group) for group in raw.get("alternatives", ()))
    grouped = [d for group in alternatives for d in group]
    if alternatives and (
        len(alternatives) < 2 or len(grouped) != len(set(grouped)) or not set(grouped) <= set(drugs)
    ):
        raise ValueError(f"{where}: alternatives must be two or more disjoint groups of its drugs")
    drop_when: tuple[frozenset[str], ...] = ()
    if raw.get("drop_progressed_alternatives"):
        if not alternatives:
            raise ValueError(f"{where}: drop_progressed_alternatives needs alternatives")
        drop_when = tuple(frozenset(f"progressed_met:{d}" for d in group) for group in alternatives)
    return Regimen(
        index=index,
        id=raw["id"],
        regimen=raw["regimen"],
        public_name=raw["public_name"],
        drugs=drugs,
        category=raw["category"],
        when=when,
        priority=int(raw["priority"]),
        adjust=adjust,
        add=add,
        evidence=tuple(raw["evidence"]),
        sources=tuple(raw["sources"]),
        rationale=raw["rationale"],
        public=raw["public"],
        clinician=raw["clinician"],
        always=bool(raw.get("always")),
        alternatives=alternatives,
        drop_when=drop_when,
        continue_responding=continue_responding,
    )


@functools.cache
def regimens() -> tuple[Regimen, ...]:
    """All regimens, validated once per process (unknown flags or drugs are load errors)."""
    data = rules_file("therapy.yaml")  # parsed once: _added_drugs reads the same file
    loaded = tuple(_load_regimen(i, raw) for i, raw in enumerate(data["regimens"]))
    ids = [r.id for r in loaded]
    if len(ids) != len(set(ids)):
        raise ValueError("therapy.yaml: duplicate regimen ids")
    return loaded


#: (regimen index, adjust index, add mask, rank, flags, flagged, drop mask) → built option; the space is small
_OPTION_CACHE: dict[tuple[int, int, int, int, tuple[str, ...], bool, int], TherapyOption] = {}
_new_option = constructor(TherapyOption)


def build_option(
    reg: Regimen,
    adjust_index: int,
    add_mask: int,
    rank: int,
    flags: tuple[str, ...] = (),
    flagged: bool = False,
    drop_mask: int = 0,
) -> TherapyOption:
    """The TherapyOption for a regimen variant; built from validated data, so model_construct is safe."""
    key = (reg.index, adjust_index, add_mask, rank, flags, flagged, drop_mask)
    option = _OPTION_CACHE.get(key)
    if option is not None:
        return option
    drugs = list(reg.drugs)
    label = reg.regimen
    public_name = reg.public_name
    alternatives = reg.alternatives
    if reg.continue_responding:
        # drop_mask marks the candidate drugs this case is not responding on (or not taking now)
        drugs = [d for i, d in enumerate(drugs) if not drop_mask & (1 << i)]
        label = label.replace("{drugs}", " + ".join(drugs))
        public_name = public_name.replace("{drugs}", " + ".join(drugs))
    elif drop_mask:
        kept = [g for i, g in enumerate(alternatives) if not drop_mask & (1 << i)]
        gone = [g for i, g in enumerate(alternatives) if drop_mask & (1 << i)]
        dropped = {d for g in gone for d in g}
        drugs = [d for d in drugs if d not in dropped]
        label = f"{label} — with {_either(kept)}, not {_either(gone)} (the cancer grew on it)"
        public_name = f"{public_name} — with {_either(kept)}, not {_either(gone)} (the cancer grew on it)"
        alternatives = tuple(kept) if len(kept) > 1 else ()
    public = reg.public
    sources = list(reg.sources)
    for i, addition in enumerate(reg.add):
        if add_mask & (1 << i):
            drugs.extend(d for d in addition.drugs if d not in drugs)
            label = f"{label} + {addition.label}"
            if addition.public:
                public = f"{public} {addition.public}"
                sources.extend(s for s in addition.sources if s not in sources)
            public_name = f"{public_name}, and {addition.public_label}"
    rationale = reg.rationale
    if adjust_index >= 0 and reg.adjust[adjust_index].why:
        rationale = f"{rationale} {reg.adjust[adjust_index].why}"
    option = _new_option(
        rank=rank,
        regimen=label,
        public_name=public_name,
        drugs=tuple(drugs),
        rationale=rationale,
        evidence=reg.evidence,
        sources=tuple(sources),
        public=public,
        clinician=reg.clinician,
        category=reg.category,
        flags=flags,
        flagged=flagged,
        alternatives=alternatives,
    )
    if len(_OPTION_CACHE) < 50_000:
        _OPTION_CACHE[key] = option
        _ORIGIN[id(option)] = (reg, adjust_index, add_mask, drop_mask)
    return option


def _either(groups: list[tuple[str, ...]]) -> str:
    """[("eribulin",), ("gemcitabine", "carboplatin")] -> "eribulin or gemcitabine + carboplatin"."""
    names = [" + ".join(group) for group in groups]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


#: id of a cached option → its variant. Cached options live for the process, so ids stay unique.
_ORIGIN: dict[int, tuple[Regimen, int, int, int]] = {}


def rebuild(option: TherapyOption, rank: int, flags: tuple[str, ...], flagged: bool) -> TherapyOption:
    """The same option with a new rank and safety flags (cached when the option came from the cache)."""
    origin = _ORIGIN.get(id(option))
    if origin is None:
        return option.model_copy(update={"rank": rank, "flags": flags, "flagged": flagged})
    reg, adjust_index, add_mask, drop_mask = origin
    return build_option(reg, adjust_index, add_mask, rank, flags, flagged, drop_mask)


#: subtype flags split cases into disjoint groups; a regimen gated on one is only tried for that group
_SUBTYPE_GATES = ("tnbc_like", "her2_positive", "endocrine_eligible", "hr_positive")


#: categories whose option is left out when every drug of it is already the current treatment (a person
#: on denosumab is not offered Xgeva as new). Only bone agents: an anticancer regimen that is current
#: is either continued on purpose (HP maintenance, continue_responding) or shown with its own reasons.
_NOT_NEW_WHEN_CURRENT = frozenset({"bone"})


def _referenced(reg: Regimen) -> frozenset[str]:
    out = set(reg.when.referenced())
    for adj in reg.adjust:
        out |= adj.when.referenced()
    for addition in reg.add:
        out |= addition.when.referenced()
    for drop in reg.drop_when:
        out |= drop
    if reg.continue_responding:
        for drug in reg.drugs:
            out.update(_continue_flags(drug))
    elif reg.category in _NOT_NEW_WHEN_CURRENT:
        out.update(f"current:{drug}" for drug in reg.drugs)
    return frozenset(out)


def _gate(reg: Regimen, counts: dict[str, int]) -> str | None:
    """A flag the regimen needs (so it is tried only when present): its subtype flag, else its rarest."""
    if reg.always or not reg.when.all:
        return None
    for gate in _SUBTYPE_GATES:
        if gate in reg.when.all:
            return gate
    return min(reg.when.all, key=lambda f: (counts[f], f))


_Chosen = tuple[int, int, int, int, int]  # (priority, regimen index, adjust index, add mask, drop mask)


def _evaluate(regs: tuple[Regimen, ...]) -> Callable[[frozenset[str]], tuple[_Chosen, ...]]:
    def compute(flags: frozenset[str]) -> tuple[_Chosen, ...]:
        chosen: list[_Chosen] = []
        for reg in regs:
            if not reg.always and not reg.when.holds(flags):
                continue
            if reg.category in _NOT_NEW_WHEN_CURRENT and all(f"current:{d}" in flags for d in reg.drugs):
                continue  # already the current bone agent: not offered as a new option
            drop_mask = 0
            if reg.continue_responding:
                for i, drug in enumerate(reg.drugs):
                    responding, current = _continue_flags(drug)
                    if responding not in flags or current not in flags:
                        drop_mask |= 1 << i
                if drop_mask == (1 << len(reg.drugs)) - 1:
                    continue  # nothing recorded as both responding and current
            for i, drop in enumerate(reg.drop_when):
                if not drop.isdisjoint(flags):
                    drop_mask |= 1 << i
            if drop_mask and drop_mask == (1 << len(reg.drop_when)) - 1:
                continue  # the cancer grew on every choice of this "A or B" option
            priority, adjust_index = reg.priority, -1
            for i, adj in enumerate(reg.adjust):
                if adj.when.holds(flags):
                    priority, adjust_index = adj.priority, i
                    break
            mask = 0
            for i, addition in enumerate(reg.add):
                if addition.when.holds(flags):
                    mask |= 1 << i
            chosen.append((priority, reg.index, adjust_index, mask, drop_mask))
        return tuple(chosen)

    return compute


@functools.cache
def _chunks() -> tuple[ChunkMemo, ...]:
    """Regimens grouped by gate flag, each group memoised on only the flags its regimens read."""
    counts: dict[str, int] = {}
    for reg in regimens():
        for flag in reg.when.all:
            counts[flag] = counts.get(flag, 0) + 1
    groups: dict[str | None, list[Regimen]] = {}
    for reg in regimens():
        groups.setdefault(_gate(reg, counts), []).append(reg)
    out = []
    for gate, regs in groups.items():
        relevant = frozenset().union(*(_referenced(r) for r in regs))
        out.append(ChunkMemo(gate, relevant, _evaluate(tuple(regs))))
    # ungated chunks first: they are always looked up
    out.sort(key=lambda c: c.gate is not None)
    return tuple(out)


class OptionSet:
    """One memoised answer of the therapy step, with room for the safety step's memos on these options."""

    __slots__ = ("applied", "layout", "options")

    def __init__(self, options: tuple[TherapyOption, ...]) -> None:
        self.options = options
        #: safety.check_set: drugs in play when the case proposes nothing (built on first use)
        self.layout: Any = None
        #: safety.apply_set: (drug, code, severity) of the alerts → the options with safety applied
        self.applied: dict[tuple[tuple[str | None, str, str], ...], tuple[TherapyOption, ...]] = {}


_SETS: dict[tuple[int, ...], OptionSet] = {}
_SETS_LIMIT = 50_000


def option_set(flags: frozenset[str]) -> OptionSet:
    """The ranked options for a flag set, memoised through the chunk answers it is made of."""
    tokens: list[int] = []
    parts: list[tuple[_Chosen, ...]] = []
    for chunk in _chunks():
        if chunk.gate is not None and chunk.gate not in flags:
            continue
        token, part = chunk.lookup(flags)
        if part:
            tokens.append(token)
            parts.append(part)
    key = tuple(tokens)
    found = _SETS.get(key)
    if found is None:
        found = OptionSet(tuple(_ranked([c for part in parts for c in part])))
        if len(_SETS) >= _SETS_LIMIT:
            _SETS.clear()
        _SETS[key] = found
    return found


def options_for_flags(flags: frozenset[str]) -> list[TherapyOption]:
    """Regimens whose conditions hold, ranked by (adjusted) priority, then file order."""
    return list(option_set(flags).options)


def _ranked(chosen: list[_Chosen]) -> list[TherapyOption]:
    regs = regimens()
    chosen.sort(key=lambda c: (c[0], c[1]))
    out: list[TherapyOption] = []
    seen: set[tuple[str, ...]] = set()
    for _, index, adjust_index, mask, drop_mask in chosen:
        reg = regs[index]
        option = build_option(reg, adjust_index, mask, len(out) + 1, drop_mask=drop_mask)
        # Two rules may reach the same drugs by different routes; the better-ranked one speaks.
        kept = reg.drugs if not drop_mask else tuple(d for d in reg.drugs if d in option.drugs)
        key = (*kept, str(mask)) if reg.drugs else (reg.id,)
        if key in seen:
            continue
        seen.add(key)
        out.append(option)
    return out


def options(case: Any, subtype_result: Any, triage_result: Any) -> list[TherapyOption]:
    """Ranked treatment options for this case (before safety checks; see safety.apply)."""
    return options_for_flags(flags_for(case, subtype_result, triage_result))
