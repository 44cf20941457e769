"""Web sweep 6, item 1: "I'm thinking of ending it" is one of the commonest ways to say one has thoughts
of suicide (ASQ: a yes to current thoughts of killing oneself is an acute positive, an emergency), but
triage, the symptom checker and Ask read it as routine. "Ending it" with thinking, wanting, a plan or
"going to" is suicidal ideation; ending a treatment, a relationship or a bleed stays routine."""

from __future__ import annotations

import pytest

from mbcnav.reasoning.triage import triage
from mbcnav.search import ask

POSITIVES = [
    "I'm thinking of ending it",
    "thinking of ending it",
    "been thinking about ending it",
    "I keep thinking about ending it",
    "I've thought about ending it",
    "Some days I think about ending it",
    "I am considering ending it",
    "I want to end it",
    "I'm going to end it",
    "I plan to end it",
    "I'm seriously thinking of ending it, I can't cope with the pain",
    "honestly im thinkin of ending it",
]

NEAR_MISSES = [
    "I'm thinking of ending it with my boyfriend",
    "thinking of ending the chemo",
    "I'm thinking of ending the chemo, it makes me so sick",
    "the bleeding is ending",
    "I'm thinking about ending treatment early",
    "we are thinking of ending the trial drug",
    "thinking of ending my gym subscription",
    "I keep thinking about the ending of that film",
    "my period is ending",
    "thinking of ending the call with the insurance company",
    "I want to end it with my husband",
    "the course of radiotherapy is ending next week",
]


@pytest.mark.parametrize("text", POSITIVES)
def test_thinking_of_ending_it_is_suicidal_ideation_emergency_asq(text: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency"
    assert result.red_flags[0].code == "suicidal_ideation"
    assert result.red_flags[0].urgency == "emergency"


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_ending_a_treatment_relationship_or_bleed_is_not_suicidal(text: str) -> None:
    assert "suicidal_ideation" not in {f.code for f in triage(text).red_flags}


def test_death_wish_plus_thinking_of_ending_it_keeps_the_active_part_as_emergency() -> None:
    result = triage("I dont want to be here anymore, thinking of ending it")
    assert result.urgency == "emergency"
    assert {f.code: f.urgency for f in result.red_flags}["suicidal_ideation"] == "emergency"


def test_ask_puts_the_suicide_flag_first_for_thinking_of_ending_it() -> None:
    result = ask("i'm thinking of ending it")
    assert [f.code for f in result.red_flags][:1] == ["suicidal_ideation"]
