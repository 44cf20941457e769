"""Findings of a patient advocate's voice review (scratch-voice report items 1, 2, 10, 11, 13), each written
again in other words, with near misses that must keep their reading.

- Saying one cannot breathe, or cannot catch one's breath even at rest, is an emergency (UKONS v3
  breathlessness red: at rest; the pleural-effusion flag's own text says "if you cannot catch your breath,
  call 911"). A blocked nose, or breathlessness on the stairs, is not.
- "won't go away", "won't shift", "won't settle" say a symptom persists; they do not negate the words after
  them, so a medicine named later (Enhertu) still counts. The "not present" list names symptoms only, never
  medicines or other context.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from mbcnav.cli import app
from mbcnav.reasoning.triage import triage

# ------------------------- 1. cannot breathe / cannot catch one's breath at rest: emergency

CANT_BREATHE = [
    "I can't breathe",
    "I can't breathe at all, gasping",
    "I can't catch my breath even sitting down",
    "cannot breathe properly and I'm scared",
    "I cant breath",
    "mum says she can't get her breath even resting in her chair",
    "unable to breathe, please help",
]


@pytest.mark.parametrize("text", CANT_BREATHE)
def test_cannot_breathe_is_an_emergency(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags, result.matched)
    assert "911" in result.red_flags[0].public, result.red_flags[0].public
    assert "ukons-triage-v3" in result.red_flags[0].sources


@pytest.mark.parametrize(
    "text",
    [
        "I can't breathe through my nose, blocked",
        "short of breath on the stairs",
        "can't catch my breath after climbing the hill",
        "I can't take a deep breath without it hurting",
        "my nose is so stuffy I can't breathe at night",
        "I still can't catch my breath after the stairs",
        "can't breathe lying flat, need 3 pillows",
    ],
)
def test_a_blocked_nose_or_breathlessness_on_effort_is_not_an_emergency(text: str) -> None:
    result = triage(text)
    assert result.urgency != "emergency", (text, result.red_flags, result.matched)


def test_cannot_breathe_says_to_call_now_in_plain_words() -> None:
    flag = triage("I can't breathe").red_flags[0]
    assert flag.code == "respiratory_distress"
    assert "cannot breathe" in flag.public.lower() and "now" in flag.public.lower(), flag.public


# ------------------------- 2. "won't go away" is persistence, not negation; "not present" lists symptoms only

PERSISTING_ON_TDXD = [
    "I have a dry cough that won't go away since starting enhertu",
    "dry cough that won't shift, I'm on enhertu",
    "my cough won't settle down since I started T-DXd",
    "cough that won't clear up and I'm on trastuzumab deruxtecan",
]


@pytest.mark.parametrize("text", PERSISTING_ON_TDXD)
def test_a_persisting_cough_on_tdxd_keeps_the_pneumonitis_warning(text: str) -> None:
    result = triage(text)
    codes = {f.code for f in result.red_flags}
    assert "pneumonitis" in codes, (text, codes, result.negated)
    assert not any("enhertu" in n.lower() or "t-dxd" in n.lower() for n in result.negated), result.negated


@pytest.mark.parametrize(
    "text",
    [
        "no cough since starting enhertu",
        "I'm on enhertu and I don't have a cough",
    ],
)
def test_a_denied_cough_on_tdxd_stays_denied(text: str) -> None:
    result = triage(text)
    assert "pneumonitis" not in {f.code for f in result.red_flags}, (text, result.red_flags)


def test_the_not_present_list_never_names_a_medicine() -> None:
    # "not on enhertu any more": the medicine is negated, but the list is for symptoms
    result = triage("no fever, not on chemotherapy or enhertu any more")
    assert "fever" in " ".join(result.negated), result.negated
    assert not any(n.startswith("on ") for n in result.negated), result.negated


def test_the_cli_public_voice_says_what_we_understood_is_absent() -> None:
    out = CliRunner().invoke(app, ["triage", "no fever but my back aches"]).output
    assert "We understood that you do not have: fever" in out, out
    assert "Read as 'not present'" not in out
    clinician = (
        CliRunner().invoke(app, ["triage", "no fever but my back aches", "--audience", "clinician"]).output
    )
    assert "Read as 'not present': fever" in clinician, clinician


# ------------------------- 3. low mood in other words: the low-mood concepts (NICE NG222 core questions)


def test_sad_with_no_wish_to_do_anything_is_severe_distress() -> None:
    # low mood and loss of interest together: the existing severe_distress rule (low_mood + anhedonia)
    for text in (
        "I feel sad and I don't want to do anything anymore",
        "feeling so sad, can't be bothered with anything",
    ):
        result = triage(text)
        assert {f.code for f in result.red_flags} == {"severe_distress"}, (
            text,
            result.red_flags,
            result.matched,
        )


@pytest.mark.parametrize(
    "text", ["stopped enjoying anything", "no point anymore", "I've given up", "I feel sad all the time"]
)
def test_low_mood_said_alone_gets_the_low_mood_reply(text: str) -> None:
    result = triage(text)
    assert result.urgency == "routine", (text, result.red_flags)
    public = result.advice.public
    assert "cancer team soon" in public and "988" in public, (text, public)


@pytest.mark.parametrize(
    "text", ["I've given up smoking", "I don't want anything to eat", "gave up coffee last month"]
)
def test_giving_up_a_habit_or_not_wanting_food_is_not_low_mood(text: str) -> None:
    result = triage(text)
    assert "988" not in result.advice.public, (text, result.matched)


def test_giving_up_with_a_store_of_pills_is_still_an_emergency() -> None:
    result = triage("I've given up, I've been saving my oxycodone")
    assert result.urgency == "emergency", (result.red_flags, result.matched)
