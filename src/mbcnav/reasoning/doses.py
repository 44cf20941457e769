"""The order dose check: each proposed order's dose against the label dose (``rules/doses.yaml``).

Why a module of its own rather than numeric rules in safety.yaml: a rule tests case values against fixed
thresholds, while a dose check compares the order with a limit that may itself be computed (converted by
BSA or weight, a renal band's dose, the Calvert dose), and its text must name both numbers.

Alerts are warnings, except an order at least ``gross_overdose_factor`` times the label dose (a unit or
decimal slip: letrozole 25 mg), which is a contraindication for the ORDER. Either way a wrong dose is fixed by
changing the dose, so the options that use the drug are never demoted (``order_only``). An order whose dose
cannot be checked (no label dose on file, a unit that cannot be converted, carboplatin without a CrCl) says
so, and one far below the label dose (trastuzumab "8 mg" for 8 mg/kg) is named — a dose is never passed
silently.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from mbcnav.assessment import DoseLimit, SafetyAlert
from mbcnav.reasoning.calculators import calvert_dialysis_dose, calvert_dose, calvert_gfr
from mbcnav.reasoning.calculators import rules as calculator_rules
from mbcnav.reasoning.flags import (
    RULES_DIR,
    Condition,
    drug_groups,
    parse_condition,
    parse_tests,
    rules_file,
)
from mbcnav.reasoning.routes import read_route, route_table
from mbcnav.yamlfile import load_yaml

#: dose units, named as the Case fields (dose_mg, dose_mg_m2, dose_mg_kg) and as written in texts
UNITS = {"mg": "mg", "mg_m2": "mg/m2", "mg_kg": "mg/kg"}


@dataclass(frozen=True, slots=True)
class PartnerDose:
    """A lower label dose when the drug is given with a named partner (in the case's current treatment or
    proposed orders): lapatinib with capecitabine, abemaciclib with endocrine therapy."""

    partners: frozenset[str]
    unit: str
    limit: float
    why: str
    #: sources for a partner dose that the drug's own label does not give (capecitabine with neratinib:
    #: the Nerlynx label and NALA)
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LabelDose:
    drug: str
    unit: str
    limit: float
    label: str
    sources: tuple[str, ...]
    #: a flat ceiling in mg on a weight-based dose (datopotamab deruxtecan: 540 mg at >= 90 kg)
    cap_mg: float | None = None
    partners: tuple[PartnerDose, ...] = ()
    #: the label says never to exceed this dose (sacituzumab govitecan 10 mg/kg): no rounding margin
    never_exceed: bool = False
    #: the gross overdose check starts no lower than this (label unit): megestrol's 800 mg suspension dose
    gross_from: float | None = None
    #: the label's other dose figures in its unit (trastuzumab 6, 4 and 2 mg/kg besides the 8 mg/kg loading
    #: dose): an order giving one of them in another unit ("6 mg") is a unit slip, as the highest figure is
    figures: tuple[float, ...] = ()
    #: the routes (routes.yaml names) this dose is for: an order by another route is never held to it
    #: (dose_not_checked for that route) unless the drug has a dose of its own for that route (``by_route``);
    #: empty when the data gives no route for the drug (the dose is checked whatever the route)
    routes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Ceiling:
    """A dose above any breast cancer regimen for a drug with no breast cancer label dose (cisplatin 100 mg/m2
    a cycle): above it the order is a contraindication; at or below it the dose stays "not checked"."""

    drug: str
    unit: str
    limit: float
    label: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Product:
    """A co-medication that is a drug of this table at another indication's dose (Reclast: zoledronic acid
    5 mg a year for osteoporosis), with its own label's kidney limit."""

    name: str
    drug: str
    mg: float
    label: str
    renal_below_crcl: float | None
    sources: tuple[str, ...]
    #: an order for the drug itself at exactly this dose is named as this product's dose (denosumab 60 mg =
    #: Prolia): half the Xgeva dose is neither above the label nor a slip, so it would pass unremarked
    generic_dose: bool = False
    #: the product label's boxed hypocalcemia warning below this CrCl and on dialysis (Prolia: eGFR < 30), a
    #: warning on the product's order: the safety rules name the drug (denosumab), whose Xgeva rule never
    #: reaches an order for the product
    hypocalcemia_below_crcl: float | None = None


@dataclass(frozen=True, slots=True)
class AdjustedDose:
    """A lower dose at a band that a safety.yaml rule (``rule`` for ``drug`` with ``tests`` and/or ``when``)
    alerts on: kidney bands test a value (CrCl), liver bands a fact (child_pugh:B) or a value (bilirubin),
    gene bands a fact (dpyd:intermediate). An interaction band names an interactions.yaml code instead
    (``rule`` is that code) and holds wherever that interaction's alert is shown for the drug."""

    drug: str
    rule: str
    tests: tuple[tuple[str, Callable[[float, float], bool], float], ...]
    when: Condition
    unit: str
    limit: float
    why: str
    #: the texts entry whose public wording fits the band (kidney/liver, medicine, gene)
    text: str = "above_adjusted"
    #: sources for a band figure that is not in the drug's label (CPIC for the DPYD dose)
    sources: tuple[str, ...] = ()

    def holds(self, values: Mapping[str, Any], facts: frozenset[str]) -> bool:
        if not self.when.holds(facts):
            return False
        for field, op, value in self.tests:
            got = values[field]
            if got is None or not op(got, value):
                return False
        return True


