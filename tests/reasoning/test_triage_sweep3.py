"""Third, untouched triage sweep (90 messages no fix was tuned on): urgent findings read as routine,
emergencies read as urgent, a question about a term read as the emergency, and right urgency for the
wrong reason. Each rule is tested with the sweep's wording, another wording, and a near miss."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from _helpers import triage_urgencies as _flags

from mbcnav.reasoning.triage import triage


# ------------------------------------------------------------------ 1. urgent findings said in words
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("my hip has been aching for a fortnight and it hurts more to walk on it",
         "pathologic_fracture_risk"),
        ("pain in my thigh bone that is worse when I walk and wont settle", "pathologic_fracture_risk"),
        ("my pelvis is sore and it's worse standing up", "pathologic_fracture_risk"),
        ("headaches most days for 2 weeks that paracetamol doesnt touch", "raised_icp"),
        ("I've had a headache every morning this week", "raised_icp"),
        ("mouth ulcers so bad i can barely eat or drink much", "severe_mucositis"),
        ("vomited 3 times today after chemo, anti sickness not helping", "severe_vomiting"),
        ("keep being sick and the ondansetron isn't working", "severe_vomiting"),
        # cellulitis: named skin_infection since sweep 10 (BLS/LSN consensus)
        ("my arm on the side of my surgery has got red hot and swollen", "skin_infection"),
        ("getting a bit of tingling and numbness in my fingers and it's making buttons hard",
         "peripheral_neuropathy"),
        ("my fingers are so numb I keep dropping things", "peripheral_neuropathy"),
        ("been really dizzy when I stand up and not eating much for days", "severe_diarrhea_dehydration"),
        ("a mild sore throat, feeling a bit run down, on abemaciclib, temp 37.3", "infection_on_treatment"),
        ("burning when I pee, I'm on palbociclib", "infection_on_treatment"),
        ("keep losing my balance and feel wobbly when i walk, been a few days", "focal_neurologic_deficit"),
        ("my vision keeps going blurry on and off for the past week", "focal_neurologic_deficit"),
    ],
)  # fmt: skip
def test_urgent_findings_of_the_third_sweep_are_urgent(text: str, code: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent" and _flags(text).get(code) == "urgent", result.rationale


def test_urgent_texts_speak_of_the_finding_not_of_the_codes_usual_cause() -> None:
    dizzy = triage("been really dizzy when I stand up and not eating much for days").red_flags[0]
    assert "diarrhea" not in dizzy.public.lower() and "fluid" in dizzy.public
    throat = triage("a mild sore throat, on abemaciclib").red_flags[0]
    assert throat.title == "Signs of infection on a medicine that lowers white cells"
    assert "sore throat" in throat.public.lower() and "infection" in throat.clinician.lower()
    balance = triage("keep losing my balance").red_flags[0]
    assert "balance" in balance.public and "MRI brain" in balance.clinician


@pytest.mark.parametrize(
    "text",
    [
        "my hip aches a bit",  # bone pain alone stays what it was
        "my new shoes give me a blister and it hurts to walk",
        "had a headache two days ago, gone now",
        "my vision is blurry without my reading glasses",
        "lost my balance on the ice and slipped",
        "a bit of tingling in my fingers when it's cold",
        "a sore throat, no treatment at the moment",
        "I'm not eating meat any more",
        "my arm was red from the sun",
    ],
)
def test_near_misses_of_the_new_urgent_wordings_stay_routine(text: str) -> None:
    assert triage(text).urgency == "routine", triage(text).rationale


# ------------------------------------------------------------------ 2. emergencies read as urgent
@pytest.mark.parametrize(
    ("text", "code"),
    [
        # Yu 2008 / the code's own text: face or neck swelling with trouble breathing is an emergency
        ("my face and neck have swollen right up and the veins on my chest are sticking out, hard to breathe",
         "svc_syndrome"),
        ("neck swollen and I'm short of breath", "svc_syndrome"),
        ("headaches every morning getting worse, now vomiting and my vision is blurry", "raised_icp"),
        ("my mum has a really bad headache and her neck is stiff and she cant look at the light, "
         "she's on chemo", "leptomeningeal_disease"),
        ("headache, stiff neck and a fever", "leptomeningeal_disease"),
        ("bleeding gums that wont stop and tiny purple spots all over my legs", "bleeding_bruising"),
    ],
)  # fmt: skip
def test_emergencies_of_the_third_sweep_are_emergencies(text: str, code: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency" and _flags(text).get(code) == "emergency", result.rationale
    assert "911" in result.red_flags[0].public or "emergency room" in result.red_flags[0].public


def test_meningism_text_names_the_infection_and_says_go_now() -> None:
    flag = triage("bad headache, stiff neck and the light hurts, on chemo").red_flags[0]
    assert flag.code == "leptomeningeal_disease" and flag.urgency == "emergency"
    assert "emergency room now" in flag.public and "antibiotics" in flag.clinician


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("my face is a bit puffy", "urgent"),  # SVC without airway signs stays same-day (Yu 2008 grade 1-2)
        ("headache and stiff neck", "urgent"),
        ("headache and I vomited once", "urgent"),
        ("gums bleed when I brush", "urgent"),
    ],
)
def test_the_same_findings_without_the_second_sign_stay_urgent(text: str, urgency: str) -> None:
    assert triage(text).urgency == urgency, triage(text).rationale


def test_a_negated_verb_does_not_negate_what_follows() -> None:
    """ "won't stop and tiny purple spots": the spots were read as negated by "won't"."""
    result = triage("nosebleed that won't stop and little red spots on my arms")
    assert "tiny red or purple spots on the skin" in result.matched
    assert result.urgency == "emergency"


# ------------------------------------------------------------------ 3. over-triage
def test_a_question_about_cord_compression_is_not_the_emergency_but_keeps_its_advice() -> None:
    result = triage("what does spinal cord compression mean? my leaflet mentions it")
    assert result.urgency == "routine" and result.red_flags == ()
    assert "question" in result.advice.public
    assert "weak or numb legs" in result.advice.public and "911" in result.advice.public
    assert "spinal_cord_compression not raised" in result.rationale
    assert "dexamethasone" in result.advice.clinician


def test_a_question_with_a_symptom_is_triaged_as_usual() -> None:
    result = triage("what does spinal cord compression mean? my legs are weak and my back hurts")
    assert result.urgency == "emergency"
    assert result.red_flags[0].code == "spinal_cord_compression"


def test_a_report_naming_cord_compression_is_still_an_emergency() -> None:
    assert triage("MRI shows cord compression at T10").urgency == "emergency"


def test_other_terms_asked_about_say_what_to_do_if_present() -> None:
    result = triage("what is hypercalcemia?")
    assert result.urgency == "routine" and result.red_flags == ()
    assert "high calcium" in result.advice.public and "cancer team today" in result.advice.public


def test_a_leg_weak_from_sitting_that_recovered_is_not_cord_compression() -> None:
    text = "my leg feels weak from sitting too long on the train, fine after a walk, I have no back pain"
    assert triage(text).urgency == "routine", triage(text).rationale


@pytest.mark.parametrize(
    "text",
    [
        "my leg feels weak from sitting too long on the train",  # not better: still a weak leg
        "my legs are weak and I have to sit down",
        "legs weak after sitting, still not fine",
    ],
)
def test_weak_legs_without_a_benign_cause_and_recovery_stay_an_emergency(text: str) -> None:
    assert _flags(text).get("spinal_cord_compression") == "emergency", triage(text).rationale


# ------------------------------------------------------------------ 4. right urgency, right reason
def test_no_urine_with_no_fluids_kept_down_is_dehydration_not_the_cord() -> None:
    result = triage("can't keep anything down, even water, for 36 hrs, haven't peed since this morning")
    assert result.urgency == "emergency"
    codes = [f.code for f in result.red_flags]
    assert codes[0] == "severe_vomiting" and "spinal_cord_compression" not in codes
    assert "kidney" in result.red_flags[0].public


def test_urine_retention_alone_is_still_cord_compression() -> None:
    assert _flags("I haven't peed since this morning and my back aches").get("spinal_cord_compression") == (
        "emergency"
    )


def test_one_sided_arm_and_leg_weakness_with_slurred_speech_is_a_brain_emergency_first() -> None:
    result = triage("my left arm and leg have suddenly gone weak and my speech is slurred")
    assert result.urgency == "emergency"
    assert result.red_flags[0].code == "focal_neurologic_deficit"
    assert "spinal_cord_compression" not in {f.code for f in result.red_flags}


def test_back_pain_with_weak_legs_is_still_cord_compression() -> None:
    result = triage("bad back pain and both my legs have gone weak")
    assert result.red_flags[0].code == "spinal_cord_compression" and result.urgency == "emergency"


def test_cli_triage_json_reads_a_question_as_routine() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mbcnav", "triage", "what does spinal cord compression mean?", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout)
    assert data["urgency"] == "routine" and data["red_flags"] == []
    assert "911" in data["advice"]["public"]
