"""Triage acceptance sweep, items 1, 2, 3 and 8: cord-compression signs in other words (NICE NG234),
possible neutropenic sepsis without the word "fever" (NICE CG151; The Christie hotline criteria), a
normal neutrophil count that must not wipe out a fever (IDSA 2010: febrile neutropenia needs ANC < 500,
or < 1000 expected to fall), and symptoms the text says have gone. Every rule has hits and non-hits."""

from __future__ import annotations

import pytest
from _helpers import symptom_case as _case
from _helpers import triage_urgencies as _flags

from mbcnav.case import Labs, parse_case
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.triage import triage, triage_case


# ---------------------------------------------------------------- item 1: cord compression, NICE NG234
@pytest.mark.parametrize(
    "text",
    [
        "both legs have gone numb from the waist down and im really scared",
        "numb from the waist down",
        "everything below my waist is numb",
        "Pain in the middle of my back, and I wet myself today without realising",
        "I wet myself",
        "my pee won't come out",
        "my wife cant get out of the chair, her legs wont hold her up, she has cancer in the spine",
        "my legs won't take my weight",
        "i have bone mets in my spine. pain round my ribs like a tight belt and my pee wont come out",
        "she has no control over her bladder now",
    ],
)
def test_cord_compression_signs_in_other_words_are_emergencies_nice_ng234(text: str) -> None:
    assert _flags(text).get("spinal_cord_compression") == "emergency", triage(text).rationale
    assert triage(text).urgency == "emergency"


# Sweep 6 moved these out of the list above: no urine for hours is as often no urine made (dehydration,
# sepsis: NICE NG51) as urine held in, so alone it stays an emergency under its own title, and is cord
# compression only with back pain, a leg sign or a full bladder (tests/reasoning/test_triage_sweep6.py).
@pytest.mark.parametrize(
    "text", ["haven't passed urine since this morning", "I haven't peed since yesterday"]
)
def test_no_urine_for_hours_alone_is_an_emergency_without_a_cord_flag(text: str) -> None:
    assert triage(text).urgency == "emergency"
    assert "spinal_cord_compression" not in _flags(text)


@pytest.mark.parametrize(
    "text",
    [
        "numb tingly fingertips and feet on paclitaxel",
        "I wet myself when I cough or sneeze, had it for years",
        "my grandson wet the bed last night",
        "not passing much urine and I feel dizzy",
        "no pain or burning when I pass urine",
        "I can hold my bladder fine, no leaks",
        "my legs won't hold the baby for long any more",
        "I'm retaining water in my ankles",
        "my seatbelt feels tight round my tummy",
        "pooed myself with the diarrhoea from the capecitabine",
        "I haven't weeded the garden since chemo",
    ],
)
def test_cord_compression_words_with_other_meanings_raise_no_cord_flag(text: str) -> None:
    assert "spinal_cord_compression" not in _flags(text), triage(text).rationale


def test_band_pain_round_the_ribs_is_spinal_pain_urgent_alone_nice_ng234() -> None:
    assert _flags("pain round my ribs like a tight belt") == {"spinal_cord_compression": "urgent"}
    assert (
        _flags("pain round my ribs like a tight belt, legs feel weak")["spinal_cord_compression"]
        == "emergency"
    )


def test_retention_is_read_as_cord_compression_not_only_ascites_kb_bladder_item() -> None:
    text = "haven't passed urine since this morning and my lower tummy is swollen and painful"
    result = triage(text)
    assert result.red_flags[0].code == "spinal_cord_compression" and result.urgency == "emergency"


def test_assess_agrees_on_wetting_oneself_with_spinal_metastases() -> None:
    assessment = assess(parse_case(_case(["I wet myself today without realising"], "letrozole")))
    assert assessment.urgency == "emergency"
    assert assessment.red_flags[0].code == "spinal_cord_compression"


# ---------------------------------------------------------------- item 2: possible neutropenic sepsis
@pytest.mark.parametrize(
    "text",
    [
        "shaking uncontrollably under the duvet, had docetaxel 8 days ago",
        "feel hot and cold, thermometer says 38.2, on capecitabine tablets",
        "Temp 37.8 and I feel dreadful, had paclitaxel last week",
        "temperature only 35.4 and I feel awful and shaky, chemo 6 days ago",
        "feel generally unwell and just not right, had chemo 5 days ago",
        "got the shakes and my teeth are chattering, on eribulin",
    ],
)
def test_possible_neutropenic_sepsis_on_chemo_is_an_emergency_nice_cg151(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency" and result.red_flags[0].code == "febrile_neutropenia", (
        result.rationale
    )


