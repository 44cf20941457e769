"""Triage: everyday words (and labs, and a whole case) → red flags, suspected sites and what to do now.

People write "my bak hurts and my legs are weeak", not "thoracic back pain with paraparesis", so the
matcher is built for lay text: a lexicon of concepts (``rules/triage.yaml``) matched word by word
after spelling correction (a map, then a fuzzy match with rapidfuzz against the lexicon words, for
words that are not real words: "diet" must not become "die", nor "hyperglycemia" "hypercalcemia"),
light stemming (weakness = weak) and negation ("no fever", "denies headache", "not short of
breath", "fever gone now"; but "can't feel my legs" is a symptom, not a negation). Concepts combine
into red flags by the rules of ``rules/red_flags.yaml``; labs and case facts (albumin-corrected
calcium, fever with neutropenia, bilirubin, Mirels, drug toxicities) add flags by thresholds kept in
the same data files. Lab values written in the text ("calcium 11.5 albumin 2.5", "temp 38.5, ANC
300") are read next to their lab words and go to the same lab rules. The knowledge base's
``symptom`` items add their phrasings, sites and red-flag levels (an urgent or emergency item names
its code in ``red_flag``).

Safety rules the code keeps: the overall urgency is the highest finding; red flags sort emergency
first; the advice always says what to do now and that the tool does not replace the care team.
Everything is compiled once per process; a call does dictionary look-ups on a few words.
"""

from __future__ import annotations

import functools
import gzip
import importlib.resources
import itertools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz, process

from mbcnav.assessment import URGENCY_ORDER, RedFlag, Urgency
from mbcnav.case import Case, Labs, other_unit_hint
from mbcnav.interop.units import UnitError, convert_value
from mbcnav.reasoning.calculators import _corrected_ca, _mirels_points
from mbcnav.yamlfile import load_yaml

RULES_DIR = Path(__file__).parent / "rules"

_APOSTROPHES = re.compile(r"['’`]")
_CLAUSE_SPLIT = re.compile(r"[.,;:!?\n()\[\]/]+")
# A pain score written "7/10" is read as "7 out of 10" before "/" splits clauses (not a date "7/10/24")
_SCORE_OF_TEN = re.compile(r"(?<![\d/.,])(\d{1,2})\s*/\s*10(?![\d/])")
_TOKEN = re.compile(r"[a-z0-9]+")
_DIGIT = re.compile(r"\d")
# A lab number ("11.5", "38,5", "1,200") and the unit that may follow it (spellings are normalised,
# then looked up in interop/units.yaml).
_LAB_NUMBER = r"(?P<num>\d+(?:[.,]\d+)?)(?![\d])"
_LAB_UNIT = (
    r"(?:\s*(?P<unit>(?:[x×*]\s*)?10\s*(?:\^|\*\*?|e)\s*[39]\s*/\s*[uµμ]?l"
    r"|(?:cells\s*)?/\s*(?:[uµμ]l|mm3|cumm)|k\s*/\s*[uµμ]l|m?mol\s*/\s*l|m?g\s*/\s*d?l"
    r"|(?:°|º|deg(?:ree)?s?)\s*[cf]?(?![a-z])|[cf](?![a-z])))?"
)
_TEMP_UNIT_ALONE = re.compile(
    r"(?<![\d.,])(?P<num>\d{2,3}(?:[.,]\d+)?)\s*(?P<unit>(?:°|º|deg(?:ree)?s?)\s*[cf]|[cf])(?![a-z])"
)
_UNIT_SPELLING = re.compile(r"degrees|degree|degs")
#: how far from a phrase's words an `unless` word cancels it ("bra fitting", "sore throat ... neck")
UNLESS_REACH = 3


