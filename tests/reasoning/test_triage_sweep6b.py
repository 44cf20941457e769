"""What the sixth untouched triage sweep still missed after its first fix round, each situation written
again in other words (verbs, word order, UK/US spelling, misspellings, a carer's voice), with near misses
that must keep their reading.

- Mouth sores: "can't swallow any fluids" was read as a hedge ("can't see any blood") and so negated;
  a soft diet said as "soft stuff" was not read (CTCAE v5 grade 2 mucositis, UKONS amber).
- Jaundice said as "very yellow", and a bilirubin said as a multiple of normal, with confusion: possible
  liver failure with encephalopathy (EASL 2017), an emergency.
- Diarrhoea 4-6 times a day, or going on despite loperamide (CTCAE v5 grade 2; UKONS amber; neratinib
  label), and vomiting with much less eaten (UKONS amber, as nausea with much less eaten already was).
- Palpitations on ribociclib (label: QT prolongation, report a change in heartbeat) are a same-day ECG;
  with fainting they stay an emergency.
- Blurred eyes (not only "blurred vision") are a same-day check; on Dato-DXd or T-DXd the text speaks of
  the eyes.
- Tingling round the mouth or cramps on denosumab or zoledronic acid: possible low calcium (labels).
- A haemoglobin written in the text (g/L or g/dL by its size) below 8 g/dL, or below 10 g/dL with
  dizziness, breathlessness or fainting: symptomatic anaemia (CTCAE v5 grade 2-3), a same-day check.
- Low mood without thoughts of self-harm stays routine (ASQ negative; ASCO 2023 stepped care), but the
  advice says to tell the team soon.
"""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.reasoning.triage import triage

# ---------------------------------------------------------------------------------------- mouth sores

MUCOSITIS_NO_FLUIDS = [
    # the sweep's own message
    "mouth ulcers so bad I can't swallow any fluids at all since yesterday, on capecitabine",
    "cannot drink any water, my mouth is full of ulcers",
    "my mouth sores are so painful I havent been able to drink anything since last night",
    "mums mouth is covered in ulcers and she cant get any fluids down",
    "ulcers all over my tongue, unable to swallow anything, not even water",
    "mouth so raw on xeloda i cant drink any liquids",
]


@pytest.mark.parametrize("text", MUCOSITIS_NO_FLUIDS)
def test_mouth_sores_with_no_fluids_are_at_least_a_same_day_review(text: str) -> None:
    result = triage(text)
    assert "severe_mucositis" in _codes(text), (text, result.red_flags)
    assert result.urgency in ("urgent", "emergency")


@pytest.mark.parametrize(
    "text",
    [
        "mouth ulcers so bad I can't drink anything and I feel dizzy when I stand",
        "my mouth is too sore to drink, haven't had any fluids since yesterday, and I nearly fainted",
        "can't swallow any fluids because of mouth ulcers, and I've barely peed all day",
    ],
)
def test_mouth_sores_with_no_fluids_and_a_sign_of_dehydration_are_an_emergency(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags)
    assert _codes(text).get("severe_mucositis") == "emergency"


SOFT_DIET = [
    "mouth is sore with a few ulcers, can eat soft stuff and drink, on capecitabine",
    "ulcers in my mouth, sticking to soft foods at the moment",
    "sore mouth on xeloda, living on mashed potato and soup",
    "my gums are raw and I can only manage mushy things",
    "mouth ulcers, just having soups and yoghurt, drinking ok",
]


@pytest.mark.parametrize("text", SOFT_DIET)
def test_mouth_sores_limiting_food_to_soft_things_are_urgent_grade_2(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent", (text, result.red_flags)
    assert _codes(text).get("severe_mucositis") == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "a couple of small mouth ulcers, eating and drinking normally",
        "I can't drink any alcohol on capecitabine, is that right?",
        "soft food diet for a few days after my tooth came out, no pain",
        "mouth ulcer, I can't find any bonjela in the shops",
    ],
)
def test_mild_mouth_ulcers_and_everyday_talk_are_not_mucositis(text: str) -> None:
    assert "severe_mucositis" not in _codes(text), triage(text).red_flags


# ------------------------------------------------------------------------------------------- liver