@dataclass(frozen=True)
class DoseTable:
    labels: dict[str, LabelDose]
    adjusted: dict[str, tuple[AdjustedDose, ...]]
    calvert_drug: str
    max_auc: float
    max_auc_note: str
    calvert_sources: tuple[str, ...]
    #: carboplatin's non-renal clearance in the Calvert formula (calculators.yaml), mL/min
    calvert_nonrenal: float
    #: sources for the dialysis practice (GFR taken as 0)
    dialysis_sources: tuple[str, ...]
    margin: float
    margin_sources: tuple[str, ...]
    texts: dict[str, dict[str, Any]]
    #: wordings of dose_not_checked reasons and alert notes (doses.yaml reasons): route and unit readings
    reasons: dict[str, str] = dataclass_field(default_factory=dict)
    #: an order at least this multiple of the label dose is a contraindication for the order
    gross_factor: float = 2.0
    #: an order below this fraction of the label dose is named as a likely slip
    below_fraction: float = 0.2
    order_limit_sources: tuple[str, ...] = ()
    ceilings: dict[str, Ceiling] = dataclass_field(default_factory=dict)
    products: dict[str, Product] = dataclass_field(default_factory=dict)
    #: drug -> route -> the label dose for that route when it differs from the drug's main label dose
    #: (oral vinorelbine capsules: 60 then 80 mg/m2 weekly, against 25-30 mg/m2 IV)
    by_route: dict[str, dict[str, LabelDose]] = dataclass_field(default_factory=dict)


def _unit_of(raw: dict[str, Any], where: str) -> tuple[str, float]:
    given = [u for u in UNITS if u in raw]
    if len(given) != 1:
        raise ValueError(f"doses.yaml: {where}: give exactly one of {', '.join(UNITS)}")
    return given[0], float(raw[given[0]])


def _check_rule_exists(entry: dict[str, Any], when: Condition, safety_rules: list[dict[str, Any]]) -> None:
    """An adjusted dose belongs to a safety.yaml rule with the same code, drug, tests and ``when``, so the
    order check and the alert that states the dose can never drift apart."""
    groups = drug_groups()
    tests = entry.get("tests") or {}
    for index, rule in enumerate(safety_rules):
        if (
            rule.get("code") == entry["rule"]
            and entry["drug"] in groups.expand(rule.get("drugs") or ())
            and (rule.get("tests") or {}) == tests
            and parse_condition(rule.get("when"), f"safety.yaml rule {index}") == when
        ):
            return
    raise ValueError(
        f"doses.yaml: adjusted dose for {entry['drug']} names no safety.yaml rule "
        f"{entry['rule']} with tests {tests} and when {entry.get('when')}"
    )


def _check_interaction_exists(entry: dict[str, Any], interactions: list[dict[str, Any]]) -> None:
    """An interaction band belongs to an interactions.yaml item with that code that covers the drug, so the
    dose the order check holds an order to is the one that interaction's alert states."""
    groups = drug_groups()
    for item in interactions:
        if item.get("code") == entry["interaction"] and entry["drug"] in groups.expand(
            item.get("drugs") or ()
        ):
            return
    raise ValueError(
        f"doses.yaml: adjusted dose for {entry['drug']} names no interactions.yaml item "
        f"{entry['interaction']} for that drug"
    )


def _partner_doses(drug: str, raw: list[dict[str, Any]], known: Mapping[str, str]) -> tuple[PartnerDose, ...]:
    groups = drug_groups()
    out: list[PartnerDose] = []
    for entry in raw:
        names = entry["partners"]
        expanded = groups.expand(names)
        unknown = sorted(n for n in expanded if n not in known)
        if unknown or not names:
            raise ValueError(f"doses.yaml: {drug}: partner dose names unknown drugs {unknown or names}")
        unit, limit = _unit_of(entry, f"{drug} partner dose")
        sources = tuple(entry.get("sources") or ())
        out.append(PartnerDose(expanded - {drug}, unit, limit, entry["why"], sources))
    return tuple(out)