class SuspectedSite(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    site: str
    why: str
    sources: tuple[str, ...]


class Advice(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    public: str
    clinician: str


class TriageResult(BaseModel):
    """The Triage JSON of design/case-format.md (extra fields are additive)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    urgency: Urgency
    red_flags: tuple[RedFlag, ...] = ()
    suspected_sites: tuple[SuspectedSite, ...] = ()
    advice: Advice
    #: what the engine recognised (concept labels), for the reader to check
    matched: tuple[str, ...] = ()
    #: what it recognised but read as negated ("no fever")
    negated: tuple[str, ...] = ()
    rationale: str = ""


# --------------------------------------------------------------------------------------------
# Compiled lexicon
# --------------------------------------------------------------------------------------------


def stem(word: str) -> str:
    """A deliberately small stemmer: enough to join weak/weakness, leg/legs, vomit/vomiting."""
    n = len(word)
    if n > 5 and word.endswith("ness"):
        return word[:-4]
    if n > 5 and word.endswith("ing"):
        return word[:-3]
    if n > 4 and word.endswith("ed"):
        return word[:-2]
    if n > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@dataclass(frozen=True)
class _Phrase:
    concept: str
    slots: tuple[frozenset[str], ...]
    window: int
    #: stems that cancel the phrase when its statement has one ("bra fitting")
    unless: frozenset[str] = frozenset()
    #: the slots must come in their written order, each at most `gap` words after the one before
    #: ("going to hurt myself", not "I hurt myself going down the stairs")
    ordered: bool = False
    gap: int = 0
    #: stems that cancel the phrase only in the `before_reach` words just before it: "I can't wake up"
    #: is the writer's own tiredness, "mum won't wake up and I'm scared" is not
    unless_before: frozenset[str] = frozenset()
    before_reach: int = 0


@dataclass(frozen=True)
class _TextLab:
    """How one lab field is read from text (triage.yaml `text_labs`)."""

    field: str
    #: (below, at_least, needs a fraction, unit) rules for a number without a unit; first fit wins
    bare: tuple[tuple[float | None, float | None, bool, str], ...]
    low: float
    high: float
    pick: str
    not_after: tuple[str, ...]
    #: a "NN%" this many characters after the word counts as well (0: only the joined number)
    percent_reach: int = 0
    #: a later reading in a run after the first ("temp 37.9 and then 38.0"), matched at the end of one
    #: (triage.yaml `series_joiners`); None for fields read once
    series: re.Pattern[str] | None = None


@dataclass(frozen=True)
class _Rule:
    code: str
    urgency: str
    when: tuple[frozenset[str], ...]
    #: concept groups that explain the finding away ("my leg feels weak from sitting too long ... fine
    #: after a walk"): the rule does not fire when every concept of one group was found
    unless: tuple[frozenset[str], ...] = ()
    #: the text variant of the code this rule asks for (red_flags.yaml `public_<urgency>_<variant>`)
    variant: str = ""
    #: the variant is a fallback (red_flags.yaml `variant_fallback`): used only when no other rule raised
    #: the code at the same level, whose own text is more specific ("vomited 8 times and dizzy")
    fallback: bool = False


_KB_STOP = frozenset(
    [
        "i",
        "im",
        "my",
        "me",
        "a",
        "an",
        "the",
        "is",
        "am",
        "are",
        "was",
        "and",
        "to",
        "of",
        "it",
        "its",
        "in",
        "on",
        "at",
        "have",
        "has",
        "had",
        "been",
        "be",
        "very",
        "really",
        "so",
    ]
)


#: a number with a unit that names its field near one of the field's words (see _compile_unit_near)
_UnitNear = tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]


@dataclass
class _Lexicon:
    phrases: list[_Phrase]
    index: dict[str, list[tuple[int, int]]]
    concepts: dict[str, dict[str, Any]]
    rules: list[_Rule]
    codes: dict[str, dict[str, Any]]
    code_order: dict[str, float]
    advice: dict[str, dict[str, str]]
    spelling: dict[str, str]
    known: frozenset[str]
    vocab: tuple[str, ...]
    #: first letter -> lexicon words starting with it (fuzzy matching only compares same-initial words)
    vocab_by_initial: dict[str, tuple[str, ...]]
    #: real words, never "corrected" to a lexicon word (checked with simple inflections removed)
    real_words: frozenset[str]
    #: a word the English frequency dictionary counts at least this often is a real word too
    real_word_min_count: int
    cues: frozenset[str]
    scope_breaks: frozenset[str]
    clause_breaks: frozenset[str]
    #: verbs that end a negation's reach once negated ("won't stop", "not helping")
    scope_end_verbs: frozenset[str]
    scope_words: int
    fuzzy_cutoff: float
    fuzzy_min_length: int
    labs: dict[str, Any]
    drug_groups: dict[str, frozenset[str]]
    site_sources: tuple[str, ...]
    kb_sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: concepts whose words name the spread itself ("brain metastases"), not a symptom (triage.yaml
    #: `names_spread`): with that site already recorded they are documentation, not a new suspicion
    names_spread: frozenset[str] = frozenset()
    #: concept -> (rule index, group) pairs whose group mentions the concept
    rules_by_concept: dict[str, list[tuple[int, frozenset[str]]]] = field(default_factory=dict)
    #: red_flags.yaml `measured_fever_rules`: word findings that a temperature read at or above the fever
    #: threshold makes a flag (a red line site with "temp 39" is line sepsis, with or without chemotherapy)
    fever_rules: tuple[_Rule, ...] = ()
    #: labs thresholds as floats, read once (every case consults several)
    lab_values: dict[str, float] = field(default_factory=dict)
    #: "can't X" cues, and what makes them negate after all (triage.yaml negation.inability)
    inability_cues: frozenset[str] = frozenset()
    inability_fillers: frozenset[str] = frozenset()
    inability_hedges: frozenset[str] = frozenset()
    inability_hedge_objects: frozenset[str] = frozenset()
    #: "fever gone now" (triage.yaml negation.resolved); symptom words as stems
    resolved_cues: frozenset[str] = frozenset()
    resolved_fillers: frozenset[str] = frozenset()
    resolved_trailing: frozenset[str] = frozenset()
    resolved_symptoms: frozenset[str] = frozenset()
    resolved_pairs: frozenset[tuple[str, str]] = frozenset()
    resolved_relapse: frozenset[str] = frozenset()
    resolved_relapse_pairs: frozenset[tuple[str, str]] = frozenset()
    resolved_not_before: frozenset[str] = frozenset()
    resolved_pronouns: frozenset[str] = frozenset()
    resolved_pronoun_reach: int = 0
    #: a statement that only denies the one before ("... chest pain but I haven't had any")
    denial_subjects: frozenset[str] = frozenset()
    denial_verbs: frozenset[str] = frozenset()
    denial_fillers: frozenset[str] = frozenset()
    denial_objects: frozenset[str] = frozenset()
    #: "mine are fine": a possessive pronoun, a linking verb and a word for normal (negation.denials `fine`)
    fine_subjects: frozenset[str] = frozenset()
    fine_links: frozenset[str] = frozenset()
    fine_words: frozenset[str] = frozenset()
    #: first word -> (word sequence, replacement words), longest sequence first
    rewrites: dict[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]] = field(default_factory=dict)
    #: text_labs: lab word (spaces normalised) -> (field, already corrected); the compiled patterns
    lab_words: dict[str, tuple[str, bool]] = field(default_factory=dict)
    lab_specs: dict[str, _TextLab] = field(default_factory=dict)
    lab_pattern: re.Pattern[str] | None = None
    lab_keep_words: frozenset[str] = frozenset()
    lab_unit_alone: frozenset[str] = frozenset()
    #: field -> (number-with-unit pattern, field-word pattern, unit as written -> unit meant), for
    #: triage.yaml `unit_alone_near_word` ("sugars higher, 9 mmol fasting")
    lab_unit_near: dict[str, _UnitNear] = field(default_factory=dict)
    #: concept -> {public, clinician} added to routine advice (red_flags.yaml `routine_support`)
    routine_support: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: signs that make a borderline temperature on chemotherapy an emergency (triage.yaml
    #: `sepsis_companions`: two ambers are a red in UKONS terms)
    sepsis_companions: frozenset[str] = frozenset()
    #: symptoms that, with leptomeningeal disease recorded, point at it (triage.yaml `leptomeningeal_signs`)
    leptomeningeal_signs: frozenset[str] = frozenset()
    #: signs that make reported jaundice hepatic failure (triage.yaml `liver_failure_signs`)
    liver_failure_signs: frozenset[str] = frozenset()
    #: triage.yaml `term_questions`: words that ask what a term means, and the concepts that name a
    #: condition (a term) rather than describe a symptom
    question_pattern: re.Pattern[str] | None = None
    term_concepts: frozenset[str] = frozenset()
    #: concepts naming a medicine, treatment or cause (triage.yaml `not_symptoms`, `drug_names`): never
    #: listed as a symptom read as absent
    not_symptoms: frozenset[str] = frozenset()
    #: triage.yaml `warning_words`: read and not acted on, a routine result names them (advice
    #: `routine_noticed`) instead of saying it found no warning signs
    warning_words: tuple[str, ...] = ()


def _read(name: str) -> dict[str, Any]:
    return load_yaml((RULES_DIR / name).read_text(encoding="utf-8"))


def _slot(words: Iterable[str]) -> frozenset[str]:
    return frozenset(stem(w) for w in words if w)


def _phrase_slots(text: str) -> tuple[frozenset[str], ...]:
    slots = []
    for part in text.split("+"):
        words = [w for alt in part.split("|") for w in _TOKEN.findall(_APOSTROPHES.sub("", alt.lower()))]
        if words:
            slots.append(_slot(words))
    return tuple(slots)


def _kb_items() -> list[Any]:
    """The knowledge base's items, or none when the base cannot load (triage must still work)."""
    try:
        from mbcnav.knowledge.loader import load_knowledge_base

        return list(load_knowledge_base().items)
    except Exception:  # the knowledge base is optional here; the built-in lexicon always works
        return []


def _real_words(listed: Iterable[str], items: Iterable[Any]) -> frozenset[str]:
    """Words known to be spelled right: the Dale-Chall easy words shipped with textstat, triage.yaml
    `real_words`, and the words of the knowledge base's titles and texts (edited prose). The fuzzy
    matcher only corrects words outside this set, so a real word is read as itself."""
    words = {w.lower() for w in listed}
    try:
        easy = importlib.resources.files("textstat").joinpath("resources/en/easy_words.txt")
        words.update(easy.read_text(encoding="utf-8").split())
    except (OSError, ModuleNotFoundError):  # the list only narrows correction; triage works without it
        pass
    for item in items:
        for text in (item.title, item.public, item.clinician):
            # not the one- and two-letter abbreviations of citations ("Br J Cancer"): as a stem they made a
            # misspelling real ("brest" = br + est); everyday short words are in the easy-word list above
            words.update(w for w in _TOKEN.findall(_APOSTROPHES.sub("", text.lower())) if len(w) > 2)
    return frozenset(w for w in words if w.isalpha())


@functools.cache
def _dictionary_words() -> frozenset[str]:
    """English words from pyspellchecker's word-frequency list (built from subtitles, so it holds the
    everyday words patients write: "teary", "slight", "spit"), kept when counted at least
    `real_word_min_count` times. The list's floor count (50) also holds common misspellings ("brest",
    "seizer"), which the spelling fixer must still mend, so the floor is set above it (measured, see
    triage.yaml). Loaded on the first word the small lists do not know; offline (a packaged file)."""
    try:
        raw = importlib.resources.files("spellchecker").joinpath("resources/en.json.gz").read_bytes()
        counts: dict[str, int] = json.loads(gzip.decompress(raw))
    except (OSError, ModuleNotFoundError, ValueError):  # without the list, correction is only wider
        return frozenset()
    floor = lexicon().real_word_min_count
    return frozenset(word for word, count in counts.items() if count >= floor and word.isalpha())


def is_real_word(token: str) -> bool:
    """Whether a lower-case word is a real word (spelled right) by triage's word lists and the English
    dictionary: the Q&A spelling fixer asks this too, so both leave "hooked", "spain" or "actually" as
    they are (read as "pain" or "annually", they sent travel and caring questions to symptom pages). A
    real word misused ("clinical trails") is met by the Q&A's synonym map instead."""
    return _is_real(token, lexicon().real_words)


def _is_real(token: str, real: frozenset[str], dictionary: bool = True) -> bool:
    """True when the token, or the token without a common ending, is a real word ("scared" = scare +
    d, "hooked" = hook + ed, "doing" = do + ing, "stopped" = stop + ped), or when the English
    dictionary knows the token as written ("teary" is not "tarry")."""
    if token in real:
        return True
    if dictionary and token in _dictionary_words():
        return True
    for ending, restore in _INFLECTIONS:
        if len(token) > len(ending) + 1 and token.endswith(ending):
            base = token[: -len(ending)] + restore
            # a doubled last letter after a short stem ("stopped", "hopping"; not "vomitting")
            if base in real or (3 <= len(base) <= 5 and base[-1] == base[-2] and base[:-1] in real):
                return True
    return False


#: endings removed (and what replaces them) when looking a word up in the real-word list
_INFLECTIONS = (
    ("ies", "y"),
    ("ied", "y"),
    ("ier", "y"),
    ("iest", "y"),
    ("ily", "y"),
    ("ing", ""),
    ("ing", "e"),
    ("ed", ""),
    ("d", ""),
    ("es", ""),
    ("s", ""),
    ("er", ""),
    ("r", ""),
    ("est", ""),
    ("st", ""),
    ("ly", ""),
    ("ness", ""),
)


@functools.cache
def lexicon() -> _Lexicon:
    """Compile the triage lexicon, red-flag rules and KB symptom phrasings once per process."""
    lex = _read("triage.yaml")
    flags = _read("red_flags.yaml")
    neg = lex["negation"]
    stop = {w.lower() for w in lex["stopwords"]}
    default_window = int(lex["window"])
    phrases: list[_Phrase] = []
    concepts: dict[str, dict[str, Any]] = {}
    names_spread: set[str] = set()
    raw_words: set[str] = set()
    for cid, spec in lex["concepts"].items():
        concepts[cid] = {"label": spec["label"], "sites": tuple(spec.get("sites", ()))}
        if spec.get("names_spread"):
            names_spread.add(cid)
        for entry in spec["phrases"]:
            options = entry if isinstance(entry, dict) else {"words": entry}
            text = options["words"]
            unless = _slot(options.get("unless", "").split("|"))
            slots = _phrase_slots(text)
            raw_words.update(w for part in text.replace("+", "|").split("|") for w in _TOKEN.findall(part))
            ordered, gap = bool(options.get("ordered")), int(options.get("gap", 3))
            window = gap * (len(slots) - 1) if ordered else max(default_window, len(slots) + 2)
            before = _slot(options.get("unless_before", "").split("|"))
            reach = int(options.get("before_reach", 2)) if before else 0
            phrases.append(_Phrase(cid, slots, window, unless, ordered, gap, before, reach))
    drug_words: set[str] = set()
    if lex.get("drug_names"):
        drug_phrases, drug_words = _drug_name_phrases(lex["drug_names"], lex["drug_groups"], default_window)
        phrases.extend(drug_phrases)
        # long names may take misspellings ("epirubicine"); short ones must not ("carbs" is not "carbo")
        raw_words.update(w for w in drug_words if len(w) >= 7 and w.isalpha())
    rules = [
        _Rule(
            r["code"],
            r["urgency"],
            tuple(frozenset(group) for group in r["when"]),
            tuple(frozenset(group) for group in r.get("unless", ())),
            str(r.get("variant", "")),
            bool(r.get("variant_fallback", False)),
        )
        for r in flags["rules"]
    ]
    kb_sources: dict[str, tuple[str, ...]] = {}
    kb_whole = frozenset(lex.get("kb_whole_phrasing", ()))
    lab_words, lab_specs, lab_pattern, lab_keep, lab_alone = _compile_text_labs(lex["text_labs"])
    lab_word_tokens = frozenset(w for phrase in lab_words for w in phrase.split())
    kb_items = _kb_items()
    for item in (i for i in kb_items if i.kind == "symptom"):
        cid = f"kb:{item.id}"
        concepts[cid] = {"label": item.title.lower(), "sites": tuple(item.sites)}
        kb_sources[cid] = tuple(item.sources)
        for phrasing in item.phrasings:
            all_words = _TOKEN.findall(_APOSTROPHES.sub("", phrasing.lower()))
            if _DIGIT.search(phrasing) and not lab_word_tokens.isdisjoint(all_words):
                continue  # "temperature of 38": the number is read as a lab value, by the lab thresholds
            words = [w for w in all_words if w not in _KB_STOP]
            if len(words) == 1 and words[0] in kb_whole:
                words = all_words  # "had a fit", not "fit"
            if not words:
                continue
            raw_words.update(words)
            slots = tuple(_slot([w]) for w in dict.fromkeys(words))
            phrases.append(_Phrase(cid, slots, len(slots) + 3))
        if item.red_flag and item.red_flag in flags["codes"] and item.level != "routine":
            unless_groups = tuple(frozenset(g) for g in (flags.get("kb_unless") or {}).get(cid, ()))
            needs = (flags.get("kb_needs") or {}).get(cid)
            if needs:
                # the item's level only with one of its `with` signs; `otherwise` without (red_flags.yaml)
                with_groups = tuple(frozenset({cid, *g}) for g in needs["with"])
                rules.append(_Rule(item.red_flag, item.level, with_groups, unless_groups))
                rules.append(
                    _Rule(
                        item.red_flag,
                        needs["otherwise"],
                        (frozenset({cid}),),
                        unless_groups,
                        needs["variant"],
                    )
                )
                continue
            rules.append(_Rule(item.red_flag, item.level, (frozenset({cid}),), unless_groups))
    for cid in {c for r in rules for g in (*r.when, *r.unless) for c in g}:
        if cid not in concepts:
            raise ValueError(f"red_flags.yaml uses unknown concept '{cid}'")
    not_symptoms = frozenset(lex.get("not_symptoms", ())) | frozenset(lex.get("drug_names") or ())
    if not not_symptoms <= concepts.keys():
        raise ValueError(
            f"triage.yaml not_symptoms names unknown concepts: {sorted(not_symptoms - concepts.keys())}"
        )
    index: dict[str, list[tuple[int, int]]] = {}
    for p_idx, phrase in enumerate(phrases):
        for s_idx, slot in enumerate(phrase.slots):
            for word in slot:
                index.setdefault(word, []).append((p_idx, s_idx))
    rules_by_concept: dict[str, list[tuple[int, frozenset[str]]]] = {}
    for r_idx, rule in enumerate(rules):
        for group in rule.when:
            for cid in group:
                rules_by_concept.setdefault(cid, []).append((r_idx, group))
    spelling = {k.lower(): v.lower() for k, v in lex["spelling"].items()}
    inability, resolved, denials = neg["inability"], neg["resolved"], neg.get("denials") or {}
    rewrites: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    for source, target in lex.get("rewrites", {}).items():
        seq = tuple(source.lower().split())
        rewrites.setdefault(seq[0], []).append((seq, tuple(target.lower().split())))
    known = frozenset(
        stop
        | raw_words
        | drug_words
        | set(neg["cues"])
        | set(neg["scope_breaks"])
        | set(spelling.values())
        | {w for _, target in (r for group in rewrites.values() for r in group) for w in target}
        | {w for key in ("cues", "fillers", "hedges", "hedge_objects") for w in inability[key]}
        | {w for key in ("cues", "fillers", "trailing", "symptoms") for w in resolved[key]}
        | {
            w
            for key in ("cue_pairs", "relapse", "not_before", "pronouns")
            for words in resolved.get(key, ())
            for w in words.split()
        }
    )
    code_order: dict[str, float] = {code: n for n, code in enumerate(flags["codes"])}
    for code, other in (flags.get("display_before") or {}).items():
        if code not in code_order or other not in code_order:
            raise ValueError(f"red_flags.yaml display_before names an unknown code: {code} or {other}")
        code_order[code] = code_order[other] - 0.5
    return _Lexicon(
        phrases=phrases,
        index=index,
        concepts=concepts,
        rules=rules,
        codes=flags["codes"],
        code_order=code_order,
        advice=flags["advice"],
        spelling=spelling,
        known=known,
        vocab=tuple(sorted(raw_words)),
        vocab_by_initial=_by_initial(sorted(raw_words)),
        real_words=_real_words(lex.get("real_words", ()), kb_items),
        real_word_min_count=int(lex["real_word_min_count"]),
        cues=frozenset(neg["cues"]),
        scope_breaks=frozenset(neg["scope_breaks"]),
        clause_breaks=frozenset(neg["clause_breaks"]),
        scope_end_verbs=frozenset(neg.get("scope_end_verbs", ())),
        scope_words=int(neg["scope_words"]),
        fuzzy_cutoff=float(lex["fuzzy_cutoff"]),
        fuzzy_min_length=int(lex["fuzzy_min_length"]),
        labs=lex["labs"],
        drug_groups={k: frozenset(v) for k, v in lex["drug_groups"].items()},
        site_sources=tuple(lex["site_sources"]),
        kb_sources=kb_sources,
        names_spread=frozenset(names_spread),
        rules_by_concept=rules_by_concept,
        fever_rules=tuple(
            _Rule(r["code"], r["urgency"], tuple(frozenset(group) for group in r["when"]))
            for r in flags.get("measured_fever_rules") or ()
        ),
        lab_values={name: float(spec["value"]) for name, spec in lex["labs"].items()},
        inability_cues=frozenset(inability["cues"]),
        inability_fillers=frozenset(inability["fillers"]),
        inability_hedges=frozenset(inability["hedges"]),
        inability_hedge_objects=frozenset(inability["hedge_objects"]),
        resolved_cues=frozenset(resolved["cues"]),
        resolved_fillers=frozenset(resolved["fillers"]),
        resolved_trailing=frozenset(resolved["trailing"]),
        resolved_symptoms=_slot(resolved["symptoms"]),
        resolved_pairs=frozenset(tuple(p.split()) for p in resolved.get("cue_pairs", ())),
        resolved_relapse=frozenset(w for w in resolved.get("relapse", ()) if " " not in w),
        resolved_relapse_pairs=frozenset(tuple(w.split()) for w in resolved.get("relapse", ()) if " " in w),
        resolved_not_before=frozenset(resolved.get("not_before", ())),
        resolved_pronouns=frozenset(resolved.get("pronouns", ())),
        resolved_pronoun_reach=int(resolved.get("pronoun_reach", 0)),
        denial_subjects=frozenset(denials.get("subjects", ())),
        denial_verbs=frozenset(denials.get("verbs", ())),
        denial_fillers=frozenset(denials.get("fillers", ())),
        denial_objects=frozenset(denials.get("objects", ())),
        fine_subjects=frozenset(denials.get("fine", {}).get("subjects", ())),
        fine_links=frozenset(denials.get("fine", {}).get("links", ())),
        fine_words=frozenset(denials.get("fine", {}).get("words", ())),
        rewrites={first: tuple(sorted(group, key=lambda r: -len(r[0]))) for first, group in rewrites.items()},
        lab_words=lab_words,
        lab_specs=lab_specs,
        lab_pattern=lab_pattern,
        lab_keep_words=lab_keep,
        lab_unit_alone=lab_alone,
        lab_unit_near=_compile_unit_near(lex["text_labs"]),
        # concepts of an absent knowledge base are skipped: triage works without it
        routine_support={c: v for c, v in (flags.get("routine_support") or {}).items() if c in concepts},
        sepsis_companions=frozenset(c for c in lex.get("sepsis_companions", ()) if c in concepts),
        leptomeningeal_signs=frozenset(c for c in lex.get("leptomeningeal_signs", ()) if c in concepts),
        liver_failure_signs=frozenset(c for c in lex.get("liver_failure_signs", ()) if c in concepts),
        question_pattern=_question_pattern(lex.get("term_questions", {}).get("cues", ())),
        term_concepts=frozenset(lex.get("term_questions", {}).get("concepts", ())),
        not_symptoms=not_symptoms,
        warning_words=_warning_words(lex.get("warning_words", ()), concepts),
    )


def _warning_words(listed: Iterable[str], concepts: dict[str, dict[str, Any]]) -> tuple[str, ...]:
    """triage.yaml `warning_words`, checked against the concepts (a typo must not silently drop one)."""
    words = tuple(listed)
    unknown = [c for c in words if c not in concepts]
    if unknown:
        raise ValueError(f"triage.yaml warning_words names unknown concepts: {unknown}")
    return words


def _question_pattern(cues: Iterable[str]) -> re.Pattern[str] | None:
    words = sorted((" ".join(c.lower().split()) for c in cues), key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words) + r")\b")


def _drug_name_phrases(
    spec: dict[str, Any], groups: dict[str, list[str]], default_window: int
) -> tuple[list[_Phrase], set[str]]:
    """triage.yaml `drug_names`: a concept is also read from every name the project knows for the drugs
    of a group (mbcnav.drugnames: generics, brands, aliases; "Abraxane", "T-DM1", "carbo") and from
    regimen letters ("FEC", "had EC"), so a message that names a drug in any form counts as naming the
    treatment; a hand-made word list always lags behind the drug names the knowledge base holds."""
    phrases: list[_Phrase] = []
    words: set[str] = set()
    for cid, entry in spec.items():
        generics = {g for group in entry["groups"] for g in groups[group]}
        skip = {w.lower() for w in entry.get("skip", ())}
        try:
            from mbcnav.drugnames import name_index

            names = [name for name, generic in name_index().items() if generic in generics]
        except Exception:  # the knowledge base is optional here; the generics and regimens still count
            names = []
        singles: set[str] = set()
        for name in {*names, *generics}:
            tokens = _TOKEN.findall(_APOSTROPHES.sub("", name.lower()))
            if "(" in name or not tokens or name in skip:
                continue  # "paclitaxel (taxol)": both names are listed on their own too
            words.update(tokens)
            if len(tokens) > 1:
                phrases.append(
                    _Phrase(cid, tuple(_slot([t]) for t in tokens), len(tokens) - 1, ordered=True, gap=1)
                )
            elif tokens[0] not in skip and len(tokens[0]) >= 3 and not tokens[0].isdigit():
                singles.add(tokens[0])
        if singles:
            phrases.append(_Phrase(cid, (_slot(singles),), default_window))
        for regimen in entry.get("regimens", ()):
            options = regimen if isinstance(regimen, dict) else {"words": regimen}
            slots = _phrase_slots(options["words"])
            words.update(
                w for part in options["words"].replace("+", "|").split("|") for w in _TOKEN.findall(part)
            )
            unless = _slot(options.get("unless", "").split("|"))
            phrases.append(_Phrase(cid, slots, max(default_window, len(slots) + 2), unless))
    return phrases, words


def _compile_unit_near(spec: dict[str, Any]) -> dict[str, _UnitNear]:
    """triage.yaml `unit_alone_near_word`: a number with a unit that names its field only together
    with one of the field's words somewhere in the text ("mmol" is also calcium's unit)."""
    out: dict[str, _UnitNear] = {}
    for name, field_spec in spec["fields"].items():
        units = {k.lower(): v for k, v in (field_spec.get("unit_alone_near_word") or {}).items()}
        if not units:
            continue
        for unit in units.values():  # a unit units.yaml does not take for this field fails here
            if unit != "bare":  # "bare": no unit written, the field's `bare` rules read the number
                convert_value(f"labs.{name}", 1.0, unit)
        alternatives = "|".join(
            re.escape(u).replace("/", r"\s*/\s*") for u in sorted(units, key=len, reverse=True)
        )
        number = re.compile(rf"(?<![\d.,])(?P<num>\d+(?:[.,]\d+)?)\s*(?P<unit>{alternatives})(?![a-z/])")
        words = "|".join(
            re.escape(" ".join(w.lower().split())).replace(r"\ ", r"\s+") for w in field_spec["words"]
        )
        out[name] = (number, re.compile(rf"\b(?:{words})\b"), units)
    return out


def _compile_text_labs(
    spec: dict[str, Any],
) -> tuple[dict[str, tuple[str, bool]], dict[str, _TextLab], re.Pattern[str], frozenset[str], frozenset[str]]:
    """triage.yaml `text_labs` -> (word -> (field, corrected), field specs, pattern, words kept in the
    text, fields read from a number with a unit alone)."""
    words: dict[str, tuple[str, bool]] = {}
    specs: dict[str, _TextLab] = {}
    keep: set[str] = set()
    alone: set[str] = set()
    for name, field_spec in spec["fields"].items():
        for word in field_spec["words"]:
            words[" ".join(word.lower().split())] = (name, False)
        for word in field_spec.get("corrected_words", ()):
            words[" ".join(word.lower().split())] = (name, True)
        keep.update(w.lower() for w in field_spec.get("keep_words", ()))
        if field_spec.get("unit_alone"):
            alone.add(name)
        low, high = field_spec["range"]
        for rule in field_spec["bare"]:  # a unit units.yaml does not take for this field fails here
            convert_value(f"labs.{name}", 1.0, rule["unit"])
        specs[name] = _TextLab(
            field=name,
            bare=tuple(
                (rule.get("below"), rule.get("at_least"), bool(rule.get("fraction")), rule["unit"])
                for rule in field_spec["bare"]
            ),
            low=float(low),
            high=float(high),
            pick=field_spec["pick"],
            not_after=tuple(str(n) for n in field_spec.get("not_after", ())),
            percent_reach=int(field_spec.get("percent_reach", 0)),
            series=_series_pattern(field_spec),
        )
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
    joiners = "|".join(re.escape(j) for j in spec["joiners"])
    pattern = re.compile(
        rf"\b(?P<word>{alternatives})\b(?P<join>(?:\s*[:=~-]|\s+(?:{joiners})\b){{0,4}})\s*"
        + _LAB_NUMBER
        + _LAB_UNIT
    )
    return words, specs, pattern, frozenset(keep), frozenset(alone)


def _series_pattern(field_spec: dict[str, Any]) -> re.Pattern[str] | None:
    """triage.yaml `series_joiners`: the next reading of a run ("37.9 and then 38.0", "37.2, 38.1 now"),
    to be matched right where the previous reading ends; a number followed by a `series_not_before` word
    is a time, a dose or a count, not a reading."""
    joiners = field_spec.get("series_joiners")
    if not joiners:
        return None
    words = "|".join(re.escape(w) for w in sorted(joiners, key=len, reverse=True))
    not_before = "|".join(re.escape(w) for w in field_spec.get("series_not_before", ()))
    sep = rf"(?:\s*(?:,|;|->|→|=)\s*|\s*\b(?:{words})\b\s*)"
    tail = rf"(?!\s*(?:{not_before})\b)" if not_before else ""
    return re.compile(
        rf"{sep}{{1,{int(field_spec.get('series_words', 4))}}}" + _LAB_NUMBER + _LAB_UNIT + tail
    )


def _by_initial(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for word in words:
        grouped.setdefault(word[0], []).append(word)
    return {initial: tuple(group) for initial, group in grouped.items()}


@functools.lru_cache(maxsize=8192)
def _correct(token: str) -> str:
    """Spelling map, then a fuzzy match to a lexicon word with the same first letter."""
    lex = lexicon()
    if token in lex.spelling:
        return lex.spelling[token]
    if token in lex.known or len(token) < lex.fuzzy_min_length or not token.isalpha():
        return token
    if _is_real(token, lex.real_words):
        return token
    size = len(token)
    choices = [w for w in lex.vocab_by_initial.get(token[0], ()) if abs(len(w) - size) <= 3]
    best = process.extractOne(token, choices, scorer=fuzz.ratio, score_cutoff=lex.fuzzy_cutoff)
    return best[0] if best else token


# --------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------


@dataclass
class _Found:
    present: dict[str, str] = field(default_factory=dict)  # concept -> words that matched
    negated: dict[str, str] = field(default_factory=dict)


def _clauses(text: str) -> list[list[str]]:
    lex = lexicon()
    out: list[list[str]] = []
    low = _SCORE_OF_TEN.sub(r"\1 out of 10", _APOSTROPHES.sub("", text.lower()))
    for part in _CLAUSE_SPLIT.split(low):
        current: list[str] = []
        tokens = _TOKEN.findall(part)
        if lex.rewrites and not lex.rewrites.keys().isdisjoint(tokens):
            tokens = _rewrite(tokens, lex.rewrites)
        for tok in tokens:
            if tok in lex.clause_breaks:
                if current:
                    out.append(current)
                current = []
            else:
                current.append(tok)
        if current:
            out.append(current)
    return out


def _rewrite(
    tokens: list[str], rewrites: dict[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]]
) -> list[str]:
    """Replace the word sequences of triage.yaml `rewrites` ("not able" -> "cant")."""
    out: list[str] = []
    i, n = 0, len(tokens)
    while i < n:
        for seq, target in rewrites.get(tokens[i], ()):
            if tuple(tokens[i : i + len(seq)]) == seq:
                out.extend(target)
                i += len(seq)
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _states_inability(tokens: list[str], i: int) -> bool:
    """True when the "can't" at i states a symptom ("can't feel my legs"), False when it hedges a
    report ("can't say I had", "can't see any blood") and so negates what follows."""
    lex = lexicon()
    j, n = i + 1, len(tokens)
    while j < n and tokens[j] in lex.inability_fillers:
        j += 1
    if j >= n:
        return True
    if tokens[j] in lex.inability_hedges:
        return False
    return not (j + 1 < n and tokens[j + 1] in lex.inability_hedge_objects)


def _governors(tokens: list[str]) -> tuple[list[int], frozenset[int]]:
    """For each token, the position of the negation cue that governs it (-1 if none); and the cues
    that negate even the phrases they belong to ("can't feel any pain", "fever gone")."""
    lex = lexicon()
    gov: list[int] = []
    hard: set[int] = set()
    cue, left = -1, 0
    for i, tok in enumerate(tokens):
        if tok in lex.inability_cues and _states_inability(tokens, i):
            # "can't walk", "can't feel my legs": a symptom, and the end of an earlier negation's reach
            cue, left = -1, 0
            gov.append(-1)
        elif tok in lex.cues:
            cue, left = i, lex.scope_words
            gov.append(i)
            if tok in lex.inability_cues:
                hard.add(i)
        elif tok in lex.scope_breaks:
            cue, left = -1, 0
            gov.append(-1)
        else:
            gov.append(cue if left > 0 else -1)
            left -= 1
            if tok in lex.scope_end_verbs:
                # "bleeding that won't stop and tiny purple spots": the cue negates its verb, not what
                # comes after it
                cue, left = -1, 0
    return gov, frozenset(hard)


#: the governor of a word that a later statement says has resolved ("fever gone now")
_RESOLVED = -2


def _resolved_marks(clauses: list[list[str]]) -> dict[int, set[int]]:
    """(clause, position) of the symptom words that the text says have gone: "fever gone now", "my back
    pain has gone completely since the radiotherapy", "I had a fever but it has settled down now".

    Read across the whole text, since "it" may point back over a clause break; a cue counts only when
    nothing after it says the symptom is back or worse, and the word after it does not say the symptom
    rose or moved ("gone up", "gone to my hip")."""
    lex = lexicon()
    flat = [(ci, ti, _correct(tok)) for ci, clause in enumerate(clauses) for ti, tok in enumerate(clause)]
    words = [w for _, _, w in flat]
    n = len(words)
    marks: dict[int, set[int]] = {}
    for k, word in enumerate(words):
        pair = (word, words[k + 1]) if k + 1 < n else None
        if word in lex.resolved_cues:
            after = k + 1
        elif pair in lex.resolved_pairs:
            after = k + 2
        else:
            continue
        if after < n and words[after] in lex.resolved_not_before and pair not in lex.resolved_pairs:
            continue
        rest = words[after:]
        if not lex.resolved_relapse.isdisjoint(rest) or any(
            p in lex.resolved_relapse_pairs for p in itertools.pairwise(rest)
        ):
            continue
        j = k - 1
        while j >= 0 and words[j] in lex.resolved_fillers:
            j -= 1
        if j < 0:
            continue
        if words[j] in lex.resolved_pronouns:
            j = next(
                (
                    i
                    for i in range(j - 1, max(-1, j - 1 - lex.resolved_pronoun_reach), -1)
                    if stem(words[i]) in lex.resolved_symptoms
                ),
                -1,
            )
        if j >= 0 and stem(words[j]) in lex.resolved_symptoms:
            marks.setdefault(flat[j][0], set()).add(flat[j][1])
    return marks


def _best_positions(slots_hit: dict[int, list[int]], nslots: int, window: int) -> list[tuple[int, ...]]:
    """Every assignment of distinct positions to the slots that fits inside the window."""
    combos: list[tuple[int, ...]] = [()]
    for s in range(nslots):
        combos = [(*c, p) for c in combos for p in slots_hit[s] if p not in c]
        if len(combos) > 64:
            combos = combos[:64]
    return [c for c in combos if max(c) - min(c) <= window]


def _match_tokens(raw: list[str], found: _Found, resolved: Iterable[int] = ()) -> None:
    lex = lexicon()
    words = [_correct(t) for t in raw]
    stems = [stem(w) for w in words]
    gov, hard = _governors(words)
    for j in resolved:
        gov[j] = _RESOLVED
    hits: dict[int, dict[int, list[int]]] = {}
    for pos, st in enumerate(stems):
        for p_idx, s_idx in lex.index.get(st, ()):
            hits.setdefault(p_idx, {}).setdefault(s_idx, []).append(pos)
    for p_idx, slots_hit in hits.items():
        phrase = lex.phrases[p_idx]
        if len(slots_hit) < len(phrase.slots):
            continue
        combos = _best_positions(slots_hit, len(phrase.slots), phrase.window)
        if combos and phrase.ordered:
            combos = [c for c in combos if all(0 < b - a <= phrase.gap for a, b in itertools.pairwise(c))]
        if combos and phrase.unless:
            combos = [c for c in combos if phrase.unless.isdisjoint(_near(stems, c))]
        if combos and phrase.unless_before:
            reach = phrase.before_reach
            combos = [
                c for c in combos if phrase.unless_before.isdisjoint(stems[max(0, min(c) - reach) : min(c)])
            ]
        if not combos:
            continue
        concept = phrase.concept
        for combo in combos:
            own = set(combo)
            negated = any(gov[j] != -1 and (gov[j] not in own or gov[j] in hard) for j in combo)
            matched = " ".join(words[j] for j in sorted(combo))
            if not negated:
                found.present.setdefault(concept, matched)
                break
        else:
            found.negated.setdefault(concept, " ".join(words[j] for j in sorted(combos[0])))


def _near(stems: list[str], combo: tuple[int, ...]) -> list[str]:
    """The words of a match and up to UNLESS_REACH words either side (where `unless` words count)."""
    return stems[max(0, min(combo) - UNLESS_REACH) : max(combo) + UNLESS_REACH + 1]


#: lab values read from text: (field, value) pairs; "corrected_calcium_mg_dl" for a calcium the
#: text calls corrected
_TextLabValues = tuple[tuple[str, float], ...]
_CORRECTED_CALCIUM = "corrected_calcium_mg_dl"


@functools.lru_cache(maxsize=4096)
def _lab_value(name: str, number: str, unit: str | None) -> float | None:
    """The number in the field's unit, or None (unit the field does not take, or out of range)."""
    spec = lexicon().lab_specs[name]
    value = float(number.replace(",", "."))
    if unit is not None:
        unit = _UNIT_SPELLING.sub("deg", unit.lower().replace("º", "°"))
        unit = re.sub(r"\s+", "", unit).replace("µ", "u").replace("μ", "u").replace("×", "x")
        if unit[:1] in ("x", "*") and unit[1:3] == "10":
            unit = unit[1:]
        unit = unit.replace("**", "^").replace("*", "^").replace("10e", "10^")
        if unit in ("°", "deg"):
            unit = None  # "38.5 degrees": the value decides, as with no unit
    if unit is None:
        fraction = "." in number or "," in number
        for below, at_least, needs_fraction, bare_unit in spec.bare:
            if below is not None and value >= below:
                continue
            if at_least is not None and value < at_least:
                continue
            if needs_fraction and not fraction:
                continue
            unit = bare_unit
            break
    try:
        value, _, _ = convert_value(f"labs.{spec.field}", value, unit)
    except UnitError:
        if unit is None or len(unit) > 1:
            return None
        # a lone letter that is not this field's unit ("calcium 13 c/o thirst"): read as no unit
        return _lab_value(name, number, None)
    return value if spec.low <= value <= spec.high else None


def unused_text_labs(text: str) -> tuple[str, ...]:
    """Lab values written in the text that triage could not use (out of range, or a unit that is not
    clear: "temp 45", "calcium 4.5", which may be mmol/L), each with why, so the result says so instead of
    dropping them without a word; the lab options refuse the same values."""
    lex = lexicon()
    if lex.lab_pattern is None or not _DIGIT.search(text):
        return ()
    low = _drop_not_patient(text).lower()
    out: list[str] = []
    for m in lex.lab_pattern.finditer(low):
        name, _ = lex.lab_words[" ".join(m.group("word").split())]
        spec = lex.lab_specs[name]
        if spec.not_after and any(low.startswith(n, m.start("num")) for n in spec.not_after):
            continue
        if _lab_value(name, m.group("num"), m.group("unit")) is None:
            hint = other_unit_hint(spec.field, float(m.group("num").replace(",", ".")))
            why = hint or "out of range, or the unit is unclear; give it as a lab with its unit"
            out.append(f"'{m.group().strip()}' not used ({why})")
    return tuple(out)


def _pick(spec: _TextLab, old: float | None, new: float) -> float:
    if old is None:
        return new
    return max(old, new) if spec.pick == "max" else min(old, new) if spec.pick == "min" else old


def _read_labs(text: str) -> tuple[str, _TextLabValues]:
    """Lab values written next to their lab words, and the text without them (so "temperature 38.4"
    is a temperature, not the word "temperature")."""
    lex = lexicon()
    low = text.lower()
    values: dict[str, float] = {}
    cut: list[tuple[int, int]] = []
    assert lex.lab_pattern is not None
    for m in lex.lab_pattern.finditer(low):
        name, corrected = lex.lab_words[" ".join(m.group("word").split())]
        spec = lex.lab_specs[name]
        start = m.start("num")
        if spec.not_after and any(low.startswith(n, start) for n in spec.not_after):
            continue  # "CA 15-3" is a tumour marker
        value = _lab_value(name, m.group("num"), m.group("unit"))
        if value is None:
            continue
        key = _CORRECTED_CALCIUM if corrected else name
        values[key] = _pick(spec, values.get(key), value)
        keep = m.group("word") in lex.lab_keep_words
        end = m.end()
        while spec.series is not None:
            # "temp 37.9 and then 38.0 an hour apart": the later readings count too (pick: the highest)
            nxt = spec.series.match(low, end)
            later = _lab_value(name, nxt.group("num"), nxt.group("unit")) if nxt else None
            if nxt is None or later is None:
                break
            values[key] = _pick(spec, values.get(key), later)
            end = nxt.end()
        cut.append((m.start("join") if keep else m.start(), end))
    for name, spec in lex.lab_specs.items():
        if spec.percent_reach and name not in values:
            _read_percent(low, name, spec, values, cut)
    for name in lex.lab_unit_alone:
        spec = lex.lab_specs[name]
        for m in _TEMP_UNIT_ALONE.finditer(low):
            if any(a <= m.start() < b for a, b in cut):
                continue
            value = _lab_value(name, m.group("num"), m.group("unit"))
            if value is not None:
                values[name] = _pick(spec, values.get(name), value)
                cut.append(m.span())
    for name, (number, word, units) in lex.lab_unit_near.items():
        if not word.search(low):
            continue
        spec = lex.lab_specs[name]
        for m in number.finditer(low):
            if any(a <= m.start() < b for a, b in cut):
                continue
            unit = units[re.sub(r"\s+", "", m.group("unit"))]
            value = _lab_value(name, m.group("num"), None if unit == "bare" else unit)
            if value is not None:
                values[name] = _pick(spec, values.get(name), value)
                cut.append(m.span())
    if not cut:
        return text, ()
    pieces, last = [], 0
    for a, b in sorted(cut):
        pieces.append(text[last:a])
        pieces.append(" , ")
        last = max(last, b)
    pieces.append(text[last:])
    return "".join(pieces), tuple(values.items())


def _read_percent(
    low: str, name: str, spec: _TextLab, values: dict[str, float], cut: list[tuple[int, int]]
) -> None:
    """ "my sats on the finger thing are 86%": people put words between the lab word and its number;
    a number with "%" in the same sentence, shortly after the word, is that lab (text_labs
    `percent_reach`)."""
    lex = lexicon()
    for word, (field_name, _) in lex.lab_words.items():
        if field_name != name:
            continue
        spaced = re.escape(word).replace(r"\ ", r"\s+")
        reach = spec.percent_reach
        pattern = rf"\b{spaced}\b[^.!?;\d]{{0,{reach}}}?(?P<num>\d+(?:[.,]\d+)?)\s*%"
        for m in re.finditer(pattern, low):
            if any(a <= m.start("num") < b for a, b in cut):
                continue
            value = _lab_value(name, m.group("num"), None)
            if value is not None:
                values[name] = _pick(spec, values.get(name), value)
                cut.append(m.span("num"))


_SENTENCE_PART = re.compile(r"(?:[^.,;!?\n]|(?<=\d)[.,](?=\d))+")


@functools.cache
def _not_patient_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]] | None:
    """triage.yaml `not_the_patient`, compiled: (someone else's span, past marker, present marker)."""
    spec = _read("triage.yaml").get("not_the_patient")
    if not spec:
        return None

    def words(key: str) -> str:
        return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(spec[key], key=len, reverse=True))

    # after a verb of carrying ("picked up my grandson and heard a crack"), the other person is what was
    # lifted, not who has the symptom: nothing is dropped (`carried`; one fixed-width look-behind a verb)
    carried = "".join(rf"(?<!\b{re.escape(w)}\s)" for w in spec.get("carried", ()))
    other = re.compile(
        rf"{carried}\b(?:{words('owners')})\s+(?:{words('others')})\b.*?(?=\b(?:{words('first_person')})\b|$)"
    )
    # `past_patterns` are regular expressions ("in 2019"), the other lists plain words
    past = "|".join([words("past"), *spec.get("past_patterns", ())])
    return other, re.compile(rf"\b(?:{past})\b"), re.compile(rf"\b(?:{words('present')})\b")


