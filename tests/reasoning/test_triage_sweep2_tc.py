"""Second triage sweep, items 5-7: slang, someone else or the distant past, and codes that fit."""

import pytest

from mbcnav.reasoning.triage import triage


def codes(text: str) -> list[str]:
    return [f.code for f in triage(text).red_flags]


@pytest.mark.parametrize(
    ("text", "urgency", "code"),
    [
        # UKONS v3 red (no fluids kept down): an emergency since sweep 17 (test_s10_triage_sweep17.py)
        ("been chucking up all day and can't keep anything down", "emergency", "severe_vomiting"),
        ("got the trots and feel woozy when I get up", "emergency", "severe_diarrhea_dehydration"),
        ("on the loo every half hour since lunch", "urgent", "severe_diarrhea_dehydration"),
        ("my belly is tight as a drum and I can't zip my jeans", "urgent", "ascites"),
        ("adjusted calcium came back at 3.3 mmol/L", "urgent", "hypercalcemia"),
        ("some bleeding from down below, on tamoxifen", "urgent", "vaginal_bleeding"),
        ("blood from my bottom and I feel dizzy", "emergency", "gi_bleeding"),
        ("she fainted in the shop", "emergency", "collapse"),
        ("soles of my feet are peeling and blistered on capecitabine", "urgent", "hand_foot_syndrome"),
    ],
)
def test_everyday_and_slang_words_fire(text: str, urgency: str, code: str) -> None:
    result = triage(text)
    assert result.urgency == urgency
    assert code in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "my dog collapsed at the park, poor thing",
        "our cat had a seizure last night",
        "my neighbour is breathless after covid",
        "my grandson has a fever of 38.6, can I babysit while on chemo?",
        "I had a fit as a child, is that relevant?",
        "my brother vomited blood years ago",
        "breathless with anticipation for the wedding",
        "the move nearly killed me",
        "can't remember the name of my steroid",
        "I felt feverish but my temp this morning is 36.8 and I am fine, on anastrozole",
        "I feel a bit faint when I skip lunch",
    ],
)
def test_someone_else_the_past_and_figures_of_speech_stay_routine(text: str) -> None:
    assert triage(text).urgency == "routine"


@pytest.mark.parametrize(
    "text",
    [
        "my wife had a seizure this afternoon",
        "my husband collapsed in the kitchen",
        "my friend says I have passed out twice today",
        "I had a seizure years ago and another one today",
    ],
)
def test_carers_and_present_events_still_fire(text: str) -> None:
    assert triage(text).urgency == "emergency"


def test_seizure_shaking_is_not_rigors_but_fever_shaking_is() -> None:
    assert "febrile_neutropenia" not in codes("my wife had a seizure, shaking all over")
    assert "febrile_neutropenia" in codes("shaking all over, temp 39, on chemo")


def test_rectal_blood_with_faintness_is_gi_bleeding_not_a_heart_rhythm() -> None:
    found = codes("passed lots of blood from my back passage, feel faint")
    assert found[0] == "gi_bleeding"
    assert "arrhythmia_qt_prolongation" not in found


def test_mouth_sores_come_before_leptomeningeal_disease() -> None:
    assert codes("mouth so sore I can't swallow my spit")[0] == "severe_mucositis"


def test_fever_after_chemo_ended_months_ago_is_not_on_treatment() -> None:
    result = triage("temp 38.7, finished chemo 8 months ago")
    assert result.urgency == "urgent"
