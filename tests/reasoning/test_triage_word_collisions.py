"""Triage sweep items 5 and 9: words with a second meaning must not raise red flags ("passing wind",
"a fit of coughing", "can't remember if I took my letrozole", swollen heavy legs, "die at home",
"9 mmol" of sugar), the true positives they sit next to must stay, and the advice must start with
what to do first and say plainly when nothing in the message was recognised.

Messages are from the emergency physician and triage nurse sweep (/work/scratch-triage/msgs.py)."""

from __future__ import annotations

import pytest

from mbcnav.case import parse_case
from mbcnav.reasoning.triage import TriageResult, triage, triage_case


def _codes(result: TriageResult) -> dict[str, str]:
    return {f.code: f.urgency for f in result.red_flags}


# (text, code that must NOT be raised)
COLLISIONS = [
    ("a bit constipated from the morphine, still passing wind, eating ok", "pleural_effusion"),
    ("lots of wind and bloating since starting capecitabine", "pleural_effusion"),
    ("she had a fit of coughing", "seizure"),
    ("I had a coughing fit last night", "seizure"),
    ("I can't remember if I took my letrozole this morning", "acute_confusion"),
    ("I can't stop thinking about the cancer coming back in my brain, no symptoms though", "acute_confusion"),
    ("my legs are swollen and heavy from the knees down but no pain", "spinal_cord_compression"),
    ("my legs feel heavy and swollen by the evening", "spinal_cord_compression"),
    (
        "I want to die at home when the time comes, not in hospital - how do I arrange that",
        "suicidal_ideation",
    ),
    ("when it comes to it I would like to die in a hospice", "suicidal_ideation"),
    ("my sugars are a bit higher on Truqap, 9 mmol fasting, feel fine", "hyperglycemia_crisis"),
    ("blood sugar a little higher on piqray, 8.5 mmol/L this morning", "hyperglycemia_crisis"),
]


@pytest.mark.parametrize(("text", "code"), COLLISIONS, ids=[t[:40] for t, _ in COLLISIONS])
def test_word_with_a_second_meaning_raises_no_flag(text: str, code: str) -> None:
    result = triage(text)
    assert code not in _codes(result), result.rationale
    assert result.urgency == "routine", result.rationale


# (text, code that must still be raised, its urgency): the true positives next to each fix
TRUE_POSITIVES = [
    ("I get winded walking up the stairs", "pleural_effusion", "urgent"),
    ("so short of breath I can hardly walk", "pleural_effusion", "urgent"),
    ("she had a fit 10 minutes ago", "seizure", "emergency"),
    ("he had a coughing fit and then a fit, his arms were jerking", "seizure", "emergency"),
    ("he can't remember where he is", "acute_confusion", "urgent"),
    ("I can't think straight today", "acute_confusion", "urgent"),
    ("my legs feel heavy", "spinal_cord_compression", "emergency"),
    ("back pain and my legs are heavy", "spinal_cord_compression", "emergency"),
    ("I want to die", "suicidal_ideation", "urgent"),
    ("I just want to die, I can't take any more", "suicidal_ideation", "urgent"),
    ("sugars higher on piqray, 16 mmol this morning", "hyperglycemia_crisis", "urgent"),
    ("sugar is higher, 9 mmol, and I keep vomiting", "hyperglycemia_crisis", "emergency"),
    ("my sugars are high at 300 mg/dl on alpelisib", "hyperglycemia_crisis", "urgent"),
]


@pytest.mark.parametrize(
    ("text", "code", "urgency"), TRUE_POSITIVES, ids=[t[:40] for t, _, _ in TRUE_POSITIVES]
)
def test_true_positive_next_to_a_collision_still_flags(text: str, code: str, urgency: str) -> None:
    assert _codes(triage(text)).get(code) == urgency


def test_sugar_in_mmol_without_a_lab_word_before_it_is_converted() -> None:
    # 9 mmol/L = 162 mg/dL, 16 mmol/L = 288 mg/dL: the same 250 mg/dL threshold as mg/dL values
    assert "hyperglycemia_crisis" not in _codes(triage("sugars up a bit, 9 mmol"))
    assert "hyperglycemia_crisis" in _codes(triage("sugars up a bit, 16 mmol"))


def test_mmol_per_mol_hba1c_is_not_read_as_a_sugar() -> None:
    # HbA1c 53 mmol/mol is not a glucose of 53 mmol/L (955 mg/dL)
    assert triage("HbA1c 53 mmol/mol, my sugar is fine").urgency == "routine"


def test_calcium_in_mmol_is_not_read_as_a_sugar() -> None:
    assert "hyperglycemia_crisis" not in _codes(triage("calcium 2.4 mmol, sugar checked too"))


