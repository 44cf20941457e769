"""Facts about one case as a set of short flags, so workup, therapy and safety rules can be data.

A rule in ``rules/*.yaml`` names flags (``line1``, ``pik3ca``, ``progressed_met:cdk46``,
``site:brain``); the engine tests it with set operations, which costs well under a microsecond.
The flags are computed once per case here. Adding a rule means editing YAML; adding a new kind of
fact means adding it here and to ``FLAG_VOCABULARY`` so that the loaders can reject typos.

Drug flags come in prefixed families, each expanded over the drug, its category and its groups
(``rules/drug_groups.yaml``): ``prior:X`` (any setting), ``prior_met:X`` (metastatic setting),
``progressed:X`` (progressed on it in any setting), ``progressed_met:X`` (metastatic setting) and
``adjuvant_relapse:X`` (relapse while on (neo)adjuvant X or within ``rules/resistance.yaml``'s months of
its end, or recorded as ``progressed`` without a relapse time), ``early_adjuvant_relapse:X`` (the same
within resistance.yaml's shorter window, 6 months: trials such as KEYNOTE-355, CLEOPATRA and
DESTINY-Breast09 excluded these relapses, and DESTINY-Breast03 counted them as a line),
``early_progressed_met:X`` (progressed on X for metastatic disease after fewer than resistance.yaml's
months on it: early progression on endocrine therapy + a CDK4/6 inhibitor is primary endocrine
resistance, which reorders the next options), ``responding_met:X`` (X given for metastatic disease and
recorded ``progressed: false`` without ``stopped_for``, and no metastatic X progressed or stopped: the
disease still responds, so maintenance goes on and next-line options wait), ``current:X`` (current
anticancer treatment) and ``proposed:X`` (proposed orders).
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mbcnav.case import SITE_CODES
from mbcnav.reasoning.subtype import SubtypeResult
from mbcnav.reasoning.triage import TriageResult, triage
from mbcnav.yamlfile import load_yaml

RULES_DIR = Path(__file__).parent / "rules"

_DRUG_PREFIXES = (
    "prior",
    "prior_met",
    "progressed",
    "progressed_met",
    "adjuvant_relapse",
    "early_adjuvant_relapse",
    "early_progressed_met",
    "responding_met",
    "current",
    "proposed",
)

#: every plain flag a rule may name (prefixed families are checked separately)
FLAG_VOCABULARY: frozenset[str] = frozenset(
    {
        # subtype
        "hr_pos_her2_neg",
        "hr_pos_her2_pos",
        "hr_neg_her2_pos",
        "tnbc",
        "subtype_unknown",
        "hr_positive",
        "her2_positive",
        "her2_negative",
        "her2_low",
        "her2_ultralow",
        "her2_low_or_ultralow",
        "her2_zero",
        "er_low",
        # ER < 1% with PR >= 1% (ASCO/CAP 2020: rare, often an artefact, closer to ER-negative disease)
        "pr_only",
        "tnbc_like",
        "endocrine_eligible",
        # notes.yaml case_flags: the breast primary still in place (or its removal asked about), a bleeding or
        # fungating breast tumour, spread to the stomach/bowel wall or peritoneum
        "primary_in_place_noted",
        "primary_wound_noted",
        "gi_peritoneal_noted",
        # histology ILC (workup.yaml: FDG-PET is less sensitive, and the GI/peritoneal pattern)
        "lobular",
        "her2_ihc_missing",
        "her2_2plus_no_ish",
        "er_missing",
        # patient
        "female",
        "male",
        "premenopausal",
        "postmenopausal",
        "menopause_unknown",
        "ecog3plus",
        # ECOG 2 (or KPS 50-60 without an ECOG): most first-line trials enrolled ECOG 0-1 only
        "ecog2",
        # age at or above resistance.yaml's older_age_from_years (EORTC 75111 enrolled from 70)
        "age70plus",
        "pregnant",
        "pregnant_first_trimester",
        # line of therapy
        "line1",
        "line2plus",
        "line3plus",
        # three or more earlier lines for metastatic disease (e.g. sacituzumab's HR+ label: endocrine-based
        # therapy and at least two more systemic therapies in the metastatic setting)
        "line4plus",
        # two or more chemotherapy regimens for metastatic disease (drugs given together count once)
        "prior_met_chemo_2plus",
        # no endocrine therapy and no CDK4/6 inhibitor for metastatic disease on record (prior metastatic or
        # current): at a later line (chemotherapy first, e.g. for a visceral crisis) an aromatase inhibitor +
        # CDK4/6 inhibitor is still the initial endocrine-based therapy its labels name
        "endocrine_naive_met",
        # the case's stated line disagrees with its prior_treatment (see line_reading): it names more earlier
        # lines than the record lists, or fewer than the metastatic regimens that stopped working
        "line_stated_above_record",
        "line_stated_below_record",
        # sites
        "bone_only",
        "visceral",
        "no_sites",
        "visceral_crisis",
        "neuro_symptoms",
        "cord_compression",
        # brain metastases by state (Case.brain_mets_status): active = untreated or progressing
        "brain_untreated",
        "brain_progressing",
        "brain_stable",
        "brain_active",
        "brain_status_unknown",
        "brain_symptomatic",
        # biomarkers
        "pik3ca",
        "akt1",
        "pten",
        "pi3k_pathway",
        "esr1",
        "gbrca",
        "gpalb2",
        "pdl1_cps10",
        "pdl1_below10",
        "pik3ca_untested",
        "pi3k_pathway_untested",
        "esr1_untested",
        "gbrca_untested",
        "pdl1_untested",
        # LVEF measured below the HER2-therapy/anthracycline start threshold (safety.yaml fact_thresholds)
        "lvef_reduced",
        # labs not yet measured
        "lvef_missing",
        "qtcf_missing",
        "calcium_missing",
        "lft_missing",
        "anc_missing",
        "creatinine_missing",
        # creatinine recorded but Cockcroft-Gault not computable (no weight, age or sex)
        "crcl_inputs_missing",
        "glucose_missing",
        # no HbA1c (a glucose may be recorded): a known diabetic still needs one before a glucose-raising drug
        "hba1c_missing",
        # HbA1c at or above resistance.yaml's uncontrolled-diabetes cut-off (PI3K/AKT inhibitors rank lower)
        "hba1c_uncontrolled",
        # notes
        "biopsy_noted",
        # a note calls the disease oligometastatic (therapy.yaml: local ablative therapy may be discussed)
        "oligometastatic_noted",
        # a note describes oligoprogression (notes.yaml oligoprogression; therapy.yaml oligoprogression_local)
        "oligoprogression_noted",
    }
)
_PREFIXES_FREE = ("site:", "suspected:", "rf:", "comorb:")
_SITES = SITE_CODES
_VISCERAL = frozenset({"liver", "lung", "pleura", "peritoneum"})
_NEURO_FLAGS = frozenset({"raised_icp", "seizure", "focal_neurologic_deficit", "leptomeningeal_disease"})


@dataclass(frozen=True)
class DrugGroups:
    """Canonical drug → (drug, category, groups...) tags, and the precomputed flag strings."""

    tags: dict[str, tuple[str, ...]]
    members: dict[str, frozenset[str]]
    category: dict[str, str]
    #: drug → prefix → flag strings, built once so per-case work is tuple concatenation
    flag_strings: dict[str, dict[str, tuple[str, ...]]]

    def expand(self, names: Iterable[str]) -> frozenset[str]:
        """Drugs named directly or through a category or group."""
        out: set[str] = set()
        for name in names:
            if name in self.members:
                out |= self.members[name]
            else:
                out.add(name)
        return frozenset(out)


@functools.cache
def rules_file(name: str) -> Any:
    """The parsed data of one rules file, read once per process: several loaders read the same file
    (safety.yaml feeds the safety rules, their fact thresholds and the dose table). Read-only data."""
    return load_yaml((RULES_DIR / name).read_text(encoding="utf-8"))


@functools.cache
def drug_groups() -> DrugGroups:
    data = load_yaml((RULES_DIR / "drug_groups.yaml").read_text(encoding="utf-8"))
    members: dict[str, set[str]] = {}
    category: dict[str, str] = {}
    tags: dict[str, list[str]] = {}
    for cat, drugs in data["categories"].items():
        members[cat] = set(drugs)
        for drug in drugs:
            category[drug] = cat
            tags.setdefault(drug, [drug]).append(cat)
    for group, drugs in data["groups"].items():
        members[group] = set(drugs)
        for drug in drugs:
            if drug not in category:
                raise ValueError(f"drug_groups.yaml: group {group} names {drug!r}, which has no category")
            tags[drug].append(group)
    frozen_tags = {drug: tuple(dict.fromkeys(t)) for drug, t in tags.items()}
    flag_strings = {
        drug: {prefix: tuple(f"{prefix}:{tag}" for tag in t) for prefix in _DRUG_PREFIXES}
        for drug, t in frozen_tags.items()
    }
    return DrugGroups(
        tags=frozen_tags,
        members={k: frozenset(v) for k, v in members.items()},
        category=category,
        flag_strings=flag_strings,
    )


def is_known_flag(flag: str) -> bool:
    """True for a flag the engine can ever set; loaders use it to reject typos in rule files."""
    if flag in FLAG_VOCABULARY:
        return True
    prefix, _, rest = flag.partition(":")
    if not rest:
        return False
    if prefix in _DRUG_PREFIXES:
        groups = drug_groups()
        return rest in groups.members or rest in groups.category
    if prefix in ("site", "suspected"):
        return rest in _SITES
    return prefix in ("rf", "comorb")


def check_flags(flags: Iterable[str], where: str) -> None:
    bad = [f for f in flags if not is_known_flag(f)]
    if bad:
        raise ValueError(f"{where}: unknown flag(s) {bad}")


@dataclass(frozen=True, slots=True)
class Condition:
    """all / any-groups / none over flags; evaluated with frozenset operations."""

    all: frozenset[str] = frozenset()
    any: tuple[frozenset[str], ...] = ()
    none: frozenset[str] = frozenset()

    def holds(self, flags: frozenset[str]) -> bool:
        if not self.all <= flags or not self.none.isdisjoint(flags):
            return False
        return all(not group.isdisjoint(flags) for group in self.any)

    def referenced(self) -> frozenset[str]:
        """Every flag this condition looks at (used to key memo tables on only what matters)."""
        return _referenced(self)


@functools.lru_cache(maxsize=4096)
def _referenced(condition: Condition) -> frozenset[str]:
    """Cached: safety layouts ask it of every rule they meet (conditions are frozen and hashable)."""
    out = set(condition.all) | set(condition.none)
    for group in condition.any:
        out |= group
    return frozenset(out)


class Memo:
    """A bounded memo keyed on the flags a rule file references; the same relevant facts, the same answer."""

    __slots__ = ("limit", "relevant", "table")

    def __init__(self, relevant: frozenset[str], limit: int = 20_000) -> None:
        self.relevant = relevant
        self.table: dict[frozenset[str], Any] = {}
        self.limit = limit

    def key(self, flags: frozenset[str]) -> frozenset[str]:
        return flags & self.relevant

    def get(self, key: frozenset[str]) -> Any:
        return self.table.get(key)

    def put(self, key: frozenset[str], value: Any) -> None:
        if len(self.table) >= self.limit:
            self.table.clear()
        self.table[key] = value


#: tokens name each distinct chunk answer for the life of the process (never reused, so a cleared
#: table can never make an old combined key point at a new answer)
_TOKENS = itertools.count(1)


class ChunkMemo:
    """Memo for one chunk of rules: (the flags its rules read) → (token, answer).

    Why chunks: one memo over a whole rule file is keyed on every flag any rule reads, and real
    case streams rarely repeat that exact combination (hit rates near 40%). A chunk reads a handful
    of flags, so its answers repeat; the caller combines chunk answers through their tokens. A chunk
    with a ``gate`` holds only rules whose ``all`` names that flag: without it the answer is empty.
    """

    __slots__ = ("compute", "empty", "gate", "limit", "relevant", "table")

    def __init__(
        self,
        gate: str | None,
        relevant: frozenset[str],
        compute: Callable[[frozenset[str]], Any],
        limit: int = 50_000,
    ) -> None:
        self.gate = gate
        self.relevant = relevant
        self.compute = compute
        self.limit = limit
        self.table: dict[frozenset[str], tuple[int, Any]] = {}
        self.empty: tuple[int, Any] | None = None

    def lookup(self, flags: frozenset[str]) -> tuple[int, Any]:
        key = flags & self.relevant
        hit = self.table.get(key)
        if hit is None:
            hit = (next(_TOKENS), self.compute(key))
            if len(self.table) >= self.limit:
                self.table.clear()
            self.table[key] = hit
        return hit


def compile_condition(raw: Any, where: str) -> Condition:
    """``{all: [...], any: [...] or [[...], [...]], none: [...]}`` (a bare list = all) → Condition, its
    flags checked against the vocabulary."""
    cond = parse_condition(raw, where)
    check_flags([*cond.all, *cond.none, *(f for g in cond.any for f in g)], where)
    return cond


#: the comparison words of numeric rule tests (``tests: {crcl_ml_min: {ge: 30, lt: 40}}``)
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}
#: one numeric test: (field, comparison, threshold)
NumericTest = tuple[str, Callable[[float, float], bool], float]


def parse_tests(raw: dict[str, Any] | None) -> tuple[NumericTest, ...]:
    """A rule's ``tests`` block as (field, comparison, threshold), in the order written (safety.yaml,
    doses.yaml); the caller checks the fields against what it can compute."""
    return tuple(
        (field, COMPARISONS[op], float(value))
        for field, ops in (raw or {}).items()
        for op, value in ops.items()
    )


def parse_condition(raw: Any, where: str) -> Condition:
    """The shape of a ``when`` only (no vocabulary check): for data that must equal a condition
    compile_condition has already checked elsewhere."""
    if raw is None:
        return Condition()
    if isinstance(raw, list):
        raw = {"all": raw}
    unknown = set(raw) - {"all", "any", "none"}
    if unknown:
        raise ValueError(f"{where}: unknown condition key(s) {sorted(unknown)}")
    any_raw = raw.get("any") or []
    groups = [any_raw] if any_raw and all(isinstance(x, str) for x in any_raw) else any_raw
    return Condition(
        all=frozenset(raw.get("all") or ()),
        any=tuple(frozenset(g) for g in groups),
        none=frozenset(raw.get("none") or ()),
    )


# --- notes -------------------------------------------------------------------------------------------
_BIOPSY = re.compile(r"\bbiops(?:y|ied|ies)\b", re.IGNORECASE)
_BIOPSY_NOT_DONE = re.compile(
    r"\b(?:no|not|without|pending|planned|awaiting|await|scheduled|declined|refused)\b[^.;]{0,40}\bbiops"
    r"|\bbiops(?:y|ies)\b[^.;]{0,25}\b(?:pending|planned|awaited|scheduled|not done|declined)\b",
    re.IGNORECASE,
)
_OLIGO = re.compile(r"\boligo-?metasta(?:tic|ses|sis)\b|\boligomets?\b", re.IGNORECASE)
# the same disease described rather than named (onc3 #10: "single T10 vertebral metastasis, no other
# disease"):
# one metastasis called single, solitary, isolated or sole, at most three words between ("single T10 vertebral
# metastasis"); "single fraction" and "single dose" are radiotherapy, not a count of metastases
_OLIGO_DESCRIBED = re.compile(
    r"\b(?:single|solitary|isolated|sole)\s+(?:(?!fraction|dose|agent|shot)[\w-]+\s+){0,3}"
    r"(?:metastasis|met|deposit|lesion)\b",
    re.IGNORECASE,
)
_OLIGO_NOT = re.compile(
    r"\b(?:not|non|no longer|rather than|beyond)(?:\s+(?:an?|truly|really|considered|felt to be))?[\s-]+"
    r"(?:oligo|single|solitary|isolated)"
    r"|\boligo\S*\s+(?:ruled out|excluded)\b",
    re.IGNORECASE,
)


def note_facts(
    notes: tuple[str, ...],
    recorded_sites: tuple[str, ...] = (),
    current: tuple[str, ...] | None = None,
    more: Iterable[tuple[int, str]] = (),
) -> tuple[frozenset[str], tuple[str, ...]]:
    """Flags read from free-text notes, and a line for each note used (the engine never acts silently).

    ``recorded_sites``: the case's metastatic sites; a note naming the spread to one of them restates
    it, and triage_case does not read it as a new suspicion, so neither does this account.
    ``current``: each note as triage read it, its past set aside (reasoning/notes.py), so that this
    account names only what triage raised; ``more``: that module's own lines, (note index, line)."""
    flags: set[str] = set()
    used: list[str] = []
    extra: dict[int, list[str]] = {}
    for i, line in more:
        extra.setdefault(i, []).append(line)
    for i, note in enumerate(notes):
        for flag, why in _note_flag_reasons(note):
            flags.add(flag)
            used.append(f"notes[{i}]: {why}")
        text = current[i] if current is not None else note
        read = _triage_read(text, recorded_sites) if text.strip() else ""
        if read:
            used.append(f"notes[{i}]: {read}")
        used.extend(extra.get(i, ()))
    return frozenset(flags), tuple(used)