@functools.cache
def _past_fever_patterns() -> tuple[re.Pattern[str], ...] | None:
    """triage.yaml `not_the_patient.fever_past`, compiled: (temperature words, distant, recent, resolved)."""
    spec = (_read("triage.yaml").get("not_the_patient") or {}).get("fever_past")
    if not spec:
        return None
    return tuple(re.compile("|".join(spec[key])) for key in ("words", "distant", "recent", "resolved"))


def _drop_past_fever(
    low: str, keep: list[str], present: re.Pattern[str], not_present: re.Pattern[str] | None
) -> None:
    """Blank, in `keep`, a temperature the text puts in the past and says nothing of now (`fever_past`):
    "38.5 back in March when I had covid, long gone" is no fever today, so it must not call for
    antibiotics within the hour; "since March", "again today" or a fever of days ago keep their reading."""
    patterns = _past_fever_patterns()
    if patterns is None:
        return
    words, distant, recent, resolved = patterns
    over = bool(resolved.search(low))
    for part in _SENTENCE_PART.finditer(low):
        chunk = part.group()
        if not words.search(chunk) or not (distant.search(chunk) or (over and recent.search(chunk))):
            continue
        plain = resolved.sub(" ", not_present.sub(" ", chunk) if not_present else chunk)
        if not present.search(plain):
            keep[part.start() : part.end()] = " " * (part.end() - part.start())


