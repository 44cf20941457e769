"""What the tenth untouched triage sweep read as routine although each needs a call today, each situation
written again in other words, with near misses that must keep their reading.

- Hand-foot syndrome with blisters, peeling or pain that limits walking or using the hands (CTCAE v5 grade 3
  palmar-plantar erythrodysaesthesia; capecitabine label: interrupt until grade 1 or less; UKONS v3 amber or
  red):
  urgent, and holding the drug is for the team to say. Red palms alone, being moisturised, stay routine.
- Severe distress or depression without thoughts of self-harm (crying all the time, not sleeping or eating,
  hopeless, not coping, no joy in anything): speak to the team within days (NICE NG222: assess risk and
  severity; NCCN distress thermometer >= 4 is referred; ASCO 2023 stepped care), a new code `severe_distress`.
  Feeling a bit down, or worried about a scan, stays routine.
- New rib or bone pain after a cough, sneeze or bump with known bone metastases, or pain on a deep breath:
  possible pathological fracture (ESMO bone health 2014), urgent; breathlessness emergencies stay as they are.
- Dark urine with itching, pale stools or pain under the right ribs: signs of a blocked bile duct or jaundice
  coming (the knowledge base's symptom-jaundice sign set; ABC 5), urgent for a bilirubin check today.
- Hiccups for two days or more, or nonstop and stopping sleep or eating: persistent hiccups (> 48 h; Chang and
  Lu 2012: steroids, chemotherapy and electrolyte disturbance among the causes), urgent review.
"""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.reasoning.triage import triage

# ------------------------------------------------------------------ hand-foot syndrome, grade 3

HAND_FOOT_GRADE3 = [
    # the sweep's own message
    "hands and feet red, peeling and blistered on capecitabine, it hurts to walk",
    # paraphrases
    "on xeloda, the soles of my feet have blistered, it's too painful to walk",
    "my palms are red and raw, the skin is peeling off, I can't hold a cup, on capecitabine",
    "feet are cracked, peeling and blistering, I can barely walk since my last cycle",
]


@pytest.mark.parametrize("text", HAND_FOOT_GRADE3)
def test_blistered_or_painful_hands_and_feet_are_a_same_day_call(text: str) -> None:
    """Capecitabine label (fda-label-capecitabine) and CTCAE v5 (ctcae-v5): grade 2-3 hand-foot syndrome
    means the drug is interrupted until grade 1 or less; UKONS v3 (ukons-triage-v3) amber/red."""
    assert _codes(text).get("hand_foot_syndrome") == "urgent", (text, triage(text).red_flags)
    flag = next(f for f in triage(text).red_flags if f.code == "hand_foot_syndrome")
    assert "fda-label-capecitabine" in flag.sources
    assert "next dose" in flag.public


@pytest.mark.parametrize(
    "text",
    [
        "a bit of redness on my palms, moisturising",
        "my palms are a little pink on capecitabine, using my cream",
        "slight tingling in my fingertips on xeloda, no soreness",
    ],
)
def test_mild_redness_of_the_palms_stays_routine(text: str) -> None:
    assert triage(text).urgency == "routine", (text, triage(text).red_flags)


# ------------------------------------------------------------ severe distress without self-harm thoughts

SEVERE_DISTRESS = [
    # the sweep's own message
    "can't stop crying, not sleeping, can't face eating, feel hopeless about all this. I wouldn't hurt "
    "myself but I'm not coping",
    # earlier sweeps' misses of the same situation
    "really low mood, crying all the time, not eating or sleeping, but no thoughts of hurting myself",
    "feel very low, crying every day, not enjoying anything, but I don't want to hurt myself",
    # paraphrases
    "I'm so depressed, I can't sleep and I've stopped eating, everything feels hopeless",
    "in tears all the time and I just can't cope anymore since the news, no interest in anything",
]


@pytest.mark.parametrize("text", SEVERE_DISTRESS)
def test_severe_distress_is_a_call_within_days(text: str) -> None:
    """NICE NG222 (nice-ng222-depression): assess severity and risk; NCCN distress thermometer >= 4 is
    referred (nccn-distress-management); ASCO 2023 stepped care (asco-anxiety-depression-2023)."""
    result = triage(text)
    assert _codes(text).get("severe_distress") == "urgent", (text, result.red_flags)
    flag = next(f for f in result.red_flags if f.code == "severe_distress")
    # the crisis line is named in case thoughts of self-harm appear
    assert "988" in flag.public and "911" in flag.public
    assert "nice-ng222-depression" in flag.sources


