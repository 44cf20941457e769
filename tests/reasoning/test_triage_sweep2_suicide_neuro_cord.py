"""Second triage sweep, items 1, 2 and the cord signs of 4: a suicide plan with a time (ASQ acute
positive) and a passive death wish (ASQ non-acute positive), focal seizures with impaired awareness,
reduced consciousness and work of breathing (UKONS v3), pneumonitis on T-DXd with low oxygen, and cord
compression in other words (NICE NG234: foot drop, floppy legs, numbness climbing the legs). Every rule
is tested with wordings of our own, hits and non-hits, not only the sweep's messages."""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _flags

from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess


def _case(symptoms: list[str], drug: str, labs: dict[str, float] | None = None) -> dict:
    case: dict = {"metastatic_sites": ["lung", "bone"], "line": 2, "symptoms": symptoms}
    case["current_treatment"] = [{"drug": drug}]
    if labs:
        case["labs"] = labs
    return case


# ---------------------------------------------------------------- item 1: suicide, ASQ
@pytest.mark.parametrize(
    "text",
    [
        "I've written letters to my kids and I'm going to end it tonight",
        "going to end it tonight",
        "I've decided to end things this weekend",
        "im gonna end it when everyone is asleep",
        "I'm ready to end everything",
    ],
)
def test_intent_to_end_it_is_an_asq_acute_positive_emergency(text: str) -> None:
    assert _flags(text).get("suicidal_ideation") == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "Sometimes I think it'd be easier if I didn't wake up",
        "I hope I don't wake up tomorrow",
        "part of me wishes I would never wake up",
    ],
)
def test_wishing_not_to_wake_up_is_a_passive_death_wish_urgent_asq(text: str) -> None:
    assert _flags(text) == {"suicidal_ideation": "urgent"}


@pytest.mark.parametrize(
    "text",
    [
        "I want to end this treatment",
        "I want to die at home",
        "I'm going to end it with my boyfriend tonight",
        "we are going to end the chemo course early",
        "can I end it early, the chemo course?",
        "I'm going to end my subscription to the gym",
        "it's better if I don't wake the kids when I get up",
        "I'd rather not wake up early for the scan",
        "I hope I don't wake up in pain again",
    ],
)
def test_ending_treatment_or_not_waking_others_is_not_suicidal(text: str) -> None:
    assert "suicidal_ideation" not in _flags(text)


def test_assess_reads_a_plan_for_tonight_as_an_emergency_sweep2_a01() -> None:
    case = _case(["I've written letters to my kids and I'm going to end it tonight"], "letrozole")
    assessment = assess(parse_case(case))
    assert assessment.urgency == "emergency"
    assert assessment.red_flags[0].code == "suicidal_ideation"


# ---------------------------------------------------------------- item 2: focal seizure
@pytest.mark.parametrize(
    "text",
    [
        "he's been having funny turns where he stares and doesn't respond, then smacks his lips",
        "she has staring spells",
        "he zoned out and didn't answer me for a minute",
        "mum keeps going blank and won't respond when I talk to her",
        "she has absence episodes since the brain radiotherapy",
        "Smacking his lips and staring into space",
    ],
)
def test_staring_unresponsive_spells_and_lip_smacking_are_seizures(text: str) -> None:
    assert _flags(text).get("seizure") == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "I stared at the TV and didn't answer the phone",
        "my teenager stares at me and doesn't answer",
        "I had a blank moment and forgot his name",
        "smacking my lips, the cake was delicious",
    ],
)
def test_staring_at_screens_or_tasty_food_is_not_a_seizure(text: str) -> None:
    assert "seizure" not in _flags(text)


# ---------------------------------------------------------------- item 2: reduced consciousness
@pytest.mark.parametrize(
    "text",
    [
        "Mum's not herself, very floppy and can't keep her eyes open",
        "very drowsy and hard to wake",
        "my husband is very hard to rouse this evening",
        "she keeps drifting in and out of consciousness",
        "he's gone all floppy and he's really confused",
    ],
)
def test_reduced_consciousness_is_an_emergency_ukons(text: str) -> None:
    assert _flags(text).get("collapse") == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "I'm so tired I can't keep my eyes open in the evenings",
        "my hair is limp and floppy since chemo",
        "I walk with a limp since the hip op",
    ],
)
def test_tired_eyes_and_limp_hair_are_not_reduced_consciousness(text: str) -> None:
    assert "collapse" not in _flags(text)


# ---------------------------------------------------------------- item 2: work of breathing
@pytest.mark.parametrize(
    "text",
    [
        "breathing is really laboured, can hardly talk, using the muscles in my neck",
        "gasping for breath",
        "I can hardly talk I'm so breathless",
        "his breathing is laboured tonight",
        "she's fighting for air",
    ],
)
def test_signs_of_respiratory_distress_are_an_emergency_ukons(text: str) -> None:
    assert _flags(text).get("respiratory_distress") == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "gasping for a cuppa after the clinic",
        "I use the muscles in my neck at yoga",
        "my mouth is so sore I can hardly talk",
    ],
)
def test_breath_words_in_other_senses_are_not_respiratory_distress(text: str) -> None:
    assert "respiratory_distress" not in _flags(text)


def test_tdxd_with_distress_is_emergency_pneumonitis_and_spo2_92_is_urgent_fda_label_tdxd() -> None:
    distress = assess(
        parse_case(
            _case(
                ["breathing is really laboured, can hardly talk"],
                "trastuzumab deruxtecan",
                {"spo2_percent": 90},
            )
        )
    )
    flags = {f.code: f.urgency for f in distress.red_flags}
    assert flags.get("pneumonitis") == "emergency"
    assert flags.get("respiratory_distress") == "emergency"
    mild = assess(
        parse_case(_case(["more breathless on the stairs"], "trastuzumab deruxtecan", {"spo2_percent": 92}))
    )
    assert {f.code: f.urgency for f in mild.red_flags}.get("pneumonitis") == "urgent"


# ---------------------------------------------------------------- item 4: cord signs, NICE NG234
@pytest.mark.parametrize(
    "text",
    [
        "my dad's got cancer in his backbone and since last night he can't lift his feet properly, "
        "keeps dragging them",
        "her left foot is dragging since yesterday",
        "my legs have gone floppy",
        "My husband's legs have gone floppy, he can't stand at all, he has spinal mets",
        "I can't stand up, my legs won't work",
        "his legs have stopped working",
        "numbness in both feet spreading up to my knees since this morning",
        "backache for a fortnight and now pins and needles creeping up both legs",
        "the tingling is creeping up my legs",
    ],
)
def test_cord_signs_in_other_words_are_emergencies_nice_ng234(text: str) -> None:
    assert _flags(text).get("spinal_cord_compression") == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "the tingling in my fingers is spreading up my hands on paclitaxel",
        "I have to drag the bins out on monday",
        "my legs don't work like they used to",
        "he dragged his feet about going to the clinic",
        "my feet are numb from the chemo",
    ],
)
def test_hand_neuropathy_chores_and_idioms_are_not_cord_compression(text: str) -> None:
    assert _flags(text).get("spinal_cord_compression") != "emergency"
