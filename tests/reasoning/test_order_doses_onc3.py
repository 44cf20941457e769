"""Third oncologist's review (items 2, 3, 4 and 10): an order far below the label dose (a per-kg figure
written in mg) never passes silently; a gross overdose (>= 2x the label dose) is a contraindication for the
order but not for the drug's options; T-DXd and sacituzumab get their labels' kidney alerts; an order lists
each alert code once; liposomal doxorubicin has its label dose. Cases follow scratch-onc3's probes."""

from __future__ import annotations

from typing import Any

from mbcnav.case import parse_case
from mbcnav.interop.cds_hooks import card_titles
from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, reading_grade
from mbcnav.reasoning.assess import assess

HER2_POS = {"er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"}
HR_POS = {"er_percent": 95, "pr_percent": 60, "her2_ihc": "1+"}
PATIENT = {"age": 60, "sex": "F", "weight_kg": 68, "height_cm": 164, "menopausal": "post", "ecog": 0}


def _case(orders: list[dict[str, Any]], tumor: dict[str, Any] = HR_POS, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "patient": dict(PATIENT),
        "tumor": tumor,
        "metastatic_sites": ["liver", "lymph_node"],
        "labs": {"creatinine_mg_dl": 0.8},
        "proposed_treatment": orders,
        "line": 1,
    }
    data.update(extra)
    return data


def _orders(data: dict[str, Any]) -> dict[str, Any]:
    return {o.drug: o for o in assess(parse_case(data)).proposed_orders}


def _alerts(data: dict[str, Any]) -> dict[tuple[str, str | None], Any]:
    return {(a.code, a.drug): a for a in assess(parse_case(data)).safety_alerts}


# ---------------------------------------------------------------- item 2: unit slips, far below the label


def test_trastuzumab_8_mg_is_named_as_a_likely_mg_per_kg_slip() -> None:
    data = _case([{"drug": "trastuzumab", "dose_mg": 8}], HER2_POS)
    order = _orders(data)["trastuzumab"]
    assert order.result == "warning"
    assert order.alerts == ("dose_unit_suspect",)
    alert = _alerts(data)[("dose_unit_suspect", "trastuzumab")]
    assert "8 mg/kg" in alert.clinician and "544 mg" in alert.clinician
    assert "fda-label-trastuzumab" in alert.sources


def test_tdxd_5_4_mg_is_named_as_a_likely_mg_per_kg_slip() -> None:
    order = _orders(_case([{"drug": "trastuzumab deruxtecan", "dose_mg": 5.4}], HER2_POS))
    assert order["trastuzumab deruxtecan"].alerts == ("dose_unit_suspect",)


def test_unit_slip_is_named_even_without_a_weight_to_convert() -> None:
    data = _case([{"drug": "trastuzumab", "dose_mg": 8}], HER2_POS)
    del data["patient"]["weight_kg"]
    assert _orders(data)["trastuzumab"].alerts == ("dose_unit_suspect",)


def test_letrozole_0_25_mg_a_decimal_slip_is_below_the_label() -> None:
    data = _case([{"drug": "letrozole", "dose_mg": 0.25}])
    assert _orders(data)["letrozole"].alerts == ("dose_below_label",)
    alert = _alerts(data)[("dose_below_label", "letrozole")]
    assert "0.25 mg" in alert.clinician and "2.5 mg" in alert.clinician
    assert reading_grade(alert.public) <= MAX_PUBLIC_GRADE


def test_label_reduced_doses_are_not_called_below_the_label() -> None:
    # weekly trastuzumab 2 mg/kg, everolimus 2.5 mg, paclitaxel weekly 80 mg/m2: real label doses
    orders = _orders(
        _case(
            [
                {"drug": "trastuzumab", "dose_mg_kg": 2},
                {"drug": "everolimus", "dose_mg": 2.5},
                {"drug": "paclitaxel", "dose_mg_m2": 80},
            ],
            HER2_POS,
        )
    )
    assert not [c for o in orders.values() for c in o.alerts if c.startswith("dose_")], orders


# ---------------------------------------------------------------- item 3: gross overdoses


