"""Home page and the audience switch (a cookie set by a plain form, so it works without JavaScript)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.web.pages.common import (
    AUDIENCE_COOKIE,
    AUDIENCE_MAX_AGE,
    AUDIENCES,
    KIND_LABELS,
    render,
    safe_next,
)

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    kb = load_knowledge_base()
    counts = {kind: len(kb.of_kind(kind)) for kind in KIND_LABELS}
    return render(request, "home.html", title="Metastatic breast cancer navigator", counts=counts)


def _switch(target: str | None, audience: str | None) -> RedirectResponse:
    response = RedirectResponse(safe_next(target), status_code=303)
    if audience in AUDIENCES:
        response.set_cookie(
            AUDIENCE_COOKIE, audience, max_age=AUDIENCE_MAX_AGE, httponly=True, samesite="lax", path="/"
        )
    return response


@router.post("/audience")
async def set_audience(request: Request) -> RedirectResponse:
    form = await request.form()
    return _switch(str(form.get("next") or "/"), str(form.get("audience") or ""))


@router.get("/audience")
def set_audience_link(request: Request, audience: str = "", next: str = "/") -> RedirectResponse:
    """Link form of the switch (e.g. from an email or a printed page)."""
    return _switch(next, audience)
