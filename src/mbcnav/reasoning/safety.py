"""Safety checks for one case, read from ``rules/safety.yaml`` and ``rules/interactions.yaml``.

Every drug the case puts in play is checked: the drugs of each therapy option and each proposed
order (context "start") and the current anticancer treatment (context "current", checked for holds
against today's labs). A rule is data — drugs, context, a condition over the case's safety facts
and numeric tests — and this module only evaluates it, so a new threshold is a YAML edit.

``apply`` then puts the alerts onto the options: every option carries the codes of the alerts for
its drugs, and an option with a contraindication is flagged and moved below the unflagged ones —
never silently offered.

``medicine_rules`` in safety.yaml are the same idea for a medicine the person already takes
(current_meds), named by its interaction class: teriparatide with bone metastases, say. They read the
same safety facts, plus ``site:X`` for each metastatic site.
"""

from __future__ import annotations

import functools
import operator
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mbcnav.assessment import SafetyAlert, TherapyOption
from mbcnav.case import SITE_CODES, Case
from mbcnav.reasoning import doses, routes
from mbcnav.reasoning.construct import constructor
from mbcnav.reasoning.flags import (
    Condition,
    drug_groups,
    in_first_trimester,
    parse_tests,
    poor_performance_status,
    rules_file,
)
from mbcnav.reasoning.therapy import OptionSet, rebuild

_LAB_FIELDS = frozenset(
    {
        "creatinine_mg_dl",
        "calcium_mg_dl",
        "albumin_g_dl",
        "bilirubin_mg_dl",
        "alt_u_l",
        "ast_u_l",
        "anc_per_ul",
        "temp_c",
        "lvef_percent",
        # the pre-treatment LVEF: the HER2-therapy labels hold by the fall from it
        "lvef_baseline_percent",
        "qtcf_ms",
        "glucose_mg_dl",
        "hba1c_percent",
        "platelets_per_ul",
        "hemoglobin_g_dl",
        "mcv_fl",
        "inr",
        "sodium_mmol_l",
        "potassium_mmol_l",
        "magnesium_mg_dl",
        "phosphate_mg_dl",
        "alp_u_l",
        "triglycerides_mg_dl",
        "vitamin_d_25oh_ng_ml",
        "estradiol_pg_ml",
        "fsh_iu_l",
        "spo2_percent",
        "peripheral_blasts_percent",
    }
)
_DERIVED = frozenset(
    {
        "crcl_ml_min",
        # ideal- and adjusted-weight CrCl: present only when weight > 120% of ideal or BMI >= 30
        "crcl_ibw_ml_min",
        "crcl_adjbw_ml_min",
        "corrected_calcium_mg_dl",
        "bilirubin_x_uln",
        "alt_x_uln",
        "ast_x_uln",
        "alp_x_uln",
        "transaminase_x_uln",
        # baseline LVEF minus today's, in points (present only with both): the label holds read it
        "lvef_fall_points",
    }
)
_FACT_PREFIXES = (
    # dpyd_conflict: a note reports another DPYD result than pharmacogenomics.dpyd (reasoning/notes.py)
    "comorb:", "dpyd:", "ugt1a1:", "cyp2d6:", "tox:", "prior:", "site:", "red_flag:", "child_pugh:", "sex:",
    "dpyd_conflict:", "with:", "menopausal:",
)
_PLAIN_FACTS = frozenset(
    {
        "pregnant", "first_trimester", "breastfeeding", "dialysis", "poor_performance_status",
        "crcl_incomplete", "late_pregnancy", "age_65_plus", "lvef_50_54", "gnrh_agonist_given",
        # a baseline LVEF is recorded: the rules that can only state the labels' fall-from-baseline holds
        # as conditions give way to the ones that apply them (safety.yaml heart section)
        "lvef_baseline_known",
        # weight below fact_thresholds.low_weight_below_kg: with age_65_plus, the low-muscle-mass group in
        # which a very low creatinine makes Cockcroft-Gault overstate clearance (safety.yaml)
        "weight_under_50_kg",
        # no HbA1c recorded: a rule cannot test a missing value, and known diabetes without one must
        # still ask for it before a glucose-raising drug (safety.yaml, glucose rules)
        "hba1c_missing",
        # from the subtype (``subtype_facts``): ER < 1% and PR < 1%; ER 1-10%
        "hr_negative", "er_low",
        # from the notes (reasoning/notes.py, notes.yaml dental): an invasive dental procedure planned
        "dental_procedure_noted",
        # from the notes (notes.yaml gcsf_timing): pegfilgrastim planned on or before the chemotherapy day
        "pegfilgrastim_timing_noted",
    }
)
#: calculation keys the rules read as numeric fields (the CrCl variants)
_CALCULATED = frozenset({"crcl_ml_min", "crcl_ibw_ml_min", "crcl_adjbw_ml_min"})
_SEVERITY_ORDER = {"contraindication": 0, "warning": 1}
_PROPOSED = "proposed order"


@dataclass(frozen=True, slots=True)
class _AlertRule:
    """What every kind of rule below carries: its place in its file (the tiebreak between equals), its code,
    and the alert it raises. The kinds differ only in what makes them fire."""

    index: int
    code: str
    severity: str
    public: str
    clinician: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rule(_AlertRule):
    drugs: frozenset[str]
    start: bool
    current: bool
    #: context "order": a proposed order only (not a therapy option, which may pair the drug already)
    order: bool
    when: Condition
    tests: tuple[tuple[str, Callable[[float, float], bool], float], ...]
    #: a catch-all rule (``fallback: true``): its public text speaks only when no other rule of its code
    #: does for the drug, so a drug's own dose band is not followed by a vaguer, contradicting one
    fallback: bool = False
    #: (drug, note) pairs for the texts' ``{drug_note}``: one rule over many drugs (the low-creatinine
    #: caveat) says per drug what the value drives, instead of one line repeated under every drug
    drug_notes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Interaction(_AlertRule):
    drugs: frozenset[str]
    partner_drugs: frozenset[str]
    partner_classes: frozenset[str]
    #: partners this interaction does not apply to (a labelled combination, or one a more specific
    #: interaction covers): names, and classes of comedications.yaml / anticancer_classes
    except_partners: frozenset[str] = frozenset()
    except_classes: frozenset[str] = frozenset()
    #: (lab field, public text, clinician text) added when the case gives that value
    lab_notes: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class MedicineRule(_AlertRule):
    """A rule about a medicine from current_meds: it fires when the medicine belongs to one of
    ``classes`` (comedications.yaml) and ``when`` holds over the case's safety facts."""

    classes: frozenset[str]
    when: Condition
    #: fires only when at least this many different medicines of the person (current_meds, current
    #: treatment, orders) hold one of ``classes`` (two anticoagulants at once), and then once, on the first
    min_count: int = 1
    #: numeric tests (field, comparison, threshold), all of which must hold, as a drug rule's ``tests``
    #: (Prolia taken today with CrCl < 30): a missing value never fires the rule. The texts show no value,
    #: so one alert serves every case.
    tests: tuple[tuple[str, Callable[[float, float], bool], float], ...] = ()


@dataclass(frozen=True, slots=True)
class AnthracyclineLimit(_AlertRule):
    """A limit on the cumulative anthracycline total, counted in units of the drug it is about, or of
    ``unit`` when given (an epirubicin order warned at the doxorubicin-equivalent total)."""

    drugs: frozenset[str]
    when: Condition
    ge: float | None
    lt: float | None
    unit: str | None = None

    def holds(self, total: float) -> bool:
        return (self.ge is None or total >= self.ge) and (self.lt is None or total < self.lt)


@dataclass(frozen=True)
class Anthracyclines:
    """How doses of different anthracyclines add up (safety.yaml, cumulative_anthracycline).

    Why a block of its own rather than numeric rules: the total mixes several drugs and the texts name
    the drugs and risk factors behind it, which the memoised rule alerts (keyed on tested values only)
    cannot show.
    """

    #: drug → the Case field with the dose given so far (mg/m2)
    fields: dict[str, str]
    #: drug → cardiotoxicity dose ratio to doxorubicin
    ratios: dict[str, float]
    factor_names: dict[str, str]
    limits_by_drug: dict[str, tuple[AnthracyclineLimit, ...]]


@dataclass(frozen=True)
class SafetyRules:
    rules_by_drug: dict[str, tuple[Rule, ...]]
    interactions_by_drug: dict[str, tuple[Interaction, ...]]
    interactions_by_class: dict[str, tuple[Interaction, ...]]
    interactions_by_partner: dict[str, tuple[Interaction, ...]]
    #: medicine name → interaction classes (co-medications and knowledge-base drugs)
    classes: dict[str, frozenset[str]]
    limits: dict[str, float]
    toxicity_synonyms: dict[str, str]
    cross_reactivity: tuple[tuple[frozenset[str], str], ...]
    texts: dict[str, dict[str, Any]]
    #: medicine name → the medicine rules its classes reach (only medicines some rule reaches)
    medicine_rules: dict[str, tuple[MedicineRule, ...]]
    anthracyclines: Anthracyclines
    #: contraindication code -> warning codes it makes redundant on the same drug (safety.yaml supersedes)
    supersedes: dict[str, frozenset[str]]


def _check_fact(flag: str, where: str) -> None:
    if flag not in _PLAIN_FACTS and not flag.startswith(_FACT_PREFIXES):
        raise ValueError(f"{where}: unknown safety fact {flag!r}")
    if flag.startswith("site:") and flag[5:] not in SITE_CODES:
        raise ValueError(f"{where}: unknown metastatic site {flag!r}")
    if flag.startswith("child_pugh:") and flag[11:] not in {"A", "B", "C"}:
        raise ValueError(f"{where}: Child-Pugh class must be A, B or C in {flag!r}")
    if flag.startswith("with:") and flag[5:] not in drug_groups().category:
        raise ValueError(f"{where}: unknown drug in {flag!r} (with: names one drug)")


