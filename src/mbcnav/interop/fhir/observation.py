"""Observation → labs (with unit conversion), ER/PR/HER2, ECOG/Karnofsky, stage group and M category,
and genomic variants.

The Observation's code picks the reader (``codes.observation_index``); an mCODE genomic-variant profile
with no known code is read as a variant. Results the Case cannot hold faithfully (ER given only as
"Positive") are kept as statuses for :mod:`.resolve` to turn into review notes, never into numbers.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from mbcnav.errors import FhirMappingError
from mbcnav.interop import codes as C
from mbcnav.interop.fhir.state import BrainStatus, BrainSymptoms, Candidate, Implication, ImportState
from mbcnav.interop.fhir.values import date_of, fmt, kind, number, profile
from mbcnav.interop.units import UnitError, convert_value

# Compiled once here, not looked up in re's pattern cache on every resource.
_M1 = re.compile(r"\b[cp]?m1")
_M0 = re.compile(r"\b[cp]?m0")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_STAGE_IV = re.compile(r"(^|[^a-z])(iv|4)[abc]?($|[^a-z0-9])")
_STAGE_EARLY = re.compile(r"(^|[^a-z])(0|i{1,3}|1|2|3)[abc]?($|[^a-z0-9])")
_IHC_PLUS = re.compile(r"(?:^|[^0-9])([0-3])\s*\+")
_IHC_ZERO = re.compile(r"\s*(?:score\s*)?0\s*")


def map_observation(st: ImportState, res: dict[str, Any], ref: str) -> None:
    """One Observation into ``st``: its code picks the reader; an unknown code becomes a note."""
    status = res.get("status")
    if status in {"entered-in-error", "cancelled"}:
        st.note("dropped", f"observation status is '{status}'; not used", ref, "status")
        return
    code = res.get("code")
    if code is not None and not isinstance(code, dict):
        raise FhirMappingError(f"code: must be an object, got {kind(code)}", field=ref)
    C.check_concept(code, "code")
    value = res.get("valueCodeableConcept")
    if value is not None:
        C.check_concept(value, "valueCodeableConcept")
    hit = C.observation_kind(code)
    if hit is None:
        prof = profile(res)
        if "genetic-variant" in prof or "genomic-variant" in prof:
            hit = ("variant", "")
        elif prof and any(p in prof for p in C.tables().implication_profiles):
            hit = ("implication", "")
    if hit is None:
        hit = _by_words_or_focus(st, res, ref, code)
    if hit is None:
        st.note("unmapped", f"observation '{C.label(code)}' is not used", ref, "code")
        return
    what, detail = hit
    date = date_of(res)
    if what == "lab":
        _lab(st, res, ref, detail, date, code)
    elif what == "marker":
        _marker(st, res, ref, detail, date)
    elif what == "ecog":
        _ecog(st, res, ref, date)
    elif what == "kps":
        value = _quantity_or_int(st, res, ref)
        if value is not None:
            st.add("patient.kps", round(value), date, ref, "value[x]", fmt(value))
    elif what == "stage":
        stage(st, res.get("valueCodeableConcept"), date, ref, "valueCodeableConcept")
    elif what == "m_category":
        concept = res.get("valueCodeableConcept")
        m = _m_category(
            (C.concept_text(concept) + " " + " ".join(c for _, c, _ in C.codings(concept))).lower()
        )
        if m == 1:
            st.stage_iv.append((date, ref))
        elif m == 0:
            st.early_stage.append((date, ref))
    elif what == "variant":
        _variant(st, res, ref, date)
    elif what == "implication":
        _implication(st, res, ref)
    elif what == "disease_status":
        _disease_status(st, res, ref, date)
    elif what == "child_pugh":
        _child_pugh(st, res, ref, date)


def _by_words_or_focus(
    st: ImportState, res: dict[str, Any], ref: str, code: dict[str, Any] | None
) -> tuple[str, str] | None:
    """An Observation without a known code: a Child-Pugh class named in words (no code for the class
    alone could be verified), or a symptomatic/asymptomatic value about a Condition (``focus``)."""
    t = C.tables()
    text = C.concept_text(code)
    if text and any(w in text for w in t.child_pugh_words):
        st.note(
            "assumption",
            f"'{C.label(code)}' read as the Child-Pugh class by its words (no standard code for the class "
            "alone); check the value",
            ref,
            "code",
        )
        return ("child_pugh", "")
    if res.get("focus"):
        for s, c, _ in C.codings(res.get("valueCodeableConcept")):
            if s == "sct" and c in t.symptomatic_sct:
                found = BrainSymptoms(
                    date_of(res), t.symptomatic_sct[c], ref, "valueCodeableConcept", focus_of(res)
                )
                st.brain_symptoms.append(found)
                return ("handled", "")
    return None


def focus_of(res: dict[str, Any]) -> tuple[str, ...]:
    """The references of Observation.focus (what the Observation is about, when not the patient)."""
    focus = res.get("focus")
    if not isinstance(focus, list):
        return ()
    return tuple(
        f["reference"] for f in focus if isinstance(f, dict) and isinstance(f.get("reference"), str)
    )


def _disease_status(st: ImportState, res: dict[str, Any], ref: str, date: str | None) -> None:
    """An mCODE CancerDiseaseStatus: kept with its focus; :mod:`.brain` uses it when the focus is a brain
    metastasis (the disease status of other Conditions has no Case field)."""
    concept = res.get("valueCodeableConcept")
    trends = C.tables().status_trend_sct
    trend = next((trends[c] for s, c, _ in C.codings(concept) if s == "sct" and c in trends), None)
    if trend is None:
        st.note(
            "unmapped",
            f"cancer disease status '{C.label(concept)}' is not a trend mbcnav knows (mCODE "
            "ConditionStatusTrendVS); not used",
            ref,
            "valueCodeableConcept",
            "warning",
        )
        return
    focus = focus_of(res)
    if not focus:
        st.note(
            "unmapped",
            "cancer disease status without a focus: which cancer it judges is not said; not used",
            ref,
            "focus",
        )
        return
    st.brain_status.append(BrainStatus(date, trend, ref, focus, C.label(concept)))


_CP_CLASS = re.compile(r"\bclass\s*([abc])\b|^\s*([abc])\s*$|\bchild[- ]?pugh\s*([abc])\b")
_CP_POINTS = re.compile(r"\b(\d{1,2})\s*(?:points?|pts?)?\b")


def _child_pugh(st: ImportState, res: dict[str, Any], ref: str, date: str | None) -> None:
    """The Child-Pugh class as sent (a letter, in text or a coded display), or from the total points with
    the published bands (A 5-6, B 7-9, C 10-15); anything else is a note, never a guess."""
    concept = res.get("valueCodeableConcept")
    if isinstance(res.get("valueString"), str):
        words, element = res["valueString"], "valueString"
    elif isinstance(concept, dict):
        words = " ".join(p for p in (C.concept_text(concept), *(c for _, c, _ in C.codings(concept))) if p)
        element = "valueCodeableConcept"
    else:
        words, element = "", "value[x]"
    letter = _child_pugh_letter(words.lower())
    if letter is not None:
        st.add("patient.child_pugh", letter, date, ref, element, words[:80])
        return
    points: float | None = None
    if "valueInteger" in res:
        points, element = number(res["valueInteger"], ref, "valueInteger"), "valueInteger"
    elif isinstance(res.get("valueQuantity"), dict) and "value" in res["valueQuantity"]:
        points, element = number(res["valueQuantity"]["value"], ref, "valueQuantity.value"), "valueQuantity"
    elif words and (m := _CP_POINTS.search(words.lower())):
        points = float(m.group(1))
    bands = C.tables().child_pugh_bands
    letter = None
    if points is not None:
        letter = next((k for k, (lo, hi) in bands.items() if lo <= points <= hi), None)
    if points is None or letter is None:
        shown = fmt(points) if points is not None else f"'{words or 'no value'}'"
        st.note(
            "unmapped",
            f"Child-Pugh value {shown} is neither a class (A, B, C) nor a total of 5-15 points; not used",
            ref,
            element,
            "warning",
        )
        return
    band = ", ".join(f"{k} {lo}-{hi}" for k, (lo, hi) in bands.items())
    read = f"Child-Pugh total {fmt(points)} points read as class {letter} (bands {band} points)"
    st.note("conversion", read, ref, element)
    st.add("patient.child_pugh", letter, date, ref, element, f"{fmt(points)} points")


@functools.lru_cache(maxsize=256)
def _child_pugh_letter(text: str) -> str | None:
    m = _CP_CLASS.search(text.strip())
    if m is None:
        return None
    return next(g for g in m.groups() if g).upper()


def _quantity_or_int(st: ImportState, res: dict[str, Any], ref: str) -> float | None:
    if "valueInteger" in res:
        return number(res["valueInteger"], ref, "valueInteger")
    q = res.get("valueQuantity")
    if isinstance(q, dict) and "value" in q:
        return number(q["value"], ref, "valueQuantity.value")
    st.note("unmapped", "no numeric value", ref, "value[x]")
    return None


def _lab(
    st: ImportState,
    res: dict[str, Any],
    ref: str,
    path: str,
    date: str | None,
    code: dict[str, Any] | None,
) -> None:
    q = res.get("valueQuantity")
    if not isinstance(q, dict):
        if q is not None:
            raise FhirMappingError(f"valueQuantity: must be an object, got {kind(q)}", field=ref)
        what = next((k for k in res if k.startswith("value")), None)
        st.note(
            "unmapped", f"{path} needs a valueQuantity; got {what or 'no value'}", ref, what or "value[x]"
        )
        return
    if "value" not in q:
        st.note("unmapped", "valueQuantity has no value", ref, "valueQuantity.value")
        return
    read = _quantity(st, q, ref, path, path, "valueQuantity")
    if read is None:
        return
    converted, original = read
    caveat = C.tables().lab_caveats.get(C.first_code(code, "loinc") or "")
    if caveat:
        st.note("assumption", caveat, ref, "code")
    st.add(path, round(converted, 4), date, ref, "valueQuantity", original)
    uln_path = _ULN_OF.get(path)
    if uln_path is not None and "referenceRange" in res:
        _upper_limit(st, res["referenceRange"], ref, path, uln_path, date)


#: lab field -> the Case field for that laboratory's upper limit of normal (read from referenceRange)
_ULN_OF = {
    "labs.bilirubin_mg_dl": "labs.bilirubin_uln_mg_dl",
    "labs.alt_u_l": "labs.alt_uln_u_l",
    "labs.ast_u_l": "labs.ast_uln_u_l",
    "labs.alp_u_l": "labs.alp_uln_u_l",
}


def _upper_limit(st: ImportState, ranges: Any, ref: str, path: str, uln_path: str, date: str | None) -> None:
    """The lab's own upper limit of normal (referenceRange[0].high), converted like the value itself.

    The "x ULN" safety rules then use it instead of a typical adult limit.
    """
    first = ranges[0] if isinstance(ranges, list) and ranges else None
    high = first.get("high") if isinstance(first, dict) else None
    if not isinstance(high, dict) or "value" not in high:
        return
    read = _quantity(st, high, ref, path, uln_path, "referenceRange[0].high")
    if read is not None:
        converted, original = read
        st.add(uln_path, round(converted, 4), date, ref, "referenceRange[0].high", original)


def _quantity(
    st: ImportState, q: dict[str, Any], ref: str, path: str, target: str, element: str
) -> tuple[float, str] | None:
    """A Quantity in the unit of lab field ``path``, for Case field ``target``: (value, as sent), or None.

    The unit is the UCUM code when the system is UCUM, else the human unit, else the code. A unit that
    cannot be converted becomes a "dropped" note, a real conversion a "conversion" note.
    """
    value = number(q["value"], ref, f"{element}.value")
    ucum = q.get("system") == "http://unitsofmeasure.org" and q.get("code")
    unit = q.get("code") if ucum else q.get("unit")
    unit = unit if unit is not None else q.get("code")
    try:
        converted, unit_out, changed = convert_value(path, value, unit)
    except UnitError as exc:
        st.note("dropped", f"{target}: {exc}", ref, f"{element}.unit", "warning")
        return None
    original = f"{fmt(value)} {unit}"
    comparator = q.get("comparator")
    if comparator:
        original = f"{comparator}{original}"
        st.note(
            "assumption",
            f"{target}: the result is '{original}', a limit rather than a measured value; the limit "
            f"{fmt(converted)} {unit_out} is used (review: the true value lies beyond it)",
            ref,
            f"{element}.comparator",
            "warning",
        )
    if changed:
        st.note("conversion", f"{target}: {original} converted to {fmt(converted)} {unit_out}", ref, element)
    return converted, original


def _marker(st: ImportState, res: dict[str, Any], ref: str, marker: str, date: str | None) -> None:
    concept = res.get("valueCodeableConcept")
    q = res.get("valueQuantity")
    text_value = res.get("valueString")
    if marker in {"er", "pr"}:
        if isinstance(q, dict) and "value" in q:
            value = number(q["value"], ref, "valueQuantity.value")
            unit = str(q.get("code") or q.get("unit") or "")
            if unit.strip() == "%":
                st.add(f"tumor.{marker}_percent", value, date, ref, "valueQuantity", f"{fmt(value)}%")
                return
            st.note(
                "dropped",
                f"{marker.upper()} quantity in '{unit}' (need %)",
                ref,
                "valueQuantity.unit",
                "warning",
            )
            return
        if isinstance(text_value, str):
            m = _PERCENT.search(text_value)
            if m:
                st.add(f"tumor.{marker}_percent", float(m.group(1)), date, ref, "valueString", text_value)
                return
        meaning = C.answer_meaning(concept) or C.answer_meaning({"text": text_value or ""})
        if meaning is None:
            for interp in res.get("interpretation") or ():
                meaning = meaning or C.answer_meaning(interp)
        if meaning in {"positive", "negative"}:
            st.add(f"status.{marker}", meaning, date, ref, "valueCodeableConcept", meaning)
        else:
            st.note(
                "unmapped",
                f"{marker.upper()} result not understood: '{C.label(concept)}'",
                ref,
                "value[x]",
                "warning",
            )
        return
    words = " ".join(
        p
        for p in (
            C.concept_text(concept),
            " ".join(c for _, c, _ in C.codings(concept)),
            str(text_value or ""),
        )
        if p
    )
    score = _ihc_score(words)
    if marker in {"her2_ihc", "her2_unspecified"} and score:
        st.add("tumor.her2_ihc", score, date, ref, "value[x]", words)
        return
    meaning = C.answer_meaning(concept) or C.answer_meaning({"text": str(text_value or "")})
    if marker == "her2_ish" and meaning in {"positive", "negative"}:
        st.add(
            "tumor.her2_ish",
            "amplified" if meaning == "positive" else "not_amplified",
            date,
            ref,
            "value[x]",
            meaning,
        )
        return
    if meaning in {"positive", "negative", "equivocal"}:
        st.add("status.her2", meaning, date, ref, "valueCodeableConcept", meaning)
        return
    st.note("unmapped", f"HER2 result not understood: '{C.label(concept)}'", ref, "value[x]", "warning")


def _ecog(st: ImportState, res: dict[str, Any], ref: str, date: str | None) -> None:
    answers = C.tables().ecog_answers
    value: float | None = None
    if "valueInteger" in res:
        value = number(res["valueInteger"], ref, "valueInteger")
    else:
        for _, c, _ in C.codings(res.get("valueCodeableConcept")):
            if c in answers:
                value = float(answers[c])
    if value is None:
        st.note("unmapped", "ECOG value not understood", ref, "value[x]", "warning")
        return
    st.add("patient.ecog", int(value), date, ref, "value[x]", fmt(value))


def stage(st: ImportState, concept: Any, date: str | None, ref: str, element: str) -> None:
    """A stage group (an Observation's value or a Condition's stage.summary): IV, earlier, or a note."""
    words = (C.concept_text(concept) + " " + " ".join(c for _, c, _ in C.codings(concept))).strip()
    label = C.label(concept)
    group = _stage_group(words)
    token = _stage_token(words.lower())
    if token is not None:
        st.stage_groups.append((date, ref, label, token))
    if group == "iv":
        st.stage_iv.append((date, ref))
        st.case_notes.append(f"FHIR import: stage group {label} ({ref}{', ' + date if date else ''}).")
    elif group == "early":
        st.early_stage.append((date, ref))
        st.case_notes.append(f"FHIR import: stage group {label} ({ref}{', ' + date if date else ''}).")
    else:
        st.note("unmapped", f"stage group '{label}' not understood", ref, element, "warning")


def _variant(st: ImportState, res: dict[str, Any], ref: str, date: str | None) -> None:
    t = C.tables()
    gene = None
    source = None
    significance = None
    for comp in res.get("component") or ():
        if not isinstance(comp, dict):
            continue
        comp_codes = {c for _, c, _ in C.codings(comp.get("code"))}
        if comp_codes & t.gene_component_codes:
            gene = gene or _gene(comp.get("valueCodeableConcept"))
        if comp_codes & t.genomic_source_component_codes:
            source = C.answer_meaning(comp.get("valueCodeableConcept"))
        if comp_codes & t.significance_component_codes:
            significance = _significance_of(st, comp.get("valueCodeableConcept"), ref, "component(53037-8)")
    if gene is None:
        st.note(
            "unmapped",
            "variant in a gene mbcnav does not use (or gene not named)",
            ref,
            "component(48018-6)",
        )
        return
    meaning = C.answer_meaning(res.get("valueCodeableConcept")) if "valueCodeableConcept" in res else None
    if meaning is None:
        meaning = "present"
        st.note(
            "assumption",
            f"{gene} variant observation has no value; read as 'present'",
            ref,
            "valueCodeableConcept",
        )
    if meaning not in {"present", "absent", "positive", "negative"}:
        st.note("unmapped", f"{gene} variant result '{meaning}' not understood", ref, "valueCodeableConcept")
        return
    found = meaning in {"present", "positive"}
    st.variant_ids[id(res)] = ref
    st.genes.setdefault(gene, []).append(
        Candidate(
            (found, source, significance),
            date,
            ref,
            "valueCodeableConcept",
            f"{gene} {'present' if found else 'absent'}",
            st.order,
        )
    )
    st.order += 1


def _significance_of(st: ImportState, concept: Any, ref: str, element: str) -> str | None:
    """The clinical significance a 53037-8 value states, or None with a note when it is not understood."""
    found = C.significance(concept)
    if found is None:
        st.note(
            "unmapped",
            f"clinical significance '{C.label(concept)}' is not one mbcnav knows (LOINC answer list "
            "LL4034-6); read as not given",
            ref,
            element,
            "warning",
        )
    return found


def _implication(st: ImportState, res: dict[str, Any], ref: str) -> None:
    """A Genomics Reporting Diagnostic Implication: the clinical significance of the variant(s) it names in
    ``derivedFrom``, kept for :mod:`.resolve` to join to them."""
    t = C.tables()
    significance = None
    if C.has_code(res.get("code"), t.significance_component_codes) and "valueCodeableConcept" in res:
        significance = _significance_of(st, res.get("valueCodeableConcept"), ref, "valueCodeableConcept")
    for comp in res.get("component") or ():
        if isinstance(comp, dict) and C.has_code(comp.get("code"), t.significance_component_codes):
            significance = _significance_of(st, comp.get("valueCodeableConcept"), ref, "component(53037-8)")
    derived = res.get("derivedFrom")
    targets = tuple(
        d["reference"] for d in derived or () if isinstance(d, dict) and isinstance(d.get("reference"), str)
    ) if isinstance(derived, list) else ()
    if significance is None:
        st.note(
            "unmapped", "diagnostic implication states no clinical significance; not used", ref, "component"
        )
        return
    if not targets:
        st.note(
            "unmapped",
            f"diagnostic implication '{significance}' names no variant in derivedFrom; not used",
            ref,
            "derivedFrom",
            "warning",
        )
        return
    st.implications.append(Implication(targets, significance, ref, C.label(res.get("code"))))


# Reading the words of a result, cached by the text: results repeat ("Stage IV", "HER2 2+", "M1").
# Pure functions of their string; bounded, so odd input cannot grow them.


@functools.lru_cache(maxsize=1024)
def _m_category(text: str) -> int | None:
    """1 for M1, 0 for M0, None when a (lower-case) TNM M category says neither."""
    if _M1.search(text):
        return 1
    if _M0.search(text):
        return 0
    return None


@functools.lru_cache(maxsize=1024)
def _stage_group(words: str) -> str | None:
    """The stage a group's words and codes name: "iv", "early" (0 to III) or None."""
    lower = words.lower()
    if _STAGE_IV.search(lower):
        return "iv"
    if _STAGE_EARLY.search(lower):
        return "early"
    return None


