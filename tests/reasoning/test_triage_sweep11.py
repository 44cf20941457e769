"""Misses of the eleventh triage sweep, each written again in other words, with near misses that must keep
their reading.

- Sudden severe pain in a limb after a small load (lifting a kettle, turning over) with bone metastases, and
  the limb out of shape, not moving, or a crack heard: a pathological fracture (Mirels 1989; ESMO bone
  health 2014; the knowledge base's symptom-broken-bone): emergency, keep it still and go now.
- UKONS v3 amber side effects (a same-day call), each by concept:
  mouth ulcers that make eating hurt (CTCAE v5 oral mucositis grade 2: moderate pain, diet changed);
  a rash on alpelisib without blisters (Piqray label: grade 1-2 rash - topical steroid and antihistamine,
  grade 3 - interrupt; CTCAE v5 maculopapular rash graded by body area);
  numb feet or hands on a neurotoxic drug with dropping things (CTCAE v5 sensory neuropathy grade 2-3);
  eating very little with weight lost (UKONS v3 anorexia amber; CTCAE v5 anorexia grade 2);
  dizzy on standing with less drunk and less urine passed (UKONS v3 dehydration; CTCAE v5 dehydration);
  pain the opioid no longer controls (ASCO 2023 opioid guideline: titrate);
  food sticking on swallowing, getting worse (CTCAE v5 dysphagia; NICE NG12 dysphagia: urgent review);
  radiotherapy skin weeping or peeling in a fold (CTCAE v5 radiation dermatitis grade 2-3: moist
  desquamation; UKONS v3 radiotherapy skin);
  a corrected calcium of 2.8 with no unit is mmol/L (11.2 mg/dL): routine, but tell the team (Endocrine
  Society 2023).
- "the nurse said bleeding gums could be serious, mine are fine": reported speech with the symptom denied.
"""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.reasoning.triage import triage

# ---------------------------------------------- 1. pathological fracture after a small load (ESMO 2014)

FRACTURE_AFTER_SMALL_LOAD = [
    # the sweep's own message
    "sudden terrible pain in my upper arm after lifting the kettle and the arm looks a funny shape. "
    "I have bone mets",
    # paraphrases
    "I have bone mets and turned over in bed, now my thigh is agony and my leg is at a funny angle",
    "reached for a cup and felt awful pain in my arm, I can't move it now, the cancer is in my bones",
    "picked up my grandson and heard a crack in my arm, I have secondaries in my bones",
    "bone mets in my femur, sudden severe pain in my leg after stepping off the kerb and the leg looks "
    "out of shape",
]


@pytest.mark.parametrize("text", FRACTURE_AFTER_SMALL_LOAD)
def test_sudden_limb_pain_with_deformity_and_bone_mets_is_an_emergency(text: str) -> None:
    result = triage(text)
    code = _codes(text).get("pathologic_fracture_risk")
    assert code == "emergency", (text, result.red_flags, result.matched)
    assert result.urgency == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "my breast looks a funny shape since the surgery",
        "I slept at a funny angle and my neck is a bit stiff",
        "my lymphoedema arm looks a funny shape in the sleeve",
        "can't move my arm above my head since the radiotherapy, it's stiff",
    ],
)
def test_a_funny_shape_or_stiffness_without_a_fracture_is_not_an_emergency(text: str) -> None:
    assert _codes(text).get("pathologic_fracture_risk") != "emergency", (text, triage(text).red_flags)


# ------------------------------------------------------- 2a. mouth ulcers that make eating hurt (CTCAE g2)

PAINFUL_EATING_ULCERS = [
    "sore mouth with ulcers, it hurts to eat but I can drink ok",
    "ulcers in my mouth and eating is painful, drinks are fine",
    "my mouth is full of sores and it stings when I eat",
    "mouth ulcers, painful to eat anything crunchy",
]


