"""An overdose already taken, of any medicine and whatever the intent, is self-poisoning: an emergency
(NICE NG225, 2022). Found by triage sweep 18's follow-up ("she took an overdose of her tablets on purpose"
read as routine); plans, questions and the past stay as they were."""

from __future__ import annotations

import pytest

from mbcnav.reasoning.triage import triage


@pytest.mark.parametrize(
    "text",
    [
        "she took an overdose of her tablets on purpose",
        "my mum swallowed a whole packet of paracetamol",
        "took an overdose last night, feel ok now",
        "he has taken an OD of his sleeping tablets",
        "I overdosed on my pills an hour ago",
    ],
)
def test_an_overdose_taken_is_an_emergency_against_nice_ng225(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency", (text, result.urgency)
    first = result.red_flags[0]
    assert first.code == "suicidal_ideation"
    assert "911" in first.public and "emergency room" in first.public
    assert "nice-ng225-self-harm-2022" in first.sources


@pytest.mark.parametrize(
    "text",
    [
        "what happens if you take an overdose of letrozole",
        "I took an overdose years ago when I was young, now I feel fine",
        "took my tablets this morning as usual",
        "I never took an overdose",
    ],
)
def test_questions_the_past_and_daily_doses_are_not_an_overdose_now(text: str) -> None:
    result = triage(text)
    assert "suicidal_ideation" not in {f.code for f in result.red_flags}, (text, result.red_flags)


def test_a_plan_to_overdose_keeps_the_suicide_text_not_the_overdose_taken_text() -> None:
    result = triage("I am thinking of taking an overdose")
    assert result.urgency == "emergency"
    assert "988" in result.red_flags[0].public
    assert "Take the packets with you" not in result.red_flags[0].public
