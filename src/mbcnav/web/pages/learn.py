"""Learn: every knowledge item, by kind, in the reader's voice, with its sources linked."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.knowledge.schema import KINDS
from mbcnav.web.pages.common import KIND_LABELS, render

router = APIRouter(include_in_schema=False)


@router.get("/learn", response_class=HTMLResponse)
def learn_index(request: Request) -> HTMLResponse:
    kb = load_knowledge_base()
    groups = [(kind, sorted(kb.of_kind(kind), key=lambda i: i.title.lower())) for kind in KINDS]
    return render(request, "learn_index.html", title="Learn", groups=[g for g in groups if g[1]])


@router.get("/learn/kind/{kind}", response_class=HTMLResponse)
def learn_kind(request: Request, kind: str) -> HTMLResponse:
    if kind not in KINDS:
        raise HTTPException(404, f"There is no section called '{kind}'.")
    items = sorted(load_knowledge_base().of_kind(kind), key=lambda i: i.title.lower())
    return render(request, "learn_kind.html", title=KIND_LABELS[kind][0], kind=kind, items=items)


@router.get("/learn/{item_id}", response_class=HTMLResponse)
def learn_item(request: Request, item_id: str) -> HTMLResponse:
    kb = load_knowledge_base()
    item = kb.get(item_id)
    if item is None:
        raise HTTPException(404, f"There is no page called '{item_id}'.")
    related = [r for r in (kb.get(rid) for rid in item.related) if r is not None]
    drug_pages = {d.generic: d.id for d in kb.of_kind("drug")}  # type: ignore[attr-defined]
    return render(
        request, "learn_item.html", title=item.title, item=item, related=related, drug_pages=drug_pages
    )