@pytest.mark.parametrize("text", PAINFUL_EATING_ULCERS)
def test_mouth_ulcers_that_make_eating_hurt_are_same_day(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("severe_mucositis") == "urgent", (text, result.red_flags, result.matched)


@pytest.mark.parametrize(
    "text",
    [
        "one small mouth ulcer, doesn't hurt",
        "mouth ulcer, eating is fine",
        "my tooth hurts when I eat something cold",
    ],
)
def test_painless_ulcers_or_toothache_are_not_raised(text: str) -> None:
    assert "severe_mucositis" not in _codes(text), (text, triage(text).red_flags)


# ------------------------------------------------------------------ 2b. a rash on alpelisib (Piqray label)

ALPELISIB_RASH = [
    "itchy rash on my arms and chest since starting alpelisib, no blisters",
    "itchy red rash on my arms since starting piqray, no blisters, otherwise well",
    "itchy rash on my chest since starting Piqray, no blisters",
    "I've come out in a red rash on my tummy and back, I'm on alpelisib",
]


@pytest.mark.parametrize("text", ALPELISIB_RASH)
def test_a_rash_on_alpelisib_is_same_day(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("severe_skin_reaction") == "urgent", (text, result.red_flags, result.matched)
    flag = next(f for f in result.red_flags if f.code == "severe_skin_reaction")
    assert "fda-label-alpelisib" in flag.sources


@pytest.mark.parametrize(
    "text",
    [
        "no rash since starting alpelisib",
        "on alpelisib, had a rash last month but it has cleared",
        "small itchy rash on my wrist from a new watch strap",
    ],
)
def test_no_rash_or_a_cleared_rash_on_alpelisib_is_not_raised(text: str) -> None:
    assert "severe_skin_reaction" not in _codes(text), (text, triage(text).red_flags)


# -------------------------------------------------------- 2c. neuropathy that limits function (CTCAE g2-3)

NEUROPATHY_FUNCTION = [
    "feet tingling and numb since paclitaxel, getting worse, I keep dropping things",
    "numb toes from the docetaxel and now I keep dropping my cup",
    "pins and needles in my feet on eribulin, can't do my buttons now",
]


@pytest.mark.parametrize("text", NEUROPATHY_FUNCTION)
def test_numb_feet_with_a_hand_task_hard_is_same_day(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("peripheral_neuropathy") == "urgent", (text, result.red_flags, result.matched)


@pytest.mark.parametrize(
    "text",
    [
        "feet a bit tingly since paclitaxel, still doing everything",
        "I keep dropping things, I'm so clumsy lately",
    ],
)
def test_mild_tingling_or_clumsiness_alone_is_not_neuropathy(text: str) -> None:
    assert "peripheral_neuropathy" not in _codes(text), (text, triage(text).red_flags)


# ------------------------------------------------------- 2d. eating very little with weight lost (UKONS)

ANOREXIA_WEIGHT = [
    "not eating much at all for a week and lost half a stone",
    "I've hardly eaten for days and I've lost 3 kg",
    "no appetite at all and my clothes are falling off me, lost weight fast",
    "barely eating and I've lost a lot of weight this month",
]


@pytest.mark.parametrize("text", ANOREXIA_WEIGHT)
def test_eating_very_little_with_weight_loss_is_same_day(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent", (text, result.red_flags, result.matched)
    assert "severe_vomiting" in _codes(text), result.red_flags


@pytest.mark.parametrize(
    "text",
    [
        "I've lost half a stone on my diet and feel great",
        "not eating much meat these days",
        "lost weight on purpose",
    ],
)
def test_weight_loss_by_choice_is_not_raised(text: str) -> None:
    assert triage(text).urgency == "routine", (text, triage(text).red_flags)


# ---------------------------------------------------- 2e. dehydration: dizzy standing, less drink and urine

DEHYDRATION = [
    "dizzy when I stand up, drinking less and peeing much less than usual since chemo",
    "lightheaded when I get up, I'm not drinking much and hardly weeing",
    "feel faint standing up and my wee is dark and there's not much of it",
]


@pytest.mark.parametrize("text", DEHYDRATION)
def test_dizzy_on_standing_with_less_urine_is_same_day(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("severe_diarrhea_dehydration") in ("urgent", "emergency"), (
        text,
        result.red_flags,
        result.matched,
    )
    assert result.urgency in ("urgent", "emergency")


def test_dizzy_on_standing_alone_stays_routine() -> None:
    assert "severe_diarrhea_dehydration" not in _codes("a bit dizzy when I stand up too fast, drinking fine")


# ------------------------------------------------------ 2f. pain the opioid no longer controls (ASCO 2023)

OPIOID_NOT_ENOUGH = [
    "pain in my ribs isn't controlled by my oxycodone anymore, I need something stronger",
    "the morphine doesn't hold my hip pain now, I need something stronger",
    "my oxycodone stopped working for my back pain",
    "need stronger painkillers, the ones I have don't touch my bone pain",
]


@pytest.mark.parametrize("text", OPIOID_NOT_ENOUGH)
def test_pain_not_held_by_the_opioid_is_same_day(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("uncontrolled_pain") == "urgent", (text, result.red_flags, result.matched)


@pytest.mark.parametrize(
    "text",
    [
        "the oxycodone controls my pain well",
        "is oxycodone stronger than morphine?",
        "I need a stronger coffee",
    ],
)
def test_controlled_pain_or_a_question_is_not_raised(text: str) -> None:
    assert "uncontrolled_pain" not in _codes(text), (text, triage(text).red_flags)


# ------------------------------------------------------------- 2g. progressive dysphagia (urgent review)

DYSPHAGIA = [
    "food sticking when I swallow, it's getting worse over a few weeks",
    "food keeps getting stuck in my throat, worse every week",
    "finding it harder and harder to swallow solid food",
    "bread and meat get stuck on the way down, it's been getting worse",
]


@pytest.mark.parametrize("text", DYSPHAGIA)
def test_food_sticking_and_getting_worse_is_same_day(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent", (text, result.red_flags, result.matched)


@pytest.mark.parametrize(
    "text",
    [
        "a fishbone got stuck in my throat last year",
        "my tablets are big and hard to swallow",
        "stuck at home, worse weather",
    ],
)
def test_a_one_off_or_big_tablets_is_not_dysphagia(text: str) -> None:
    assert triage(text).urgency == "routine", (text, triage(text).red_flags)


# -------------------------------------------------- 2h. moist desquamation after radiotherapy (CTCAE g2-3)

MOIST_DESQUAMATION = [
    "the radiotherapy skin under my breast is weeping and peeling in the fold",
    "my skin is broken and oozing where they gave the radiotherapy",
    "after radiation the skin in my armpit has gone raw and wet",
    "radiotherapy burn under my boob is weepy and the skin came off",
]


@pytest.mark.parametrize("text", MOIST_DESQUAMATION)
def test_weeping_radiotherapy_skin_is_same_day(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("severe_skin_reaction") == "urgent", (text, result.red_flags, result.matched)
    flag = next(f for f in result.red_flags if f.code == "severe_skin_reaction")
    assert "radiotherapy" in flag.public.lower()


@pytest.mark.parametrize(
    "text",
    ["my radiotherapy skin is a bit pink and itchy", "skin a little dry and flaky after radiotherapy"],
)
def test_pink_or_dry_radiotherapy_skin_is_not_raised(text: str) -> None:
    assert "severe_skin_reaction" not in _codes(text), (text, triage(text).red_flags)


# --------------------------------------------------- 2i. corrected calcium 2.8 (mmol/L): routine, tell team


@pytest.mark.parametrize(
    "text",
    ["corrected calcium 2.8 on my bloods, no symptoms really", "adjusted calcium was 2.75, feel fine"],
)
def test_calcium_in_mmol_below_3_is_routine_and_the_team_is_told(text: str) -> None:
    result = triage(text)
    assert result.urgency == "routine", result.red_flags
    assert "calcium" in result.advice.public.lower() and "team" in result.advice.public.lower(), result.advice


def test_calcium_in_mmol_from_3_is_urgent() -> None:
    assert _codes("corrected calcium 3.1 on my bloods").get("hypercalcemia") == "urgent"


# ------------------------------------------------------ 3. reported speech with the symptom denied

REPORTED_AND_DENIED = [
    "the chemo nurse said bleeding gums could be serious, mine are fine, how do I look after my mouth?",
    "the leaflet says bleeding gums can be serious, mine are ok, what toothbrush should I use?",
    "my nurse said to watch for bleeding gums, mine are fine, is mouthwash ok?",
]


@pytest.mark.parametrize("text", REPORTED_AND_DENIED)
def test_a_denied_reported_symptom_is_not_raised(text: str) -> None:
    result = triage(text)
    assert "bleeding_bruising" not in _codes(text), (text, result.red_flags)
    assert result.urgency == "routine"


@pytest.mark.parametrize(
    "text",
    [
        "the nurse said bleeding gums could be serious, and mine have been bleeding since yesterday",
        "my gums keep bleeding on chemo",
    ],
)
def test_bleeding_gums_said_as_ones_own_still_raise(text: str) -> None:
    assert "bleeding_bruising" in _codes(text), (text, triage(text).red_flags)


def test_sudden_pain_after_a_small_load_with_bone_mets_and_no_deformity_is_same_day() -> None:
    text = "sudden terrible pain in my upper arm after lifting the kettle, I have bone mets"
    assert _codes(text).get("pathologic_fracture_risk") == "urgent", triage(text).red_flags
