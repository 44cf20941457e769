"""Misses of the twelfth triage sweep, each written again in other words, with near misses that must keep
their reading.

- Numbness "down there" or not feeling the paper when wiping (saddle anaesthesia), and wetting oneself
  without knowing (sphincter loss without awareness), or either with spinal metastases named: cauda equina
  or cord compression (NICE NG234), an emergency.
- Vomiting blood ("vomited a load of blood", "sick with blood in it", "blood in my sick"): upper
  gastrointestinal bleeding (NICE CG141), an emergency.
- On T-DXd, a cough with breathlessness that stops the person walking across a room: pneumonitis limiting
  self-care (CTCAE v5 grade 3; T-DXd label), an emergency; not being able to walk for breath is not a
  cord sign.
- Same-day (urgent) findings: painkillers "aren't holding" the pain or a score of 7/10 or more (ASCO 2023);
  lying down most of the day from tiredness (CTCAE v5 fatigue grade 3, ECOG 3); coloured phlegm on a drug
  that lowers white cells (UKONS v3; NICE CG151); painful swallowing after radiotherapy (CTCAE v5
  oesophagitis grade 2); vomiting with belly pain on an anticancer drug (UKONS v3).
"""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.reasoning.triage import triage

# ------------------------------------------ 1. saddle numbness, unaware incontinence (NICE NG234)

CAUDA_EQUINA = [
    # the sweep's own message
    "Numb down there when i wipe, like i cant feel it, and i wet myself last night without knowing. "
    "have mets in lower spine",
    # paraphrases
    "I can't feel the toilet paper when I wipe, it's all numb down there",
    "it feels numb down below, between my legs, since yesterday",
    "I wet myself without realising, I didn't even know I'd gone",
    "I peed myself last night and didn't know until I woke up, the cancer is in my lower spine",
]


@pytest.mark.parametrize("text", CAUDA_EQUINA)
def test_saddle_numbness_or_unaware_wetting_is_cord_compression(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("spinal_cord_compression") == "emergency", (
        text,
        result.red_flags,
        result.matched,
    )
    assert result.urgency == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "my bottom is sore when I wipe, I think it's piles",
        "I leaked a little when I sneezed, I've had that since the kids",
        "my feet are numb down to the toes from the paclitaxel",
        "the dentist numbed my mouth and it's still numb down one side",
    ],
)
def test_piles_stress_leaks_and_numb_feet_are_not_cord_compression(text: str) -> None:
    assert _codes(text).get("spinal_cord_compression") != "emergency", (text, triage(text).red_flags)


# ------------------------------------------------------------ 2. vomiting blood (NICE CG141)

HAEMATEMESIS = [
    "Vomited a load of blood, bright red, about a cupful. Im on chemo and my platelets were low last week",
    "I was sick this morning and there was a lot of blood in it",
    "there was fresh blood in my sick just now",
    "threw up and it looked like coffee grounds",
    "vomited up a big mouthful of blood an hour ago",
]