@functools.cache
def _present_not_pattern() -> re.Pattern[str] | None:
    """triage.yaml `not_the_patient.present_not`: "nothing since" says the past event has not come back."""
    spec = _read("triage.yaml").get("not_the_patient") or {}
    forms = spec.get("present_not") or ()
    return re.compile("|".join(forms)) if forms else None


@functools.cache
def _relative_diagnosis_patterns() -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    """triage.yaml `not_the_patient` relatives, compiled: (a relative's diagnosis span, a question)."""
    spec = _read("triage.yaml").get("not_the_patient") or {}
    if not spec.get("relatives"):
        return None

    def words(key: str) -> str:
        return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(spec[key], key=len, reverse=True))

    stop = "|".join(["and", "but", "she", "he", "shes", "hes", "they", *map(re.escape, spec["first_person"])])
    span = re.compile(
        rf"\b(?:{words('owners')})\s+(?:{words('relatives')})\s+{spec['diagnosed_frame']}\b.*?(?=\b(?:{stop})\b|$)"
    )
    return span, re.compile(spec["question"])


def _drop_relative_diagnosis(low: str, keep: list[str], present: re.Pattern[str]) -> None:
    """Blank, in `keep`, a relative's diagnosis that the text only asks about (no present marker)."""
    patterns = _relative_diagnosis_patterns()
    if patterns is None:
        return
    span, question = patterns
    if not question.search(low) or present.search(low):
        return
    for part in _SENTENCE_PART.finditer(low):
        for m in span.finditer(part.group()):
            a, b = part.start() + m.start(), part.start() + m.end()
            keep[a:b] = " " * (b - a)


@functools.cache
def _self_compare_patterns() -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    """triage.yaml `not_the_patient.self_compare`, compiled: (a relative's span, the writer's comparison)."""
    spec = _read("triage.yaml").get("not_the_patient") or {}
    if not spec.get("relatives") or not spec.get("self_compare"):
        return None

    def words(key: str) -> str:
        return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(spec[key], key=len, reverse=True))

    span = re.compile(
        rf"\b(?:{words('owners')})\s+(?:{words('relatives')})\b.*?(?=\b(?:{words('first_person')})\b|$)"
    )
    return span, re.compile("|".join(spec["self_compare"]))


