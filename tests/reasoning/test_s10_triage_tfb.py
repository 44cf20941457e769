"""Follow-ups of the seventeenth triage sweep (/work/brief/s10/tri17-report.md), each concept with the
sweep's message, paraphrases and near misses that must keep their reading.

1. Sudden loss of sight (one eye, or sight gone dark, blurred or double all of a sudden) is a stroke sign and
   may be brain or orbital metastases: an emergency (Stroke Association: sudden blurred vision or loss of
   sight, call 999; AHA 2021 scientific statement: central retinal artery occlusion is an acute ischaemic
   stroke). New double vision without a sudden onset is a same-day call (focal_neurologic_deficit, urgent).
2. A known pericardial effusion with breathlessness lying flat or a pounding heart: possible tamponade
   (ESC 2015 pericardial guideline), an emergency.
3. A band of pain on one side with a blistering rash is shingles (NHS: antivirals work best within 3 days),
   its own same-day text, not spinal cord compression first; a band-like pain without a rash keeps the cord.
4. Numb feet with tripping or falls on a neurotoxic drug: neuropathy that limits function (CTCAE v5 grade
   2-3; UKONS v3 amber), a same-day call; weak legs keep cord compression.
6. When the first flag says "24-hour line now" the urgent wrapper does not say "call today".
7. "shaking all over" is not a rash all over; nothing is listed as negated without a negation.
"""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.reasoning.triage import triage

# ------------------------- 1. sudden loss of sight, new double vision


@pytest.mark.parametrize(
    "text",
    [
        "suddenly can't see out of my left eye",
        "lost my vision in one eye",
        "went blind in one eye this morning",
        "I have brain mets and the sight in my right eye went suddenly an hour ago",
        "sudden double vision and I feel dizzy",
        "my vision went blurry suddenly in one eye",
    ],
)
def test_sudden_loss_of_sight_is_an_emergency(text: str) -> None:
    # Stroke Association; AHA 2021 CRAO statement (a stroke of the eye)
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags)
    flag = result.red_flags[0]
    assert flag.code == "focal_neurologic_deficit"
    assert "sight" in flag.public and "911" in flag.public
    assert "mac-grory-2021-crao-aha" in flag.sources


@pytest.mark.parametrize(
    "text",
    ["double vision since this morning", "seeing double since yesterday, I have brain mets"],
)
def test_new_double_vision_is_a_same_day_call_that_names_it(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent", (text, result.red_flags)
    flag = result.red_flags[0]
    assert flag.code == "focal_neurologic_deficit"
    assert "double vision" in flag.public.lower() and "today" in flag.public


@pytest.mark.parametrize(
    "text",
    [
        "I've been blind in one eye since childhood, can I have Enhertu?",
        "cant see the point of anything",
        "a blinding headache behind one eye since this morning",
        "I lost my glasses and can't see the TV",
    ],
)
def test_near_misses_are_not_sudden_loss_of_sight(text: str) -> None:
    assert _codes(text).get("focal_neurologic_deficit") != "emergency", triage(text).red_flags


# ------------------------- 2. known pericardial effusion with orthopnoea: tamponade


@pytest.mark.parametrize(
    "text",
    [
        "cant breathe properly lying flat, have to sleep sitting up, heart pounding, much worse today. "
        "had fluid round my heart before",
        "I have a pericardial effusion and now I can't lie flat without getting breathless",
        "fluid around my heart again I think, heart racing and out of breath",
    ],
)
def test_known_pericardial_effusion_with_breathlessness_is_an_emergency(text: str) -> None:
    # ESC 2015: tamponade (dyspnoea, orthopnoea, tachycardia) needs emergency drainage
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags)
    assert result.red_flags[0].code == "pericardial_effusion"


def test_a_past_pericardial_effusion_alone_stays_urgent() -> None:
    assert (
        _codes("had a pericardial effusion drained last year, any tips for travel?").get(
            "pericardial_effusion"
        )
        != "emergency"
    )