def _condition(raw: Any, where: str) -> Condition:
    if raw is None:
        return Condition()
    if isinstance(raw, list):
        raw = {"all": raw}
    any_raw = raw.get("any") or []
    groups = [any_raw] if any_raw and all(isinstance(x, str) for x in any_raw) else any_raw
    cond = Condition(
        all=frozenset(raw.get("all") or ()),
        any=tuple(frozenset(g) for g in groups),
        none=frozenset(raw.get("none") or ()),
    )
    for flag in [*cond.all, *cond.none, *(f for g in cond.any for f in g)]:
        _check_fact(flag, where)
    return cond


def _gates(rule: Rule) -> tuple[str, ...]:
    """Keys at least one of which must be present for the rule to fire (so most rules are never tried)."""
    if rule.when.all:
        return (min(rule.when.all),)
    if rule.tests:
        return (f"field:{rule.tests[0][0]}",)
    if rule.when.any:
        return tuple(sorted(rule.when.any[0]))
    return ("always",)


def _drugs(names: Iterable[str], where: str) -> frozenset[str]:
    groups = drug_groups()
    expanded = groups.expand(names)
    unknown = [d for d in expanded if d not in groups.category]
    if unknown:
        raise ValueError(f"{where}: unknown drug(s) {unknown}")
    return expanded


def _alert_text(raw: dict[str, Any]) -> dict[str, Any]:
    """An :class:`_AlertRule`'s alert fields as its YAML entry gives them (the caller checks the severity)."""
    return {
        "severity": raw["severity"],
        "public": raw["public"],
        "clinician": raw["clinician"],
        "sources": tuple(raw["sources"]),
    }


#: fields a rule text may show besides its tested values: the drug the alert is on, and its ``drug_notes``
#: entry (both part of the alert memo's key, so no case shows another's)
_PER_DRUG_FIELDS = frozenset({"drug", "drug_note"})


def _drug_notes(raw: dict[str, Any], shown: set[str], where: str) -> tuple[tuple[str, str], ...]:
    """A rule's ``drug_notes`` (drug -> clause), checked: a text showing ``{drug_note}`` needs one for
    every drug the rule names, and notes without that placeholder would never be read."""
    notes = raw.get("drug_notes") or {}
    if "drug_note" in shown:
        missing = sorted(set(_drugs(raw["drugs"], where)) - set(notes))
        if missing:
            raise ValueError(f"{where}: drug_notes has no entry for {missing}")
    elif notes:
        raise ValueError(f"{where}: drug_notes given but no text shows {{drug_note}}")
    return tuple((str(drug), str(note)) for drug, note in notes.items())


def _placeholders(text: str) -> set[str]:
    """The fields a rule text formats ("CrCl {crcl_ml_min:.0f}" -> {"crcl_ml_min"})."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@functools.cache
def flag_labels() -> dict[str, str]:
    """Plain words for the safety codes an option is flagged with (public voice): a patient reading
    "pregnancy_specialist_care" beside a treatment learns nothing; "Only with a pregnancy care team" does."""
    return {code: row["public"] for code, row in (rules_file("safety.yaml").get("flag_labels") or {}).items()}


#: the public words beside an option that has a safety flag: the CLI, the web page and the PDF say the same
PUBLIC_NOT_NOW = "Your team should not start this now"
PUBLIC_SEE_SAFETY = "See Medicine safety"


def public_option_note(flags: Sequence[str], flagged: bool) -> str:
    """One rule for every shell: an option is marked when it has flags. A worded flag (flag_labels, e.g.
    pregnancy) says itself what it means; otherwise a flagged option is not to be started now, and any other
    flag points to the medicine-safety list. Never a code."""
    labels = flag_labels()
    words = ", ".join(dict.fromkeys(labels[code] for code in flags if code in labels))
    if words:
        return words
    if flagged:
        return f"{PUBLIC_NOT_NOW} (see Medicine safety)"
    return PUBLIC_SEE_SAFETY if flags else ""


@dataclass(frozen=True, slots=True)
class PublicAlertRow:
    """One line of the public medicine-safety list: identical plain texts are said once, naming each drug."""

    severity: str
    drugs: tuple[str, ...]
    public: str
    code: str


def public_alert_rows(alerts: Iterable[Any]) -> list[PublicAlertRow]:
    """The public list merges alerts whose plain text and severity are the same (the ONJ warning for
    denosumab and for zoledronic acid reads word for word alike); the clinician list keeps one per drug.
    Takes alert models or the dicts of a saved assessment, in the assessment's order."""
    rows: dict[tuple[str, str], list[Any]] = {}
    for alert in alerts:
        get = alert.get if isinstance(alert, dict) else lambda name, a=alert: getattr(a, name, None)
        key = (str(get("severity")), str(get("public")))
        row = rows.setdefault(key, [(), str(get("code"))])
        drug = get("drug")
        if drug and drug not in row[0]:
            row[0] = (*row[0], drug)
    return [PublicAlertRow(sev, drugs, public, code) for (sev, public), (drugs, code) in rows.items()]


@functools.cache
def safety_rules() -> SafetyRules:
    """Rules, interactions and co-medication classes, validated and indexed once per process."""
    data = rules_file("safety.yaml")
    inter = rules_file("interactions.yaml")
    comeds = rules_file("comedications.yaml")
    by_drug: dict[str, list[Rule]] = {}
    for i, raw in enumerate(data["rules"]):
        where = f"safety.yaml: rule #{i + 1} ({raw.get('code', '?')})"
        for field in raw.get("tests") or {}:
            if field not in _LAB_FIELDS and field not in _DERIVED:
                raise ValueError(f"{where}: unknown numeric field {field!r}")
        tests = list(parse_tests(raw.get("tests")))
        shown = _placeholders(raw["public"]) | _placeholders(raw["clinician"])
        drug_notes = _drug_notes(raw, shown, where)
        untested = sorted(shown - {field for field, _, _ in tests} - _PER_DRUG_FIELDS)
        if untested:
            # Alerts are memoised on the tested values; a text showing another value would show the
            # first case's value to every later case that shares the tested ones.
            raise ValueError(f"{where}: the text shows {untested}, which the rule does not test")
        context = raw.get("context", ["start", "current"])
        if raw["severity"] not in _SEVERITY_ORDER:
            raise ValueError(f"{where}: severity must be warning or contraindication")
        rule = Rule(
            index=i,
            code=raw["code"],
            drugs=_drugs(raw["drugs"], where),
            start="start" in context,
            current="current" in context,
            order="order" in context,
            when=_condition(raw.get("when"), where),
            tests=tuple(tests),
            fallback=bool(raw.get("fallback")),
            drug_notes=drug_notes,
            **_alert_text(raw),
        )
        for drug in rule.drugs:
            by_drug.setdefault(drug, []).append(rule)
    inter_by_drug: dict[str, list[Interaction]] = {}
    for i, raw in enumerate(inter["interactions"]):
        where = f"interactions.yaml: #{i + 1} ({raw.get('code', '?')})"
        item = Interaction(
            index=i,
            code=raw["code"],
            drugs=_drugs(raw["drugs"], where),
            partner_drugs=_drugs(raw.get("partner_drugs", ()), where)
            if raw.get("partner_drugs")
            else frozenset(),
            partner_classes=frozenset(raw.get("partner_classes", ())),
            **_alert_text(raw),
            except_partners=_drugs(raw["except_partner_drugs"], where)
            if raw.get("except_partner_drugs")
            else frozenset(),
            except_classes=frozenset(raw.get("except_partner_classes", ())),
            lab_notes=_lab_notes(raw.get("lab_notes") or (), where),
        )
        for drug in item.drugs:
            inter_by_drug.setdefault(drug, []).append(item)
    by_class: dict[str, list[Interaction]] = {}
    by_partner: dict[str, list[Interaction]] = {}
    for items in inter_by_drug.values():
        for item in items:
            for cls in item.partner_classes:
                if item not in by_class.setdefault(cls, []):
                    by_class[cls].append(item)
            for partner in item.partner_drugs:
                if item not in by_partner.setdefault(partner, []):
                    by_partner[partner].append(item)
    classes: dict[str, frozenset[str]] = {row["name"]: frozenset(row.get("classes") or ()) for row in comeds}
    for drug, cls in inter["anticancer_classes"].items():
        classes[drug] = frozenset(cls)
    by_medicine = _medicine_rules(data.get("medicine_rules") or (), classes)
    synonyms = {word.lower(): name for name, words in data["toxicity_synonyms"].items() for word in words}
    cross = tuple(
        (_drugs(row["drugs"], "safety.yaml: cross_reactivity"), row["note"])
        for row in data["cross_reactivity"]
    )
    return SafetyRules(
        rules_by_drug={k: tuple(v) for k, v in by_drug.items()},
        interactions_by_drug={k: tuple(v) for k, v in inter_by_drug.items()},
        interactions_by_class={k: tuple(v) for k, v in by_class.items()},
        interactions_by_partner={k: tuple(v) for k, v in by_partner.items()},
        classes=classes,
        limits={k: float(v) for k, v in data["reference_limits"].items()},
        toxicity_synonyms=synonyms,
        cross_reactivity=cross,
        texts={
            k: data[k] for k in ("allergy", "allergy_cross_reactivity", "prior_toxicity", "duplicate_order")
        },
        medicine_rules=by_medicine,
        anthracyclines=_anthracyclines(data["cumulative_anthracycline"]),
        supersedes={k: frozenset(v) for k, v in (data.get("supersedes") or {}).items()},
    )


def _lab_notes(raws: Iterable[dict[str, str]], where: str) -> tuple[tuple[str, str, str], ...]:
    """An interaction's notes on today's value of a lab (the INR with warfarin), each showing only it."""
    out = []
    for raw in raws:
        field = raw["field"]
        if field not in _LAB_FIELDS:
            raise ValueError(f"{where}: unknown lab field {field!r} in lab_notes")
        if (_placeholders(raw["public"]) | _placeholders(raw["clinician"])) - {field}:
            raise ValueError(f"{where}: a lab note may show only {field}")
        out.append((field, raw["public"], raw["clinician"]))
    return tuple(out)


