"""Misses of a sixth, untouched triage sweep (100 messages; 81/100 agreed before these fixes), each
written again in other words (verbs, word order, UK/US spelling, misspellings, a carer's voice) with
near misses that must keep their reading.

- Suicide: a plan with saved-up tablets, and a carer's report of someone who wants to end her life and
  looks up ways, were routine. A plan, the means or intent is an ASQ acute positive (emergency); a wish
  to be dead with "I'm not going to do anything" stays a same-day (urgent) check.
- Sepsis: fast breathing, mottled skin and no urine all day on chemo read as cord compression. The NICE
  NG51 high-risk signs now raise `sepsis`; not passing urine alone is no longer cord compression.
- Negation after the symptom ("chest pain but I haven't had any"), a urinary infection read as high
  calcium, thirst and passing urine with a high sugar read as high calcium, and an itchy rash read as
  liver failure.
- Back pain with legs giving way is cord compression at emergency (NICE NG234), and a headache of raised
  pressure with a clumsy or weak arm is an emergency.
"""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.reasoning.triage import triage

# ---------------------------------------------------------------------------------------------- suicide

SUICIDE_EMERGENCIES = [
    # the sweep's own two messages
    "i cant do this anymore. ive got the tablets saved up and im going to take them all tonight",
    "My mum told me she wants to end her life and has been looking up ways to do it",
    # a stockpile of pills, in other words and orders
    "I've been saving my morphine tablets for weeks, I know what I'm going to do with them",
    "got a stash of pills stockpiled in the drawer, enough to finish it",
    "she has been hoarding her sleeping tablets and says she is ready",
    "I have my oxycodone saved up. going to take the lot tonight",
    "ive got all my tablets saved and im going to swallow them all",
    # someone else's words about ending a life (a carer's report is an emergency too)
    "my husband says he wants to end his life, he's been googling how",
    "Dad keeps saying he is going to kill himself",
    "my friend told me she wants to kill herself",
    "my wife said she wants to take her own life",
    "he wants to end it all and has written goodbye letters to the kids",
    # looking up ways, with a wish to die
    "I want to die and I've been researching ways to do it",
    "mum wants to die, she has been looking up how to overdose",
    "I dont want to be here anymore and ive looked up methods online",
    # a wish to be dead with a plan or a time
    "everyone would be better off without me, I'm going to take all my pills tonight",
    "I'm going to end my life this weekend",
    "Ive written letters to say goodbye and I'm going to end it tonight",
]


