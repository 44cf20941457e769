"""Triage sweep 18 (/work/scratch-tri18): wrong reasons and over-triage, each message written again in
other words, with near misses that must keep their reading.

1. A routine result never says "We did not find warning signs" when warning words were recognised and
   not acted on: it names what it noticed and says to call the team if worried.
2. "should I worry about...", "what if...", "how do I know if..." ask; they are not reports.
3. Blood sugar: a number written down decides the grade over "a bit higher" (CTCAE v5 hyperglycaemia:
   fasting glucose above normal to 160 mg/dL, 8.9 mmol/L, is grade 1; alpelisib label: no dose change).
4. Right level, right reason: an itchy rash after paclitaxel is no new lump; clots in the urine with
   retention are not cord compression first; no urine for 18 hours has its own code; a urinary infection
   without fever, or a low fever off chemotherapy, is not febrile neutropenia.
5. SVCO with face/neck swelling and visible chest veins.
6. The general advice does not repeat the flag's "go to the emergency room".
"""

from __future__ import annotations

import pytest

from mbcnav.assessment import RED_FLAG_CODES
from mbcnav.knowledge.readability import reading_grade
from mbcnav.reasoning.triage import triage


def _codes(text: str) -> list[str]:
    return [f.code for f in triage(text).red_flags]


# ------------------------- 1. routine with warning words read: say what was noticed


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("my mum is really sleepy today, she had her tablets this morning", "sleepy"),
        ("my vision is a bit dim when I read", "vision"),
        ("I felt faint and a bit dizzy at the shops", "dizz"),
    ],
)
def test_a_routine_result_names_the_warning_words_it_noticed(text: str, word: str) -> None:
    result = triage(text)
    assert result.urgency == "routine", result.red_flags
    public = result.advice.public
    assert "did not find warning signs" not in public
    assert public.startswith("We noticed")
    assert word in public.lower()
    assert "call your cancer team" in public.lower()
    assert "911" in public
    assert reading_grade(public) <= 8, public
    assert "not acted on" in result.advice.clinician


@pytest.mark.parametrize(
    "text",
    [
        "mild headache after a long day on the computer, paracetamol helped",
        "Hot flushes are driving me mad on letrozole, about 10 a day, waking me up at night",
        "hair thinning a lot on chemo, quite upsetting",
        "joint stiffness in the mornings on letrozole, eases by lunchtime",
    ],
)
def test_routine_text_without_warning_words_keeps_the_routine_advice(text: str) -> None:
    result = triage(text)
    assert result.urgency == "routine"
    assert result.advice.public.startswith("We did not find warning signs")


def test_negated_warning_words_are_not_noticed() -> None:
    result = triage("no fever, no dizziness, not sleepy, feeling fine")
    assert result.urgency == "routine"
    assert result.advice.public.startswith("We did not find warning signs")


# ------------------------- 2. question cues


@pytest.mark.parametrize(
    "text",
    [
        "How long do hot flushes last on tamoxifen? Also should I worry about leg clots on it?",
        "should I worry about blood clots on tamoxifen?",
        "How do I know if my blood sugar is too high on alpelisib? what symptoms should I watch for",
        "what if my sugar is too high on piqray?",
        "how do I know if I have a blood clot?",
    ],
)
def test_question_cues_are_questions(text: str) -> None:
    result = triage(text)
    assert result.urgency == "routine", (text, result.red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "should I worry? my calf is swollen, hot and painful since yesterday",
        "my right calf is swollen and tender, what if it is a clot?",
        "what if my sugar is too high? meter says 20 mmol and I'm very thirsty",
    ],
)
def test_a_question_with_a_current_symptom_is_still_a_report(text: str) -> None:
    assert triage(text).urgency != "routine", text


def test_a_temperature_question_stays_safe() -> None:
    """m092: a hypothetical fever question may stay urgent, worded as a question (UKONS v3: 38 C on SACT)."""
    result = triage("If I get a temperature of 38 what should I do?")
    assert result.urgency in {"urgent", "routine"}
    assert "38" in result.advice.public or "fever" in result.advice.public.lower()


# ------------------------- 3. blood sugar number decides


@pytest.mark.parametrize(
    "text",
    [
        "sugar levels a bit higher on alpelisib, 8.5 fasting, no symptoms",
        "blood sugar very high on piqray this morning, 8.2 fasting, feel fine",
        "my sugars are higher than usual on alpelisib, fasting glucose 8.5 mmol/L",
    ],
)
def test_a_grade_1_fasting_sugar_is_routine(text: str) -> None:
    """CTCAE v5: fasting glucose > ULN to 160 mg/dL (8.9 mmol/L) is grade 1 (alpelisib label: no change)."""
    result = triage(text)
    assert result.urgency == "routine", (text, result.red_flags)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        (
            "On Piqray, sugar reading 17 mmol this morning, thirsty, peeing a lot but feel otherwise ok",
            "urgent",
        ),
        (
            "blood sugar meter says 33 mmol on capivasertib, i feel awful and im breathing really fast",
            "emergency",
        ),
        ("sugar a bit higher on alpelisib, 8.5, very thirsty and weeing all the time", "urgent"),
        ("my sugar is very high on alpelisib", "urgent"),
    ],
)
def test_high_or_symptomatic_sugars_keep_their_level(text: str, level: str) -> None:
    assert triage(text).urgency == level, text


