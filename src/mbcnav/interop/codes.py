"""The code maps of ``codes.yaml`` as fast lookups, plus the small helpers that read coded FHIR values.

The importer asks "what does this coding mean?" thousands of times per second in the benchmark, so
the YAML is turned once into dictionaries keyed by (system short name, code).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mbcnav.errors import FhirMappingError
from mbcnav.yamlfile import load_yaml

CODES_FILE = Path(__file__).parent / "codes.yaml"


@functools.cache
def codes() -> dict[str, Any]:
    return load_yaml(CODES_FILE.read_text(encoding="utf-8"))


@functools.cache
def system_names() -> dict[str, str]:
    """system URI -> short name (loinc, sct, icd10, icdo3, rxnorm, hgnc, ajcc)."""
    out: dict[str, str] = {}
    for short, uris in codes()["systems"].items():
        for uri in uris:
            out[uri.rstrip("/")] = short
    return out


def short_system(uri: str | None) -> str | None:
    if not uri:
        return None
    if not isinstance(uri, str):
        # The importer's JSON-type wording; imported here, on this error path only, because the fhir
        # package imports this module. The importer adds the resource to the message.
        from mbcnav.interop.fhir.values import kind

        raise FhirMappingError(f"coding.system: must be a URI string, got {kind(uri)} {uri!r}"[:200])
    return system_names().get(uri.rstrip("/"))


# A bundle names the same few system URIs dozens of times; bounded, so odd input cannot grow it.
_short_system_of_str = functools.lru_cache(maxsize=1024)(short_system)


def _coding_of(concept: dict[str, Any]) -> Any:
    """A CodeableConcept's ``coding`` list (``()`` when absent); any other shape is a broken record."""
    coding = concept.get("coding")
    if type(coding) is list:
        return coding
    if coding is None:
        return ()
    raise FhirMappingError(f"coding: must be a list of Coding objects, got {_kind(coding)} {coding!r}"[:200])


def check_concept(concept: Any, element: str) -> None:
    """Raise FhirMappingError naming ``element`` when a CodeableConcept is not an object, its ``coding`` is
    not a list, or a coding is not an object: the readers below would otherwise skip it without a word."""
    if concept is None:
        return
    if not isinstance(concept, dict):
        raise FhirMappingError(f"{element}: must be an object (CodeableConcept), got {_kind(concept)}")
    coding = concept.get("coding")
    if coding is None:
        return
    if type(coding) is not list:
        got = f"{_kind(coding)} {coding!r}"[:120]
        raise FhirMappingError(f"{element}.coding: must be a list of Coding objects, got {got}")
    for n, item in enumerate(coding):
        if not isinstance(item, dict):
            got = f"{_kind(item)} {item!r}"[:120]
            raise FhirMappingError(f"{element}.coding[{n}]: must be an object (Coding), got {got}")


def _kind(value: Any) -> str:
    # the importer's JSON-type wording; imported on this error path only (the fhir package imports this)
    from mbcnav.interop.fhir.values import kind

    return kind(value)


def codings(concept: Any) -> list[tuple[str | None, str, str]]:
    """(short system, code, display) for every coding of a CodeableConcept dict; odd shapes give []."""
    if not isinstance(concept, dict):
        return []
    out: list[tuple[str | None, str, str]] = []
    coding_list = concept.get("coding")
    if type(coding_list) is not list:  # absent, or a broken shape that _coding_of names
        coding_list = _coding_of(concept)
    for coding in coding_list:
        if isinstance(coding, dict):
            code = coding.get("code")
            if code is not None:
                system = coding.get("system")
                display = coding.get("display")
                out.append(
                    (
                        _short_system_of_str(system) if type(system) is str else short_system(system),
                        code if type(code) is str else str(code),
                        display if type(display) is str else str(display or ""),
                    )
                )
    return out


# The lookups below walk a concept's codings without building codings()'s list of tuples. Like
# codings(), each one reads every coding's system, even after a match: a system that is neither text
# nor empty fails there exactly as it does in codings(), so a malformed record fails the same way
# whichever helper reads it first.


def first_code(concept: Any, system: str) -> str | None:
    """The code of the first coding in ``system`` (a short name), or None."""
    if not isinstance(concept, dict):
        return None
    found = None
    coding_list = concept.get("coding")
    if type(coding_list) is not list:  # absent, or a broken shape that _coding_of names
        coding_list = _coding_of(concept)
    for coding in coding_list:
        if isinstance(coding, dict):
            code = coding.get("code")
            if code is not None:
                uri = coding.get("system")
                short = _short_system_of_str(uri) if type(uri) is str else short_system(uri)
                if found is None and short == system:
                    found = code if type(code) is str else str(code)
    return found


