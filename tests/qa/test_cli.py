"""`mbcnav ask` as a user runs it: the JSON contract, the text output and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CONTRACT = {"question", "red_flags", "answers"}
ANSWER_KEYS = {"id", "title", "kind", "score", "public", "clinician", "sources"}


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MBCNAV_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-c", "from mbcnav.cli import main; main()", "ask", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )


def test_json_follows_the_ask_contract(tmp_path: Path) -> None:
    proc = run(tmp_path, "ibrance side efects", "--json", "-k", "3")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) >= CONTRACT
    assert data["question"] == "ibrance side efects"
    assert isinstance(data["red_flags"], list)
    assert 1 <= len(data["answers"]) <= 3
    for answer in data["answers"]:
        assert set(answer) >= ANSWER_KEYS
        assert isinstance(answer["score"], float)
        assert answer["sources"] and all(isinstance(s, str) for s in answer["sources"])
    assert data["answers"][0]["id"] == "palbociclib"


def test_text_output_puts_the_red_flag_panel_first(tmp_path: Path) -> None:
    pytest.importorskip("mbcnav.reasoning.triage")
    proc = run(tmp_path, "legs went numb and I can't pee")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "spinal cord compression" in out
    assert out.index("spinal cord compression") < out.index("1. ")


def test_no_match_says_so(tmp_path: Path) -> None:
    proc = run(tmp_path, "best pizza in rome")
    assert proc.returncode == 0, proc.stderr
    assert "No good match" in proc.stdout


@pytest.mark.parametrize("args", [("   ",), ("chemo", "-k", "0"), ("chemo", "--audience", "doctor")])
def test_bad_input_exits_2_without_a_traceback(tmp_path: Path, args: tuple[str, ...]) -> None:
    proc = run(tmp_path, *args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_unquoted_words_are_one_question(tmp_path: Path) -> None:
    proc = run(tmp_path, "is", "stage", "4", "curable", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["question"] == "is stage 4 curable"
    assert data["answers"][0]["id"] in {"faq-is-stage-4-curable", "treatable-not-curable"}


def test_too_long_question_names_the_limit(tmp_path: Path) -> None:
    from mbcnav.search import MAX_QUESTION_CHARS

    proc = run(tmp_path, "x" * (MAX_QUESTION_CHARS + 1))
    assert proc.returncode == 2
    assert str(MAX_QUESTION_CHARS) in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr


def test_without_audience_the_questions_wording_chooses_the_voice(tmp_path: Path) -> None:
    """A clinician's shorthand gets the clinician text; a patient's words get the plain text; an explicit
    --audience always wins."""
    shorthand = run(tmp_path, "QTc monitoring ribociclib", "-k", "1")
    assert shorthand.returncode == 0, shorthand.stderr
    assert "QTcF" in shorthand.stdout  # the clinician voice names the threshold
    plain = run(tmp_path, "ibrance side efects", "-k", "1")
    assert plain.returncode == 0, plain.stderr
    assert "white blood cells" in plain.stdout and "QTcF" not in plain.stdout
    forced = run(tmp_path, "QTc monitoring ribociclib", "-k", "1", "--audience", "public")
    assert forced.returncode == 0, forced.stderr
    assert "QTcF" not in forced.stdout
    data = json.loads(run(tmp_path, "QTc monitoring ribociclib", "--json", "-k", "1").stdout)
    assert data["audience"] == "clinician" and data["audience_from_question"] is True