@functools.cache
def dose_table() -> DoseTable:
    """The label doses, validated once per process (unknown drugs or units fail at load, not per case)."""
    data = load_yaml((RULES_DIR / "doses.yaml").read_text(encoding="utf-8"))
    safety_rules = rules_file("safety.yaml")["rules"]
    interactions = rules_file("interactions.yaml")["interactions"]
    known = drug_groups().category
    labels: dict[str, LabelDose] = {}
    by_route: dict[str, dict[str, LabelDose]] = {}
    for drug, raw in data["labels"].items():
        if drug not in known:
            raise ValueError(f"doses.yaml: unknown drug {drug!r}")
        routes = _label_routes(drug, raw)
        labels[drug] = _label_dose(drug, raw, routes, _partner_doses(drug, raw.get("with") or [], known))
        for route, other in (raw.get("by_route") or {}).items():
            if route in routes or route not in route_table().route_names:
                raise ValueError(
                    f"doses.yaml: {drug}: by_route {route!r} is unknown or the label's own route"
                )
            by_route.setdefault(drug, {})[route] = _label_dose(drug, other, (route,), ())
    ceilings: dict[str, Ceiling] = {}
    for drug, raw in (data.get("ceilings") or {}).items():
        if drug not in known or drug in labels:
            raise ValueError(f"doses.yaml: ceiling for {drug!r}: unknown drug, or one with a label dose")
        unit, limit = _unit_of(raw, f"{drug} ceiling")
        ceilings[drug] = Ceiling(drug, unit, limit, raw["label"], tuple(raw["sources"]))
    products: dict[str, Product] = {}
    for name, raw in (data.get("products") or {}).items():
        if raw["drug"] not in labels:
            raise ValueError(f"doses.yaml: product {name!r} names {raw['drug']!r}, which has no label dose")
        below = raw.get("renal_below_crcl")
        calcium_below = raw.get("hypocalcemia_below_crcl")
        products[name] = Product(
            name,
            raw["drug"],
            float(raw["mg"]),
            raw["label"],
            None if below is None else float(below),
            tuple(raw["sources"]),
            bool(raw.get("generic_dose", False)),
            None if calcium_below is None else float(calcium_below),
        )
    adjusted: dict[str, list[AdjustedDose]] = {}
    for entry in data["adjusted"]:
        if entry["drug"] not in labels:
            raise ValueError(f"doses.yaml: adjusted dose for {entry['drug']!r}, which has no label dose")
        text = entry.get("text", "above_adjusted")
        if text not in data["texts"] or not text.startswith("above_adjusted"):
            raise ValueError(f"doses.yaml: adjusted dose for {entry['drug']!r} names unknown text {text!r}")
        if ("rule" in entry) == ("interaction" in entry):
            raise ValueError(
                f"doses.yaml: adjusted dose for {entry['drug']!r}: give one of rule or interaction"
            )
        if "interaction" in entry:
            if entry.get("tests") or entry.get("when"):
                raise ValueError(f"doses.yaml: interaction band for {entry['drug']!r} takes no tests or when")
            _check_interaction_exists(entry, interactions)
            when = parse_condition(None, f"doses.yaml: adjusted dose for {entry['drug']}")
            code = entry["interaction"]
        else:
            if not entry.get("tests") and not entry.get("when"):
                # without a band of its own the dose would apply wherever the rule's code fires for the drug
                raise ValueError(
                    f"doses.yaml: adjusted dose for {entry['drug']!r} gives neither tests nor when"
                )
            when = parse_condition(entry.get("when"), f"doses.yaml: adjusted dose for {entry['drug']}")
            _check_rule_exists(entry, when, safety_rules)
            code = entry["rule"]
        unit, limit = _unit_of(entry, entry["drug"])
        adjusted.setdefault(entry["drug"], []).append(
            AdjustedDose(
                entry["drug"],
                code,
                parse_tests(entry.get("tests") or {}),
                when,
                unit,
                limit,
                entry["why"],
                text,
                tuple(entry.get("sources") or ()),
            )
        )
    calvert = data["calvert"]
    return DoseTable(
        labels=labels,
        adjusted={k: tuple(v) for k, v in adjusted.items()},
        calvert_drug=calvert["drug"],
        max_auc=float(calvert["max_auc"]),
        max_auc_note=calvert["max_auc_note"],
        calvert_sources=tuple(calvert["sources"]),
        calvert_nonrenal=float(calculator_rules()["calvert"]["nonrenal_ml_min"]),
        dialysis_sources=tuple(calvert["dialysis_sources"]),
        margin=float(data["rounding_margin"]),
        margin_sources=tuple(data["rounding_sources"]),
        texts=data["texts"],
        reasons=dict(data["reasons"]),
        gross_factor=float(data["gross_overdose_factor"]),
        below_fraction=float(data["below_label_fraction"]),
        order_limit_sources=tuple(data["order_limit_sources"]),
        ceilings=ceilings,
        products=products,
        by_route=by_route,
    )


def _label_routes(drug: str, raw: dict[str, Any]) -> tuple[str, ...]:
    """The routes a label dose is for: its own ``routes``, else the one route routes.yaml allows the drug.

    Why a drug that routes.yaml allows by more than one route must say which: a new route there (oral
    vinorelbine beside IV) must never inherit the other route's dose check silently.
    """
    allowed = route_table().drugs.get(drug)
    routes = tuple(raw.get("routes") or ())
    unknown = [r for r in routes if r not in route_table().route_names]
    if unknown:
        raise ValueError(f"doses.yaml: {drug}: unknown route(s) {unknown}")
    if routes:
        return routes
    if allowed is not None and len(allowed.allowed) > 1:
        raise ValueError(
            f"doses.yaml: {drug}: routes.yaml allows {list(allowed.allowed)}; say which route(s) the label "
            "dose is for (routes) and give other routes their own dose (by_route)"
        )
    return allowed.allowed if allowed is not None else ()


def _label_dose(
    drug: str, raw: dict[str, Any], routes: tuple[str, ...], partners: tuple[PartnerDose, ...]
) -> LabelDose:
    unit, limit = _unit_of(raw, drug)
    cap = raw.get("cap_mg")
    if cap is not None and unit == "mg":
        raise ValueError(f"doses.yaml: {drug}: cap_mg only bounds a dose given per m2 or per kg")
    return LabelDose(
        drug,
        unit,
        limit,
        raw["label"],
        tuple(raw["sources"]),
        None if cap is None else float(cap),
        partners,
        bool(raw.get("never_exceed", False)),
        None if raw.get("gross_from") is None else float(raw["gross_from"]),
        tuple(float(f) for f in raw.get("figures") or ()),
        routes,
    )


@functools.cache
def _order_codes() -> frozenset[str]:
    # the route alerts (routes.yaml) are about the order too: a fatal route is fixed by the route, not by
    # another drug, so they never demote the options that use the drug either
    dose_codes = frozenset(t["code"] for t in dose_table().texts.values() if "code" in t)
    return dose_codes | frozenset(rules_file("routes.yaml")["texts"])


def order_only(alert: SafetyAlert) -> bool:
    """True for an order dose or route alert: even as a contraindication (a gross overdose, a fatal route) it
    is about the order's dose or route, not the drug, so it never flags or demotes the options that use the
    drug nor names alternatives."""
    return alert.code in _order_codes()


def _fixed(value: float) -> str:
    """Three significant digits without exponent notation ("1990", not "1.99e+03"), for dose texts."""
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _amount(value: float, unit: str) -> str:
    return f"{value:g} {UNITS[unit]}"


def _ordered(order: Any) -> list[tuple[str, float]]:
    """The doses an order gives, by unit (usually one)."""
    return [(unit, value) for unit in UNITS if (value := getattr(order, f"dose_{unit}")) is not None]


