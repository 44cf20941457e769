"""/api/v1/ask: plain-language questions answered from the knowledge base, red flags first."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query

from mbcnav.search import MAX_K, MAX_QUESTION_CHARS, AskResult, ask

router = APIRouter(prefix="/api/v1", tags=["ask"])


@router.get("/ask", response_model=AskResult, summary="Answer a question from the knowledge base")
async def ask_endpoint(
    # The same limits as the CLI and the page (mbcnav.search.models), so one question gets one answer
    # whichever way it is asked.
    q: str = Query(..., min_length=1, max_length=MAX_QUESTION_CHARS,
                   description="The question, in any words"),
    audience: Literal["public", "clinician"] = "public",
    k: int = Query(5, ge=1, le=MAX_K, description="How many answers, at most"),
) -> AskResult:
    return ask(q, audience=audience, k=k)