@pytest.mark.parametrize("text", HAEMATEMESIS)
def test_vomiting_blood_is_a_gi_bleed_emergency(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("gi_bleeding") == "emergency", (text, result.red_flags, result.matched)


@pytest.mark.parametrize(
    "text",
    [
        "vomited twice this morning, no blood in it",
        "I was sick after my blood test, I hate needles",
        "vomited once, my blood counts were fine last week",
        "had a coffee and was sick afterwards",
    ],
)
def test_vomiting_without_blood_is_not_a_gi_bleed(text: str) -> None:
    assert "gi_bleeding" not in _codes(text), (text, triage(text).red_flags)


# --------------------------- 3. breathless on the least effort on T-DXd (CTCAE v5 grade 3; T-DXd label)

TDXD_BREATHLESS_MINIMAL = [
    "On Enhertu. Breathless has got much worse over 3 days, dry cough, I can't walk across the room now "
    "without stopping",
    "on enhertu, dry cough and so short of breath I have to stop after a few steps",
    "I'm on T-DXd and have a cough, breathless, can't walk to the kitchen without stopping for breath",
    "dry cough on enhertu and I'm out of breath, I can't even get across the room",
]


@pytest.mark.parametrize("text", TDXD_BREATHLESS_MINIMAL)
def test_breathless_on_minimal_effort_on_tdxd_is_an_emergency(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("pneumonitis") == "emergency", (text, result.red_flags, result.matched)


@pytest.mark.parametrize("text", [*TDXD_BREATHLESS_MINIMAL[:1], "so breathless I can't walk far, on enhertu"])
def test_breathlessness_that_stops_walking_is_not_cord_compression(text: str) -> None:
    assert "spinal_cord_compression" not in _codes(text), (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "on enhertu, slight cough, a bit puffed on the stairs",
        "on enhertu, my knee hurts so I stop after a few steps",
    ],
)
def test_breathless_on_stairs_or_a_sore_knee_on_tdxd_is_not_an_emergency(text: str) -> None:
    assert _codes(text).get("pneumonitis") != "emergency", (text, triage(text).red_flags)


def test_back_pain_with_trouble_walking_is_still_cord_compression_when_breathless() -> None:
    text = "bad back pain and I can't walk properly, also a bit breathless"
    assert _codes(text).get("spinal_cord_compression") == "emergency", triage(text).red_flags


# ------------------------------------------------- 4a. pain the painkillers do not hold (ASCO 2023)

PAIN_NOT_HELD = [
    "my painkillers aren't holding the pain in my ribs anymore, its a 7/10 most of the day",
    "the morphine isn't holding it, pain is 8 out of 10",
    "my hip pain is 9/10 even with my tablets",
    "pain in my back is about 7 out of 10 all the time",
]


@pytest.mark.parametrize("text", PAIN_NOT_HELD)
def test_pain_not_held_or_scored_seven_or_more_is_same_day(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("uncontrolled_pain") == "urgent", (text, result.red_flags, result.matched)


@pytest.mark.parametrize(
    "text",
    [
        "my pain is 2 out of 10 with the patch, much better",
        "my pain score is down to 3/10 with the new patch",
        "the leaflet says 8 out of 10 people on this drug get tired",
    ],
)
def test_a_low_or_past_pain_score_is_not_uncontrolled_pain(text: str) -> None:
    assert "uncontrolled_pain" not in _codes(text), (text, triage(text).red_flags)


# ---------------------------------------------- 4b. in bed most of the day (CTCAE v5 fatigue grade 3)

FATIGUE_IN_BED = [
    "So exhausted on chemo I can barely get out of bed, spending most of the day lying down, "
    "which isnt like me",
    "so tired I'm lying on the sofa most of the day",
    "exhausted, I can hardly get out of bed",
    "completely drained, I spend all day lying down",
]


@pytest.mark.parametrize("text", FATIGUE_IN_BED)
def test_tiredness_that_keeps_someone_lying_down_most_of_the_day_is_same_day(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("severe_fatigue") == "urgent", (text, result.red_flags, result.matched)


@pytest.mark.parametrize(
    "text", ["a bit tired after chemo but up and about", "tired, had a lie down for an hour this afternoon"]
)
def test_ordinary_tiredness_is_not_severe_fatigue(text: str) -> None:
    assert "severe_fatigue" not in _codes(text), (text, triage(text).red_flags)


# ------------------------- 4c. chest infection signs on a CDK4/6 inhibitor or chemo (UKONS v3 amber)

CHEST_INFECTION = [
    "coughing up green phlegm for 2 days, no temp, on palbo. feel a bit under the weather",
    "on paclitaxel and bringing up yellow phlegm, no fever",
    "I'm on ribociclib and coughing up thick green mucus",
    "on chemo, my sputum has turned green",
]


@pytest.mark.parametrize("text", CHEST_INFECTION)
def test_coloured_phlegm_on_a_drug_that_lowers_white_cells_is_same_day(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("infection_on_treatment") == "urgent", (text, result.red_flags, result.matched)


@pytest.mark.parametrize(
    "text", ["coughing up green phlegm, not on any treatment now", "clear phlegm on palbo"]
)
def test_phlegm_off_treatment_or_clear_is_not_raised_as_infection(text: str) -> None:
    assert "febrile_neutropenia" not in _codes(text), (text, triage(text).red_flags)


# ------------------------------- 4d. painful swallowing after chest radiotherapy (CTCAE v5 oesophagitis)

RADIATION_OESOPHAGITIS = [
    "its painful to swallow since my radiotherapy to the chest, like food sticking. i can drink ok",
    "it hurts to swallow since the radiation to my chest",
    "burning when I swallow, I'm in week 3 of radiotherapy to my breast and lymph nodes",
    "sore to swallow after my radiotherapy",
]


@pytest.mark.parametrize("text", RADIATION_OESOPHAGITIS)
def test_painful_swallowing_after_radiotherapy_is_same_day(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("dysphagia") == "urgent", (text, result.red_flags, result.matched)
    flag = next(f for f in result.red_flags if f.code == "dysphagia")
    assert "radiotherapy" in flag.public.lower()


@pytest.mark.parametrize(
    "text", ["my radiotherapy finished last month, swallowing is fine", "sore throat, swallowing is ok"]
)
def test_radiotherapy_or_a_sore_throat_without_painful_swallowing_is_not_dysphagia(text: str) -> None:
    assert "dysphagia" not in _codes(text), (text, triage(text).red_flags)


# ------------------------------------ 4e. vomiting with belly pain on treatment (UKONS v3 amber)

VOMIT_BELLY_PAIN = [
    "vomited twice this morning on ribociclib, now holding fluids, but tummy pain is bothering me",
    "on chemo, been sick twice today and my stomach hurts",
    "threw up after my capecitabine and I have tummy cramps",
    "on abemaciclib, vomited once and belly pain since",
]


@pytest.mark.parametrize("text", VOMIT_BELLY_PAIN)
def test_vomiting_with_belly_pain_on_treatment_is_same_day(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("severe_vomiting") == "urgent", (text, result.red_flags, result.matched)


@pytest.mark.parametrize(
    "text", ["vomited once on ribociclib, tummy is fine", "tummy pain after a curry, not on any treatment"]
)
def test_vomiting_without_belly_pain_or_pain_off_treatment_is_not_raised(text: str) -> None:
    assert "severe_vomiting" not in _codes(text), (text, triage(text).red_flags)