def _in_unit(
    order: Any, unit: str, bsa: float | None, weight: float | None
) -> tuple[float, str, bool] | None:
    """The order's dose in ``unit``: (value, how it was read, converted?), or None when it cannot be."""
    given = dict(_ordered(order))
    if unit in given:
        return given[unit], _amount(given[unit], unit), False
    per_body = {"mg_m2": bsa, "mg_kg": weight}
    for have, value in given.items():
        mg = value if have == "mg" else (value * per_body[have] if per_body[have] else None)
        if mg is None:
            continue
        if unit == "mg":
            return mg, f"{_amount(value, have)} (= {mg:.0f} mg)", have != "mg"
        size = per_body[unit]
        if size:
            basis = f"BSA {size:g} m2" if unit == "mg_m2" else f"{size:g} kg"
            return mg / size, f"{_amount(value, have)} (= {_fixed(mg / size)} {UNITS[unit]} at {basis})", True
    return None


def _missing_for(unit: str) -> str:
    return {"mg_m2": "height and weight (for the BSA)", "mg_kg": "weight", "mg": "height and weight"}[unit]


def _alert(
    kind: str,
    drug: str,
    values: dict[str, Any],
    sources: Iterable[str],
    rationale: str,
    dose_limit: DoseLimit | None = None,
    gross: dict[str, str] | None = None,
    severity: str = "warning",
) -> SafetyAlert:
    """``gross`` (the ratio and the label dose) makes the alert a contraindication for the order."""
    texts = dose_table().texts
    text = texts[kind]
    public = text["public"].format(drug=drug)
    clinician = text["clinician"].format(drug=drug, **values)
    if gross is not None:
        wording = texts["gross"]
        # about 1000x: name the g-for-mg slip (doses.yaml gross.thousandfold_*), the likeliest cause
        near_1000 = abs(float(gross["ratio"]) / 1000 - 1) <= wording["thousandfold_tolerance"]
        kind_of = "thousandfold_" if near_1000 else ""
        public = wording[f"{kind_of}public"].format(drug=drug)
        clinician += wording[f"{kind_of}clinician"].format(**gross)
    return SafetyAlert.model_construct(
        code=text["code"],
        drug=drug,
        severity=severity if gross is None else "contraindication",
        public=public,
        clinician=clinician,
        sources=tuple(dict.fromkeys(sources)),
        rationale=rationale,
        dose_limit=dose_limit,
    )


def _limit(
    value: float, unit: str, kind: str, never_exceed: bool = False, rule: str | None = None
) -> DoseLimit:
    """The alert's dose limit as data: the very value and unit its texts state (``unit`` as in ``UNITS``)."""
    return DoseLimit.model_construct(
        value=float(value), unit=UNITS[unit], kind=kind, never_exceed=never_exceed, rule=rule
    )


def _not_checked(drug: str, ordered: str, reason: str, sources: Iterable[str] = ()) -> SafetyAlert:
    return _alert(
        "not_checked",
        drug,
        {"ordered": ordered, "reason": reason},
        sources,
        f"{drug} (proposed order): {reason}",
    )


def written_unit(written: str) -> str:
    """The unit of a dose as written ("4 mL" -> "mL"; "two tablets" -> the whole text), for the alert to
    name what it could not read."""
    number, _, rest = written.strip().partition(" ")
    if rest and number.replace(".", "", 1).replace(",", "", 1).isdigit():
        return rest.strip()
    head = written.strip().lstrip("0123456789.,")
    return head.strip() or "no unit"


def _order_text(order: Any) -> str:
    parts = [_amount(v, u) for u, v in _ordered(order)]
    if getattr(order, "target_auc", None) is not None:
        parts.append(f"target AUC {order.target_auc:g}")
    return " / ".join(parts)


@dataclass(frozen=True, slots=True)
class CarboplatinDose:
    """The Calvert dose a carboplatin order is held against (and that the order check shows)."""

    auc: float
    mg: float
    #: the GFR the formula used (the CrCl, capped); None on dialysis, where GFR is taken as 0
    gfr: float | None
    crcl: float | None
    #: why the AUC is not the order's own (none given, or above the highest breast-cancer target)
    why: str


def carboplatin_dose(order: Any, case: Any, calculations: Mapping[str, Any]) -> CarboplatinDose | None:
    """The Calvert dose for a carboplatin order: the order's target AUC (or the highest breast-cancer
    target when it gives none or more), GFR = the Cockcroft-Gault CrCl capped at 125 mL/min, or 0 on
    dialysis. None when neither a CrCl nor dialysis is known: the dose cannot be worked out."""
    table = dose_table()
    target = order.target_auc
    if target is None:
        auc, why = table.max_auc, f"; no target AUC given: {table.max_auc_note}"
    elif target > table.max_auc:
        auc, why = table.max_auc, f"; target AUC {target:g} is above {table.max_auc:g}: {table.max_auc_note}"
    else:
        auc, why = target, ""
    crcl = calculations.get("crcl_ml_min")
    if case.patient.on_dialysis:
        return CarboplatinDose(auc, calvert_dialysis_dose(auc), None, crcl, why)
    if crcl is None:
        return None
    return CarboplatinDose(auc, calvert_dose(auc, crcl), calvert_gfr(crcl), crcl, why)


