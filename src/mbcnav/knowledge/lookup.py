"""Find items by id, title, alias or brand name, with near-match suggestions for typos."""

from __future__ import annotations

import difflib

from mbcnav.drugnames import normalise, resolve_drug
from mbcnav.errors import UnknownDrugError, UnknownTopicError
from mbcnav.knowledge.schema import Drug, ItemBase, KnowledgeBase


def _names(item: ItemBase) -> list[str]:
    names = [item.id, item.id.replace("-", " ").replace("_", " "), item.title, *item.aliases]
    if isinstance(item, Drug):
        names += [item.generic, *item.brands]
    return [normalise(n) for n in names]


def find_item(kb: KnowledgeBase, name: str) -> ItemBase:
    """The item whose id, title or alias is ``name``; UnknownTopicError with suggestions if none."""
    key = normalise(name)
    direct = kb.get(key) or kb.get(key.replace(" ", "-")) or kb.get(key.replace(" ", "_"))
    if direct is not None:
        return direct
    table: dict[str, ItemBase] = {}
    for item in kb.items:
        for alias in _names(item):
            table.setdefault(alias, item)
    if key in table:
        return table[key]
    close = difflib.get_close_matches(key, list(table), n=6, cutoff=0.6)
    partial = [a for a in table if key and key in a][:6]
    suggestions = list(dict.fromkeys(table[a].id for a in [*close, *partial]))[:6]
    raise UnknownTopicError(name, suggestions)


def find_drug(kb: KnowledgeBase, name: str) -> Drug:
    """The drug item for a generic or brand name (case-insensitive)."""
    generic = resolve_drug(name)
    for item in kb.of_kind("drug"):
        if isinstance(item, Drug) and item.generic == generic:
            return item
    # A co-medication we know by name but do not describe in the knowledge base.
    raise UnknownDrugError(name, [], field=None) from None
