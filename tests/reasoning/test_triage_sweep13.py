"""Misses of the thirteenth triage sweep, each written again in other words, with near misses that must keep
their reading.

- A temperature that "has been 38.0" on chemotherapy or a CDK4/6 inhibitor: 38.0 C sustained over an hour
  meets the febrile neutropenia definition (IDSA 2010; ASCO/IDSA 2018), an emergency on such treatment.
- Neck (spinal) pain with new weakness, numbness or tingling of the arms: the neurological symptoms of
  cervical cord compression (NICE NG234: any limb weakness or sensory loss), an emergency.
- Same-day (urgent): a scar that is red, warm and swollen (wound infection or cellulitis); pink or pinkish
  urine with no red medicine or food named (UKONS v3 haematuria amber); nausea with only small amounts
  eaten (UKONS v3 nausea amber; CTCAE v5 grade 2).
- Not emergencies: a seizure years ago with "nothing since" (the distant past, not today's symptom); aches
  and a flu-like feeling after a first zoledronic acid infusion with no temperature (the acute-phase
  reaction the label describes), which an infusion of a bone drug does not turn into neutropenic sepsis.
"""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.reasoning.triage import triage

# -------------------------- 1. 38.0 C held for an hour on treatment (IDSA 2010; ASCO/IDSA 2018)

FEVER_38_HELD = [
    "on ribociclib, temp has been 38.0 for over an hour now and I've got a sore throat",
    "my temperature has been 38 for the last hour, I'm on paclitaxel",
    "temp's been 38.1 since lunchtime, on palbociclib",
    "on chemo and my temp has been 38.0 for an hour",
]


