"""Documentation coverage: every command, calculator and red flag is documented, in both voices
where a person acts on it, with sources that resolve (after datasette's tests/test_docs.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
import yaml

from mbcnav.assessment import RED_FLAG_CODES
from mbcnav.cli import app
from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, reading_grade
from mbcnav.reasoning.calculators import CALCULATORS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CASE_FORMAT_RED_FLAGS = RED_FLAG_CODES
RED_FLAGS = yaml.safe_load((ROOT / "src/mbcnav/reasoning/rules/red_flags.yaml").read_text(encoding="utf-8"))[
    "codes"
]


def _commands(group: object, prefix: str = "") -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for name, sub in sorted(getattr(group, "commands", {}).items()):
        found.append((f"{prefix}{name}", sub))
        found += _commands(sub, f"{prefix}{name} ")
    return found


COMMANDS = _commands(typer.main.get_command(app))


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_every_command_has_help_and_is_in_the_readme(name: str, command: object) -> None:
    assert (getattr(command, "help", "") or "").strip(), f"`mbcnav {name}` has no help text"
    assert re.search(rf"mbcnav {re.escape(name)}\b", README), f"README does not show `mbcnav {name}`"


@pytest.mark.parametrize("name", sorted(CALCULATORS))
def test_every_calculator_has_formula_and_resolvable_sources(name: str) -> None:
    calc = CALCULATORS[name]
    kb = load_knowledge_base()
    assert calc.title.strip() and calc.formula.strip()
    assert calc.sources, f"calculator {name} cites nothing"
    assert all(source in kb.sources for source in calc.sources)


@pytest.mark.parametrize("code", CASE_FORMAT_RED_FLAGS)
def test_every_red_flag_has_both_voices_and_sources(code: str) -> None:
    kb = load_knowledge_base()
    flag = RED_FLAGS[code]
    assert flag["public"].strip() and flag["clinician"].strip()
    assert reading_grade(flag["public"]) <= MAX_PUBLIC_GRADE, f"{code}: public text too hard"
    assert flag["sources"] and all(source in kb.sources for source in flag["sources"])
    # What to do now is part of the answer, in the words a person acts on.
    assert re.search(r"\b(911|emergency|call|go to|today|now)\b", flag["public"], re.IGNORECASE), code


def _case_format_red_flag_list() -> str:
    text = (ROOT / "docs/case-format.md").read_text(encoding="utf-8")
    start = text.index("Red-flag codes:")
    return text[start : text.index("Workup codes include", start)]


@pytest.mark.parametrize("code", sorted(RED_FLAGS))
def test_every_red_flag_the_engine_can_raise_is_in_case_formats_code_list(code: str) -> None:
    # web sweep 6, item 3: the API's triage example raised `hypoxemia`, which the list did not name
    assert re.search(rf"\b{code}\b", _case_format_red_flag_list()), f"{code} is not in docs/case-format.md"