def _drop_relative_compared(low: str, keep: list[str]) -> None:
    """Blank, in `keep`, a relative's event when the writer sets it against themselves ("... and I'm
    scared the same will happen to me"): then the writer is the patient, not the relative."""
    patterns = _self_compare_patterns()
    if patterns is None:
        return
    span, compare = patterns
    if not compare.search(low):
        return
    for part in _SENTENCE_PART.finditer(low):
        for m in span.finditer(part.group()):
            a, b = part.start() + m.start(), part.start() + m.end()
            keep[a:b] = " " * (b - a)


def _drop_not_patient(text: str) -> str:
    """The text without what it says about someone else or the distant past (triage.yaml
    `not_the_patient`): "my cat collapsed" or "my son had a seizure years ago" must not call 911,
    while a carer's "my wife had a seizure" still does."""
    patterns = _not_patient_patterns()
    if patterns is None:
        return text
    other, past, present = patterns
    low = text.lower()  # same length as the text: spans are cut by position
    keep = list(text)
    not_present = _present_not_pattern()
    for part in _SENTENCE_PART.finditer(low):
        chunk = part.group()
        plain = not_present.sub(" ", chunk) if not_present else chunk
        if past.search(chunk) and not present.search(plain):
            keep[part.start() : part.end()] = " " * (part.end() - part.start())
            continue
        for m in other.finditer(chunk):
            a, b = part.start() + m.start(), part.start() + m.end()
            keep[a:b] = " " * (b - a)
    _drop_past_fever(low, keep, present, not_present)
    _drop_relative_diagnosis(_APOSTROPHES.sub(lambda m: " ", low), keep, present)
    _drop_relative_compared(_APOSTROPHES.sub(lambda m: " ", low), keep)
    return "".join(keep)


@functools.lru_cache(maxsize=16384)
def _scan_text(
    text: str,
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...], _TextLabValues]:
    """(present, negated) concepts and lab values of one text; cached because symptom lines repeat a lot."""
    found = _Found()
    labs: _TextLabValues = ()
    text = _drop_not_patient(text)
    if _DIGIT.search(text):
        text, labs = _read_labs(text)
    clauses = _clauses(text)
    lex = lexicon()
    pair_heads = {pair[0] for pair in lex.resolved_pairs}
    cue_words = lex.resolved_cues | pair_heads
    marks = _resolved_marks(clauses) if any(not cue_words.isdisjoint(c) for c in clauses) else {}
    for ci in range(1, len(clauses)):
        if _is_denial(clauses[ci]):
            # "my husband worries about chest pain but I haven't had any": the statement before is denied
            marks.setdefault(ci - 1, set()).update(range(len(clauses[ci - 1])))
    for ci, clause in enumerate(clauses):
        _match_tokens(clause, found, marks.get(ci, ()))
    if labs:
        values, limits = dict(labs), lexicon().lab_values
        temp, glucose = values.get("temp_c"), values.get("glucose_mg_dl")
        spo2 = values.get("spo2_percent")
        if spo2 is not None and spo2 <= limits["spo2_low_percent"]:
            # NEWS2 scores SpO2 <= 91% three points on its own (RCP 2017): judged with the words
            found.present.setdefault("spo2_low", f"SpO2 {spo2:g}%")
        if temp is not None and temp >= limits["fever_c"]:
            found.present.setdefault("fever", f"temperature {temp:.1f} °C")
        elif (
            temp is not None
            and limits["low_temp_c"] <= temp < limits["low_grade_fever_c"]
            and "fever" in found.present
            and "chemo_mention" not in found.present
        ):
            # "felt feverish last night but my temp this morning is 36.9": off chemotherapy a measured
            # normal temperature overrules the word (on chemotherapy the word still counts, NICE CG151)
            words = found.present.pop("fever")
            found.negated.setdefault("fever", f"{words} (temperature {temp:.1f} °C, normal)")
        if glucose is not None and glucose >= limits["glucose_pi3k_mg_dl"]:
            # a sugar this high is a finding in its own right, judged with the other words (vomiting)
            found.present.setdefault("high_sugar", f"glucose {glucose:g} mg/dL")
        elif (
            glucose is not None
            and glucose >= limits["glucose_steroid_mg_dl"]
            and "steroid_mention" in found.present
        ):
            # "sugars running at 15 since starting dexamethasone": on a steroid a sugar above 12 mmol/L
            # already needs action the same day (JBDS-IP)
            found.present.setdefault("high_sugar", f"glucose {glucose:g} mg/dL on a steroid (> 12 mmol/L)")
        elif glucose is not None and "high_sugar" in found.present and not _crisis_signs(found, "high_sugar"):
            # "sugars a bit higher, 9 mmol": the number written is below the same-day threshold, so it
            # overrules the word "higher" (as a count >= 1000 overrules fever words); signs of a sugar
            # crisis (vomiting, confusion) still count with the word, whatever the number
            words = found.present.pop("high_sugar")
            found.negated.setdefault("high_sugar", f"{words} (glucose {glucose:g} mg/dL, below threshold)")
    if (
        "seizure" in found.present
        and "rigors" in found.present
        and not ({"fever", "hot_cold", "chemo_mention", "neutropenia_word"} & found.present.keys())
    ):
        # "she had a seizure, shaking all over": the shaking is the fit, not a rigor of infection
        found.negated.setdefault("rigors", found.present.pop("rigors"))
    return tuple(found.present.items()), tuple(found.negated.items()), labs


def _is_denial(clause: list[str]) -> bool:
    """Whether a statement only denies what was said before it: an optional subject, a negative verb,
    fillers and a pronoun object, and nothing else ("I haven't had any", "she hasn't had one", "I don't
    get any"); "I haven't had any sweating" or "... had one since" say more, so they are not
    (triage.yaml negation.denials)."""
    lex = lexicon()
    if len(clause) >= 2 and clause[0] in lex.fine_subjects and clause[-1] in lex.fine_words:
        # "the nurse said bleeding gums could be serious, mine are fine": the writer's own are normal
        return all(w in lex.fine_links for w in clause[1:-1])
    words = clause[1:] if clause and clause[0] in lex.denial_subjects else clause
    if len(words) < 2 or words[0] not in lex.denial_verbs or words[-1] not in lex.denial_objects:
        return False
    return all(w in lex.denial_fillers for w in words[1:-1])


def _crisis_signs(found: _Found, concept: str) -> bool:
    """Whether an emergency word rule with `concept` would fire on what else was found."""
    lex = lexicon()
    for r_idx, group in lex.rules_by_concept.get(concept, ()):
        if lex.rules[r_idx].urgency == "emergency" and (group - {concept}) <= found.present.keys():
            return True
    return False


def _scan(text: str, found: _Found) -> _TextLabValues:
    """Add one text's concepts to `found`; return the lab values written in it."""
    present, negated, text_labs = _scan_text(text)
    for concept, words in present:
        found.present.setdefault(concept, words)
    for concept, words in negated:
        found.negated.setdefault(concept, words)
    return text_labs


def _gather_labs(labs: dict[str, float], text_labs: _TextLabValues) -> dict[str, float]:
    """Lab values of several texts: per field the one that `pick` says (highest calcium, lowest ANC)."""
    specs = lexicon().lab_specs
    for name, value in text_labs:
        spec = specs["calcium_mg_dl" if name == _CORRECTED_CALCIUM else name]
        labs[name] = _pick(spec, labs.get(name), value)
    return labs


def _with_text_labs(
    labs: Labs | None, text_labs: dict[str, float] | _TextLabValues
) -> tuple[Labs | None, bool]:
    """The labs given, with the values read from text filling the fields they leave empty; and whether
    the calcium used is one the text called corrected (so albumin is not applied again)."""
    if not text_labs:
        return labs, False
    base = _NO_LABS if labs is None else labs
    text_labs = dict(text_labs)
    update: dict[str, float] = {}
    corrected = False
    if _CORRECTED_CALCIUM in text_labs and base.calcium_mg_dl is None:
        update["calcium_mg_dl"] = text_labs[_CORRECTED_CALCIUM]
        corrected = True
    for name, value in text_labs.items():
        if name != _CORRECTED_CALCIUM and name not in update and getattr(base, name) is None:
            update[name] = value
    # model_copy, not a new Labs: the values were range-checked when read, and this is ~10x cheaper
    return (base.model_copy(update=update) if update else labs), corrected


_NO_LABS = Labs()


def _given_temperature_wins(labs: Labs | None, found: _Found) -> None:
    """A temperature given as a lab wins over one written in the text (case-format.md, Triage), as the
    calcium and ANC do: the text's "temp 38.9" was read as the finding "fever" (_scan), so it goes when
    a temperature is given (a hot given temperature raises fever itself, in _febrile). The word "fever"
    is a symptom, not a lab, and stays."""
    if labs is None or labs.temp_c is None:
        return
    what = found.present.get("fever", "")
    if what.startswith("temperature ") and what.endswith(" °C"):
        del found.present["fever"]


# --------------------------------------------------------------------------------------------
# Findings -> result
# --------------------------------------------------------------------------------------------


@dataclass
class _Flags:
    urgency: dict[str, str] = field(default_factory=dict)
    why: dict[str, list[str]] = field(default_factory=dict)
    extra_sources: dict[str, list[str]] = field(default_factory=dict)
    #: findings that raised no flag but that the reader should see (in the rationale)
    notes: list[str] | None = None
    #: code -> a variant of its texts (red_flags.yaml `public_<urgency>_<variant>`), e.g. "on_treatment"
    #: when the text says the person is on chemotherapy, so the advice does not ask "if you are on it"
    variant: dict[str, str] = field(default_factory=dict)

    def drop(self, code: str) -> None:
        self.urgency.pop(code, None)
        self.why.pop(code, None)
        self.extra_sources.pop(code, None)

    def add(self, code: str, urgency: str, why: str, sources: Iterable[str] = ()) -> None:
        old = self.urgency.get(code)
        if old is None or URGENCY_ORDER[urgency] < URGENCY_ORDER[old]:
            self.urgency[code] = urgency
        reasons = self.why.setdefault(code, [])
        if why not in reasons:
            reasons.append(why)
        self.extra_sources.setdefault(code, []).extend(sources)


#: signs that make a grade 2 anaemia symptomatic (triage.yaml labs.hb_symptomatic_g_dl)
_ANAEMIA_SIGNS = ("dizziness", "postural_dizziness", "syncope", "breathless", "breathless_rest", "pale")


def _apply_hemoglobin(hb: float | None, present: dict[str, str], flags: _Flags) -> None:
    """A haemoglobin below the grade 3 line is a same-day check (a transfusion may be needed); below the
    grade 2 line it is one when the text gives a sign that the anaemia is felt (dizzy, faint, breathless,
    pale). Tiredness alone is too common on treatment to count."""
    if hb is None:
        return
    lab = lexicon().lab_values
    if hb < lab["hb_grade3_g_dl"]:
        flags.add(
            "symptomatic_anemia", "urgent", f"haemoglobin {hb:g} g/dL (< 8.0)", _lab_sources("hb_grade3_g_dl")
        )
        return
    signs = [c for c in _ANAEMIA_SIGNS if c in present]
    if hb < lab["hb_symptomatic_g_dl"] and signs:
        labels = " and ".join(lexicon().concepts[c]["label"] for c in signs)
        flags.add(
            "symptomatic_anemia",
            "urgent",
            f"haemoglobin {hb:g} g/dL (< 10.0) with {labels}",
            _lab_sources("hb_symptomatic_g_dl"),
        )


def _apply_word_rules(found: _Found, flags: _Flags) -> None:
    if found.present:
        hits = _word_rule_hits(tuple(found.present.items()))
        fallbacks = _fallback_variants()
        for code, urgency, why, sources, variant in hits:
            flags.add(code, urgency, why, sources)
            if (code, urgency, variant) in fallbacks:
                continue
            if variant and flags.urgency.get(code) == urgency:
                flags.variant[code] = variant
        chosen: set[str] = set()
        for code, urgency, _, _, variant in hits:
            # a fallback text (the first) only when no other rule raised its code at that level
            if code in chosen or (code, urgency, variant) not in fallbacks:
                continue
            if flags.urgency.get(code) != urgency:
                continue
            if not any(c == code and u == urgency and (c, u, v) not in fallbacks for c, u, _, _, v in hits):
                flags.variant[code] = variant
                chosen.add(code)
        _context_variants(found, flags)


@functools.cache
def _fallback_variants() -> frozenset[tuple[str, str, str]]:
    """(code, urgency, variant) of the rules whose variant is a fallback (red_flags.yaml
    `variant_fallback`)."""
    return frozenset((r.code, r.urgency, r.variant) for r in lexicon().rules if r.fallback and r.variant)


def _context_variants(found: _Found, flags: _Flags) -> None:
    """red_flags.yaml `variant_with`: a code whose advice differs with what else the text says (sepsis
    "on chemo" is the neutropenic sepsis pathway), whichever of its rules raised it."""
    codes = lexicon().codes
    for code in flags.urgency:
        if code in flags.variant:
            continue
        for concept, variant in (codes[code].get("variant_with") or {}).items():
            if concept in found.present:
                flags.variant[code] = variant
                break


@functools.lru_cache(maxsize=8192)
def _word_rule_hits(
    present_items: tuple[tuple[str, str], ...],
) -> tuple[tuple[str, str, str, tuple[str, ...], str], ...]:
    """The word rules that fire, in order; cached because the same findings recur across many cases."""
    lex = lexicon()
    present = dict(present_items)
    fired: set[int] = set()
    hits: list[tuple[str, str, str, tuple[str, ...], str]] = []
    for concept in present:
        for r_idx, group in lex.rules_by_concept.get(concept, ()):
            if r_idx in fired or not group <= present.keys():
                continue
            fired.add(r_idx)
            rule = lex.rules[r_idx]
            if any(other <= present.keys() for other in rule.unless):
                continue
            why = " + ".join(f"'{present[c]}' ({lex.concepts[c]['label']})" for c in sorted(group))
            hits.append(
                (rule.code, rule.urgency, why, tuple(lex.kb_sources.get(next(iter(group)), ())), rule.variant)
            )
    return tuple(hits)