def note_flags(notes: tuple[str, ...]) -> frozenset[str]:
    """The flags of note_facts alone: case_flags needs no account of the notes, so it does not triage
    each note again (assess triages them once for notes_used)."""
    return frozenset(flag for note in notes for flag, _ in _note_flag_reasons(note))


def _note_flag_reasons(note: str) -> list[tuple[str, str]]:
    """The flags one note raises, each with the line notes_used shows for it: note_facts and note_flags
    both read notes through this, so a new note flag is added in one place."""
    found: list[tuple[str, str]] = []
    if _biopsy_recorded(note):
        found.append(("biopsy_noted", "a biopsy is recorded, so no new biopsy is listed as missing"))
    if _oligoprogression(note):
        found.append(
            (
                "oligoprogression_noted",
                "one or a few lesions grow while the rest is stable (oligoprogression), so local treatment "
                "of the growing lesion with the current treatment continued is listed for discussion",
            )
        )
    elif _oligometastatic(note):
        named = (
            "is called oligometastatic" if _OLIGO.search(note) else "is a single metastasis (oligometastatic)"
        )
        found.append(
            (
                "oligometastatic_noted",
                f"the disease {named}, so treatment aimed at the few metastases is listed for discussion",
            )
        )
    for flag, negated, patterns, line in _note_case_flags():
        text = negated.sub(" ", note.lower())
        if patterns.search(text):
            found.append((flag, line))
    return found