def carboplatin_dose_text(order: Any, case: Any, calculations: Mapping[str, Any]) -> str:
    """The dose of a carboplatin order that gives only a target AUC, worked out for the order check's
    row ("AUC 6 = 900 mg (Calvert)"), so the row never shows an empty dose."""
    if order.target_auc is None:
        return ""
    dose = carboplatin_dose(order, case, calculations)
    if dose is None:
        return f"AUC {order.target_auc:g} (mg dose not worked out: no CrCl)"
    basis = "GFR taken as 0 on dialysis" if dose.gfr is None else f"CrCl {dose.gfr:g}"
    # the AUC ordered, not the highest target it is held to: the row shows what was ordered
    mg = order.target_auc * ((dose.gfr or 0.0) + dose_table().calvert_nonrenal)
    return f"AUC {order.target_auc:g} = {mg:.0f} mg (Calvert, {basis})"


def _carboplatin(
    order: Any, case: Any, calculations: dict[str, Any], table: DoseTable
) -> SafetyAlert | None:
    drug = table.calvert_drug
    ordered = _order_text(order)
    if order.dose_mg is None:
        if order.target_auc is not None and order.target_auc > table.max_auc:
            gross = _calvert_gross(order.target_auc / table.max_auc, f"AUC {table.max_auc:g}", table)
            return _alert(
                "above_label",
                drug,
                {
                    "ordered": ordered,
                    "limit": f"AUC {table.max_auc:g}",
                    "label": table.max_auc_note,
                    "extra": "",
                },
                (*table.calvert_sources, *(table.order_limit_sources if gross else ())),
                f"{drug} (proposed order): target AUC {order.target_auc:g} above {table.max_auc:g}",
                None,
                gross,
            )
        if _ordered(order):
            return _not_checked(
                drug,
                ordered,
                "carboplatin is dosed in mg by the Calvert formula; give dose_mg",
                table.calvert_sources,
            )
        return None
    dose = carboplatin_dose(order, case, calculations)
    if dose is None:
        return _not_checked(
            drug,
            ordered,
            "the Calvert dose needs the creatinine clearance (age, sex, weight and creatinine)",
            table.calvert_sources,
        )
    target = order.target_auc
    if order.dose_mg <= dose.mg * (1 + table.margin) and (target is None or target <= table.max_auc):
        return None
    # the dose as the texts state it (whole mg), so a re-order at this value matches the card. An order at
    # gross_overdose_factor x the Calvert dose or more (AUC 14 for a target of 5) is a contraindication for
    # the order, as for every drug with a label dose (carboplatin has none: its limit is computed here)
    gross = _calvert_gross(order.dose_mg / dose.mg, f"{dose.mg:.0f} mg (Calvert, AUC {dose.auc:g})", table)
    limit = _limit(float(f"{dose.mg:.0f}"), "mg", "calvert", never_exceed=gross is not None)
    extra_sources = table.order_limit_sources if gross else ()
    if dose.gfr is None:
        implied = order.dose_mg / table.calvert_nonrenal
        return _alert(
            "above_calvert_dialysis",
            drug,
            {
                "ordered": f"{ordered} (= AUC {implied:.1f} with GFR 0)",
                "auc": dose.auc,
                "limit": f"{dose.mg:.0f} mg",
                "why": dose.why,
            },
            (*table.calvert_sources, *table.dialysis_sources, *table.margin_sources, *extra_sources),
            f"{drug} (proposed order): {order.dose_mg:g} mg vs Calvert {dose.mg:.0f} mg on dialysis (GFR 0)",
            limit,
            gross,
        )
    crcl = dose.crcl
    assert crcl is not None
    implied = order.dose_mg / (dose.gfr + table.calvert_nonrenal)
    return _alert(
        "above_calvert",
        drug,
        {
            "ordered": f"{ordered} (= AUC {implied:.1f} at this CrCl)",
            "auc": dose.auc,
            "gfr": dose.gfr,
            "capped": f", capped from {crcl:g}" if dose.gfr < crcl else "",
            "limit": f"{dose.mg:.0f} mg",
            "why": dose.why,
        },
        (*table.calvert_sources, *table.margin_sources, *extra_sources),
        f"{drug} (proposed order): {order.dose_mg:g} mg vs Calvert {dose.mg:.0f} mg at CrCl {crcl:g}",
        limit,
        gross,
    )


def _calvert_gross(ratio: float, dose: str, table: DoseTable) -> dict[str, str] | None:
    """The gross-overdose texts for a carboplatin order at ``ratio`` x its Calvert dose (or AUC cap)."""
    if ratio < table.gross_factor - 1e-9:
        return None
    return {"ratio": _fixed(ratio), "label_dose": dose}


def _band_inputs(
    case: Any, calculations: dict[str, Any], red_flags: frozenset[str]
) -> tuple[Mapping[str, Any], frozenset[str]]:
    """The values and facts the safety rules test, read by safety.py's own readers (values such as
    bilirubin x ULN are not in ``calculations``), so a band holds exactly where its rule does.

    Imported late: safety.py imports this module.
    """
    from mbcnav.reasoning.safety import _Values, safety_facts

    return _Values(case, calculations), safety_facts(case) | red_flags


