"""`ask` finds the drugs approved in 2025-2026 by their brand, generic and code names (KB review 2)."""

from __future__ import annotations

import pytest

from mbcnav.search import ask
from mbcnav.search.index import SearchIndex


def top(result, n: int = 3) -> list[str]:
    return [a.id for a in result.answers[:n]]


@pytest.mark.parametrize(
    "question",
    ["what is veppanu", "vepdegestrant side effects", "ARV-471 ESR1 mutation", "veppanu dose"],
)
def test_vepdegestrant_questions_find_the_drug(kb_index: SearchIndex, question: str) -> None:
    result = ask(question, index=kb_index)
    assert not result.no_good_match
    assert set(top(result)) & {"vepdegestrant", "regimen-vepdegestrant"}, top(result, 5)


def test_clinician_question_on_oral_er_degraders_reaches_vepdegestrant(kb_index: SearchIndex) -> None:
    result = ask("ESR1 mutation after CDK4/6 inhibitor options", audience="clinician", k=8, index=kb_index)
    ids = {a.id for a in result.answers}
    assert ids & {"treatment-oral-serd", "vepdegestrant", "test-esr1-ctdna"}, ids


def test_first_line_tdxd_pertuzumab_question_finds_the_regimen(kb_index: SearchIndex) -> None:
    result = ask("enhertu and perjeta first treatment her2 positive", index=kb_index)
    assert set(top(result)) & {"regimen-trastuzumab-deruxtecan-pertuzumab", "treatment-her2",
                               "trastuzumab-deruxtecan"}, top(result, 5)
