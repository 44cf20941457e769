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


# ------------------------- 3. numb chin or lower lip (numb chin syndrome: mental nerve, jaw, skull-base or
# leptomeningeal metastasis; EANO-ESMO 2017 cranial neuropathies)


@pytest.mark.parametrize(
    "text",
    [
        "my chin and lower lip on the left have gone numb over the past few days",
        "the left side of my lower lip has gone numb this week",
        "part of my chin on the right has been numb since monday",
    ],
)
def test_numb_chin_or_lower_lip_is_urgent(text: str) -> None:
    assert _codes(text).get("leptomeningeal_disease") == "urgent", (text, triage(text).matched)


def test_no_numb_chin_stays_routine() -> None:
    text = "my chin has a small spot on it, no numbness"
    assert "leptomeningeal_disease" not in _codes(text), (text, triage(text).red_flags)


# ------------------------- 4. nosebleeds on chemotherapy that stopped (a same-day platelet count)


@pytest.mark.parametrize(
    "text",
    [
        "had a couple of nosebleeds this week that stopped after about 10 minutes, on chemo",
        "on paclitaxel and my nose bled twice yesterday, it stopped on its own",
    ],
)
def test_nosebleeds_on_chemotherapy_are_urgent(text: str) -> None:
    assert _codes(text).get("bleeding_bruising") == "urgent", (text, triage(text).matched)


def test_nosebleed_without_chemotherapy_or_denied_is_not_flagged() -> None:
    for text in ["no nosebleeds, on chemo, feeling ok", "I had a nosebleed as a child"]:
        assert "bleeding_bruising" not in _codes(text), (text, triage(text).red_flags)


# ------------------------- 5. swollen ankles on docetaxel (fluid retention, docetaxel label)


@pytest.mark.parametrize(
    "text",
    [
        "both ankles swelling up more each day this week, on docetaxel",
        "my feet and ankles are puffy since starting taxotere",
    ],
)
def test_swollen_ankles_on_docetaxel_are_urgent(text: str) -> None:
    assert _codes(text).get("heart_failure") == "urgent", (text, triage(text).matched)
    assert "docetaxel" in " ".join(f.clinician for f in triage(text).red_flags).lower()


def test_swollen_ankles_on_letrozole_alone_are_not_heart_failure() -> None:
    text = "my ankles are a bit swollen in the evening, on letrozole"
    assert "heart_failure" not in _codes(text), (text, triage(text).red_flags)


# ------------------------- 6. white coating on the tongue with painful eating (oral thrush or mucositis)


@pytest.mark.parametrize(
    "text",
    [
        "white coating on my tongue and it hurts to eat, on chemo",
        "white patches in my mouth and eating is painful",
    ],
)
def test_white_tongue_with_painful_eating_is_urgent(text: str) -> None:
    assert _codes(text).get("severe_mucositis") == "urgent", (text, triage(text).matched)


def test_white_tongue_without_pain_is_not_mucositis() -> None:
    text = "slight white coating on my tongue in the morning, eating fine, on letrozole"
    assert "severe_mucositis" not in _codes(text), (text, triage(text).red_flags)


# ------------------------- 7. still feeling sick despite anti-sickness medicine (UKONS v3 nausea amber)


@pytest.mark.parametrize(
    "text",
    [
        "still feeling sick despite the anti-sickness tablets, 3 days after chemo, managing to drink",
        "the anti-sickness pills aren't working, I feel sick all the time since chemo",
    ],
)
def test_nausea_despite_antiemetics_is_urgent(text: str) -> None:
    assert _codes(text).get("severe_vomiting") == "urgent", (text, triage(text).matched)


def test_nausea_settled_by_antiemetics_is_not_flagged() -> None:
    text = "felt a bit sick after chemo but the anti-sickness tablets helped"
    assert "severe_vomiting" not in _codes(text), (text, triage(text).red_flags)
