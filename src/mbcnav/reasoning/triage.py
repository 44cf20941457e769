"""Triage: everyday words (and labs, and a whole case) → red flags, suspected sites and what to do now.

People write "my bak hurts and my legs are weeak", not "thoracic back pain with paraparesis", so the
matcher is built for lay text: a lexicon of concepts (``rules/triage.yaml``) matched word by word
after spelling correction (a map, then a fuzzy match with rapidfuzz against the lexicon words),
light stemming (weakness = weak) and negation ("no fever", "denies headache", "not short of
breath"). Concepts combine into red flags by the rules of ``rules/red_flags.yaml``; labs and case
facts (albumin-corrected calcium, fever with neutropenia, bilirubin, Mirels, drug toxicities) add
flags by thresholds kept in the same data files. The knowledge base's ``symptom`` items add their
phrasings, sites and red-flag levels.

Safety rules the code keeps: the overall urgency is the highest finding; red flags sort emergency
first; the advice always says what to do now and that the tool does not replace the care team.
Everything is compiled once per process; a call does dictionary look-ups on a few words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz, process

from mbcnav.assessment import URGENCY_ORDER, RedFlag, Urgency
from mbcnav.case import Case, Labs
from mbcnav.reasoning.calculators import _corrected_ca, _mirels_points

RULES_DIR = Path(__file__).parent / "rules"

_APOSTROPHES = re.compile(r"['’`]")
_CLAUSE_SPLIT = re.compile(r"[.,;:!?\n()\[\]/]+")
_TOKEN = re.compile(r"[a-z0-9]+")
_TEMP_C = re.compile(r"\b(3[5-9]|4[0-3])(?:[.,](\d+))?\s*(?:°|deg(?:rees?)?)?\s*c\b")
_TEMP_F = re.compile(r"\b(9[5-9]|10[0-9])(?:[.,](\d+))?\s*(?:°|deg(?:rees?)?)?\s*f\b")
_TEMP_WORD = re.compile(
    r"\b(?:temp|temperature|fever)\s*(?:of|is|was|at|=|:)?\s*(3[5-9]|4[0-3]|9[5-9]|10[0-9])(?:[.,](\d+))?"
)


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


@dataclass(frozen=True)
class _Rule:
    code: str
    urgency: str
    when: tuple[frozenset[str], ...]


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


@dataclass
class _Lexicon:
    phrases: list[_Phrase]
    index: dict[str, list[tuple[int, int]]]
    concepts: dict[str, dict[str, Any]]
    rules: list[_Rule]
    codes: dict[str, dict[str, Any]]
    code_order: dict[str, int]
    advice: dict[str, dict[str, str]]
    spelling: dict[str, str]
    known: frozenset[str]
    vocab: tuple[str, ...]
    #: first letter -> lexicon words starting with it (fuzzy matching only compares same-initial words)
    vocab_by_initial: dict[str, tuple[str, ...]]
    cues: frozenset[str]
    scope_breaks: frozenset[str]
    clause_breaks: frozenset[str]
    scope_words: int
    fuzzy_cutoff: float
    fuzzy_min_length: int
    labs: dict[str, Any]
    drug_groups: dict[str, frozenset[str]]
    site_sources: tuple[str, ...]
    kb_sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: concept -> (rule index, group) pairs whose group mentions the concept
    rules_by_concept: dict[str, list[tuple[int, frozenset[str]]]] = field(default_factory=dict)
    #: labs thresholds as floats, read once (every case consults several)
    lab_values: dict[str, float] = field(default_factory=dict)


def _read(name: str) -> dict[str, Any]:
    return yaml.safe_load((RULES_DIR / name).read_text(encoding="utf-8"))


def _slot(words: Iterable[str]) -> frozenset[str]:
    return frozenset(stem(w) for w in words if w)


def _phrase_slots(text: str) -> tuple[frozenset[str], ...]:
    slots = []
    for part in text.split("+"):
        words = [w for alt in part.split("|") for w in _TOKEN.findall(_APOSTROPHES.sub("", alt.lower()))]
        if words:
            slots.append(_slot(words))
    return tuple(slots)


def _kb_symptoms() -> list[Any]:
    """The knowledge base's symptom items, or none when the base cannot load (triage must still work)."""
    try:
        from mbcnav.knowledge.loader import load_knowledge_base

        return list(load_knowledge_base().of_kind("symptom"))
    except Exception:  # the knowledge base is optional here; the built-in lexicon always works
        return []


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
    raw_words: set[str] = set()
    for cid, spec in lex["concepts"].items():
        concepts[cid] = {"label": spec["label"], "sites": tuple(spec.get("sites", ()))}
        for text in spec["phrases"]:
            slots = _phrase_slots(text)
            raw_words.update(w for part in text.replace("+", "|").split("|") for w in _TOKEN.findall(part))
            phrases.append(_Phrase(cid, slots, max(default_window, len(slots) + 2)))
    rules = [
        _Rule(r["code"], r["urgency"], tuple(frozenset(group) for group in r["when"])) for r in flags["rules"]
    ]
    kb_sources: dict[str, tuple[str, ...]] = {}
    for item in _kb_symptoms():
        cid = f"kb:{item.id}"
        concepts[cid] = {"label": item.title.lower(), "sites": tuple(item.sites)}
        kb_sources[cid] = tuple(item.sources)
        for phrasing in item.phrasings:
            words = [w for w in _TOKEN.findall(_APOSTROPHES.sub("", phrasing.lower())) if w not in _KB_STOP]
            if not words:
                continue
            raw_words.update(words)
            slots = tuple(_slot([w]) for w in dict.fromkeys(words))
            phrases.append(_Phrase(cid, slots, len(slots) + 3))
        if item.red_flag and item.red_flag in flags["codes"]:
            rules.append(_Rule(item.red_flag, item.level, (frozenset({cid}),)))
    for cid in {c for r in rules for g in r.when for c in g}:
        if cid not in concepts:
            raise ValueError(f"red_flags.yaml uses unknown concept '{cid}'")
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
    known = frozenset(stop | raw_words | set(neg["cues"]) | set(neg["scope_breaks"]) | set(spelling.values()))
    return _Lexicon(
        phrases=phrases,
        index=index,
        concepts=concepts,
        rules=rules,
        codes=flags["codes"],
        code_order={code: n for n, code in enumerate(flags["codes"])},
        advice=flags["advice"],
        spelling=spelling,
        known=known,
        vocab=tuple(sorted(raw_words)),
        vocab_by_initial=_by_initial(sorted(raw_words)),
        cues=frozenset(neg["cues"]),
        scope_breaks=frozenset(neg["scope_breaks"]),
        clause_breaks=frozenset(neg["clause_breaks"]),
        scope_words=int(neg["scope_words"]),
        fuzzy_cutoff=float(lex["fuzzy_cutoff"]),
        fuzzy_min_length=int(lex["fuzzy_min_length"]),
        labs=lex["labs"],
        drug_groups={k: frozenset(v) for k, v in lex["drug_groups"].items()},
        site_sources=tuple(lex["site_sources"]),
        kb_sources=kb_sources,
        rules_by_concept=rules_by_concept,
        lab_values={name: float(spec["value"]) for name, spec in lex["labs"].items()},
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
    for part in _CLAUSE_SPLIT.split(_APOSTROPHES.sub("", text.lower())):
        current: list[str] = []
        for tok in _TOKEN.findall(part):
            if tok in lex.clause_breaks:
                if current:
                    out.append(current)
                current = []
            else:
                current.append(tok)
        if current:
            out.append(current)
    return out


def _governors(tokens: list[str]) -> list[int]:
    """For each token, the position of the negation cue that governs it (-1 if none)."""
    lex = lexicon()
    gov: list[int] = []
    cue, left = -1, 0
    for i, tok in enumerate(tokens):
        if tok in lex.cues:
            cue, left = i, lex.scope_words
            gov.append(i)
        elif tok in lex.scope_breaks:
            cue, left = -1, 0
            gov.append(-1)
        else:
            gov.append(cue if left > 0 else -1)
            left -= 1
    return gov


def _best_positions(slots_hit: dict[int, list[int]], nslots: int, window: int) -> list[tuple[int, ...]]:
    """Every assignment of distinct positions to the slots that fits inside the window."""
    combos: list[tuple[int, ...]] = [()]
    for s in range(nslots):
        combos = [(*c, p) for c in combos for p in slots_hit[s] if p not in c]
        if len(combos) > 64:
            combos = combos[:64]
    return [c for c in combos if max(c) - min(c) <= window]


def _match_tokens(raw: list[str], found: _Found) -> None:
    lex = lexicon()
    words = [_correct(t) for t in raw]
    stems = [stem(w) for w in words]
    gov = _governors(words)
    hits: dict[int, dict[int, list[int]]] = {}
    for pos, st in enumerate(stems):
        for p_idx, s_idx in lex.index.get(st, ()):
            hits.setdefault(p_idx, {}).setdefault(s_idx, []).append(pos)
    for p_idx, slots_hit in hits.items():
        phrase = lex.phrases[p_idx]
        if len(slots_hit) < len(phrase.slots):
            continue
        combos = _best_positions(slots_hit, len(phrase.slots), phrase.window)
        if not combos:
            continue
        concept = phrase.concept
        for combo in combos:
            own = set(combo)
            negated = any(gov[j] != -1 and gov[j] not in own for j in combo)
            matched = " ".join(words[j] for j in sorted(combo))
            if not negated:
                found.present.setdefault(concept, matched)
                break
        else:
            found.negated.setdefault(concept, " ".join(words[j] for j in sorted(combos[0])))


def _fever_from_numbers(text: str) -> float | None:
    """A temperature written in the text, in °C (°F converted), when one is given."""
    low = text.lower()
    best: float | None = None
    for regex, unit in ((_TEMP_C, "c"), (_TEMP_F, "f"), (_TEMP_WORD, "?")):
        for m in regex.finditer(low):
            value = float(f"{m.group(1)}.{m.group(2) or 0}")
            if unit == "f" or (unit == "?" and value >= 90):
                value = (value - 32) * 5 / 9
            best = value if best is None else max(best, value)
    return best


@functools.lru_cache(maxsize=16384)
def _scan_text(text: str) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(present, negated) concepts of one text; cached because symptom lines repeat a lot."""
    found = _Found()
    for clause in _clauses(text):
        _match_tokens(clause, found)
    temp = _fever_from_numbers(text)
    if temp is not None and temp >= lexicon().labs["fever_c"]["value"]:
        found.present.setdefault("fever", f"temperature {temp:.1f} °C")
    return tuple(found.present.items()), tuple(found.negated.items())


def _scan(text: str, found: _Found) -> None:
    present, negated = _scan_text(text)
    for concept, words in present:
        found.present.setdefault(concept, words)
    for concept, words in negated:
        found.negated.setdefault(concept, words)


# --------------------------------------------------------------------------------------------
# Findings -> result
# --------------------------------------------------------------------------------------------


@dataclass
class _Flags:
    urgency: dict[str, str] = field(default_factory=dict)
    why: dict[str, list[str]] = field(default_factory=dict)
    extra_sources: dict[str, list[str]] = field(default_factory=dict)

    def add(self, code: str, urgency: str, why: str, sources: Iterable[str] = ()) -> None:
        old = self.urgency.get(code)
        if old is None or URGENCY_ORDER[urgency] < URGENCY_ORDER[old]:
            self.urgency[code] = urgency
        reasons = self.why.setdefault(code, [])
        if why not in reasons:
            reasons.append(why)
        self.extra_sources.setdefault(code, []).extend(sources)


def _apply_word_rules(found: _Found, flags: _Flags) -> None:
    if found.present:
        for code, urgency, why, sources in _word_rule_hits(tuple(found.present.items())):
            flags.add(code, urgency, why, sources)


@functools.lru_cache(maxsize=8192)
def _word_rule_hits(
    present_items: tuple[tuple[str, str], ...],
) -> tuple[tuple[str, str, str, tuple[str, ...]], ...]:
    """The word rules that fire, in order; cached because the same findings recur across many cases."""
    lex = lexicon()
    present = dict(present_items)
    fired: set[int] = set()
    hits: list[tuple[str, str, str, tuple[str, ...]]] = []
    for concept in present:
        for r_idx, group in lex.rules_by_concept.get(concept, ()):
            if r_idx in fired or not group <= present.keys():
                continue
            fired.add(r_idx)
            rule = lex.rules[r_idx]
            why = " + ".join(f"'{present[c]}' ({lex.concepts[c]['label']})" for c in sorted(group))
            hits.append((rule.code, rule.urgency, why, tuple(lex.kb_sources.get(next(iter(group)), ()))))
    return tuple(hits)


def _lab_sources(name: str) -> list[str]:
    return list(lexicon().labs[name]["sources"])


def _apply_labs(labs: Labs | None, found: _Found, flags: _Flags, on_myelosuppressive: bool) -> None:
    if labs is None:
        return
    present = found.present
    lab = lexicon().lab_values
    # Hypercalcemia: albumin-corrected when albumin is known.
    if labs.calcium_mg_dl is not None:
        corrected = labs.albumin_g_dl is not None
        ca = _corrected_ca(labs.calcium_mg_dl, labs.albumin_g_dl) if corrected else labs.calcium_mg_dl
        if ca >= lab["calcium_urgent_mg_dl"]:
            severe = ca > lab["calcium_emergency_mg_dl"] or "confusion" in present or "drowsiness" in present
            flags.add(
                "hypercalcemia",
                "emergency" if severe else "urgent",
                f"corrected calcium {ca:.1f} mg/dL"
                if corrected
                else f"calcium {ca:.1f} mg/dL (albumin not given, so not corrected)",
                _lab_sources("calcium_urgent_mg_dl"),
            )
    # Febrile neutropenia: temperature + ANC, or fever while on myelosuppressive treatment.
    temp_c = labs.temp_c
    hot = temp_c is not None and temp_c >= lab["fever_c"]
    febrile = hot or "fever" in present
    # Only worded when a flag uses it (most cases have no fever).
    fever_what = (f"temperature {temp_c:g} °C" if hot else "fever reported") if febrile else ""
    if febrile and labs.anc_per_ul is not None:
        if labs.anc_per_ul < lab["anc_neutropenia_per_ul"]:
            flags.add(
                "febrile_neutropenia", "emergency", f"{fever_what} with ANC {labs.anc_per_ul:g}/µL (< 500)"
            )
        elif labs.anc_per_ul < lab["anc_expected_fall_per_ul"]:
            flags.add(
                "febrile_neutropenia",
                "emergency",
                f"{fever_what} with ANC {labs.anc_per_ul:g}/µL (< 1000, may fall below 500)",
            )
    elif febrile and on_myelosuppressive:
        flags.add(
            "febrile_neutropenia", "emergency", f"{fever_what} while on chemotherapy or a CDK4/6 inhibitor"
        )
    elif hot and labs.anc_per_ul is None:
        flags.add("febrile_neutropenia", "urgent", f"{fever_what}; neutrophil count not known")
    # Liver failure from labs.
    uln = lab["bilirubin_uln_mg_dl"]
    bili = labs.bilirubin_mg_dl
    if labs.inr is not None and labs.inr >= lab["liver_failure_inr"]:
        encephalopathy = "confusion" in present or "drowsiness" in present
        if encephalopathy or (bili is not None and bili >= lab["liver_failure_bilirubin_x_uln"] * uln):
            detail = f"INR {labs.inr:g}" + (f", bilirubin {bili:g} mg/dL" if bili is not None else "")
            if encephalopathy:
                detail += " with confusion or drowsiness"
            flags.add("liver_failure", "emergency", detail, _lab_sources("liver_failure_inr"))
    if bili is not None and bili >= lab["liver_failure_bilirubin_x_uln"] * uln and "jaundice" not in present:
        flags.add("liver_failure", "urgent", f"bilirubin {bili:g} mg/dL (>= 3x ULN)")
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
    if "lung" in sites or "pleura" in sites:
        if labs.spo2_percent is not None and labs.spo2_percent < lab["spo2_emergency_percent"]:
            flags.add("visceral_crisis", "emergency", f"lung metastases with SpO2 {labs.spo2_percent:g}%")
        elif "breathless_rest" in present:
            flags.add("visceral_crisis", "urgent", "lung metastases with breathlessness at rest")
    # Brain or leptomeningeal disease makes headache with vomiting or new neurology more pressing.
    if "brain" in sites and "headache" in present:
        flags.add("raised_icp", "urgent", "headache with known brain metastases")
    if "leptomeninges" in sites and ("headache" in present or "cranial_nerve" in present):
        flags.add("leptomeningeal_disease", "urgent", "new symptoms with known leptomeningeal disease")
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
    if on_pneumonitis and ({"cough", "breathless", "breathless_rest", "fever"} & present.keys()):
        signs = ", ".join(lex.concepts[c]["label"] for c in ("cough", "breathless", "fever") if c in present)
        urgency = "emergency" if labs.spo2_percent is not None and labs.spo2_percent < 90 else "urgent"
        flags.add("pneumonitis", urgency, f"{signs} while on {', '.join(sorted(on_pneumonitis))}")
    on_diarrhea = drugs & lex.drug_groups["diarrhea"]
    if (
        on_diarrhea
        and "diarrhea" in present
        and ({"dehydration", "dizziness", "diarrhea_severe"} & present.keys())
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
    on_qt = drugs & lex.drug_groups["qt"]
    if on_qt and ({"syncope", "palpitations"} & present.keys()):
        flags.add(
            "arrhythmia_qt_prolongation", "urgent", f"palpitations or fainting on {', '.join(sorted(on_qt))}"
        )


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
        SuspectedSite(site=site, why="; ".join(why), sources=lex.site_sources) for site, why in whys.items()
    )


@functools.lru_cache(maxsize=8192)
def _red_flag(code: str, urgency: str, rationale: str, extra_sources: tuple[str, ...]) -> RedFlag:
    """One red flag in both voices (cached: the same finding recurs across many cases)."""
    spec = lexicon().codes[code]
    public, clinician = spec["public"], spec["clinician"]
    if URGENCY_ORDER[urgency] > URGENCY_ORDER[spec["urgency"]]:
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
        sources=tuple(dict.fromkeys([*spec["sources"], *extra_sources])),
        rationale=rationale,
        title=spec["title"],
    )


@functools.lru_cache(maxsize=4096)
def _advice(
    urgency: str, first_code: str | None, first_public: str | None = None, first_clinician: str | None = None
) -> Advice:
    lex = lexicon()
    advice = lex.advice[urgency]
    public_advice, clinician_advice = advice["public"], advice["clinician"]
    if first_code is not None:
        spec = lex.codes[first_code]
        public_advice = f"{first_public or spec['public']} {public_advice}"
        clinician_advice = (
            f"{clinician_advice} First: {spec['title'].lower()} - {first_clinician or spec['clinician']}"
        )
    return Advice(public=public_advice, clinician=clinician_advice)


def _result(text: str, found: _Found, flags: _Flags) -> TriageResult:
    why, extra = flags.why, flags.extra_sources
    flag_keys = (
        tuple(
            [
                (code, urgency, "; ".join(why[code]), tuple(extra.get(code, ())))
                for code, urgency in flags.urgency.items()
            ]
        )
        if flags.urgency
        else ()
    )
    return _result_cached(text, tuple(found.present), tuple(found.negated), flag_keys)


@functools.lru_cache(maxsize=8192)
def _result_cached(
    text: str,
    present: tuple[str, ...],
    negated_concepts: tuple[str, ...],
    flag_keys: tuple[tuple[str, str, str, tuple[str, ...]], ...],
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
    negated = tuple(lex.concepts[c]["label"] for c in negated_concepts if c not in present)
    rationale = "; ".join(f"{f.code}: {f.rationale}" for f in red) or (
        "no red-flag pattern recognised" + (f" (read as negated: {', '.join(negated)})" if negated else "")
    )
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
    _scan(text, found)
    flags = _Flags()
    _apply_word_rules(found, flags)
    _apply_labs(labs, found, flags, on_myelosuppressive="chemo_mention" in found.present)
    return _result(text, found, flags)


def triage_case(case: Case) -> TriageResult:
    """Triage of a whole case: its symptoms and notes, labs, sites, bone lesions and current treatment."""
    found = _Found()
    if case.symptoms or case.notes:
        for line in (*case.symptoms, *case.notes):
            _scan(line, found)
    flags = _Flags()
    _apply_word_rules(found, flags)
    on_myelo = "chemo_mention" in found.present or bool(
        case.current_treatment
        and {t.drug for t in case.current_treatment} & lexicon().drug_groups["myelosuppressive"]
    )
    _apply_labs(case.labs, found, flags, on_myelosuppressive=on_myelo)
    _apply_case(case, found, flags)
    return _result("; ".join(case.symptoms), found, flags)
