"""What the eighth untouched triage sweep missed, each situation written again in other words, with near
misses that must keep their reading.

- Heavy external bleeding (a wound pouring, gushing or soaking through, or bleeding heavily that will not
  stop) is an emergency (UKONS v3: severe haemorrhage goes straight to emergency services).
- Chest pain in the centre of the chest, or spreading down the arm or to the jaw, is cardiac-sounding
  chest pain (UKONS v3: severe chest pain is an acute emergency).
- Suddenly not able to stand or walk on a painful bone is a possible pathological fracture (emergency),
  not a cord sign.
- Flushing, chest tightness or dizziness during or just after an infusion is an infusion reaction
  (anaphylaxis pathway, WAO 2020).
- Mouth sores with nothing at all by mouth, not even water, for a day are WHO/CTCAE grade 4 mucositis
  (oral intake impossible): an emergency; "can't swallow" with mouth sores is not a cranial nerve sign.
"""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.reasoning.triage import triage

# ------------------------------------------------------------------------------- heavy external bleeding

HEAVY_BLEEDING = [
    # the sweep's own messages
    "the wound on my breast is pouring blood and won't stop even after pressing on it for 20 mins",
    "my breast wound is bleeding heavily and will not stop",
    "wound pouring blood",
    # paraphrases
    "blood is gushing from the tumour on my chest",
    "the dressing has soaked through with blood twice in the last hour",
    "my fungating wound is bleeding heavily and it won't stop",
    "blood pouring out of the wound under my arm",
    "mum's chest wound is bleeding heavily and we cannot stop it",
]


@pytest.mark.parametrize("text", HEAVY_BLEEDING)
def test_heavy_external_bleeding_is_an_emergency(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags)
    assert _codes(text).get("bleeding_bruising") == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "my wound bled a little when I changed the dressing, stopped with pressure",
        "a small spot of blood on the dressing today",
        "my blood pressure is pouring out of the charts lol, 150 over 90 at the GP",
        "the rain was pouring when I went for my blood test",
    ],
)
def test_small_or_stopped_bleeding_is_not_an_emergency(text: str) -> None:
    assert triage(text).urgency != "emergency", (text, triage(text).red_flags)


# ------------------------------------------------------------------------------------ cardiac chest pain

CARDIAC_CHEST_PAIN = [
    # the sweep's own messages
    "crushing pain in the centre of my chest going down my left arm, I'm sweaty. I'm on ribociclib",
    "pain in my chest going down my left arm",
    # paraphrases
    "a heavy pain in the middle of my chest that is spreading up into my jaw",
    "squeezing pain in the center of my chest for 20 minutes",
    "pain across my chest spreading down both arms",
    "my chest hurts and the pain is moving into my left arm",
]


@pytest.mark.parametrize("text", CARDIAC_CHEST_PAIN)
def test_chest_pain_spreading_to_the_arm_or_crushing_is_an_emergency(text: str) -> None:
    assert _codes(text).get("chest_pain_cardiac") == "emergency", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "rash on my chest spreading to my arm, itchy",
        "pain in my left arm where they took the blood, chest is fine",
    ],
)
def test_chest_words_without_cardiac_pain_are_not_a_cardiac_emergency(text: str) -> None:
    assert _codes(text).get("chest_pain_cardiac") != "emergency", (text, triage(text).red_flags)


# -------------------------------------------------------------------------- cannot bear weight on a met

CANT_BEAR_WEIGHT = [
    # the sweep's own message
    "the pain in my hip where the tumour is has got much worse and since this morning I can't stand or walk"
    " on it",
    # paraphrases
    "since this morning i can't put any weight on my leg where the bone met is",
    "my thigh where the cancer is hurts so much I can't walk on it since lunchtime",
    "hip met pain is worse and now i cannot stand on it at all",
    "can't stand on my left leg since this morning, the femur met is agony",
]


