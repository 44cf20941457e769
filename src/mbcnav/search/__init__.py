"""Plain-language Q&A over the cited knowledge base (`mbcnav ask`).

``ask(question, audience="public", k=5) -> AskResult``: red flags from the reasoning core's triage
first, then the best matching knowledge items in the asker's voice, each with its sources.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mbcnav.search.models import (
    MAX_K,
    MAX_QUESTION_CHARS,
    Answer,
    AskInputError,
    AskResult,
    RedFlag,
    Suggestion,
)

if TYPE_CHECKING:
    from mbcnav.search.engine import ask


def __getattr__(name: str) -> Any:
    """``ask`` loads the engine (numpy, scipy, bm25s: about a second) on first use, so commands and
    modules that only need the models or limits (``mbcnav triage``, the CLI's option help) start fast."""
    if name == "ask":
        from mbcnav.search.engine import ask

        return ask
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["MAX_K", "MAX_QUESTION_CHARS", "Answer", "AskInputError", "AskResult", "RedFlag", "Suggestion",
           "ask"]
