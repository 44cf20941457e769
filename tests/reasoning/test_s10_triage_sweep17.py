"""Misses of the seventeenth triage sweep (/work/scratch-tri17), each written again in other words, with
near misses that must keep their reading.

1. Several temperatures in one message: the highest counts (UKONS v3, NICE CG151: any reading >= 38.0 C on
   treatment is a fever).
2. A temperature the text puts in the past ("back in March", "two weeks ago, fine now") is no fever today;
   "since March", "again today" or a fever of days ago keep their reading (safety first).
3. "haven't been able to eat" reports not eating; it is never listed as a symptom the person does not have.
4. Six or more vomits in 24 hours, or no fluids kept down: UKONS v3 red (St George's AOS UKONS-based chart:
   6-10 vomits or unable to eat or drink, call immediately), an emergency.
5. "Started Enhertu 2 months ago" keeps its drug: a new cough and breathlessness on T-DXd is possible
   pneumonitis (Enhertu boxed warning: ILD).
6. "hard to eat" with mouth ulcers (mucositis), "the oramorph isn't touching it", limping with bone pain.
7. Skipped beats on ribociclib with fainting denied: a same-day ECG (ribociclib label), and the advice does
   not speak of fainting.
8. "can't see the point" is not a change in vision.
"""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.reasoning.triage import triage

# ------------------------- 1. several temperatures: the highest counts


@pytest.mark.parametrize(
    "text",
    [
        "temp 37.9 and then 38.0 an hour apart, had paclitaxel on tuesday. no other symptoms really",
        "temp 37.2 this morning, 38.1 now, on docetaxel",
        "temperature was 37.6 then 38.3 later, on capecitabine",
        "temp 37.8, 37.9, 38.2 on paclitaxel",
    ],
)
def test_the_highest_of_several_temperatures_counts(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags)
    assert _codes(text).get("febrile_neutropenia") == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "temp 37.8 and 40 mins later 37.9 on paclitaxel",
        "temp 37.6, 2 paracetamol taken, on paclitaxel",
    ],
)
def test_a_time_or_a_dose_after_a_temperature_is_not_a_reading(text: str) -> None:
    assert _codes(text).get("febrile_neutropenia") == "urgent", triage(text).red_flags


# ------------------------- 2. a temperature in the past


@pytest.mark.parametrize(
    "text",
    [
        "I had a temperature of 38.5 back in march when I had covid but thats long gone. now just want to "
        "ask about sore feet on Xeloda, theyre a bit red but not painful",
        "fever 38.6 two weeks ago, fine now, on xeloda",
        "fever 38.6 two weeks ago but fine now, on xeloda",
        "had a temp of 39 last month with a chest infection, all gone, on paclitaxel. can I get the flu jab",
    ],
)
def test_a_past_resolved_fever_is_not_febrile_neutropenia(text: str) -> None:
    result = triage(text)
    assert "febrile_neutropenia" not in _codes(text), (text, result.red_flags)
    assert result.urgency == "routine", result.red_flags


@pytest.mark.parametrize(
    "text",
    [
        "fever since March, on paclitaxel",
        "had a fever back in March, and temp 38.2 again today, on xeloda",
        "fever of 38.4 two weeks ago and still feel rough, on docetaxel",
        "temp 38.5 three days ago, fine now, on paclitaxel",
        "fever 38.6 two weeks ago on xeloda",
    ],
)
def test_a_current_or_unsettled_fever_stays_an_emergency(text: str) -> None:
    assert _codes(text).get("febrile_neutropenia") == "emergency", triage(text).red_flags


# ------------------------- 3. "haven't been able to eat" is a report, not a denial


