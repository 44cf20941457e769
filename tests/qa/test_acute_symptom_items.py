"""Ask on plain questions about the acute emergencies and graded side effects that triage flags
(anaphylaxis, heart-type chest pain, GI bleeding, collapse, respiratory distress, line infection,
severe mouth sores, severe vomiting): the knowledge item that explains the flag comes first, under a
banner as urgent as the flag. Levels follow UKONS triage v3 (rules/red_flags.yaml)."""

from __future__ import annotations

import pytest

from mbcnav.search import ask
from mbcnav.search.index import SearchIndex

pytest.importorskip("mbcnav.reasoning.triage")


@pytest.mark.parametrize(
    ("question", "item", "code", "urgency"),
    [
        ("my lips are swelling after my infusion", "symptom-anaphylaxis", "anaphylaxis", "emergency"),
        ("my tongue is swollen", "symptom-anaphylaxis", "anaphylaxis", "emergency"),
        ("throat feels tight since the infusion started", "symptom-anaphylaxis", "anaphylaxis", "emergency"),
        (
            "crushing pain in my chest spreading to my jaw",
            "symptom-chest-pain-heart",
            "chest_pain_cardiac",
            "emergency",
        ),
        ("chest pain since starting xeloda", "symptom-chest-pain-heart", "chest_pain_cardiac", "emergency"),
        ("my poo is black", "symptom-gi-bleeding", "gi_bleeding", "emergency"),
        ("I threw up blood, like coffee grounds", "symptom-gi-bleeding", "gi_bleeding", "emergency"),
        ("my mum collapsed", "symptom-collapse", "collapse", "emergency"),
        ("found dad on the floor and he won't wake up", "symptom-collapse", "collapse", "emergency"),
        (
            "so breathless I cant finish a sentence",
            "symptom-respiratory-distress",
            "respiratory_distress",
            "emergency",
        ),
        ("her lips have gone blue", "symptom-respiratory-distress", "respiratory_distress", "emergency"),
        ("my port is red and sore", "symptom-line-infection", "line_infection", "urgent"),
        (
            "my picc line is weeping and I have the shivers",
            "symptom-line-infection",
            "line_infection",
            "emergency",
        ),
        ("mouth ulcers so bad I can't drink", "symptom-severe-mouth-sores", "severe_mucositis", "urgent"),
    ],
)
def test_plain_question_shows_the_flag_item_first_under_the_banner(
    kb_index: SearchIndex, question: str, item: str, code: str, urgency: str
) -> None:
    result = ask(question, index=kb_index)
    assert result.answers and result.answers[0].id == item, [a.id for a in result.answers]
    assert result.red_flags[0].code == code
    assert result.urgency == urgency
    if urgency == "emergency":
        action = result.answers[0].action or ""
        assert "911" in action or "emergency room" in action


def test_severe_vomiting_question_shows_its_item_and_flag(kb_index: SearchIndex) -> None:
    """The bowel-obstruction item (emergency) may lead a vomiting question; the vomiting item and its
    flag must still be there."""
    result = ask("throwing up and can't keep fluids down", index=kb_index)
    assert "symptom-severe-vomiting" in [a.id for a in result.answers]
    assert "severe_vomiting" in [f.code for f in result.red_flags]


@pytest.mark.parametrize(
    "question",
    [
        "pain in my ribs that won't go away",
        "my jaw hurts",
        "bleeding down there",
        "my arm feels tight and full",
        "fluid on the lung keeps coming back",
        "in agony",
    ],
)
def test_nearby_worries_are_not_raised_to_an_emergency_by_the_new_items(
    kb_index: SearchIndex, question: str
) -> None:
    """Shared words ("pain", "tight", "bleeding") must not pull an emergency item into the answers,
    which would raise the banner to "call 911" for a call-today worry."""
    result = ask(question, index=kb_index)
    assert result.urgency == "urgent", [(a.id, a.level) for a in result.answers]


def test_another_cancer_name_is_not_read_as_a_bleeding_word(kb_index: SearchIndex) -> None:
    """The word "melanoma" is one letter-edit from "melaena": it must not raise the GI-bleeding emergency now
    that an item answers that flag."""
    result = ask("melanoma treatment", index=kb_index)
    assert "gi_bleeding" not in [f.code for f in result.red_flags]
    assert result.answers == []
