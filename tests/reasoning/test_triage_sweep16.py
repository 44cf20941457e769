"""Misses of the sixteenth triage sweep, each written again in other words, with near misses that must keep
their reading.

- "Everyone would be better off if I wasn't here" is a passive wish to be dead (the ASQ asks whether the
  family would be better off if you were dead): alone urgent (ASQ non-acute positive, same-day safety
  check); with a plan ("worked out how I'd do it") an emergency (ASQ acute positive). Someone else being
  better off somewhere, or the person being away on a day, stays routine.
- A temperature of 37.5-37.9 C on treatment that can lower the white cells, with feeling generally unwell
  in everyday words ("grotty", "rough", "rotten", "aching all over"): suspected neutropenic sepsis, an
  emergency (NICE CG151; UKONS v3: two ambers make a red). The temperature alone stays urgent, and the
  words alone raise nothing.
- New pain after a fall, or rib pain on breathing, with known bone metastases: a possible pathological
  fracture, urgent (ESMO bone health 2014), as hip pain on walking already is. Falling asleep, a count that
  fell, or a fall with no pain stay routine.
- A relative's event set against the writer's own fear ("my grandma broke her hip from bone cancer and I'm
  scared the same will happen to me"): the relative is not the patient, so routine. A carer's "my wife broke
  her hip" with no such comparison, and the writer's own symptoms said alongside, keep their reading.
"""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.reasoning.triage import triage

# ------------------------- 1. "better off if I wasn't here": a passive death wish (ASQ)

BETTER_OFF_WITHOUT_ME = [
    "everyone would be better off if I wasn't here",
    "my family would be better off if I was gone",
    "I think my family would be better off if I wasn't around anymore",
    "everyone would be better off if I was not here",
    "they'd all be better off with me gone",
    "wish I could go to sleep and not wake up",
]


@pytest.mark.parametrize("text", BETTER_OFF_WITHOUT_ME)
def test_better_off_if_i_was_not_here_alone_is_urgent(text: str) -> None:
    assert _codes(text).get("suicidal_ideation") == "urgent", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "I keep thinking everyone would be better off if I wasn't here. I've worked out how I'd do it.",
        "my family would be better off if I was gone, I know how I'd do it",
        "they'd be better off with me gone, I've planned how",
        "I wish I could go to sleep and not wake up, I've worked out how",
    ],
)
def test_better_off_without_me_with_a_plan_is_an_emergency(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags)
    assert _codes(text).get("suicidal_ideation") == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "the kids are better off at their gran's today",
        "we'd be better off if I wasn't here on Tuesday for the delivery",
        "you'd be better off if I was at home resting",
        "I'd be better off if I was not on chemo",
        "my husband would be better off if I was gone for the weekend, he needs a rest",
    ],
)
def test_someone_better_off_elsewhere_stays_routine(text: str) -> None:
    result = triage(text)
    assert result.urgency == "routine", (text, result.red_flags, result.matched)


# ------------------------- 2. 37.5-37.9 C on treatment with feeling generally unwell (NICE CG151, UKONS v3)


@pytest.mark.parametrize(
    "text",
    [
        "hi, on abemaciclib and fulvestrant, temp 37.9 this evening and I feel really grotty, "
        "aching all over",
        "on palbociclib, temp 37.6 and feeling rough",
        "on paclitaxel temp 37.7 and I feel rotten",
        "temp 37.8 on capecitabine, whole body aches",
        "ribociclib and letrozole, temperature 37.5, achy all over",
    ],
)
def test_low_grade_temperature_with_feeling_unwell_on_treatment_is_an_emergency(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("febrile_neutropenia") == "emergency", (text, result.red_flags)
    assert "ukons-triage-v3" in {s for f in result.red_flags for s in f.sources}


@pytest.mark.parametrize(
    "text",
    [
        "on abemaciclib and fulvestrant, temp 37.9 this evening",
        "on palbociclib, temp 37.6 and feel fine otherwise",
    ],
)
def test_low_grade_temperature_alone_on_treatment_stays_urgent(text: str) -> None:
    assert _codes(text).get("febrile_neutropenia") == "urgent", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "aching all over on palbociclib",
        "feel really grotty on letrozole",
        "on ribociclib, 37.6 and the skin on my hands feels rough",
    ],
)
def test_feeling_rough_without_a_raised_temperature_is_not_an_emergency(text: str) -> None:
    assert triage(text).urgency != "emergency", (text, triage(text).red_flags)


# ------------------------- 3. new pain at a bone metastasis after a fall or on breathing (ESMO bone 2014)


@pytest.mark.parametrize(
    "text",
    [
        "had a fall yesterday and my wrist is swollen and really painful, i have bone mets",
        "I fell over in the garden and my shoulder is really sore, I have bone secondaries",
        "tripped on the stairs this morning, my hip hurts a lot, cancer is in my bones",
        "I slipped on the ice, my ribs hurt, bone mets",
        "ribs on my left side really hurt when I breathe in or cough, I have bone mets there, "
        "no breathlessness",
        "my ribs hurt when I take a breath, I have rib mets",
    ],
)
def test_new_pain_after_a_fall_or_on_breathing_with_bone_mets_is_urgent(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("pathologic_fracture_risk") == "urgent", (text, result.red_flags, result.matched)
    assert result.urgency == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "my hair is falling out and my scalp is sore, bone mets",
        "had a fall last week, I'm fine, no pain, I have bone mets",
        "my ribs are fine but my head hurts, bone mets",
        "my calcium fell and my legs ache, bone mets",
        "had a fall yesterday, bruised knee, sore",
    ],
)
def test_a_fall_without_pain_or_bone_mets_raises_no_fracture_flag(text: str) -> None:
    assert "pathologic_fracture_risk" not in _codes(text), (text, triage(text).red_flags)


def test_a_fall_with_a_leg_that_takes_no_weight_is_still_an_emergency() -> None:
    text = "I fell over and now I can't put any weight on my leg, I have bone mets"
    assert _codes(text).get("pathologic_fracture_risk") == "emergency", (text, triage(text).red_flags)


# ------------------------- 4. a relative's event compared with the writer's own fear is not the patient's


@pytest.mark.parametrize(
    "text",
    [
        "my grandma broke her hip from bone cancer and I'm scared the same will happen to me. "
        "my bones are fine right now",
        "my mum broke her hip from bone cancer, will I get the same thing too?",
        "my sister had cord compression and I'm terrified it will happen to me",
        "my aunt had a seizure from brain mets, I'm worried that will happen to me",
    ],
)
def test_a_relatives_event_the_writer_fears_for_themselves_is_routine(text: str) -> None:
    result = triage(text)
    assert result.urgency == "routine", (text, result.red_flags, result.matched)


@pytest.mark.parametrize(
    ("text", "code", "urgency"),
    [
        ("my grandma broke her hip", "pathologic_fracture_risk", "emergency"),
        ("my wife broke her hip this morning", "pathologic_fracture_risk", "emergency"),
        (
            "my mum fractured her hip and I'm worried that will happen to me, my hip hurts when I walk, "
            "I have bone mets",
            "pathologic_fracture_risk",
            "urgent",
        ),
        (
            "my sister had a seizure and I'm scared it will happen to me, and I've just had a fit myself",
            "seizure",
            "emergency",
        ),
    ],
)
def test_a_carers_report_and_the_writers_own_symptoms_keep_their_reading(
    text: str, code: str, urgency: str
) -> None:
    assert _codes(text).get(code) == urgency, (text, triage(text).red_flags)
