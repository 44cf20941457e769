"""Fourth untouched triage sweep: the fixes for sweep 3 were bound to its wordings. Each situation of
sweep 4 and each category sweep 3 fixed is tested here in new words (other verbs, word order, UK/US
words, misspellings, a carer's voice), written before the rules were widened, so a rule that only
knows one sentence fails."""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _flags

from mbcnav.reasoning.triage import triage


# ------------------------------------------------------------------ questions about a term
@pytest.mark.parametrize(
    "text",
    [
        # seizure
        "Can someone explain what a seizure actually is? It is on my chemo sheet",
        "whats a seizure? the nurse told us to look out for them",
        "what are seizures, my info booklet lists them",
        "how would I know if I was having a seizure",
        "what does a seizure look like? the leaflet says to call if I have one",
        # hypercalcaemia
        "what are the signs of high calcium?",
        "how would my mum know if her calcium was too high, what do we look for",
        "what symptoms does hypercalcemia cause",
        "the doctor mentioned hypercalcaemia, what should i be looking out for",
        "how can I tell if I've got hypercalcemia",
        # confusion
        "what do they mean by confusion on the warning list",
        "my leaflet says to report confusion. what sort of confusion?",
        "the team told us to look out for confusion in dad, what would that look like",
        "what counts as confusion?",
        # other terms
        "what does cord compression feel like",
        "what sort of confusion should we look for",
    ],
)
def test_a_question_about_a_term_raises_no_flag_but_says_what_to_do(text: str) -> None:
    result = triage(text)
    assert result.urgency == "routine" and result.red_flags == (), result.rationale
    assert "question" in result.advice.public, result.advice.public


@pytest.mark.parametrize(
    ("text", "code", "urgency"),
    [
        ("what is a seizure? my husband just had one", "seizure", "emergency"),
        ("what is a seizure, she is having one right now", "seizure", "emergency"),
        ("whats a seizure? i think my wife had one this morning", "seizure", "emergency"),
        ("what do i do hes fitting", "seizure", "emergency"),
        ("what does confusion mean? mum is muddled and sleepy today", "acute_confusion", "urgent"),
        (
            "how do I know if I have hypercalcemia? I'm very thirsty and confused",
            "hypercalcemia",
            "emergency",
        ),
        (
            "what is going on, my legs have gone weak and my back hurts",
            "spinal_cord_compression",
            "emergency",
        ),
        ("is this a seizure? his arm keeps jerking", "seizure", "emergency"),
    ],
)
def test_a_question_that_also_describes_the_symptom_is_still_flagged(
    text: str, code: str, urgency: str
) -> None:
    assert _flags(text).get(code) == urgency, triage(text).rationale


@pytest.mark.parametrize(
    "text",
    [
        "whats a fit? the nurse told us to look out for them",
        "what kind of headache should I worry about",
        "what is neutropenic sepsis",
    ],
)
def test_questions_naming_no_flagged_finding_stay_routine(text: str) -> None:
    assert triage(text).urgency == "routine", triage(text).rationale


# ------------------------------------------------------------------ weight-bearing bone pain
@pytest.mark.parametrize(
    "text",
    [
        "walking makes my hip hurt more each day, the scan showed cancer in that bone",
        "my thigh is really sore when I put weight on it, I have secondaries in my bones",
        "pain in my pelvis whenever I stand up and it's getting worse, bone mets",
        "she says her hip kills her every time she walks now",
        "when I go up stairs my thigh bone aches badly",
        "my hip has been hurting more and more when i walk, worse every day, known bone mets there",
    ],
)
def test_weight_bearing_bone_pain_is_a_fracture_risk(text: str) -> None:
    assert _flags(text).get("pathologic_fracture_risk") == "urgent", triage(text).rationale


# ------------------------------------------------------------------ vomiting 3-5 times a day
@pytest.mark.parametrize(
    "text",
    [
        "threw up three times since this morning after chemo",
        "vomited 5 times today, managing sips",
        "she has been sick four times since her treatment yesterday",
        "puked x4 today on docetaxel",
        "vommited 3 times this afternoon",
    ],
)
def test_vomiting_three_to_five_times_is_urgent(text: str) -> None:
    assert _flags(text).get("severe_vomiting") == "urgent", triage(text).rationale


@pytest.mark.parametrize(
    "text", ["I was sick once this morning", "felt sick 3 times this week", "vomited 3 times last week"]
)
def test_vomiting_once_or_nausea_stays_routine(text: str) -> None:
    assert triage(text).urgency == "routine", triage(text).rationale


