"""Pharmacist review 7 (session 10), HIGH findings: the LVEF fall from baseline under HER2 therapy, and the
route of a proposed order.

Golden values, each from its label: Herceptin PI 2.2/5.1 (withhold >= 4 weeks for an absolute LVEF fall
>= 16 points from the pre-treatment value, or a value below the institutional lower limit of normal with a
fall >= 10; repeat every 4 weeks); Perjeta/Phesgo metastatic table (withhold for < 40%, or 40-45% with a fall
>= 10); Kadcyla Table 4 (the same two holds, repeat within 3 weeks); Enhertu 2.3 (< 40% or a fall > 20: hold;
40-45% with a fall of 10-20: hold; 40-45% with a fall < 10: continue, repeat within 3 weeks). Routes: the
vinorelbine label and IMSN Global Targeted Medication Safety Best Practice 2 ("for intravenous use only -
fatal if given by other routes"); Faslodex (intramuscular); SNOMED CT route codes from the FHIR route-codes
value set (26643006 oral, 34206005 subcutaneous, 72607000 intrathecal).
"""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import NORMAL_LABS, alerts_by_key

from mbcnav.case import Case, parse_case
from mbcnav.errors import MbcnavError
from mbcnav.reasoning.assess import assess


def _her2_case(drug: str, lvef: float, baseline: float | None, **extra: Any) -> dict[str, Any]:
    labs = {**NORMAL_LABS, "lvef_percent": lvef}
    if baseline is not None:
        labs["lvef_baseline_percent"] = baseline
    return {
        "patient": {
            "age": 60,
            "sex": "F",
            "menopausal": "post",
            "weight_kg": 70,
            "height_cm": 165,
            "ecog": 1,
        },
        "tumor": {"histology": "IDC", "er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"},
        "metastatic_sites": ["bone", "liver"],
        "labs": labs,
        "line": 1,
        "current_treatment": [{"drug": drug, "cycle": 6, "day": 1}],
        **extra,
    }


def _alerts(data: dict[str, Any]) -> dict[str, Any]:
    return alerts_by_key(assess(parse_case(data)))


# ----------------------------------------------------------------------------- item 1: LVEF fall


def test_trastuzumab_fall_of_18_points_to_a_normal_lvef_is_a_label_hold() -> None:
    """c30b: LVEF 70 -> 52 on trastuzumab; Herceptin 2.2: a fall >= 16 points holds, whatever the value."""
    result = assess(parse_case(_her2_case("trastuzumab", 52, 70)))
    alert = alerts_by_key(result)["lvef_fall_hold:trastuzumab"]
    assert alert.severity == "contraindication"
    assert "18 points below the pre-treatment 70%" in alert.clinician
    assert ">= 4 weeks" in alert.clinician and "every 4 weeks" in alert.clinician
    assert "cardio-oncology" in alert.clinician
    assert "70%" in alert.public and "52%" in alert.public and "4 weeks" in alert.public
    assert "cardio_oncology_review" in {w.code for w in result.workup}


def test_without_a_baseline_the_same_lvef_gives_no_hold_and_47_keeps_the_conditional_text() -> None:
    assert not any(k.startswith("lvef_") for k in _alerts(_her2_case("trastuzumab", 52, None)))
    text = _alerts(_her2_case("trastuzumab", 47, None))["lvef_borderline:trastuzumab"].clinician
    assert "hold for >= 4 weeks if it fell >= 16 points" in text


def test_trastuzumab_below_normal_with_a_fall_of_10_to_15_holds_and_a_smaller_fall_warns() -> None:
    held = _alerts(_her2_case("trastuzumab", 46, 58))["lvef_fall_hold:trastuzumab"]
    assert held.severity == "contraindication" and "lower limit of normal" in held.clinician
    small = _alerts(_her2_case("trastuzumab", 46, 52))
    assert "lvef_fall_hold:trastuzumab" not in small
    assert small["lvef_borderline:trastuzumab"].severity == "warning"
    # at or above 50% a fall of 10-15 points is not a Herceptin hold
    assert not any(k.startswith("lvef_") for k in _alerts(_her2_case("trastuzumab", 55, 68)))


def test_pertuzumab_follows_its_metastatic_table_not_the_trastuzumab_rule() -> None:
    """c30: 62 -> 46 on trastuzumab + pertuzumab: trastuzumab holds (fall 16), pertuzumab (> 45%) goes on."""
    data = _her2_case("trastuzumab", 46, 62)
    data["current_treatment"].append({"drug": "pertuzumab", "cycle": 6, "day": 1})
    alerts = _alerts(data)
    assert alerts["lvef_fall_hold:trastuzumab"].severity == "contraindication"
    assert "lvef_fall_hold:pertuzumab" not in alerts
    held = _alerts(_her2_case("pertuzumab", 44, 56))["lvef_fall_hold:pertuzumab"]
    assert ">= 3 weeks" in held.clinician
    kept = _alerts(_her2_case("pertuzumab", 44, 50))
    assert "lvef_fall_hold:pertuzumab" not in kept and "lvef_hold:pertuzumab" not in kept
    assert "continue pertuzumab" in kept["lvef_borderline:pertuzumab"].clinician


