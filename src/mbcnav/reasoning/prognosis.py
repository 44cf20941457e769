"""Prognosis text: population figures by subtype and, with brain metastases, the Breast-GPA median.

Why framed this way: a median from a trial or a registry describes a group, and people read a
single number as a promise or a sentence. Every text says it is an average for groups, names where
the number comes from, and never predicts one person's survival. Figures live in
``rules/prognosis.yaml`` with their sources; the Breast-GPA medians come from the calculator tables.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from mbcnav.assessment import Prognosis
from mbcnav.case import Case
from mbcnav.reasoning.calculators import _NOT_EXTRACRANIAL, CALCULATORS
from mbcnav.reasoning.calculators import rules as calc_rules
from mbcnav.reasoning.flags import infer_line, poor_performance_status
from mbcnav.reasoning.subtype import SubtypeResult
from mbcnav.yamlfile import load_yaml

RULES_FILE = Path(__file__).parent / "rules" / "prognosis.yaml"


@functools.cache
def rules() -> dict[str, Any]:
    """Prognosis figures, parsed once per process."""
    return load_yaml(RULES_FILE.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1024)
def _prognosis(
    subtype: str,
    er_low: bool,
    gpa: float | None,
    age: int | None,
    kps: int | None,
    group: frozenset[str] = frozenset(),
    leptomeningeal: bool = False,
    gpa2020: tuple[int, bool] | None = None,
) -> Prognosis:
    r = rules()
    public: list[str] = []
    clinician: list[str] = []
    sources: list[str] = []

    def add(block: dict[str, Any]) -> None:
        public.append(block["public"])
        clinician.append(block["clinician"])
        sources.extend(block.get("sources", ()))

    if leptomeningeal:
        # survival measured in months: the all-MBC and subtype medians would mislead (rules/prognosis.yaml)
        add(r["leptomeningeal"])
    else:
        add(r["overall"])
    if not leptomeningeal and subtype in r["subtypes"]:
        block = r["subtypes"][subtype]
        # a trial median only for the group the trial enrolled; otherwise the registry figure
        if set(block.get("trial_requires", ())) <= group:
            add(block)
        elif subtype in r["population"]:
            add(r["population"][subtype])
    if er_low and not leptomeningeal:
        add(r["er_low"])
    if gpa is not None and subtype in r["subtypes"] and age is not None and kps is not None:
        _brain(r["brain"], subtype, age, kps, gpa2020, public, clinician, sources)
    public.append(r["framing"]["public"])
    clinician.append(r["framing"]["clinician"])
    return Prognosis(
        public=" ".join(public), clinician=" ".join(clinician), sources=tuple(dict.fromkeys(sources))
    )


def _gpa_sentence(template: str, name: str, result: Any) -> str:
    cohort = calc_rules()[name]["cohort"]
    months = result.values["median_survival_months"]
    return template.format(cohort=cohort, value=f"{result.value:g}", median=f"{months:g}")


@functools.lru_cache(maxsize=8192)
def _gpa(
    name: str, kps: int, age: int, subtype: str, count: int | None = None, extracranial: bool | None = None
) -> Any:
    """A Breast-GPA result, memoised on its few inputs: the prognosis memo above misses for almost every
    cold brain-metastasis case (its key holds the whole group), while these inputs repeat (about 1,500
    combinations for 2012); the calculators are pure, so a shared result is the same result."""
    inputs: dict[str, Any] = {"kps": kps, "age": age, "subtype": subtype}
    if count is not None:
        inputs |= {"brain_mets_count": count, "extracranial_mets": extracranial}
    return CALCULATORS[name].compute(inputs)


def _brain(
    block: dict[str, Any],
    subtype: str,
    age: int,
    kps: int,
    gpa2020: tuple[int, bool] | None,
    public: list[str],
    clinician: list[str],
    sources: list[str],
) -> None:
    """Both Breast-GPA cohorts with their dates, the newer first once its medians are verified: the 2012
    figure alone (patients treated 1993-2010) reads grimmer than today's care, and the closing caution
    is the framing text's, so the GPA sentences carry none of their own."""
    old = _gpa("breast_gpa_2012", kps, age, subtype)
    said = [_gpa_sentence(block["gpa_public"], "breast_gpa_2012", old)]
    told = [old.clinician]
    sources.extend(old.sources)
    if gpa2020 is not None:
        count, extracranial = gpa2020
        new = _gpa("breast_gpa_2020", kps, age, subtype, count, extracranial)
        told.append(new.clinician)
        if "bands" in calc_rules()["breast_gpa_2020"].get("unverified", ()):
            said.append(block["newer_unverified"]["public"])
            sources.extend(block["newer_unverified"]["sources"])
        else:
            said.insert(0, _gpa_sentence(block["gpa_public"], "breast_gpa_2020", new))
        sources.extend(new.sources)
    public.append(block["public"].format(gpa_public=" ".join(said)))
    clinician.append(block["clinician"].format(gpa_clinician=" ".join(told)))


