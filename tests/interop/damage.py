"""Seeded damage to JSON documents, for sweeps that check bad input only ever gets named errors."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator, Sequence
from typing import Any

#: wrong-typed values FHIR never allows where they land: nulls, numbers for text, lists for objects, ...
ODD_VALUES: tuple[Any, ...] = (None, 0, -1, 1.5, "", "x", "2024-13-01", True, [], {}, [1], {"a": 1},
                               {"coding": [{"system": 5, "code": "x"}]}, {"value": "x"})  # fmt: skip


def nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) in a JSON document, the document itself first."""
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from nodes(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from nodes(child, (*path, i))


def damage(doc: Any, rnd: random.Random, odd: Sequence[Any] = ODD_VALUES) -> None:
    """Delete one element, copy another over it, or put an odd value in its place (in place)."""
    places = list(nodes(doc))
    path, _ = rnd.choice(places[1:])
    parent = doc
    try:
        for key in path[:-1]:
            parent = parent[key]
        roll = rnd.random()
        if roll < 0.2 and isinstance(parent, dict):
            del parent[path[-1]]
        elif roll < 0.35:
            parent[path[-1]] = copy.deepcopy(rnd.choice(places)[1])
        else:
            parent[path[-1]] = copy.deepcopy(rnd.choice(odd))
    except (KeyError, IndexError, TypeError):
        return  # an earlier change in the same document removed this place