def _anthracyclines(raw: dict[str, Any]) -> Anthracyclines:
    """The cumulative-dose block, validated: known drugs and Case fields, texts naming only what they can."""
    where = "safety.yaml: cumulative_anthracycline"
    fields = {drug: str(row["field"]) for drug, row in raw["drugs"].items()}
    ratios = {drug: float(row["ratio"]) for drug, row in raw["drugs"].items()}
    _drugs(fields, where)
    unknown = sorted(f for f in fields.values() if f not in Case.model_fields)
    if unknown or any(r <= 0 for r in ratios.values()):
        raise ValueError(f"{where}: unknown Case field(s) {unknown} or a ratio that is not positive")
    by_drug: dict[str, list[AnthracyclineLimit]] = {}
    allowed = {"drug", "drugs", "total", "parts", "factors"}
    for i, row in enumerate(raw["limits"]):
        at = f"{where}: limit #{i + 1} ({row.get('code', '?')})"
        if row["severity"] not in _SEVERITY_ORDER:
            raise ValueError(f"{at}: severity must be warning or contraindication")
        shown = _placeholders(row["public"]) | _placeholders(row["clinician"])
        if shown - allowed:
            raise ValueError(f"{at}: unknown text field(s) {sorted(shown - allowed)}")
        limit = AnthracyclineLimit(
            index=i,
            code=row["code"],
            drugs=_drugs(row["drugs"], at),
            when=_condition(row.get("when"), at),
            ge=float(row["ge"]) if "ge" in row else None,
            lt=float(row["lt"]) if "lt" in row else None,
            **_alert_text(row),
            unit=row.get("unit"),
        )
        if limit.unit is not None and limit.unit not in fields:
            raise ValueError(f"{at}: unit {limit.unit!r} is not an anthracycline of the table")
        if limit.drugs - set(fields):
            raise ValueError(f"{at}: no cumulative dose field for {sorted(limit.drugs - set(fields))}")
        for drug in limit.drugs:
            by_drug.setdefault(drug, []).append(limit)
    return Anthracyclines(
        fields=fields,
        ratios=ratios,
        factor_names=dict(raw.get("factor_names") or {}),
        limits_by_drug={k: tuple(v) for k, v in by_drug.items()},
    )


def _medicine_rules(
    raws: Iterable[dict[str, Any]], classes: dict[str, frozenset[str]]
) -> dict[str, tuple[MedicineRule, ...]]:
    """Medicine rules indexed by the medicines they reach, so a case pays one lookup per listed medicine."""
    known = frozenset().union(*classes.values())
    out: dict[str, list[MedicineRule]] = {}
    for i, raw in enumerate(raws):
        where = f"safety.yaml: medicine rule #{i + 1} ({raw.get('code', '?')})"
        if raw["severity"] not in _SEVERITY_ORDER:
            raise ValueError(f"{where}: severity must be warning or contraindication")
        for field in raw.get("tests") or {}:
            if field not in _LAB_FIELDS and field not in _DERIVED:
                raise ValueError(f"{where}: unknown numeric field {field!r}")
        if _placeholders(raw["public"]) | _placeholders(raw["clinician"]):
            raise ValueError(f"{where}: a medicine rule's texts show no values (its alert is shared)")
        rule = MedicineRule(
            index=i,
            code=raw["code"],
            classes=frozenset(raw["classes"]),
            when=_condition(raw.get("when"), where),
            min_count=int(raw.get("min_count", 1)),
            tests=parse_tests(raw.get("tests")),
            **_alert_text(raw),
        )
        unknown = sorted(rule.classes - known)
        if unknown:
            raise ValueError(f"{where}: no medicine has the class(es) {unknown}")
        for name, member_of in classes.items():
            if rule.classes & member_of:
                out.setdefault(name, []).append(rule)
    return {k: tuple(v) for k, v in out.items()}


# --- per-case facts and values -----------------------------------------------------------------------
def safety_facts(case: Any) -> frozenset[str]:
    """Safety facts: comorbidities, metastatic sites, pregnancy, dialysis, Child-Pugh class, genotypes,
    prior pneumonitis, prior drugs."""
    facts: set[str] = {f"comorb:{c}" for c in case.comorbidities}
    facts.update(f"site:{s}" for s in case.metastatic_sites)
    patient = case.patient
    if patient.pregnant:
        facts.add("pregnant")
        if in_first_trimester(patient):
            facts.add("first_trimester")
    facts.update(_threshold_facts(case))
    if patient.breastfeeding:
        facts.add("breastfeeding")
    if poor_performance_status(patient):
        facts.add("poor_performance_status")
    if patient.on_dialysis:
        facts.add("dialysis")
    if crcl_incomplete(case):
        facts.add("crcl_incomplete")
    if case.labs.hba1c_percent is None:
        facts.add("hba1c_missing")
    if patient.child_pugh:
        facts.add(f"child_pugh:{patient.child_pugh}")
    if patient.sex:
        facts.add(f"sex:{patient.sex}")
    if patient.menopausal:
        facts.add(f"menopausal:{patient.menopausal}")
    if gnrh_agonist_given(case):
        facts.add("gnrh_agonist_given")
    # with:X — X is in the current treatment or a proposed order: labels whose limits hold only in a
    # combination (ixabepilone with capecitabine, lapatinib's Child-Pugh C dose by partner)
    facts.update(f"with:{t.drug}" for t in (*case.current_treatment, *case.proposed_treatment))
    pgx = case.pharmacogenomics
    facts.add(f"dpyd:{pgx.dpyd or 'untested'}")
    facts.add(f"ugt1a1:{pgx.ugt1a1 or 'untested'}")
    facts.add(f"cyp2d6:{pgx.cyp2d6 or 'untested'}")
    if case.prior_treatment:
        rules = safety_rules()
        tags = drug_groups().tags
        for prior in case.prior_treatment:
            for tag in tags.get(prior.drug, (prior.drug,)):
                facts.add(f"prior:{tag}")
            stopped = prior.stopped_for
            if stopped is not None:
                name = rules.toxicity_synonyms.get(stopped.toxicity.strip().lower())
                if name:
                    facts.add(f"tox:{name}")
                    if stopped.grade is not None and stopped.grade >= 2:
                        facts.add(f"tox:{name}:2plus")
    return frozenset(facts)


def subtype_facts(subtype_result: Any) -> frozenset[str]:
    """Safety facts from the receptor subtype: ``hr_negative`` (ER and PR both < 1%) and ``er_low``.

    Why not read in ``safety_facts``: the subtype is classified once per case in assess (ASCO/CAP rules,
    status words as well as percents), and the checks must use that same call, not a second reading of
    the percents. Unknown receptors give no fact: an endocrine order is never blocked on a missing test.
    """
    if subtype_result.hr_positive is False:
        return _HR_NEGATIVE
    if subtype_result.er_low:
        return _ER_LOW
    return frozenset()


_HR_NEGATIVE = frozenset({"hr_negative"})
_ER_LOW = frozenset({"er_low"})


@functools.cache
def _fact_thresholds() -> dict[str, Any]:
    return dict(rules_file("safety.yaml")["fact_thresholds"])


def _threshold_facts(case: Any) -> tuple[str, ...]:
    """Facts read from one number (late pregnancy, age, low weight, borderline LVEF): the limits live in
    safety.yaml fact_thresholds so that the rules' `when` can name them like any comorbidity.
    A tuple in a fixed order, so it can key the facts memo as it is."""
    limits = _fact_thresholds()
    patient = case.patient
    out: list[str] = []
    weeks = patient.gestation_weeks
    if patient.pregnant and weeks is not None and weeks >= limits["late_pregnancy_from_week"]:
        out.append("late_pregnancy")
    if patient.age is not None and patient.age >= limits["older_age_from_years"]:
        out.append("age_65_plus")
    if patient.weight_kg is not None and patient.weight_kg < limits["low_weight_below_kg"]:
        out.append("weight_under_50_kg")
    lvef = case.labs.lvef_percent
    low, high = limits["lvef_borderline_percent"]
    if lvef is not None and low <= lvef < high:
        out.append("lvef_50_54")
    if case.labs.lvef_baseline_percent is not None:
        out.append("lvef_baseline_known")
    return tuple(out)


@functools.cache
def _gnrh_drugs() -> frozenset[str]:
    return drug_groups().expand(["gnrh_agonist"])


def gnrh_agonist_given(case: Any) -> bool:
    """A GnRH agonist is in the current treatment or the proposed orders: an aromatase inhibitor given to
    a man without one leaves testicular estrogen production unsuppressed (ASCO 2020, male breast cancer)."""
    gnrh = _gnrh_drugs()
    return any(t.drug in gnrh for t in case.current_treatment) or any(
        p.drug in gnrh for p in case.proposed_treatment
    )


def crcl_incomplete(case: Any) -> bool:
    """Creatinine is recorded but Cockcroft-Gault cannot be computed (no weight, age or sex).

    Why a fact of its own: every renal rule tests the CrCl, and a missing value never fires a rule, so
    without it a known, raised creatinine would switch the renal checks off in silence.
    """
    patient = case.patient
    return case.labs.creatinine_mg_dl is not None and (
        patient.weight_kg is None or patient.age is None or patient.sex is None
    )


class _Values(dict):  # type: ignore[type-arg]
    """Numeric values by field name, computed on first use (most rules never ask for most fields)."""

    def __init__(self, case: Any, calculations: dict[str, Any]) -> None:
        super().__init__()
        self.case = case
        self.calculations = calculations

    def __missing__(self, key: str) -> float | None:
        value = self._compute(key)
        self[key] = value
        return value

    def _compute(self, key: str) -> float | None:
        labs = self.case.labs
        if key in _LAB_FIELDS:
            return getattr(labs, key)
        if key in _CALCULATED:
            return self.calculations.get(key)
        if key == "corrected_calcium_mg_dl":
            value = self.calculations.get("corrected_calcium_mg_dl")
            if value is None and labs.albumin_g_dl is None:
                value = labs.calcium_mg_dl
            return value
        if key in _TIMES_ULN:  # one reader for "x ULN" values, shared with the rule plans
            return _field_getter(key)(self.case, self.calculations)
        if key == "transaminase_x_uln":
            vals = [v for v in (self["alt_x_uln"], self["ast_x_uln"]) if v is not None]
            return max(vals) if vals else None
        if key == "lvef_fall_points":
            if labs.lvef_percent is None or labs.lvef_baseline_percent is None:
                return None
            return labs.lvef_baseline_percent - labs.lvef_percent
        return None


