"""Every rule the shipped knowledge base must meet; ``mbcnav kb check`` runs them all."""

from __future__ import annotations

import datetime as dt
import re
import statistics
import types
import typing
from dataclasses import dataclass
from pathlib import Path

from mbcnav.assessment import RED_FLAG_CODES
from mbcnav.drugnames import normalise
from mbcnav.knowledge.display import graded_public_texts
from mbcnav.knowledge.loader import DATA_DIR, read_all
from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, reading_grade
from mbcnav.knowledge.schema import ItemBase, KnowledgeBase

RULES_DIR = Path(__file__).parent.parent / "reasoning" / "rules"
#: The "Done when" counts of issue 3: the base must keep covering what the issue promised.
COVERAGE_MINIMUMS: dict[str, int] = {
    "drug": 45, "site": 9, "symptom phrasings": 40, "faq": 30, "resource": 10,
}
#: Oldest acceptable review. MBC care changes fast (NCCN updates the breast guideline several times a
#: year; new drugs and label changes arrive every year), so a text nobody re-read for two years is
#: likely out of date; two years is also the review cycle most patient-information standards ask for
#: at the most (NHS England's PIF TICK asks for three).
MAX_REVIEW_AGE = dt.timedelta(days=730)
#: Plain-word twins that the shipped base must carry (the public voice shows them, not the original).
REQUIRED_PUBLIC_TWINS: dict[str, tuple[str, ...]] = {
    "site": ("frequency_public",),
    "test": ("what_it_changes_public",),
}


@dataclass(frozen=True)
class CheckReport:
    problems: tuple[str, ...]
    kb: KnowledgeBase
    #: things worth a look that do not fail the check (e.g. sources no item cites)
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def _required_text_fields(item: ItemBase) -> list[str]:
    """Names of the item's required fields that hold text or lists of text."""
    names = []
    for name, info in type(item).model_fields.items():
        ann = info.annotation
        if typing.get_origin(ann) in (typing.Union, types.UnionType):
            continue  # optional fields may be left out
        if ann is str or typing.get_origin(ann) is tuple:
            names.append(name)
    return names


def _empty_text(item: ItemBase, where: str) -> list[str]:
    problems = []
    for name in _required_text_fields(item):
        if name in {"public", "clinician"}:
            continue  # reported with their own message below
        value = getattr(item, name)
        if isinstance(value, str) and not value.strip():
            problems.append(f"{where}: {name} is empty")
        elif isinstance(value, tuple) and any(isinstance(v, str) and not v.strip() for v in value):
            problems.append(f"{where}: {name} has an empty entry")
    for name in ("frequency_public", "what_it_changes_public", "phone"):
        value = getattr(item, name, None)
        if value is not None and not str(value).strip():
            problems.append(f"{where}: {name} is empty")
    return problems


def _cross_references(item: ItemBase, kb: KnowledgeBase, ids: set[str], generics: set[str],
                      where: str) -> list[str]:
    problems = []
    for source_id in item.sources:
        if source_id not in kb.sources:
            problems.append(f"{where}: source '{source_id}' is not in the sources files")
    for other in item.related:
        if other not in ids:
            problems.append(f"{where}: related id '{other}' does not exist")
    if item.kind == "regimen":
        for name in item.drugs:  # type: ignore[attr-defined]
            if normalise(name) not in generics and name not in ids:
                problems.append(f"{where}: drug '{name}' is not a drug of the knowledge base")
        for trial in item.trials:  # type: ignore[attr-defined]
            if normalise(trial).replace(" ", "-") not in kb.sources:
                problems.append(f"{where}: trial '{trial}' has no source with that id")
    if item.kind == "drug":
        own = normalise(item.generic)  # type: ignore[attr-defined]
        for name in (*item.brands, *item.aliases):  # type: ignore[attr-defined]
            if normalise(name) in generics and normalise(name) != own:
                problems.append(
                    f"{where}: brand or alias '{name}' is another drug's generic name; a lookup of "
                    "that name must not reach this item"
                )
    if item.kind == "symptom":
        code = item.red_flag  # type: ignore[attr-defined]
        if code is not None and code not in RED_FLAG_CODES:
            problems.append(f"{where}: red_flag '{code}' is not a red-flag code of docs/case-format.md")
    return problems


def _dates_and_twins(item: ItemBase, today: dt.date, where: str) -> list[str]:
    problems = []
    if item.reviewed > today:
        problems.append(f"{where}: reviewed date {item.reviewed} is in the future")
    elif today - item.reviewed > MAX_REVIEW_AGE:
        problems.append(
            f"{where}: reviewed {item.reviewed}, more than {MAX_REVIEW_AGE.days // 365} years ago; "
            "re-read it against its sources and update the date"
        )
    for name in REQUIRED_PUBLIC_TWINS.get(item.kind, ()):
        if getattr(item, name, None) is None:
            problems.append(f"{where}: {name} (plain words for the public voice) is missing")
    if item.kind == "statistic":
        years = item.data_years  # type: ignore[attr-defined]
        if years is not None and any(year not in item.public for year in years.split("-")):
            problems.append(f"{where}: public text does not state the data years ({years})")
    return problems


