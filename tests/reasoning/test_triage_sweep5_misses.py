"""Two misses of a fifth, untouched triage sweep (100 messages; 85/100 agreed before these fixes):
a large haemoptysis written with words between the verb and "blood" was routine, and a person who
"can't be woken" was only urgent. Near misses keep the everyday readings (a cough and a blood test)."""

from __future__ import annotations

import pytest

from mbcnav.reasoning.triage import triage


@pytest.mark.parametrize(
    "text",
    [
        "coughing up lots of bright red blood, like a cupful",
        "coughing up loads of dark red clots",
        "spitting up some streaks of blood this morning",
        "coughed up a mouthful of fresh blood",
    ],
)
def test_coughing_up_blood_with_words_between_is_an_emergency(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency", text
    assert "pulmonary_embolism" in [f.code for f in result.red_flags]


@pytest.mark.parametrize(
    "text",
    [
        "I have a cough and a blood test tomorrow",
        "cough since my blood transfusion",
        "my cough is bad and my blood pressure is up",
        "coughing up phlegm, blood test was fine",
    ],
)
def test_a_cough_next_to_a_blood_test_is_not_haemoptysis(text: str) -> None:
    assert "pulmonary_embolism" not in [f.code for f in triage(text).red_flags], text


def test_a_blood_test_word_does_not_cancel_real_haemoptysis() -> None:
    assert triage("coughing up blood, had a blood test today").urgency == "emergency"


@pytest.mark.parametrize(
    "text",
    ["my dad cant be woken up properly, hes very drowsy. he has cancer in his brain",
     "she couldnt be roused at all"],
)
def test_a_person_who_cannot_be_woken_is_an_emergency(text: str) -> None:
    assert triage(text).urgency == "emergency", text


def test_being_woken_by_pain_is_not_reduced_consciousness() -> None:
    assert "collapse" not in [f.code for f in triage("I was woken up by the pain").red_flags]


@pytest.mark.parametrize("text", ["mum could not be woken this morning", "she couldnt be roused at all"])
def test_someone_who_could_not_be_woken_is_a_collapse_emergency_whatever_the_time(text: str) -> None:
    assert "collapse" in [f.code for f in triage(text).red_flags], text


@pytest.mark.parametrize(
    "text",
    ["I hope I wont be woken by the pain tonight", "the baby could not be woken by the noise"],
)
def test_waking_complaints_are_not_a_collapse(text: str) -> None:
    assert "collapse" not in [f.code for f in triage(text).red_flags], text


def test_spinal_pain_with_ascending_tingling_is_an_emergency_per_nice_ng234() -> None:
    text = ("Tingling in both feet that has now moved up to my knees and I keep tripping, plus a new pain "
            "in the middle of my back that's worse lying down")
    result = triage(text)
    assert result.urgency == "emergency"
    assert result.red_flags[0].code == "spinal_cord_compression"
