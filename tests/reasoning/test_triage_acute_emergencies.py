"""Acute emergencies and graded toxicities from the triage sweep (items 4, 6, 7): each rule read from
lay text, with its non-hits (negation, other meanings). Standard: UKONS 24-hour triage v3 (collapse,
airway compromise, severe haemorrhage and severe chest pain go to emergency services; >= 6 vomits in
24 h, >= 7 stools a day, not eating or drinking are red), CTCAE v5, the knowledge base's symptom items."""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.triage import triage, triage_case


@pytest.mark.parametrize(
    ("text", "code", "urgency"),
    [
        # item 4: acute emergencies
        ("crushing pain in my chest spreading to my jaw, sweaty", "chest_pain_cardiac", "emergency"),
        ("severe chest pain", "chest_pain_cardiac", "emergency"),
        (
            "chest feels tight and painful since this morning, had 5FU last week",
            "chest_pain_cardiac",
            "emergency",
        ),
        ("chest pain since starting xeloda", "chest_pain_cardiac", "emergency"),
        ("my chest hurts a bit", "chest_pain_cardiac", "urgent"),
        (
            "my lips and tongue are swelling up and my throat feels tight after my Herceptin injection",
            "anaphylaxis",
            "emergency",
        ),
        ("throat feels tight since the infusion started", "anaphylaxis", "emergency"),
        ("my lips look a bit swollen today", "anaphylaxis", "urgent"),
        ("my poo has gone black and tarry and I feel lightheaded", "gi_bleeding", "emergency"),
        ("I threw up blood, like coffee grounds", "gi_bleeding", "emergency"),
        ("found mum on the bathroom floor, she won't wake up properly", "collapse", "emergency"),
        ("collapsed in the kitchen, came round quickly but feel terrible", "collapse", "emergency"),
        (
            "my left arm went weak and heavy all of a sudden about an hour ago",
            "focal_neurologic_deficit",
            "emergency",
        ),
        # item 6: breathing
        ("so breathless I cant finish a sentence, lips look a bit blue", "respiratory_distress", "emergency"),
        ("her lips have gone blue", "respiratory_distress", "emergency"),
        ("sats 86", "hypoxemia", "emergency"),
        ("oxygen 85%", "hypoxemia", "emergency"),
        (
            "Started Enhertu 4 months ago - now breathless even sitting still and my sats are 88",
            "hypoxemia",
            "emergency",
        ),
        ("my oxygen sats on the finger thing are 86% and I'm short of breath", "hypoxemia", "emergency"),
        # item 7: toxicities
        ("Verzenio runs again - 7 watery stools since breakfast", "severe_diarrhea_dehydration", "urgent"),
        ("diarrhoea 9 times today", "severe_diarrhea_dehydration", "urgent"),
        # 6+ vomits in 24 h or no fluids kept down: UKONS v3 red, call the 24-hour line now (an emergency
        # since the seventeenth sweep, tests/reasoning/test_s10_triage_sweep17.py)
        (
            "vomited 8 times since this morning, cant keep anything down at all",
            "severe_vomiting",
            "emergency",
        ),
        ("vomiting all day and can't keep anything down", "severe_vomiting", "emergency"),
        # nothing by mouth, not even water, for a day: oral intake impossible (WHO / CTCAE v5 grade 4), an
        # emergency since the eighth sweep (tests/reasoning/test_triage_sweep8.py)
        (
            "mouth ulcers so bad I can't eat or even drink water since yesterday",
            "severe_mucositis",
            "emergency",
        ),
        ("pain is 9 out of 10 in my hip even with the oramorph, can't sleep", "uncontrolled_pain", "urgent"),
        ("my hip still hurts even with the oxycodone", "uncontrolled_pain", "urgent"),
        (
            "since starting alpelisib my skin is peeling and blistering, my mouth and eyes full of sores",
            "severe_skin_reaction",
            "emergency",
        ),
        (
            "Nose has been bleeding for over an hour and won't stop, platelets were low",
            "bleeding_bruising",
            "emergency",
        ),
        ("She's yellow all over, very sleepy and confused, has liver mets", "liver_failure", "emergency"),
        ("he has gone yellow", "liver_failure", "urgent"),
        (
            "my port site is red hot and weeping and I've had the chills on and off",
            "line_infection",
            "emergency",
        ),
        ("my picc line is red and sore", "line_infection", "urgent"),
    ],
)
def test_sweep_messages_raise_the_code(text: str, code: str, urgency: str) -> None:
    result = triage(text)
    assert _codes(text).get(code) == urgency, result.rationale
    assert result.urgency == urgency or (urgency == "urgent" and result.urgency == "emergency")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("no chest pain, just tired", "chest_pain_cardiac"),
        ("no swelling of my lips or tongue after the infusion", "anaphylaxis"),
        ("black poo from the iron tablets", "gi_bleeding"),
        ("no blood in my sick", "gi_bleeding"),
        ("calcium 14.6 on my blood test and I feel sick", "gi_bleeding"),
        ("I nearly passed out on the bus", "collapse"),
        ("I feel faint when I stand up", "collapse"),
        ("I wish I could just go to sleep and not wake up", "collapse"),
        ("the vein collapsed when they took blood", "collapse"),
        ("I can finish my sentences fine, a bit puffed on the stairs", "respiratory_distress"),
        ("my fingers went blue in the cold", "respiratory_distress"),
        ("loose stools twice today on verzenio", "severe_diarrhea_dehydration"),
        ("vomited twice this morning", "severe_vomiting"),
        ("feeling sick all day but not vomiting", "severe_vomiting"),
        ("a couple of small mouth ulcers, eating fine", "severe_mucositis"),
        ("pain is 3 out of 10 now", "uncontrolled_pain"),
        ("9 out of 10 people on this drug get diarrhoea", "uncontrolled_pain"),
        ("even with the morphine I feel fine", "uncontrolled_pain"),
        ("my skin is peeling on my hands from the capecitabine", "severe_skin_reaction"),
        ("bleeding stopped after 5 minutes", "bleeding_bruising"),
        ("my wee has gone yellow", "liver_failure"),
        ("no redness at my port site", "line_infection"),
    ],
)
def test_other_meanings_raise_nothing(text: str, code: str) -> None:
    assert code not in _codes(text), triage(text).rationale


