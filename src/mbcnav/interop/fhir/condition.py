"""Condition → the breast primary (histology, stage), metastatic sites, comorbidities.

A Condition is read as a metastasis (mCODE secondary cancer profile, words, ICD-10 C77-C79), else as
the breast primary (SNOMED, ICD-10 C50, ICD-O-3 C50, or words), else as a comorbidity mbcnav knows;
any other cancer is flagged for review and anything else is noted as not used.
"""

from __future__ import annotations

import functools
from typing import Any

from mbcnav.interop import codes as C
from mbcnav.interop.fhir import nodes
from mbcnav.interop.fhir.observation import stage
from mbcnav.interop.fhir.state import BrainSymptoms, ImportState
from mbcnav.interop.fhir.values import checked_date, date_of, profile, wrong_date_type

_Coded = list[tuple[str | None, str, str]]
_NOT_TRUE = frozenset({"refuted", "entered-in-error"})
#: clinicalStatus codes of a condition that is no longer active (FHIR condition-clinical)
_NOT_ACTIVE = frozenset({"resolved", "remission", "inactive"})


def map_condition(st: ImportState, res: dict[str, Any], ref: str) -> None:
    """One Condition into ``st``: a metastatic site, the breast primary, a comorbidity, or a note."""
    if C.has_code(res.get("verificationStatus"), _NOT_TRUE):
        st.note("dropped", "condition is refuted or entered in error; not used", ref, "verificationStatus")
        return
    code = res.get("code")
    C.check_concept(code, "code")
    if not isinstance(code, dict):
        st.note("unmapped", "condition has no code", ref, "code")
        return
    t = C.tables()
    text = C.concept_text(code)
    coded = C.codings(code)
    prof = profile(res)
    secondary_words, breast_words, cancer_words = _words(text)
    is_secondary = (
        _secondary_profile(prof)
        or secondary_words
        or any(
            (s == "icd10" and c.upper().startswith(t.secondary_icd10)) or (s == "sct" and c in t.site_sct)
            for s, c, _ in coded
        )
    )
    date = date_of(res) or _asserted(res)
    if is_secondary:
        group = nodes.regional_group(code, res)
        if group is not None:
            # regional nodes are N, not M: where they count is decided once the primary's side is known
            st.node_findings.append(nodes.NodeFinding(ref, date, group, nodes.side_of(res), C.label(code)))
            return
        site = _site(code, coded, res)
        mixed = nodes.mixed_nodes(code) if site == "lymph_node" else None
        if mixed:
            st.note(
                "needs_review",
                f"'{C.label(code)}' covers {mixed}; counted as a distant lymph_node metastasis: remove it "
                "from metastatic_sites if only regional nodes are involved",
                ref,
                "code",
                "warning",
            )
        if site is None:
            st.note(
                "unmapped",
                f"metastasis '{C.label(code)}' has no site mbcnav knows; recorded as 'other'",
                ref,
                "code",
                "warning",
            )
            site = "other"
        st.sites.setdefault(site, (ref, date))
        if date:
            st.metastasis_dates.append(date)
        if site == "brain":
            st.brain_conditions[id(res)] = ref
            _symptom_evidence(st, res, ref, date)
        _note_not_active(st, res, ref, "metastasis", site)
        return
    histology = None
    is_breast = False
    for system, c, _ in coded:
        if system == "sct" and c in t.breast_sct:
            is_breast = True
            histology = t.breast_sct[c]
        elif (system == "icd10" and c.startswith(t.breast_icd10)) or (
            system == "icdo3" and c.startswith(t.breast_icdo3)
        ):
            is_breast = True
    if not is_breast and breast_words:
        is_breast = True
    if is_breast:
        st.primary_seen = True
        st.primary_sides.append(nodes.breast_side(code, res))
        hist = _histology(res) or histology or _histology_in_words(text)
        if hist:
            st.add("tumor.histology", hist, date, ref, "code/extension(histology)", C.label(code))
        else:
            st.note(
                "unmapped",
                "histology not given or not recognised",
                ref,
                "extension(mcode-histology-morphology-behavior)",
            )
        for stage_item in res.get("stage") or ():
            if isinstance(stage_item, dict) and isinstance(stage_item.get("summary"), dict):
                stage(st, stage_item["summary"], date, ref, "stage.summary")
        return
    comorbid = _comorbidity(coded)
    if comorbid:
        st.comorbidities.append(comorbid)
        _note_not_active(st, res, ref, "condition", comorbid)
        return
    if cancer_words:
        st.note(
            "needs_review",
            f"a cancer condition that is not breast cancer: '{C.label(code)}'",
            ref,
            "code",
            "warning",
        )
        return
    st.note("unmapped", f"condition '{C.label(code)}' is not used", ref, "code")


