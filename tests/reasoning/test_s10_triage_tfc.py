"""Emergencies the eighteenth triage sweep read lower (/work/scratch-tri18, an acute-oncology nurse's 100
messages), each as the tester wrote it, in other words, and with near misses that must keep their reading.

A. Opioid overdose or toxicity: too many or double doses of a strong painkiller, pinpoint pupils with
   sleepiness, slow breathing on an opioid (FDA morphine and oxycodone labels: life-threatening
   respiratory depression, overdose = somnolence progressing to stupor or coma, miosis, slow breathing;
   naloxone label: emergency treatment of known or suspected opioid overdose, not a substitute for
   emergency care).
C. Anaphylaxis without airway words: hives, itching or flushing with a low blood pressure, fainting or
   dizziness during or soon after an infusion or a new drug (WAO 2020 criteria: skin involvement with
   reduced blood pressure or end-organ dysfunction such as syncope).
D. Heavy bleeding: "bleeding heavily", "soaked through pads", "won't stop with pressure" further away,
   a fungating lesion bleeding (UKONS v3 bleeding red); a wound or lesion oozing more blood than usual
   and bruises "I can't explain" (UKONS v3 bleeding amber).
E. Line sepsis: a PICC, port or line with red streaks, redness or pus and rigors or a fever is an
   emergency, on chemotherapy or not (UKONS v3: suspected line infection with fever or rigors, red).
G. A leg clot without the word "calf": one leg swollen, red and hot (NICE NG158: suspected DVT, same-day
   scan); with breathlessness a possible pulmonary embolism (emergency); a swollen arm at a port or PICC
   with breathlessness likewise.
H. "Yellow stuff" or "green gunk" oozing from a wound is pus (wound infection, same day).
"""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.reasoning.triage import triage

# ------------------------- A. opioid overdose or toxicity


@pytest.mark.parametrize(
    "text",
    [
        # m020, the tester's message
        "My wife took too many of her morphine tablets by mistake, maybe 6 extra, now she's really sleepy "
        "and her pupils are tiny",
        "overdose of morphine, very sleepy",
        "she took too many morphine tablets",
        "pupils are pinpoint and very sleepy",
        "accidentally took double my oxycodone",
        "took my hydromorphone twice by mistake and now very drowsy",
        "dad took extra oramorph doses and his breathing is really slow",
        "mum is on MST and her breathing has gone very slow and shallow, she keeps nodding off",
    ],
)
def test_opioid_overdose_is_an_emergency(text: str) -> None:
    """FDA morphine/oxycodone labels (overdosage); FDA naloxone label."""
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags, result.matched)
    assert _codes(text).get("opioid_toxicity") == "emergency"
    flag = next(f for f in result.red_flags if f.code == "opioid_toxicity")
    assert "naloxone" in flag.public.lower() and "911" in flag.public
    assert "naloxone" in flag.clinician.lower()


def test_slow_breathing_on_an_opioid_names_the_opioid_as_well_as_the_collapse() -> None:
    """m006: hard to wake with a breathing rate of 8 on oxycodone and oramorph (FDA oxycodone label)."""
    text = (
        "husband is on oxycodone 20mg twice a day plus oramorph for breakthrough. he's very drowsy, hard to "
        "wake up, breathing slow like 8 a minute"
    )
    codes = _codes(text)
    assert codes.get("opioid_toxicity") == "emergency"
    assert codes.get("collapse") == "emergency"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("how many morphine tablets can I take a day?", "routine"),
        ("what happens if I take too much oxycodone?", "routine"),
        ("I take my MST twice a day as prescribed", "routine"),
        ("the doctor doubled my oxycodone last week and the pain is much better", "routine"),
        ("my pupils are tiny on the morphine, otherwise fine", "routine"),
        # m053: sleepy and muddled days after a planned dose rise stays a same-day call
        ("oxycodone making me really sleepy in the day and a bit muddled at times, started a higher dose "
         "3 days ago", "urgent"),
    ],
)
def test_opioid_near_misses_keep_their_level(text: str, level: str) -> None:
    result = triage(text)
    assert result.urgency == level, (text, result.red_flags, result.matched)
    assert "opioid_toxicity" not in _codes(text)


# ------------------------- C. anaphylaxis with skin and circulation signs