LIVER_FAILURE = [
    # the sweep's own message
    "Bilirubin went up to 5 times normal, very yellow, tummy massive and my husband says "
    "I'm not making sense",
    "her skin is really yellow and she's muddled today",
    "mum is very yellow and talking nonsense",
    "bili is 4x the upper limit and he is confused",
    "my bilirubin is 6 times the normal level and I'm so drowsy I can't stay awake",
    "he's looking so yellow, very sleepy and not with it",
]


@pytest.mark.parametrize("text", LIVER_FAILURE)
def test_jaundice_or_high_bilirubin_with_confusion_is_liver_failure_emergency(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags)
    assert _codes(text).get("liver_failure") == "emergency"


@pytest.mark.parametrize(
    "text", ["I've gone very yellow", "my bilirubin is 3 times normal now", "bilirubin went up to 5x ULN"]
)
def test_jaundice_or_a_bilirubin_three_times_normal_alone_is_urgent(text: str) -> None:
    assert _codes(text).get("liver_failure") == "urgent", triage(text).red_flags


@pytest.mark.parametrize(
    "text",
    [
        "my wee is very yellow, I need to drink more",
        "coughing up very yellow phlegm",
        "bilirubin was normal on my last bloods",
        "the nurse said my bilirubin is slightly up, Gilbert's",
        "very yellow bruise on my arm",
    ],
)
def test_yellow_things_and_normal_bilirubin_are_not_liver_failure(text: str) -> None:
    assert "liver_failure" not in _codes(text), triage(text).red_flags


# ----------------------------------------------------------------------------------------- diarrhoea

DIARRHOEA_GRADE_2 = [
    # the sweep's own message
    "loose stools 4-6 a day on neratinib despite loperamide",
    "runny poo five times a day on Nerlynx",
    "diarrhoea 4 times today even with the imodium",
    "still having the runs after taking loperamide",
    "my husband has had watery stools six times since this morning on verzenio",
    "diarhea keeps going despite the loperamide",
]


@pytest.mark.parametrize("text", DIARRHOEA_GRADE_2)
def test_diarrhoea_four_to_six_a_day_or_despite_loperamide_is_urgent(text: str) -> None:
    result = triage(text)
    assert result.urgency in ("urgent", "emergency"), (text, result.red_flags)
    assert "severe_diarrhea_dehydration" in _codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "loose stool once yesterday, settled with loperamide",
        "I take loperamide before long car trips, no diarrhoea at the moment",
        "drinking 4-6 cups of tea a day",
        "had diarrhoea twice last week, fine now",
    ],
)
def test_settled_or_mild_diarrhoea_is_not_flagged(text: str) -> None:
    assert "severe_diarrhea_dehydration" not in _codes(text), triage(text).red_flags


# ----------------------------------------------------------------------------- vomiting, eating less


@pytest.mark.parametrize(
    "text",
    [
        "off my food for a week, lost half a stone, vomiting once a day",
        "been sick every day and I'm barely eating",
        "throwing up each morning and have lost my appetite",
        "vomited today and I'm eating about half what I normally do",
    ],
)
def test_vomiting_with_much_less_eaten_is_urgent_ukons_amber(text: str) -> None:
    assert _codes(text).get("severe_vomiting") == "urgent", triage(text).red_flags


@pytest.mark.parametrize(
    "text", ["vomited once last week, eating fine now", "off my food a bit but no sickness or anything"]
)
def test_one_past_vomit_or_a_small_appetite_alone_is_routine(text: str) -> None:
    assert triage(text).urgency == "routine", triage(text).red_flags


# -------------------------------------------------------------------------------- ribociclib heart


