"""The route of each proposed order against the routes its label allows (``rules/routes.yaml``).

Why a check of its own: the dose check reads the amount, never how it is given, and the worst order
errors are route errors — a vinca alkaloid given intrathecally is fatal. The route is read from a SNOMED CT
code or from words; a route that cannot be read is said (``route_not_checked``), never guessed, and a
drug with no route entry is not checked at all.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mbcnav.assessment import SafetyAlert
from mbcnav.reasoning.flags import rules_file

_SEP = re.compile(r"[\s_-]+")


@dataclass(frozen=True, slots=True)
class DrugRoutes:
    allowed: tuple[str, ...]
    fatal_other: bool
    label: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RouteTable:
    #: SNOMED code or normalised word -> route name
    names: dict[str, str]
    drugs: dict[str, DrugRoutes]
    texts: dict[str, dict[str, str]]
    #: the route names themselves (intravenous, oral, ...), for other tables that name routes
    route_names: frozenset[str] = frozenset()


def _norm(text: str) -> str:
    return _SEP.sub(" ", text.strip().lower()).strip()


@functools.cache
def route_table() -> RouteTable:
    """routes.yaml, indexed once per process; a drug naming an unknown route is an error at load."""
    data = rules_file("routes.yaml")
    names: dict[str, str] = {}
    for name, raw in data["routes"].items():
        names[_norm(name)] = name
        for code in raw.get("snomed") or ():
            names[str(code)] = name
        for word in raw.get("words") or ():
            names[_norm(str(word))] = name
    drugs: dict[str, DrugRoutes] = {}
    for drug, raw in data["drugs"].items():
        unknown = set(raw["allowed"]) - set(data["routes"])
        if unknown:
            raise ValueError(f"routes.yaml: {drug}: unknown route(s) {sorted(unknown)}")
        drugs[drug] = DrugRoutes(
            allowed=tuple(raw["allowed"]),
            fatal_other=bool(raw.get("fatal_other")),
            label=str(raw["label"]),
            sources=tuple(raw["sources"]),
        )
    return RouteTable(
        names=names, drugs=drugs, texts=dict(data["texts"]), route_names=frozenset(data["routes"])
    )


def read_route(text: str | None) -> str | None:
    """The route name for a SNOMED code or words ("IV", "Intravenous route", "47625008"), else None."""
    if not text:
        return None
    return route_table().names.get(_norm(text))


def order_route_alerts(case: Any) -> list[SafetyAlert]:
    """One alert per proposed order whose route is not one its label allows, or cannot be read."""
    table = route_table()
    out: list[SafetyAlert] = []
    for order in case.proposed_treatment:
        given = getattr(order, "route", None)
        entry = table.drugs.get(order.drug)
        if not given or entry is None:
            continue
        route = read_route(given)
        if route is None:
            out.append(_alert("route_not_checked", "warning", order.drug, given, entry, "route not read"))
        elif route not in entry.allowed:
            code, severity = (
                ("route_fatal", "contraindication")
                if entry.fatal_other
                else (
                    "route_not_allowed",
                    "warning",
                )
            )
            out.append(_alert(code, severity, order.drug, route, entry, f"{route} not in {entry.allowed}"))
    return out


def _alert(code: str, severity: str, drug: str, route: str, entry: DrugRoutes, why: str) -> SafetyAlert:
    text = route_table().texts[code]
    values = {"drug": drug, "route": route, "allowed": _either(entry.allowed), "label": entry.label}
    return SafetyAlert.model_construct(
        code=code,
        drug=drug,
        severity=severity,
        public=text["public"].format(**values),
        clinician=text["clinician"].format(**values),
        sources=entry.sources,
        rationale=f"{drug} (proposed order): route {why}",
        partners=(),
        alternatives=(),
        dose_limit=None,
    )


def _either(routes: Sequence[str]) -> str:
    return " or ".join(routes)
