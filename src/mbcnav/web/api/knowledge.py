"""/api/v1/knowledge and /api/v1/sources: the knowledge base, read-only, in both voices."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query

from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.knowledge.lookup import find_drug
from mbcnav.knowledge.schema import KINDS

router = APIRouter(prefix="/api/v1", tags=["knowledge"])

#: the item kinds as a type, so the OpenAPI document lists them (an enum) and a wrong one is a 422
#: naming `kind` like any other invalid parameter
Kind = Literal[KINDS]  # type: ignore[valid-type]


def _item_json(item: Any) -> dict[str, Any]:
    kb = load_knowledge_base()
    data = item.model_dump(mode="json")
    data["source_details"] = [
        kb.sources[sid].model_dump(mode="json") for sid in item.sources if sid in kb.sources
    ]
    return data


@router.get("/knowledge", summary="List knowledge items, optionally of one kind")
def list_items(
    kind: Kind | None = Query(None, description="Only items of this kind"),
    limit: int = Query(500, ge=1, le=5000),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    kb = load_knowledge_base()
    items = kb.of_kind(kind) if kind else list(kb.items)
    page = items[offset : offset + limit]
    return {"total": len(items), "offset": offset, "items": [_item_json(i) for i in page]}


@router.get("/knowledge/kinds", summary="Item kinds and how many items each has")
def kinds() -> dict[str, int]:
    kb = load_knowledge_base()
    return {kind: len(kb.of_kind(kind)) for kind in KINDS}


@router.get("/knowledge/{item_id}", summary="One knowledge item with its sources")
def get_item(item_id: str) -> dict[str, Any]:
    item = load_knowledge_base().get(item_id)
    if item is None:
        raise HTTPException(404, f"no knowledge item with id '{item_id}'")
    return _item_json(item)


@router.get("/drugs/{name}", summary="A medicine by generic or brand name (any case)")
def get_drug(name: str) -> dict[str, Any]:
    return _item_json(find_drug(load_knowledge_base(), name))


@router.get("/sources", summary="Every reference the knowledge base cites")
def list_sources() -> dict[str, Any]:
    kb = load_knowledge_base()
    return {sid: source.model_dump(mode="json") for sid, source in sorted(kb.sources.items())}


@router.get("/sources/{source_id}", summary="One reference")
def get_source(source_id: str) -> dict[str, Any]:
    source = load_knowledge_base().sources.get(source_id)
    if source is None:
        raise HTTPException(404, f"no source with id '{source_id}'")
    return source.model_dump(mode="json")
