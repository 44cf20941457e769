"""Pharmacist review 7 leftovers (session 10, task phc): route-aware label doses and unreadable dose units.

Golden values, each from its label:
- Navelbine soft capsules (EU/UK SmPC 4.2): single agent 60 mg/m2 once weekly for the first three
  administrations, then 80 mg/m2 once weekly; "even for patients with BSA >= 2 m2 the total dose should
  never exceed 120 mg per week at 60 mg/m2 and 160 mg per week at 80 mg/m2".
- Vinorelbine injection (US label 2.1): 25-30 mg/m2 IV weekly (mbcnav's IV limit 30 mg/m2; 2x is a gross
  overdose, a contraindication for the order).
- Trastuzumab (Herceptin PI 2.2): 8 mg/kg IV loading, so an order by the SC route has no label dose in the
  order check: dose_not_checked for that route, never the IV per-kg check.
BSA by Mosteller: 70 kg, 165 cm -> 1.79 m2; 100 kg, 185 cm -> 2.27 m2.
"""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import NORMAL_LABS, alerts_by_key

from mbcnav.case import parse_case
from mbcnav.errors import MbcnavError
from mbcnav.reasoning.assess import assess


def _order_case(order: dict[str, Any], weight: float = 70, height: float = 165) -> dict[str, Any]:
    return {
        "patient": {
            "age": 60,
            "sex": "F",
            "menopausal": "post",
            "weight_kg": weight,
            "height_cm": height,
            "ecog": 1,
        },
        "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 40, "her2_ihc": "1+"},
        "metastatic_sites": ["bone"],
        "labs": dict(NORMAL_LABS),
        "line": 2,
        "proposed_treatment": [order],
    }


def _dose_alerts(order: dict[str, Any], **body: float) -> dict[str, Any]:
    alerts = alerts_by_key(assess(parse_case(_order_case(order, **body))))
    return {k: a for k, a in alerts.items() if k.startswith("dose_")}


# ----------------------------------------------------------------------------- item 1: oral vinorelbine


@pytest.mark.parametrize("route", ["oral", "PO", "26643006"])
@pytest.mark.parametrize("dose", [60, 80])
def test_oral_vinorelbine_at_the_oral_label_dose_passes(route: str, dose: float) -> None:
    result = assess(parse_case(_order_case({"drug": "vinorelbine", "route": route, "dose_mg_m2": dose})))
    assert not [a for a in result.safety_alerts if a.code.startswith("dose_")]
    assert result.proposed_orders[0].result != "contraindicated"


def test_oral_vinorelbine_above_80_mg_m2_is_held_to_the_oral_label() -> None:
    alert = _dose_alerts({"drug": "vinorelbine", "route": "oral", "dose_mg_m2": 100})[
        "dose_above_label:vinorelbine"
    ]
    assert alert.severity == "warning"
    assert alert.dose_limit is not None and alert.dose_limit.value == 80 and alert.dose_limit.unit == "mg/m2"
    assert "smpc-navelbine-oral" in alert.sources
    assert "oral" in alert.clinician


def test_oral_vinorelbine_80_mg_m2_above_160_mg_a_week_is_held_to_the_smpc_cap() -> None:
    # 80 mg/m2 x 2.27 m2 = 181 mg, above the SmPC's 160 mg per week
    alert = _dose_alerts({"drug": "vinorelbine", "route": "oral", "dose_mg_m2": 80}, weight=100, height=185)[
        "dose_above_label:vinorelbine"
    ]
    assert alert.dose_limit is not None and alert.dose_limit.value == 160 and alert.dose_limit.unit == "mg"


def test_iv_vinorelbine_60_mg_m2_stays_a_gross_overdose() -> None:
    result = assess(parse_case(_order_case({"drug": "vinorelbine", "route": "IV", "dose_mg_m2": 60})))
    alert = alerts_by_key(result)["dose_above_label:vinorelbine"]
    assert alert.severity == "contraindication"
    assert alert.dose_limit is not None and alert.dose_limit.value == 30
    assert result.proposed_orders[0].result == "contraindicated"


def test_vinorelbine_without_a_route_is_checked_as_iv_and_names_the_oral_dose() -> None:
    alert = _dose_alerts({"drug": "vinorelbine", "dose_mg_m2": 60})["dose_above_label:vinorelbine"]
    assert alert.severity == "contraindication"
    assert "no route given" in alert.clinician and "80 mg/m2" in alert.clinician


def test_a_route_without_a_label_dose_is_not_checked_never_a_wrong_check() -> None:
    # trastuzumab SC (the trastuzumab-hyaluronidase product) is a flat dose: never the IV 8 mg/kg check
    alert = _dose_alerts({"drug": "trastuzumab", "route": "SC", "dose_mg": 600}, weight=50)[
        "dose_not_checked:trastuzumab"
    ]
    assert "subcutaneous" in alert.clinician
    # fulvestrant has a label dose only for IM: IV gets the route warning and no dose check
    alerts = alerts_by_key(
        assess(parse_case(_order_case({"drug": "fulvestrant", "route": "IV", "dose_mg": 500})))
    )
    assert "route_not_allowed:fulvestrant" in alerts
    assert "intravenous" in alerts["dose_not_checked:fulvestrant"].clinician
    # the label's own route is checked as before
    assert "dose_above_label:trastuzumab" in _dose_alerts(
        {"drug": "trastuzumab", "route": "IV", "dose_mg_kg": 12}
    )


def test_oral_vinorelbine_keeps_no_iv_liver_band() -> None:
    # the IV label's bilirubin bands (15 and 7.5 mg/m2) are IV doses: an oral order is not held to them
    case = _order_case({"drug": "vinorelbine", "route": "oral", "dose_mg_m2": 60})
    case["labs"] = {**NORMAL_LABS, "bilirubin_mg_dl": 2.5}
    alerts = alerts_by_key(assess(parse_case(case)))
    assert "dose_above_adjusted:vinorelbine" not in alerts
    iv = _order_case({"drug": "vinorelbine", "route": "IV", "dose_mg_m2": 25})
    iv["labs"] = {**NORMAL_LABS, "bilirubin_mg_dl": 2.5}
    assert "dose_above_adjusted:vinorelbine" in alerts_by_key(assess(parse_case(iv)))


# ----------------------------------------------------------------------------- item 2: unread dose units


@pytest.mark.parametrize(("written", "unit"), [("4 mL", "mL"), ("2 tablets", "tablets")])
def test_a_dose_in_an_unread_unit_is_not_checked_naming_the_unit(written: str, unit: str) -> None:
    result = assess(parse_case(_order_case({"drug": "zoledronic acid", "dose_as_written": written})))
    alert = alerts_by_key(result)["dose_not_checked:zoledronic acid"]
    assert f"'{unit}'" in alert.clinician and written in alert.clinician
    assert result.proposed_orders[0].dose == written
    assert "dose_not_checked" in result.proposed_orders[0].alerts


def test_dose_as_written_is_refused_with_a_readable_unit_or_beside_a_dose() -> None:
    with pytest.raises(MbcnavError, match="dose_mg"):
        parse_case(_order_case({"drug": "letrozole", "dose_as_written": "2.5 mg"}))
    with pytest.raises(MbcnavError, match="one dose"):
        parse_case(_order_case({"drug": "letrozole", "dose_mg": 2.5, "dose_as_written": "1 tablet"}))
