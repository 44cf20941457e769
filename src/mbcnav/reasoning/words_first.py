"""Red flags in the words when a number beside them is refused.

A wrong unit in one lab field (98.6 in a °C box, calcium 2.4 in mmol/L) must not hide an emergency the
words alone already show ("my legs are weak and I can't pee"). The input is still refused and nothing
is stored; these helpers only read the free text, without the refused numbers, so every shell can show
the red flags first and the field error after them.
"""

from __future__ import annotations

from typing import Any

from mbcnav.case import parse_case
from mbcnav.errors import MbcnavError
from mbcnav.reasoning.triage import TriageResult, triage, triage_case

#: the longest symptom text the web form and the API take (both read this limit)
MAX_TEXT_CHARS = 5000


def words_triage(text: object) -> TriageResult | None:
    """Triage of the words alone, or None when the text is unusable or shows no red flag."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_CHARS:
        return None
    result = triage(text)
    return result if result.red_flags else None


def case_words_triage(data: object) -> TriageResult | None:
    """Triage of a refused case's symptoms and notes alone (its labs, sites and drugs are not read: any
    of them may be what was refused), or None when they are unusable or show no red flag."""
    if not isinstance(data, dict):
        return None
    words: dict[str, Any] = {k: data[k] for k in ("symptoms", "notes") if k in data}
    if not words:
        return None
    try:
        case = parse_case(words)
    except MbcnavError:
        return None
    if not case.symptoms and not case.notes:
        return None
    result = triage_case(case)
    return result if result.red_flags else None