def test_thermometer_reading_counts_as_a_temperature_idsa_2010() -> None:
    assert _flags("thermometer says 38.4") == {"febrile_neutropenia": "urgent"}
    assert _flags("the thermometer read 36.9") == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # feeling rough with 37.5-37.9 C on treatment is suspected neutropenic sepsis (NICE CG151; UKONS v3
        # two ambers make a red: sweep 16), so no longer only urgent
        ("I have a heavy cold and feel rough, my temperature is 37.6, I'm on Ibrance", "emergency"),
        ("I have a heavy cold, my temperature is 37.6, I'm on Ibrance", "urgent"),
        ("temp 37.5 on paclitaxel", "urgent"),
        ("temperature 35.6 on docetaxel", "urgent"),
        ("temperature 35.6 on docetaxel and I feel terrible", "emergency"),
    ],
)
def test_low_grade_or_low_temperature_on_chemo_is_at_least_same_day_christie_hotline(
    text: str, expected: str
) -> None:
    assert _flags(text) == {"febrile_neutropenia": expected}, triage(text).rationale


@pytest.mark.parametrize(
    "text",
    [
        "temp 37.1, feel fine, just checking as I'm on palbociclib",
        "temp 37.8 and I feel fine, no chemo at the moment",
        "Had chemo 10 days ago. No temperature, no shivers, just tired",
        "I feel awful about forgetting my letrozole, on palbociclib",
        "my hands are shaking all the time, nerves I think, on paclitaxel",
        "hot and cold drinks hurt my teeth on capecitabine",
        "I'm not feeling unwell at all after chemo",
        "that's not right, my appointment was Tuesday, chemo next week",
    ],
)
def test_sepsis_sign_words_with_other_meanings_or_no_treatment_stay_routine(text: str) -> None:
    assert triage(text).urgency == "routine", triage(text).rationale


def test_rigors_alone_are_a_fever_sign_urgent() -> None:
    assert _flags("I'm shivering and shaking uncontrollably") == {"febrile_neutropenia": "urgent"}


def test_assess_agrees_on_unwell_and_low_grade_fever_on_chemo_cases_c02_c14() -> None:
    c02 = assess(parse_case(_case(["temp 37.8 and I feel dreadful"], "paclitaxel")))
    c14 = assess(parse_case(_case(["feel generally unwell and just not right"], "docetaxel")))
    for assessment in (c02, c14):
        assert assessment.urgency == "emergency"
        assert assessment.red_flags[0].code == "febrile_neutropenia"
    # the same words without treatment that lowers the counts raise nothing
    assert (
        triage_case(parse_case(_case(["feel generally unwell and just not right"], "letrozole"))).red_flags
        == ()
    )
    assert triage_case(parse_case(_case(["temp 37.6"], "paclitaxel"))).urgency == "urgent"


# ---------------------------------------------------------------- item 3: a normal ANC keeps the fever
def test_a_normal_anc_does_not_wipe_out_a_fever_idsa_2010() -> None:
    assert _flags("temp 38.6", Labs(anc_per_ul=3500)) == {"fever_on_treatment": "urgent"}
    # rigors with a high fever are a sepsis sign: emergency whatever the count
    assert _flags("temp 39.5 and shivering", Labs(anc_per_ul=2500)) == {"fever_on_treatment": "emergency"}


def test_fever_with_anc_3500_on_chemo_is_not_febrile_neutropenia_and_text_and_case_agree_c15() -> None:
    text = _flags("fever 38.6, neutrophils 3.5, on paclitaxel")
    case = assess(parse_case(_case([], "capecitabine", {"temp_c": 38.6, "anc_per_ul": 3500})))
    assert text == {"fever_on_treatment": "emergency"}
    assert case.urgency == "emergency" and [f.code for f in case.red_flags] == ["fever_on_treatment"]
    flag = case.red_flags[0]
    assert "go to the emergency room now" in flag.public.lower()
    assert "blood cultures" in flag.clinician and "1 hour" in flag.clinician


def test_low_anc_with_fever_is_still_febrile_neutropenia_idsa_2010() -> None:
    assert _flags("temp 38.6", Labs(anc_per_ul=400)) == {"febrile_neutropenia": "emergency"}
    assert _flags("shaking uncontrollably", Labs(anc_per_ul=300)) == {"febrile_neutropenia": "emergency"}


# ---------------------------------------------------------------- item 8: resolved symptoms
@pytest.mark.parametrize(
    "text",
    [
        "my back pain has gone completely since the radiotherapy, just wanted to let you know",
        "my fever has gone now and I feel much better, do I still need to come in tomorrow",
        "I had a fever last week but it has settled down now, feeling well",
        "the headache went away after a sleep",
    ],
)
def test_resolved_symptoms_raise_no_flag(text: str) -> None:
    assert triage(text).red_flags == (), triage(text).rationale


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("the back pain went away but came back worse", "spinal_cord_compression"),
        ("my back pain had gone but it has come back again", "spinal_cord_compression"),
        ("my fever has gone up to 38.9 after chemo", "febrile_neutropenia"),
        ("my fever went away but now it is back again", "febrile_neutropenia"),
        ("the back pain has stopped me sleeping", "spinal_cord_compression"),
        ("the fever has gone but the back pain is still there", "spinal_cord_compression"),
    ],
)
def test_current_symptoms_are_not_hidden_by_a_resolution_word(text: str, code: str) -> None:
    assert code in _flags(text), triage(text).rationale
