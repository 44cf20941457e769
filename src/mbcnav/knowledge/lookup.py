"""Find items by id, title, alias, symptom phrasing or brand name, with near-match suggestions.

Names are compared after normalising case, spaces, hyphens and curly quotes, so "nab paclitaxel"
finds nab-paclitaxel and "can’t catch my breath" finds the stored "can't catch my breath". When two
items share a name, the kind order below decides (a site page before a risk factor that mentions
lymph nodes), so the answer never depends on file order.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import NoReturn

from mbcnav.drugnames import known_generic, normalise
from mbcnav.errors import UnknownDrugError, UnknownTopicError
from mbcnav.knowledge.schema import Drug, ItemBase, KnowledgeBase

#: Which item wins a shared name: the page a person most likely means first.
KIND_ORDER: tuple[str, ...] = (
    "drug", "site", "symptom", "subtype", "topic", "treatment", "test", "statistic", "regimen", "faq",
    "resource", "risk_factor",
)
_LABELLED = re.compile(r"^\s*([^()]+?)\s*\(([^()]+)\)\s*$")
_PUNCT = re.compile(r"[^\w\s'+/.]")


def key(name: str) -> str:
    """A name as the lookup compares it."""
    text = normalise(name).replace("’", "'").replace("‘", "'").replace("-", " ")
    text = _PUNCT.sub(" ", text).strip(" .?!")
    return " ".join(text.split())


def _names(item: ItemBase) -> list[str]:
    names = [item.id, item.title, *item.aliases, *getattr(item, "phrasings", ())]
    if isinstance(item, Drug):
        names += [item.generic, *item.brands]
    return [key(n) for n in names]


def _rank(item: ItemBase) -> int:
    return KIND_ORDER.index(item.kind) if item.kind in KIND_ORDER else len(KIND_ORDER)


#: name tables per base (held with the base, so an id is never reused while its entry lives)
_TABLES: dict[int, tuple[KnowledgeBase, dict[str, ItemBase]]] = {}


def _table(kb: KnowledgeBase) -> dict[str, ItemBase]:
    cached = _TABLES.get(id(kb))
    if cached is not None and cached[0] is kb:
        return cached[1]
    table: dict[str, ItemBase] = {}
    for item in sorted(kb.items, key=_rank):
        for alias in _names(item):
            table.setdefault(alias, item)
    if len(_TABLES) > 8:
        _TABLES.clear()
    _TABLES[id(kb)] = (kb, table)
    return table


def find_item(kb: KnowledgeBase, name: str) -> ItemBase:
    """The item whose id, title, alias or symptom phrasing is ``name``; UnknownTopicError with
    suggestions if none."""
    direct = kb.get(normalise(name)) or kb.get(normalise(name).replace(" ", "-"))
    if direct is not None:
        return direct
    table = _table(kb)
    wanted = key(name)
    if wanted in table:
        return table[wanted]
    close = difflib.get_close_matches(wanted, list(table), n=6, cutoff=0.6)
    partial = [a for a in table if wanted and re.search(rf"\b{re.escape(wanted)}\b", a)][:6]
    suggestions = list(dict.fromkeys(table[a].id for a in [*close, *partial]))[:6]
    raise UnknownTopicError(name, suggestions)


# --- medicines -------------------------------------------------------------------------------


class DrugNoteError(UnknownDrugError):
    """A medicine name mbcnav knows but has no page for (a co-medication, or a product the knowledge
    base mentions under another drug): a helpful note, not "unknown"."""

    def __init__(self, name: str, message: str, see: tuple[str, ...] = ()) -> None:
        self.name = name
        self.suggestions = list(see)
        self.see = see
        self.message = message
        self.field = None
        Exception.__init__(self, message)

    def __str__(self) -> str:
        return self.message


def _drug_names(kb: KnowledgeBase) -> dict[str, set[str]]:
    """name key → generics of knowledge-base drugs that carry the name."""
    out: dict[str, set[str]] = {}
    for drug in kb.of_kind("drug"):
        assert isinstance(drug, Drug)
        for name in (drug.id, drug.generic, drug.title, *drug.brands, *drug.aliases):
            out.setdefault(key(name), set()).add(drug.generic)
    return out


def _by_generic(kb: KnowledgeBase, generic: str) -> Drug | None:
    for item in kb.of_kind("drug"):
        if isinstance(item, Drug) and item.generic == generic:
            return item
    return None


def _word_matches(names: dict[str, set[str]], wanted: str) -> tuple[set[str], list[str]]:
    """Generics whose name starts with the query's words ("lupron" → "lupron depot"), else the longest
    name the query starts with ("herceptin sc" → "herceptin")."""
    longer = [n for n in names if n.startswith(wanted + " ")]
    if longer:
        return set().union(*(names[n] for n in longer)), longer
    shorter = sorted((n for n in names if wanted.startswith(n + " ")), key=len, reverse=True)
    if shorter:
        return set(names[shorter[0]]), shorter[:1]
    return set(), []


def _mentions(kb: KnowledgeBase, word: str) -> list[tuple[ItemBase, str]]:
    """Items whose texts name ``word``, each with the first sentence that does (public text first)."""
    pattern = re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
    found = []
    for item in sorted(kb.items, key=_rank):
        texts: Iterable[str] = (item.public, getattr(item, "used_when", ""), item.clinician)
        for text in texts:
            if text and pattern.search(text):
                sentence = next(s for s in re.split(r"(?<=[.!?])\s+", text) if pattern.search(s))
                found.append((item, sentence.strip()))
                break
    return found


def find_drug(kb: KnowledgeBase, name: str) -> Drug:
    """The drug item for a generic or brand name (case-insensitive, extra words allowed).

    A co-medication or a product the base only mentions raises DrugNoteError with what mbcnav knows;
    anything else raises UnknownDrugError whose suggestions are all names this function accepts.
    """
    generic = known_generic(name)
    if generic is not None:
        drug = _by_generic(kb, generic)
        if drug is not None:
            return drug
        _comedication_note(kb, name, generic)
    names = _drug_names(kb)
    wanted = key(name)
    generics = names.get(wanted) or set()
    matched: list[str] = [wanted] if generics else []
    if not generics and wanted:
        generics, matched = _word_matches(names, wanted)
    if len(generics) == 1:
        drug = _by_generic(kb, next(iter(generics)))
        if drug is not None:
            return drug
    if len(generics) > 1:
        listed = " and ".join(sorted(generics))
        product = next((n for n in _original_names(kb) if key(n) == matched[0]), matched[0])
        regimens = [r.id for r in kb.of_kind("regimen") if any(key(a) == matched[0] for a in r.aliases)]
        also = f" The combination: `mbcnav learn {regimens[0]}`." if regimens else ""
        raise DrugNoteError(
            name,
            f"'{name}' names {product}, which holds more than one medicine: {listed}. "
            f"See `mbcnav drug` with one of them.{also}",
            (*sorted(generics), *regimens),
        )
    labelled = _LABELLED.match(name)
    if labelled:  # a suggestion pasted back whole: "Xeloda (capecitabine)"
        return find_drug(kb, labelled.group(1))
    mentioned = _mentions(kb, name.strip()) if len(wanted) >= 4 else []
    if mentioned:
        item, sentence = mentioned[0]
        others = ", ".join(i.id for i, _ in mentioned[1:4])
        also = f" Also mentioned in: {others}." if others else ""
        raise DrugNoteError(
            name,
            f"'{name}' has no page of its own. The knowledge base mentions it under {item.id}: "
            f"\"{sentence}\" See `mbcnav learn {item.id}`.{also}",
            tuple(i.id for i, _ in mentioned[:4]),
        )
    close = difflib.get_close_matches(wanted, list(names), n=4, cutoff=0.75)
    suggestions = []
    originals = _original_names(kb)
    for c in close:
        generic = sorted(names[c])[0]
        shown = next((n for n in originals if key(n) == c), c)
        suggestions.append(generic if key(generic) == c else f"{shown} ({generic})")
    raise UnknownDrugError(name, list(dict.fromkeys(suggestions)))


def _original_names(kb: KnowledgeBase) -> list[str]:
    out = []
    for drug in kb.of_kind("drug"):
        assert isinstance(drug, Drug)
        out += [drug.generic, *drug.brands, *drug.aliases, drug.title]
    return out


def _comedication_note(kb: KnowledgeBase, name: str, generic: str) -> NoReturn:
    """A co-medication: say so, and point to what the base says about it (a product such as Prolia
    shares its molecule with a cancer medicine, so that page and its sentence on it come first)."""
    see: list[str] = []
    called = name.strip() if key(name) == key(generic) else f"{name.strip()} ({generic})"
    lines = [
        f"{called} is not a cancer medicine in the knowledge base; mbcnav knows it as a "
        "co-medication and checks it for interactions with cancer medicines when a case lists it "
        "(`mbcnav assess`)."
    ]
    same = _by_generic(kb, generic.split()[0])
    if same is not None:
        see.append(same.id)
        lines.append(f"The same molecule as a cancer medicine: `mbcnav drug {same.generic}`.")
    mentioned = _mentions(kb, name.strip()) or _mentions(kb, generic)
    if mentioned:
        item, sentence = mentioned[0]
        lines.append(f"The knowledge base says ({item.id}): \"{sentence}\"")
        see += [i.id for i, _ in mentioned[:4] if i.id not in see]
    raise DrugNoteError(name, " ".join(lines), tuple(see))
