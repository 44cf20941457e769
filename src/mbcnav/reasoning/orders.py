"""The order check in one place: each proposed order with the alerts on its drug and the alternatives.

The safety step already checks proposed orders like every drug in play, and puts on each alert the
partners of an interaction (``SafetyAlert.partners``) and the alternatives to a contraindicated order
(``SafetyAlert.alternatives``). Reports (CLI, web, PDF) need them per order, so this gathers them into
``Assessment.proposed_orders`` without a second rule engine, and without reading the rationale text,
which is worded for people.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from mbcnav.assessment import OrderCheck, SafetyAlert
from mbcnav.reasoning.doses import carboplatin_dose_text

_UNITS = (("dose_mg", "mg"), ("dose_mg_m2", "mg/m2"), ("dose_mg_kg", "mg/kg"))


def order_checks(
    case: Any, alerts: Sequence[SafetyAlert], calculations: Mapping[str, Any] | None = None
) -> tuple[OrderCheck, ...]:
    """One OrderCheck per proposed order, in the order given; empty when nothing is proposed.

    ``calculations`` (the assessment's) let a carboplatin order given only as a target AUC show the dose
    the Calvert formula gives, instead of an empty dose.
    """
    checks = []
    taken = {t.drug for t in case.current_treatment} | set(case.current_meds)
    for order in case.proposed_treatment:
        own = tuple(a for a in alerts if concerns(a, order.drug, taken))
        severities = {a.severity for a in own}
        result = (
            "contraindicated" if "contraindication" in severities else "warning" if own else "no alert"
        )
        checks.append(
            OrderCheck(
                drug=order.drug,
                dose=_dose(order, case, calculations or {}),
                result=result,
                # one code once: bone_agent_duplicate on each bone agent that the order brings in
                alerts=tuple(dict.fromkeys(a.code for a in own)),
                alternatives=_alternatives(tuple(a for a in own if a.drug == order.drug)),
            )
        )
    return tuple(checks)


def _dose(order: Any, case: Any, calculations: Mapping[str, Any]) -> str:
    given = ", ".join(f"{getattr(order, field):g} {unit}" for field, unit in _UNITS if getattr(order, field))
    given = given or getattr(order, "dose_as_written", None) or ""
    if given or getattr(order, "target_auc", None) is None:
        return given
    return carboplatin_dose_text(order, case, calculations)


def concerns(alert: SafetyAlert, drug: str, taken: Collection[str] = ()) -> bool:
    """True when the alert is on the proposed drug, or names it as the partner that the order brings in.

    Why partners count: tamoxifen with a proposed anastrozole sits on tamoxifen, yet the anastrozole
    order is what starts the combination; its row must not say "no alert". A drug already ``taken``
    (current treatment or medicine) starts nothing new by being ordered: an alert that names it as a
    partner is about what is given today (or about a therapy option), and stays in the safety alerts.
    The reports use this too, so a row shows the texts of the very alerts it counts.
    """
    return alert.drug == drug or (drug in alert.partners and drug not in taken)


def _alternatives(alerts: Sequence[SafetyAlert]) -> tuple[str, ...]:
    for alert in alerts:
        if alert.severity == "contraindication" and alert.alternatives:
            return alert.alternatives
    return ()
