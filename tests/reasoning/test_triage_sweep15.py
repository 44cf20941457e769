"""Misses of the fifteenth triage sweep, each written again in other words, with near misses that must keep
their reading.

- Eating much less than usual for days with weakness, wobbliness or dizziness: UKONS v3 anorexia amber
  (oral intake altered) with a sign the body is running low - review within 24 hours. A day off food, a
  poor appetite while still eating, or no hunger this morning stays routine.
- Low mood with crying and suicide denied: routine is defensible (ASQ negative), but the routine reply must
  still point to support - telling the cancer team soon rather than at the next visit, a counselor, and
  988 if thoughts of self-harm come (NICE NG222; ASCO 2023 stepped care). It already does; this holds it.
"""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.reasoning.triage import triage

# ------------------------- 1. eating much less for days with weakness or dizziness (UKONS v3 anorexia amber)

LOW_INTAKE_DAYS_WEAK = [
    "not eating much for about 4 days, feel weak and wobbly, managing some drinks",
    "I've hardly eaten anything for 3 days and I feel so weak",
    "barely eating for the past week, feeling weak and a bit dizzy",
    "off my food for days now and I feel all wobbly, still drinking",
    "eating much less than usual for a few days, feel weak and shaky",
]


@pytest.mark.parametrize("text", LOW_INTAKE_DAYS_WEAK)
def test_eating_much_less_for_days_with_weakness_is_urgent(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent", (text, result.red_flags, result.matched)
    assert "ukons-triage-v3" in {s for f in result.red_flags for s in f.sources}


@pytest.mark.parametrize(
    "text",
    [
        "a bit off my food today",
        "appetite not great since chemo but eating ok",
        "not hungry this morning",
        "not eating much for a few days but I feel fine in myself",
        "I felt weak after my walk, eating normally",
    ],
)
def test_a_poor_appetite_without_days_and_weakness_stays_routine(text: str) -> None:
    result = triage(text)
    assert result.urgency == "routine", (text, result.red_flags, result.matched)


def test_no_fluids_kept_down_for_a_day_is_still_an_emergency() -> None:
    text = "throwing up since yesterday, can't keep any fluids down"
    assert _codes(text).get("severe_vomiting") == "emergency", (text, triage(text).red_flags)


# ------------------------- 2. low mood, suicide denied: routine, but the reply points to support (NICE NG222)


def test_low_mood_with_suicide_denied_points_to_the_care_team() -> None:
    text = (
        "I feel so low, crying every day, I've stopped enjoying anything, "
        "but I'm not going to do anything silly"
    )
    result = triage(text)
    assert result.urgency in {"routine", "urgent"}, (text, result.red_flags)
    public = result.advice.public.lower()
    assert "cancer team" in public and "988" in public, public
    assert "not only at your next visit" in public or result.urgency == "urgent", public
