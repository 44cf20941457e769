"""Leftover same-day situations of the triage sweeps (UKONS v3 amber wordings), each written again in other
words, with near misses that must keep their reading.

- Tiredness that keeps a person in bed most of the day or stops them washing or dressing without help:
  fatigue limiting self-care ADL (CTCAE v5 grade 3; ECOG 3, in bed more than half the day, Oken 1982).
- Painful mouth ulcers on an anticancer drug (CTCAE v5 stomatitis grade 2: moderate pain; UKONS v3 amber;
  everolimus label: grade 2 stomatitis - withhold until grade 0-1, dexamethasone mouthwash).
- White patches in the mouth with painful swallowing: oral thrush that may reach the gullet (IDSA 2016
  candidiasis guideline: oesophageal candidiasis needs systemic antifungal treatment).
- Feeling sick all day and eating much less (UKONS v3 nausea amber; CTCAE v5 nausea grade 2).
- Headaches coming back as dexamethasone is reduced: possible returning brain swelling (ASCO-SNO-ASTRO
  2022: steroids for symptomatic oedema, tapered as symptoms allow).
- Corrected calcium below 12 mg/dL with mild symptoms stays routine by decision (Endocrine Society 2023),
  but the answer names the result and asks the person to tell their team.
"""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.reasoning.triage import triage

# --------------------------------------------------------------- fatigue that stops self-care (CTCAE v5 g3)

FATIGUE_SELF_CARE = [
    # the sweep's own message
    "so tired im in bed most of the day, cant manage washing or dressing without help",
    # paraphrases
    "I'm exhausted, my husband has to help me get dressed and washed",
    "too tired to shower or get dressed on my own since the last cycle",
    "absolutely wiped out, stuck in bed all day on the new tablets",
]


@pytest.mark.parametrize("text", FATIGUE_SELF_CARE)
def test_tiredness_that_stops_self_care_is_same_day(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("severe_fatigue") == "urgent", (text, result.red_flags, result.matched)
    assert result.urgency == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "tired but still doing my shopping",
        "a bit tired after chemo",
        "tired in the evenings, I have a nap and feel better",
        "so tired I can't be bothered with the washing up",
        "my back hurts when I get dressed",
    ],
)
def test_ordinary_tiredness_is_not_raised(text: str) -> None:
    assert "severe_fatigue" not in _codes(text), (text, triage(text).red_flags)


# ------------------------------------------------------ painful mouth ulcers on an anticancer drug (g2)

PAINFUL_STOMATITIS = [
    # the sweep's own message
    "mouth ulcers on everolimus, sore but still eating",
    # paraphrases
    "I've got painful ulcers in my mouth since starting afinitor",
    "on capecitabine and my mouth ulcers really hurt, still managing food",
    "ulcers on my tongue and gums are stinging, I'm on kisqali",
]


@pytest.mark.parametrize("text", PAINFUL_STOMATITIS)
def test_painful_mouth_ulcers_on_treatment_are_same_day(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("severe_mucositis") == "urgent", (text, result.red_flags, result.matched)
    flag = next(f for f in result.red_flags if f.code == "severe_mucositis")
    assert "mouthwash" in flag.public


@pytest.mark.parametrize(
    "text",
    [
        "one small mouth ulcer, doesn't hurt",
        "a couple of small mouth ulcers on everolimus, not painful",
        "painful mouth ulcer after I bit my cheek",
    ],
)
def test_painless_ulcers_or_no_treatment_are_not_raised(text: str) -> None:
    assert "severe_mucositis" not in _codes(text), (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "mouth ulcers on everolimus, so sore I can't swallow my own spit",
        "painful mouth ulcers on capecitabine, unable to swallow any fluids for two days",
    ],
)
def test_mouth_sore_emergencies_stay_emergencies(text: str) -> None:
    assert triage(text).urgency == "emergency", (text, triage(text).red_flags)


# --------------------------------------------------------------- thrush with painful swallowing