# ------------------------------------------------------------------ neuropathy with loss of function
@pytest.mark.parametrize(
    "text",
    [
        "numb fingertips, getting worse, I keep dropping cups",
        "pins and needles in both hands. can't do up my buttons any more",
        "my hands are tingly and I'm struggling to hold a pen",
        "he drops things all the time now, his fingers are numb since the taxol",
        "tingling in my fingers getting worse, dropping things, on paclitaxel",
    ],
)
def test_numb_hands_that_stop_daily_tasks_are_urgent(text: str) -> None:
    assert _flags(text).get("peripheral_neuropathy") == "urgent", triage(text).rationale


# ------------------------------------------------------------------ swollen arm
@pytest.mark.parametrize(
    "text",
    [
        "my arm on the surgery side has swelled up a lot, red and warm",
        "the arm on my operation side is all puffed up and hot to touch",
        "left arm has gone really swolen since yesterday",
        "her lymphoedema arm is red, hot and bigger than usual",
        "swelling in my right arm and hand came on over two days",
    ],
)
def test_a_swollen_arm_is_urgent(text: str) -> None:
    # a red, hot lymphoedema arm is cellulitis: named skin_infection since sweep 10 (BLS/LSN consensus)
    flags = _flags(text)
    assert "urgent" in (flags.get("arm_swelling"), flags.get("skin_infection")), triage(text).rationale


def test_a_red_arm_from_the_sun_with_a_sting_is_not_arm_swelling() -> None:
    assert triage("my arm was red from the sun and a bit swollen from a bee sting").urgency == "routine"


def test_a_question_with_chemo_as_context_is_still_a_question() -> None:
    result = triage("what is a seizure? I'm on chemo and my leaflet mentions it")
    assert result.urgency == "routine" and "911" in result.advice.public


# ------------------------------------------------------------------ meningism with cranial nerve signs
@pytest.mark.parametrize(
    "text",
    [
        "got a stiff neck, cant bear light, and double vision and my chin is numb",
        "neck is stiff and I am seeing double",
        "stiff neck, the light hurts, and one side of my face has gone numb",
        "my wife's neck is rigid and she can't stand bright light, now her hearing has gone",
        "neck stiffness with numbness of my chin",
    ],
)
def test_meningism_with_cranial_nerve_signs_is_an_emergency(text: str) -> None:
    assert _flags(text).get("leptomeningeal_disease") == "emergency", triage(text).rationale


# ------------------------------------------------------------------ chronic unchanged backache
@pytest.mark.parametrize(
    "text",
    [
        "no leg weakness, no numbness, bladder fine, just old backache from gardening "
        "that's the same as always",
        "my usual back ache, had it for years, nothing new",
        "chronic lower back pain, same as ever, legs fine",
        "just my normal backache, no different to usual",
    ],
)
def test_long_standing_unchanged_backache_is_routine(text: str) -> None:
    assert triage(text).urgency == "routine", triage(text).rationale


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("my usual back pain is much worse and keeps me up at night", "urgent"),
        ("old backache but now my legs feel weak", "emergency"),
        ("back pain, not the same as usual", "urgent"),
        ("new back pain", "urgent"),
        ("my usual backache has been much worse this week", "urgent"),
        ("back pain same as always but now I can't pass urine", "emergency"),
    ],
)
def test_backache_that_changed_or_with_signs_is_not_routine(text: str, urgency: str) -> None:
    assert triage(text).urgency == urgency, triage(text).rationale


