"""One name index for every medicine mbcnav knows: anticancer drugs from the knowledge base and
other medicines (co-medications) from ``reasoning/rules/comedications.yaml``.

Names are matched case-insensitively on generic names, brand names and aliases. A name that is not
known as written may still be read the way a pharmacist reads a medicine list: salt words, release
forms, dosage forms, a strength and how often are set aside from its end, by the word lists of
``reasoning/rules/drug_name_forms.yaml``, when what is left is a known name ("metoprolol succinate ER
25 mg" is metoprolol). Each such reading says what it set aside, so callers can report it. Anything
else is an UnknownDrugError with near matches, never a guess.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mbcnav.errors import UnknownDrugError
from mbcnav.yamlfile import load_yaml

COMEDICATIONS_FILE = Path(__file__).parent / "reasoning" / "rules" / "comedications.yaml"
NAME_FORMS_FILE = Path(__file__).parent / "reasoning" / "rules" / "drug_name_forms.yaml"

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
        for row in load_yaml(COMEDICATIONS_FILE.read_text(encoding="utf-8")) or []:
            generic = row["name"]
            for name in (generic, *row.get("brands", ()), *row.get("aliases", ())):
                index.setdefault(normalise(name), generic)
    return index


def resolve_drug(name: str) -> str:
    """Generic name for a generic, brand or alias, also when written with a salt, release form,
    dosage form, strength or frequency (see read_drug_name). Raises UnknownDrugError with suggestions."""
    generic = known_generic(name)
    if generic is not None:
        return generic
    return read_drug_name(name).generic


@dataclass(frozen=True)
class NameReading:
    """How one written name was read: the generic, and what was set aside from the end of the name."""

    given: str
    generic: str
    #: the words set aside, as written, in reading order ("25 mg", "ER", "succinate"); empty when the
    #: name was known as written (or differed only in spacing or punctuation)
    set_aside: tuple[str, ...] = ()
    #: a single strength with a unit that names a dose field: (field, value), e.g. ("dose_mg", 20.0)
    dose: tuple[str, float] | None = None
    #: a strength was set aside that cannot fill a dose field (no unit, a unit like mcg, or "5/325")
    unmapped_strength: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.set_aside)


@dataclass(frozen=True)
class _Forms:
    tails: tuple[tuple[re.Pattern[str], str], ...]  # (pattern matching a word at the end, kind)
    strength: re.Pattern[str]
    salts: frozenset[str]
    dose_fields: dict[str, str]
    texts: dict[str, str]
    local_forms: frozenset[str]


def _phrase_tail(words: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(
        re.escape(w).replace(r"\ ", r"\s+").replace(r"\-", r"[\s-]")
        for w in sorted(words, key=len, reverse=True)
    )
    # a separator before the word (space, comma, hyphen, slash: "Toprol-XL"), nothing after it
    return re.compile(rf"[\s,/-]+(?P<word>{alternatives})\.?\s*$", re.IGNORECASE)


@functools.cache
def _forms() -> _Forms:
    data: dict[str, Any] = load_yaml(NAME_FORMS_FILE.read_text(encoding="utf-8"))
    units = sorted([*data["dose_fields"], *data["other_units"]], key=len, reverse=True)
    unit_alt = "|".join(re.escape(u).replace(r"\ ", r"\s*") for u in units)
    number = r"\d[\d,]*(?:\.\d+)?|\.\d+"
    strength = re.compile(
        rf"(?:^|[\s,]+)(?P<word>(?P<value>{number})(?:\s*[/-]\s*(?:{number}))*"
        rf"(?:\s*(?P<unit>{unit_alt})(?![a-z]))?)\s*$",
        re.IGNORECASE,
    )
    return _Forms(
        tails=(
            (_phrase_tail(data["release_forms"]), "release form"),
            (_phrase_tail(data["dose_forms"]), "dosage form"),
            (_phrase_tail(data["frequencies"]), "frequency"),
            (_phrase_tail(data["salts"]), "salt"),
            (_phrase_tail(data["descriptors"]), "descriptor"),
            (_phrase_tail(data["local_forms"]), "local form"),
        ),
        strength=strength,
        salts=frozenset(data["salts"]),
        dose_fields={k.replace(" ", ""): v for k, v in data["dose_fields"].items()},
        texts=data["texts"],
        local_forms=frozenset(normalise(w) for w in data["local_forms"]),
    )


@functools.cache
def _local_products() -> dict[str, str]:
    """generic → the row for its skin, scalp, eye or ear form (comedications.yaml ``local_of``)."""
    rows = load_yaml(COMEDICATIONS_FILE.read_text(encoding="utf-8")) if COMEDICATIONS_FILE.exists() else []
    return {row["local_of"]: row["name"] for row in rows or () if row.get("local_of")}


def reading_texts() -> dict[str, str]:
    """The public and clinician templates for reporting a reading (drug_name_forms.yaml)."""
    return _forms().texts


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


@functools.cache
def _loose_index() -> dict[str, str]:
    """Names with spacing and punctuation removed ("Toprol XL" = "Toprol-XL"); a loose key that two
    different medicines share is left out, so it never decides between them."""
    loose: dict[str, str | None] = {}
    for key, generic in name_index().items():
        k = _NOT_ALNUM.sub("", key)
        loose[k] = generic if loose.get(k, generic) == generic else None
    return {k: g for k, g in loose.items() if g is not None and k}


def _lookup(key: str) -> str | None:
    generic = name_index().get(key)
    if generic is None:
        generic = _loose_index().get(_NOT_ALNUM.sub("", key))
    return generic


@functools.cache
def _strength_named_bases() -> frozenset[str]:
    """Names that the knowledge also lists with a strength ("denosumab" beside "denosumab 60 mg"):
    for these, a strength is part of the name and is never set aside."""
    forms = _forms()
    bases = set()
    for key in name_index():
        match = forms.strength.search(key)
        if match and match.start() > 0:
            bases.add(key[: match.start()].strip())
    return frozenset(bases)


@functools.lru_cache(maxsize=4096)
def read_drug_name(name: str) -> NameReading:
    """Read a written medicine name the way a pharmacist reads a list; raises UnknownDrugError.

    Known names win as written. Otherwise the end of the name is peeled one piece at a time (a
    strength, a release or dosage form, a frequency, a salt word) until what is left is known; the
    first known remainder is the reading. Safety: only listed words are peeled; a salt is not peeled
    to reach a medicine that is itself a salt; a strength is not peeled from a name the knowledge also
    lists by strength; "A (B)" is read only when A and B name the same medicine.
    """
    key = normalise(name)
    generic = _lookup(key)
    if generic is not None:
        return NameReading(name, generic)
    paren = re.fullmatch(r"(?P<a>[^()]+?)\s*\((?P<b>[^()]+)\)", key)
    if paren:
        first, second = _try_read(paren["a"]), _try_read(paren["b"])
        if first is not None and second is not None and first.generic == second.generic:
            return NameReading(name, first.generic, (*first.set_aside, f"({paren['b']})"), first.dose,
                               first.unmapped_strength)
        raise UnknownDrugError(name, _suggestions(paren["a"]))
    reading = _peel(name, key)
    if reading is None:
        raise UnknownDrugError(name, _suggestions(key))
    return reading


def _try_read(text: str) -> NameReading | None:
    try:
        return read_drug_name(text)
    except UnknownDrugError:
        return None


def _peel(name: str, key: str) -> NameReading | None:
    forms = _forms()
    rest = key
    set_aside: list[str] = []
    salt_peeled = False
    dose: tuple[str, float] | None = None
    unmapped: str | None = None
    local = False  # a skin, scalp, eye or ear form was set aside ("cream", "eye drops")
    while True:
        piece = None
        strength = forms.strength.search(rest)
        if strength and strength.start() > 0:
            base = rest[: strength.start()].strip()
            if base in _strength_named_bases():
                return None
            piece = strength
            unit = (strength["unit"] or "").lower().replace(" ", "").replace("²", "2")
            value = strength["value"].replace(",", "")
            written = f"{strength['value']}{strength['unit'] or ''}"
            single = strength["word"].replace(" ", "") == written.replace(" ", "")
            if unit in forms.dose_fields and single and dose is None and unmapped is None:
                dose = (forms.dose_fields[unit], float(value))
            elif unmapped is None and dose is None:
                unmapped = strength["word"]
        else:
            for pattern, kind in forms.tails:
                match = pattern.search(rest)
                if match and match.start() > 0:
                    piece = match
                    salt_peeled = salt_peeled or kind == "salt"
                    local = local or _SPACES.sub(" ", match["word"].lower()) in forms.local_forms
                    break
        if piece is None:
            return None
        set_aside.append(piece["word"])
        rest = rest[: piece.start()].strip()
        generic = _lookup(rest)
        if generic is None:
            continue
        if salt_peeled and generic.rsplit(" ", 1)[-1] in forms.salts:
            return None  # "magnesium sulfate" is not "magnesium oxide"
        if local:
            # a cream or eye drop of a medicine whose skin/eye form has its own row: that row, whose
            # label finds no systemic exposure, not the tablet's interactions
            generic = _local_products().get(generic, generic)
        return NameReading(name, generic, tuple(_as_written(name, w) for w in set_aside), dose, unmapped)


def _as_written(name: str, word: str) -> str:
    """The piece as the person wrote it (case kept), for the report."""
    found = re.search(re.escape(word).replace(r"\ ", r"\s+"), name, re.IGNORECASE)
    return found.group(0) if found else word


def _suggestions(key: str) -> list[str]:
    """Near names to offer back. When the name starts with a known product ("Tylenol ..."), only
    names of that same medicine are offered: a near spelling with other active ingredients
    ("Excedrin Extra Strength", which holds aspirin) is a different drug, not a typo. A food, herb or
    supplement word is never offered a medicine that only looks alike (drug_name_forms.yaml,
    suggestions): a wrong medicine offered as a match is worse than no suggestion."""
    index = name_index()
    rules = _suggestion_rules()
    if difflib.get_close_matches(key, rules["food_words"], n=1, cutoff=rules["cutoff"]):
        return []
    close = difflib.get_close_matches(key, list(index), n=4, cutoff=rules["cutoff"])
    lead = _leading_product(key)
    if lead is not None:
        close = [c for c in close if index[c] == lead]
    non_medicines = rules["non_medicines"]
    if close and index[close[0]] in non_medicines:
        close = [c for c in close if index[c] in non_medicines]
    if len(key) < rules["short_name_length"]:
        close = [
            c for c in close
            if index[c] in non_medicines
            or difflib.SequenceMatcher(None, key, c).ratio() >= rules["short_name_cutoff"]
        ]
    return list(dict.fromkeys(index[c] if c == index[c] else f"{c} ({index[c]})" for c in close))


@functools.cache
def _suggestion_rules() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(NAME_FORMS_FILE.read_text(encoding="utf-8"))["suggestions"]
    return {
        "cutoff": float(data["cutoff"]),
        "short_name_length": int(data["short_name_length"]),
        "short_name_cutoff": float(data["short_name_cutoff"]),
        "non_medicines": frozenset(data["non_medicines"]),
        "food_words": [normalise(w) for w in data["food_words"]],
    }


def _leading_product(key: str) -> str | None:
    """The medicine named by the longest run of first words that is itself a known name, if any."""
    words = key.split(" ")
    for end in range(len(words) - 1, 0, -1):
        generic = _lookup(" ".join(words[:end]))
        if generic is not None:
            return generic
    return None


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
