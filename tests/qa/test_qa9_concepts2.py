"""The second tester's clinician-register finding, fixed by concept: a clinician's topic question
reads as clinician and shows the red-flag items without a patient's "call 911" banner (a person describing
symptoms keeps the banner). The questions are our own paraphrases; the tester's set stays held out."""

from __future__ import annotations

import pytest

from mbcnav.search import ask
from mbcnav.search.engine import reads_as_clinician
from mbcnav.search.index import SearchIndex


def ids(result, n: int = 5) -> list[str]:
    return [a.id for a in result.answers[:n]]


# --- 1. clinician topic questions: clinician voice, items but no patient banner --------------------


@pytest.mark.parametrize(
    "question",
    [
        "hypercalcemia mx",
        "enhertu ILD surveillance",
        "CPS threshold for pembrolizumab",
        "2nd line options for PIK3CA mutant disease",
        "tucatinib in HER2+ disease",
    ],
)
def test_clinician_shorthand_reads_as_clinician(kb_index: SearchIndex, question: str) -> None:
    assert reads_as_clinician(question)
    assert ask(question, audience=None, index=kb_index).audience == "clinician"


@pytest.mark.parametrize(
    "question",
    ["hello how are you", "what is the second one", "is the line in my arm safe", "my mum has a cough"],
)
def test_everyday_words_do_not_read_as_clinician(question: str) -> None:
    assert not reads_as_clinician(question)


@pytest.mark.parametrize(
    ("question", "item"),
    [("hypercalcemia mx", "symptom-hypercalcemia-confusion"),
     ("enhertu ILD surveillance", "symptom-pneumonitis")],
)
def test_clinician_topic_question_shows_the_item_without_a_banner(kb_index: SearchIndex, question: str,
                                                                  item: str) -> None:
    for audience in (None, "public", "clinician"):
        result = ask(question, audience=audience, index=kb_index)
        assert result.red_flags == [] and result.urgency is None and result.advice is None
        assert item in ids(result, 3)


@pytest.mark.parametrize(
    ("question", "code", "urgency"),
    [
        ("my mum has high calcium and is confused and sleepy", "hypercalcemia", "emergency"),
        ("i am on enhertu and have a new dry cough and get breathless", "pneumonitis", "urgent"),
        ("my wife has high calcium and is confused, mx?", "hypercalcemia", "emergency"),
        ("pt on T-DXd with new cough, ILD?", "pneumonitis", "urgent"),
        ("new cough on T-DXd, ILD?", "pneumonitis", "urgent"),
        ("hypercalcaemia", "hypercalcemia", "emergency"),
    ],
)
def test_a_person_describing_symptoms_keeps_the_banner(kb_index: SearchIndex, question: str, code: str,
                                                       urgency: str) -> None:
    result = ask(question, audience=None, index=kb_index)
    assert code in {rf.code for rf in result.red_flags}
    assert result.urgency == urgency and result.advice
