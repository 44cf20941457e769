"""Second triage sweep, items 3 and 4: chemotherapy named by brand, alias or regimen letters (read
through mbcnav.drugnames, not a word list), borderline temperatures on chemotherapy with a second sign
(UKONS v3: two ambers make a red; NICE CG151/NG151: unwell on chemotherapy), and emergencies said in
everyday words (high calcium, liver failure, PE, SVC obstruction, hip fracture, bowel obstruction,
SJS/TEN). Every rule is tested with hits and non-hits in wordings other than the sweep's."""

from __future__ import annotations

import pytest
from _helpers import symptom_case as _case
from _helpers import triage_urgencies as _flags

from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.triage import triage, triage_case


# ------------------------------------------------------- item 3: chemotherapy in any name (NICE CG151)
@pytest.mark.parametrize(
    "name",
    [
        "FEC",
        "EC",
        "FEC-T",
        "AC-T",
        "epirubicin",
        "Abraxane",
        "ixabepilone",
        "olaparib",
        "Lynparza",
        "talazoparib",
        "Kadcyla",
        "T-DM1",
        "Datroway",
        "carbo",
        "gem-carbo",
        "Ellence",
        "Navelbine",
        "nab-paclitaxel",
    ],
)
def test_fever_on_chemotherapy_named_any_way_is_febrile_neutropenia(name: str) -> None:
    text = f"I'm on {name} and my temp is 38.5"
    assert _flags(text).get("febrile_neutropenia") == "emergency", triage(text).rationale


@pytest.mark.parametrize(
    "text",
    [
        "the AC is broken and the house is boiling, temperature 38.5",
        "I ate loads of carbs yesterday, temperature 38.5",
        "bought a cape for the party, temp 38.5",
        "my grandson has a temperature of 38.5",
    ],
)
def test_words_that_only_look_like_chemotherapy_do_not_make_a_fever_an_emergency(text: str) -> None:
    assert _flags(text).get("febrile_neutropenia") != "emergency", triage(text).rationale


def test_a_misspelled_long_drug_name_is_still_read() -> None:
    assert _flags("started epirubicine, temp 38.4")["febrile_neutropenia"] == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "temp's 35.2 and I feel clammy, had chemo last week",
        "temperature 35.5, a bit confused, on docetaxel",
        "temp 37.8, coughing and short of breath, on weekly paclitaxel",
        "temp 37.6 with diarrhoea, had FEC on Tuesday",
    ],
)
def test_borderline_temperature_on_chemo_with_a_second_sign_is_an_emergency_ukons(text: str) -> None:
    assert _flags(text).get("febrile_neutropenia") == "emergency", triage(text).rationale


@pytest.mark.parametrize(
    "text", ["temp's 35.4, had chemo last week, otherwise fine", "temp 37.7 on docetaxel, feel ok"]
)
def test_borderline_temperature_on_chemo_alone_stays_urgent_and_does_not_ask_if_on_chemo(text: str) -> None:
    result = triage(text)
    assert _flags(text) == {"febrile_neutropenia": "urgent"}
    assert "if you are on chemo" not in result.advice.public.lower()
    assert "on chemo" in result.red_flags[0].public


def test_fever_without_known_treatment_still_asks_about_chemo() -> None:
    assert "if you are on chemotherapy" in triage("temperature 38.4").advice.public


@pytest.mark.parametrize(
    "text",
    [
        "I'm burning up, on capecitabine",
        "my husband says he's boiling up, he had chemo Friday",
        "fluey and achy since my Enhertu",
        "shaky and sweaty since my chemo on Monday",
        "just not myself today, chemo 8 days ago",
        "I feel a bit off, had docetaxel last week",
    ],
)
def test_feeling_unwell_or_feverish_in_everyday_words_on_chemo_is_an_emergency_ng151(text: str) -> None:
    assert _flags(text).get("febrile_neutropenia") == "emergency", triage(text).rationale