def test_letrozole_25_mg_is_a_contraindicated_order_but_letrozole_options_stay() -> None:
    data = _case([{"drug": "letrozole", "dose_mg": 25}])
    result = assess(parse_case(data))
    order = {o.drug: o for o in result.proposed_orders}["letrozole"]
    assert order.result == "contraindicated"
    assert order.alerts == ("dose_above_label",)
    alert = next(a for a in result.safety_alerts if a.drug == "letrozole" and a.code == "dose_above_label")
    assert alert.severity == "contraindication"
    assert alert.dose_limit is not None and alert.dose_limit.never_exceed
    assert alert.dose_limit.value == 2.5
    assert "10x" in alert.clinician
    # the drug is right, the dose is wrong: letrozole options are not flagged or demoted
    letrozole = [o for o in result.therapy_options if "letrozole" in o.drugs]
    assert letrozole and not any(o.flagged for o in letrozole)
    assert alert.alternatives == ()


def test_gross_overdoses_in_other_units_are_contraindicated_orders() -> None:
    orders = _orders(
        _case(
            [
                {"drug": "zoledronic acid", "dose_mg": 40},
                {"drug": "paclitaxel", "dose_mg_m2": 800},
                {"drug": "eribulin", "dose_mg_m2": 14},
                {"drug": "docetaxel", "dose_mg_kg": 75},
            ]
        )
    )
    assert {d: o.result for d, o in orders.items()} == dict.fromkeys(orders, "contraindicated")


def test_a_small_excess_stays_a_warning() -> None:
    data = _case([{"drug": "letrozole", "dose_mg": 3}, {"drug": "paclitaxel", "dose_mg_m2": 200}])
    orders = _orders(data)
    assert orders["letrozole"].result == "warning" and orders["paclitaxel"].result == "warning"
    alert = _alerts(data)[("dose_above_label", "letrozole")]
    assert alert.severity == "warning" and alert.dose_limit is not None and not alert.dose_limit.never_exceed


# ---------------------------------------------------------------- item 4: kidney alerts for the ADCs


def test_tdxd_with_crcl_25_gets_the_label_not_studied_alert() -> None:
    data = _case([], HER2_POS, labs={"creatinine_mg_dl": 2.4})
    alert = _alerts(data)[("renal_not_studied", "trastuzumab deruxtecan")]
    assert alert.severity == "warning"
    assert "fda-label-trastuzumab-deruxtecan" in alert.sources
    assert reading_grade(alert.public) <= MAX_PUBLIC_GRADE


def test_tdxd_with_moderate_renal_impairment_warns_of_more_ild() -> None:
    data = _case([], HER2_POS, labs={"creatinine_mg_dl": 1.5})
    alert = _alerts(data)[("renal_ild_risk", "trastuzumab deruxtecan")]
    assert "ILD" in alert.clinician


def test_sacituzumab_on_dialysis_gets_the_label_not_studied_alert() -> None:
    data = _case(
        [{"drug": "sacituzumab govitecan", "dose_mg_kg": 10}],
        {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0"},
        labs={"creatinine_mg_dl": 6.0},
    )
    data["patient"]["on_dialysis"] = True
    order = _orders(data)["sacituzumab govitecan"]
    assert "renal_not_studied" in order.alerts


def test_new_codes_have_cds_titles() -> None:
    titles = card_titles()["safety"]
    for code in ("dose_below_label", "dose_unit_suspect", "renal_ild_risk"):
        assert code in titles


# ---------------------------------------------------------------- item 10


def test_each_alert_code_is_listed_once_per_order() -> None:
    data = _case(
        [{"drug": "zoledronic acid", "dose_mg": 4}, {"drug": "denosumab", "dose_mg": 120}],
        metastatic_sites=["bone"],
    )
    for order in _orders(data).values():
        assert len(order.alerts) == len(set(order.alerts)), order.alerts
        assert "bone_agent_duplicate" in order.alerts


def test_liposomal_doxorubicin_50_mg_m2_is_checked_against_its_label_dose() -> None:
    orders = _orders(_case([{"drug": "pegylated liposomal doxorubicin", "dose_mg_m2": 50}]))
    assert orders["pegylated liposomal doxorubicin"].result != "contraindicated"
    assert "dose_not_checked" not in orders["pegylated liposomal doxorubicin"].alerts
    above = _orders(_case([{"drug": "pegylated liposomal doxorubicin", "dose_mg_m2": 60}]))
    assert "dose_above_label" in above["pegylated liposomal doxorubicin"].alerts
