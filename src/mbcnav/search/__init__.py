"""Plain-language Q&A over the cited knowledge base (`mbcnav ask`).

``ask(question, audience="public", k=5) -> AskResult``: red flags from the reasoning core's triage
first, then the best matching knowledge items in the asker's voice, each with its sources.
"""

from __future__ import annotations

from mbcnav.search.engine import ask
from mbcnav.search.models import (
    MAX_K,
    MAX_QUESTION_CHARS,
    Answer,
    AskInputError,
    AskResult,
    RedFlag,
    Suggestion,
)

__all__ = ["MAX_K", "MAX_QUESTION_CHARS", "Answer", "AskInputError", "AskResult", "RedFlag", "Suggestion",
           "ask"]
