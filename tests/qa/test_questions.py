"""`ask` against the shipped knowledge base: the question set, and the questions the issue names."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.search import ask
from mbcnav.search.index import SearchIndex

QUESTIONS = yaml.safe_load((Path(__file__).parent / "questions.yaml").read_text(encoding="utf-8"))


def top(result, n: int = 3) -> list[str]:
    return [a.id for a in result.answers[:n]]


def test_question_set_is_large_and_varied() -> None:
    assert len(QUESTIONS) >= 80
    tags = Counter(t for row in QUESTIONS for t in row["tags"])
    for needed in ("typo", "relative", "clinician", "emergency", "brand", "lay"):
        assert tags[needed] >= 5, f"too few '{needed}' questions"
    assert len({row["q"].lower() for row in QUESTIONS}) == len(QUESTIONS), "duplicate questions"


def test_every_expected_id_exists_in_the_knowledge_base() -> None:
    kb = load_knowledge_base()
    missing = {i for row in QUESTIONS for i in row["ids"] if kb.get(i) is None}
    assert not missing, f"questions.yaml names ids the knowledge base lacks: {sorted(missing)}"


def test_hit_at_3_is_at_least_90_percent(kb_index: SearchIndex) -> None:
    misses = []
    for row in QUESTIONS:
        got = top(ask(row["q"], k=3, index=kb_index))
        if not set(got) & set(row["ids"]):
            misses.append(f"{row['q']!r}: expected one of {row['ids']}, got {got}")
    hit3 = 1 - len(misses) / len(QUESTIONS)
    assert hit3 >= 0.90, f"hit@3 {hit3:.3f}; missed:\n" + "\n".join(misses)


def test_brand_name_with_typo(kb_index: SearchIndex) -> None:
    result = ask("ibrance side efects", index=kb_index)
    assert "palbociclib" in top(result)
    assert result.corrections.get("efects") == "effects"


def test_relative_asking_about_bones(kb_index: SearchIndex) -> None:
    result = ask("my mum's bones hurt is it the cancer", index=kb_index)
    assert set(top(result)) & {"site-bone", "symptom-bone-pain"}


def test_clinician_shorthand(kb_index: SearchIndex) -> None:
    result = ask("T-DXd after THP?", audience="clinician", index=kb_index)
    assert set(top(result)) & {"trastuzumab-deruxtecan", "regimen-trastuzumab-deruxtecan"}
    assert {"trastuzumab deruxtecan", "docetaxel trastuzumab pertuzumab"} <= set(result.also_searched)


def test_stage_4_curable(kb_index: SearchIndex) -> None:
    result = ask("is stage 4 curable", index=kb_index)
    assert set(top(result)) & {"faq-is-stage-4-curable", "treatable-not-curable"}


@pytest.mark.parametrize(
    "question",
    ["best pizza in rome", "how do I change a car tyre", "who won the world cup",
     "weather tomorrow in london", "cheap flights to spain", "asdf qwer zxcv"],
)
def test_off_topic_question_gets_no_answers_but_suggestions(kb_index: SearchIndex, question: str) -> None:
    result = ask(question, index=kb_index)
    assert result.no_good_match
    assert result.answers == []
    assert result.red_flags == []
    assert len(result.suggestions) >= 3


def test_emergency_question_puts_red_flag_first(kb_index: SearchIndex) -> None:
    pytest.importorskip("mbcnav.reasoning.triage")
    result = ask("legs went numb and I can't pee", index=kb_index)
    assert result.red_flags, "an emergency question must raise a red flag"
    first = result.red_flags[0]
    assert first.code == "spinal_cord_compression"
    assert first.urgency == "emergency"
    assert first.public and first.clinician, "a red flag says what to do now"
    assert result.urgency == "emergency"
    assert result.answers[0].kind == "symptom"
    assert result.answers[0].level == "emergency"


def test_fever_on_chemo_is_flagged(kb_index: SearchIndex) -> None:
    pytest.importorskip("mbcnav.reasoning.triage")
    result = ask("temp 38.5 after chemo what do i do", index=kb_index)
    assert "febrile_neutropenia" in {rf.code for rf in result.red_flags}
    assert result.answers[0].id == "symptom-fever-chemo"


def test_routine_question_raises_no_red_flag(kb_index: SearchIndex) -> None:
    pytest.importorskip("mbcnav.reasoning.triage")
    assert ask("what is a cdk4/6 inhibitor", index=kb_index).red_flags == []


def test_answers_carry_both_voices_and_sources(kb_index: SearchIndex) -> None:
    kb = load_knowledge_base()
    for answer in ask("zometa jaw pain", index=kb_index).answers:
        item = kb.get(answer.id)
        assert item is not None
        assert (answer.public, answer.clinician) == (item.public, item.clinician)
        assert answer.sources == list(item.sources)
        assert all(s in kb.sources for s in answer.sources)