def _symptom_evidence(st: ImportState, res: dict[str, Any], ref: str, date: str | None) -> None:
    """Condition.evidence.code saying the brain metastases are symptomatic or asymptomatic (SNOMED)."""
    symptomatic = C.tables().symptomatic_sct
    for n, evidence in enumerate(res.get("evidence") or ()):
        for concept in (evidence.get("code") or ()) if isinstance(evidence, dict) else ():
            for system, c, _ in C.codings(concept):
                if system == "sct" and c in symptomatic:
                    st.brain_symptoms.append(
                        BrainSymptoms(date, symptomatic[c], ref, f"evidence[{n}].code", ())
                    )


def _note_not_active(st: ImportState, res: dict[str, Any], ref: str, kind: str, name: str) -> None:
    """A resolved or inactive metastasis or comorbidity still counts, with a warning that says so.

    A metastasis that was treated (a resected brain metastasis, bone disease in remission) keeps the
    disease stage IV and still guides choices (HER2CLIMB enrolled treated brain metastases), and a
    past ILD or heart failure still matters to the safety rules; dropping them would hide that. The
    note lets the person remove it if the record means something else.
    """
    status = res.get("clinicalStatus")
    if status is None or not C.has_code(status, _NOT_ACTIVE):
        return
    word = next(c for _, c, _ in C.codings(status) if c in _NOT_ACTIVE)
    st.note(
        "needs_review",
        f"{kind} ({name}) is recorded as {word}; still counted (a past {kind} still guides treatment and "
        "safety): remove it from the case if that is wrong",
        ref,
        "clinicalStatus",
        "warning",
    )


# What a condition's words and profile say, cached by the (lower-case) text: a feed names the same
# few dozen conditions over and over. Pure functions of their string; bounded, so odd input cannot
# grow them.


@functools.lru_cache(maxsize=1024)
def _words(text: str) -> tuple[bool, bool, bool]:
    """(names a metastasis, names breast cancer, names some cancer) by the words of a condition."""
    t = C.tables()
    return (
        any(k in text for k in t.secondary_words),
        any(k in text for k in t.breast_words)
        and ("neoplasm" in text or "carcinoma" in text or "cancer" in text),
        any(k in text for k in ("neoplasm", "carcinoma", "cancer", "malignan")),
    )


@functools.lru_cache(maxsize=1024)
def _secondary_profile(prof: str) -> bool:
    return any(p in prof for p in C.tables().secondary_profiles)


@functools.lru_cache(maxsize=1024)
def _histology_in_words(text: str) -> str | None:
    return C.match_text_rules(text, C.tables().histology_text)


@functools.lru_cache(maxsize=1024)
def _site_in_words(text: str) -> str | None:
    return C.match_text_rules(text, C.tables().site_text)


def _asserted(res: dict[str, Any]) -> str | None:
    for ext in res.get("extension") or ():
        if isinstance(ext, dict) and str(ext.get("url", "")).endswith("condition-assertedDate"):
            value = ext.get("valueDateTime")
            if value is None:
                return None
            if not isinstance(value, str):
                raise wrong_date_type(value, "extension(assertedDate).valueDateTime")
            return checked_date(value, "extension(assertedDate).valueDateTime")
    return None


def _histology(res: dict[str, Any]) -> str | None:
    t = C.tables()
    for ext in res.get("extension") or ():
        if isinstance(ext, dict) and "histology-morphology" in str(ext.get("url", "")):
            concept = ext.get("valueCodeableConcept")
            for system, c, _ in C.codings(concept):
                if system == "sct" and c in t.histology_sct:
                    return str(t.histology_sct[c])
                if system == "icdo3" and c in t.histology_icdo3:
                    return str(t.histology_icdo3[c])
            found = _histology_in_words(C.concept_text(concept))
            if found:
                return found
    return None


def _site(code: dict[str, Any], coded: _Coded, res: dict[str, Any]) -> str | None:
    t = C.tables()
    found = _coded_lookup(coded, t.site_sct, t.site_icd10, t.site_icdo3)
    if found:
        return found
    for body in res.get("bodySite") or ():
        found = _coded_lookup(C.codings(body), t.site_body_sct, None, t.site_icdo3)
        if found:
            return found
    found = _site_in_words(C.concept_text(code))
    if found:
        return found
    for body in res.get("bodySite") or ():
        found = _site_in_words(C.concept_text(body))
        if found:
            return found
    return None


def _comorbidity(coded: _Coded) -> str | None:
    t = C.tables()
    return _coded_lookup(coded, t.comorbidity_sct, t.comorbidity_icd10, None)


def _coded_lookup(
    coded: _Coded, sct: dict[str, Any], icd10: C.PrefixTable | None, icdo3: C.PrefixTable | None
) -> str | None:
    """The value of the first coding found in its system's table (SNOMED exact, ICD by prefix)."""
    for system, c, _ in coded:
        if system == "sct":
            if c in sct:
                return str(sct[c])
            continue
        table = icd10 if system == "icd10" else icdo3 if system == "icdo3" else None
        if table is not None:
            hit = table.get(c)
            if hit:
                return str(hit)
    return None
