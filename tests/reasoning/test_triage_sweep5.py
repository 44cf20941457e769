"""The situations a fifth, untouched triage sweep still missed (88/100 after its first fixes), each
written again in other words (verbs, word order, UK and US words, misspellings, a carer's voice), with
near misses that must keep their reading. Levels: UKONS v3 telephone triage (red or two ambers =
face-to-face today; amber = review within 24 hours; St George's UKONS-based patient charts for the
counts), NICE NG234 (spinal pain), Yu 2008 SVC grading (cerebral oedema = grade 3-4)."""

from __future__ import annotations

import pytest

from mbcnav.reasoning.triage import triage


def _codes(text: str) -> list[str]:
    return [f.code for f in triage(text).red_flags]


# ---- emergencies read as urgent ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "been throwing up everything for 2 days even water, cant keep my tablets down, dizzy when i stand",
        "cant keep any fluids down since yesterday and i nearly pass out when i get up",
        "mum has been sick all day, can't keep water down and she's lightheaded standing up",
        "vomitting non stop, nothing stays down, feel faint when I stand up. on xeloda",
        "he keeps puking, cant keep drinks down and is woozy when he gets up off the sofa",
    ],
)
def test_vomiting_with_no_fluids_kept_down_and_dizziness_is_an_emergency_ukons(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency", text
    flag = next(f for f in result.red_flags if f.code == "severe_vomiting")
    assert flag.urgency == "emergency", text
    assert "911" in flag.public


@pytest.mark.parametrize(
    "text",
    [
        "vomited 6 times and can't keep water down",
        "cant keep anything down today",
    ],
)
def test_vomiting_without_dizziness_is_ukons_red(text: str) -> None:
    """Changed in sweep 17 (was: stays same-day): 6+ vomits in 24 h or no fluids kept down is UKONS v3 red,
    call the 24-hour line now (St George's AOS chart; tests/reasoning/test_s10_triage_sweep17.py)."""
    result = triage(text)
    assert result.urgency == "emergency", text
    assert "severe_vomiting" in _codes(text)


@pytest.mark.parametrize(
    "text", ["vomited 4 times today, keeping sips of water down", "been sick 3 times today"]
)
def test_vomiting_with_fluids_kept_down_stays_same_day(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent", text
    assert "severe_vomiting" in _codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "face and neck have swelled up over the last day, the veins on my chest are sticking out and my head "
        "feels like its gonna burst when i bend over",
        "my face is all puffy and swollen and my head feels full and heavy when I lean forward",
        "her neck has swollen up and she says her head feels like it will explode",
        "swollen face since this morning, veins on my chest sticking out, bad headache when i bend down",
    ],
)
def test_svc_signs_with_head_pressure_are_an_emergency_yu_2008(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency", text
    assert "svc_syndrome" in _codes(text)


def test_svc_swelling_without_head_or_breathing_signs_stays_same_day_yu_2008() -> None:
    result = triage("my face and neck look swollen and the veins on my chest stand out")
    assert result.urgency == "urgent"
    assert _codes("my face and neck look swollen and the veins on my chest stand out") == ["svc_syndrome"]


# ---- urgent read as routine ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "new ache in my hip for about a week, worse at night, I can still walk fine",
        "my thigh bone aches at night and it wakes me up, been like this 10 days",
        "pain in my ribs thats worse at night for a couple of weeks now",
        "Mum's got a new pain in her hip, its worse at nite",
        "shoulder pain keeping me awake at night for a week",
    ],
)
def test_new_bone_pain_worse_at_night_is_same_day(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent", text
    assert "pathologic_fracture_risk" in _codes(text), text


@pytest.mark.parametrize(
    "text",
    [
        "feeling nauseous for 3 days, only eating about half what i normally do but drinking ok",
        "queasy since chemo, eating much less than normal",
        "nausea all week and I'm off my food",
        "she feels sick all the time and is barely eating",
        "nauseated and only managing a few mouthfuls at meals",
    ],
)
def test_nausea_with_much_less_eaten_is_amber_ukons(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent", text
    assert "severe_vomiting" in _codes(text), text


@pytest.mark.parametrize(
    "text",
    [
        "a bit nauseous after chemo but eating and drinking normally",
        "slight nausea in the mornings, appetite is fine",
    ],
)
def test_nausea_while_eating_normally_stays_routine(text: str) -> None:
    assert triage(text).urgency == "routine", text


@pytest.mark.parametrize(
    "text",
    [
        "mouth ulcers so sore i can only manage soup",
        "my mouth is full of sores, I can only eat soft food like yoghurt",
        "ulcers on his tongue, he can only have liquids and mashed food",
        "sore mouth, only eating soup and ice cream",
    ],
)
def test_mouth_sores_that_limit_food_to_a_soft_diet_are_amber_ukons(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent", text
    assert "severe_mucositis" in _codes(text), text


def test_a_mouth_ulcer_while_eating_normally_stays_routine() -> None:
    assert triage("a couple of small mouth ulcers, eating fine").urgency == "routine"


@pytest.mark.parametrize(
    "text",
    [
        "constipated for 5 days now, im on morphine and my tummy is bloated",
        "havent had a poo for 4 days",
        "not been to the loo for five days, on oxycodone",
        "my dad hasnt opened his bowels in a week",
        "really constipated and my stomach is swollen",
    ],
)
def test_constipation_of_three_days_or_with_a_swollen_belly_is_same_day(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent", text
    assert "bowel_obstruction" in _codes(text), text


@pytest.mark.parametrize(
    "text",
    [
        "constipated for 2 days",
        "a bit constipated yesterday, went this morning",
        "I have not been sleeping for 4 days",
    ],
)
def test_short_constipation_stays_routine(text: str) -> None:
    assert "bowel_obstruction" not in _codes(text), text


@pytest.mark.parametrize(
    "text",
    [
        "blood in my pee a couple of times today, no pain",
        "my wee is pink and looks like it has blood in it",
        "peeing blood since this morning",
        "there was blood in her urine when she went to the toilet",
        "bloody urine today",
    ],
)
def test_blood_in_the_urine_is_same_day(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent", text
    assert "bleeding_bruising" in _codes(text), text


@pytest.mark.parametrize(
    "text",
    [
        "urine test came back clear, no blood",
        "blood test and urine sample booked for monday",
        "no blood in my pee",
    ],
)
def test_urine_and_blood_tests_are_not_haematuria(text: str) -> None:
    assert "bleeding_bruising" not in _codes(text), text


@pytest.mark.parametrize(
    "text",
    [
        "my wee is red, is that the epirubicin?",
        "pee is pink today. had beetroot salad yesterday",
        "urine looks reddish - the nurse said the doxorubicin does that",
    ],
)
def test_red_urine_with_a_red_drug_or_food_named_anywhere_is_not_blood_doxorubicin_label(text: str) -> None:
    """Doxorubicin and epirubicin colour urine red for 1-2 days (their labels); a second sweep's message
    ("my wee is red, is that the epirubicin?") names the drug in another clause of the message."""
    assert "bleeding_bruising" not in _codes(text), text


@pytest.mark.parametrize(
    "text",
    [
        "my urine is red",
        "blood in my pee and clots, on epirubicin",
        "my wee has been red all day, on capecitabine",
    ],
)
def test_red_urine_without_a_red_cause_or_with_blood_words_stays_same_day(text: str) -> None:
    assert triage(text).urgency == "urgent", text


def test_two_vomits_in_a_day_keeps_the_earlier_ctcae_reading() -> None:
    """CTCAE v5 grade 1 vomiting is 1-2 episodes in 24 hours; an earlier sweep fixed "vomited twice
    this morning" as no flag, and the UKONS v3 grid itself could not be checked here (one trust's
    UKONS-based chart puts 2-5 at amber): the count threshold stays at 3 until the grid is verified."""
    assert "severe_vomiting" not in _codes("vomited twice this morning")
    assert "severe_vomiting" in _codes("vomited 3 times today after chemo")


@pytest.mark.parametrize("text", ["vomited once this morning, fine since", "was sick twice last week"])
def test_one_vomit_or_an_old_count_stays_routine(text: str) -> None:
    assert "severe_vomiting" not in _codes(text), text


def test_calcium_below_the_sourced_threshold_is_not_raised() -> None:
    """Corrected 11.6 mg/dL (2.9 mmol/L) is below the 12 mg/dL (3.0 mmol/L) line that the Endocrine
    Society and the Society for Endocrinology put urgent correction at: the threshold is kept."""
    assert "hypercalcemia" not in _codes("mums calcium came back 11.2, albumin 3.5, shes a bit tired")
    assert "hypercalcemia" in _codes("mums calcium came back 11.8, albumin 3.0, shes a bit tired")


# ---- over-triage -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Dad had SVC syndrome in 2019 treated with a stent, he's fine now, "
        "just wondering if it can come back",
        "my mum had cord compression back in 2021, shes ok now, can it happen again",
        "I had a seizure in 2018 after my brain surgery, none since, is driving ok",
    ],
)
def test_a_condition_dated_years_ago_is_history_not_a_symptom(text: str) -> None:
    assert triage(text).urgency == "routine", text


def test_a_dated_history_with_a_new_symptom_is_still_triaged() -> None:
    result = triage("I had SVC syndrome in 2019 and now my face is swelling up again")
    assert "svc_syndrome" in [f.code for f in result.red_flags]


@pytest.mark.parametrize(
    "text",
    [
        "back ache after gardening all weekend, muscles feel stiff, "
        "got better after a hot bath, no leg problems",
        "sore back from lifting boxes, much better after a rest",
        "my back hurt after the gym yesterday, it eased off by the evening",
        "back pain from digging the garden, settled with ibuprofen and a hot water bottle",
    ],
)
def test_back_strain_that_eased_is_routine_ng234(text: str) -> None:
    assert "spinal_cord_compression" not in _codes(text), text


@pytest.mark.parametrize(
    "text",
    [
        "back ache after gardening, better after a bath, but now my legs feel weak",
        "back pain after lifting, getting worse at night",
        "back ache after gardening all weekend",
    ],
)
def test_back_pain_with_a_red_sign_or_not_eased_is_still_raised_ng234(text: str) -> None:
    assert "spinal_cord_compression" in _codes(text), text


@pytest.mark.parametrize(
    "text",
    [
        "I cant wake up in the mornings",
        "I just can't wake up, so tired all the time",
        "im on letrozole and i cant seem to wake up in the morning",
        "i can never wake up before 10 these days",
    ],
)
def test_trouble_waking_oneself_is_tiredness_not_collapse(text: str) -> None:
    assert "collapse" not in _codes(text), text


@pytest.mark.parametrize(
    "text",
    [
        "I can't wake him",
        "she won't wake up",
        "he could not be woken",
        "I can't wake my mum",
        "I cant wake up my husband",
        "I can't get her to wake up",
        "mum wont wake up and im scared",
        "i think he wont wake up, hes breathing funny",
    ],
)
def test_someone_who_cannot_be_woken_stays_an_emergency_ukons(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency", text
    assert "collapse" in _codes(text), text