@pytest.mark.parametrize(
    "text",
    [
        "my feet are burning up on capecitabine",
        "the milk tasted off, I'm on chemo",
        "can I have the flu jab while on chemo?",
        "I don't feel off at all, on paclitaxel",
        "shaky hands and sweaty when anxious, on chemo",
        "I'm burning up with the menopause flushes",
    ],
)
def test_everyday_words_that_are_not_sepsis_stay_below_emergency(text: str) -> None:
    assert _flags(text).get("febrile_neutropenia") != "emergency", triage(text).rationale


# ------------------------------------------------------------------- item 4: other emergencies
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Mum's drinking loads and she's muddled, she has bone mets", "hypercalcemia"),
        ("he drinks constantly and keeps getting confused", "hypercalcemia"),
        ("she is yellowy and confused", "liver_failure"),
        ("he's yellow and keeps nodding off", "liver_failure"),
        ("out of nowhere I'm so breathless I can't talk", "pulmonary_embolism"),
        ("out of the blue I got really breathless this morning", "pulmonary_embolism"),
        ("my neck has ballooned and I'm breathless at rest", "svc_syndrome"),
        ("face puffed up and breathless sitting still", "svc_syndrome"),
        ("felt my thigh crack as I stood up", "pathologic_fracture_risk"),
        ("I can't stand on my right leg since I fell", "pathologic_fracture_risk"),
        ("bringing up everything, stomach like a balloon and nothing passing through", "bowel_obstruction"),
        ("skin peeling off in sheets and my eyes are gritty and bloodshot", "severe_skin_reaction"),
        ("blistering rash all over my body and my eyes are crusty", "severe_skin_reaction"),
    ],
)
def test_emergencies_in_everyday_words(text: str, code: str) -> None:
    assert _flags(text).get(code) == "emergency", triage(text).rationale


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("the nurse said I should be drinking loads, I forget things", "hypercalcemia"),
        ("the box is yellow and the label is confusing", "liver_failure"),
        ("my pee is dark yellow, no other problems", "liver_failure"),
        ("I'm puffed out after the stairs, face is red", "svc_syndrome"),
        ("my knees crunch on the stairs and I can't stand for long", "pathologic_fracture_risk"),
        ("my leg gave way on the stairs", "pathologic_fracture_risk"),
        ("tried to pee but nothing coming out, been sick twice", "bowel_obstruction"),
        ("bringing up phlegm all day", "bowel_obstruction"),
        ("my eyes are red from crying and I have a rash", "severe_skin_reaction"),
        ("my lips are cracked from the cold weather", "severe_skin_reaction"),
    ],
)
def test_look_alike_wordings_are_not_those_emergencies(text: str, code: str) -> None:
    assert _flags(text).get(code) != "emergency", triage(text).rationale


def test_bilirubin_on_the_labs_with_confusion_is_liver_failure_emergency_like_the_words() -> None:
    confused = triage_case(
        parse_case(_case(["not making sense, dozing"], "capecitabine", {"bilirubin_mg_dl": 6.5}))
    )
    assert {f.code: f.urgency for f in confused.red_flags}["liver_failure"] == "emergency"
    calm = triage_case(parse_case(_case(["bit tired"], "capecitabine", {"bilirubin_mg_dl": 6.5})))
    assert {f.code: f.urgency for f in calm.red_flags}["liver_failure"] == "urgent"


def test_blistering_rash_with_eye_signs_on_alpelisib_holds_alpelisib_in_assess() -> None:
    symptoms = ["big blisters on my skin and my eyes are red and sticky, lips peeling"]
    result = assess(parse_case(_case(symptoms, "alpelisib")))
    assert result.urgency == "emergency"
    holds = [a for a in result.safety_alerts if a.code == "severe_skin_reaction_hold"]
    assert holds and holds[0].severity == "contraindication"
    calm = assess(parse_case(_case(["dry skin on my hands"], "alpelisib")))
    assert not [a for a in calm.safety_alerts if a.code == "severe_skin_reaction_hold"]