@functools.cache
def _note_case_flags() -> tuple[tuple[str, re.Pattern[str], re.Pattern[str], str], ...]:
    """notes.yaml ``case_flags``: (flag, denials and past operations to remove, patterns, notes_used line)."""
    out = []
    for raw in rules_file("notes.yaml").get("case_flags", ()):
        flag = raw["flag"]
        if flag not in FLAG_VOCABULARY:
            raise ValueError(f"notes.yaml case_flags: unknown flag {flag!r}")
        negated = re.compile("|".join(f"(?:{p})" for p in raw.get("negated", ())) or r"(?!x)x")
        patterns = re.compile("|".join(f"(?:{p})" for p in raw["patterns"]))
        out.append((flag, negated, patterns, str(raw["line"])))
    return tuple(out)


def _oligometastatic(note: str) -> bool:
    """A note that names the disease oligometastatic or describes one metastasis, and does not deny it
    ("not oligometastatic", "not a solitary metastasis")."""
    return bool(_OLIGO.search(note) or _OLIGO_DESCRIBED.search(note)) and not _OLIGO_NOT.search(note)


@functools.cache
def _oligoprogression_patterns() -> dict[str, re.Pattern[str]]:
    return {k: re.compile(v, re.IGNORECASE) for k, v in rules_file("notes.yaml")["oligoprogression"].items()}


