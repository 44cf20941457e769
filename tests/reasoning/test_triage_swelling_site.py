"""Swelling raises SVC syndrome only when it is said of the face, eyes, neck or arm (the third Q&A tester:
"swollen tummy and yellow eyes" had SVC syndrome first), and jaundice with a swollen belly is a same-day
call (UKONS v3: jaundice is a red, face-to-face same-day review; the emergency signs are confusion,
drowsiness and bleeding), as the knowledge base's jaundice and liver-failure items now also say.
Paraphrases, not the tester's wording."""

from __future__ import annotations

import pytest

from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.reasoning.triage import triage


def codes(text: str) -> list[str]:
    return [f.code for f in triage(text).red_flags]


@pytest.mark.parametrize(
    "text",
    [
        "my belly is swollen and my eyes are yellow",
        "tummy has swollen up and the whites of my eyes are yellow",
        "stiff neck and swollen ankles",
        "swollen legs and itchy eyes",
        "sore neck and a swollen stomach",
    ],
)
def test_swelling_elsewhere_does_not_raise_svc(text: str) -> None:
    assert "svc_syndrome" not in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "my eyes are swollen",
        "puffy eyes and a swollen face",
        "swelling around my eyes",
        "my neck is very swollen",
        "swelling in my neck and face",
        "my face and neck have swollen up",
    ],
)
def test_swelling_of_face_eyes_or_neck_still_raises_svc(text: str) -> None:
    assert "svc_syndrome" in codes(text)


@pytest.mark.parametrize(
    "text", ["my belly is swollen and my eyes are yellow", "swollen tummy and yellow skin"]
)
def test_jaundice_with_a_swollen_belly_is_a_same_day_call(text: str) -> None:
    result = triage(text)
    assert result.urgency == "urgent"
    assert {"liver_failure", "ascites"} <= {f.code for f in result.red_flags}


@pytest.mark.parametrize("text", ["yellow skin and very confused", "my eyes are yellow and I keep bleeding"])
def test_jaundice_with_confusion_or_bleeding_stays_an_emergency(text: str) -> None:
    assert triage(text).urgency == "emergency"


def test_liver_failure_item_agrees_with_triage_on_a_swollen_belly() -> None:
    item = next(i for i in load_knowledge_base().items if i.id == "symptom-liver-failure")
    assert item.level == "emergency"
    assert not any("swollen" in p or "belly" in p for p in item.phrasings)
    assert "ukons-triage-v3" in item.sources