_STAGE_TOKEN = re.compile(r"\bstage\s*(iv|iii|ii|i|0|[1-4])([abc]?)\b|^\s*(iv|iii|ii|i|0|[1-4])([abc]?)\s*$")
_ROMAN = {"1": "i", "2": "ii", "3": "iii", "4": "iv"}


@functools.lru_cache(maxsize=1024)
def _stage_token(lower: str) -> str | None:
    """The stage group a (lower-case) text names, in one spelling ("iiic", "iv"), or None."""
    m = _STAGE_TOKEN.search(lower)
    if m is None:
        return None
    number, letter = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    return _ROMAN.get(number, number) + letter


@functools.lru_cache(maxsize=1024)
def _ihc_score(words: str) -> str | None:
    text = words.lower()
    if "ultralow" in text or "ultra-low" in text:
        return "0+ultralow"
    m = _IHC_PLUS.search(text)
    if m:
        return "0" if m.group(1) == "0" else f"{m.group(1)}+"
    if _IHC_ZERO.fullmatch(text):
        return "0"
    return None


def _gene(concept: Any) -> str | None:
    cd = C.codes()
    for _, c, display in C.codings(concept):
        if c in cd["genes"]:
            return str(cd["genes"][c])
        if c.upper() in cd["gene_symbols"]:
            return c.upper()
        if display.upper() in cd["gene_symbols"]:
            return display.upper()
    return _gene_in_words(C.concept_text(concept))


@functools.lru_cache(maxsize=1024)
def _gene_in_words(text: str) -> str | None:
    """The gene a (lower-case) text names: a full gene name, else a gene symbol as a word."""
    cd = C.codes()
    if text in cd["gene_names"]:
        return str(cd["gene_names"][text])
    for name, symbol in cd["gene_names"].items():
        if name in text:
            return str(symbol)
    for symbol in cd["gene_symbols"]:
        if re.search(rf"\b{symbol.lower()}\b", text):
            return str(symbol)
    return None