def _lab_sources(name: str) -> list[str]:
    return list(lexicon().labs[name]["sources"])


def _apply_labs(
    labs: Labs | None,
    found: _Found,
    flags: _Flags,
    on_myelosuppressive: bool,
    calcium_is_corrected: bool = False,
) -> None:
    if labs is None:
        return
    present = found.present
    lab = lexicon().lab_values
    # Hypercalcemia: albumin-corrected when albumin is known.
    if labs.calcium_mg_dl is not None:
        corrected = labs.albumin_g_dl is not None and not calcium_is_corrected
        ca = _corrected_ca(labs.calcium_mg_dl, labs.albumin_g_dl) if corrected else labs.calcium_mg_dl
        if ca >= lab["calcium_urgent_mg_dl"]:
            severe = ca > lab["calcium_emergency_mg_dl"] or "confusion" in present or "drowsiness" in present
            if corrected:
                what = f"corrected calcium {ca:.1f} mg/dL"
            elif calcium_is_corrected:
                what = f"corrected calcium {ca:.1f} mg/dL (as written)"
            else:
                what = f"calcium {ca:.1f} mg/dL (albumin not given, so not corrected)"
            flags.add(
                "hypercalcemia",
                "emergency" if severe else "urgent",
                what,
                _lab_sources("calcium_urgent_mg_dl"),
            )
        elif ca >= lab["calcium_high_mg_dl"]:
            # mild: routine, but the advice asks the person to tell the team (red_flags.yaml routine_support)
            said = f"calcium {ca:.1f} mg/dL" + (" corrected" if corrected else "")
            found.present.setdefault("calcium_mildly_high", said)
    # Febrile neutropenia: temperature + ANC, or fever while on myelosuppressive treatment.
    _apply_fever(labs, present, flags, on_myelosuppressive)
    # Liver failure from labs.
    uln = lab["bilirubin_uln_mg_dl"]
    bili = labs.bilirubin_mg_dl
    if labs.inr is not None and labs.inr >= lab["liver_failure_inr"]:
        encephalopathy = "confusion" in present or "drowsiness" in present
        jaundiced = bili is not None and bili > lab["liver_failure_inr_bilirubin_x_uln"] * uln
        if encephalopathy or jaundiced:
            detail = f"INR {labs.inr:g}" + (f", bilirubin {bili:g} mg/dL" if bili is not None else "")
            if jaundiced:
                detail += " (> 1.5x ULN)"
            if encephalopathy:
                detail += " with confusion or drowsiness"
            sources = _lab_sources("liver_failure_inr")
            if jaundiced:
                sources += _lab_sources("liver_failure_inr_bilirubin_x_uln")
            flags.add("liver_failure", "emergency", detail, sources)
    if bili is not None and bili >= lab["liver_failure_bilirubin_x_uln"] * uln:
        # a bilirubin this high is jaundice on the labs: with confusion or drowsiness it is the same
        # emergency as "yellow and confused" in words (possible liver failure with encephalopathy)
        brain = [c for c in ("confusion", "drowsiness", "sleepy") if c in present]
        if brain:
            signs = " or ".join(lexicon().concepts[c]["label"] for c in brain)
            flags.add(
                "liver_failure",
                "emergency",
                f"bilirubin {bili:g} mg/dL (>= 3x ULN) with {signs}",
                _lab_sources("liver_failure_bilirubin_x_uln"),
            )
        elif "jaundice" not in present:
            if "liver_failure" not in flags.urgency:
                # a number alone: the texts say "a very high bilirubin", not the encephalopathy or INR of
                # liver failure that nobody reported (red_flags.yaml liver_failure, variant bili)
                flags.variant["liver_failure"] = "bili"
            flags.add(
                "liver_failure",
                "urgent",
                f"bilirubin {bili:g} mg/dL (>= 3x ULN)",
                _lab_sources("liver_failure_bilirubin_x_uln"),
            )
    if labs.glucose_mg_dl is not None and labs.glucose_mg_dl > lab["glucose_emergency_mg_dl"]:
        flags.add("hyperglycemia_crisis", "emergency", f"glucose {labs.glucose_mg_dl:g} mg/dL (> 500)")
    if labs.qtcf_ms is not None and labs.qtcf_ms > lab["qtcf_ms"]:
        faint = "syncope" in present or "palpitations" in present
        flags.add(
            "arrhythmia_qt_prolongation",
            "emergency" if faint else "urgent",
            f"QTcF {labs.qtcf_ms:g} ms (> 500)",
        )
    if labs.spo2_percent is not None and labs.spo2_percent < lab["spo2_emergency_percent"]:
        flags.add("hypoxemia", "emergency", f"SpO2 {labs.spo2_percent:g}% (< 90%)")
    _apply_hemoglobin(labs.hemoglobin_g_dl, present, flags)


#: concepts that are signs of infection or sepsis without a measured fever (triage.yaml: rigors, feeling
#: hot and cold, feeling very unwell); with treatment that lowers the counts they are possible
#: neutropenic sepsis (NICE CG151)
_SEPSIS_SIGNS = ("rigors", "hot_cold", "unwell")
_NADIR = "; the count may fall towards the nadir, so treat as an emergency until a current count is known)"


def _apply_fever(labs: Labs, present: dict[str, str], flags: _Flags, on_myelosuppressive: bool) -> None:
    """Fever, chills and temperature against the neutrophil count and the treatment.

    A count >= 1000/µL is not febrile neutropenia (IDSA), but it never cancels a fever: the fever is a
    possible infection (fever_on_treatment, urgent), an emergency on chemotherapy or a CDK4/6 inhibitor
    (the count may predate the fever and fall towards the nadir) or with chills or feeling very unwell.
    Without a fever, chills or feeling unwell on such treatment, or 37.5-37.9 C or < 36 C, are possible
    neutropenic sepsis too (NICE CG151; The Christie hotline criteria)."""
    lab = lexicon().lab_values
    temp_c = labs.temp_c
    hot = temp_c is not None and temp_c >= lab["fever_c"]
    febrile = hot or "fever" in present
    signs = [c for c in _SEPSIS_SIGNS if c in present]
    low_grade = temp_c is not None and lab["low_grade_fever_c"] <= temp_c < lab["fever_c"]
    cold = temp_c is not None and temp_c < lab["low_temp_c"]
    if hot:
        _apply_measured_fever_rules(temp_c, present, flags)
    if not (febrile or signs or low_grade or cold):
        anc = labs.anc_per_ul
        if on_myelosuppressive and anc is not None and anc < lab["anc_grade3_per_ul"]:
            # grade 3-4 neutropenia without fever: the next dose waits (CDK4/6 labels), so a call today;
            # not febrile neutropenia (IDSA needs a fever), so it has its own name
            flags.add(
                "neutropenia",
                "urgent",
                f"ANC {anc:g}/µL (< 1000, CTCAE grade {3 if anc >= lab['anc_neutropenia_per_ul'] else 4}) "
                "without fever on chemotherapy or a CDK4/6 inhibitor",
                _lab_sources("anc_grade3_per_ul"),
            )
        return
    # Only worded when a flag uses it (most cases have no fever).
    if hot or low_grade or cold:
        fever_what = f"temperature {temp_c:.1f} °C"
    else:
        fever_what = "fever reported" if febrile else ""
    sign_what = ", ".join(lexicon().concepts[c]["label"] for c in signs)
    what = "; ".join(w for w in (fever_what, sign_what) if w)
    anc = labs.anc_per_ul
    if anc is not None and (febrile or signs):
        if anc < lab["anc_neutropenia_per_ul"]:
            flags.add("febrile_neutropenia", "emergency", f"{what} with ANC {anc:g}/µL (< 500)")
            return
        if anc < lab["anc_expected_fall_per_ul"]:
            flags.add(
                "febrile_neutropenia", "emergency", f"{what} with ANC {anc:g}/µL (< 1000, may fall below 500)"
            )
            return
        # A known count >= 1000 is not neutropenia: the words' febrile_neutropenia gives way to a
        # possible infection, which stays urgent at least and an emergency on treatment or with signs.
        flags.drop("febrile_neutropenia")
        severe = on_myelosuppressive or bool(signs)
        flags.add(
            "fever_on_treatment",
            "emergency" if severe else "urgent",
            f"{what} with ANC {anc:g}/µL on the labs given (>= 1000: not febrile neutropenia on that count"
            + (_NADIR if on_myelosuppressive else ")"),
            _lab_sources("fever_c"),
        )
        return
    if on_myelosuppressive and (febrile or signs):
        flags.add("febrile_neutropenia", "emergency", f"{what} while on chemotherapy or a CDK4/6 inhibitor")
    elif on_myelosuppressive and (low_grade or cold):
        normal_count = anc is not None and anc >= lab["anc_expected_fall_per_ul"]
        companions = [c for c in lexicon().sepsis_companions if c in present]
        if companions and not normal_count:
            # a temperature of 37.5-37.9 or below 36 C on chemotherapy is one amber; with a sign of
            # sepsis or a focus (confusion, clamminess, cough with breathlessness) it is suspected
            # neutropenic sepsis (UKONS: two ambers make a red; NICE CG151)
            signs_what = ", ".join(sorted(lexicon().concepts[c]["label"] for c in companions))
            flags.add(
                "febrile_neutropenia",
                "emergency",
                f"{fever_what} ({'37.5-37.9 °C' if low_grade else 'below 36 °C'}) with {signs_what} while on "
                "chemotherapy or a CDK4/6 inhibitor",
                [*_lab_sources("low_grade_fever_c" if low_grade else "low_temp_c"), "ukons-triage-v3"],
            )
            return
        code = "fever_on_treatment" if normal_count else "febrile_neutropenia"
        flags.variant[code] = "on_treatment"
        flags.add(
            code,
            "urgent",
            f"{fever_what} ({'37.5-37.9 °C' if low_grade else 'below 36 °C'}) while on chemotherapy or a "
            "CDK4/6 inhibitor",
            _lab_sources("low_grade_fever_c" if low_grade else "low_temp_c"),
        )
    elif hot and anc is None and "chemo_stopped" in present and not on_myelosuppressive:
        # chemotherapy said to be over or not taken ("only letrozole"): a possible infection, not febrile
        # neutropenia (red_flags.yaml fever_on_treatment variant off_chemo)
        flags.variant["fever_on_treatment"] = "off_chemo"
        flags.add("fever_on_treatment", "urgent", f"{fever_what}; not on chemotherapy now")
    elif hot and anc is None:
        flags.add("febrile_neutropenia", "urgent", f"{fever_what}; neutrophil count not known")


def _apply_measured_fever_rules(temp_c: float, present: dict[str, str], flags: _Flags) -> None:
    """A temperature at or above the fever threshold with word findings that a fever makes an emergency
    (red_flags.yaml `measured_fever_rules`): the word rules only see the word "fever", not "temp 39", and a
    line site infection with a fever is line sepsis whether or not chemotherapy is named (UKONS v3)."""
    lex = lexicon()
    for rule in lex.fever_rules:
        group = next((g for g in rule.when if g <= present.keys()), None)
        if group is None:
            continue
        why = " + ".join(f"'{present[c]}' ({lex.concepts[c]['label']})" for c in sorted(group))
        flags.add(rule.code, rule.urgency, f"{why} with a temperature of {temp_c:.1f} °C")


def _jaundice_within_visceral_crisis(labs: Labs, found: _Found, flags: _Flags) -> None:
    """Yellow eyes reported with liver metastases and a recorded bilirubin that explains them: the liver
    visceral crisis already asks for a same-day review. liver_failure's own definition (jaundice with
    encephalopathy or coagulopathy, EASL 2017) is not met without confusion, bleeding, an INR >= 1.5 or a
    bilirubin >= 3x ULN, so the urgent "possible liver failure" read from the word alone is not shown."""
    lab = lexicon().lab_values
    bili = labs.bilirubin_mg_dl
    if flags.urgency.get("liver_failure") != "urgent" or bili is None:
        return
    if bili >= lab["liver_failure_bilirubin_x_uln"] * lab["bilirubin_uln_mg_dl"]:
        return
    if labs.inr is not None and labs.inr >= lab["liver_failure_inr"]:
        return
    if any(c in found.present for c in lexicon().liver_failure_signs):
        return
    flags.drop("liver_failure")
    flags.variant.pop("liver_failure", None)
    flags.add("visceral_crisis", "urgent", "jaundice reported, without confusion, bleeding or a raised INR")


