"""What the eighth web tester found triage missing, each situation written again in other words, with
near misses that must keep their reading.

- A store of tablets with a plan to take them all (whatever the tablets are called: "sleeping tablets"),
  or a wish to die with the means ready ("I have my pills ready"), is an ASQ acute positive: intent with
  a plan and means, an emergency (nimh-asq-toolkit).
- Numb legs with spinal metastases, and not feeling when the bladder is full, are neurological signs of
  metastatic spinal cord compression: act now (nice-ng234-mscc).
- Breathlessness that stops a person finishing a sentence, or leaves only a few words at a time, is
  severe respiratory distress (ukons-triage-v3: speaking in words only is red); speech trouble that the
  writer puts down to breathlessness is not a stroke sign.
- Too weak to get out of bed or needing help to the toilet is fatigue limiting self-care (ctcae-v5
  fatigue grade 3; oken-1982-ecog); hiccups from one named day to another two or more days later are
  persistent (chang-lu-2012-hiccup: > 48 hours); "can't cope anymore", or overwhelmed and not coping, is
  severe distress (nice-ng222-depression, nccn-distress-management).
"""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.reasoning.triage import triage

# ----------------------------------- 1. a plan with stored tablets, or the means ready (nimh-asq-toolkit)

PLAN_WITH_MEANS = [
    # the tester's own messages
    "I have saved up my sleeping tablets and I'm going to take them all tonight",
    "I have saved up my sleeping pills and I'm going to take them all tonight",
    "I keep thinking everyone would be better off without me and I have my pills ready",
    # paraphrases
    "I've been stockpiling my zopiclone and tonight I'm going to swallow them all",
    "there's no point any more, I've got my tablets ready",
    "I wish I was dead, my painkillers are all lined up ready",
    "I've stashed my sleeping tablets and I plan to take the lot tomorrow",
]


@pytest.mark.parametrize("text", PLAN_WITH_MEANS)
def test_a_plan_with_stored_tablets_or_the_means_ready_is_suicidal_intent(text: str) -> None:
    assert _codes(text).get("suicidal_ideation") == "emergency", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "my sleeping tablets aren't working",
        "I keep my tablets in the fridge and take them all together",
        "I have my pills ready for the morning in a dosette box",
        "I've saved up my old morphine tablets and I'm going to take them all back to the pharmacy",
        "I'm going to take them all tonight",
    ],
)
def test_tablets_without_a_death_wish_or_hoard_with_a_plan_are_not_an_emergency(text: str) -> None:
    assert triage(text).urgency != "emergency", (text, triage(text).red_flags)


# --------------------------------------- 2. numb legs with spine metastases, bladder sensation lost (NG234)

CORD_SIGNS = [
    # the tester's own messages
    "my legs went numb and I can't feel when I need to wee, I have spine mets",
    "numb legs, spine mets",
    "she can't feel when she needs to wee and her legs went numb this morning, she has cancer in her spine",
    # paraphrases
    "I have cancer in my spine and both my thighs have gone numb",
    "my legs feel dead and numb, the cancer has spread to my spine",
    "I don't know when I need to pee any more, I can't feel it",
    "he can't feel when his bladder is full any more",
]


@pytest.mark.parametrize("text", CORD_SIGNS)
def test_numb_legs_with_spine_metastases_or_lost_bladder_feeling_is_cord_compression(text: str) -> None:
    assert _codes(text).get("spinal_cord_compression") == "emergency", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "I have spine mets, my feet are numb from the paclitaxel",
        "my legs are numb from sitting cross-legged",
        "I need to wee a lot at night",
        "I can feel when I need to wee but it stings",
    ],
)
def test_numb_feet_on_a_taxane_or_everyday_bladder_words_are_not_cord_compression(text: str) -> None:
    assert _codes(text).get("spinal_cord_compression") != "emergency", (text, triage(text).red_flags)