def _group(case: Case, flags: frozenset[str] | None = None) -> frozenset[str]:
    """What decides whether a trial's median describes this person: line, PD-L1, performance status.

    A first-line trial's median is quoted only when neither the record nor the stated line says later:
    the options may fall back to first line when a stated later line has no treatment on record
    (flags.line_reading), but a median from first-line trials would then describe the wrong group.

    ``flags``: the case's flags (flags.case_flags), when the caller has them. They hold the same
    line reading, so it is not worked out a second time (~5 µs a case): ``line1`` is the record's
    line <= 1, and ``line_stated_above_record`` is the one case where the stated line (>= 2 then) is
    later than the line the flags use.
    """
    cps = case.tumor.pdl1_cps
    fit = not poor_performance_status(case.patient)
    if flags is not None:
        first_line = "line1" in flags and "line_stated_above_record" not in flags
    else:
        first_line = max(infer_line(case), case.line or 1) <= 1
    return _GROUPS[(first_line, cps is not None and cps >= 10, fit)]


#: the eight groups, built once: the memo key below hashes one of these shared sets per case
_GROUPS = {
    (line1, cps10, fit): frozenset(
        name for name, on in (("line1", line1), ("pdl1_cps10", cps10), ("fit", fit)) if on
    )
    for line1 in (False, True)
    for cps10 in (False, True)
    for fit in (False, True)
}


def prognosis(
    case: Case,
    subtype_result: SubtypeResult,
    calculations: dict[str, Any],
    flags: frozenset[str] | None = None,
) -> Prognosis:
    """Population figures for this subtype (and Breast-GPA when brain metastases are present).

    ``flags``: the case's flags from flags.case_flags, if already computed (assess() passes them).
    """
    group = _group(case, flags)
    lmd = "leptomeninges" in case.metastatic_sites
    gpa = calculations.get("breast_gpa")
    if not isinstance(gpa, float | int):
        # Without a GPA the text reads neither age nor KPS: leaving them out of the memo key lets every
        # age share one entry (with them in it, the bounded memo thrashed).
        return _prognosis(subtype_result.subtype, subtype_result.er_low, None, None, None, group, lmd)
    kps = case.patient.kps
    if kps is None and case.patient.ecog is not None:
        # the GPA was scored from ECOG where the KPS range scores the same; use the range's lower end
        kps = int(calc_rules()["ecog_kps"]["ecog_to_kps"][case.patient.ecog][0])
    gpa2020 = None
    if isinstance(calculations.get("breast_gpa_2020"), float | int) and case.brain_mets_count:
        # the same reading of extracranial disease as the calculations step (sites other than the brain)
        extracranial = any(site not in _NOT_EXTRACRANIAL for site in case.metastatic_sites)
        gpa2020 = (case.brain_mets_count, extracranial)
    return _prognosis(
        subtype_result.subtype, subtype_result.er_low, gpa, case.patient.age, kps, group, lmd, gpa2020
    )