def _apply_case(case: Case, found: _Found, flags: _Flags) -> None:
    lex = lexicon()
    lab = lex.lab_values
    present = found.present
    labs = case.labs
    sites = case.metastatic_sites
    uln = lab["bilirubin_uln_mg_dl"]
    # Visceral crisis (ABC 5 examples).
    if (
        "liver" in sites
        and labs.bilirubin_mg_dl is not None
        and (labs.bilirubin_mg_dl > lab["visceral_crisis_bilirubin_x_uln"] * uln)
    ):
        flags.add(
            "visceral_crisis",
            "urgent",
            f"liver metastases with bilirubin {labs.bilirubin_mg_dl:g} mg/dL (> 1.5x ULN)",
            _lab_sources("visceral_crisis_bilirubin_x_uln"),
        )
        _jaundice_within_visceral_crisis(labs, found, flags)
    if "lung" in sites or "pleura" in sites:
        if labs.spo2_percent is not None and labs.spo2_percent < lab["spo2_emergency_percent"]:
            flags.add("visceral_crisis", "emergency", f"lung metastases with SpO2 {labs.spo2_percent:g}%")
        elif "breathless_rest" in present:
            flags.add("visceral_crisis", "urgent", "lung metastases with breathlessness at rest")
    # Brain or leptomeningeal disease makes headache with vomiting or new neurology more pressing.
    if "brain" in sites and "headache" in present:
        flags.add("raised_icp", "urgent", "headache with known brain metastases")
    if "leptomeninges" in sites:
        # recorded leptomeningeal disease is a red flag in itself (EANO-ESMO: MRI and CSF, then a plan with
        # neuro-oncology); its symptoms, nerve-root signs included, are named with it. A cord compression
        # raised from the same words stays its own flag.
        signs = sorted(lex.concepts[c]["label"] for c in lex.leptomeningeal_signs if c in present)
        why = (
            f"{', '.join(signs)} with known leptomeningeal disease"
            if signs
            else "leptomeningeal disease recorded among the metastatic sites"
        )
        flags.add("leptomeningeal_disease", "urgent", why)
    # Impending fracture by Mirels.
    if case.bone_lesions:
        for lesion in case.bone_lesions:
            score = sum(
                _mirels_points(lesion.site, lesion.pain, lesion.type, lesion.cortex_fraction).values()
            )
            if score >= lab["mirels_fixation"]:
                flags.add(
                    "pathologic_fracture_risk",
                    "urgent",
                    f"Mirels score {score} for a {lesion.type} {lesion.site.replace('_', ' ')} lesion (>= 9)",
                    _lab_sources("mirels_fixation"),
                )
    # Treatment toxicities.
    if not case.current_treatment:
        return
    drugs = {t.drug for t in case.current_treatment}
    on_pneumonitis = drugs & lex.drug_groups["pneumonitis"]
    # fever alone counts only on drugs whose label lists it as a lung sign (T-DXd); else it is infection
    lung_signs = {"cough", "breathless", "breathless_rest", "breathless_severe", "cyanosis"} & present.keys()
    if not lung_signs and "fever" in present:
        on_pneumonitis = on_pneumonitis & lex.drug_groups["pneumonitis_fever"]
        lung_signs = {"fever"}
    if on_pneumonitis and lung_signs:
        signs = ", ".join(
            lex.concepts[c]["label"]
            for c in ("cough", "breathless", "breathless_severe", "fever")
            if c in present
        )
        # SpO2 90-92 with breathlessness stays urgent (label: interrupt and evaluate promptly); hypoxaemia
        # below 90 or signs of respiratory distress make it severe (CTCAE grade 3-4) and an emergency
        distress = bool({"breathless_severe", "cyanosis"} & present.keys())
        low_spo2 = labs.spo2_percent is not None and labs.spo2_percent < 90
        urgency = "emergency" if low_spo2 or distress else "urgent"
        flags.add("pneumonitis", urgency, f"{signs} while on {', '.join(sorted(on_pneumonitis))}")
    on_diarrhea = drugs & lex.drug_groups["diarrhea"]
    if (
        on_diarrhea
        and "diarrhea" in present
        and ({"dehydration", "dizziness", "diarrhea_severe", "diarrhea_many"} & present.keys())
    ):
        flags.add("severe_diarrhea_dehydration", "urgent", f"diarrhea on {', '.join(sorted(on_diarrhea))}")
    on_pi3k = drugs & lex.drug_groups["pi3k_akt"]
    if on_pi3k and labs.glucose_mg_dl is not None and labs.glucose_mg_dl >= lab["glucose_pi3k_mg_dl"]:
        severe = labs.glucose_mg_dl > lab["glucose_emergency_mg_dl"] or bool(
            {"vomiting", "confusion", "drowsiness"} & present.keys()
        )
        flags.add(
            "hyperglycemia_crisis",
            "emergency" if severe else "urgent",
            f"glucose {labs.glucose_mg_dl:g} mg/dL on {', '.join(sorted(on_pi3k))}",
        )
    on_fluoropyrimidine = drugs & lex.drug_groups["fluoropyrimidine"]
    if on_fluoropyrimidine and "chest_pain" in present:
        # coronary spasm from 5-FU or capecitabine: the text need not name the drug
        flags.add(
            "chest_pain_cardiac", "emergency", f"chest pain on {', '.join(sorted(on_fluoropyrimidine))}"
        )
    on_qt = drugs & lex.drug_groups["qt"]
    if on_qt and ({"syncope", "palpitations"} & present.keys()):
        flags.add(
            "arrhythmia_qt_prolongation", "urgent", f"palpitations or fainting on {', '.join(sorted(on_qt))}"
        )


_LABEL_FILLERS = frozenset({"a", "an", "and", "or", "the", "of", "in", "on", "to", "my", "your"})


def _label_words(label: str) -> frozenset[str]:
    return frozenset(w for w in _TOKEN.findall(label.lower()) if w not in _LABEL_FILLERS)


def _merge_labels(labels: list[str]) -> list[str]:
    """One label per symptom: two labels that share most of their words ("back or neck pain" and "new
    or worse back or neck pain") are one symptom said twice, which reads as noise (voice review item 10,
    grade 14.7), so the shorter, plainer one stays in the first one's place."""
    kept: list[str] = []
    for label in labels:
        words = _label_words(label)
        for n, other in enumerate(kept):
            others = _label_words(other)
            if words and others and 3 * len(words & others) >= 2 * min(len(words), len(others)):
                if len(label) < len(other):
                    kept[n] = label
                break
        else:
            kept.append(label)
    return kept


@functools.lru_cache(maxsize=4096)
def _sites(concepts: tuple[str, ...]) -> tuple[SuspectedSite, ...]:
    lex = lexicon()
    whys: dict[str, list[str]] = {}
    for concept in concepts:
        for site in lex.concepts[concept]["sites"]:
            label = lex.concepts[concept]["label"]
            if label not in whys.setdefault(site, []):
                whys[site].append(label)
    return tuple(
        SuspectedSite(site=site, why="; ".join(_merge_labels(why)), sources=lex.site_sources)
        for site, why in whys.items()
    )


@functools.lru_cache(maxsize=8192)
def _red_flag(
    code: str, urgency: str, rationale: str, extra_sources: tuple[str, ...], variant: str = ""
) -> RedFlag:
    """One red flag in both voices (cached: the same finding recurs across many cases)."""
    spec = lexicon().codes[code]
    public, clinician = spec["public"], spec["clinician"]
    if variant and f"public_{urgency}_{variant}" in spec:
        spec = {
            **spec,
            f"public_{urgency}": spec[f"public_{urgency}_{variant}"],
            f"clinician_{urgency}": spec.get(f"clinician_{urgency}_{variant}")
            or spec.get(f"clinician_{urgency}"),
            "title": spec.get(f"title_{variant}") or spec["title"],
        }
        if urgency == spec["urgency"]:
            # a variant at the code's own level ("dizzy on standing and not eating" is dehydration
            # without the diarrhoea the code's own text speaks of)
            public = spec[f"public_{urgency}"]
            clinician = spec[f"clinician_{urgency}"] or clinician
    if URGENCY_ORDER[urgency] < URGENCY_ORDER[spec["urgency"]]:
        # Raised above the code's own level (e.g. high calcium with confusion): the text must say to
        # go now, not "call today".
        public = spec.get(f"public_{urgency}") or public
        clinician = spec.get(f"clinician_{urgency}") or clinician
    elif URGENCY_ORDER[urgency] > URGENCY_ORDER[spec["urgency"]]:
        clinician = spec.get(f"clinician_{urgency}") or clinician
        # Raised below the code's own level (e.g. back pain alone): the text must not say
        # "emergency" while the urgency says "call today", but it still says when to escalate.
        public = spec.get(f"public_{urgency}") or (
            f"{spec['title']}: this needs a doctor's review. Call your cancer team today. If it gets "
            "worse, go to the emergency room or call 911."
        )
    return RedFlag(
        code=code,
        urgency=urgency,
        public=public,
        clinician=clinician,
        # sources_<urgency> / sources_<variant>: a source only the text of that level or variant cites
        # (red_flags.yaml)
        sources=tuple(
            dict.fromkeys(
                [
                    *spec["sources"],
                    *spec.get(f"sources_{urgency}", ()),
                    *(spec.get(f"sources_{variant}", ()) if variant else ()),
                    *extra_sources,
                ]
            )
        ),
        rationale=rationale,
        title=spec["title"],
    )


@functools.lru_cache(maxsize=4096)
def _advice(
    urgency: str,
    first_code: str | None,
    first_public: str | None = None,
    first_clinician: str | None = None,
    variant: str | None = None,
    support: tuple[str, ...] = (),
    asked: tuple[tuple[str, str], ...] = (),
    noticed: tuple[str, ...] = (),
) -> Advice:
    """The overall advice; `variant` names another text of red_flags.yaml `advice` ("routine_unread"
    when nothing was recognised, "routine_noticed" when warning words were read but raised no flag:
    `noticed` are their labels) and `support` the concepts whose routine pointers go first."""
    lex = lexicon()
    if variant is None and first_code is not None and f"{urgency}_after_flag" in lex.advice:
        first_text = (first_public or lex.codes[first_code]["public"]).lower()
        if "emergency room" in first_text:
            # the flag already says to go to the emergency room: the general advice does not say it again
            # (red_flags.yaml advice `*_after_flag`; 911 is kept when the flag does not name it)
            variant = f"{urgency}_after_flag"
            if "911" not in first_text and f"{variant}_er" in lex.advice:
                variant = f"{variant}_er"
    advice = lex.advice[variant or urgency]
    public_advice, clinician_advice = advice["public"], advice["clinician"]
    if noticed:
        public_advice = public_advice.replace("{noticed}", _plain_list(noticed))
        clinician_advice = clinician_advice.replace("{noticed}", "; ".join(noticed))
    for concept in support:
        extra = lex.routine_support[concept]
        if extra["public"] in public_advice:
            continue  # two concepts that share one pointer ("feeling low and tearful")
        public_advice = f"{extra['public']} {public_advice}"
        clinician_advice = f"{extra['clinician']} {clinician_advice}"
    for code, level in reversed(asked):
        public_advice = f"{_if_signs_public(code, level)} {public_advice}"
        spec = lex.codes[code]
        clinician_advice = (
            f"Asked about {spec['title'].lower()} as a term; no symptom of it was described, so no flag is "
            f"raised. If its features are present: {spec['clinician']} {clinician_advice}"
        )
    if first_code is not None:
        spec = lex.codes[first_code]
        public_advice = f"{first_public or spec['public']} {public_advice}"
        clinician_advice = (
            f"{clinician_advice} First: {spec['title'].lower()} - {first_clinician or spec['clinician']}"
        )
    return Advice(public=public_advice, clinician=clinician_advice)


def _wrapper(urgency: str, first_public: str) -> str | None:
    """The advice text that wraps the flags: "urgent_now" (red_flags.yaml advice) when the first flag of an
    urgent result already says to call now, so the wrapper does not add a slower "call today"."""
    now = lexicon().advice.get("urgent_now")
    if urgency == "urgent" and now and any(words in first_public for words in now["when_flag_says"]):
        return "urgent_now"
    return None


def _plain_list(labels: tuple[str, ...]) -> str:
    """Labels as "a, b and c" (labels already hold "or" inside, so the list is joined with "and")."""
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


def _if_signs_public(code: str, level: str) -> str:
    """What to do if the signs of a condition asked about are present: the code's `public_question`
    text (red_flags.yaml), or the title with the action of the level its word rules would give."""
    spec = lexicon().codes[code]
    if spec.get("public_question"):
        return str(spec["public_question"])
    act = (
        "go to the emergency room now or call 911" if level == "emergency" else "call your cancer team today"
    )
    return (
        f"You asked about this: {spec['title'].lower()}. We read it as a question, not as a sign you have "
        f"now. If you think you have it, {act}."
    )


def _result(
    text: str, found: _Found, flags: _Flags, labs_read: bool = False, asked: tuple[tuple[str, str], ...] = ()
) -> TriageResult:
    why, extra = flags.why, flags.extra_sources
    flag_keys = (
        tuple(
            [
                (code, urgency, "; ".join(why[code]), tuple(extra.get(code, ())), flags.variant.get(code, ""))
                for code, urgency in flags.urgency.items()
            ]
        )
        if flags.urgency
        else ()
    )
    return _result_cached(
        text,
        tuple(found.present),
        tuple(found.negated),
        flag_keys,
        tuple(flags.notes) if flags.notes else (),
        labs_read,
        asked,
    )


