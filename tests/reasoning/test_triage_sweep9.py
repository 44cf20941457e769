"""What the ninth untouched triage sweep missed, each situation written again in other words, with near
misses that must keep their reading.

- Hardly passing urine ("hardly weeing", "barely peeing", "passing very little urine") with no fluids
  kept down is oliguria with dehydration: an emergency, as no urine at all already is (NICE NG51).
- Breathless on minimal effort (walking to the toilet, getting dressed) with a cough on T-DXd or Dato-DXd
  is pneumonitis limiting self-care (CTCAE v5 grade 3; T-DXd label: grade >= 2 stop, prompt steroids).
- Another person's diagnosis asked about ("my sister was just diagnosed with a blood clot in her lung,
  should I be worried?") is not today's emergency; a relative's current signs still are. A settled fever on
  treatment ("it's ok now") is not read as over: the person may still be neutropenic.
"""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.reasoning.triage import triage

# ------------------------------------------------------------------ little urine, no fluids kept down

OLIGURIA_NO_FLUIDS = [
    # the sweep's own message
    "cant stop being sick since yesterday, not kept anything down for 24 hours and hardly weeing",
    # paraphrases
    "been vomiting since last night, can't keep any water down and barely peeing",
    "throwing up all day, nothing stays down and I'm passing very little urine",
    "can't keep fluids down since yesterday and I've hardly had a wee",
]


@pytest.mark.parametrize("text", OLIGURIA_NO_FLUIDS)
def test_little_urine_with_no_fluids_kept_down_is_an_emergency(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "I've been hardly weeing since I cut back on tea",
        "was sick twice this morning but keeping water down now",
        "I barely pee at night since the new tablets",
    ],
)
def test_little_urine_alone_or_fluids_kept_down_is_not_an_emergency(text: str) -> None:
    assert triage(text).urgency != "emergency", (text, triage(text).red_flags)


# ------------------------------------------------------- pneumonitis on a deruxtecan with minimal effort

DXD_PNEUMONITIS_MINIMAL_EFFORT = [
    # the sweep's own message
    "on enhertu and getting more and more breathless with a dry cough, now out of breath just walking to "
    "the loo",
    # paraphrases
    "I'm on datroway, I have a cough and get breathless just getting dressed",
    "dry cough on enhertu and I'm out of breath walking to the toilet",
    "since my last T-DXd I have a cough and I'm short of breath just going to the bathroom",
]


@pytest.mark.parametrize("text", DXD_PNEUMONITIS_MINIMAL_EFFORT)
def test_cough_and_breathless_on_minimal_effort_on_a_deruxtecan_is_an_emergency(text: str) -> None:
    assert _codes(text).get("pneumonitis") == "emergency", (text, triage(text).red_flags)
    flag = next(f for f in triage(text).red_flags if f.code == "pneumonitis")
    assert "911" in flag.public or "emergency room" in flag.public


@pytest.mark.parametrize(
    "text",
    [
        # effort that is not minimal, or no cough, or another drug: same day, not an emergency
        "on enhertu with a dry cough and I get breathless walking up the hill",
        "on enhertu and a bit breathless with a cough",
        "I have a cough and get out of breath walking to the loo, not on any cancer drugs yet",
    ],
)
def test_cough_without_minimal_effort_breathlessness_stays_below_emergency(text: str) -> None:
    assert _codes(text).get("pneumonitis") != "emergency", (text, triage(text).red_flags)


# ------------------------------------------------------------ past fever, another person's diagnosis

NOT_TODAYS_EMERGENCY = [
    # the sweep's own message
    "my sister was just diagnosed with a blood clot in her lung, should I be worried about her?",
    # paraphrases
    "my brother has been diagnosed with a clot in his lung, is that serious?",
    "my aunt was recently diagnosed with a pulmonary embolism, should we be worried?",
]


@pytest.mark.parametrize("text", NOT_TODAYS_EMERGENCY)
def test_a_relatives_diagnosis_asked_about_is_not_an_emergency(text: str) -> None:
    assert triage(text).urgency != "emergency", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "my sister is coughing blood and can't breathe",
        "my sister was just diagnosed with a blood clot in her lung and now she can't breathe, what do I do?",
        "had a fever last month, it was fine, but now I'm on chemo and have a fever of 38.5",
        "I had a fever on chemo, it's fine now but I'm shivering again",
        "I'm on chemo and have a fever and I'm fine otherwise",
        "I have a fever on chemo, is it ok now to take paracetamol?",
        # a fever on treatment that has settled is still reported the same way (decision: "it's ok now" is
        # not read as over, because the person may still be neutropenic; sweep 9's past-month fever stays an
        # over-triage)
        "had a high temp yesterday, on docetaxel, it's ok now",
        "my mum was diagnosed with a clot in her lung and she is coughing blood, should I worry?",
    ],
)
def test_current_emergencies_stay_emergencies(text: str) -> None:
    assert triage(text).urgency == "emergency", (text, triage(text).red_flags)