# ---- item 9: order and wording of advice


def test_pneumonitis_comes_before_pleural_effusion_on_t_dxd() -> None:
    result = triage("new cough and breathless when I walk, on trastuzumab deruxtecan since March")
    assert [f.code for f in result.red_flags][:2] == ["pneumonitis", "pleural_effusion"]
    assert result.advice.public.startswith(result.red_flags[0].public)
    assert "next dose" in result.advice.public.split(".")[2]


def test_more_urgent_flag_still_comes_before_pneumonitis() -> None:
    result = triage("sudden shortness of breath and a cough on enhertu")
    assert result.red_flags[0].code == "pulmonary_embolism"
    assert result.red_flags[0].urgency == "emergency"


def test_fever_alone_on_palbociclib_is_infection_not_pneumonitis() -> None:
    # palbociclib label: ILD signs are hypoxia, cough, dyspnea; a fever on it is febrile neutropenia
    case = parse_case(
        {"symptoms": ["temperature of 101.3 F tonight"], "current_treatment": [{"drug": "palbociclib"}]}
    )
    flags = _codes(triage_case(case))
    assert flags == {"febrile_neutropenia": "emergency"}


def test_fever_alone_on_t_dxd_still_raises_pneumonitis() -> None:
    # T-DXd label: report cough, dyspnea or fever (possible ILD)
    case = parse_case(
        {"symptoms": ["I feel feverish"], "current_treatment": [{"drug": "trastuzumab deruxtecan"}]}
    )
    assert _codes(triage_case(case)).get("pneumonitis") == "urgent"


def test_cough_on_palbociclib_still_raises_pneumonitis() -> None:
    case = parse_case({"symptoms": ["new dry cough"], "current_treatment": [{"drug": "palbociclib"}]})
    assert _codes(triage_case(case)).get("pneumonitis") == "urgent"


@pytest.mark.parametrize(
    "text",
    ["dolor de espalda y no puedo mover las piernas", "is it ok to have a glass of wine with letrozole"],
)
def test_nothing_recognised_says_so_plainly(text: str) -> None:
    result = triage(text)
    assert result.urgency == "routine"
    assert result.matched == ()
    assert result.advice.public.startswith("We could not read any warning signs")
    assert "911" in result.advice.public
    assert "did not find warning signs" not in result.advice.public
    assert set(result.model_dump()) >= {"text", "urgency", "red_flags", "suspected_sites", "advice"}


def test_recognised_routine_text_keeps_the_routine_advice() -> None:
    result = triage("mild headache after a long day on the computer, paracetamol helped")
    assert result.urgency == "routine"
    assert result.advice.public.startswith("We did not find warning signs")


def test_a_case_with_no_symptoms_keeps_the_routine_advice() -> None:
    result = triage_case(parse_case({"labs": {"calcium_mg_dl": 9.5}}))
    assert result.advice.public.startswith("We did not find warning signs")


def test_low_mood_points_to_support() -> None:
    result = triage("i feel so low and tearful since the scan results, can I talk to someone")
    assert result.urgency == "routine"
    assert "counselor" in result.advice.public
    assert "988" in result.advice.public
    assert "PHQ-9" in result.advice.clinician


def test_low_mood_with_a_death_wish_keeps_the_flag_first() -> None:
    result = triage("i feel so low, i want to die")
    assert result.red_flags[0].code == "suicidal_ideation"
    assert result.advice.public.startswith(result.red_flags[0].public)


def test_negated_symptoms_count_as_read() -> None:
    result = triage("no pain, no temperature, no diarrhoea this cycle - all good!")
    assert result.urgency == "routine"
    assert result.advice.public.startswith("We did not find warning signs")


def test_delicious_is_not_read_as_delirious() -> None:
    """Found while fixing the second triage sweep: the fuzzy matcher read "delicious" as "delirious"."""
    assert triage("the soup at the hospice was delicious").red_flags == ()
    assert "acute_confusion" in {f.code for f in triage("he is delirious and very hot").red_flags}


@pytest.mark.parametrize(
    "text",
    ["Dad went rigid and was jerking for a couple of minutes then was really drowsy afterwards",
     "she stiffened and then her whole body was jerking"],
)  # fmt: skip
def test_a_generalised_seizure_described_in_words_is_an_emergency(text: str) -> None:
    """A third, untouched triage sweep: "went rigid ... jerking" was read only as drowsiness (urgent)."""
    result = triage(text)
    assert result.urgency == "emergency" and "seizure" in {f.code for f in result.red_flags}


def test_stiff_back_is_not_a_seizure() -> None:
    assert "seizure" not in {f.code for f in triage("my back is stiff, I shook it off").red_flags}