#: "x ULN" field → (lab field, reference limit), as computed in ``_Values``
_TIMES_ULN = {
    "bilirubin_x_uln": ("bilirubin_mg_dl", "bilirubin_uln_mg_dl"),
    "alt_x_uln": ("alt_u_l", "alt_uln_u_l"),
    "ast_x_uln": ("ast_u_l", "ast_uln_u_l"),
    "alp_x_uln": ("alp_u_l", "alp_uln_u_l"),
}


@functools.cache
def _field_getter(field: str) -> Callable[[Any, dict[str, Any]], float | None]:
    """A fast reader of one numeric field from (case, calculations): the same values as ``_Values``.

    Cached per field name: the reader depends only on the field and the reference limits, which
    are read once per process, so every plan testing a field shares one reader.
    """
    limits = safety_rules().limits
    if field in _LAB_FIELDS:
        return lambda case, calculations, _get=operator.attrgetter(f"labs.{field}"): _get(case)
    if field in _CALCULATED:
        return lambda case, calculations: calculations.get(field)
    if field in _TIMES_ULN:
        lab, limit_name = _TIMES_ULN[field]
        limit = limits[limit_name]
        get = operator.attrgetter(f"labs.{lab}")
        get_uln = operator.attrgetter(f"labs.{limit_name}")

        def ratio(case: Any, calculations: dict[str, Any]) -> float | None:
            value = get(case)
            if value is None:
                return None
            uln = get_uln(case)  # the laboratory's own upper limit when given, else the typical adult one
            return value / (uln if uln is not None else limit)

        return ratio
    # The two combined fields the rules test have readers of their own (fast path): reading them through
    # a fresh _Values (below) built a dict per case and field, 1.9 -> 0.5 µs (corrected calcium) and
    # 4.8 -> 2.2 µs (transaminases) a read. Same logic as _Values._compute for these keys.
    if field == "corrected_calcium_mg_dl":

        def corrected_calcium(case: Any, calculations: dict[str, Any]) -> float | None:
            value = calculations.get("corrected_calcium_mg_dl")
            if value is None and case.labs.albumin_g_dl is None:
                value = case.labs.calcium_mg_dl
            return value

        return corrected_calcium
    if field == "transaminase_x_uln":
        alt, ast = _field_getter("alt_x_uln"), _field_getter("ast_x_uln")

        def transaminase(case: Any, calculations: dict[str, Any]) -> float | None:
            vals = [v for v in (alt(case, calculations), ast(case, calculations)) if v is not None]
            return max(vals) if vals else None

        return transaminase
    # the rest are rare or combine several inputs: read them through _Values itself
    return lambda case, calculations: _Values(case, calculations)[field]


#: derived numeric field → the inputs that must be present for it to exist
_DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "bilirubin_x_uln": ("bilirubin_mg_dl",),
    "alt_x_uln": ("alt_u_l",),
    "ast_x_uln": ("ast_u_l",),
    "alp_x_uln": ("alp_u_l",),
    "transaminase_x_uln": ("alt_u_l", "ast_u_l"),
    "corrected_calcium_mg_dl": ("calcium_mg_dl",),
    "lvef_fall_points": ("lvef_percent", "lvef_baseline_percent"),
}
_ALERT_CACHE: dict[tuple[Any, ...], SafetyAlert] = {}
_new_alert = constructor(SafetyAlert)
_CACHE_LIMIT = 100_000


def _alert(
    key: tuple[Any, ...],
    code: str,
    drug: str,
    severity: str,
    public: str,
    clinician: str,
    sources: tuple[str, ...],
    rationale: str,
    partners: tuple[str, ...] = (),
) -> SafetyAlert:
    alert = _ALERT_CACHE.get(key)
    if alert is None:
        alert = _new_alert(
            code=code,
            drug=drug,
            severity=severity,
            public=public,
            clinician=clinician,
            sources=sources,
            rationale=rationale,
            partners=partners,
            alternatives=(),
        )
        if len(_ALERT_CACHE) < _CACHE_LIMIT:
            _ALERT_CACHE[key] = alert
    return alert


#: which weight each CrCl field used, named in the alert's rationale so a reader knows what was checked
_WEIGHT_BASIS = {
    "crcl_ml_min": " (Cockcroft-Gault, actual body weight)",
    "crcl_ibw_ml_min": " (ideal body weight)",
    "crcl_adjbw_ml_min": " (adjusted body weight)",
}


@functools.lru_cache(maxsize=4096)
def _merged_public(first: str, other: str) -> str:
    """``first`` followed by the sentences of ``other`` it does not already say (memoised: rule texts
    repeat across cases, and splitting them per merge cost ~20 µs a case)."""
    # "This medicine raises blood sugar." is said already by "This medicine raises blood sugar, so ...":
    # a sentence counts as said when one already there starts with it
    said = [t.strip().rstrip(".") for t in first.replace(". ", ".\n").splitlines()]
    extra = [
        t.strip()
        for t in other.replace(". ", ".\n").splitlines()
        if t.strip() and not any(s.startswith(t.strip().rstrip(".")) for s in said)
    ]
    return " ".join([first, *extra])


def _merged(first: SafetyAlert, other: SafetyAlert, public: str | None = None) -> SafetyAlert:
    """One alert for two rules of the same code and severity on one drug: both texts, values and sources.

    Sentences the public text already has are not repeated (the rules of one code share their advice);
    ``public`` replaces the joined public text (a drug's own band over a fallback rule's words).
    """
    return _new_alert(
        code=first.code,
        drug=first.drug,
        severity=first.severity,
        public=_merged_public(first.public, other.public) if public is None else public,
        clinician=f"{first.clinician} {other.clinician}",
        sources=tuple(dict.fromkeys([*first.sources, *other.sources])),
        rationale="; ".join(dict.fromkeys([first.rationale, other.rationale])),
        partners=tuple(dict.fromkeys([*first.partners, *other.partners])),
        alternatives=tuple(dict.fromkeys([*first.alternatives, *other.alternatives])),
    )


def _rule_alert(
    rule: Rule, drug: str, values: _Values, where: str, missed: tuple[Any, ...] | None = None
) -> SafetyAlert:
    """The alert of a rule for a drug, memoised on the tested values (``missed``: those values, when
    the caller has just found them missing from the memo: they are not looked up a second time)."""
    shown = tuple([values[f] for f, _, _ in rule.tests]) if missed is None else missed
    key = ("rule", rule.index, drug, shown, where)
    if missed is None:
        cached = _ALERT_CACHE.get(key)
        if cached is not None:
            return cached
    fields: Any = values
    if rule.drug_notes or "{drug}" in rule.clinician or "{drug}" in rule.public:
        fields = {f: values[f] for f, _, _ in rule.tests}
        fields["drug"] = drug
        fields["drug_note"] = dict(rule.drug_notes).get(drug, "")
    clinician = rule.clinician.format_map(fields) if "{" in rule.clinician else rule.clinician
    public = rule.public.format_map(fields) if "{" in rule.public else rule.public
    if rule.tests:
        trigger = ", ".join(
            f"{f} = {values[f]:g}" + _WEIGHT_BASIS.get(f, "") for f in dict.fromkeys(t[0] for t in rule.tests)
        )
        rationale = f"{drug} ({where}): {trigger}"
    else:
        rationale = f"{drug} ({where}): case facts match rule {rule.code}"
    return _alert(key, rule.code, drug, rule.severity, public, clinician, rule.sources, rationale)


#: one alert of a plan's answer: (severity rank, order of the drug, tiebreak, built alert or None, rule,
#: drug, where, positions of the tested values) — the alert is built per case from the values when
#: the rule has numeric tests
_Slot = tuple[int, int, int, "SafetyAlert | None", "Rule", str, str, tuple[int, ...]]


