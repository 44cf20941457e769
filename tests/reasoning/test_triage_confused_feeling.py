""" "Confused" as a feeling is not new confusion (delirium), while a person who does not know where or who
they are is. A fresh Q&A tester's question ("my wife has just been told she's stage IV ... we're both really
confused and scared") raised an acute-confusion flag and an emergency banner above the answers (NICE CG103
delirium: new confusion is an acute change in attention and awareness, not bewilderment about news)."""

from __future__ import annotations

import pytest

from mbcnav.reasoning.triage import triage
from mbcnav.search import ask


@pytest.mark.parametrize(
    "text",
    [
        "my husband was just told he's stage 4 and we're both really confused and scared",
        "i'm so confused about all the treatment options, can someone explain them",
        "feeling overwhelmed and confused by all the information from clinic",
        "honestly confused by the letter, what does HER2-low mean",
    ],
)
def test_confused_as_a_feeling_is_no_red_flag(text: str) -> None:
    result = triage(text)
    assert "acute_confusion" not in [f.code for f in result.red_flags], result.red_flags
    assert result.urgency == "routine"


@pytest.mark.parametrize(
    "text",
    [
        "mum is confused and sleepy today",
        "she's suddenly confused and scared, doesn't recognise me",
        "dad is frightened and confused, keeps trying to get out of bed at night",
        "she's confused about where she is",
        "he doesn't recognise us anymore since this morning",
        "she doesn't know where she is",
    ],
)
def test_confusion_about_place_or_people_still_raises_the_flag(text: str) -> None:
    assert "acute_confusion" in [f.code for f in triage(text).red_flags]


@pytest.mark.parametrize("text", ["i dont know where to start with all this", "i don't know who to ask"])
def test_not_knowing_where_to_start_is_not_disorientation(text: str) -> None:
    assert triage(text).red_flags == () or not triage(text).red_flags


def test_a_stage_iv_question_with_confused_feelings_gets_no_emergency_banner() -> None:
    result = ask(
        "hi, my wife has just been told she's stage IV, what does that mean? we're both really "
        "confused and scared",
        k=3,
    )
    assert result.red_flags == []
    assert any("stage" in a.id for a in result.answers[:3]), [a.id for a in result.answers]