def has_code(concept: Any, wanted: frozenset[str]) -> bool:
    """Whether any coding's code (in any system) is one of ``wanted``."""
    if not isinstance(concept, dict):
        return False
    found = False
    coding_list = concept.get("coding")
    if type(coding_list) is not list:  # absent, or a broken shape that _coding_of names
        coding_list = _coding_of(concept)
    for coding in coding_list:
        if isinstance(coding, dict):
            code = coding.get("code")
            if code is not None:
                uri = coding.get("system")
                if uri and type(uri) is not str:
                    short_system(uri)  # fails as codings() does
                if (code if type(code) is str else str(code)) in wanted:
                    found = True
    return found


def concept_text(concept: Any) -> str:
    """All human words of a CodeableConcept (text and displays), lower case, for keyword rules."""
    if not isinstance(concept, dict):
        return ""
    # empty and missing parts are left out, so no double spaces: str() of a JSON value is empty only
    # when the value is falsy
    text = concept.get("text")
    parts = [str(text)] if text else []
    coding_list = concept.get("coding")
    if type(coding_list) is not list:  # absent, or a broken shape that _coding_of names
        coding_list = _coding_of(concept)
    for coding in coding_list:
        if isinstance(coding, dict):
            display = coding.get("display")
            if display:
                parts.append(str(display))
    if not parts:
        return ""
    return (parts[0] if len(parts) == 1 else " ".join(parts)).lower()


def label(concept: Any) -> str:
    """A short human label for notes: text, else first display, else system|code."""
    if not isinstance(concept, dict):
        return "?"
    if concept.get("text"):
        return str(concept["text"])
    coding_list = concept.get("coding")
    if type(coding_list) is not list:  # absent, or a broken shape that _coding_of names
        coding_list = _coding_of(concept)
    for coding in coding_list:
        if isinstance(coding, dict) and coding.get("display"):
            return str(coding["display"])
    coding_list = concept.get("coding")
    if type(coding_list) is not list:  # absent, or a broken shape that _coding_of names
        coding_list = _coding_of(concept)
    for coding in coding_list:
        if isinstance(coding, dict):
            return f"{coding.get('system', '?')}|{coding.get('code', '?')}"
    return "?"


def match_text_rules(text: str, rules: list[dict[str, Any]]) -> str | None:
    for rule in rules:
        if all(word in text for word in rule["contains"]):
            return str(rule["value"])
    return None


def _first_in_index(concept: dict[str, Any], index: dict[tuple[str, str], Any]) -> Any:
    """The value of the first coding whose (short system, code) is in ``index``, or None; shared by
    observation_kind and answer_meaning, which differ only in the index they read. A coding whose system
    is unknown or empty cannot match (no index holds an empty system)."""
    hit = None
    coding_list = concept.get("coding")
    if type(coding_list) is not list:  # absent, or a broken shape that _coding_of names
        coding_list = _coding_of(concept)
    for coding in coding_list:
        if isinstance(coding, dict):
            code = coding.get("code")
            if code is not None:
                uri = coding.get("system")
                if not hit:
                    system = _short_system_of_str(uri) if type(uri) is str else short_system(uri)
                    if system:
                        hit = index.get((system, code if type(code) is str else str(code)))
                elif uri and type(uri) is not str:
                    short_system(uri)  # fails as codings() does
    return hit


@functools.cache
def observation_index() -> dict[tuple[str, str], tuple[str, str]]:
    """(system, code) of an Observation.code -> (kind, detail). Kinds: marker, lab, ecog, kps, stage,
    m_category, variant, disease_status, child_pugh, implication."""
    c = codes()
    index: dict[tuple[str, str], tuple[str, str]] = {}
    for marker, loincs in c["tumor_markers"].items():
        for code in loincs:
            index[("loinc", code)] = ("marker", marker)
    for code, field in c["labs"].items():
        index[("loinc", code)] = ("lab", field)
    for code in c["ecog"]["loinc"]:
        index[("loinc", code)] = ("ecog", "")
    for code in c["karnofsky"]["loinc"]:
        index[("loinc", code)] = ("kps", "")
    for system, values in c["stage_group_codes"].items():
        for code in values:
            index[(system, code)] = ("stage", "")
    for system, values in c["distant_metastasis_codes"].items():
        for code in values:
            index[(system, code)] = ("m_category", "")
    for code in c["variant_codes"]["loinc"]:
        index[("loinc", code)] = ("variant", "")
    for code in c["disease_status"]["loinc"]:
        index[("loinc", code)] = ("disease_status", "")
    for code in c["child_pugh"]["loinc"]:
        index[("loinc", code)] = ("child_pugh", "")
    for system, values in c["diagnostic_implication_codes"].items():
        for code in values:
            index[(system, code)] = ("implication", "")
    return index


