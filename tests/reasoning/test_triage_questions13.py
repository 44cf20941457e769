"""Over-triaged questions of the twelfth triage sweep and the liver-failure flag read from labs, each
written again in other words, with near misses that must keep their reading.

- What someone read or a leaflet says, asked about ("I read that brain mets can cause seizures, should I
  be worried? I've never had one"; "the leaflet says it can cause anaphylaxis, should I worry?"), and a
  hypothetical ("what number should I ring if I ever get chest pain?") report no symptom: routine, with
  the advice saying what to do if the signs come. A current report in the same message ("... and now I'm
  having one", "the leaflet says X, and I have X now") stays an emergency.
- Liver failure from labs (EASL 2017 acute liver failure; CTCAE v5 blood bilirubin increased): a total
  bilirubin of 3x ULN or more alone is a very high bilirubin for same-day review, and its texts do not
  claim encephalopathy or an INR that were not given; an INR of 1.5 or more with a raised bilirubin
  (> 1.5x ULN, CTCAE v5 grade 2 or more) is jaundice with coagulopathy, the liver-failure emergency.
"""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.case import Labs
from mbcnav.reasoning.triage import triage

# ------------------------------------------------ 1. read, leaflet and hypothetical questions

QUESTIONS = [
    # the sweep's own messages
    "I read that brain mets can cause seizures, should I be worried? I've never had one and my brain "
    "scan was clear",
    "the leaflet for trastuzumab deruxtecan says it can cause anaphylaxis and lung problems, that's "
    "terrifying. should I worry?",
    "What number should I ring if I ever get chest pain or a fever on treatment?",
    # paraphrases
    "I read online that brain metastases can cause fits. Should I be worried? I haven't had one.",
    "The booklet says this drug can cause seizures. Should I worry about that?",
    "My leaflet says Enhertu may cause an allergic reaction. Should I be scared?",
    "Who do I call if I ever have a seizure at home?",
    "if I ever get a high temperature in the night, which number do I ring?",
]


@pytest.mark.parametrize("text", QUESTIONS)
def test_what_was_read_or_might_happen_asked_about_is_routine(text: str) -> None:
    result = triage(text)
    assert result.urgency == "routine", (text, result.red_flags, result.matched)


REPORTS = [
    "I read that brain mets can cause seizures and now I'm having one",
    "I read that brain mets can cause seizures, should I be worried? I just had one an hour ago",
    "the leaflet says it can cause seizures, and I have seizures now. should I worry?",
    "the leaflet says it can cause anaphylaxis, should I worry? my throat is swelling and I can't breathe",
    "What number should I ring? I have chest pain and a fever on treatment",
    "What number should I ring if I get chest pain? I have it now",
]


@pytest.mark.parametrize("text", REPORTS)
def test_a_current_report_beside_the_question_is_still_triaged(text: str) -> None:
    result = triage(text)
    assert result.urgency != "routine", (text, result.red_flags, result.matched)
    assert result.red_flags, text


def test_a_seizure_now_after_reading_about_it_is_an_emergency() -> None:
    text = "I read that brain mets can cause seizures and now I'm having one"
    assert _codes(text).get("seizure") == "emergency", triage(text).red_flags


# ------------------------------------------------ 2. liver failure from labs (EASL 2017, CTCAE v5)

ULN = 1.2  # triage.yaml labs.bilirubin_uln_mg_dl


def _liver(labs: Labs, text: str = "feeling ok") -> tuple[str | None, str, str, str]:
    flag = next((f for f in triage(text, labs).red_flags if f.code == "liver_failure"), None)
    if flag is None:
        return None, "", "", ""
    return flag.urgency, flag.public, flag.clinician, flag.title


def test_bilirubin_alone_is_a_very_high_bilirubin_not_claimed_encephalopathy() -> None:
    urgency, public, clinician, title = _liver(Labs(bilirubin_mg_dl=4.0))
    assert urgency == "urgent"
    assert "very high bilirubin" in public.lower()
    assert "encephalopathy or coagulopathy" not in clinician
    assert not clinician.startswith("Possible hepatic failure"), clinician
    assert "failure" not in title.lower()


def test_inr_with_bilirubin_below_three_times_normal_is_liver_failure_child_pugh_c() -> None:
    # scratch-pharm4 p10: bilirubin 3.5 mg/dL (2.9x ULN) with INR 2.0 raised nothing
    urgency, _, clinician, _ = _liver(Labs(bilirubin_mg_dl=3.5, inr=2.0))
    assert urgency == "emergency"
    assert "INR" in clinician


@pytest.mark.parametrize("bili", [2.0, 2.5, 3.5, 6.0])
def test_inr_of_1_5_with_raised_bilirubin_is_the_liver_failure_emergency(bili: float) -> None:
    assert _liver(Labs(bilirubin_mg_dl=bili, inr=1.6))[0] == "emergency"


@pytest.mark.parametrize(
    "labs",
    [
        Labs(bilirubin_mg_dl=1.0, inr=2.5),  # warfarin-range INR with a normal bilirubin
        Labs(bilirubin_mg_dl=1.7, inr=1.8),  # bilirubin at most 1.5x ULN
        Labs(bilirubin_mg_dl=3.0, inr=1.4),  # INR below 1.5, bilirubin below 3x ULN
    ],
)
def test_inr_or_mildly_raised_bilirubin_alone_is_not_liver_failure(labs: Labs) -> None:
    assert _liver(labs)[0] is None


def test_high_bilirubin_with_confusion_keeps_the_emergency_wording() -> None:
    urgency, public, clinician, _ = _liver(Labs(bilirubin_mg_dl=4.0), "she is confused today")
    assert urgency == "emergency"
    assert "emergency" in public.lower()
    assert "encephalopathy" in clinician


def test_high_bilirubin_with_yellow_eyes_keeps_the_jaundice_text() -> None:
    urgency, public, _, _ = _liver(Labs(bilirubin_mg_dl=4.0), "my eyes have gone yellow")
    assert urgency == "urgent"
    assert "yellow" in public.lower()
