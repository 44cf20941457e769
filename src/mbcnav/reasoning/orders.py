"""The order check in one place: each proposed order with the alerts on its drug and the alternatives.

The safety step already checks proposed orders like every drug in play, and names alternatives to a
contraindicated order at the end of that alert's rationale. Reports (CLI, web, PDF) need them per
order, so this gathers them into ``Assessment.proposed_orders`` without a second rule engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mbcnav.assessment import OrderCheck, SafetyAlert
from mbcnav.reasoning.safety import ALTERNATIVES_MARK

_UNITS = (("dose_mg", "mg"), ("dose_mg_m2", "mg/m2"), ("dose_mg_kg", "mg/kg"))


def order_checks(case: Any, alerts: Sequence[SafetyAlert]) -> tuple[OrderCheck, ...]:
    """One OrderCheck per proposed order, in the order given; empty when nothing is proposed."""
    checks = []
    for order in case.proposed_treatment:
        own = tuple(a for a in alerts if a.drug == order.drug or _names_as_partner(a, order.drug))
        severities = {a.severity for a in own}
        result = (
            "contraindicated" if "contraindication" in severities else "warning" if own else "no alert"
        )
        checks.append(
            OrderCheck(
                drug=order.drug,
                dose=", ".join(
                    f"{getattr(order, field):g} {unit}" for field, unit in _UNITS if getattr(order, field)
                ),
                result=result,
                alerts=tuple(a.code for a in own),
                alternatives=_alternatives(tuple(a for a in own if a.drug == order.drug)),
            )
        )
    return tuple(checks)


def _names_as_partner(alert: SafetyAlert, drug: str) -> bool:
    """True when an interaction alert on another drug names this proposed order as its partner.

    Why: tamoxifen with a proposed anastrozole sits on tamoxifen, yet the anastrozole order is what
    starts the combination; its row must not say "no alert". The partner list is the part of the
    rationale after " with " (safety._interaction_alert), before any alternatives.
    """
    head = alert.rationale.split(ALTERNATIVES_MARK, 1)[0]
    if alert.drug == drug or " with " not in head:
        return False
    return f"{drug} (proposed order)" in head.split(" with ", 1)[1]


def _alternatives(alerts: Sequence[SafetyAlert]) -> tuple[str, ...]:
    for alert in alerts:
        if alert.severity == "contraindication" and ALTERNATIVES_MARK in alert.rationale:
            tail = alert.rationale.split(ALTERNATIVES_MARK, 1)[1].strip().removesuffix(".")
            return tuple(part.strip() for part in tail.split("; ") if part.strip())
    return ()
