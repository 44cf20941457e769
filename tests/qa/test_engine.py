"""How `ask` reads questions, tested on a small fixed knowledge base (tests/qa/fixture_kb)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mbcnav.errors import MbcnavError
from mbcnav.search import AskInputError, ask
from mbcnav.search.engine import parse
from mbcnav.search.index import SearchIndex


def top_ids(result, n: int = 3) -> list[str]:
    return [a.id for a in result.answers[:n]]


def test_brand_name_and_typo_find_the_drug(fixture_index: SearchIndex) -> None:
    result = ask("ibrance side efects", index=fixture_index)
    assert top_ids(result, 1) == ["drug-palbociclib"]
    assert result.corrections == {"efects": "effects"}


def test_misspelt_brand_is_corrected(fixture_index: SearchIndex) -> None:
    result = ask("does ibranse make you tired", index=fixture_index)
    assert result.corrections.get("ibranse") == "ibrance"
    assert top_ids(result, 1) == ["drug-palbociclib"]


def test_lay_words_meet_clinical_ones(fixture_index: SearchIndex) -> None:
    result = ask("has it spread to the bones", index=fixture_index)
    assert top_ids(result, 1) == ["site-bone"]
    assert "bone metastasis" in result.also_searched


def test_relative_asking_is_read_past(fixture_index: SearchIndex) -> None:
    parsed = parse("my mum's bones hurt is it the cancer", fixture_index)
    assert "mum" not in parsed.tokens
    assert top_ids(ask("my mum's bones hurt is it the cancer", index=fixture_index), 1) == ["site-bone"]


def test_clinician_shorthand_expands(fixture_index: SearchIndex) -> None:
    result = ask("T-DXd after THP?", audience="clinician", index=fixture_index)
    # both shorthands are read; the answer is T-DXd (THP is the line before, and reached the THP item
    # only through the "trastuzumab" of "trastuzumab deruxtecan", which a phrase no longer does alone)
    assert top_ids(result, 1) == ["drug-trastuzumab-deruxtecan"]
    assert {"trastuzumab deruxtecan", "docetaxel trastuzumab pertuzumab"} <= set(result.also_searched)


def test_stage_4_means_metastatic(fixture_index: SearchIndex) -> None:
    result = ask("is stage iv curable", index=fixture_index)
    assert "faq-curable" in top_ids(result)


def test_word_forms_are_stemmed(fixture_index: SearchIndex) -> None:
    assert parse("curing", fixture_index).tokens == parse("cured", fixture_index).tokens == ["cure"]


@pytest.mark.parametrize("question", ["best pizza in rome", "how do I change a car tyre", "qwzx plorf"])
def test_off_topic_question_says_so(fixture_index: SearchIndex, question: str) -> None:
    result = ask(question, index=fixture_index)
    assert result.no_good_match
    assert result.answers == []
    assert result.suggestions, "an unmatched question still gets topics to start from"


def test_emergency_item_comes_first_with_what_to_do(fixture_index: SearchIndex) -> None:
    result = ask("my legs feel weak and my back hurts", index=fixture_index)
    assert result.red_flags, "a red flag is raised (from triage, or the red-flag item without it)"
    assert result.red_flags[0].code == "spinal_cord_compression"
    assert result.answers[0].id == "symptom-cord-compression"
    assert result.answers[0].action == "Call an ambulance now."


def test_answer_voice_follows_audience(fixture_index: SearchIndex) -> None:
    result = ask("my legs feel weak", audience="clinician", index=fixture_index)
    cord = next(a for a in result.answers if a.id == "symptom-cord-compression")
    assert cord.action.startswith("Dexamethasone")


def test_k_limits_answers(fixture_index: SearchIndex) -> None:
    assert len(ask("breast cancer", k=2, index=fixture_index).answers) <= 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"question": "   "}, "question"), ({"question": "x" * 3000}, "question"),
     ({"question": "chemo", "audience": "doctor"}, "audience"), ({"question": "chemo", "k": 0}, "k")],
)
def test_bad_input_is_a_named_error(fixture_index: SearchIndex, kwargs: dict, field: str) -> None:
    with pytest.raises(AskInputError) as info:
        ask(**kwargs, index=fixture_index)
    assert isinstance(info.value, MbcnavError)
    assert info.value.field == field


def test_without_triage_red_flag_items_still_raise_the_flag(
    fixture_index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mbcnav.search import engine

    monkeypatch.setattr(engine, "_triage", lambda question: None)
    result = ask("I cannot feel my legs", index=fixture_index)
    assert [rf.code for rf in result.red_flags] == ["spinal_cord_compression"]
    assert result.red_flags[0].public == "Call an ambulance now."
    assert result.urgency == "emergency"
    assert ask("ibrance side effects", index=fixture_index).red_flags == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=200).filter(lambda s: s.strip()))
def test_any_text_gets_a_well_formed_answer(fixture_index: SearchIndex, text: str) -> None:
    """Any text gets a well-formed answer, or (hidden control or direction characters) a refusal that
    names the question and the character."""
    try:
        result = ask(text, k=3, index=fixture_index)
    except AskInputError as exc:
        assert str(exc).startswith("question: ") and "U+" in str(exc)
        return
    assert len(result.answers) <= 3
    assert result.no_good_match == (not result.answers) or result.red_flags
    assert all(a.score > 0 for a in result.answers)
