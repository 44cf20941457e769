"""What the seventh untouched triage sweep missed, each situation written again in other words, with near
misses that must keep their reading.

- A real English word is read as itself, never "corrected" into a symptom word ("teary" is not "tarry",
  "slight" is not "sight"); the spelling fixer still mends words no dictionary knows ("feaver").
- A question about a term named in the same message ("the leaflet says febrile neutropenia is a risk,
  what is that?") is a question, not the symptom; the same words said as happening now stay flagged.
- A death wish with a plan in other words ("has worked out how he'd do it") is ASQ acute positive.
- Mouth sores with no fluids since yesterday: same-day at least (emergency since sweep 8: WHO/CTCAE grade 4);
  unable to swallow one's own saliva is UKONS red.
- A seizure's incontinence is the seizure's, not a cord sign.
"""

from __future__ import annotations

import pytest

from mbcnav.reasoning.triage import _correct, is_real_word, triage


def _codes(text: str) -> dict[str, str]:
    return {f.code: f.urgency for f in triage(text).red_flags}


# ------------------------------------------------------------------------- real words read as themselves

REAL_WORD_QUESTIONS = [
    # the sweep's own message
    "is it normal to feel emotional and teary since diagnosis? I'm coping and have good support",
    "i get teary every time i talk about it, is that normal",
    "feeling a bit teary and low since the scan results, coping ok",
    "my wife has been so teary this week, she says she's fine just sad",
    "just a slight worry about the next scan, otherwise feeling well",
    "going on holiday to spain next month, do I need to tell my team anything",
]


@pytest.mark.parametrize("text", REAL_WORD_QUESTIONS)
def test_real_words_are_not_corrected_into_red_flags(text: str) -> None:
    result = triage(text)
    assert result.urgency == "routine", (text, result.red_flags)


@pytest.mark.parametrize(
    ("word", "meant"),
    [("teary", "teary"), ("slight", "slight"), ("spain", "spain"), ("tinge", "tinge"),
     ("mentions", "mentions")],
)
def test_dictionary_words_are_read_as_themselves(word: str, meant: str) -> None:
    assert _correct(word) == meant


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("diarea", "diarrhea"), ("seizur", "seizure"), ("breathles", "breathless"), ("spred", "spread"),
     ("xelodda", "xeloda"), ("ibranse", "ibrance"), ("brest", "breast"), ("vommited", "vomited")],
)
def test_misspellings_no_dictionary_knows_are_still_mended(typo: str, meant: str) -> None:
    assert _correct(typo) == meant
    assert not is_real_word(typo)


@pytest.mark.parametrize(
    "text",
    [
        "black tarry poo since this morning",
        "my stools are black and tarry and I feel faint",
        "passing black tarey stool today",
    ],
)
def test_black_tarry_stool_stays_a_bleed(text: str) -> None:
    assert "gi_bleeding" in _codes(text), (text, triage(text).red_flags)


# ------------------------------------------------------------------------ a term asked about, pointing back

TERM_QUESTIONS_BACK = [
    # the sweep's own message
    "the leaflet says febrile neutropenia is a risk, what is that?",
    "my nurse mentioned febrile neutropenia, what does that mean",
    "the leaflet talks about spinal cord compression, is that serious?",
    "doctor said to watch for neutropenic sepsis, what is it",
    "the booklet lists hypercalcaemia as a side effect, what is this?",
]


@pytest.mark.parametrize("text", TERM_QUESTIONS_BACK)
def test_a_question_about_a_named_term_is_routine(text: str) -> None:
    result = triage(text)
    assert result.urgency == "routine", (text, result.red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "i have a temperature of 38.6 on docetaxel, is that febrile neutropenia? what is that",
        "my back pain is like a band and my legs are weak, is that cord compression? what is it",
    ],
)
def test_a_term_question_with_the_symptom_happening_now_stays_an_emergency(text: str) -> None:
    assert triage(text).urgency == "emergency", (text, triage(text).red_flags)


# ------------------------------------------------------------------------------------- a plan in other words

DEATH_WISH_WITH_PLAN = [
    # the sweep's own message
    "my husband keeps saying he'd be better off dead and today he said he has worked out how he'd do it",
    "i'd be better off dead and i've planned how i would do it",
    "she says she wants to die and she knows how she'd do it",
    "better off dead, i have a plan",
    "my son says he wants to end it all and he's worked out how",
]


@pytest.mark.parametrize("text", DEATH_WISH_WITH_PLAN)
def test_a_death_wish_with_a_plan_is_an_emergency_asq(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "we have worked out how to get to the hospital on time",
        "i have a plan for my treatment and my family knows how we'd do it",
        "my oncologist has a plan for the next scan",
    ],
)
def test_plans_without_a_death_wish_are_routine(text: str) -> None:
    result = triage(text)
    assert result.urgency == "routine", (text, result.red_flags)


