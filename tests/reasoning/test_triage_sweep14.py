"""Misses of the fourteenth triage sweep, each written again in other words, with near misses that must keep
their reading.

- Breathless on T-DXd or Dato-DXd with an oxygen saturation of 91% or less: NEWS2 (RCP 2017) scores
  SpO2 <= 91% three points on its own, the single-parameter trigger for an urgent clinical response, so
  suspected pneumonitis with it is an emergency (below 90% it already was). 92% or more stays urgent.
"""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.reasoning.triage import triage

# ------------------------- 1. breathless on T-DXd / Dato-DXd with SpO2 <= 91% (NEWS2, RCP 2017)

LOW_SATS_ON_ADC = [
    "on enhertu, new dry cough and getting more and more breathless, my sats monitor says 91%",
    "I'm on Enhertu and I'm more breathless every day, sats 91",
    "on datroway, short of breath and a cough, oxygen sats are 91%",
    "breathless on T-DXd and my oxygen saturation is 90%",
]


@pytest.mark.parametrize("text", LOW_SATS_ON_ADC)
def test_breathless_on_deruxtecan_with_sats_91_or_less_is_an_emergency(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("pneumonitis") == "emergency", (text, result.red_flags, result.matched)
    assert result.urgency == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "on enhertu, new dry cough and a bit breathless, my sats monitor says 95%",
        "on enhertu, slightly breathless, sats 92",
    ],
)
def test_breathless_on_deruxtecan_with_sats_92_or_more_stays_urgent(text: str) -> None:
    assert _codes(text).get("pneumonitis") == "urgent", (text, triage(text).red_flags)


def test_sats_91_without_breathlessness_or_deruxtecan_is_not_pneumonitis_emergency() -> None:
    text = "my sats were 91 at the GP, no cough, no breathlessness, on letrozole"
    assert _codes(text).get("pneumonitis") != "emergency", (text, triage(text).red_flags)


# ------------------------- 2. hiccups on and off for two days or more (persistent hiccups, > 48 hours)


@pytest.mark.parametrize(
    "text",
    ["hiccups on and off for 2 days now", "I've had hiccups coming and going for three days"],
)
def test_hiccups_on_and_off_for_days_are_persistent(text: str) -> None:
    assert _codes(text).get("persistent_hiccups") == "urgent", (text, triage(text).matched)


def test_hiccups_once_a_few_days_ago_are_not_persistent() -> None:
    text = "had hiccups once a few days ago, gone now"
    assert "persistent_hiccups" not in _codes(text), (text, triage(text).red_flags)