# ------------------------- 3. shingles


@pytest.mark.parametrize(
    "text",
    [
        "painful blistery rash in a band round my right side",
        "blisters in a strip on one side of my chest and it burns",
        "I think I have shingles, a rash with blisters on my back on one side",
    ],
)
def test_shingles_has_its_own_text_before_cord_compression(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent", (text, result.red_flags)
    first = result.red_flags[0]
    assert first.code == "skin_infection" and "shingles" in first.public.lower(), result.red_flags
    assert "3 days" in first.public
    assert "spinal_cord_compression" not in _codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "pain like a tight band round my ribs, bone mets",
        "band of pain around my chest that wakes me at night",
    ],
)
def test_band_pain_without_a_rash_keeps_cord_compression(text: str) -> None:
    assert _codes(text).get("spinal_cord_compression") in ("urgent", "emergency"), triage(text).red_flags


def test_band_pain_with_weak_legs_is_still_cord_compression_even_with_a_rash() -> None:
    assert _codes("band of pain round my ribs with a rash, and my legs are weak")[
        "spinal_cord_compression"
    ] == ("emergency")


# ------------------------- 4. neuropathy that limits function


@pytest.mark.parametrize(
    "text",
    [
        "feet numb and tingling worse and worse, I tripped on the kerb because I cant feel them properly, on "
        "paclitaxel",
        "feet numb, I keep tripping and falling, on paclitaxel",
        "my toes are so numb from the docetaxel that I stumbled on the stairs",
    ],
)
def test_numb_feet_with_falls_on_a_taxane_is_a_same_day_neuropathy_call(text: str) -> None:
    # CTCAE v5: sensory neuropathy limiting ADL; UKONS v3 amber (interferes with function)
    result = triage(text)
    assert result.urgency == "urgent", (text, result.red_flags)
    assert result.red_flags[0].code == "peripheral_neuropathy"


@pytest.mark.parametrize(
    "text",
    ["my legs are weak and numb and I keep falling, back pain, on paclitaxel", "legs weak and giving way"],
)
def test_weak_legs_keep_cord_compression(text: str) -> None:
    assert _codes(text).get("spinal_cord_compression") == "emergency", triage(text).red_flags


def test_numb_fingertips_without_a_limit_stay_routine() -> None:
    assert triage("fingertips a bit tingly since eribulin, can still do buttons fine").urgency == "routine"


# ------------------------- 6. the wrapper matches the flag's action


@pytest.mark.parametrize(
    "text", ["temp 37.8 on paclitaxel", "temperature 37.6 since this morning, on docetaxel"]
)
def test_a_24_hour_line_now_flag_is_not_followed_by_call_today(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent"
    assert "24-hour line now" in result.red_flags[0].public
    wrapper = result.advice.public.removeprefix(result.red_flags[0].public)
    assert "today" not in wrapper and "now" in wrapper, wrapper


def test_a_call_today_flag_keeps_the_call_today_wrapper() -> None:
    result = triage("new headache every morning for the past week thats getting worse")
    assert result.urgency == "urgent"
    assert "today" in result.advice.public.removeprefix(result.red_flags[0].public)


# ------------------------- 7. spurious matches


@pytest.mark.parametrize(
    "text",
    [
        "Dad here. Mum just had a fit, shaking all over for about 2 mins, shes never had one before. She has "
        "brain mets. shes sleepy now",
        "shaking all over and cold on docetaxel",
    ],
)
def test_shaking_all_over_is_not_a_rash(text: str) -> None:
    assert "a rash that is spreading or all over" not in triage(text).matched


def test_a_rash_all_over_still_reads() -> None:
    assert "a rash that is spreading or all over" in triage("itchy rash all over my body on kisqali").matched


def test_nothing_is_negated_without_a_negation() -> None:
    result = triage(
        "tummy massively swollen and hard, havent pooed or farted in 3 days, vomiting green stuff"
    )
    assert result.urgency == "emergency"
    assert "for a day or more" not in result.negated