def observation_kind(concept: Any) -> tuple[str, str] | None:
    """(kind, detail) of the first coding of an Observation.code found in :func:`observation_index`."""
    if not isinstance(concept, dict):
        return None
    return _first_in_index(concept, observation_index())


@functools.cache
def answer_index() -> dict[tuple[str, str], str]:
    """(system, code) of a coded answer -> positive/negative/present/absent/germline/somatic."""
    out: dict[tuple[str, str], str] = {}
    for meaning, systems in codes()["answers"].items():
        for system, values in systems.items():
            for code in values:
                out[(system, code)] = meaning
    return out


_ANSWER_WORDS: tuple[tuple[str, str], ...] = (
    ("not amplified", "negative"),
    ("non-amplified", "negative"),
    ("negative", "negative"),
    ("not detected", "absent"),
    ("absent", "absent"),
    ("amplified", "positive"),
    ("positive", "positive"),
    ("detected", "present"),
    ("present", "present"),
    ("equivocal", "equivocal"),
)


def answer_meaning(concept: Any) -> str | None:
    """positive/negative/present/absent/equivocal/germline/somatic for a coded or worded answer."""
    if not isinstance(concept, dict):
        return None
    return _first_in_index(concept, answer_index()) or answer_in_words(concept_text(concept))


@functools.lru_cache(maxsize=1024)
def answer_in_words(text: str) -> str | None:
    """The meaning of a worded answer (lower case), by the first answer word it contains.

    Cached by the text: answers repeat ("Positive", "Not detected"); bounded, so odd input cannot grow it."""
    for word, meaning in _ANSWER_WORDS:
        if word in text:
            return meaning
    return None


class PrefixTable:
    """An ICD-10 / ICD-O-3 prefix table, prepared once: the longest matching prefix wins (prefixes
    upper-cased and tried longest first; a stable sort keeps the table's order among equal lengths).

    Codes are matched in their dotted form (:func:`dotted`): the tables are written "C79.5", and many
    systems send "C7951", which would otherwise match only the three-character category.
    """

    __slots__ = ("_rows",)

    def __init__(self, table: dict[str, Any]) -> None:
        rows = [(prefix.upper(), len(prefix), value) for prefix, value in table.items()]
        rows.sort(key=lambda row: -row[1])
        self._rows = tuple((prefix, value) for prefix, _, value in rows)

    def get(self, code: str) -> Any:
        code = dotted(code)
        for prefix, value in self._rows:
            if code.startswith(prefix):
                return value
        return None


def dotted(code: str) -> str:
    """An ICD-10 / ICD-O-3 code upper-cased in its dotted form: "c7951" and "C79.51" give "C79.51"."""
    code = code.strip().upper()
    return code if "." in code or len(code) <= 3 else f"{code[:3]}.{code[3:]}"


@dataclass(frozen=True)
class Tables:
    """The parts of codes.yaml the importer reads per resource, in the shape each lookup wants
    (sets, prefix tables, tuples), so no per-call work rebuilds them."""

    secondary_profiles: tuple[str, ...]
    secondary_words: tuple[str, ...]
    secondary_icd10: tuple[str, ...]  # upper-cased, for str.startswith
    breast_sct: dict[str, Any]
    breast_icd10: tuple[str, ...]
    breast_icdo3: tuple[str, ...]
    breast_words: tuple[str, ...]
    histology_sct: dict[str, Any]
    histology_icdo3: dict[str, Any]
    histology_text: list[dict[str, Any]]
    site_sct: dict[str, Any]
    site_icd10: PrefixTable
    site_icdo3: PrefixTable
    site_body_sct: dict[str, Any]
    site_text: list[dict[str, Any]]
    comorbidity_sct: dict[str, Any]
    comorbidity_icd10: PrefixTable
    lab_caveats: dict[str, str]
    ecog_answers: dict[str, Any]
    rxnorm: dict[str, Any]
    drug_text_noise: frozenset[str]
    intent_metastatic_sct: frozenset[str]
    progression_text: tuple[str, ...]
    breast_surgery_sct: frozenset[str]
    breast_surgery_words: tuple[str, ...]
    early_treatment_min_days: int
    gene_component_codes: frozenset[str]
    genomic_source_component_codes: frozenset[str]
    status_trend_sct: dict[str, str]
    symptomatic_sct: dict[str, bool]
    radiotherapy_sct: frozenset[str]
    radiotherapy_profiles: tuple[str, ...]
    surgery_profiles: tuple[str, ...]
    radiotherapy_words: tuple[str, ...]
    surgery_words: tuple[str, ...]
    brain_body_sct: frozenset[str]
    brain_words: tuple[str, ...]
    child_pugh_words: tuple[str, ...]
    child_pugh_bands: dict[str, tuple[int, int]]
    anthracycline_fields: dict[str, str]
    significance_component_codes: frozenset[str]
    significance_answers: dict[str, str]
    significance_words: list[dict[str, Any]]
    implication_profiles: tuple[str, ...]
    same_day_rules: dict[str, str]


