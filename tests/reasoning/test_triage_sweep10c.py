"""What the tenth untouched triage sweep missed or over-read, each situation written again in other words,
with near misses that must keep their reading.

- Hopelessness with a store of tablets or a plan to take them all at once is suicidal intent: an ASQ
  acute positive (means and a plan), an emergency (nimh-asq-toolkit).
- A temperature below 36 C on systemic anticancer treatment counts like a fever, with clamminess or a
  racing heart it is suspected neutropenic sepsis (nice-cg151-neutropenic-sepsis, nice-ng51-sepsis,
  ukons-triage-v3); written "temp is low 35.6" as well as "temp 35.6".
- Wheeze with flushing or itching after an infusion is anaphylaxis (wao-anaphylaxis-2020: skin signs
  with breathing compromise after a likely trigger); itching alone is not jaundice.
- Yellow skin with confusion, drowsiness or bleeding in a person with liver metastases is liver failure
  (easl-acute-liver-failure-2017: jaundice with encephalopathy or coagulopathy).
- No fluids kept down for a day or more is a UKONS v3 red (unable to eat or drink), an emergency on its
  own (ukons-triage-v3; ctcae-v5 dehydration grade 3: IV fluids indicated).
- Red urine after an anthracycline is the drug's colour (fda-label-epirubicin, fda-label-doxorubicin);
  bone pain after G-CSF is expected (fda-label-filgrastim, fda-label-pegfilgrastim); reading about
  pneumonitis and feeling fine is a question, not the condition.
"""

from __future__ import annotations

import pytest
from _helpers import triage_urgencies as _codes

from mbcnav.case import Labs
from mbcnav.reasoning.triage import triage

# ------------------------------------------------- 1. hopelessness with stored tablets (nimh-asq-toolkit)

HOPELESS_WITH_MEANS = [
    # the sweep's own message
    "honestly i dont see the point anymore. ive been saving my oxynorm and thinking about taking them all "
    "at once",
    # paraphrases
    "whats the point any more. I've been stockpiling my oramorph and I might just take the lot",
    "I can't see the point in anything now, I've got my oxynorm tablets saved up",
    "there's no point anymore, I've been hoarding my sleeping tablets",
]


@pytest.mark.parametrize("text", HOPELESS_WITH_MEANS)
def test_hopelessness_with_stored_tablets_or_an_overdose_plan_is_suicidal_intent(text: str) -> None:
    assert _codes(text).get("suicidal_ideation") == "emergency", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "I don't want to hurt myself",
        "my tablets are all in a pill box",
        "I don't see the point of another scan, can I take them all at once with breakfast?",
        "saving my oxynorm for the bad nights, is that ok?",
    ],
)
def test_no_hopelessness_with_means_is_not_an_emergency(text: str) -> None:
    assert triage(text).urgency != "emergency", (text, triage(text).red_flags)


# ------------------------------------ 2. a low temperature on treatment (NICE CG151 / NG51, UKONS v3)

LOW_TEMP_ON_TREATMENT = [
    # the sweep's own message
    "on capecitabine, feel really rough and clammy, heart racing, temp is low 35.6",
    # paraphrases
    "on docetaxel and I'm cold and clammy, temperature has dropped to 35.4",
    "had my chemo last week, heart racing and sweaty, temp low at 35.5",
    "on palbociclib, clammy and my heart is racing, my temperature is only 35.7",
]


@pytest.mark.parametrize("text", LOW_TEMP_ON_TREATMENT)
def test_low_temperature_with_sepsis_signs_on_treatment_is_an_emergency(text: str) -> None:
    assert _codes(text).get("febrile_neutropenia") == "emergency", (text, triage(text).red_flags)


def test_a_given_low_temperature_with_sepsis_signs_on_treatment_is_an_emergency() -> None:
    result = triage("on capecitabine, feel clammy and my heart is racing", Labs(temp_c=35.6))
    assert result.urgency == "emergency", result.red_flags


@pytest.mark.parametrize(
    "text",
    [
        "temp is low 35.6, feel fine",
        "my temperature is only 35.6 this morning, not on any treatment",
        "heart racing after coffee, temp 36.8",
    ],
)
def test_low_temperature_off_treatment_without_signs_is_routine(text: str) -> None:
    assert triage(text).urgency == "routine", (text, triage(text).red_flags)


# --------------------------------------- 3. infusion reaction with wheeze (WAO 2020), itching not jaundice

INFUSION_WHEEZE = [
    # the sweep's own message
    "had my first enhertu drip today, tonight I'm flushed, itchy all over and wheezy",
    # paraphrases
    "had my herceptin infusion this afternoon, now I'm wheezing and my skin is itchy and red",
    "an hour after my paclitaxel drip I went all flushed and started wheezing",
    "had the trodelvy infusion today and now I'm wheezy with hives",
]