@pytest.mark.parametrize("text", CANT_BEAR_WEIGHT)
def test_new_inability_to_bear_weight_on_a_met_is_a_possible_fracture(text: str) -> None:
    codes = _codes(text)
    assert codes.get("pathologic_fracture_risk") == "emergency", (text, triage(text).red_flags)
    assert "spinal_cord_compression" not in codes, (text, codes)


def test_back_pain_with_trouble_walking_is_still_cord_compression() -> None:
    assert _codes("bad back pain and now I can't walk properly")["spinal_cord_compression"] == "emergency"


# ----------------------------------------------------------------------------------- infusion reactions

INFUSION_REACTIONS = [
    # the sweep's own message
    "20 mins into the paclitaxel drip i went all flushed, pain in my back, chest tight and very dizzy",
    # paraphrases
    "during my herceptin infusion I went bright red and my chest felt tight",
    "half an hour after my docetaxel infusion I felt flushed and very dizzy",
    "on the drip today I got flushed and struggled to breathe",
    "ten minutes into the chemo infusion my face went red hot and my chest went tight",
]


@pytest.mark.parametrize("text", INFUSION_REACTIONS)
def test_flushing_tight_chest_or_dizziness_during_an_infusion_is_anaphylaxis(text: str) -> None:
    codes = _codes(text)
    assert codes.get("anaphylaxis") == "emergency", (text, triage(text).red_flags)
    assert "spinal_cord_compression" not in codes, (text, codes)


@pytest.mark.parametrize(
    "text",
    [
        "I get hot flushes at night on tamoxifen",
        "my face went a bit flushed the day after my docetaxel, no other problems",
    ],
)
def test_flushing_alone_is_not_anaphylaxis(text: str) -> None:
    assert "anaphylaxis" not in _codes(text), (text, triage(text).red_flags)


# ------------------------------------------------------------------------ mouth sores, nothing by mouth

MOUTH_NOTHING_FOR_A_DAY = [
    # the sweep's own message
    "mouth ulcers so bad i can't swallow anything at all, not even water, since yesterday. on capecitabine",
    # paraphrases
    "my mouth is full of sores and I haven't been able to drink anything, not even sips of water, for 24"
    " hours",
    "can't get anything down, not even water, because of the mouth ulcers, since yesterday",
    "ulcers all over my mouth, unable to swallow any fluids for two days",
]


@pytest.mark.parametrize("text", MOUTH_NOTHING_FOR_A_DAY)
def test_mouth_sores_with_nothing_by_mouth_for_a_day_are_an_emergency(text: str) -> None:
    codes = _codes(text)
    assert codes.get("severe_mucositis") == "emergency", (text, triage(text).red_flags)
    assert "leptomeningeal_disease" not in codes, (text, codes)


@pytest.mark.parametrize(
    "text",
    [
        "my mouth ulcers are so sore I can only manage soup and yoghurt",
        "mouth ulcers make it hard to eat, still drinking fine",
    ],
)
def test_mouth_sores_with_fluids_still_going_down_are_not_an_emergency(text: str) -> None:
    assert triage(text).urgency != "emergency", (text, triage(text).red_flags)


def test_trouble_swallowing_without_mouth_sores_keeps_its_cranial_nerve_reading() -> None:
    assert "leptomeningeal_disease" in _codes("trouble swallowing and my chin has gone numb")


# ------------------------------------------------------------------ urgent findings read as routine

SPINAL_PAIN_NG234 = [
    # the sweep's own messages
    "new pain in the middle of my back for 2 weeks, worse lying down at night. legs are fine and no problems"
    " with my bladder",
    "shooting pain down my leg from my lower back, getting worse, but i can still walk fine and wee normally",
    # paraphrases
    "aching pain in the middle of my back that keeps me up",
    "a new ache in my lower back for a fortnight",
    "burning pain shooting down my left leg from my back",
    "sciatica down my right leg for a week and it's getting worse",
]


