"""Second oncologist review, items #6 and #8 (scratch-onc2 e24, e37, e39).

#6: a dose cut that an interaction alert states (the label's dose for unavoidable use) is held against a
proposed order as data, as capivasertib's 320 mg already was: ribociclib 400 mg and abemaciclib 100 mg
with a strong CYP3A inhibitor, tucatinib 100 mg with a strong CYP2C8 inhibitor, talazoparib 0.75 mg with
a P-gp inhibitor its label names. #8: datopotamab deruxtecan carries its label's hepatic warning by
bilirubin band, as T-DXd does.
"""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import NORMAL_LABS, alerts_by_pair

from mbcnav.case import parse_case
from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, reading_grade
from mbcnav.reasoning.assess import assess

HR_POS = {"er_percent": 90, "pr_percent": 40, "her2_ihc": "0"}
HER2_POS = {"er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"}


def _case(
    orders: list[dict[str, Any]], meds: list[str], tumor: dict[str, Any] = HR_POS, **labs: float
) -> dict[str, Any]:
    return {
        "patient": {
            "age": 62,
            "sex": "F",
            "menopausal": "post",
            "weight_kg": 66,
            "height_cm": 163,
            "ecog": 1,
        },
        "tumor": tumor,
        "metastatic_sites": ["bone", "lung"],
        "labs": {**NORMAL_LABS, **labs},
        "line": 2,
        "current_meds": meds,
        "proposed_treatment": orders,
    }


# ---------------------------------------------------------------- #6: interaction doses on orders


@pytest.mark.parametrize(
    ("orders", "meds", "tumor", "drug", "limit", "interaction"),
    [
        # e39: Kisqali label (drug interactions): advanced disease, strong CYP3A inhibitor -> 400 mg daily
        (
            [{"drug": "ribociclib", "dose_mg": 600}, {"drug": "letrozole", "dose_mg": 2.5}],
            ["itraconazole"],
            HR_POS,
            "ribociclib",
            400,
            "cdk46_strong_cyp3a_inhibitor",
        ),
        # e39: Verzenio label: strong CYP3A inhibitor other than ketoconazole -> 100 mg twice daily
        (
            [{"drug": "abemaciclib", "dose_mg": 150}, {"drug": "letrozole", "dose_mg": 2.5}],
            ["itraconazole"],
            HR_POS,
            "abemaciclib",
            100,
            "cdk46_strong_cyp3a_inhibitor",
        ),
        # e24: Tukysa label: strong CYP2C8 inhibitor (gemfibrozil) -> 100 mg twice daily
        (
            [{"drug": "tucatinib", "dose_mg": 300}, {"drug": "capecitabine", "dose_mg_m2": 1000}],
            ["gemfibrozil"],
            HER2_POS,
            "tucatinib",
            100,
            "tucatinib_cyp2c8_inhibitor",
        ),
        # Talzenna label: amiodarone, carvedilol, clarithromycin, itraconazole, verapamil -> 0.75 mg daily
        (
            [{"drug": "talazoparib", "dose_mg": 1}],
            ["verapamil"],
            HR_POS,
            "talazoparib",
            0.75,
            "talazoparib_pgp_inhibitor",
        ),
    ],
)
def test_an_order_above_the_dose_its_interaction_states_gets_the_adjusted_limit(
    orders: list[dict[str, Any]],
    meds: list[str],
    tumor: dict[str, Any],
    drug: str,
    limit: float,
    interaction: str,
) -> None:
    alert = alerts_by_pair(_case(orders, meds, tumor))[("dose_above_adjusted", drug)]
    assert alert.dose_limit is not None
    assert alert.dose_limit.kind == "adjusted"
    assert alert.dose_limit.value == limit and alert.dose_limit.unit == "mg"
    assert alert.dose_limit.rule == interaction
    assert f"-> {limit:g} mg" in alert.clinician
    assert "other medicines" in alert.public