#: (bit of the rule in a pass mask, its numeric tests as (value position, operator, threshold))
_Tested = tuple[int, tuple[tuple[int, Callable[[float, float], bool], float], ...]]


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A rule that reaches drugs in play in a context they are used in; its facts and tests remain to check.

    Shared by every layout where the rule reaches the same drugs in the same places (``_candidate``),
    with everything the plans share: its numeric tests and its answer slots.
    """

    rule: Rule
    #: (bit, tests) when the rule has numeric tests; None when it has none (its alerts are built here)
    tested: _Tested | None
    #: the alerts this rule gives, one slot per drug in play it reaches, in order
    slots: tuple[_Slot, ...]


class _Plan:
    """The candidates for one layout and fact set, and their answers by which numeric rules pass.

    Why keyed on the pass mask: once the facts and drugs are fixed, the deduplicated, ranked list of
    alerts depends only on which candidate rules' numeric tests pass (bit ``1 << rule.index``), so it is
    memoised on that bitmask; per case only the tested values are read and compared.
    """

    __slots__ = ("answers", "candidates", "tested")

    def __init__(self, candidates: tuple[_Candidate, ...]) -> None:
        self.candidates = candidates
        #: (bit, tests) for each candidate with numeric tests
        self.tested = tuple([c.tested for c in candidates if c.tested is not None])
        self.answers: dict[int, tuple[_Slot, ...]] = {}

    def passing(self, values: list[Any]) -> int:
        """The bitmask of candidates whose every numeric test passes (a missing value fails)."""
        mask = 0
        for bit, tests in self.tested:
            for pos, op, threshold in tests:
                value = values[pos]
                if value is None or not op(value, threshold):
                    break
            else:
                mask |= bit
        return mask

    def answer(self, mask: int) -> tuple[_Slot, ...]:
        found = self.answers.get(mask)
        if found is None:
            found = self.answers[mask] = self._answer(mask)
            if len(self.answers) > 4_096:
                self.answers.clear()
                self.answers[mask] = found
        return found

    def _answer(self, mask: int) -> tuple[_Slot, ...]:
        # per (code, drug): the most severe slots; several of equal severity are all kept and merged
        # into one alert by ``_check`` (the HbA1c of a diabetic person must not hide behind the
        # diabetes text of the same code)
        out: dict[tuple[str, str], list[_Slot]] = {}
        for candidate in self.candidates:
            tested = candidate.tested
            if tested is not None and not mask & tested[0]:
                continue
            for slot in candidate.slots:
                key = (slot[4].code, slot[5])
                previous = out.get(key)
                if previous is None or slot[0] < previous[0][0]:
                    out[key] = [slot]
                elif slot[0] == previous[0][0]:
                    previous.append(slot)
        return tuple(sorted((s for group in out.values() for s in group), key=lambda t: (t[0], t[1], t[2])))


class _Layout:
    """The drugs in play and where each comes from; memoised plans per set of safety facts.

    The rules that reach these drugs (``candidates``) and the numeric fields they test (``fields``)
    are found once per layout; plans are keyed on only the facts those rules read (``referenced``),
    so cases whose other facts differ share a plan.
    """

    __slots__ = (
        "candidates",
        "current",
        "drugs",
        "fields",
        "in_play",
        "order_of",
        "plans",
        "referenced",
        "start",
    )

    def __init__(self, start: dict[str, str], current: dict[str, str]) -> None:
        self.start = start
        self.current = current
        self.order_of = {drug: i for i, drug in enumerate(dict.fromkeys([*current, *start]))}
        self.drugs = tuple(self.order_of)
        self.in_play = frozenset(self.order_of)
        self.plans: dict[frozenset[str], _Plan] = {}
        #: filled on first use by ``_prepare``
        self.candidates: tuple[_Candidate, ...] | None = None
        #: (value position, reader) for each numeric field the candidates test
        self.fields: tuple[tuple[int, Callable[[Any, dict[str, Any]], float | None]], ...] = ()
        self.referenced: frozenset[str] = frozenset()


_LAYOUTS: dict[tuple[tuple[str, str], ...], _Layout] = {}
_LAYOUT_LIMIT = 20_000


def _layout(options: Sequence[TherapyOption], case: Any) -> _Layout:
    """The layout of the drugs in play, shared by every case that puts the same drugs in play.

    Keyed on exactly what a layout is made of — each drug in play, in order, with where it comes
    from — so option sets that differ only in regimens, labels or ranks (thousands of them) share
    one layout and its memoised plans (about a thousand distinct keys).
    """
    start: dict[str, str] = {}
    for option in options:
        for drug in option.drugs:
            if drug not in start:
                start[drug] = "therapy option"
    for order in case.proposed_treatment:
        start[order.drug] = _PROPOSED
    current = {t.drug: "current treatment" for t in case.current_treatment}
    key = (*start.items(), ("", ""), *current.items())
    layout = _LAYOUTS.get(key)
    if layout is None:
        layout = _Layout(start, current)
        if len(_LAYOUTS) >= _LAYOUT_LIMIT:
            _LAYOUTS.clear()
        _LAYOUTS[key] = layout
    return layout


@functools.cache
def _visit_order() -> dict[int, tuple[int, int, int]]:
    """Rule index → the order in which rules meet when two give the same (code, drug) alert.

    Rules gated by a safety fact come first, then ungated ones, then those gated by a numeric field
    in the order of the Labs fields (crcl after them); the more severe
    alert always wins, and among equals the first met speaks.
    """
    from mbcnav.case import Labs

    position = {name: i for i, name in enumerate(Labs.model_fields)}
    for field in sorted(_CALCULATED):
        position[field] = len(position)
    out: dict[int, tuple[int, int, int]] = {}
    for rules_for_drug in safety_rules().rules_by_drug.values():
        for rule in rules_for_drug:
            gate = _gates(rule)[0]
            if gate == "always":
                out[rule.index] = (1, 0, rule.index)
            elif gate.startswith("field:"):
                base = _DERIVED_FROM.get(gate[6:], (gate[6:],))[0]
                out[rule.index] = (2, position[base], rule.index)
            else:
                out[rule.index] = (0, 0, rule.index)
    return out


@functools.cache
def _with_drugs() -> frozenset[str]:
    """Drugs some rule reads as a ``with:X`` fact."""
    return frozenset(f[5:] for f in _referenced_facts() if f.startswith("with:"))


@functools.cache
def _referenced_sites() -> frozenset[str]:
    """Metastatic sites some rule reads as a ``site:X`` fact."""
    return frozenset(f[5:] for f in _referenced_facts() if f.startswith("site:"))


@functools.cache
def _referenced_facts() -> frozenset[str]:
    rules = safety_rules()
    out: set[str] = set()
    for rules_for_drug in rules.rules_by_drug.values():
        for rule in rules_for_drug:
            out |= rule.when.referenced()
    for medicine_rules in rules.medicine_rules.values():
        for medicine_rule in medicine_rules:
            out |= medicine_rule.when.referenced()
    for limits in rules.anthracyclines.limits_by_drug.values():
        for limit in limits:
            out |= limit.when.referenced()
    return frozenset(out)


_FACTS: dict[tuple[Any, ...], frozenset[str]] = {}
_FACTS_LIMIT = 50_000


def _relevant_facts(case: Any) -> frozenset[str]:
    """The safety facts any rule reads, memoised on the case fields they come from."""
    patient, pgx = case.patient, case.pharmacogenomics
    sites = case.metastatic_sites
    treated = bool(case.current_treatment or case.proposed_treatment)
    if sites:
        referenced_sites = _referenced_sites()
        sites = tuple([s for s in sites if s in referenced_sites])
    given_with: frozenset[str] = frozenset()
    if treated:
        with_drugs = _with_drugs()
        given_with = frozenset(
            t.drug for t in (*case.current_treatment, *case.proposed_treatment) if t.drug in with_drugs
        )
    key = (
        case.comorbidities,
        # only the sites a rule reads (site:bone), and only whether performance status is poor: the
        # raw tuple and scores split one answer into hundreds of memo entries
        sites,
        patient.pregnant,
        patient.gestation_weeks,
        patient.breastfeeding,
        patient.on_dialysis,
        crcl_incomplete(case),
        case.labs.hba1c_percent is None,
        patient.child_pugh,
        patient.sex,
        patient.menopausal,
        gnrh_agonist_given(case) if treated else False,
        poor_performance_status(patient),
        # age, weight and LVEF only as the facts they give (age_65_plus, weight_under_50_kg, lvef_50_54),
        # not as raw numbers
        _threshold_facts(case),
        pgx.dpyd,
        pgx.ugt1a1,
        pgx.cyp2d6,
        tuple([(p.drug, p.stopped_for) for p in case.prior_treatment]) if case.prior_treatment else (),
        # only the drugs a with:X fact reads
        given_with,
    )
    facts = _FACTS.get(key)
    if facts is None:
        facts = safety_facts(case) & _referenced_facts()
        if len(_FACTS) >= _FACTS_LIMIT:
            _FACTS.clear()
        _FACTS[key] = facts
    return facts


@functools.cache
def _value_positions() -> dict[str, int]:
    """Numeric field → its position in the per-case value list (one numbering for every layout)."""
    fields: dict[str, int] = {}
    for rule in sorted(
        {r for rs in safety_rules().rules_by_drug.values() for r in rs}, key=lambda r: r.index
    ):
        for field, _, _ in rule.tests:
            fields.setdefault(field, len(fields))
    return fields


@functools.cache
def _rule_tested(rule_index: int) -> _Tested:
    """A rule's bit in pass masks and its tests against the shared value positions (built once)."""
    rule = _rule_by_index()[rule_index]
    position = _value_positions()
    return 1 << rule.index, tuple((position[field], op, threshold) for field, op, threshold in rule.tests)


@functools.cache
def _value_reader(field: str) -> tuple[int, Callable[[Any, dict[str, Any]], float | None]]:
    """(position, reader) of a numeric field, one shared pair per field for every layout."""
    return _value_positions()[field], _field_getter(field)


@functools.cache
def _value_count() -> int:
    return len(_value_positions())


@functools.cache
def _rule_by_index() -> dict[int, Rule]:
    return {r.index: r for rs in safety_rules().rules_by_drug.values() for r in rs}


_CANDIDATES: dict[tuple[int, tuple[tuple[str, str, int], ...]], _Candidate] = {}
_CANDIDATES_LIMIT = 50_000


def _candidate(rule: Rule, entries: tuple[tuple[str, str, int], ...]) -> _Candidate:
    """The candidate for a rule reaching these (drug, where, order) entries, shared across layouts."""
    key = (rule.index, entries)
    found = _CANDIDATES.get(key)
    if found is not None:
        return found
    severity = _SEVERITY_ORDER[rule.severity]
    if not rule.tests and "{" not in rule.public and "{" not in rule.clinician:
        empty = _Values(None, {})
        slots = tuple(
            (severity, order, rule.index, _rule_alert(rule, drug, empty, where), rule, drug, where, ())
            for drug, where, order in entries
        )
        found = _Candidate(rule, None, slots)
    else:
        tested = _rule_tested(rule.index)
        shown = tuple(pos for pos, _, _ in tested[1])
        slots = tuple(
            (severity, order, rule.index, None, rule, drug, where, shown) for drug, where, order in entries
        )
        found = _Candidate(rule, tested, slots)
    if len(_CANDIDATES) >= _CANDIDATES_LIMIT:
        _CANDIDATES.clear()
    _CANDIDATES[key] = found
    return found