@pytest.mark.parametrize(
    "text",
    [
        "havent been able to eat anything for 2 days, just sips of water and feel weak",
        "she hasn't been able to eat for three days and is very wobbly",
        "cant eat for 2 days",
        "I have not been able to eat anything for days",
    ],
)
def test_not_able_to_eat_for_days_is_same_day(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent", (text, result.red_flags, result.negated)
    assert _codes(text).get("severe_vomiting") == "urgent"
    assert not any("eating" in label for label in result.negated), result.negated


def test_not_able_to_drink_for_a_day_is_ukons_red() -> None:
    text = "not been able to drink anything since yesterday"
    assert _codes(text).get("severe_vomiting") == "emergency", triage(text).red_flags


@pytest.mark.parametrize(
    "text",
    [
        "I havent been able to sleep",
        "cant eat much for days but drinking fine",
        "cant eat spicy food for days",
    ],
)
def test_sleep_or_eating_less_is_not_a_days_long_fast(text: str) -> None:
    assert "severe_vomiting" not in _codes(text), triage(text).red_flags


# ------------------------- 4. six or more vomits, or no fluids kept down: UKONS red


@pytest.mark.parametrize(
    "text",
    [
        "just threw up for the 8th time today, cant even keep sips of water down, on eribulin (halaven)",
        "vomited 6 times today",
        "cant keep anything down today",
        "sick for the seventh time since breakfast",
        "no fluids kept down since this morning",
    ],
)
def test_six_vomits_or_no_fluids_kept_down_is_an_emergency(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags)
    flag = next(f for f in result.red_flags if f.code == "severe_vomiting")
    assert flag.urgency == "emergency"
    assert "now" in flag.public
    assert "ukons-triage-v3" in flag.sources


@pytest.mark.parametrize(
    "text",
    [
        "can't keep food down this morning, managing sips of water",
        "vomited 3 times today, keeping some fluids down, on Trodelvy",
        "sick for the 2nd time today",
    ],
)
def test_fewer_vomits_with_fluids_kept_stay_below_emergency(text: str) -> None:
    assert triage(text).urgency != "emergency", triage(text).red_flags


def test_dizziness_keeps_its_own_text() -> None:
    flag = triage("vomited 8 times and feel dizzy when I stand").red_flags[0]
    assert flag.urgency == "emergency" and "dizzy" in flag.public


# ------------------------- 5. "started <drug> N months ago" keeps the drug


@pytest.mark.parametrize(
    "text",
    [
        "Started Enhertu 2 months ago. new dry cough the last few days and I get a bit puffed on the stairs "
        "which I didnt before. no fever",
        "began Enhertu 3 months ago, now a dry cough and breathless",
        "started trastuzumab deruxtecan four months ago, new cough",
    ],
)
def test_a_drug_started_months_ago_keeps_its_context(text: str) -> None:
    result = triage(text)
    assert "pneumonitis" in _codes(text), (text, result.red_flags)
    assert result.red_flags[0].code == "pneumonitis"


def test_a_seizure_years_ago_is_still_the_past() -> None:
    assert triage("my son had a seizure years ago").urgency == "routine"


# ------------------------- 6. hard to eat with ulcers; analgesia failing; limping with bone pain


@pytest.mark.parametrize(
    "text",
    [
        "mouth ulcers so bad its hard to eat but I can drink through a straw",
        "my mouth is full of ulcers, struggling to swallow food",
        "sore mouth ulcers, finding it difficult to eat anything",
    ],
)
def test_mouth_ulcers_that_make_eating_hard_are_same_day(text: str) -> None:
    assert _codes(text).get("severe_mucositis") == "urgent", triage(text).red_flags


@pytest.mark.parametrize(
    "text",
    ["it's hard to eat healthy with mouth ulcers", "pills are hard to swallow", "one small mouth ulcer"],
)
def test_hard_to_eat_well_or_swallow_pills_is_routine(text: str) -> None:
    assert triage(text).urgency == "routine", triage(text).red_flags


@pytest.mark.parametrize(
    "text",
    [
        "my hip pain is much worse, the oramorph isnt touching it and im limping now",
        "zomorph not helping my back pain",
        "the oramorph isnt touching my hip pain",
    ],
)
def test_analgesia_in_uk_words_not_working_is_uncontrolled_pain(text: str) -> None:
    assert _codes(text).get("uncontrolled_pain") == "urgent", triage(text).red_flags


@pytest.mark.parametrize(
    "text",
    [
        "my hip really hurts and I'm limping, I have bone mets",
        "thigh bone aching more each day and now I'm hobbling",
    ],
)
def test_limping_with_bone_pain_is_a_fracture_risk(text: str) -> None:
    assert _codes(text).get("pathologic_fracture_risk") == "urgent", triage(text).red_flags


@pytest.mark.parametrize("text", ["my dog is limping", "my knee hurts and im limping after twisting it"])
def test_limping_without_bone_pain_or_from_a_sprain_is_routine(text: str) -> None:
    assert triage(text).urgency == "routine", triage(text).red_flags


# ------------------------- 7. palpitations on ribociclib without fainting (label: QT prolongation)


@pytest.mark.parametrize(
    "text",
    [
        "heart feels like its skipping beats on and off today, on ribociclib, no fainting",
        "heart racing on kisqali",
        "palpitations on ribociclib, haven't fainted",
    ],
)
def test_palpitations_on_ribociclib_without_fainting_are_a_same_day_ecg(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent", (text, result.red_flags)
    assert "ECG" in result.advice.public
    assert not result.advice.public.lower().startswith("fainting")


@pytest.mark.parametrize(
    "text",
    ["heart racing on kisqali and I fainted in the kitchen", "palpitations on ribociclib, I blacked out"],
)
def test_palpitations_with_fainting_on_ribociclib_stay_an_emergency(text: str) -> None:
    assert _codes(text).get("arrhythmia_qt_prolongation") == "emergency"


# ------------------------- 8. "can't see the point" is not a vision change


@pytest.mark.parametrize(
    "text",
    [
        "feel so low lately, crying all the time, cant see the point of anything, but id never do anything, "
        "ive got my kids",
        "can't see a way out of this",
        "cant see my GP until next week",
    ],
)
def test_a_figure_of_speech_is_not_a_vision_change(text: str) -> None:
    assert "change in vision" not in triage(text).matched, triage(text).matched


def test_vision_words_still_read() -> None:
    assert "change in vision" in triage("lost my vision in one eye").matched