# ------------------------------------------------------------------ sweep 3's categories, new words
@pytest.mark.parametrize(
    ("text", "code", "urgency"),
    [
        # persistent headache
        ("a headache that will not go for a week now", "raised_icp", "urgent"),
        ("I wake up with a headache every single day", "raised_icp", "urgent"),
        ("constant headaches since last week, paracetamol does nothing", "raised_icp", "urgent"),
        ("head has been pounding for days", "raised_icp", "urgent"),
        # mouth sores that stop eating
        ("ulcers in my mouth, too sore to eat anything", "severe_mucositis", "urgent"),
        ("my mouth is so sore she cant swallow food", "severe_mucositis", "urgent"),
        ("cant eat because of mouth sores", "severe_mucositis", "urgent"),
        ("mouth full of ulcers and cant drink much", "severe_mucositis", "urgent"),
        # vomiting the medicine does not control
        ("anti sickness tablets aren't doing anything, still vomiting", "severe_vomiting", "urgent"),
        ("still throwing up even after the ondansetron", "severe_vomiting", "urgent"),
        ("the sickness meds don't work and I keep being sick", "severe_vomiting", "urgent"),
        ("being sick despite taking my anti-sickness", "severe_vomiting", "urgent"),
        # red hot arm: cellulitis, named skin_infection since sweep 10 (BLS/LSN consensus)
        ("my arm is hot, red and swollen near the scar", "skin_infection", "urgent"),
        ("red, hot swollen arm on the side I had lymph nodes out", "skin_infection", "urgent"),
        ("she's got cellulitis in her arm I think", "skin_infection", "urgent"),
        ("inflamed swollen arm since yesterday", "skin_infection", "urgent"),
        # neuropathy that stops daily tasks
        ("can't write properly, my fingers are so numb", "peripheral_neuropathy", "urgent"),
        ("numbness in my hands means I can't open jars", "peripheral_neuropathy", "urgent"),
        ("fingers tingling so much I can't do my zip", "peripheral_neuropathy", "urgent"),
        ("hands numb, struggling to pick up small things", "peripheral_neuropathy", "urgent"),
        # dizzy on standing with little intake
        ("light headed when I get up and hardly eating", "severe_diarrhea_dehydration", "urgent"),
        ("feel faint when I stand, haven't eaten for two days", "severe_diarrhea_dehydration", "urgent"),
        ("dizzy getting out of bed and barely drinking", "severe_diarrhea_dehydration", "urgent"),
        ("she nearly passes out standing up and is not eating", "severe_diarrhea_dehydration", "urgent"),
        # balance and vision
        ("I keep falling to one side when I walk", "focal_neurologic_deficit", "urgent"),
        ("walking like I'm drunk but I haven't had a drink", "focal_neurologic_deficit", "urgent"),
        ("seeing double since yesterday", "focal_neurologic_deficit", "urgent"),
        ("my eyesight has gone blurry over the last few days", "focal_neurologic_deficit", "urgent"),
        # infection signs on a drug that lowers white cells
        ("throat is really sore, I'm on ribociclib", "infection_on_treatment", "urgent"),
        ("stinging when I wee, on chemo", "infection_on_treatment", "urgent"),
        ("on Ibrance and I've got a chest infection", "infection_on_treatment", "urgent"),
        ("sore throat and on kisqali", "infection_on_treatment", "urgent"),
        # SVC with breathing trouble
        ("my face has puffed up and I'm struggling to breathe", "svc_syndrome", "emergency"),
        ("swollen face and neck and cant get my breath", "svc_syndrome", "emergency"),
        ("neck very swollen, breathless", "svc_syndrome", "emergency"),
        ("puffy face and short of breath", "svc_syndrome", "emergency"),
        # raised pressure with vision
        ("headache and being sick and my eyes are blurry", "raised_icp", "emergency"),
        ("throwing up with a bad head and double vision", "raised_icp", "emergency"),
        ("blurred vision, headache, vomiting this morning", "raised_icp", "emergency"),
        ("my head is killing me, I vomited and I can't see properly", "raised_icp", "emergency"),
        # meningism on chemo
        ("headache and stiff neck, had chemo on monday", "leptomeningeal_disease", "emergency"),
        ("stiff neck, headache and bright light hurts my eyes", "leptomeningeal_disease", "emergency"),
        ("headache with a stiff neck and a temperature", "leptomeningeal_disease", "emergency"),
        ("my neck is stiff, head hurts and I'm on docetaxel", "leptomeningeal_disease", "emergency"),
        # bleeding with spots
        ("my nose won't stop bleeding, small red dots on my legs", "bleeding_bruising", "emergency"),
        ("gums keep bleeding and there are tiny purple spots on my arms", "bleeding_bruising", "emergency"),
        ("petechiae all over and bleeding that wont stop", "bleeding_bruising", "emergency"),
        ("pinpoint red spots and a nosebleed that won't stop", "bleeding_bruising", "emergency"),
    ],
)  # fmt: skip
def test_sweep3_categories_in_new_words(text: str, code: str, urgency: str) -> None:
    assert _flags(text).get(code) == urgency, triage(text).rationale


@pytest.mark.parametrize(
    "text",
    [
        "my leg went weak after kneeling for ages, fine again after I walked about",
        "leg a bit weak from sitting on the plane, normal once I moved",
        "legs felt weak after a long drive but ok when I got going",
        "felt weak in my leg from sitting crossed legged too long, better once I stood",
    ],
)
def test_a_leg_weak_from_sitting_that_recovered_stays_routine(text: str) -> None:
    assert triage(text).urgency == "routine", triage(text).rationale


@pytest.mark.parametrize(
    "text",
    [
        "haven't kept any fluids down for a day and no wee since last night",
        "cant keep water down and have not passed urine all day",
        "not been able to keep anything down and haven't peed today",
        "nothing stays down, even water, and no pee since yesterday",
    ],
)
def test_no_urine_with_nothing_kept_down_is_dehydration_not_the_cord(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency", result.rationale
    assert "spinal_cord_compression" not in _flags(text), result.rationale
