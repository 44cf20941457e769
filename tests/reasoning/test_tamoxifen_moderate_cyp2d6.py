"""Tamoxifen with a moderate CYP2D6 inhibitor (Sideras, JCO 2010; Hansten 2018): a warning that names the
partner and the alternatives, never raised for the agents the guides recommend instead."""

from __future__ import annotations

import pytest

from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess

CASE = {
    "patient": {"age": 47, "sex": "F", "menopausal": "pre", "weight_kg": 64, "height_cm": 163, "ecog": 0},
    "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 60, "her2_ihc": "0"},
    "metastatic_sites": ["bone"],
    "current_treatment": [{"drug": "tamoxifen"}],
    "line": 1,
}


def _alerts(meds: list[str]) -> dict[str, tuple[str, ...]]:
    result = assess(parse_case({**CASE, "current_meds": meds}))
    return {a.code: a.partners for a in result.safety_alerts if a.drug == "tamoxifen"}


@pytest.mark.parametrize(("given", "canonical"), [("Cymbalta", "duloxetine"), ("cinacalcet", "cinacalcet")])
def test_moderate_cyp2d6_inhibitor_with_tamoxifen_warns_sideras_2010(given: str, canonical: str) -> None:
    alerts = _alerts([given])
    assert alerts.get("tamoxifen_moderate_cyp2d6_inhibitor") == (canonical,)
    assert "tamoxifen_cyp2d6_inhibitor" not in alerts  # the strong-inhibitor alert stays for strong ones


@pytest.mark.parametrize("alternative", ["venlafaxine", "escitalopram", "citalopram"])
def test_the_recommended_alternatives_raise_no_cyp2d6_alert_hansten_2018(alternative: str) -> None:
    alerts = _alerts([alternative])
    assert not {"tamoxifen_moderate_cyp2d6_inhibitor", "tamoxifen_cyp2d6_inhibitor"} & alerts.keys()


def test_a_strong_inhibitor_keeps_the_strong_alert_only() -> None:
    alerts = _alerts(["paroxetine"])
    assert "tamoxifen_cyp2d6_inhibitor" in alerts
    assert "tamoxifen_moderate_cyp2d6_inhibitor" not in alerts