@pytest.mark.parametrize("text", SUICIDE_EMERGENCIES)
def test_suicide_plan_means_or_intent_is_an_emergency_asq(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency", text
    assert _codes(text).get("suicidal_ideation") == "emergency", (text, result.red_flags)
    assert result.red_flags[0].code == "suicidal_ideation"


PASSIVE_WISHES = [
    "I wish I was dead but I'm not going to do anything",
    "sometimes I think everyone would be better off without me, but I would never act on it",
    "some days I wish I could just not be here anymore, I'm not going to do anything though",
    "I'd rather not be here anymore, honestly",
]


@pytest.mark.parametrize("text", PASSIVE_WISHES)
def test_a_passive_wish_to_be_dead_stays_a_same_day_check(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent", (text, result.red_flags)
    assert _codes(text) == {"suicidal_ideation": "urgent"}


NOT_SUICIDAL = [
    "my doctor thought about ending it early, the chemo",
    "we talked about ending treatment and going to the hospice",
    "I'm saving up for a holiday with my tablets money",
    "I keep my tablets in a box so I remember to take them all in the morning",
    "at the end of her life she wants to be at home",
    "I've been looking up ways to cook with less salt",
    "looking up ways to manage fatigue on chemo",
    "I have written letters to my children for their birthdays, for when I'm gone",
    "the cancer will end her life sooner than we hoped",
    "my friend killed herself years ago and I still think of her",
    "I looked up the side effects of the tablets",
]


@pytest.mark.parametrize("text", NOT_SUICIDAL)
def test_treatment_planning_cooking_and_legacy_letters_are_not_suicide(text: str) -> None:
    assert "suicidal_ideation" not in _codes(text), (text, triage(text).red_flags)


# ---------------------------------------------------------------------------------------------- sepsis

SEPSIS_EMERGENCIES = [
    "My sister is breathing really fast, mottled skin, cold hands and hasnt peed all day. She's on chemo.",
    "mum's skin is all mottled and blotchy purple and she's breathing very fast",
    "he looks grey and ashen, breathing fast, hasn't passed urine since yesterday",
    "my wife is breathing ever so quickly and hasn't had a wee all day, she's had a temperature",
    "rash that doesn't fade when I press a glass on it, on docetaxel",
    "breathing fast and shivering, feels awful, on paclitaxel",
    "he has a fever and is suddenly very confused",
    "My husband's skin looks mottled, he's on chemo",
]


@pytest.mark.parametrize("text", SEPSIS_EMERGENCIES)
def test_nice_ng51_high_risk_signs_are_possible_sepsis_emergency(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags)
    codes = _codes(text)
    assert "sepsis" in codes or codes.get("febrile_neutropenia") == "emergency", (text, codes)
    assert "spinal_cord_compression" not in codes, (text, codes)
    cited = {s for f in result.red_flags for s in f.sources}
    assert "nice-ng51-sepsis" in cited or "febrile_neutropenia" in codes


def test_sepsis_on_chemo_says_neutropenic_sepsis_pathway() -> None:
    result = triage(
        "My sister is breathing really fast, mottled skin, cold hands and hasnt peed all day. She's on chemo."
    )
    first = result.red_flags[0]
    assert first.code == "sepsis"
    assert "chemo" in first.public.lower()
    assert "neutropenic sepsis" in first.clinician.lower()


NOT_SEPSIS = [
    "my hair has gone grey since chemo",
    "breathing fast after running for the bus, fine now",
    "I have a rash that fades when I press it, no fever",
    "the marble worktop is mottled",
]


@pytest.mark.parametrize("text", NOT_SEPSIS)
def test_everyday_words_near_sepsis_signs_are_not_sepsis(text: str) -> None:
    assert "sepsis" not in _codes(text), (text, triage(text).red_flags)


NO_URINE_NOT_CORD = [
    "hasnt peed all day",
    "she hasn't had a wee since this morning",
    "havent passed urine since last night, been drinking very little",
    "no pee all day and feel dry",
]


@pytest.mark.parametrize("text", NO_URINE_NOT_CORD)
def test_not_passing_urine_alone_is_not_cord_compression_but_still_flagged(text: str) -> None:
    result = triage(text)
    codes = _codes(text)
    assert "spinal_cord_compression" not in codes, (text, codes)
    assert result.urgency in ("urgent", "emergency"), text


CORD_BLADDER = [
    "I'm bursting for a wee and can't go, and my back is agony",
    "back pain and I havent peed all day, legs feel weak",
    "cant pee even though I'm bursting",
    "bad back pain and haven't passed urine since this morning",
]


@pytest.mark.parametrize("text", CORD_BLADDER)
def test_retention_or_no_urine_with_back_pain_or_weak_legs_stays_cord_compression(text: str) -> None:
    assert _codes(text).get("spinal_cord_compression") == "emergency", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "diarrhoea 10 times today on abemaciclib, dizzy when I stand, havent passed urine since this morning",
        "runs 8 times today on abemaciclib and haven't had a wee since breakfast",
        "diarrhea all day, hasnt peed since last night",
    ],
)
def test_diarrhoea_with_no_urine_is_dehydration_not_cord_compression(text: str) -> None:
    result = triage(text)
    codes = _codes(text)
    assert result.urgency == "emergency", (text, codes)
    assert codes.get("severe_diarrhea_dehydration") == "emergency"
    assert "spinal_cord_compression" not in codes


# ------------------------------------------------------------------------ negation after the symptom


@pytest.mark.parametrize(
    "text",
    [
        "my husband keeps worrying about chest pain but I haven't had any, "
        "can you explain what to watch for on herceptin",
        "my wife worries about seizures but I havent had one",
        "the leaflet says chest pain, I haven't had any",
        "people ask about headaches but I dont get any",
    ],
)
def test_a_symptom_denied_after_it_is_named_is_negated(text: str) -> None:
    result = triage(text)
    assert result.urgency == "routine", (text, result.red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "chest pain since this morning but I haven't had any sweating",
        "I have chest pain, I havent had any before",
        "she had a seizure this morning but hasnt had one since",
    ],
)
def test_a_denial_with_its_own_object_or_time_keeps_the_symptom(text: str) -> None:
    assert triage(text).urgency != "routine", text