def _prepare(layout: _Layout) -> tuple[_Candidate, ...]:
    """Find the layout's candidates: rules that reach a drug in play in a context it is used in.

    In visit order, whatever the facts. Also sets the layout's value readers and referenced facts.
    """
    rules = safety_rules()
    visit = _visit_order()
    seen: set[int] = set()
    found: list[Rule] = []
    for drug in layout.drugs:
        for rule in rules.rules_by_drug.get(drug, ()):
            if rule.index not in seen:
                seen.add(rule.index)
                found.append(rule)
    found.sort(key=lambda r: visit[r.index])
    out: list[_Candidate] = []
    start, current, order_of = layout.start, layout.current, layout.order_of
    for rule in found:
        entries: list[tuple[str, str, int]] = []
        for drug in sorted(rule.drugs.intersection(layout.in_play), key=order_of.__getitem__):
            # a drug already given is continued, not started: start-only rules (QTcF < 450 ms before
            # the first ribociclib dose) do not speak for it, its current-treatment holds do
            in_current = drug in current
            in_start = drug in start and not in_current
            as_order = in_start and rule.order and start[drug] == _PROPOSED
            if not ((in_start and rule.start) or as_order or (in_current and rule.current)):
                continue
            where = start[drug] if in_start and (rule.start or as_order) else "current treatment"
            entries.append((drug, where, order_of[drug]))
        if entries:
            out.append(_candidate(rule, tuple(entries)))
    tested_fields = dict.fromkeys(field for c in out if c.tested is not None for field, _, _ in c.rule.tests)
    layout.fields = tuple(_value_reader(field) for field in tested_fields)
    layout.referenced = frozenset().union(*(c.rule.when.referenced() for c in out))
    layout.candidates = tuple(out)
    return layout.candidates


def _plan(layout: _Layout, facts: frozenset[str]) -> _Plan:
    """The layout's plan for these safety facts: its candidates whose fact condition holds.

    Memoised on the facts the layout's rules read (``holds`` reads no others, so the plan is the same).
    """
    candidates = layout.candidates
    if candidates is None:
        candidates = _prepare(layout)
    key = facts & layout.referenced
    plan = layout.plans.get(key)
    if plan is None:
        plan = layout.plans[key] = _Plan(tuple(c for c in candidates if c.rule.when.holds(key)))
    return plan


@functools.cache
def _partner_items() -> dict[str, tuple[Interaction, ...]]:
    """Medicine → the interactions it can take part in as a partner (directly or by class), once each."""
    rules = safety_rules()
    out: dict[str, tuple[Interaction, ...]] = {}
    for partner in {*rules.interactions_by_partner, *rules.classes}:
        items = list(rules.interactions_by_partner.get(partner, ()))
        for cls in sorted(rules.classes.get(partner, ())):
            items.extend(rules.interactions_by_class.get(cls, ()))
        unique = tuple({id(i): i for i in items}.values())
        if unique:
            out[partner] = unique
    return out


def check(
    case: Any,
    options: Sequence[TherapyOption],
    calculations: dict[str, Any],
    red_flags: Iterable[str] = (),
    note_facts: Iterable[str] = (),
) -> list[SafetyAlert]:
    """Alerts for every drug in play: options and proposed orders (start) and current treatment (current).

    Contraindications come first, then by the order the drugs appear. Each (code, drug) pair
    appears once. Which rules can fire depends only on the drugs in play and the case's safety
    facts, so that part is memoised; per case only the numeric tests are evaluated.
    """
    return _check(case, options, calculations, _layout(options, case), red_flags, note_facts)


def check_set(
    case: Any,
    option_set: OptionSet,
    calculations: dict[str, Any],
    red_flags: Iterable[str] = (),
    note_facts: Iterable[str] = (),
) -> list[SafetyAlert]:
    """``check`` for a memoised option set (its layout is kept on it when the case proposes nothing).

    ``red_flags`` are the codes triage raised: rules read them as ``red_flag:X`` facts, so a dose
    rule can follow the emergency (zoledronic acid for hypercalcemia of malignancy is dosed by
    serum creatinine, not by the CrCl bands for bone metastases). ``note_facts`` are safety facts that no
    case field holds: read from the notes (``dpyd_conflict:poor``, a past pneumonitis as
    ``comorb:pneumonitis``: reasoning/notes.py) or from the subtype (``subtype_facts``)."""
    if case.proposed_treatment or case.current_treatment:
        layout = _layout(option_set.options, case)
    else:
        layout = option_set.layout
        if layout is None:
            layout = option_set.layout = _layout(option_set.options, case)
    return _check(case, option_set.options, calculations, layout, red_flags, note_facts)


def _check(
    case: Any,
    options: Sequence[TherapyOption],
    calculations: dict[str, Any],
    layout: _Layout,
    red_flags: Iterable[str] = (),
    note_facts: Iterable[str] = (),
) -> list[SafetyAlert]:
    rules = safety_rules()
    medicine_rules = rules.medicine_rules
    reached = [m for m in case.current_meds if m in medicine_rules] if medicine_rules else ()
    if not layout.drugs and len(case.current_meds) < 2 and not reached:
        return []
    facts = _relevant_facts(case)
    if red_flags:
        raised = {f"red_flag:{code}" for code in red_flags} & _referenced_facts()
        if raised:
            facts = facts | raised
    if note_facts:
        facts = facts | (frozenset(note_facts) & _referenced_facts())
    plan = _plan(layout, facts)
    vals = [None] * _value_count()
    for pos, get in layout.fields:
        vals[pos] = get(case, calculations)
    slots = plan.answer(plan.passing(vals))
    # Rule alerts are deduplicated and ranked already; interactions, allergies, prior toxicities
    # and medicine rules use other codes, so they are ranked in beside them (tiebreaks 1000+, 2000,
    # 3000, 4000+).
    ranked: list[tuple[int, int, int, SafetyAlert]] = []
    at: dict[tuple[str, str], int] = {}
    fallback_only: set[tuple[str, str]] = set()  # (code, drug) whose public text is a fallback rule's
    values: _Values | None = None  # one lazy reader per case, shared by the alerts built below
    for severity, order, tiebreak, alert, rule, drug, where, shown in slots:
        if alert is None:
            shown_values = tuple([vals[i] for i in shown])
            alert = _ALERT_CACHE.get(("rule", rule.index, drug, shown_values, where))
            if alert is None:
                if values is None:
                    values = _Values(case, calculations)
                alert = _rule_alert(rule, drug, values, where, shown_values)
        key = (rule.code, drug)
        first = at.get(key)
        if first is None:
            at[key] = len(ranked)
            ranked.append((severity, order, tiebreak, alert))
            if rule.fallback:
                fallback_only.add(key)
        else:
            kept = ranked[first]
            public = None
            if rule.fallback:
                public = kept[3].public  # the drug's own band already speaks
            elif key in fallback_only:
                public = alert.public  # a band of the drug's own replaces the fallback's words
                fallback_only.discard(key)
            ranked[first] = (kept[0], kept[1], kept[2], _merged(kept[3], alert, public))
    out: dict[tuple[str, str], tuple[int, int, SafetyAlert]] = {}
    order_of = layout.order_of

    def emit(alert: SafetyAlert, order: int, tiebreak: int) -> None:
        key = (alert.code, alert.drug or "")
        previous = out.get(key)
        if previous is None or _SEVERITY_ORDER[alert.severity] < _SEVERITY_ORDER[previous[2].severity]:
            out[key] = (order, tiebreak, alert)

    partner_items = _partner_items()
    start, current = layout.start, layout.current
    partners = (
        [*case.current_meds, *current, *(p.drug for p in case.proposed_treatment)]
        if current or case.proposed_treatment
        else case.current_meds
    )
    if partners:  # no other medicine given with the drugs in play: no interaction to look for
        found = _Found(case, partners, current)
        for partner in found.partners:
            for item in partner_items.get(partner, ()):
                for drug in layout.drugs:
                    if drug == partner or drug not in item.drugs:
                        continue
                    where = current.get(drug) or start.get(drug, "")
                    found.add(item, drug, where, partner, order_of[drug])
        if len(case.current_meds) > 1 or (case.current_meds and partners is not case.current_meds):
            _current_medicine_alerts(case.current_meds, found, layout, partner_items)
        for alert, order, tiebreak in found.alerts():
            emit(alert, order, tiebreak)
    counted: set[int] = set()
    for medicine in dict.fromkeys(reached):
        for medicine_rule in medicine_rules[medicine]:
            members: tuple[str, ...] = ()
            if medicine_rule.min_count > 1:
                if medicine_rule.index in counted:
                    continue
                counted.add(medicine_rule.index)
                members = _class_members(case, medicine_rule.classes, rules.classes)
                if len(members) < medicine_rule.min_count:
                    continue
            if medicine_rule.tests:
                if values is None:
                    values = _Values(case, calculations)
                if not _tests_hold(medicine_rule.tests, values):
                    continue
            if medicine_rule.when.holds(facts):
                emit(
                    _alert(
                        ("medicine", medicine_rule.index, medicine),
                        medicine_rule.code,
                        medicine,
                        medicine_rule.severity,
                        medicine_rule.public,
                        medicine_rule.clinician,
                        medicine_rule.sources,
                        f"{medicine} (current medicine): case facts match rule {medicine_rule.code}"
                        + (f" ({', '.join(members)})" if members else ""),
                        partners=tuple(m for m in members if m != medicine),
                    ),
                    len(layout.drugs) + case.current_meds.index(medicine),
                    4000 + medicine_rule.index,
                )
    if current and case.proposed_treatment:
        _duplicate_order_alerts(case, current, rules, lambda a: emit(a, order_of[a.drug or ""], 5000))
    if not layout.in_play.isdisjoint(rules.anthracyclines.limits_by_drug):
        _anthracycline_alerts(case, layout, facts, emit)
    if case.proposed_treatment:
        # Order doses against the label (doses.py); a band's dose counts only where its alert fired
        # (a rule alert, or an interaction alert emitted above: doses.yaml interaction bands).
        fired = [(t[3].code, t[3].drug or "") for t in ranked] + list(out)
        raised_flags = frozenset(f for f in facts if f.startswith("red_flag:"))
        for dose_alert in doses.order_alerts(case, calculations, fired, raised_flags):
            emit(dose_alert, order_of[dose_alert.drug or ""], 6000)
        # the route each order is given by, against its label's routes (routes.yaml)
        for route_alert in routes.order_route_alerts(case):
            emit(route_alert, order_of[route_alert.drug or ""], 6500)
    if case.allergies or case.prior_treatment:
        in_play_map = {**start, **current}
        if case.allergies:
            _allergy_alerts(case, in_play_map, rules, lambda a: emit(a, order_of.get(a.drug or "", 0), 2000))
        if case.prior_treatment:
            _toxicity_alerts(case, in_play_map, rules, lambda a: emit(a, order_of.get(a.drug or "", 0), 3000))
    if out:
        ranked.extend((_SEVERITY_ORDER[t[2].severity], t[0], t[1], t[2]) for t in out.values())
        ranked.sort(key=lambda t: (t[0], t[1], t[2]))
    alerts = _without_superseded([t[3] for t in ranked], rules.supersedes)
    if case.proposed_treatment and alerts:
        alerts = _with_alternatives(alerts, case, options)
    return alerts


