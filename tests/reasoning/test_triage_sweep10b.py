"""Situations that had no name of their own in triage, each written in several ways, with near misses.

- A wound or skin infection (a smelly wound with spreading redness; a red, warm, swollen arm on the side
  of the surgery, cellulitis in a lymphoedema arm) is a same-day call for antibiotics (British Lymphology
  Society / Lymphoedema Support Network consensus on cellulitis in lymphoedema: prompt treatment), an
  emergency with a fever on chemotherapy (NICE CG151). An itchy scar and the expected sunburn-like redness of
  radiotherapy are not.
- A leg clot without breathing or chest symptoms is a deep vein thrombosis, a same-day scan (NICE NG158),
  not a clot in the lung; with breathlessness, chest pain or coughing blood it stays a pulmonary embolism
  emergency.
- A high sugar on a steroid (capillary glucose above 12 mmol/L, 216 mg/dL) is a same-day review (JBDS-IP
  steroid guideline), in mmol/L or mg/dL.
- A low neutrophil count without a fever on a CDK4/6 inhibitor or chemotherapy is neutropenia (the labels:
  hold the dose, ring the team), not febrile neutropenia; with a fever it stays febrile neutropenia, an
  emergency.
"""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.reasoning.triage import triage

# ----------------------------------------------------------------- wound and skin infection (cellulitis)

SKIN_INFECTION = [
    # the brief's own messages
    "the wound on my chest smells and the redness around it is spreading, no fever",
    "the arm on the side of my surgery is red, warm and swollen, no temperature",
    # paraphrases
    "my scar is oozing yellow pus and the skin round it is red and hot",
    "the incision has gone red and angry and there is smelly discharge coming out",
    "I think I have cellulitis in my lymphoedema arm",
    "redness spreading from my drain site and it feels hot",
]


@pytest.mark.parametrize("text", SKIN_INFECTION)
def test_a_wound_or_skin_infection_is_a_same_day_call_for_antibiotics(text: str) -> None:
    """BLS/LSN consensus on cellulitis in lymphoedema: prompt antibiotics; same day, not routine."""
    result = triage(text)
    assert _codes(text).get("skin_infection") == "urgent", (text, result.red_flags)
    flag = next(f for f in result.red_flags if f.code == "skin_infection")
    assert "today" in flag.public
    assert "bls-cellulitis-lymphoedema-2022" in flag.sources


@pytest.mark.parametrize(
    "text",
    [
        "my wound is red and oozing pus and I have a fever of 38.5 on chemo",
        "the arm on my surgery side is red, hot and swollen and I'm shaking with chills, I'm on paclitaxel",
    ],
)
def test_a_skin_infection_with_fever_or_rigors_on_chemotherapy_is_an_emergency(text: str) -> None:
    """NICE CG151: a fever or rigors on anticancer treatment is possible neutropenic sepsis."""
    result = triage(text)
    assert result.urgency == "emergency", (text, result.red_flags)
    assert "skin_infection" in _codes(text), (text, result.red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "my scar is a bit itchy",
        "red skin where I had radiotherapy, like sunburn",
        "the skin on my chest is pink and dry from the radiotherapy",
        "my wound has healed well, no redness",
    ],
)
def test_an_itchy_scar_or_expected_radiotherapy_redness_is_not_an_infection(text: str) -> None:
    assert "skin_infection" not in _codes(text), (text, triage(text).red_flags)
    assert triage(text).urgency != "emergency"


# ------------------------------------------------------------------------- a leg clot (DVT) versus PE

DVT = [
    # the brief's own message
    "my calf is swollen, hot and painful",
    # paraphrases
    "my left leg is swollen and tender, the calf is red",
    "one leg is much more swollen than the other and the calf hurts",
    "they found a DVT in my leg on the scan",
]


@pytest.mark.parametrize("text", DVT)
def test_a_leg_clot_without_breathing_or_chest_symptoms_is_a_dvt_same_day(text: str) -> None:
    """NICE NG158: a suspected DVT needs a proximal leg vein ultrasound within 4 hours (same day)."""
    codes = _codes(text)
    assert codes.get("deep_vein_thrombosis") == "urgent", (text, triage(text).red_flags)
    assert "pulmonary_embolism" not in codes, (text, triage(text).red_flags)
    flag = next(f for f in triage(text).red_flags if f.code == "deep_vein_thrombosis")
    assert "nice-ng158-vte" in flag.sources
    assert "911" in flag.public  # what to do if breathing or chest symptoms start