@pytest.mark.parametrize(
    "text",
    [
        # m031, the tester's message
        "20 min into my first pertuzumab/trastuzumab, itchy hives and now I feel dizzy and faint, the nurse "
        "said my BP is low",
        "hives and my blood pressure dropped during infusion",
        "hives and dizzy after my herceptin",
        "came out in an itchy rash all over an hour after my paclitaxel and now I feel like I'm going to "
        "faint",
        "started a new antibiotic this morning, now covered in hives and my blood pressure is really low",
    ],
)
def test_skin_signs_with_low_blood_pressure_or_faintness_after_a_trigger_are_anaphylaxis(text: str) -> None:
    """WAO 2020 anaphylaxis criteria (skin + reduced BP or syncope); trastuzumab, paclitaxel labels."""
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags, result.matched)
    assert _codes(text).get("anaphylaxis") == "emergency"
    flag = next(f for f in result.red_flags if f.code == "anaphylaxis")
    assert "911" in flag.public


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # m051: a delayed rash without breathing or circulation signs is not anaphylaxis
        ("Had a rash come up the day after my paclitaxel, itchy red bumps on my chest, no swelling of my "
         "lips, breathing fine", "urgent"),
        # m083: steroid flushing without itch or swelling
        ("cheeks flushing red for a few hours after infusion day steroids, no itch, no swelling, breathing "
         "fine", "routine"),
        ("my blood pressure is a bit low on my new tablets, no rash, feel fine", "routine"),
    ],
)
def test_anaphylaxis_near_misses_keep_their_level(text: str, level: str) -> None:
    result = triage(text)
    assert result.urgency == level, (text, result.red_flags, result.matched)
    assert _codes(text).get("anaphylaxis") != "emergency"


def test_a_low_blood_pressure_after_a_new_blood_pressure_tablet_is_not_anaphylaxis() -> None:
    """WAO 2020 criterion 2 needs a likely allergen: a new antihypertensive lowers the pressure by design."""
    text = "started new blood pressure tablets this morning and now my bp is low, feel a bit faint"
    assert "anaphylaxis" not in _codes(text), triage(text).red_flags


# ------------------------- D. heavy bleeding, a wound or tumour bleeding, unexplained bruises


@pytest.mark.parametrize(
    "text",
    [
        # m015, the tester's message
        "The wound on my breast (the fungating one) has started bleeding heavily, soaked through 3 pads in "
        "the last hour and it wont stop with pressure",
        "my fungating wound is bleeding heavily",
        "soaked through two dressings, it keeps bleeding",
        "nosebleed wont stop with pressure",
        "the tumour on my chest is bleeding and it wont stop even with pressure on it for 20 minutes",
    ],
)
def test_heavy_or_uncontrolled_bleeding_is_an_emergency(text: str) -> None:
    """UKONS v3 bleeding: uncontrolled or ongoing bleeding is red."""
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags, result.matched)
    assert _codes(text).get("bleeding_bruising") == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        # m056, the tester's message
        "Breast lesion oozing a bit of blood when I change the dressing, stops with pressure but more than "
        "usual",
        "my fungating wound is bleeding a bit more than usual",
    ],
)
def test_a_wound_or_tumour_bleeding_more_than_usual_is_a_same_day_call(text: str) -> None:
    """UKONS v3 bleeding amber: minor bleeding, more than usual."""
    result = triage(text)
    assert result.urgency == "urgent", (text, result.red_flags, result.matched)
    flag = next(f for f in result.red_flags if f.code == "bleeding_bruising")
    assert flag.urgency == "urgent"
    assert flag.title == "Bleeding from a wound or tumor"
    assert "911" in flag.public


@pytest.mark.parametrize(
    "text",
    [
        # m040, the tester's message
        "new bruises on my arms and legs that I can't explain, I'm on chemo",
        "bruises appearing out of nowhere",
        "I've got bruises and can't explain them",
    ],
)
def test_bruises_with_no_known_cause_are_a_same_day_call(text: str) -> None:
    """UKONS v3 bleeding/bruising amber (possible low platelets)."""
    assert _codes(text).get("bleeding_bruising") == "urgent", triage(text).red_flags
    assert triage(text).urgency == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        # m085: spotting less than usual that stops by itself
        "Some light spotting of blood on the dressing of my breast wound, much less than usual, stopping by "
        "itself",
        # m073: a bruise with a known cause
        "small bruise on my arm where they took bloods yesterday",
        "soaked the sheets with sweat last night",
        "my wound is healing well, no bleeding",
    ],
)
def test_bleeding_near_misses_stay_routine(text: str) -> None:
    result = triage(text)
    assert result.urgency == "routine", (text, result.red_flags, result.matched)