@pytest.mark.parametrize("text", FEVER_38_HELD)
def test_a_temperature_held_at_38_on_treatment_is_febrile_neutropenia(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("febrile_neutropenia") == "emergency", (text, result.red_flags, result.matched)


@pytest.mark.parametrize(
    "text",
    [
        "on ribociclib, temp has been 37.2 all day, feel fine",
        "my temperature has been normal, 36.8, on paclitaxel",
    ],
)
def test_a_normal_temperature_held_on_treatment_is_not_an_emergency(text: str) -> None:
    assert _codes(text).get("febrile_neutropenia") != "emergency", (text, triage(text).red_flags)


# --------------------------------- 2. neck pain with weak or tingling arms (NICE NG234)

NECK_ARMS = [
    "sudden pain in my neck when I turned my head, now both my arms are tingling and weak. I have bone mets "
    "in my neck",
    "neck pain for a week and now my arms feel weak",
    "my neck is killing me and both arms have gone numb",
    "pain in my neck and pins and needles down both arms since this morning",
]


@pytest.mark.parametrize("text", NECK_ARMS)
def test_neck_pain_with_weak_numb_or_tingling_arms_is_cord_compression(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("spinal_cord_compression") == "emergency", (
        text,
        result.red_flags,
        result.matched,
    )


@pytest.mark.parametrize(
    "text",
    [
        "stiff neck from sleeping funny, my arms are fine",
        "my arms ache after carrying the shopping",
        "tingling fingers from the paclitaxel, no other problems",
    ],
)
def test_neck_or_arm_complaints_alone_are_not_a_cord_emergency(text: str) -> None:
    assert _codes(text).get("spinal_cord_compression") != "emergency", (text, triage(text).red_flags)


# ---------------------------------------------- 3a. a red, warm, swollen scar (wound infection)

SCAR_INFECTION = [
    "redness around my mastectomy scar, its warm and a bit swollen, no temperature",
    "my scar has gone red, it feels hot and it's swollen",
    "the wound from my op is red and swollen",
]


@pytest.mark.parametrize("text", SCAR_INFECTION)
def test_a_red_warm_swollen_scar_is_a_same_day_skin_infection(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("skin_infection") == "urgent", (text, result.red_flags, result.matched)


@pytest.mark.parametrize(
    "text", ["my scar is a little pink but flat and healing well", "the scar looks red from the sun cream"]
)
def test_a_pink_healing_scar_is_not_a_skin_infection(text: str) -> None:
    assert "skin_infection" not in _codes(text), (text, triage(text).red_flags)


# ----------------------------------------------- 3b. pinkish urine (UKONS v3 haematuria amber)

PINK_URINE = [
    "pinkish wee today, no pain, no temp",
    "my pee looks pinkish this morning",
    "reddish urine since yesterday",
]


@pytest.mark.parametrize("text", PINK_URINE)
def test_pinkish_urine_without_a_red_drug_is_same_day(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("bleeding_bruising") == "urgent", (text, result.red_flags, result.matched)


@pytest.mark.parametrize(
    "text", ["pinkish wee the day after my epirubicin", "reddish pee after I ate beetroot last night"]
)
def test_pinkish_urine_after_an_anthracycline_or_beetroot_stays_routine(text: str) -> None:
    result = triage(text)
    assert result.urgency == "routine", (text, result.red_flags)


# ------------------------------------- 3c. nausea with small amounts eaten (UKONS v3 nausea amber)

NAUSEA_SMALL_AMOUNTS = [
    "constant nausea since my last enhertu, only managing small amounts of food but drinking",
    "feel sick all the time, only eating tiny amounts",
    "nauseous for 3 days and just managing small bits of toast",
]


@pytest.mark.parametrize("text", NAUSEA_SMALL_AMOUNTS)
def test_nausea_with_only_small_amounts_eaten_is_same_day(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("severe_vomiting") == "urgent", (text, result.red_flags, result.matched)


@pytest.mark.parametrize(
    "text", ["a bit queasy, eating small meals often as the nurse said", "slight nausea but eating normally"]
)
def test_nausea_with_advice_to_eat_small_meals_is_not_raised(text: str) -> None:
    assert "severe_vomiting" not in _codes(text), (text, triage(text).red_flags)


# ------------------------------------------------- 4a. a seizure years ago, nothing since

PAST_SEIZURE = [
    "Back in 2019 I had a seizure after surgery but nothing since, do I need to tell the trial team?",
    "I had a fit years ago but none since, should I mention it?",
    "had one seizure in 2015, not had one since",
]


@pytest.mark.parametrize("text", PAST_SEIZURE)
def test_a_seizure_long_ago_with_none_since_is_not_an_emergency(text: str) -> None:
    result = triage(text)
    assert result.urgency != "emergency", (text, result.red_flags, result.matched)
    assert "seizure" not in _codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "I had a seizure in 2019 and another one since this morning",
        "had a seizure years ago and had another today",
        "I had a seizure, nothing since but I'm scared",
    ],
)
def test_a_seizure_since_or_today_is_still_an_emergency(text: str) -> None:
    assert _codes(text).get("seizure") == "emergency", (text, triage(text).red_flags)


# ------------------------- 4b. flu-like after a first zoledronic acid infusion (acute-phase reaction)

ZOLEDRONIC_FLU = [
    "achy and flu-ish the day after my first zometa infusion, no temperature, paracetamol helping",
    "feel fluey since my zoledronic acid infusion yesterday",
    "flu-like aches after my first pamidronate infusion",
]


@pytest.mark.parametrize("text", ZOLEDRONIC_FLU)
def test_flu_like_after_a_bone_drug_infusion_is_not_neutropenic_sepsis(text: str) -> None:
    result = triage(text)
    assert result.urgency != "emergency", (text, result.red_flags, result.matched)
    assert "febrile_neutropenia" not in _codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "flu-ish the day after my chemo infusion",
        "feel fluey since my zometa infusion, I'm on paclitaxel too",
        "flu-like after my first infusion",
    ],
)
def test_flu_like_after_chemotherapy_is_still_neutropenic_sepsis(text: str) -> None:
    assert _codes(text).get("febrile_neutropenia") == "emergency", (text, triage(text).red_flags)