# --------------------------------- 3. too breathless to speak in sentences (ukons-triage-v3), not a stroke

TOO_BREATHLESS_TO_SPEAK = [
    # the tester's own messages
    "I'm too breathless to finish a sentence",
    "I'm so breathless I can only say a few words at a time",
    "I can't speak in full sentences because I'm so out of breath",
    # paraphrases
    "too out of breath to get a sentence out",
    "she's so short of breath she can only manage a couple of words",
    "I can't talk, I'm so out of breath",
]


@pytest.mark.parametrize("text", TOO_BREATHLESS_TO_SPEAK)
def test_breathlessness_that_stops_speech_is_respiratory_distress_not_a_stroke(text: str) -> None:
    codes = _codes(text)
    assert codes.get("respiratory_distress") == "emergency", (text, triage(text).red_flags)
    assert "focal_neurologic_deficit" not in codes, (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "she can't speak and her face is drooping",
        "his speech is slurred and he is a bit breathless",
        "she suddenly can't speak properly",
    ],
)
def test_speech_trouble_without_breathlessness_or_with_a_drooping_face_stays_a_stroke_sign(text: str) -> None:
    assert _codes(text).get("focal_neurologic_deficit") == "emergency", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text", ["I get a bit breathless on the stairs", "I can only say a few words in French"]
)
def test_mild_breathlessness_or_a_few_words_alone_is_not_respiratory_distress(text: str) -> None:
    assert "respiratory_distress" not in _codes(text), (text, triage(text).red_flags)


# ---------------------------------------------------------------- 4. urgent codes in other words

SEVERE_FATIGUE = [
    "she's been too weak to get out of bed for two days and needs help to the toilet",
    "so exhausted I can barely get to the toilet",
    "I'm too weak to get out of bed",
    "so tired I need help getting to the loo",
]


@pytest.mark.parametrize("text", SEVERE_FATIGUE)
def test_weakness_or_tiredness_that_stops_getting_up_or_to_the_toilet_is_severe_fatigue(text: str) -> None:
    assert _codes(text).get("severe_fatigue") == "urgent", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "I'm too weak to lift the shopping",
        "I help mum to the toilet at night",
        "a bit tired after work today",
    ],
)
def test_everyday_tiredness_or_helping_someone_else_is_not_severe_fatigue(text: str) -> None:
    assert "severe_fatigue" not in _codes(text), (text, triage(text).red_flags)


HICCUPS_DAYS = [
    "I've had hiccups since Sunday and it's Wednesday now",
    "hiccups started on Monday and today is Thursday and they still won't go",
    "hiccups since last Friday",
    "the hiccups began Tuesday and it's Saturday",
]


@pytest.mark.parametrize("text", HICCUPS_DAYS)
def test_hiccups_from_one_named_day_to_one_two_days_later_are_persistent(text: str) -> None:
    assert _codes(text).get("persistent_hiccups") == "urgent", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    ["I've had hiccups since Sunday and it's Monday now", "I had hiccups on Tuesday", "hiccups on and off"],
)
def test_hiccups_for_less_than_two_named_days_are_not_persistent(text: str) -> None:
    assert "persistent_hiccups" not in _codes(text), (text, triage(text).red_flags)


NOT_COPING = [
    "I feel completely overwhelmed and can't cope anymore",
    "I just can't cope any more",
    "I'm overwhelmed and not coping at all",
    "I cannot cope any longer",
]


@pytest.mark.parametrize("text", NOT_COPING)
def test_not_coping_anymore_is_severe_distress(text: str) -> None:
    assert _codes(text).get("severe_distress") == "urgent", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "I can't cope with the heat anymore",
        "I can't cope with the hot flushes any more",
        "struggling to cope with work",
    ],
)
def test_not_coping_with_a_named_nuisance_is_routine(text: str) -> None:
    assert triage(text).urgency == "routine", (text, triage(text).red_flags)