def _oligoprogression(note: str) -> bool:
    """A note that names oligoprogression, or tells of one lesion growing with the rest stable: a different
    question from newly oligometastatic disease (notes.yaml section 5), so it is read first."""
    p = _oligoprogression_patterns()
    if p["negated"].search(note):
        return False
    return bool(p["named"].search(note) or (p["growing"].search(note) and p["rest_stable"].search(note)))


def _biopsy_recorded(note: str) -> bool:
    return bool(_BIOPSY.search(note)) and not _BIOPSY_NOT_DONE.search(note)


def _triage_read(note: str, recorded_sites: tuple[str, ...] = ()) -> str:
    """What triage read in one note (it reads notes with the symptoms), for ``notes_used``: a red flag
    raised from an imaging report must say which note it came from."""
    result = triage(note)
    parts = []
    if result.red_flags:
        parts.append("red flag " + ", ".join(f"{f.code} ({f.urgency})" for f in result.red_flags))
    suspected = [s.site for s in result.suspected_sites if s.site not in recorded_sites]
    if suspected:
        parts.append("suspected site " + ", ".join(suspected))
    if result.matched:
        parts.append("read as: " + "; ".join(result.matched))
    return "triage found " + "; ".join(parts) if parts else ""


# --- the case → flags ---------------------------------------------------------------------------------
def _attr(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


_SUBTYPE_FLAGS = {
    "HR+/HER2-": ("hr_pos_her2_neg", "hr_positive", "her2_negative"),
    "HR+/HER2+": ("hr_pos_her2_pos", "hr_positive", "her2_positive"),
    "HR-/HER2+": ("hr_neg_her2_pos", "her2_positive"),
    "TNBC": ("tnbc", "her2_negative", "tnbc_like"),
    "unknown": ("subtype_unknown",),
}
_SITE_FLAGS = {s: f"site:{s}" for s in _SITES}
#: endocrine therapy or a CDK4/6 inhibitor given for metastatic disease or taken now: any of these ends
#: ``endocrine_naive_met`` (the AI + CDK4/6 inhibitor labels' "initial endocrine-based therapy")
_ENDOCRINE_MET = frozenset(
    {"prior_met:antiestrogen", "prior_met:cdk46", "current:antiestrogen", "current:cdk46"}
)
_SUSPECTED_FLAGS = {s: f"suspected:{s}" for s in _SITES}


def _regimen_count(priors: Iterable[Any]) -> int:
    """How many regimens these entries make: drugs given together usually share a duration and an
    outcome, so entries with the same ``months``, progression and stop reason count once; without a
    duration, one each."""
    together: set[tuple[float, Any, Any]] = set()
    alone = 0
    for prior in priors:
        if prior.months is None:
            alone += 1
        else:
            together.add((prior.months, prior.progressed, prior.stopped_for))
    return len(together) + alone


def line_reading(case: Any) -> tuple[int, str | None]:
    """The line of therapy the rules use, and how the case's stated ``line`` disagrees with its record.

    The record's line is 1 + the metastatic regimens that stopped working. A stated line below it is
    overridden (the drugs the cancer grew on are facts; ``below``). A stated line above every metastatic
    regimen the record could hold (any outcome, or setting not given) is kept while the record holds some
    metastatic treatment (earlier entries may be missing), but with none at all the options would rest on
    progressions the record does not contain, so the record's first line is used (``above`` either way).
    """
    progressed = [p for p in case.prior_treatment if p.setting == "metastatic" and p.progressed]
    derived = 1 + _regimen_count(progressed)
    stated = case.line
    if not stated:
        return derived, None
    if stated < derived:
        return derived, "below"
    possible = [p for p in case.prior_treatment if p.setting in ("metastatic", None)]
    if stated - 1 > _regimen_count(possible):
        return (stated if possible else derived), "above"
    return stated, None


def infer_line(case: Any) -> int:
    """Line of therapy: the stated line unless the prior treatments contradict it (see line_reading)."""
    return line_reading(case)[0]


def met_chemo_regimens(case: Any) -> int:
    """Chemotherapy regimens given for metastatic disease: paclitaxel + carboplatin together is one (the
    eribulin label and EMBRACE count regimens, not drugs)."""
    chemo = drug_groups().flag_strings
    return _regimen_count(
        p
        for p in case.prior_treatment
        if p.setting == "metastatic"
        and p.drug in chemo
        and "prior_met:chemotherapy" in chemo[p.drug]["prior_met"]
    )


def red_flag_codes(triage_result: Any) -> tuple[str, ...]:
    return tuple(_attr(rf, "code") for rf in (_attr(triage_result, "red_flags") or ()))


_TUMOR_FLAGS: dict[tuple[Any, ...], tuple[str, ...]] = {}
_SITES_FLAGS: dict[tuple[str, ...], tuple[str, ...]] = {}
_PRIOR_FLAGS: dict[tuple[str, str | None, bool | None], tuple[tuple[str, ...], bool]] = {}
_MEMO_LIMIT = 50_000


def _remember(table: dict[Any, Any], key: Any, value: Any) -> None:
    if len(table) >= _MEMO_LIMIT:
        table.clear()
    table[key] = value


def _tumor_flags(
    subtype: str, her2_low: bool, her2_ultralow: bool, er_low: bool, tumor: Any, pr_only: bool = False
) -> tuple[str, ...]:
    """Subtype and biomarker flags: they read only these few fields, so they are memoised on them."""
    pdl1 = tumor.pdl1_cps
    key = (
        subtype,
        pr_only,
        her2_low,
        her2_ultralow,
        er_low,
        tumor.her2_ihc,
        tumor.her2_ish,
        tumor.er_percent is None,
        tumor.pik3ca,
        tumor.akt1,
        tumor.pten,
        tumor.esr1,
        tumor.gbrca,
        tumor.gpalb2,
        None if pdl1 is None else pdl1 >= 10,
    )
    found = _TUMOR_FLAGS.get(key)
    if found is not None:
        return found
    flags: set[str] = set(_SUBTYPE_FLAGS.get(subtype, ("subtype_unknown",)))
    add = flags.add
    if her2_low:
        add("her2_low")
    if her2_ultralow:
        add("her2_ultralow")
    if "her2_low" in flags or "her2_ultralow" in flags:
        add("her2_low_or_ultralow")
    if tumor.her2_ihc == "0":
        add("her2_zero")
    if pr_only:
        add("pr_only")
    if er_low:
        add("er_low")
        if "her2_negative" in flags:
            add("tnbc_like")
    if "hr_positive" in flags and not er_low:
        add("endocrine_eligible")
    # A report's positive/negative call counts as tested (a form may give the status without the
    # percent or IHC score); an equivocal HER2 call still needs its test.
    if tumor.her2_ihc is None and tumor.her2_ish is None and tumor.her2_status in (None, "equivocal"):
        add("her2_ihc_missing")
    if tumor.her2_ihc == "2+" and tumor.her2_ish is None:
        add("her2_2plus_no_ish")
    if tumor.er_percent is None and tumor.er_status is None:
        add("er_missing")
    for gene in ("pik3ca", "akt1", "pten", "esr1"):
        if getattr(tumor, gene) == "mutant":
            add(gene)
    if "pik3ca" in flags or "akt1" in flags or "pten" in flags:
        add("pi3k_pathway")
    if tumor.pik3ca in (None, "unknown"):
        add("pik3ca_untested")
        if (
            "pi3k_pathway" not in flags
            and tumor.akt1 in (None, "unknown")
            and tumor.pten in (None, "unknown")
        ):
            add("pi3k_pathway_untested")
    if tumor.esr1 in (None, "unknown"):
        add("esr1_untested")
    if tumor.gbrca in ("BRCA1", "BRCA2"):
        add("gbrca")
    elif tumor.gbrca in (None, "unknown"):
        add("gbrca_untested")
    if tumor.gpalb2 == "mutant":
        add("gpalb2")
    if pdl1 is None:
        add("pdl1_untested")
    elif pdl1 >= 10:
        add("pdl1_cps10")
    else:
        add("pdl1_below10")
    found = tuple(sorted(flags))
    _remember(_TUMOR_FLAGS, key, found)
    return found


def _site_flags(sites: tuple[str, ...]) -> tuple[str, ...]:
    found = _SITES_FLAGS.get(sites)
    if found is None:
        out = [_SITE_FLAGS[site] for site in sites]
        if not sites:
            out.append("no_sites")
        elif all(s == "bone" for s in sites):
            out.append("bone_only")
        if not _VISCERAL.isdisjoint(sites):
            out.append("visceral")
        found = tuple(out)
        _remember(_SITES_FLAGS, sites, found)
    return found


_BRAIN_STATUS_FLAGS: dict[str | None, tuple[str, ...]] = {
    "untreated": ("brain_untreated", "brain_active"),
    "progressing": ("brain_progressing", "brain_active"),
    "stable": ("brain_stable",),
    None: ("brain_status_unknown",),
}


def _brain_flags(status: str | None, symptomatic: bool | None, neuro_symptoms: bool) -> tuple[str, ...]:
    """Brain metastases by state: guidelines put local therapy first for active (untreated or
    progressing) or symptomatic disease, and systemic therapy by the disease outside the brain once
    treated lesions are stable. Neurological red flags with known brain metastases count as symptoms.
    An unknown status keeps the cautious reading (local therapy is still listed)."""
    out = _BRAIN_STATUS_FLAGS[status]
    if symptomatic or neuro_symptoms:
        out = (*out, "brain_symptomatic")
    return out


@functools.cache
def _resistance() -> dict[str, Any]:
    return load_yaml((RULES_DIR / "resistance.yaml").read_text(encoding="utf-8"))


def _late_relapse_months() -> float:
    """Months after the end of (neo)adjuvant treatment within which a relapse counts as resistance."""
    return float(_resistance()["relapse_within_months_after_end"])


def _early_relapse_months() -> float:
    """The shorter window (months) that trials used to exclude or re-classify early relapses."""
    return float(_resistance()["early_relapse_within_months_after_end"])


def _early_progression_months() -> float:
    """Months on a metastatic treatment below which progression counts as early (primary resistance)."""
    return float(_resistance()["early_progression_within_months"])


def _first_trimester_end_weeks() -> float:
    """Gestational week from which chemotherapy may be given (the first trimester ends)."""
    return float(_resistance()["pregnancy_chemotherapy_from_week"])


def _uncontrolled_hba1c_percent() -> float:
    """HbA1c (%) from which diabetes counts as uncontrolled for the PI3K/AKT inhibitor rules."""
    return float(_resistance()["uncontrolled_diabetes_hba1c_percent"])


@functools.cache
def _lvef_reduced_below_percent() -> float:
    """LVEF (%) below which HER2 therapy and anthracyclines need cardio-oncology review (safety.yaml)."""
    return float(rules_file("safety.yaml")["fact_thresholds"]["lvef_reduced_below_percent"])


def in_first_trimester(patient: Any) -> bool:
    """Pregnant and before the week chemotherapy may start, or weeks unknown (the safe reading).
    The therapy flags and the safety facts both ask this, so one threshold serves both."""
    if not patient.pregnant:
        return False
    weeks = patient.gestation_weeks
    return weeks is None or weeks < _first_trimester_end_weeks()


def poor_performance_status(patient: Any) -> bool:
    """ECOG 3-4 or KPS <= 40: read by the therapy flags, the safety facts and the prognosis group."""
    return (patient.ecog is not None and patient.ecog >= 3) or (patient.kps is not None and patient.kps <= 40)


def ecog2(patient: Any) -> bool:
    """ECOG 2, or KPS 50-60 when no ECOG is recorded (the usual ECOG-KPS correspondence): a patient
    outside the ECOG 0-1 limit of most first-line trials, but not in the ECOG 3-4 group."""
    if patient.ecog is not None:
        return patient.ecog == 2
    return patient.kps is not None and 50 <= patient.kps <= 60


def _older_age_years() -> float:
    """Age from which the therapy rules offer the de-escalated regimens studied in older patients."""
    return float(_resistance()["older_age_from_years"])


def _prior_flags(drug: str, setting: str | None, progressed: bool | None) -> tuple[tuple[str, ...], bool]:
    """Drug flags of one prior treatment, and whether it counts as metastatic chemotherapy."""
    key = (drug, setting, progressed)
    found = _PRIOR_FLAGS.get(key)
    if found is None:
        per = drug_groups().flag_strings.get(drug)
        if per is None:  # a co-medication recorded as prior treatment: no drug flags
            found = ((), False)
        else:
            out = list(per["prior"])
            metastatic = setting == "metastatic"
            met_chemo = False
            if metastatic:
                out.extend(per["prior_met"])
                met_chemo = "prior_met:chemotherapy" in per["prior_met"]
            if progressed:
                out.extend(per["progressed"])
                if metastatic:
                    out.extend(per["progressed_met"])
                elif setting in ("adjuvant", "neoadjuvant"):
                    out.extend(per["adjuvant_relapse"])
            found = (tuple(out), met_chemo)
        _remember(_PRIOR_FLAGS, key, found)
    return found


def case_flags(case: Any, subtype_result: Any, triage_result: Any) -> frozenset[str]:
    """Every flag that holds for this case (see the module docstring for the families)."""
    if type(subtype_result) is SubtypeResult:  # the usual input: plain reads, not _attr (saves ~1 µs)
        subtype = subtype_result.subtype or "unknown"
        her2_low, her2_ultralow = subtype_result.her2_low, subtype_result.her2_ultralow
        er_low, pr_only = subtype_result.er_low, subtype_result.pr_only
    else:
        subtype = _attr(subtype_result, "subtype", "unknown") or "unknown"
        her2_low = bool(_attr(subtype_result, "her2_low"))
        her2_ultralow = bool(_attr(subtype_result, "her2_ultralow"))
        er_low = bool(_attr(subtype_result, "er_low"))
        pr_only = bool(_attr(subtype_result, "pr_only"))
    flags: set[str] = set(_tumor_flags(subtype, her2_low, her2_ultralow, er_low, case.tumor, pr_only))
    add = flags.add

    patient = case.patient
    if patient.sex == "M":
        add("male")
    else:
        add("female")
        menopausal = patient.menopausal
        if menopausal in ("pre", "peri"):
            add("premenopausal")
        elif menopausal == "post":
            add("postmenopausal")
        else:
            add("menopause_unknown")
    if poor_performance_status(patient):
        add("ecog3plus")
    elif ecog2(patient):
        add("ecog2")
    if patient.age is not None and patient.age >= _older_age_years():
        add("age70plus")
    if patient.pregnant:
        add("pregnant")
        if in_first_trimester(patient):
            add("pregnant_first_trimester")

    line, conflict = line_reading(case)
    if conflict is not None:
        add(f"line_stated_{conflict}_record")
    add("line1" if line <= 1 else "line2plus")
    if line >= 3:
        add("line3plus")
    if line >= 4:
        add("line4plus")

    flags.update(_site_flags(case.metastatic_sites))

    if type(triage_result) is TriageResult:  # the usual input: plain reads, not _attr
        red_flags, suspected_sites = triage_result.red_flags, triage_result.suspected_sites
    else:
        red_flags = _attr(triage_result, "red_flags") or ()
        suspected_sites = _attr(triage_result, "suspected_sites") or ()
    if red_flags:
        codes = red_flag_codes(triage_result)
        for code in codes:
            add(f"rf:{code}")
        for red_flag in red_flags:
            # The level too, so a rule can treat "back pain alone" (urgent) apart from cord signs.
            add(f"rf:{_attr(red_flag, 'code')}:{_attr(red_flag, 'urgency')}")
        if "visceral_crisis" in codes or "liver_failure" in codes:
            add("visceral_crisis")
        if not _NEURO_FLAGS.isdisjoint(codes):
            add("neuro_symptoms")
        if "spinal_cord_compression" in codes:
            add("cord_compression")
    for suspected in suspected_sites:
        site = _attr(suspected, "site")
        if site in _SUSPECTED_FLAGS:
            add(_SUSPECTED_FLAGS[site])
    if "site:brain" in flags:
        flags.update(
            _brain_flags(case.brain_mets_status, case.brain_mets_symptomatic, "neuro_symptoms" in flags)
        )

    if case.prior_treatment:
        met_chemo = 0
        strings = drug_groups().flag_strings
        responding: set[str] = set()
        failed: set[str] = set()
        for prior in case.prior_treatment:
            progressed = prior.progressed
            if prior.setting == "metastatic" and prior.drug in strings:
                if progressed is False and prior.stopped_for is None:
                    responding.update(strings[prior.drug]["responding_met"])
                elif progressed or prior.stopped_for is not None:
                    failed.update(strings[prior.drug]["responding_met"])
            after = prior.relapse_after_end_months
            if after is not None:
                # a relapse long after (neo)adjuvant treatment ended is not resistance to it (ABC 5)
                progressed = after <= _late_relapse_months()
            drug_flags, is_met_chemo = _prior_flags(prior.drug, prior.setting, progressed)
            flags.update(drug_flags)
            met_chemo += is_met_chemo
            if (
                progressed
                and prior.setting in ("adjuvant", "neoadjuvant")
                and (after is None or after <= _early_relapse_months())
                and prior.drug in strings
            ):
                flags.update(strings[prior.drug]["early_adjuvant_relapse"])
            elif (
                progressed
                and prior.setting == "metastatic"
                and prior.months is not None
                and prior.months < _early_progression_months()
                and prior.drug in strings
            ):
                flags.update(strings[prior.drug]["early_progressed_met"])
        if met_chemo >= 2 and met_chemo_regimens(case) >= 2:
            add("prior_met_chemo_2plus")
        # per drug, category and group: responding only while no metastatic member of it failed
        flags.update(responding - failed)

    if case.current_treatment or case.proposed_treatment:
        strings = drug_groups().flag_strings
        for treatment in case.current_treatment:
            per = strings.get(treatment.drug)
            if per is not None:
                flags.update(per["current"])
        for order in case.proposed_treatment:
            per = strings.get(order.drug)
            if per is not None:
                flags.update(per["proposed"])
    if "endocrine_eligible" in flags and _ENDOCRINE_MET.isdisjoint(flags):
        add("endocrine_naive_met")

    for comorbidity in case.comorbidities:
        add(f"comorb:{comorbidity}")
    if case.tumor.histology == "ILC":
        add("lobular")

    labs = case.labs
    if labs.lvef_percent is None:
        add("lvef_missing")
    elif labs.lvef_percent < _lvef_reduced_below_percent():
        add("lvef_reduced")
    if labs.qtcf_ms is None:
        add("qtcf_missing")
    if labs.calcium_mg_dl is None:
        add("calcium_missing")
    if labs.bilirubin_mg_dl is None and labs.alt_u_l is None and labs.ast_u_l is None:
        add("lft_missing")
    if labs.anc_per_ul is None:
        add("anc_missing")
    if labs.creatinine_mg_dl is None:
        add("creatinine_missing")
    elif case.patient.weight_kg is None or case.patient.age is None or case.patient.sex is None:
        add("crcl_inputs_missing")
    if labs.hba1c_percent is None:
        add("hba1c_missing")
    if labs.glucose_mg_dl is None and labs.hba1c_percent is None:
        add("glucose_missing")
    elif labs.hba1c_percent is not None and labs.hba1c_percent >= _uncontrolled_hba1c_percent():
        add("hba1c_uncontrolled")

    if case.notes:
        flags |= note_flags(case.notes)
    return frozenset(flags)


class _FlagCache:
    """One-slot memo: assess() computes flags once and workup/therapy reuse them for the same objects.

    It holds the objects themselves (not their ids), so a freed object's address can never be
    mistaken for a new case.
    """

    __slots__ = ("objects", "value")

    def __init__(self) -> None:
        self.objects: tuple[Any, Any, Any] | None = None
        self.value: frozenset[str] = frozenset()


_CACHE = _FlagCache()


def flags_for(case: Any, subtype_result: Any, triage_result: Any) -> frozenset[str]:
    cached = _CACHE.objects
    if (
        cached is not None
        and cached[0] is case
        and cached[1] is subtype_result
        and cached[2] is triage_result
    ):
        return _CACHE.value
    value = case_flags(case, subtype_result, triage_result)
    _CACHE.objects, _CACHE.value = (case, subtype_result, triage_result), value
    return value