@functools.lru_cache(maxsize=8192)
def _result_cached(
    text: str,
    present: tuple[str, ...],
    negated_concepts: tuple[str, ...],
    flag_keys: tuple[tuple[str, str, str, tuple[str, ...], str], ...],
    notes: tuple[str, ...] = (),
    labs_read: bool = False,
    asked: tuple[tuple[str, str], ...] = (),
) -> TriageResult:
    """The result for what was found (concepts, then flags as _red_flag's arguments).

    Cached on those findings, not on the case: results are frozen, and in a stream of cases the
    same symptom lines and the same few flags recur, while building the result is the dearest step.
    """
    lex = lexicon()
    red = [_red_flag(*key) for key in flag_keys]
    red.sort(key=lambda f: (URGENCY_ORDER[f.urgency], lex.code_order.get(f.code, 999)))
    urgency: Urgency = red[0].urgency if red else "routine"
    matched = tuple(lex.concepts[c]["label"] for c in present)
    # warning words read but not acted on (a question about a term names them without reporting them)
    noticed = (
        ()
        if red or asked
        else tuple(dict.fromkeys(lex.concepts[c]["label"] for c in present if c in lex.warning_words))
    )
    negated = tuple(
        lex.concepts[c]["label"] for c in negated_concepts if c not in present and c not in lex.not_symptoms
    )
    rationale = "; ".join(f"{f.code}: {f.rationale}" for f in red) or (
        "no red-flag pattern recognised" + (f" (read as negated: {', '.join(negated)})" if negated else "")
    )
    if notes:
        rationale += "; " + "; ".join(notes)
    return TriageResult(
        text=text,
        urgency=urgency,
        red_flags=tuple(red),
        suspected_sites=_sites(present),
        advice=_advice(
            urgency,
            red[0].code if red else None,
            red[0].public if red else None,
            red[0].clinician if red else None,
            # a first flag that says to call now gets a wrapper that does not then say "call today"; warning
            # words read without a flag are named; nothing recognised at all (not even a negated symptom) is
            # said as such - never "no warning signs" in either case
            _wrapper(urgency, red[0].public)
            if red
            else "routine_noticed"
            if noticed
            else None
            if present or negated_concepts or labs_read or not text.strip()
            else "routine_unread",
            # a pointer with `with` concepts goes only with them all ("red pee" with an anthracycline named)
            ()
            if red
            else tuple(
                c
                for c in present
                if c in lex.routine_support and set(lex.routine_support[c].get("with", ())) <= set(present)
            ),
            asked,
            noticed,
        ),
        matched=matched,
        negated=negated,
        rationale=rationale,
    )


def triage(text: str, labs: Labs | None = None) -> TriageResult:
    """Red flags, suspected sites and advice for free text in everyday words (plus optional labs)."""
    return _triage_cached(text, labs)


@functools.lru_cache(maxsize=8192)
def _triage_cached(text: str, labs: Labs | None) -> TriageResult:
    # Results are frozen, so a repeated (text, labs) pair can share one.
    found = _Found()
    text_labs = _scan(text, found)
    _given_temperature_wins(labs, found)
    flags = _Flags()
    asked = _asked_terms(text, found)
    if asked:
        flags.notes = [
            f"read as a question about the term{'s' if len(asked) > 1 else ''} "
            + ", ".join(f"'{found.present[c]}'" for c in found.present)
            + ", not as a symptom: "
            + ", ".join(code for code, _ in asked)
            + " not raised (the advice says what to do if its signs are present)"
        ]
    else:
        _apply_word_rules(found, flags)
    unused = unused_text_labs(text)
    if unused:
        flags.notes = [*(flags.notes or ()), *unused]
    corrected = False
    if text_labs:
        labs, corrected = _with_text_labs(labs, text_labs)
    _apply_labs(labs, found, flags, "chemo_mention" in found.present, corrected)
    return _result(text, found, flags, labs is not None, asked)


def _asked_terms(text: str, found: _Found) -> tuple[tuple[str, str], ...]:
    """(code, urgency) of the red flags a message only asks about: "what does spinal cord compression
    mean? my leaflet mentions it", "what is a seizure?", "the nurse said to watch for confusion, what kind
    of confusion do they mean" name a condition or symptom as the object of a question and describe no
    symptom, so they are not the emergency itself. The flag's advice is kept: the result says what to do
    if its signs are present.

    Read by question forms, not by sentences (triage.yaml `term_questions`): the words a question frame
    governs ("what is ...", "how do I know if I have ...", "watch out for ...", "... mean") are set aside
    and the rest is read again; when the rest names no symptom (only terms such as "cord compression" or
    context such as "on chemo"), the message is a question. One symptom outside the frame ("what does
    cord compression mean? my legs are weak"), or a word that reports an event ("my husband just had
    one", "she is having one right now", "is this a seizure?"), and it is triaged as usual."""
    lex = lexicon()
    tq = _term_questions()
    if not found.present or tq is None:
        return ()
    low = _APOSTROPHES.sub("", text.lower())
    # "what is that?" points back at a term the message named ("the leaflet says X is a risk"): the
    # question itself is not a report ("is this"), and what the message says was named is its object
    pointing = tq.pointing.search(low) if tq.pointing is not None else None
    if pointing is not None:
        low = low[: pointing.start()] + " " * (pointing.end() - pointing.start()) + low[pointing.end() :]
    if tq.well_now is not None:
        # "he's fine at the moment": the time word says the person is well, it reports no event
        low = tq.well_now.sub(lambda m: " " * len(m.group()), low)
    if tq.denied_reports is not None:
        # "I've never had one": a denied event is no report of one
        low = tq.denied_reports.sub(lambda m: " " * len(m.group()), low)
    if tq.reports.search(low):
        return ()
    hearsay = bool(
        tq.hearsay and tq.hearsay_question and tq.hearsay_question.search(low) and tq.hearsay.search(low)
    )
    if not (
        hearsay
        or pointing is not None
        or (lex.question_pattern is not None and lex.question_pattern.search(low))
        or tq.leading.search(low)
        or tq.trailing.search(low)
    ):
        return ()
    allowed = lex.term_concepts | tq.context
    if not set(found.present) <= allowed:
        rest, _, _ = _scan_text(_without_asked_objects(low, named=pointing is not None, hearsay=hearsay))
        outside = {concept for concept, _ in rest} - allowed
        # what is left outside the question may be a symptom that raises nothing by itself ("how long do hot
        # flushes last? should I worry about clots?"): it reports nothing urgent, so the message still asks;
        # a number written outside it ("meter says 20 mmol") is a reading, a report
        if outside and (
            (_DIGIT.search(low) and _read_labs(low)[1])
            or _word_rule_hits(tuple((c, c) for c in sorted(outside | (set(dict(rest)) & allowed))))
        ):
            return ()
    best: dict[str, str] = {}
    for code, urgency, *_ in _word_rule_hits(tuple(found.present.items())):
        if code not in best or URGENCY_ORDER[urgency] < URGENCY_ORDER[best[code]]:
            best[code] = urgency
    return tuple(best.items())


@dataclass(frozen=True)
class _TermQuestions:
    leading: re.Pattern[str]
    trailing: re.Pattern[str]
    reports: re.Pattern[str]
    stops: frozenset[str]
    reach: int
    context: frozenset[str]
    #: a question pointing back at a term ("what is that?") and the frames that name the term
    #: ("the leaflet says", "the nurse talked about"), read only when such a question is asked
    pointing: re.Pattern[str] | None = None
    naming: re.Pattern[str] | None = None
    #: frames whose object names two things ("the difference between a seizure and a faint")
    pairs: re.Pattern[str] | None = None
    #: a time word that says the person is well now ("he's fine at the moment"), not an event
    well_now: re.Pattern[str] | None = None
    #: an event denied ("I've never had one"), no report of it
    denied_reports: re.Pattern[str] | None = None
    #: what was read or a leaflet says ("I read that", "the leaflet says", "can cause"), read only when the
    #: message asks something (`hearsay_question`); its object runs to the end of the sentence unless one
    #: of `hearsay_stops` starts the person's own statement
    hearsay: re.Pattern[str] | None = None
    hearsay_question: re.Pattern[str] | None = None
    hearsay_stops: frozenset[str] = frozenset()


@functools.cache
def _term_questions() -> _TermQuestions | None:
    """triage.yaml `term_questions`, compiled (question frames, report words, context concepts)."""
    spec = _read("triage.yaml").get("term_questions") or {}
    if not spec.get("leading"):
        return None

    def alternatives(key: str) -> re.Pattern[str]:
        forms = sorted((" ".join(f.lower().split()) for f in spec[key]), key=len, reverse=True)
        return re.compile(r"\b(?:" + "|".join(f.replace(" ", r"\s+") for f in forms) + r")\b")

    return _TermQuestions(
        leading=alternatives("leading"),
        trailing=alternatives("trailing"),
        reports=alternatives("reports"),
        stops=frozenset(w.lower() for w in spec["object_stops"]),
        reach=int(spec["object_words"]),
        context=frozenset(spec.get("context", ())),
        pointing=_pointing(spec.get("pointing", ())),
        naming=alternatives("naming") if spec.get("naming") else None,
        pairs=alternatives("pairs") if spec.get("pairs") else None,
        well_now=alternatives("well_now") if spec.get("well_now") else None,
        denied_reports=alternatives("denied_reports") if spec.get("denied_reports") else None,
        hearsay=alternatives("hearsay") if spec.get("hearsay") else None,
        hearsay_question=re.compile("|".join(spec["hearsay_question"]))
        if spec.get("hearsay_question")
        else None,
        hearsay_stops=frozenset(w.lower() for w in spec.get("hearsay_stops", ())),
    )


def _pointing(forms: Iterable[str]) -> re.Pattern[str] | None:
    """A question pointing back ("what is that?"), only at the end of a sentence."""
    forms = list(forms)
    return re.compile(r"\b(?:" + "|".join(forms) + r")\s*(?:[?.!]|$)") if forms else None


def _without_asked_objects(low: str, named: bool = False, hearsay: bool = False) -> str:
    """The text without the words that question frames govern: up to `object_words` words after a
    leading frame ("what is | a seizure") or before a trailing one ("cord compression | mean"), stopping
    at a word that starts a statement of its own ("what do I do, he's fitting": "I" stops the object).
    With `hearsay`, what was read ("I read that | brain mets can cause seizures") runs to the end of its
    sentence: a leaflet lists side effects with commas and "and", which end an ordinary object."""
    tq = _term_questions()
    assert tq is not None
    keep = list(low)
    if hearsay and tq.hearsay is not None:
        for sentence in re.finditer(r"[^.;!?\n]+", low):
            text, base = sentence.group(), sentence.start()
            for m in tq.hearsay.finditer(text):
                end = m.end()
                for token in _TOKEN.finditer(text, m.end()):
                    if token.group() in tq.hearsay_stops:
                        break
                    end = token.end()
                keep[base + m.end() : base + end] = " " * (end - m.end())
    for part in re.finditer(r"[^.,;:!?\n()]+", low):
        chunk, base = part.group(), part.start()
        tokens = list(_TOKEN.finditer(chunk))
        spans: list[tuple[int, int]] = []
        frames = list(tq.leading.finditer(chunk))
        if named and tq.naming is not None:
            frames.extend(tq.naming.finditer(chunk))
        pairs = list(tq.pairs.finditer(chunk)) if tq.pairs is not None else []
        frames.extend(pairs)
        for m in frames:
            after = [t for t in tokens if t.start() >= m.end()]
            spans.extend(_object_span(after, tq, pair=m in pairs))
        for m in tq.trailing.finditer(chunk) if _QUESTION_START.match(chunk) else ():
            # "what does cord compression mean", not "the numbness means I can't open jars"
            before = [t for t in tokens if t.end() <= m.start()][::-1]
            spans.extend(_object_span(before, tq))
        for a, b in spans:
            keep[base + a : base + b] = " " * (b - a)
    return "".join(keep)


_QUESTION_START = re.compile(r"\s*(?:what|whats|how|does|do|did|is|are|can|could|explain)\b")


def _object_span(
    tokens: list[re.Match[str]], tq: _TermQuestions, pair: bool = False
) -> list[tuple[int, int]]:
    """The object's words; after a `pairs` frame one "and" or "or" joins two objects ("the difference
    between a seizure and a faint")."""
    out: list[tuple[int, int]] = []
    joined = not pair
    for token in tokens[: tq.reach + (0 if joined else 1)]:
        if not joined and token.group() in ("and", "or"):
            joined = True
        elif token.group() in tq.stops:
            break
        out.append(token.span())
    return out


def _drop_recorded_spread(sites: tuple[str, ...], found: _Found) -> None:
    """A note saying "two treated brain metastases" of someone whose brain metastases are recorded
    documents the known site: read as a suspected site it asked for an urgent brain MRI "because of
    your symptoms". Symptoms with a known site still count (headache with known brain metastases
    raises raised_icp in _apply_case)."""
    lex = lexicon()
    for concept in lex.names_spread & found.present.keys():
        if set(lex.concepts[concept]["sites"]) <= set(sites):
            del found.present[concept]


def triage_case(case: Case) -> TriageResult:
    """Triage of a whole case: its symptoms and notes, labs, sites, bone lesions and current treatment.

    Lab values written in the symptoms or notes fill the lab fields the case leaves empty."""
    found = _Found()
    text_labs: dict[str, float] | None = None
    if case.symptoms or case.notes:
        for line in (*case.symptoms, *case.notes):
            line_labs = _scan(line, found)
            if line_labs:
                text_labs = _gather_labs(text_labs if text_labs is not None else {}, line_labs)
    if case.metastatic_sites and lexicon().names_spread:
        _drop_recorded_spread(case.metastatic_sites, found)
    _given_temperature_wins(case.labs, found)
    flags = _Flags()
    _apply_word_rules(found, flags)
    on_myelo = "chemo_mention" in found.present or bool(
        case.current_treatment
        and {t.drug for t in case.current_treatment} & lexicon().drug_groups["myelosuppressive"]
    )
    labs, corrected = case.labs, False
    if text_labs:
        labs, corrected = _with_text_labs(labs, text_labs)
    _apply_labs(labs, found, flags, on_myelo, corrected)
    _apply_case(case, found, flags)
    # any lab given counts as something read (model_fields_set, not a model comparison: a hot path)
    return _result("; ".join(case.symptoms), found, flags, bool(text_labs or case.labs.model_fields_set))
