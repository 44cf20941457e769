"""Every rule the shipped knowledge base must meet; ``mbcnav kb check`` runs them all."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from mbcnav.knowledge.loader import DATA_DIR, read_all
from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, reading_grade
from mbcnav.knowledge.schema import KnowledgeBase


@dataclass(frozen=True)
class CheckReport:
    problems: tuple[str, ...]
    kb: KnowledgeBase

    @property
    def ok(self) -> bool:
        return not self.problems


def check_items(kb: KnowledgeBase) -> list[str]:
    """Problems in a loaded base: dangling ids, unresolved sources, empty voices, hard public text."""
    problems: list[str] = []
    ids = {item.id for item in kb.items}
    for item in kb.items:
        where = f"{kb.origins.get(item.id, '?')}: {item.id}"
        for source_id in item.sources:
            if source_id not in kb.sources:
                problems.append(f"{where}: source '{source_id}' is not in the sources files")
        for other in item.related:
            if other not in ids:
                problems.append(f"{where}: related id '{other}' does not exist")
        if not item.clinician.strip():
            problems.append(f"{where}: clinician text is empty")
        if not item.public.strip():
            problems.append(f"{where}: public text is empty")
        else:
            grade = reading_grade(item.public)
            if grade > MAX_PUBLIC_GRADE:
                problems.append(
                    f"{where}: public text reads at grade {grade:.1f}, above {MAX_PUBLIC_GRADE:.0f}"
                )
        for field in ("action_public",):
            text = getattr(item, field, None)
            if text and reading_grade(text) > MAX_PUBLIC_GRADE:
                problems.append(
                    f"{where}: {field} reads at grade {reading_grade(text):.1f}, above "
                    f"{MAX_PUBLIC_GRADE:.0f}"
                )
    return problems


def run_check(data_dir: Path = DATA_DIR) -> CheckReport:
    kb, problems = read_all(data_dir)
    problems = [*problems, *check_items(kb)]
    return CheckReport(problems=tuple(problems), kb=kb)


def public_grades(kb: KnowledgeBase) -> list[float]:
    return [reading_grade(item.public) for item in kb.items]


def stats(kb: KnowledgeBase) -> dict[str, object]:
    """Counts and reading grades, as `kb stats` prints them."""
    by_kind: dict[str, int] = {}
    for item in kb.items:
        by_kind[item.kind] = by_kind.get(item.kind, 0) + 1
    grades = public_grades(kb)
    phrasings = sum(len(item.phrasings) for item in kb.of_kind("symptom"))
    return {
        "items": len(kb.items),
        "sources": len(kb.sources),
        "by_kind": dict(sorted(by_kind.items())),
        "symptom_phrasings": phrasings,
        "public_grade_median": round(statistics.median(grades), 2) if grades else None,
        "public_grade_max": round(max(grades), 2) if grades else None,
    }