def check_items(kb: KnowledgeBase, today: dt.date | None = None) -> list[str]:
    """Problems in a loaded base: dangling ids, unresolved sources, empty fields, hard public text,
    review dates out of range."""
    today = today or dt.date.today()
    problems: list[str] = []
    ids = {item.id for item in kb.items}
    generics = {normalise(item.generic) for item in kb.of_kind("drug")}  # type: ignore[attr-defined]
    for item in kb.items:
        where = f"{kb.origins.get(item.id, '?')}: {item.id}"
        problems += _cross_references(item, kb, ids, generics, where)
        if not item.clinician.strip():
            problems.append(f"{where}: clinician text is empty")
        if not item.public.strip():
            problems.append(f"{where}: public text is empty")
        problems += _empty_text(item, where)
        problems += _dates_and_twins(item, today, where)
        for field, text in graded_public_texts(item):
            if not text.strip():
                continue
            grade = reading_grade(text)
            if grade > MAX_PUBLIC_GRADE:
                label = "public text" if field == "public" else field
                problems.append(f"{where}: {label} reads at grade {grade:.1f}, above {MAX_PUBLIC_GRADE:.0f}")
    return problems


def coverage(kb: KnowledgeBase) -> dict[str, int]:
    counts = {kind: len(kb.of_kind(kind)) for kind in ("drug", "site", "faq", "resource")}
    counts["symptom phrasings"] = sum(len(item.phrasings) for item in kb.of_kind("symptom"))  # type: ignore[attr-defined]
    return counts


def check_coverage(kb: KnowledgeBase, minimums: dict[str, int]) -> list[str]:
    counts = coverage(kb)
    return [
        f"coverage: {counts.get(name, 0)} {name}, the issue asks for at least {least}"
        for name, least in minimums.items()
        if counts.get(name, 0) < least
    ]


def uncited_sources(kb: KnowledgeBase, rules_dir: Path = RULES_DIR) -> list[str]:
    """Sources neither an item nor a reasoning rule cites (the rules cite the same sources files)."""
    cited = {source_id for item in kb.items for source_id in item.sources}
    rules = " ".join(p.read_text(encoding="utf-8") for p in sorted(rules_dir.glob("*.yaml")))
    cited |= {sid for sid in kb.sources if re.search(rf"(?<![\w-]){re.escape(sid)}(?![\w-])", rules)}
    return sorted(set(kb.sources) - cited)


def check_sources(kb: KnowledgeBase) -> list[str]:
    """Two ids for one paper split its citations and let the two entries drift apart."""
    first: dict[str, str] = {}
    problems = []
    for sid, source in kb.sources.items():
        url = str(source.url).rstrip("/").lower()
        if url in first:
            problems.append(f"sources: '{sid}' has the same url as '{first[url]}'; cite one id")
        else:
            first[url] = sid
    return problems


def run_check(
    data_dir: Path = DATA_DIR,
    minimums: dict[str, int] | None = None,
    today: dt.date | None = None,
) -> CheckReport:
    """Every problem of the base in `data_dir`. `minimums` defaults to the issue's coverage counts;
    pass {} to check a small test base."""
    kb, problems = read_all(data_dir)
    minimums = COVERAGE_MINIMUMS if minimums is None else minimums
    problems = [*problems, *check_sources(kb), *check_items(kb, today), *check_coverage(kb, minimums)]
    warnings = tuple(f"source '{sid}' is not cited by any item" for sid in uncited_sources(kb))
    return CheckReport(problems=tuple(problems), kb=kb, warnings=warnings)


def public_grades(kb: KnowledgeBase) -> list[float]:
    """Reading grade of every graded public text (main text and the plain fields the public sees)."""
    return [reading_grade(text) for item in kb.items for _, text in graded_public_texts(item) if text.strip()]


def stats(kb: KnowledgeBase) -> dict[str, object]:
    """Counts and reading grades, as `kb stats` prints them."""
    by_kind: dict[str, int] = {}
    for item in kb.items:
        by_kind[item.kind] = by_kind.get(item.kind, 0) + 1
    grades = public_grades(kb)
    phrasings = sum(len(item.phrasings) for item in kb.of_kind("symptom"))  # type: ignore[attr-defined]
    return {
        "items": len(kb.items),
        "sources": len(kb.sources),
        "by_kind": dict(sorted(by_kind.items())),
        "symptom_phrasings": phrasings,
        "public_texts_graded": len(grades),
        "public_grade_median": round(statistics.median(grades), 2) if grades else None,
        "public_grade_max": round(max(grades), 2) if grades else None,
    }