@pytest.mark.parametrize(
    ("orders", "meds", "drug"),
    [
        (
            [{"drug": "ribociclib", "dose_mg": 400}, {"drug": "letrozole", "dose_mg": 2.5}],
            ["itraconazole"],
            "ribociclib",
        ),
        (
            [{"drug": "abemaciclib", "dose_mg": 100}, {"drug": "letrozole", "dose_mg": 2.5}],
            ["clarithromycin"],
            "abemaciclib",
        ),
        ([{"drug": "tucatinib", "dose_mg": 100}], ["gemfibrozil"], "tucatinib"),
        ([{"drug": "talazoparib", "dose_mg": 0.75}], ["amiodarone"], "talazoparib"),
        # no inhibitor: the full dose stands
        ([{"drug": "ribociclib", "dose_mg": 600}, {"drug": "letrozole", "dose_mg": 2.5}], [], "ribociclib"),
        ([{"drug": "tucatinib", "dose_mg": 300}], [], "tucatinib"),
    ],
)
def test_an_order_at_the_interaction_dose_or_without_the_partner_passes(
    orders: list[dict[str, Any]], meds: list[str], drug: str
) -> None:
    assert ("dose_above_adjusted", drug) not in alerts_by_pair(_case(orders, meds))


def test_talazoparib_with_a_p_gp_inhibitor_the_label_does_not_name_is_not_held_to_0_75_mg() -> None:
    # the label's 0.75 mg is for its five named inhibitors; others only get monitoring (quinidine, e.g.)
    alerts = alerts_by_pair(_case([{"drug": "talazoparib", "dose_mg": 1}], ["quinidine"]))
    assert ("dose_above_adjusted", "talazoparib") not in alerts


def test_the_abemaciclib_interaction_alert_names_the_doses() -> None:
    alerts = alerts_by_pair(
        _case(
            [{"drug": "abemaciclib", "dose_mg": 150}, {"drug": "letrozole", "dose_mg": 2.5}], ["itraconazole"]
        )
    )
    text = alerts[("cdk46_strong_cyp3a_inhibitor", "abemaciclib")].clinician
    assert "100 mg twice daily" in text and "50 mg twice daily" in text and "ketoconazole" in text


def test_the_e39_order_panel_shows_the_cut_for_both_cdk46_orders() -> None:
    data = _case(
        [
            {"drug": "letrozole", "dose_mg": 2.5},
            {"drug": "ribociclib", "dose_mg": 600},
            {"drug": "abemaciclib", "dose_mg": 150},
        ],
        ["amiodarone", "citalopram", "itraconazole"],
    )
    result = assess(parse_case(data))
    rows = {row.drug: row for row in result.proposed_orders}
    for drug in ("ribociclib", "abemaciclib"):
        assert "dose_above_adjusted" in rows[drug].alerts, (drug, rows[drug].alerts)


# ---------------------------------------------------------------- #8: Dato-DXd liver


def _datodxd_alerts(bilirubin: float) -> dict[tuple[str, str], Any]:
    data = _case(
        [{"drug": "datopotamab deruxtecan", "dose_mg_kg": 6}],
        [],
        bilirubin_mg_dl=bilirubin,
        bilirubin_uln_mg_dl=1.2,
    )
    return alerts_by_pair(data)


def test_datodxd_at_bilirubin_2x_uln_warns_of_limited_data_and_monitoring() -> None:
    alert = _datodxd_alerts(2.4)[("hepatic_dose_adjustment", "datopotamab deruxtecan")]
    assert alert.severity == "warning"
    assert "fda-label-datopotamab-deruxtecan" in alert.sources
    assert "2.0 x ULN" in alert.clinician and "monitor" in alert.clinician.lower()
    assert reading_grade(alert.public) <= MAX_PUBLIC_GRADE


def test_datodxd_above_3x_uln_says_no_dose_is_established() -> None:
    alert = _datodxd_alerts(4.2)[("hepatic_dose_adjustment", "datopotamab deruxtecan")]
    assert "3.5 x ULN" in alert.clinician and "not established" in alert.clinician


def test_datodxd_at_bilirubin_1_5x_uln_or_below_has_no_hepatic_alert() -> None:
    assert ("hepatic_dose_adjustment", "datopotamab deruxtecan") not in _datodxd_alerts(1.8)