def _without_superseded(
    alerts: list[SafetyAlert], supersedes: dict[str, frozenset[str]]
) -> list[SafetyAlert]:
    """The alerts less the warnings a contraindication on the same drug makes redundant: "permanently
    stop T-DM1" already says more than "wait until bilirubin comes down", and showing both reads as
    if the drug could go on after a pause."""
    if not supersedes:
        return alerts
    dropped = {
        (code, alert.drug)
        for alert in alerts
        if alert.severity == "contraindication"
        for code in supersedes.get(alert.code, ())
    }
    if not dropped:
        return alerts
    return [a for a in alerts if a.severity != "warning" or (a.code, a.drug) not in dropped]


def anthracycline_doses(case: Any) -> dict[str, tuple[float, float]]:
    """Each anthracycline's (dose given so far, planned dose) in mg/m2, for those the case records.

    The planned dose is the sum of the proposed orders' dose_mg_m2 for that drug; a drug with neither
    a recorded total nor a planned dose is left out (a missing value never fires a limit).
    """
    fields = safety_rules().anthracyclines.fields
    out: dict[str, tuple[float, float]] = {}
    for drug, field in fields.items():
        given = getattr(case, field)
        planned = sum(p.dose_mg_m2 or 0.0 for p in case.proposed_treatment if p.drug == drug)
        if given is not None or planned:
            out[drug] = (given or 0.0, planned)
    return out


def anthracycline_total(doses: dict[str, tuple[float, float]], unit: str) -> float:
    """The cumulative total in mg/m2 of ``unit`` (doxorubicin-equivalent for doxorubicin, and so on)."""
    ratios = safety_rules().anthracyclines.ratios
    total = sum((given + planned) * ratios[drug] / ratios[unit] for drug, (given, planned) in doses.items())
    return round(total, 6)  # 687.5 x 0.8 is 550 at the limit, not 549.9999999 below it


def _anthracycline_parts(doses: dict[str, tuple[float, float]], unit: str) -> str:
    """ "doxorubicin 360 mg/m2 (60 planned); epirubicin 250 mg/m2 x 0.8": what made the total."""
    ratios = safety_rules().anthracyclines.ratios
    parts = []
    for drug, (given, planned) in doses.items():
        if not given and not planned:
            continue
        text = f"{drug} {given + planned:g} mg/m2"
        if planned:
            text += f" ({planned:g} planned)"
        factor = round(ratios[drug] / ratios[unit], 4)
        if factor != 1:
            text += f" x {factor:g}"
        parts.append(text)
    return "; ".join(parts)