def _check_order(
    order: Any,
    case: Any,
    calculations: dict[str, Any],
    fired: frozenset[tuple[str, str]],
    table: DoseTable,
    red_flags: frozenset[str] = frozenset(),
) -> SafetyAlert | None:
    drug = order.drug
    written = getattr(order, "dose_as_written", None)
    if written:
        return _not_checked(
            drug, written, table.reasons["unit_unread"].format(unit=written_unit(written))
        )
    if drug == table.calvert_drug:
        return _carboplatin(order, case, calculations, table)
    if not _ordered(order):
        return None
    ordered = _order_text(order)
    product = table.products.get(drug)
    if product is not None:
        return _product_dose(order, product, table)
    same_dose = _generic_at_product_dose(order, table)
    if same_dose is not None:
        return _product_dose(order, same_dose, table, "other_indication_dose")
    label = table.labels.get(drug)
    if label is None:
        ceiling = table.ceilings.get(drug)
        if ceiling is not None:
            above = _above_ceiling(order, ceiling, calculations.get("bsa_mosteller_m2"), case, table)
            if above is not None:
                return above
        return _not_checked(
            drug, ordered, "no label dose for this drug in the order check (rules/doses.yaml)"
        )
    main = label
    label, route_note, not_for_route = _label_for_route(order, label, table)
    if not_for_route is not None:
        return _not_checked(drug, ordered, not_for_route, label.sources)
    bsa, weight = calculations.get("bsa_mosteller_m2"), case.patient.weight_kg
    # the lowest limit that applies: the label dose (its mg cap, its dose with a partner drug in the case),
    # or a band's dose whose safety or interaction alert is present. A "never exceed" limit (the mg cap, a
    # label's stated maximum) gets no rounding margin: rounding may not take a dose past the label's ceiling.
    # each limit: (value, unit, band, note, never exceed?, extra sources, kind of DoseLimit)
    limits: list[tuple[float, str, AdjustedDose | None, str, bool, tuple[str, ...], str]] = [
        (label.limit, label.unit, None, "", label.never_exceed, (), "label")
    ]
    if label.cap_mg is not None:
        limits.append((label.cap_mg, "mg", None, "", True, (), "cap"))
    if label.partners:
        others = {t.drug for t in (*case.current_treatment, *case.proposed_treatment) if t.drug != drug}
        for partner in label.partners:
            found = sorted(others & partner.partners)
            if found:
                limits.append(
                    (
                        partner.limit,
                        partner.unit,
                        None,
                        partner.why.format(partner=", ".join(found)),
                        False,
                        partner.sources,
                        "partner",
                    )
                )
    # the bands are the main label's (the IV vinorelbine liver doses): a route's own dose has none
    bands = [a for a in table.adjusted.get(drug, ()) if (a.rule, drug) in fired] if label is main else []
    values: Mapping[str, Any] = calculations
    if bands:
        values, facts = _band_inputs(case, calculations, red_flags)
        limits.extend(
            (a.limit, a.unit, a, "", False, (), "adjusted") for a in bands if a.holds(values, facts)
        )
    over: list[tuple[float, str, AdjustedDose | None, str, bool, str, bool, tuple[str, ...], DoseLimit]] = []
    for limit, unit, adjusted, note, strict, extra_sources, kind in limits:
        read = _in_unit(order, unit, bsa, weight)
        if read is None:
            slip = _unit_slip(order, label)
            if slip is not None:
                return _unit_suspect(order, label, slip, bsa, weight, table)
            return _not_checked(
                drug,
                ordered,
                f"the label dose is in {UNITS[unit]} and the case lacks the "
                f"{_missing_for(unit)} to convert it",
                label.sources,
            )
        value, how, converted = read
        margin_used = converted and not strict
        allowed = limit * (1 + table.margin) if margin_used else limit
        if value > allowed + 1e-9:
            # "strict" is kept only where it changed the check: a converted dose held to a ceiling
            dose_limit = _limit(limit, unit, kind, strict, adjusted.rule if adjusted else None)
            shown = strict and converted
            over.append((limit, unit, adjusted, how, margin_used, note, shown, extra_sources, dose_limit))
    if not over:
        return _below_label(order, label, bsa, weight, table)
    label_text = f"{_amount(label.limit, label.unit)}: {label.label}"
    margin = f"; above the {table.margin:.0%} rounding margin" if any(o[4] for o in over) else ""
    sources = (*label.sources, *(table.margin_sources if margin else ()))
    if route_note:
        margin += route_note
        sources = (*sources, *(s for other in table.by_route[drug].values() for s in other.sources))
    gross = _gross(order, label, bsa, weight, table)
    if gross is not None:
        sources = (*sources, *table.order_limit_sources)
    banded = [o for o in over if o[2] is not None]
    if banded:
        limit, unit, adjusted, how, _, _, _, _, dose_limit = min(banded, key=lambda o: o[0])
        assert adjusted is not None
        return _alert(
            adjusted.text,
            drug,
            {
                "ordered": how,
                "why": adjusted.why.format_map(values),
                "limit": _amount(limit, unit),
                "label": label_text,
                "extra": margin,
            },
            (*sources, *adjusted.sources),
            f"{drug} (proposed order): {how} above {_amount(limit, unit)} ({adjusted.rule})",
            _never_exceed(dose_limit) if gross else dose_limit,
            gross,
        )
    # the lowest limit exceeded, in mg where the case allows (Dato-DXd: 6 mg/kg x weight below the 540 mg
    # cap names the per-kg dose); at a tie or without a conversion, a cap or partner dose is more specific
    # than the plain label dose
    sizes = {"mg": 1.0, "mg_m2": bsa, "mg_kg": weight}
    lowest = min(
        range(len(over)),
        key=lambda i: (
            over[i][0] * size if (size := sizes[over[i][1]]) else float("inf"),
            -i,
        ),
    )
    limit, unit, _, how, _, note, strict, extra_sources, dose_limit = over[lowest]
    if strict:
        margin += "; a maximum the label says never to exceed, so no rounding margin applies"
    return _alert(
        "above_label",
        drug,
        {
            "ordered": how,
            "limit": _amount(limit, unit),
            "label": f"{label.label}; {note}" if note else label.label,
            "extra": margin,
        },
        (*sources, *extra_sources),
        f"{drug} (proposed order): {how} above the label dose {_amount(limit, unit)}",
        _never_exceed(dose_limit) if gross else dose_limit,
        gross,
    )