@pytest.mark.parametrize("text", INFUSION_WHEEZE)
def test_wheeze_with_skin_signs_after_an_infusion_is_anaphylaxis(text: str) -> None:
    codes = _codes(text)
    assert codes.get("anaphylaxis") == "emergency", (text, triage(text).red_flags)
    assert "liver_failure" not in codes, (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text", ["itchy all over since last week", "I'm itchy all over, is it the letrozole?"]
)
def test_itching_alone_is_not_liver_failure(text: str) -> None:
    assert "liver_failure" not in _codes(text), (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    ["itchy all over and my eyes have gone yellow", "my skin is yellow and itchy"],
)
def test_itching_with_yellow_skin_keeps_the_liver_flag(text: str) -> None:
    assert "liver_failure" in _codes(text), (text, triage(text).red_flags)


def test_wheeze_weeks_after_an_infusion_with_no_skin_sign_is_not_anaphylaxis() -> None:
    text = "bit wheezy with a cold, my last enhertu was 3 weeks ago"
    assert _codes(text).get("anaphylaxis") != "emergency", triage(text).red_flags


# --------------------------------- 4. liver failure in words (EASL 2017: jaundice + encephalopathy/bleeding)

LIVER_FAILURE_WORDS = [
    # the sweep's own message
    "liver mets. bleeding gums, bruises everywhere, yellow, belly swollen and he's sleeping most of the day "
    "and not making sense - I'm his carer",
    # paraphrases
    "she has liver secondaries. she's yellow, muddled and sleeping all day",
    "liver spread, now yellow and bruising all over, gums bleeding",
    "mum has cancer in her liver, she's yellow and not making sense",
]


@pytest.mark.parametrize("text", LIVER_FAILURE_WORDS)
def test_jaundice_with_confusion_or_bleeding_in_liver_metastases_is_liver_failure(text: str) -> None:
    assert _codes(text).get("liver_failure") == "emergency", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "liver mets, my old bruises have gone yellow",
        "liver mets, feeling a bit tired today",
        "yellow wee and liver mets, otherwise fine",
    ],
)
def test_liver_metastases_without_jaundice_and_confusion_is_not_liver_failure(text: str) -> None:
    assert _codes(text).get("liver_failure") != "emergency", (text, triage(text).red_flags)


# ----------------------------------- 5. no fluids kept down for a day or more (UKONS v3 red, CTCAE v5)

NO_FLUIDS_FOR_A_DAY = [
    # the sweep's own message
    "cant keep anything down, not even sips of water, been throwing up for over 24 hours since chemo",
    # paraphrases
    "been vomiting for two days and nothing stays down, not even water",
    "throwing up since yesterday, can't keep any fluids down",
    "unable to keep water down for 36 hours, keep being sick",
]


@pytest.mark.parametrize("text", NO_FLUIDS_FOR_A_DAY)
def test_no_fluids_kept_down_for_a_day_is_an_emergency(text: str) -> None:
    assert _codes(text).get("severe_vomiting") == "emergency", (text, triage(text).red_flags)


@pytest.mark.parametrize(
    "text",
    [
        "been sick twice today but keeping water down",
        "can't keep food down this morning, managing sips of water",
        "felt sick for two days, still drinking ok",
    ],
)
def test_vomiting_with_fluids_kept_down_or_short_is_not_an_emergency(text: str) -> None:
    assert triage(text).urgency != "emergency", (text, triage(text).red_flags)


# ------------------------------------------------------- 6. over-triages: expected effects and questions

EXPECTED_EFFECTS = [
    # red urine after an anthracycline (labels: red colour of urine for 1-2 days)
    "my wee is bright red/orange since the EC chemo yesterday, the nurse did say this might happen - just "
    "checking",
    "pee has gone pink since my epirubicin yesterday, is that normal?",
    "had AC chemo this morning and my urine is red",
    "red wee since my FEC yesterday",
    # bone pain after G-CSF (filgrastim and pegfilgrastim labels)
    "aching bones for a day or two after my GCSF injections, is that usual?",
    "aching bones since my neulasta jab yesterday",
    "my bones ache after the filgrastim injections",
    # a question about a term, feeling fine
    "reading about enhertu pneumonitis, what are the symptoms? I feel fine",
    "read about datroway pneumonitis, what are the symptoms to look out for? I'm fine",
]


@pytest.mark.parametrize("text", EXPECTED_EFFECTS)
def test_expected_effects_and_questions_are_routine(text: str) -> None:
    assert triage(text).urgency == "routine", (text, triage(text).red_flags)


def test_red_urine_after_an_anthracycline_says_when_to_call() -> None:
    advice = triage("red wee since my EC chemo yesterday").advice.public
    assert "2 days" in advice and "clot" in advice


@pytest.mark.parametrize(
    "text",
    [
        "my wee is red with clots since the EC chemo",
        "blood in my wee and it hurts to pee, on EC chemo",
        "my wee is red, I'm on letrozole",
        "reading about enhertu pneumonitis, I have a new cough and I'm short of breath",
        "aching bones after my GCSF and now I can't put weight on my leg",
    ],
)
def test_near_misses_keep_a_flag(text: str) -> None:
    assert triage(text).urgency != "routine", (text, triage(text).red_flags)


def test_food_not_kept_down_with_drinks_kept_down_is_not_an_emergency() -> None:
    text = "can't keep food down since yesterday but drinking water fine"
    assert triage(text).urgency != "emergency", triage(text).red_flags