def _joined(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _anthracycline_alerts(
    case: Any, layout: _Layout, facts: frozenset[str], emit: Callable[[SafetyAlert, int, int], None]
) -> None:
    """Cumulative-dose limits for each anthracycline in play, over the total of every anthracycline given
    or planned, converted into that drug's units; the texts name the drugs and risk factors behind it."""
    table = safety_rules().anthracyclines
    doses = anthracycline_doses(case)
    if not doses:
        return
    names = _joined([d for d, (given, planned) in doses.items() if given or planned] or list(doses))
    for drug in layout.drugs:
        limits = table.limits_by_drug.get(drug)
        if not limits:
            continue
        where = layout.start.get(drug) or "current treatment"
        by_unit: dict[str, tuple[float, str]] = {}
        for limit in limits:
            unit = limit.unit or drug
            if unit not in by_unit:
                by_unit[unit] = (
                    anthracycline_total(doses, unit),
                    _anthracycline_parts(doses, unit) or f"{unit} 0 mg/m2",
                )
            total, parts = by_unit[unit]
            if not limit.holds(total) or not limit.when.holds(facts):
                continue
            present = [f for group in limit.when.any for f in sorted(group) if f in facts]
            present += sorted(limit.when.all)
            words = table.factor_names
            factors = ", ".join(words.get(f, f.split(":")[-1].replace("_", " ")) for f in present)
            values = {"drug": drug, "drugs": names, "total": total, "parts": parts, "factors": factors}
            emit(
                _alert(
                    ("anthracycline", limit.index, drug, where, total, parts, factors),
                    limit.code,
                    drug,
                    limit.severity,
                    limit.public.format_map(values),
                    limit.clinician.format_map(values),
                    limit.sources,
                    f"{drug} ({where}): cumulative anthracycline {total:g} mg/m2 counted as {unit} ({parts})",
                ),
                layout.order_of[drug],
                5000 + limit.index,
            )


class _Found:
    """The interactions found for one case, gathered per (code, drug) so one alert names every partner.

    Why gathered: tamoxifen taken with paroxetine AND bupropion is one problem with two causes;
    naming only the first partner let a switch of that one look sufficient. A pair counts only when
    the two are given together: a therapy option is not checked against a proposed order, which it
    would replace (denosumab offered for a zoledronic acid order blocked by the kidneys is not a
    duplicate of it).
    """

    def __init__(self, case: Any, partners: Sequence[str], current: dict[str, str]) -> None:
        self.case = case
        self.partners = tuple(dict.fromkeys(partners))
        where: dict[str, str] = {p.drug: "proposed order" for p in case.proposed_treatment}
        where.update((drug, "current treatment") for drug in current)
        where.update((med, "current medicine") for med in case.current_meds)
        self.partner_where = where
        self.found: dict[tuple[str, str], tuple[Interaction, str, int, int, dict[str, str]]] = {}

    def add(self, item: Interaction, drug: str, where: str, partner: str, order: int) -> None:
        partner_where = self.partner_where.get(partner, "")
        if where == "therapy option" and partner_where == "proposed order":
            return
        if partner in item.except_partners or (
            item.except_classes and item.except_classes & safety_rules().classes.get(partner, frozenset())
        ):
            return
        key = (item.code, drug)
        known = self.found.get(key)
        if known is None or (_SEVERITY_ORDER[item.severity] < _SEVERITY_ORDER[known[0].severity]):
            self.found[key] = (item, where, order, 1000 + item.index, {partner: partner_where})
        elif item.severity == known[0].severity:
            known[4].setdefault(partner, partner_where)

    def alerts(self) -> list[tuple[SafetyAlert, int, int]]:
        labs = self.case.labs
        out = []
        for (_, drug), (item, where, order, tiebreak, partners) in self.found.items():
            values = tuple(getattr(labs, field) for field, _, _ in item.lab_notes)
            alert = _interaction_alert(item, drug, where, tuple(partners.items()), values)
            out.append((alert, order, tiebreak))
        return out


def _interaction_alert(
    item: Interaction,
    drug: str,
    where: str,
    partners: tuple[tuple[str, str], ...],
    values: tuple[float | None, ...] = (),
) -> SafetyAlert:
    """The alert naming every partner (and where each comes from), with today's lab values it notes."""
    key = ("inter", item.index, drug, partners, where, values)
    cached = _ALERT_CACHE.get(key)
    if cached is not None:
        return cached
    names = _joined([p for p, _ in partners])
    public, clinician = f"{item.public} (Here: {names}.)", f"{item.clinician} Here: {names}."
    for (field, note_public, note_clinician), value in zip(item.lab_notes, values, strict=True):
        if value is not None:
            public += " " + note_public.format_map({field: value})
            clinician += " " + note_clinician.format_map({field: value})
    rationale = f"{drug} ({where}) with " + _joined([f"{p} ({w})" for p, w in partners])
    names = tuple(p for p, _ in partners)
    return _alert(key, item.code, drug, item.severity, public, clinician, item.sources, rationale, names)


def _class_members(
    case: Any, classes: frozenset[str], class_of: dict[str, frozenset[str]]
) -> tuple[str, ...]:
    """The person's different medicines (current_meds, current treatment, orders) in one of ``classes``."""
    names = [
        *case.current_meds,
        *(t.drug for t in case.current_treatment),
        *(p.drug for p in case.proposed_treatment),
    ]
    return tuple(m for m in dict.fromkeys(names) if class_of.get(m, frozenset()) & classes)


def _tests_hold(
    tests: Sequence[tuple[str, Callable[[float, float], bool], float]], values: Mapping[str, Any]
) -> bool:
    """Every numeric test holds on the case's values; a value the case does not give fails its test."""
    for field, compare, threshold in tests:
        value = values[field]
        if value is None or not compare(value, threshold):
            return False
    return True


def _current_medicine_alerts(
    meds: Sequence[str],
    found: _Found,
    layout: _Layout,
    partner_items: dict[str, tuple[Interaction, ...]],
) -> None:
    """Interactions between medicines the person already takes (oxycodone with lorazepam, ibuprofen
    with warfarin): a supportive medicine that an interaction names is checked against every other
    medicine taken, as a drug in play is. Drugs already in play were checked above."""
    subjects = safety_rules().interactions_by_drug
    after = len(layout.drugs)
    for position, drug in enumerate(meds):
        if drug not in subjects or drug in layout.in_play:
            continue
        for partner in found.partners:
            if partner == drug:
                continue
            for item in partner_items.get(partner, ()):
                if drug in item.drugs:
                    found.add(item, drug, "current medicine", partner, after + position)


#: how a contraindicated order's rationale introduces the alternatives, for the reader of the text; programs
#: read ``SafetyAlert.alternatives`` instead
ALTERNATIVES_MARK = " Alternatives among this case's options: "


def _with_alternatives(
    alerts: list[SafetyAlert], case: Any, options: Sequence[TherapyOption]
) -> list[SafetyAlert]:
    """A contraindicated proposed order names the options that could take its place.

    An option takes its place when it avoids every contraindicated drug and holds a drug of the same
    role (category of drug_groups.yaml): denosumab for a blocked zoledronic acid, not an endocrine
    regimen that would be given beside it.
    """
    blocked = {a.drug for a in alerts if a.severity == "contraindication" and not doses.order_only(a)}
    proposed = {p.drug for p in case.proposed_treatment}
    if not blocked & proposed:
        return alerts
    category = drug_groups().category
    usable: list[TherapyOption] = []
    for option in options:
        if not option.drugs:
            continue
        if blocked.isdisjoint(option.drugs):
            usable.append(option)
        elif (parts := split_alternatives(option, blocked)) is not None:
            usable.append(parts[0])
    found: dict[str, tuple[str, ...]] = {}
    for drug in blocked & proposed:
        role = category.get(drug)
        same = tuple(o.regimen for o in usable if any(category.get(d) == role for d in o.drugs))[:3]
        if same:
            found[drug] = same
    if not found:
        return alerts
    return [
        a.model_copy(
            update={
                "rationale": a.rationale + ALTERNATIVES_MARK + "; ".join(found[a.drug]) + ".",
                "alternatives": found[a.drug],
            }
        )
        if a.severity == "contraindication" and a.drug in found and not doses.order_only(a)
        else a
        for a in alerts
    ]


def _duplicate_order_alerts(
    case: Any, current: dict[str, str], rules: SafetyRules, emit: Callable[[SafetyAlert], None]
) -> None:
    """A proposed order for a drug already in the current treatment (Soltamox listed, tamoxifen tablets
    ordered): the order is a second supply unless it replaces the first, so say so once per drug."""
    text = rules.texts["duplicate_order"]
    for order in case.proposed_treatment:
        drug = order.drug
        if drug in current:
            emit(
                _alert(
                    ("duplicate_order", drug),
                    text["code"],
                    drug,
                    text["severity"],
                    text["public"].format(drug=drug),
                    text["clinician"].format(drug=drug),
                    tuple(text["sources"]),
                    f"{drug}: proposed order and current treatment",
                )
            )


def _allergy_alerts(
    case: Any, in_play: dict[str, str], rules: SafetyRules, emit: Callable[[SafetyAlert], None]
) -> None:
    if not case.allergies:
        return
    direct = rules.texts["allergy"]
    cross = rules.texts["allergy_cross_reactivity"]
    # a drug whose own label contraindicates it after a hypersensitivity reaction: that label is cited too
    labels: dict[str, dict[str, Any]] = direct.get("label_contraindications") or {}
    for allergy in case.allergies:
        allergen = allergy.drug
        if allergen in in_play:
            fields = {
                "drug": allergen,
                "reaction": allergy.reaction or "reaction not described",
                "grade_text": f", grade {allergy.grade}" if allergy.grade else "",
            }
            label = labels.get(allergen)
            clinician = direct["clinician"].format_map(fields)
            sources = tuple(direct["sources"])
            if label is not None:
                clinician = f"{clinician} {label['clinician']}"
                sources = (*sources, *(s for s in label["sources"] if s not in sources))
            emit(
                _alert(
                    ("allergy", allergen, fields["reaction"], fields["grade_text"]),
                    direct["code"],
                    allergen,
                    direct["severity"],
                    direct["public"].format_map(fields),
                    clinician,
                    sources,
                    f"allergies: {allergen}",
                )
            )
        for members, note in rules.cross_reactivity:
            if allergen not in members:
                continue
            for drug in members:
                if drug != allergen and drug in in_play:
                    fields = {"drug": drug, "allergen": allergen, "note": note}
                    emit(
                        _alert(
                            ("cross", allergen, drug),
                            cross["code"],
                            drug,
                            cross["severity"],
                            cross["public"].format_map(fields),
                            cross["clinician"].format_map(fields),
                            tuple(cross["sources"]),
                            f"allergies: {allergen} (cross-reactivity with {drug})",
                        )
                    )


def _toxicity_alerts(
    case: Any, in_play: dict[str, str], rules: SafetyRules, emit: Callable[[SafetyAlert], None]
) -> None:
    text = rules.texts["prior_toxicity"]
    for prior in case.prior_treatment:
        stopped = prior.stopped_for
        if stopped is None or stopped.grade is None or prior.drug not in in_play:
            continue
        if stopped.grade < text["warn_grade"]:
            continue
        severity = "contraindication" if stopped.grade >= text["contraindication_grade"] else "warning"
        fields = {"drug": prior.drug, "toxicity": stopped.toxicity, "grade": stopped.grade}
        emit(
            _alert(
                ("tox", prior.drug, stopped.toxicity, stopped.grade),
                text["code"],
                prior.drug,
                severity,
                text["public"].format_map(fields),
                text["clinician"].format_map(fields),
                tuple(text["sources"]),
                f"prior_treatment: {prior.drug} stopped for grade {stopped.grade} {stopped.toxicity}",
            )
        )


_APPLIED_LIMIT = 2_000


def apply_set(option_set: OptionSet, alerts: Sequence[SafetyAlert]) -> tuple[TherapyOption, ...]:
    """``apply`` for a memoised option set, memoised on what ``apply`` reads of the alerts."""
    if not alerts:
        return option_set.options
    key = tuple([(a.drug, a.code, a.severity) for a in alerts])
    applied = option_set.applied
    ranked = applied.get(key)
    if ranked is None:
        ranked = tuple(apply(option_set.options, alerts))
        if len(applied) >= _APPLIED_LIMIT:
            applied.clear()
        applied[key] = ranked
    return ranked


def apply(options: Sequence[TherapyOption], alerts: Sequence[SafetyAlert]) -> list[TherapyOption]:
    """Options with their alert codes; contraindicated options flagged and ranked after the others.

    An "A or B" option (``alternatives``) whose contraindicated drugs are all in some of its groups is
    split: the part with the usable groups stays offered in its place, and the part with the
    contraindicated groups is flagged, named by those drugs, among the other flagged options.
    """
    if not alerts:
        return list(options)
    codes_by_drug: dict[str, list[str]] = {}
    blocked: set[str] = set()
    for alert in alerts:
        drug = alert.drug or ""
        codes_by_drug.setdefault(drug, []).append(alert.code)
        # a gross-overdose order alert blocks the order, not the drug: its options keep their place
        if alert.severity == "contraindication" and not doses.order_only(alert):
            blocked.add(drug)

    alerted = codes_by_drug.keys()

    def codes_of(drugs: Sequence[str]) -> tuple[str, ...]:
        if alerted.isdisjoint(drugs):  # most options: no alert names their drugs
            return ()
        codes: list[str] = []
        for drug in drugs:
            found = codes_by_drug.get(drug)
            if found:
                codes.extend(found)
        return tuple(dict.fromkeys(codes))

    if not blocked:  # warnings only (most cases): every option keeps its place
        return [
            option
            if option.rank == rank and option.flags == codes_t and not option.flagged
            else rebuild(option, rank, codes_t, False)
            for rank, option in enumerate(options, start=1)
            for codes_t in (codes_of(option.drugs),)
        ]
    clear: list[tuple[TherapyOption, tuple[str, ...], bool]] = []
    flagged: list[tuple[TherapyOption, tuple[str, ...], bool]] = []
    for option in options:
        drugs = option.drugs
        if blocked.isdisjoint(drugs):
            clear.append((option, codes_of(drugs), False))
            continue
        parts = split_alternatives(option, blocked)
        if parts is None:
            flagged.append((option, codes_of(drugs), True))
        else:
            clear.append((parts[0], codes_of(parts[0].drugs), False))
            flagged.append((parts[1], codes_of(parts[1].drugs), True))
    out: list[TherapyOption] = []
    for rank, (option, codes_t, is_flagged) in enumerate([*clear, *flagged], start=1):
        if option.rank == rank and option.flags == codes_t and option.flagged == is_flagged:
            out.append(option)
        else:
            out.append(rebuild(option, rank, codes_t, is_flagged))
    return out


def _either(groups: Sequence[Sequence[str]]) -> str:
    """[["eribulin"], ["gemcitabine", "carboplatin"]] -> "eribulin or gemcitabine + carboplatin"."""
    names = [" + ".join(group) for group in groups]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def split_alternatives(
    option: TherapyOption, blocked: set[str] | frozenset[str]
) -> tuple[TherapyOption, TherapyOption] | None:
    """(usable part, contraindicated part) of an "A or B" option, or None when it cannot be split.

    It splits only when every contraindicated drug of the option sits in an alternative group and at
    least one group is free of them; a contraindicated drug that is always part of the regimen flags
    the whole option, as before. Each part's label names the drugs it keeps, so the flag names the
    drug it concerns and the reader sees what remains usable.
    """
    groups = option.alternatives
    if not groups:
        return None
    grouped = {d for group in groups for d in group}
    fixed = [d for d in option.drugs if d not in grouped]
    usable = [g for g in groups if blocked.isdisjoint(g)]
    unusable = [g for g in groups if not blocked.isdisjoint(g)]
    if not usable or not unusable or not blocked.isdisjoint(fixed):
        return None
    keep = {*fixed, *(d for g in usable for d in g)}
    drop = {*fixed, *(d for g in unusable for d in g)}
    usable_part = option.model_copy(
        update={
            "regimen": f"{option.regimen} — with {_either(usable)}, not {_either(unusable)}",
            "public_name": f"{option.public_name} — with {_either(usable)}, not {_either(unusable)}",
            "drugs": tuple(d for d in option.drugs if d in keep),
            "alternatives": tuple(usable) if len(usable) > 1 else (),
        }
    )
    blocked_part = option.model_copy(
        update={
            "regimen": f"{option.regimen} — with {_either(unusable)}",
            "public_name": f"{option.public_name} — with {_either(unusable)}",
            "drugs": tuple(d for d in option.drugs if d in drop),
            "alternatives": tuple(unusable) if len(unusable) > 1 else (),
        }
    )
    return usable_part, blocked_part