@pytest.mark.parametrize(
    "text",
    [
        "my calf is swollen and painful and now I am short of breath",
        "one leg swollen and I have sudden chest pain when I breathe",
        "my calf is swollen and I coughed up blood",
        "sudden shortness of breath and chest pain",
    ],
)
def test_a_leg_clot_with_breathing_or_chest_symptoms_stays_a_pe_emergency(text: str) -> None:
    assert _codes(text).get("pulmonary_embolism") == "emergency", (text, triage(text).red_flags)


def test_the_leg_clot_symptom_item_names_the_dvt_code() -> None:
    kb = load_knowledge_base()
    assert kb.get("symptom-leg-swelling-clot").red_flag == "deep_vein_thrombosis"


# -------------------------------------------------------------------------------- sugar on a steroid

STEROID_SUGAR = [
    # the brief's own message
    "sugars running at 15 since starting dexamethasone",
    # paraphrases, in mmol/L and mg/dL
    "my blood sugar is 14 mmol on the dex",
    "on steroids for my brain mets and my sugar was 13.5 this evening",
    "blood sugar 240 since I started the dexamethasone",
    "sugar 270",
]


@pytest.mark.parametrize("text", STEROID_SUGAR)
def test_a_high_sugar_on_a_steroid_is_a_same_day_review(text: str) -> None:
    """JBDS-IP: capillary glucose above 12 mmol/L (216 mg/dL) on steroids needs action (same day)."""
    result = triage(text)
    assert _codes(text).get("hyperglycemia_crisis") == "urgent", (text, result.red_flags)
    assert result.urgency == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "sugars 9 since starting dexamethasone",
        "my blood sugar is 11 on the steroids",
        "blood sugar 180 on dexamethasone",
        "blood sugar 230 and I am not on any steroids",
    ],
)
def test_a_sugar_at_or_below_12_on_a_steroid_or_moderate_off_it_is_not_flagged(text: str) -> None:
    assert "hyperglycemia_crisis" not in _codes(text), (text, triage(text).red_flags)


def test_a_high_sugar_on_a_steroid_with_vomiting_is_an_emergency() -> None:
    assert _codes("sugar 25 on dexamethasone and I keep vomiting")["hyperglycemia_crisis"] == "emergency"


# ------------------------------------------------------------------------ neutropenia without a fever

AFEBRILE_NEUTROPENIA = [
    # the brief's own message
    "my neutrophils were 0.8 on ribociclib, no temperature",
    # paraphrases
    "ANC 600 on palbociclib, feel well",
    "neutrophil count 0.7 after my paclitaxel, temperature normal",
    "on verzenio and my neutrophils came back at 0.9",
]


@pytest.mark.parametrize("text", AFEBRILE_NEUTROPENIA)
def test_neutropenia_without_fever_is_named_as_such_and_is_same_day(text: str) -> None:
    codes = _codes(text)
    assert codes.get("neutropenia") == "urgent", (text, triage(text).red_flags)
    assert "febrile_neutropenia" not in codes, (text, triage(text).red_flags)
    flag = next(f for f in triage(text).red_flags if f.code == "neutropenia")
    assert "38" in flag.public  # ring at once with a temperature of 38 C or more
    assert "fever" not in flag.title.lower() or "without" in flag.title.lower()


@pytest.mark.parametrize(
    "text",
    [
        "my neutrophils were 0.8 on ribociclib and my temperature is 38.4",
        "ANC 600 on palbociclib and I have a fever",
        "neutrophils 0.5 after chemo and shaking with chills",
    ],
)
def test_a_low_count_with_a_fever_or_rigors_stays_febrile_neutropenia(text: str) -> None:
    assert _codes(text).get("febrile_neutropenia") == "emergency", (text, triage(text).red_flags)
    assert "neutropenia" not in _codes(text)