@pytest.mark.parametrize("text", SPINAL_PAIN_NG234)
def test_spinal_or_radicular_pain_is_same_day_ng234(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("spinal_cord_compression") == "urgent", (text, result.red_flags)
    assert result.urgency == "urgent"


ARM_MET_FUNCTIONAL_PAIN = [
    # the sweep's own message
    "pain in my upper arm where the met is, worse when I lift the kettle, getting worse over a week",
    # paraphrases
    "the pain in my arm where the cancer is gets worse when I lift anything",
    "ache in my shoulder where the tumour is, hurts when I carry the shopping",
    "pain in my upper arm at the met site, it hurts lifting a cup",
]


@pytest.mark.parametrize("text", ARM_MET_FUNCTIONAL_PAIN)
def test_pain_on_use_at_an_arm_met_is_a_fracture_risk_review(text: str) -> None:
    assert _codes(text).get("pathologic_fracture_risk") == "urgent", (text, triage(text).red_flags)


DIARRHOEA_GRADE_2 = [
    # the sweep's own messages
    "on abemaciclib, 5 runny poos today, drinking fine, no temperature",
    "on tucatinib and cape, 6 watery stools a day for 2 days, still drinking ok, no fever",
    # paraphrases
    "4 loose stools since breakfast on verzenio",
    "had six runny poos today",
    "five watery bowel motions today",
]


@pytest.mark.parametrize("text", DIARRHOEA_GRADE_2)
def test_four_to_six_loose_stools_a_day_are_grade_2_diarrhoea(text: str) -> None:
    assert _codes(text).get("severe_diarrhea_dehydration") == "urgent", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "4 loose stools over the last week, otherwise fine",
        "I normally do 4 poos a day, nothing has changed",
    ],
)
def test_stool_counts_over_a_week_or_as_usual_are_routine(text: str) -> None:
    assert triage(text).urgency == "routine", (text, triage(text).red_flags)


NOSEBLEED_LOW_PLATELETS = [
    "had a nosebleed that lasted 15 min then stopped, my platelets were low last week",
    "nose bleeding on and off today and my platelets are low",
    "my platelets are very low and I had a nosebleed this morning",
    "a nosebleed for 10 minutes, platelet count was low on Monday",
]


@pytest.mark.parametrize("text", NOSEBLEED_LOW_PLATELETS)
def test_a_nosebleed_with_low_platelets_is_same_day(text: str) -> None:
    assert _codes(text).get("bleeding_bruising") in ("urgent", "emergency"), (text, triage(text).red_flags)


def test_a_short_nosebleed_with_normal_platelets_is_routine() -> None:
    assert triage("a small nosebleed after blowing my nose, platelets were normal").urgency == "routine"


LYMPHOEDEMA_CELLULITIS = [
    # the sweep's own message
    "my arm on the lymphoedema side has gone red, hot and more swollen since yesterday, no temperature",
    # paraphrases
    "the arm with lymphoedema has turned red and feels hot",
    "my lymphedema arm is red, warm and more swollen today",
    "my arm on the surgery side has gone red and angry, and it is more swollen",
]


@pytest.mark.parametrize("text", LYMPHOEDEMA_CELLULITIS)
def test_a_red_hot_swollen_lymphoedema_arm_is_same_day(text: str) -> None:
    # named skin_infection (cellulitis) since sweep 10 (BLS/LSN consensus), no longer arm_swelling
    assert _codes(text).get("skin_infection") == "urgent", (text, triage(text).red_flags)


# ---------------------------------------------------------------------------------------- over-triage

QUESTIONS_ABOUT_SOMEONE_WELL = [
    # the sweep's own message
    "what's the difference between a seizure and a faint? asking for my dad who has brain mets, he's fine at"
    " the moment",
    # paraphrases
    "how do you tell apart a fit or a faint? my husband is fine now",
    "whats the difference between a seizure and fainting, mum is ok at the moment",
    "what is the difference between a fit and a blackout? asking for my sister, she's fine today",
]