# ------------------------- E. line sepsis


@pytest.mark.parametrize(
    "text",
    [
        # m035, the tester's message
        "PICC arm sore, red streaks going up the arm and I've got rigors, temp 39",
        "red streaks up my arm from my PICC line and temp 39",
        "my port site is red and oozing pus and I have the shakes",
        "the skin around my picc line is red, temp 38.4, not on chemo any more",
    ],
)
def test_a_line_with_infection_signs_and_rigors_or_fever_is_an_emergency(text: str) -> None:
    """UKONS v3: suspected line infection with fever or rigors is red, on SACT or not."""
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags, result.matched)
    assert _codes(text).get("line_infection") == "emergency"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("red streaks going up my arm from the PICC", "urgent"),
        ("the skin around my picc line is red and hot", "urgent"),
        ("my PICC line is fine, temp 36.8, feeling well", "routine"),
        ("my line manager is stressing me out, temp 37", "routine"),
    ],
)
def test_line_near_misses_keep_their_level(text: str, level: str) -> None:
    result = triage(text)
    assert result.urgency == level, (text, result.red_flags, result.matched)
    assert _codes(text).get("line_infection") != "emergency"


# ------------------------- G. a clot without the word "calf"


@pytest.mark.parametrize(
    "text",
    [
        "my leg is swollen and red and hot below the knee",
        "my left thigh is swollen, red and warm",
        "my right shin is swollen and warm to the touch",
    ],
)
def test_one_leg_swollen_red_and_hot_is_a_same_day_scan(text: str) -> None:
    """NICE NG158: suspected DVT, proximal leg vein ultrasound within 4 hours."""
    result = triage(text)
    assert result.urgency == "urgent", (text, result.red_flags, result.matched)
    assert _codes(text).get("deep_vein_thrombosis") == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "leg swollen, red and hot below the knee and I feel short of breath",
        "arm swollen where my port is and I'm breathless",
    ],
)
def test_clot_signs_with_breathlessness_are_a_possible_pulmonary_embolism(text: str) -> None:
    """NICE NG158 / ASCO VTE 2023: DVT signs with breathlessness, manage as suspected PE."""
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags, result.matched)
    assert _codes(text).get("pulmonary_embolism") == "emergency"


def test_an_arm_swollen_at_a_port_is_a_possible_line_clot() -> None:
    """m037 (ASCO VTE 2023: catheter-related upper-limb DVT, duplex ultrasound)."""
    text = "Arm on my port side has swollen up over 2 days, bit achy, breathing is fine"
    result = triage(text)
    assert result.urgency == "urgent"
    flag = next(f for f in result.red_flags if f.code == "deep_vein_thrombosis")
    assert flag.urgency == "urgent" and "port" in flag.public.lower()


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("hot flushes at night and my legs feel a bit swollen in the heat", "routine"),
        # docetaxel fluid retention stays its own same-day finding, not a clot
        ("legs swollen on docetaxel, no redness, not hot", "urgent"),
    ],
)
def test_leg_swelling_near_misses_are_not_a_clot(text: str, level: str) -> None:
    result = triage(text)
    assert result.urgency == level, (text, result.red_flags, result.matched)
    assert "deep_vein_thrombosis" not in _codes(text)


# ------------------------- H. pus in everyday words


@pytest.mark.parametrize(
    "text",
    [
        # m047, the tester's message
        "wound from my mastectomy is red, hot and oozing yellow stuff, temp normal",
        "green gunk coming out of my scar",
        "my scar has thick yellow goo leaking from it",
    ],
)
def test_yellow_or_green_discharge_from_a_wound_is_a_wound_infection(text: str) -> None:
    """BLS/LSN consensus: wound infection, antibiotics promptly (same day)."""
    result = triage(text)
    assert result.urgency == "urgent", (text, result.red_flags, result.matched)
    assert _codes(text).get("skin_infection") == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "coughing up green gunk, no wound problems",
        "nose running with green stuff, my scar is fine",
    ],
)
def test_green_discharge_elsewhere_is_not_a_wound_infection(text: str) -> None:
    assert "skin_infection" not in _codes(text), triage(text).red_flags