@pytest.mark.parametrize(
    "text",
    [
        "heart feels like it's fluttering and skipping, on ribociclib, no chest pain",
        "on kisqali and my heart keeps racing",
        "palpitations since starting ribociclib",
        "my wife's heartbeat is all irregular since the Kisqali",
    ],
)
def test_palpitations_on_ribociclib_are_a_same_day_ecg(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("arrhythmia_qt_prolongation") in ("urgent", "emergency"), result.red_flags
    assert result.urgency in ("urgent", "emergency")


def test_palpitations_with_fainting_on_ribociclib_stay_an_emergency() -> None:
    text = "heart racing on kisqali and I fainted in the kitchen"
    assert _codes(text).get("arrhythmia_qt_prolongation") == "emergency"


@pytest.mark.parametrize(
    "text", ["on ribociclib, heart fine, ECG was normal", "my heart was racing watching the football"]
)
def test_a_normal_heart_or_excitement_is_not_qt(text: str) -> None:
    assert "arrhythmia_qt_prolongation" not in _codes(text), triage(text).red_flags


# ------------------------------------------------------------------------------------------- eyes


@pytest.mark.parametrize(
    "text",
    [
        "my eyes are very dry and blurry on enhertu",
        "eyes gone blurry and sore since the datroway",
        "on dato-dxd, my eyes feel gritty and my sight is misty",
        "my eye is blurred and painful after Enhertu",
    ],
)
def test_blurred_or_sore_eyes_on_a_deruxtecan_adc_are_a_same_day_check(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent", (text, result.red_flags)
    assert "eye" in result.red_flags[0].public.lower()


@pytest.mark.parametrize(
    "text",
    [
        "my eyes are blurry from crying",
        "eyes a bit tired and blurry after reading on my screen",
        "do I need eye drops on enhertu?",
    ],
)
def test_tired_eyes_and_questions_are_not_flagged(text: str) -> None:
    assert triage(text).urgency == "routine", triage(text).red_flags


# --------------------------------------------------------------------------------- low calcium

HYPOCALCAEMIA = [
    "tingling around my mouth and muscle cramps after starting denosumab",
    "pins and needles round my lips since my xgeva jab",
    "had my zometa last week and now my hands keep cramping and my lips are tingly",
    "she's twitching and has cramps since the denosumab injection",
    "numb lips and muscle spasms after Prolia",
]


@pytest.mark.parametrize("text", HYPOCALCAEMIA)
def test_low_calcium_signs_on_a_bone_drug_are_urgent(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent", (text, result.red_flags)
    assert _codes(text).get("hypocalcemia") == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "leg cramps at night, not on any bone drug",
        "tingling in my fingers on paclitaxel",
        "had my xgeva injection today, feel fine",
        "my mouth tingles after spicy food",
    ],
)
def test_cramps_or_tingling_without_a_bone_drug_are_not_low_calcium(text: str) -> None:
    assert "hypocalcemia" not in _codes(text), triage(text).red_flags


# ------------------------------------------------------------------------------------------ anaemia

ANAEMIA = [
    "tired all the time and getting dizzy, very pale, last hb was 85",
    "haemoglobin 7.6 on my bloods today",
    "my hb is 78 g/L and I get breathless on the stairs",
    "Hgb 8.9 and I nearly passed out",
    "hemoglobin was 9.2, I'm dizzy and short of breath",
]


@pytest.mark.parametrize("text", ANAEMIA)
def test_symptomatic_or_grade_3_anaemia_is_urgent(text: str) -> None:
    result = triage(text)
    assert result.urgency in ("urgent", "emergency"), (text, result.red_flags)
    assert _codes(text).get("symptomatic_anemia") == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "hb 125, feeling fine",
        "my haemoglobin was 11.2 last week",
        "hb 9.5, a bit tired but ok",
        "HbA1c 48 on my diabetes check",
    ],
)
def test_normal_or_mild_haemoglobin_is_not_flagged(text: str) -> None:
    assert "symptomatic_anemia" not in _codes(text), triage(text).red_flags


# -------------------------------------------------------------------------------------------- mood


@pytest.mark.parametrize(
    "text",
    [
        # (sweep 10 changed the decision for "feel very low, crying every day, not enjoying anything, but I
        # don't want to hurt myself": low mood with no joy in anything is severe distress, a call within days;
        # test_triage_sweep10d.py)
        "I'm so down all the time and can't stop crying",
        "mum has been really low and tearful for weeks",
    ],
)
def test_low_mood_without_self_harm_is_routine_but_says_tell_the_team_soon(text: str) -> None:
    result = triage(text)
    assert result.urgency == "routine", result.red_flags
    public = result.advice.public.lower()
    assert "soon" in public and "988" in public


def test_not_on_chemo_is_not_read_as_on_chemo() -> None:
    result = triage("cough with green phlegm for 3 days, temp 37.4, not on chemo at the moment")
    assert "febrile_neutropenia" not in _codes(result.text)
    # read as negated, so not matched; the "not present" list names symptoms only (voice review item 2)
    assert "on chemotherapy or a drug that lowers blood counts" not in result.matched
    assert "on chemotherapy or a drug that lowers blood counts" not in result.negated