@pytest.mark.parametrize("text", QUESTIONS_ABOUT_SOMEONE_WELL)
def test_a_question_comparing_terms_about_someone_well_is_not_an_emergency(text: str) -> None:
    assert triage(text).urgency != "emergency", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "what's the difference between a seizure and a faint? my dad is having one right now",
        "my dad had a seizure, he's fine at the moment",
        "whats the difference between a fit and a faint, my mum just had one",
    ],
)
def test_a_question_with_an_event_now_stays_an_emergency(text: str) -> None:
    assert triage(text).urgency == "emergency", (text, triage(text).red_flags)


PASSIVE_DEATH_WISH = [
    # the sweep's own message
    "sometimes think it'd be easier not to wake up in the morning, but I wouldn't do anything to myself",
    # paraphrases
    "I'd rather not wake up some days, I would never act on it",
    "honestly it'd be easier to not wake up some mornings, no plans though",
    "I would rather not wake up tomorrow, but I won't do anything",
]


@pytest.mark.parametrize("text", PASSIVE_DEATH_WISH)
def test_a_passive_death_wish_is_not_a_collapse(text: str) -> None:
    codes = _codes(text)
    assert "collapse" not in codes, (text, codes)
    assert codes.get("suicidal_ideation") == "urgent", (text, codes)


@pytest.mark.parametrize("text", ["mum won't wake up and I'm scared", "he is no better and won't wake up"])
def test_someone_who_will_not_wake_is_still_a_collapse(text: str) -> None:
    assert _codes(text).get("collapse") == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "is bone pain from the filgrastim injections normal? dull ache in my hips and back, no fever",
        "aching back and hips since my neulasta injection, is that normal",
        "on pegfilgrastim and my lower back aches a bit",
    ],
)
def test_back_ache_on_gcsf_is_an_expected_effect(text: str) -> None:
    assert "spinal_cord_compression" not in _codes(text), (text, triage(text).red_flags)


def test_cord_signs_on_gcsf_stay_an_emergency() -> None:
    codes = _codes("back pain on neulasta and my legs have gone weak")
    assert codes["spinal_cord_compression"] == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "my chest feels tight when I get anxious before scans, it settles with breathing exercises and the GP"
        " checked my heart",
        "chest gets tight when I panic, it passes after a few minutes",
        "tight chest when I'm stressed, my ECG was normal and my heart was checked",
    ],
)
def test_chest_tightness_with_anxiety_that_settles_is_not_same_day(text: str) -> None:
    assert "chest_pain_cardiac" not in _codes(text), (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "chest feels tight and I am anxious about it",
        "crushing chest pain, I'm anxious, it settled a bit",
    ],
)
def test_chest_pain_without_reassurance_still_counts(text: str) -> None:
    assert "chest_pain_cardiac" in _codes(text), (text, triage(text).red_flags)


AFEBRILE_LOW_COUNT = [
    # the sweep's own messages
    "bloods today neutrophils 0.8 on palbociclib, no temperature, feel fine, should I take tomorrow's"
    " tablet?",
    "ANC 800 on palbociclib",
    # paraphrases
    "neutrophils 0.6 on ribociclib, I feel fine",
    "my ANC was 700 on verzenio, no fever",
    "on ibrance, neutrophil count 0.9 this week",
]


@pytest.mark.parametrize("text", AFEBRILE_LOW_COUNT)
def test_grade_3_neutropenia_on_a_cdk46_inhibitor_is_a_same_day_call(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent", (text, result.red_flags)
    # named neutropenia (not febrile neutropenia: no fever) since sweep 10
    flag = next(f for f in result.red_flags if f.code == "neutropenia")
    assert "fda-label-palbociclib" in flag.sources


@pytest.mark.parametrize(
    "text", ["neutrophils 1.2 on palbociclib, feel fine", "ANC 800, not on any treatment now"]
)
def test_a_count_of_1000_or_more_or_off_treatment_is_not_flagged(text: str) -> None:
    assert triage(text).urgency == "routine", (text, triage(text).red_flags)


def test_a_low_count_with_fever_stays_febrile_neutropenia() -> None:
    assert _codes("ANC 800 on palbociclib and temp 38.4")["febrile_neutropenia"] == "emergency"