@functools.cache
def tables() -> Tables:
    c = codes()
    marker, breast, hist, site, comorb = (
        c["secondary_markers"],
        c["breast_primary"],
        c["histology"],
        c["secondary_site"],
        c["comorbidity"],
    )
    return Tables(
        secondary_profiles=tuple(marker["profile_contains"]),
        secondary_words=tuple(marker["text_keywords"]),
        secondary_icd10=tuple(p.upper() for p in marker["icd10_prefixes"]),
        breast_sct=breast["sct"],
        breast_icd10=tuple(breast["icd10_prefixes"]),
        breast_icdo3=tuple(breast["icdo3_prefixes"]),
        breast_words=tuple(breast["text_keywords"]),
        histology_sct=hist["sct"],
        histology_icdo3=hist["icdo3"],
        histology_text=hist["text"],
        site_sct=site["sct"],
        site_icd10=PrefixTable(site["icd10_prefixes"]),
        site_icdo3=PrefixTable(site["icdo3_prefixes"]),
        site_body_sct=site["body_site_sct"],
        site_text=site["text"],
        comorbidity_sct=comorb["sct"],
        comorbidity_icd10=PrefixTable(comorb["icd10_prefixes"]),
        lab_caveats=c["lab_caveats"],
        ecog_answers=c["ecog"]["answers"],
        rxnorm=c["rxnorm"],
        drug_text_noise=frozenset(c["drug_text_noise"]),
        intent_metastatic_sct=frozenset(c["intent_metastatic"]["sct"]),
        progression_text=tuple(c["progression_text"]),
        breast_surgery_sct=frozenset(c["breast_surgery"]["sct"]),
        breast_surgery_words=tuple(w.lower() for w in c["breast_surgery"]["text_keywords"]),
        early_treatment_min_days=int(c["early_treatment_min_days_before_metastasis"]),
        gene_component_codes=frozenset(c["gene_component_codes"]["loinc"]),
        genomic_source_component_codes=frozenset(c["genomic_source_component_codes"]["loinc"]),
        status_trend_sct={str(k): str(v) for k, v in c["disease_status"]["trend_sct"].items()},
        symptomatic_sct={str(k): bool(v) for k, v in c["symptomatic_sct"].items()},
        radiotherapy_sct=frozenset(c["brain_treatment"]["radiotherapy_sct"]),
        radiotherapy_profiles=tuple(c["brain_treatment"]["radiotherapy_profiles"]),
        surgery_profiles=tuple(c["brain_treatment"]["surgery_profiles"]),
        radiotherapy_words=tuple(w.lower() for w in c["brain_treatment"]["radiotherapy_words"]),
        surgery_words=tuple(w.lower() for w in c["brain_treatment"]["surgery_words"]),
        brain_body_sct=frozenset(c["brain_treatment"]["brain_body_sct"]),
        brain_words=tuple(w.lower() for w in c["brain_treatment"]["brain_words"]),
        child_pugh_words=tuple(w.lower() for w in c["child_pugh"]["text_keywords"]),
        child_pugh_bands={k: (int(v[0]), int(v[1])) for k, v in c["child_pugh"]["score_bands"].items()},
        anthracycline_fields=dict(c["anthracycline_fields"]),
        significance_component_codes=frozenset(c["clinical_significance_codes"]["loinc"]),
        significance_answers={str(k): str(v) for k, v in c["clinical_significance"].items()},
        significance_words=list(c["clinical_significance_words"]),
        implication_profiles=tuple(c["diagnostic_implication_profiles"]),
        same_day_rules={str(k): str(v) for k, v in c["same_day_conflicts"].items()},
    )


def significance(concept: Any) -> str | None:
    """pathogenic / likely_pathogenic / uncertain / likely_benign / benign for a coded or worded answer."""
    t = tables()
    for _, code, _ in codings(concept):
        if code in t.significance_answers:
            return t.significance_answers[code]
    text = concept_text(concept)
    return match_text_rules(text, t.significance_words) if text else None