def test_sats_text_and_labs_agree_on_the_spo2_threshold() -> None:
    """The text reads SpO2 into the same lab rule as labs.spo2_percent (< 90% is an emergency)."""
    assert _codes("my sats are 88").get("hypoxemia") == "emergency"
    assert "hypoxemia" not in _codes("my sats are 95")
    assert "hypoxemia" not in _codes("I use oxygen 2 litres at night")
    case = parse_case({"symptoms": ["breathless, my sats are 88"], "metastatic_sites": ["lung"]})
    assert {f.code: f.urgency for f in triage_case(case).red_flags}.get("hypoxemia") == "emergency"


def _abema_case() -> dict:
    return {
        "patient": {
            "age": 55,
            "sex": "F",
            "menopausal": "post",
            "weight_kg": 68,
            "height_cm": 164,
            "ecog": 1,
        },
        "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 50, "her2_ihc": "1+"},
        "metastatic_sites": ["bone", "liver"],
        "line": 2,
        "symptoms": ["7 watery stools since breakfast"],
        "current_treatment": [{"drug": "abemaciclib"}, {"drug": "fulvestrant"}],
    }


def test_grade_3_diarrhea_on_abemaciclib_names_the_drug_in_the_case_path() -> None:
    """Sweep case c04: >= 7 stools a day on abemaciclib is grade 3 (CTCAE v5; label: hold)."""
    assessment = assess(parse_case(_abema_case()))
    flag = next(f for f in assessment.red_flags if f.code == "severe_diarrhea_dehydration")
    assert flag.urgency == "urgent"
    assert "abemaciclib" in flag.rationale
    assert "hold abemaciclib" in flag.clinician


def test_chest_pain_on_capecitabine_is_an_emergency_in_the_case_path() -> None:
    data = _abema_case() | {
        "symptoms": ["my chest feels tight"],
        "current_treatment": [{"drug": "capecitabine"}],
    }
    codes = {f.code: f.urgency for f in triage_case(parse_case(data)).red_flags}
    assert codes.get("chest_pain_cardiac") == "emergency"
    data["current_treatment"] = [{"drug": "letrozole"}]
    assert {f.code: f.urgency for f in triage_case(parse_case(data)).red_flags}.get(
        "chest_pain_cardiac"
    ) == "urgent"


def test_emergency_texts_say_what_to_do_now() -> None:
    for text in (
        "I threw up blood",
        "collapsed in the kitchen",
        "crushing chest pain",
        "my tongue is swelling up",
        "lips look blue",
        "nose bleeding for an hour and won't stop",
    ):
        result = triage(text)
        assert result.urgency == "emergency", text
        assert "911" in result.red_flags[0].public or "emergency room" in result.red_flags[0].public


def test_bleeding_that_wont_stop_is_an_emergency_with_low_platelets_or_time() -> None:
    """symptom-bleeding-bruising: call 911 if bleeding goes on after 10 minutes of pressure."""
    assert _codes("my nosebleed wont stop").get("bleeding_bruising") == "urgent"
    assert _codes("my nosebleed wont stop and my platelets are low").get("bleeding_bruising") == "emergency"
    assert _codes("nose has been bleeding for 30 minutes").get("bleeding_bruising") == "emergency"
    assert "focal_neurologic_deficit" not in _codes(
        "my arm has been weak and heavy since the surgery, suddenly worse"
    )