def _label_for_route(order: Any, label: LabelDose, table: DoseTable) -> tuple[LabelDose, str, str | None]:
    """(the label dose for the order's route, a note for the alert text, why the dose is not checked).

    An order by a route with a dose of its own (``by_route``: oral vinorelbine) is held to that dose; one by
    a route the label dose is not for gets "not checked" (never another route's check); an order with no
    route is held to the main label dose, and for a drug whose dose differs by route the alert says so.
    """
    others = table.by_route.get(label.drug, {})
    given = getattr(order, "route", None)
    reasons = table.reasons
    if not given:
        if not others:
            return label, "", None
        note = "".join(
            reasons["route_unstated"].format(
                routes=" or ".join(label.routes), route=route, limit=_amount(o.limit, o.unit), label=o.label
            )
            for route, o in others.items()
        )
        return label, note, None
    route = read_route(given)
    if route is None:
        if not others:
            return label, "", None
        return label, "", reasons["route_unread"].format(given=given)
    if route in others:
        return others[route], "", None
    if label.routes and route not in label.routes:
        return (
            label,
            "",
            reasons["route_no_dose"].format(route=route, routes=" or ".join(label.routes)),
        )
    return label, "", None


def _above_ceiling(
    order: Any, ceiling: Ceiling, bsa: float | None, case: Any, table: DoseTable
) -> SafetyAlert | None:
    """A contraindication for an order above the drug's plausibility ceiling, else None (the dose stays
    "not checked": no breast cancer label dose to hold a standard order to)."""
    read = _in_unit(order, ceiling.unit, bsa, case.patient.weight_kg)
    if read is None or read[0] <= ceiling.limit + 1e-9:
        return None
    return _alert(
        "above_ceiling",
        order.drug,
        {"ordered": read[1], "limit": _amount(ceiling.limit, ceiling.unit), "label": ceiling.label},
        (*ceiling.sources, *table.order_limit_sources),
        f"{order.drug} (proposed order): {read[1]} above the ceiling {_amount(ceiling.limit, ceiling.unit)}",
        _limit(ceiling.limit, ceiling.unit, "ceiling", never_exceed=True),
        None,
        "contraindication",
    )


def _generic_at_product_dose(order: Any, table: DoseTable) -> Product | None:
    """The product (``generic_dose``) whose dose a generic order gives exactly, in mg only, else None."""
    if order.dose_mg is None or order.dose_mg_m2 is not None or order.dose_mg_kg is not None:
        return None
    for product in table.products.values():
        if product.generic_dose and product.drug == order.drug and abs(order.dose_mg - product.mg) < 1e-9:
            return product
    return None


def _product_dose(
    order: Any, product: Product, table: DoseTable, text: str = "other_indication"
) -> SafetyAlert | None:
    """An order for a product of another indication (Reclast 5 mg): its dose is named as that indication's,
    never passed as "not checked"; at gross_overdose_factor x the product's own dose, a gross overdose.
    ``text`` other_indication_dose words it for a generic order at the product's dose (denosumab 60 mg)."""
    if order.dose_mg is None and not _ordered(order):
        return None
    label = table.labels[product.drug]
    ordered = _order_text(order)
    values = {
        "ordered": ordered,
        "product": product.label,
        "drug_name": product.drug,
        "limit": _amount(label.limit, label.unit),
        "label": label.label,
    }
    ratio = (order.dose_mg or 0.0) / product.mg
    gross = None
    if ratio >= table.gross_factor - 1e-9:
        gross = {"ratio": _fixed(ratio), "label_dose": f"{product.mg:g} mg ({product.name})"}
    return _alert(
        text,
        order.drug,
        values,
        (*product.sources, *label.sources, *(table.order_limit_sources if gross else ())),
        f"{order.drug} (proposed order): {ordered}, the {product.drug} product for another indication",
        _limit(product.mg, "mg", "label", never_exceed=True) if gross else None,
        gross,
    )


def _kidney_reason(case: Any, calculations: Mapping[str, Any], below_crcl: float) -> str | None:
    """Why a product's kidney limit applies (dialysis, or Cockcroft-Gault CrCl under ``below_crcl``), in the
    words the alert's rationale quotes; None when it does not apply or CrCl is unknown."""
    crcl = calculations.get("crcl_ml_min")
    if case.patient.on_dialysis:
        return "on dialysis"
    if crcl is not None and crcl < below_crcl:
        return f"Cockcroft-Gault CrCl {crcl:.0f} mL/min"
    return None


def _product_hypocalcemia(
    order: Any, case: Any, calculations: Mapping[str, Any], table: DoseTable
) -> SafetyAlert | None:
    """The product label's boxed warning of severe hypocalcemia in advanced kidney disease (Prolia: eGFR < 30
    or dialysis), on the product's order: a warning, as the label does not contraindicate it, but one that
    asks for a CKD-MBD work-up and weekly calcium, which the Xgeva rule on the drug never says."""
    product = table.products.get(order.drug)
    if product is None or product.hypocalcemia_below_crcl is None:
        return None
    why = _kidney_reason(case, calculations, product.hypocalcemia_below_crcl)
    if why is None:
        return None
    text = table.texts["product_hypocalcemia"]
    return SafetyAlert.model_construct(
        code=text["safety_code"],
        drug=order.drug,
        severity="warning",
        public=text["public"].format(drug=order.drug),
        clinician=text["clinician"].format(drug=order.drug, why=why),
        sources=(*product.sources, *text.get("sources", ()), "cockcroft-gault-1976"),
        rationale=(
            f"{order.drug} (proposed order): {why}, below the boxed warning's "
            f"{product.hypocalcemia_below_crcl:g}"
        ),
        dose_limit=None,
    )