# ------------------------- 4. wrong reasons


@pytest.mark.parametrize(
    "text",
    [
        "Had a rash come up the day after my paclitaxel, itchy red bumps on my chest, no swelling of my "
        "lips, breathing fine",
        "itchy red bumps all over my chest since my taxol yesterday, breathing ok",
        "hives on my chest after my herceptin infusion yesterday, no swelling",
    ],
)
def test_an_itchy_rash_after_an_infusion_is_not_a_new_lump(text: str) -> None:
    result = triage(text)
    assert "new_lump" not in _codes(text)
    assert result.urgency == "urgent", (text, result.red_flags)
    assert "allergic" in result.red_flags[0].public.lower()


def test_a_new_lump_on_the_chest_keeps_its_reading() -> None:
    assert "new_lump" in _codes("found a new hard lump on my chest near the scar")


@pytest.mark.parametrize(
    "text",
    [
        "peeing bright red blood with clots and now i cant pee at all, really painful down below",
        "passing blood clots in my urine and now I can't pass urine",
    ],
)
def test_clot_retention_is_not_cord_compression_first(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency"
    assert result.red_flags[0].code == "urinary_retention_aki"
    assert "spinal_cord_compression" not in _codes(text)


def test_retention_with_back_pain_stays_cord_compression() -> None:
    """NICE NG234: retention with spinal pain is MSCC until shown otherwise."""
    codes = _codes("bad back pain and now I can't pee at all")
    assert codes[0] == "spinal_cord_compression"


@pytest.mark.parametrize(
    "text",
    [
        "haven't passed any urine since yesterday afternoon, about 18 hours now, tummy feels full and tight",
        "she hasn't had a wee since this morning",
    ],
)
def test_no_urine_for_hours_has_its_own_code(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency"
    codes = _codes(text)
    assert codes[0] == "urinary_retention_aki", codes
    assert "severe_diarrhea_dehydration" not in codes
    assert "urinary_retention_aki" in RED_FLAG_CODES


def test_diarrhoea_with_no_urine_stays_dehydration() -> None:
    assert "severe_diarrhea_dehydration" in _codes("diarrhoea all day and I haven't passed urine since lunch")


@pytest.mark.parametrize(
    "text",
    [
        "burning when I pee and going every 20 mins, on palbociclib, no temperature (36.8)",
        "stinging when I wee and going all the time, on ribociclib, temp 36.9",
    ],
)
def test_an_afebrile_urine_infection_is_not_febrile_neutropenia(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent"
    assert "febrile_neutropenia" not in _codes(text)
    assert result.red_flags[0].code == "infection_on_treatment"
    assert "pee" in result.red_flags[0].public.lower()
    assert "now" not in result.red_flags[0].public.split(".")[1].lower()


@pytest.mark.parametrize(
    "text",
    [
        "Had pain in my side round my kidney and a bit of fever earlier 37.6 but i'm not on chemo anymore, "
        "only letrozole",
        "a bit of a fever 37.7 and pain in my side, finished chemo last year, only on letrozole now",
    ],
)
def test_a_low_fever_off_chemo_is_not_febrile_neutropenia(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent"
    codes = _codes(text)
    assert "febrile_neutropenia" not in codes, codes
    public = result.red_flags[0].public
    assert "if you are on chemotherapy" not in public.lower()
    assert "today" in public.lower()


def test_a_fever_on_chemo_stays_febrile_neutropenia() -> None:
    assert _codes("temp 38.6 and shivery, had docetaxel 8 days ago")[0] == "febrile_neutropenia"


def test_an_urgent_panel_text_says_today_not_now() -> None:
    """The urgency and the flag's text give one tempo: urgent = call today."""
    for text in [
        "burning when I pee and going every 20 mins, on palbociclib, no temperature (36.8)",
        "Had pain in my side round my kidney and a bit of fever earlier 37.6 but i'm not on chemo anymore, "
        "only letrozole",
    ]:
        flag = triage(text).red_flags[0]
        assert flag.urgency == "urgent"
        assert "line now" not in flag.public


# ------------------------- 6. the footer does not repeat the emergency instruction


@pytest.mark.parametrize(
    "text",
    [
        "peeing bright red blood with clots and now i cant pee at all",
        "haven't passed any urine for 18 hours",
        "temp 38.6 and shivery, had docetaxel 8 days ago",
    ],
)
def test_emergency_advice_says_go_to_the_emergency_room_once(text: str) -> None:
    public = triage(text).advice.public.lower()
    assert public.count("emergency room") <= 1, public
    assert "this tool does not replace your care team" in public


def test_a_fever_with_infection_signs_on_chemo_is_febrile_neutropenia_only() -> None:
    """NICE CG151: 38.6 C on docetaxel is neutropenic sepsis; no second 'without a fever' flag."""
    codes = _codes("shivering and temp 38.6, had docetaxel 8 days ago, also got a burning when I wee")
    assert codes == ["febrile_neutropenia"], codes