def test_tdm1_table_4() -> None:
    assert (
        "Kadcyla Table 4"
        in _alerts(_her2_case("trastuzumab emtansine", 42, 55))[
            "lvef_fall_hold:trastuzumab emtansine"
        ].clinician
    )
    kept = _alerts(_her2_case("trastuzumab emtansine", 42, 48))
    assert kept["lvef_borderline:trastuzumab emtansine"].severity == "warning"
    assert "lvef_hold:trastuzumab emtansine" not in kept


def test_tdxd_holds_for_a_fall_above_20_at_any_value() -> None:
    assert (
        "fall > 20"
        in _alerts(_her2_case("trastuzumab deruxtecan", 48, 70))[
            "lvef_fall_hold:trastuzumab deruxtecan"
        ].clinician
    )
    # > 45% with a fall of 10-20: continue (no alert from the label table)
    assert "lvef_fall_hold:trastuzumab deruxtecan" not in _alerts(
        _her2_case("trastuzumab deruxtecan", 48, 60)
    )
    assert (
        "fall 10-20"
        in _alerts(_her2_case("trastuzumab deruxtecan", 43, 58))[
            "lvef_fall_hold:trastuzumab deruxtecan"
        ].clinician
    )


def test_below_40_every_her2_drug_holds_with_or_without_a_baseline() -> None:
    for baseline in (None, 42):
        alert = _alerts(_her2_case("trastuzumab", 38, baseline))["lvef_hold:trastuzumab"]
        assert alert.severity == "contraindication"


def test_baseline_lvef_is_validated_like_lvef_and_in_the_schema() -> None:
    with pytest.raises(MbcnavError, match="lvef_baseline_percent"):
        parse_case(_her2_case("trastuzumab", 52, 95))
    with pytest.raises(MbcnavError, match="lvef_baseline_percent"):
        parse_case(_her2_case("trastuzumab", 52, 0.6))
    assert "lvef_baseline_percent" in Case.model_json_schema()["$defs"]["Labs"]["properties"]


# ----------------------------------------------------------------------------- item 2: routes


def _order_case(drug: str, route: str, **dose: float) -> dict[str, Any]:
    return {
        "patient": {
            "age": 60,
            "sex": "F",
            "menopausal": "post",
            "weight_kg": 70,
            "height_cm": 165,
            "ecog": 1,
        },
        "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 40, "her2_ihc": "1+"},
        "metastatic_sites": ["bone"],
        "labs": dict(NORMAL_LABS),
        "line": 2,
        "proposed_treatment": [{"drug": drug, "route": route, **dose}],
    }


def test_intrathecal_vinorelbine_is_a_fatal_route_contraindication() -> None:
    result = assess(parse_case(_order_case("vinorelbine", "intrathecal", dose_mg_m2=25)))
    alert = alerts_by_key(result)["route_fatal:vinorelbine"]
    assert alert.severity == "contraindication"
    assert "fatal if given by other routes" in alert.clinician
    assert "imsn-vinca-minibag-2020" in alert.sources
    assert result.proposed_orders[0].result == "contraindicated"
    # by SNOMED code too, and any route but IV or oral
    assert "route_fatal:vinorelbine" in _alerts(_order_case("vinorelbine", "72607000", dose_mg_m2=25))
    assert "route_fatal:vinorelbine" in _alerts(_order_case("vinorelbine", "IM", dose_mg_m2=25))
    for ok in ("IV", "Intravenous route", "oral", "26643006"):
        assert not any(k.startswith("route_") for k in _alerts(_order_case("vinorelbine", ok, dose_mg_m2=25)))


def test_wrong_route_for_other_drugs_is_a_warning() -> None:
    alert = _alerts(_order_case("fulvestrant", "intravenous", dose_mg=500))["route_not_allowed:fulvestrant"]
    assert alert.severity == "warning" and "intramuscular" in alert.clinician
    assert "route_not_allowed:zoledronic acid" in _alerts(_order_case("zoledronic acid", "PO", dose_mg=4))
    assert "route_not_allowed:denosumab" in _alerts(_order_case("denosumab", "IV", dose_mg=120))
    assert not any(k.startswith("route_") for k in _alerts(_order_case("denosumab", "34206005", dose_mg=120)))
    assert not any(k.startswith("route_") for k in _alerts(_order_case("trastuzumab", "SC", dose_mg=600)))


def test_an_unreadable_route_is_said_never_guessed() -> None:
    alert = _alerts(_order_case("fulvestrant", "into the buttock", dose_mg=500))[
        "route_not_checked:fulvestrant"
    ]
    assert alert.severity == "warning" and "'into the buttock'" in alert.clinician
    # a wrong route does not demote the therapy options that use the drug (it is about the order)
    result = assess(parse_case(_order_case("fulvestrant", "intravenous", dose_mg=500)))
    assert not any(o.flagged for o in result.therapy_options if "fulvestrant" in o.drugs)