def _product_renal(
    order: Any, case: Any, calculations: Mapping[str, Any], table: DoseTable
) -> SafetyAlert | None:
    """The product label's own kidney contraindication (Reclast: CrCl < 35 mL/min, stricter than Zometa's
    30), on the product's order: the safety rules name the drug (zoledronic acid), not its products."""
    product = table.products.get(order.drug)
    if product is None or product.renal_below_crcl is None:
        return None
    why = _kidney_reason(case, calculations, product.renal_below_crcl)
    if why is None:
        return None
    text = table.texts["product_renal"]
    return SafetyAlert.model_construct(
        code=text["safety_code"],
        drug=order.drug,
        severity="contraindication",
        public=text["public"].format(drug=order.drug),
        clinician=text["clinician"].format(drug=order.drug, why=why, below=product.renal_below_crcl),
        sources=(*product.sources, "cockcroft-gault-1976"),
        rationale=f"{order.drug} (proposed order): {why}, below the label's {product.renal_below_crcl:g}",
        dose_limit=None,
    )


def _never_exceed(limit: DoseLimit) -> DoseLimit:
    return limit.model_copy(update={"never_exceed": True})


def _gross(
    order: Any, label: LabelDose, bsa: float | None, weight: float | None, table: DoseTable
) -> dict[str, str] | None:
    """The ratio to the label dose (or its mg cap) when the order is at least ``gross_factor`` times it."""
    ratios = []
    read = _in_unit(order, label.unit, bsa, weight)
    if read is not None:
        ratios.append(read[0] / label.limit)
    if label.cap_mg is not None and (mg := _in_unit(order, "mg", bsa, weight)) is not None:
        ratios.append(mg[0] / label.cap_mg)
    ratio = max(ratios, default=0.0)
    factor = table.gross_factor
    if label.gross_from is not None:
        factor = max(factor, label.gross_from / label.limit)
    if ratio < factor - 1e-9:
        return None
    cap = f" (at most {label.cap_mg:g} mg)" if label.cap_mg is not None else ""
    return {"ratio": _fixed(ratio), "label_dose": _amount(label.limit, label.unit) + cap}


def _unit_slip(order: Any, label: LabelDose) -> tuple[str, float] | None:
    """The (unit, value) of an order whose number is the label's dose figure in another unit: trastuzumab
    "8 mg" where the label gives 8 mg/kg, or "6 mg" where it gives 6 mg/kg every 3 weeks (``figures``)."""
    for unit, value in _ordered(order):
        if unit != label.unit and any(abs(value - f) < 1e-9 for f in (label.limit, *label.figures)):
            return unit, value
    return None


def _unit_suspect(
    order: Any,
    label: LabelDose,
    slip: tuple[str, float],
    bsa: float | None,
    weight: float | None,
    table: DoseTable,
) -> SafetyAlert:
    size = {"mg_m2": bsa, "mg_kg": weight}.get(label.unit)
    # the label figure the order's number matches (the loading dose, or a maintenance dose in ``figures``)
    figure = slip[1]
    if label.unit == "mg":
        intended = f"the label dose is {figure:g} mg."
    elif size:
        basis = f"BSA {size:g} m2" if label.unit == "mg_m2" else f"{size:g} kg"
        intended = f"{_amount(figure, label.unit)} at {basis} is {figure * size:.0f} mg."
    else:
        intended = f"the case lacks the {_missing_for(label.unit)} to work out that dose in mg."
    limit = _amount(figure, label.unit)
    return _alert(
        "unit_suspect",
        order.drug,
        {"ordered": _order_text(order), "limit": limit, "given_unit": UNITS[slip[0]], "intended": intended},
        (*label.sources, *table.order_limit_sources),
        f"{order.drug} (proposed order): {_amount(slip[1], slip[0])} is the label dose figure of {limit}",
    )


def _below_label(
    order: Any, label: LabelDose, bsa: float | None, weight: float | None, table: DoseTable
) -> SafetyAlert | None:
    """An order below ``below_fraction`` of the label dose: a unit slip when its number is the label's
    figure in another unit, else a likely decimal or unit slip. None when the order is not that low."""
    read = _in_unit(order, label.unit, bsa, weight)
    if read is None or read[0] >= label.limit * table.below_fraction:
        return None
    slip = _unit_slip(order, label)
    if slip is not None:
        return _unit_suspect(order, label, slip, bsa, weight, table)
    return _alert(
        "below_label",
        order.drug,
        {
            "ordered": read[1],
            "fraction": f"{table.below_fraction:.0%}",
            "limit": _amount(label.limit, label.unit),
            "label": label.label,
        },
        (*label.sources, *table.order_limit_sources),
        f"{order.drug} (proposed order): {read[1]} below {table.below_fraction:.0%} of the label dose",
    )


def order_alerts(
    case: Any,
    calculations: dict[str, Any],
    fired: Iterable[tuple[str, str]] = (),
    red_flags: Iterable[str] = (),
) -> list[SafetyAlert]:
    """One alert per proposed order whose dose is above its label (or band's) dose, or cannot be checked.

    ``fired`` holds the (code, drug) pairs of the safety alerts already raised, so a band's dose is used
    only where its alert is shown too. ``red_flags`` are the ``red_flag:X`` facts of this case, which a
    band's ``when`` may read as its rule does (no CrCl band for the single hypercalcemia dose).
    """
    if not case.proposed_treatment:
        return []
    table = dose_table()
    fired_set = frozenset(fired)
    out: list[SafetyAlert] = []
    for order in case.proposed_treatment:
        alert = _check_order(order, case, calculations, fired_set, table, frozenset(red_flags))
        if alert is not None:
            out.append(alert)
        renal = _product_renal(order, case, calculations, table)
        if renal is not None:
            out.append(renal)
        calcium = _product_hypocalcemia(order, case, calculations, table)
        if calcium is not None:
            out.append(calcium)
    return out
