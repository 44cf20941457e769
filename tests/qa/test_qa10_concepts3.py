"""The asked part of a long message weighs more than the story before it (qa10 misses 3 and 4, fixed by
concept). The questions are our own paraphrases; the tester's set (scratch-qa10) stays held out.

- The last clause that starts with a question word (with the question clauses before it, and the clause a
  "that" points back to) is the ask; the story's words weigh less, and medicines named there are history.
- Lay phrases: a blood test for a mutation is ctDNA; new spots on a scan, or a tumour that has grown, is
  progression; a new pill is an oral SERD.
- A synonym phrase meets an item only through all its words, and the "blood" of "blood thinner" counts
  little on its own: the anticoagulants come before the coughing-blood page.
"""

from __future__ import annotations

from mbcnav.search import ask
from mbcnav.search.engine import get_index, parse, question_focus
from mbcnav.search.index import SearchIndex


def ids(result, n: int = 5) -> list[str]:
    return [a.id for a in result.answers[:n]]


def test_the_question_after_a_long_story_is_the_ask(kb_index: SearchIndex) -> None:
    question = ("my sister found a lump 10 years ago, had a mastectomy and chemo, took anastrozole for "
                "years, now the scans found it in her bones and liver, the oncologist said it cannot be "
                "cured but it can be treated, what does that mean and how long has she got")
    got = ids(ask(question, index=kb_index), 3)
    assert "treatable-not-curable" in got
    assert "anastrozole" not in got


def test_medicines_named_in_the_story_do_not_take_over(kb_index: SearchIndex) -> None:
    question = ("on anastrozole and palbociclib for three years now, latest scan showed new lung spots, "
                "the doctor wants to test my blood for a mutation before a new pill, what is that test for")
    got = ids(ask(question, index=kb_index), 3)
    assert got[0] == "test-esr1-ctdna"
    assert "regimen-letrozole-palbociclib" not in got


def test_a_short_question_with_a_comma_is_all_question() -> None:
    assert question_focus("my mum has cancer in her bones, is she going to die") is None
    assert question_focus("ibrance, can i drink alcohol") is None


def test_focus_marks_the_asked_clause_and_what_it_points_back_to() -> None:
    question = ("diagnosed 6 years ago with a small tumour in the left breast, had surgery radiotherapy "
                "and tamoxifen, then letrozole for five long years, and now the doctor says it is "
                "treatable not curable, what does that mean")
    focus = question_focus(question)
    assert focus is not None
    index = get_index()
    parsed = parse(question, index, focus)
    weight = dict(zip(parsed.tokens, parsed.weights, strict=True))
    assert weight["mean"] == 1.0 and weight["treatabl"] == 1.0
    assert weight["tamoxifen"] < weight["surgeri"] < 1.0  # a medicine in the story weighs least


def test_lay_phrases_for_progression_and_ctdna(kb_index: SearchIndex) -> None:
    assert "progression" in ask("the tumour in my liver has grown", index=kb_index).also_searched
    assert "progression" in ask("scan shows new liver spots", index=kb_index).also_searched
    assert "selective estrogen receptor degrader" in ask("is there a new pill", index=kb_index).also_searched
    assert "test-esr1-ctdna" in ids(ask("why test my blood for a mutation", index=kb_index), 3)


def test_a_phrase_needs_all_its_words(kb_index: SearchIndex) -> None:
    """'blood thinner' found the coughing-blood page through 'blood' alone."""
    index = get_index()
    parsed = parse("blood thinner", index)
    group = next(g for g in parsed.groups if index.synonyms.names[g] == "anticoagulant")
    page = index.by_id["symptom-coughing-blood"]
    assert index.group_scores["public"][group][page] < index.weighted(["blood"], "public")[page] / 2


def test_a_blood_thinner_question_finds_the_anticoagulants_not_coughing_blood(kb_index: SearchIndex) -> None:
    got = ids(ask("blood thinners for a clot", index=kb_index))
    drugs = {"apixaban", "rivaroxaban", "edoxaban", "enoxaparin"}
    anticoagulants = [n for n, i in enumerate(got) if i in drugs]
    assert len(anticoagulants) >= 3 and anticoagulants[0] < 3
    assert "symptom-coughing-blood" not in got[: anticoagulants[2] + 1]
