"""Reading grade of public text, measured with textstat (Flesch-Kincaid grade level)."""

from __future__ import annotations

import functools

import textstat

MAX_PUBLIC_GRADE = 8.0
TARGET_MEDIAN_GRADE = 6.0


@functools.lru_cache(maxsize=4096)
def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade; the US school grade a reader needs. Very short texts score low."""
    return float(textstat.flesch_kincaid_grade(text))