def test_a_death_wish_without_a_plan_stays_urgent() -> None:
    assert _codes("my husband keeps saying he'd be better off dead").get("suicidal_ideation") == "urgent"


# --------------------------------------------------------------------------- mouth sores, no fluids, saliva

MOUTH_NO_DRINK = [
    "mouth ulcers everywhere, havent drunk since yesterday",
    "my mouth is so sore i have not drunk anything today",
    "mouth full of ulcers, not drunk anything since this morning",
    "ulcers all over my gums, haven't had a drink since last night",
]


@pytest.mark.parametrize("text", MOUTH_NO_DRINK)
def test_mouth_sores_with_nothing_drunk_are_at_least_urgent(text: str) -> None:
    result = triage(text)
    assert "severe_mucositis" in _codes(text), (text, result.red_flags)
    assert result.urgency in ("urgent", "emergency")


SALIVA = [
    # the sweep's own message
    "mouth is covered in ulcers cant swallow anything not even my own spit, havent drunk since yesterday",
    "my mouth ulcers are so bad i can't swallow my own saliva",
    "cannot even swallow my spit because of the mouth sores",
    "mum's mouth is raw with ulcers and she is unable to swallow her saliva",
]


@pytest.mark.parametrize("text", SALIVA)
def test_mouth_sores_and_unable_to_swallow_saliva_are_an_emergency_ukons_red(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "a couple of mouth ulcers, drinking fine",
        "I spit out the mouthwash as told, is that right",
        "dry mouth, I have drunk plenty today",
    ],
)
def test_mild_mouth_sores_and_spitting_out_are_not_an_emergency(text: str) -> None:
    assert triage(text).urgency != "emergency", (text, triage(text).red_flags)


# ----------------------------------------------------------------------------- a seizure's own incontinence

SEIZURE_INCONTINENCE = [
    # the sweep's own message
    "i think i had a seizure, woke up on the floor bit my tongue and wet myself",
    "had a fit last night and wet myself",
    "my wife had a seizure and lost control of her bladder during it",
    "convulsion this morning, bit my tongue and wet myself",
]


@pytest.mark.parametrize("text", SEIZURE_INCONTINENCE)
def test_incontinence_in_a_fit_is_the_seizure_not_cord_compression(text: str) -> None:
    codes = _codes(text)
    assert codes.get("seizure") == "emergency", (text, codes)
    assert "spinal_cord_compression" not in codes, (text, codes)


def test_incontinence_with_back_pain_and_weak_legs_after_a_fit_stays_a_cord_sign() -> None:
    codes = _codes("had a seizure last week; today back pain, weak legs and I wet myself")
    assert codes.get("spinal_cord_compression") == "emergency", codes


# ------------------------------------------------------------------------- urgent findings read as routine

@pytest.mark.parametrize(
    "text",
    [
        "itchy red rash all over my chest and back since starting ribociclib, spreading, no blisters, "
        "no mouth sores",
        "on kisqali, got a rash on my arms and now it is spreading",
        "rash everywhere since I started alpelisib",
        "started piqray last week, itchy rash, it's spreading to my tummy",
    ],
)
def test_a_spreading_rash_on_ribociclib_or_alpelisib_is_same_day(text: str) -> None:
    assert _codes(text).get("severe_skin_reaction") == "urgent", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text", ["small itchy rash on my wrist from a new watch strap", "the cancer is spreading, on ribociclib"]
)
def test_a_small_rash_or_spreading_cancer_is_not_a_skin_reaction(text: str) -> None:
    assert "severe_skin_reaction" not in _codes(text), (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "nauseous all the time, eating hardly anything for 3 days, managing drinks",
        "feeling sick constantly and barely eating",
        "so nauseated I have eaten next to nothing since monday",
        "queasy every day and hardly eating, still drinking water",
    ],
)
def test_nausea_with_hardly_anything_eaten_is_urgent_ukons_amber(text: str) -> None:
    assert _codes(text).get("severe_vomiting") == "urgent", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "on xgeva, my tooth socket hasnt healed after extraction 2 months ago and there is bone showing",
        "on zometa, had a tooth out 3 months ago and the socket still has not healed",
        "denosumab for 2 years, bone showing where my tooth was taken out",
        "on prolia, the gum where they pulled a tooth months ago hasnt healed",
    ],
)
def test_an_unhealed_socket_or_bone_showing_on_a_bone_drug_is_jaw_osteonecrosis(text: str) -> None:
    assert "jaw_osteonecrosis" in _codes(text), (text, triage(text).red_flags)


def test_an_old_break_that_never_healed_right_stays_in_the_past() -> None:
    assert triage("my son broke his arm years ago and it never healed right").urgency == "routine"