@pytest.mark.parametrize(
    "text",
    [
        "stinging when I pee and going all the time, no temperature, on chemo",
        "burning when i wee and peeing all the time, no fever, on paclitaxel",
        "it stings to pee and I'm weeing constantly, temp normal, on chemo",
        "peeing a lot and it burns, having chemo",
    ],
)
def test_urinary_infection_signs_on_chemo_are_not_high_calcium(text: str) -> None:
    codes = _codes(text)
    assert "hypercalcemia" not in codes, (text, codes)
    assert codes.get("infection_on_treatment") == "urgent", (text, codes)


def test_thirst_and_passing_urine_without_infection_signs_is_still_high_calcium() -> None:
    assert "hypercalcemia" in _codes("very thirsty and peeing all the time, cancer in my bones")


@pytest.mark.parametrize(
    "text",
    [
        "feel very thirsty and peeing a lot, blood sugar meter says 19, started alpelisib",
        "so thirsty and weeing constantly, my glucose was 350 on alpelisib",
        "drinking loads and passing lots of urine, sugar 22 mmol",
    ],
)
def test_thirst_and_urine_with_a_high_sugar_are_the_sugar_not_calcium(text: str) -> None:
    codes = _codes(text)
    assert "hypercalcemia" not in codes, (text, codes)
    assert "hyperglycemia_crisis" in codes


@pytest.mark.parametrize(
    "text",
    [
        "Just got home after trastuzumab infusion and now wheezing, itchy rash all over and lips puffy",
        "itchy hives all over after my paclitaxel, lips swelling",
        "itchy red rash all over since the new tablets",
    ],
)
def test_an_itchy_rash_is_not_liver_failure(text: str) -> None:
    assert "liver_failure" not in _codes(text), text


def test_itching_with_yellow_eyes_is_still_the_liver() -> None:
    assert "liver_failure" in _codes("itchy all over and my eyes have gone yellow")


# ---------------------------------------------------------------------- cord compression ranking


@pytest.mark.parametrize(
    "text",
    [
        "my mums back has been killing her for a week and today her legs went from under her on the stairs, "
        "she says they feel like jelly",
        "back pain for days and now his legs went out from under him",
        "my back's agony and my legs keep going from under me",
        "terrible back ache, legs went to jelly when I stood up",
    ],
)
def test_back_pain_with_legs_giving_way_is_cord_compression_emergency_first(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("spinal_cord_compression") == "emergency", (text, result.red_flags)
    assert result.red_flags[0].code == "spinal_cord_compression"
    assert "pathologic_fracture_risk" not in _codes(text)


def test_a_real_fracture_event_is_still_flagged() -> None:
    codes = _codes("fell and heard a crack in my hip, cant stand on it")
    assert codes.get("pathologic_fracture_risk") == "emergency"


# ------------------------------------------------------------------------------- raised ICP + focal


@pytest.mark.parametrize(
    "text",
    [
        "headaches every morning getting worse for a week now and I'm vomiting when I get up, "
        "also my left arm feels clumsy",
        "morning headaches for days, being sick, and my right hand has gone clumsy",
        "headache worse every morning and now his left arm is weak",
        "bad headaches when I wake up, throwing up, and my speech is slurred",
    ],
)
def test_raised_pressure_headache_with_a_focal_sign_is_an_emergency(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags)
    assert _codes(text).get("raised_icp") == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "headaches every morning for a week and I'm vomiting when I get up",
        "new morning headaches, no vomiting",
    ],
)
def test_raised_pressure_headache_without_a_focal_sign_stays_urgent(text: str) -> None:
    assert triage(text).urgency == "urgent", text


@pytest.mark.parametrize("text", ["my left arm feels clumsy", "I've been a bit clumsy with my hands lately"])
def test_clumsiness_alone_is_a_same_day_check(text: str) -> None:
    assert triage(text).urgency == "urgent", (text, triage(text).red_flags)