THRUSH_ODYNOPHAGIA = [
    # the sweep's own message
    "white patches in my mouth and it's painful to swallow",
    # paraphrases
    "I think I have oral thrush and swallowing really hurts",
    "white coating on my tongue and it hurts when I swallow food",
    "got thrush in my mouth again, now it's sore to swallow",
]


@pytest.mark.parametrize("text", THRUSH_ODYNOPHAGIA)
def test_thrush_with_painful_swallowing_is_same_day(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("severe_mucositis") == "urgent", (text, result.red_flags, result.matched)
    assert result.urgency == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "white coating on my tongue, no pain",
        "white patches in my mouth, swallowing is fine",
        "thrush down below after the antibiotics, it hurts",
    ],
)
def test_thrush_without_painful_swallowing_is_not_raised(text: str) -> None:
    assert "severe_mucositis" not in _codes(text), (text, triage(text).red_flags)


# ------------------------------------------------------ nausea all day with much less eaten (UKONS amber)

NAUSEA_INTAKE = [
    # the sweep's own message
    "feeling sick all day, eating much less than normal but drinking ok",
    # paraphrases
    "felt sick all day yesterday and today, only eating half my meals",
    "I feel sick every day, barely eating but keeping water down",
    "been feeling sick day and night and I've lost my appetite",
]


@pytest.mark.parametrize("text", NAUSEA_INTAKE)
def test_nausea_all_day_with_much_less_eaten_is_same_day(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("severe_vomiting") == "urgent", (text, result.red_flags, result.matched)


@pytest.mark.parametrize(
    "text",
    [
        "feeling sick all day but not vomiting",
        "I took a sick day from work and I'm eating less junk food",
        "used up my sick days, eating less takeaway now",
    ],
)
def test_nausea_alone_or_a_sick_day_off_work_is_not_raised(text: str) -> None:
    assert "severe_vomiting" not in _codes(text), (text, triage(text).red_flags)


# ------------------------------------------------------ headache back as dexamethasone is reduced

STEROID_TAPER_HEADACHE = [
    # the sweep's own message
    "since reducing my dexamethasone the headaches are back, no sickness",
    # paraphrases
    "they've been cutting down my steroids and my headache has come back",
    "headaches returned since I started weaning off the dex",
    "lowered my dexamethasone dose last week and now I get headaches again",
]


@pytest.mark.parametrize("text", STEROID_TAPER_HEADACHE)
def test_headache_back_as_steroids_are_reduced_is_same_day(text: str) -> None:
    result = triage(text)
    assert _codes(text).get("raised_icp") == "urgent", (text, result.red_flags, result.matched)
    flag = next(f for f in result.red_flags if f.code == "raised_icp")
    assert "steroid" in flag.public.lower()


@pytest.mark.parametrize(
    "text",
    [
        "had a headache yesterday after a late night, gone with paracetamol",
        "since reducing my dexamethasone I sleep better",
        "reducing my dexamethasone this week, no headaches so far",
    ],
)
def test_a_passing_headache_or_a_taper_alone_is_not_raised(text: str) -> None:
    assert "raised_icp" not in _codes(text), (text, triage(text).red_flags)


def test_a_taper_headache_with_drowsiness_stays_an_emergency() -> None:
    text = "since cutting my dexamethasone the headaches are back and I'm very drowsy"
    assert _codes(text).get("raised_icp") == "emergency", triage(text).red_flags


# ------------------------------------------------- mildly raised calcium: routine, but tell the team


@pytest.mark.parametrize(
    "text",
    [
        "calcium 11.0 albumin 4.0, feel a bit thirsty",
        "calcium 11.2 albumin 3.8, I feel ok apart from being a bit tired",
    ],
)
def test_mild_hypercalcaemia_is_routine_but_the_team_is_told(text: str) -> None:
    result = triage(text)
    assert result.urgency == "routine", result.red_flags
    assert "calcium" in result.advice.public.lower() and "team" in result.advice.public.lower(), result.advice