@pytest.mark.parametrize(
    "text",
    [
        "feeling a bit down today",
        "worried about my scan results",
        "a bit tearful after my appointment but I'm ok",
        "can't sleep the night before my scan, bit nervous",
    ],
)
def test_everyday_low_mood_or_worry_stays_routine(text: str) -> None:
    assert triage(text).urgency == "routine", (text, triage(text).red_flags)


def test_thoughts_of_self_harm_with_distress_stay_an_emergency() -> None:
    text = "crying all the time, not sleeping, and I keep thinking about ending my life"
    assert triage(text).urgency == "emergency", triage(text).red_flags


# ------------------------------------------------------------ rib pain after a cough with bone metastases

RIB_FRACTURE = [
    # the sweep's own message
    "sharp pain in my ribs since a coughing fit yesterday, hurts to breathe in deep, I have rib mets",
    # paraphrases
    "sneezed hard this morning and now my ribs really hurt, cancer is in my bones",
    "since a bad coughing fit last night my ribs hurt when I take a deep breath",
    "I bumped my ribs on the door yesterday and they're very sore, I have bone mets",
]


@pytest.mark.parametrize("text", RIB_FRACTURE)
def test_rib_pain_after_a_cough_or_bump_is_a_possible_fracture(text: str) -> None:
    """ESMO bone health 2014 (esmo-bone-health-2014): a pathological fracture in bone metastases can follow
    minimal trauma; new localised pain needs imaging."""
    assert _codes(text).get("pathologic_fracture_risk") == "urgent", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "I have rib mets, my scan was stable and I have no pain",
        "my tummy muscles ache a bit from coughing with this cold",
    ],
)
def test_known_rib_mets_without_new_pain_or_muscle_ache_stay_routine(text: str) -> None:
    assert triage(text).urgency == "routine", (text, triage(text).red_flags)


def test_rib_pain_with_breathlessness_stays_an_emergency() -> None:
    text = "sharp pain in my ribs since a coughing fit, I have rib mets, and now I'm too breathless to speak"
    assert triage(text).urgency == "emergency", triage(text).red_flags


# ------------------------------------------------------------ dark urine and itching: bile blocked

BILE_SIGNS = [
    # the sweep's own message
    "dark pee and itchy skin for a few days, had a tummy ache on the right under my ribs, liver mets",
    # paraphrases
    "my wee has gone dark like tea and I'm itching all over",
    "urine is really dark brown and my poo has gone pale, I have liver mets",
    "itchy everywhere for days and my pee is the colour of cola",
]


@pytest.mark.parametrize("text", BILE_SIGNS)
def test_dark_urine_with_itch_or_pale_stool_is_a_same_day_bilirubin_check(text: str) -> None:
    """The knowledge base's symptom-jaundice sign set (dark urine, pale stool, itch; abc5): a blocked bile
    duct or jaundice to come needs same-day liver tests."""
    assert _codes(text).get("liver_failure") == "urgent", (text, triage(text).red_flags)
    flag = next(f for f in triage(text).red_flags if f.code == "liver_failure")
    assert "today" in flag.public


@pytest.mark.parametrize(
    "text",
    [
        "my pee is a bit dark, I haven't been drinking much water",
        "itchy skin from the dry weather",
        "my wee is dark yellow in the mornings",
        "itchy scalp and dark pee after beetroot",
    ],
)
def test_dark_urine_or_itch_alone_stays_routine(text: str) -> None:
    assert triage(text).urgency == "routine", (text, triage(text).red_flags)


def test_jaundice_with_confusion_stays_an_emergency() -> None:
    text = "dark pee, itchy all over, my skin has gone yellow and I'm confused"
    assert triage(text).urgency == "emergency", triage(text).red_flags


# ------------------------------------------------------------ persistent hiccups

HICCUPS_PERSISTENT = [
    # the sweep's own message
    "hiccups nonstop for 2 days now, can't sleep, on chemo",
    # paraphrases
    "I've had hiccups for three days and they won't stop",
    "constant hiccups since my dexamethasone, I can't eat or sleep",
    "hiccuping for 48 hours now, on docetaxel",
]


@pytest.mark.parametrize("text", HICCUPS_PERSISTENT)
def test_hiccups_for_two_days_are_an_urgent_review(text: str) -> None:
    """Chang and Lu 2012 (chang-lu-2012-hiccup): hiccups lasting more than 48 hours are persistent;
    steroids, chemotherapy and electrolyte disturbance are among the causes."""
    assert _codes(text).get("persistent_hiccups") == "urgent", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "had hiccups for ten minutes after lunch",
        "I get hiccups for an hour or so after my steroid tablets",
        "hiccups after a fizzy drink, gone now",
        "I had hiccups for 3 days last year",
    ],
)
def test_short_hiccups_stay_routine(text: str) -> None:
    assert triage(text).urgency == "routine", (text, triage(text).red_flags)
