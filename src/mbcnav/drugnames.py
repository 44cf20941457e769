"""One name index for every medicine mbcnav knows: anticancer drugs from the knowledge base and
other medicines (co-medications) from ``reasoning/rules/comedications.yaml``.

Names are matched case-insensitively on generic names, brand names and aliases; anything else is an
UnknownDrugError with near matches, never a guess.
"""

from __future__ import annotations

import difflib
import functools
import re
from pathlib import Path

import yaml

from mbcnav.errors import UnknownDrugError

COMEDICATIONS_FILE = Path(__file__).parent / "reasoning" / "rules" / "comedications.yaml"

_SPACES = re.compile(r"[\s_]+")


def normalise(name: str) -> str:
    text = name.strip().lower().replace("®", "").replace("™", "")
    return _SPACES.sub(" ", text)


@functools.cache
def name_index() -> dict[str, str]:
    """normalised name → generic name, for every known drug and co-medication."""
    from mbcnav.knowledge.loader import load_knowledge_base

    index: dict[str, str] = {}
    for drug in load_knowledge_base().of_kind("drug"):
        generic = drug.generic  # type: ignore[attr-defined]
        for name in (generic, drug.title, *drug.brands, *drug.aliases):  # type: ignore[attr-defined]
            index.setdefault(normalise(name), generic)
    if COMEDICATIONS_FILE.exists():
        for row in yaml.safe_load(COMEDICATIONS_FILE.read_text(encoding="utf-8")) or []:
            generic = row["name"]
            for name in (generic, *row.get("brands", ()), *row.get("aliases", ())):
                index.setdefault(normalise(name), generic)
    return index


def resolve_drug(name: str) -> str:
    """Generic name for a generic, brand or alias. Raises UnknownDrugError with suggestions."""
    generic = known_generic(name)
    if generic is not None:
        return generic
    index = name_index()
    key = normalise(name)
    close = difflib.get_close_matches(key, list(index), n=4, cutoff=0.75)
    suggestions = list(dict.fromkeys(index[c] if c == index[c] else f"{c} ({index[c]})" for c in close))
    raise UnknownDrugError(name, suggestions)


@functools.lru_cache(maxsize=4096)
def known_generic(name: str) -> str | None:
    """Generic name for a known name, else None. Cached by the raw string: cases repeat the same few
    dozen names, and the index never changes within a process."""
    return name_index().get(normalise(name))


@functools.cache
def treatment_generics() -> frozenset[str]:
    """Generic names of the knowledge base's cancer and bone treatments (every drug category except
    supportive care): the medicines a case lists under current_treatment, not current_meds."""
    from mbcnav.knowledge.loader import load_knowledge_base

    return frozenset(
        drug.generic  # type: ignore[attr-defined]
        for drug in load_knowledge_base().of_kind("drug")
        if drug.category != "supportive"  # type: ignore[attr-defined]
    )


def is_known_drug(name: str) -> bool:
    return known_generic(name) is not None
