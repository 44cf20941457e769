"""Every public text in the reasoning rule files is plain: reading grade 8 or lower, measured with the
same readability measure as the knowledge base (the guide's standard for the public voice)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, reading_grade

RULES = Path(__file__).parents[2] / "src" / "mbcnav" / "reasoning" / "rules"


def _public_texts(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "public" and isinstance(value, str):
                yield where, value
            else:
                yield from _public_texts(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _public_texts(value, f"{where}[{i}]")


TEXTS = [
    (f"{path.name}{where}", text)
    for path in sorted(RULES.glob("*.yaml"))
    for where, text in _public_texts(yaml.safe_load(path.read_text(encoding="utf-8")), "")
]


def test_the_rule_files_have_public_texts() -> None:
    assert len(TEXTS) > 200


@pytest.mark.parametrize(("where", "text"), TEXTS, ids=[w for w, _ in TEXTS])
def test_public_rule_text_is_grade_8_or_lower(where: str, text: str) -> None:
    assert reading_grade(text) <= MAX_PUBLIC_GRADE, f"{where}: grade {reading_grade(text):.1f}: {text}"
