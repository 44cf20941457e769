"""Fixes from the CLI acceptance sweep (/work/scratch-cli/report.md items 1, 5-13, 15), through the CLI
or the public functions, as a user meets them."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mbcnav.cli import app
from mbcnav.errors import CalculatorInputError
from mbcnav.reasoning.calculators import CALCULATORS, breast_gpa_2012, breast_gpa_2020, recist_response
from mbcnav.reasoning.triage import triage

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def _json(*args: str) -> dict:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# 1. a temperature given as a lab wins over one in the text (case-format.md, Triage)
def test_temp_option_overrides_text_temperature_as_calcium_and_anc_do() -> None:
    data = _json("triage", "temp 38.9 ANC 300", "--temp-c", "36.6", "--json")
    assert data["urgency"] == "routine", data["rationale"]
    assert "febrile_neutropenia" not in {f["code"] for f in data["red_flags"]}
    # without the option the text temperature still counts, and a hot option still raises the flag
    assert _json("triage", "temp 38.9 ANC 300", "--json")["urgency"] == "emergency"
    hot = _json("triage", "temp 36.6 ANC 300", "--temp-c", "38.9", "--json")
    assert hot["urgency"] == "emergency" and "38.9" in hot["rationale"]


def test_the_word_fever_is_a_symptom_and_stays_with_a_normal_temp_option() -> None:
    data = _json("triage", "fever ANC 300", "--temp-c", "36.6", "--json")
    assert data["urgency"] == "emergency"


# 5. bytes that are not UTF-8 become U+FFFD at the edge, for every command that takes text
@pytest.mark.parametrize("command", ["triage", "ask"])
def test_non_utf8_argument_gives_json_not_a_crash(command: str, tmp_path: Path) -> None:
    env = {**os.environ, "MBCNAV_CACHE_DIR": str(tmp_path / "cache"), "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(
        [sys.executable, "-m", "mbcnav", command.encode(), b"back pain \xff legs weak", b"--json"],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    assert (data.get("text") or data.get("question")) == "back pain \ufffd legs weak"


# 6. RECIST 1.1 (Eisenhauer 2009): CR needs every target node < 10 mm short axis
def test_recist_no_cr_while_a_target_node_is_12_mm_eisenhauer_2009() -> None:
    assert recist_response(100, 12, node_short_axes_mm=(12,)) == "PR"
    assert recist_response(100, 9, node_short_axes_mm=(9,)) == "CR"
    assert recist_response(100, 0) == "CR"


def test_recist_sum_smaller_than_its_nodes_is_refused_naming_both_fields() -> None:
    with pytest.raises(CalculatorInputError, match="current_sum_mm, node_short_axes_mm"):
        recist_response(100, 0, node_short_axes_mm=(12,))
    result = runner.invoke(
        app,
        ["calc", "recist", "--baseline-sum-mm", "100", "--current-sum-mm", "0", "--node-short-axes-mm", "12"],
    )
    assert result.exit_code == 2 and "current_sum_mm, node_short_axes_mm" in result.output


# 7. calcium units: the calculator follows the case's rule and words; triage says what it did not use
@pytest.mark.parametrize("value", ["4.5", "2.9"])
def test_corrected_calcium_refuses_a_probable_mmol_value_like_the_case(value: str) -> None:
    result = runner.invoke(
        app, ["calc", "corrected_calcium", "--calcium-mg-dl", value, "--albumin-g-dl", "4"]
    )
    assert result.exit_code == 2
    assert "looks like mmol/L" in result.output and "2.5 mmol/L = 10 mg/dL" in result.output
    with pytest.raises(CalculatorInputError, match="looks like mmol/L"):
        CALCULATORS["corrected_calcium"].compute({"calcium_mg_dl": 4.5, "albumin_g_dl": 4})


@pytest.mark.parametrize(
    ("text", "shown"), [("calcium 4.5", "mmol/L"), ("temp 45", "not used"), ("calcium 40", "not used")]
)
def test_triage_says_a_text_lab_value_was_not_used(text: str, shown: str) -> None:
    result = triage(text)
    assert f"'{text}' not used" in result.rationale and shown in result.rationale
    out = runner.invoke(app, ["triage", text])
    assert out.exit_code == 0 and "not used" in out.output


def test_a_usable_text_lab_has_no_not_used_note() -> None:
    assert "not used" not in triage("calcium 13").rationale


# 8. the public PR text says what the clinician text says
def test_recist_pr_public_text_is_exact() -> None:
    result = CALCULATORS["recist"].compute({"baseline_sum_mm": 100, "current_sum_mm": 69})
    assert result.value == "PR"
    assert "30% or more" in result.public and "a third" not in result.public


# 9. --version and shell completion
def test_version_prints_the_package_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip().startswith("mbcnav ") and result.stdout.strip().split()[1][0].isdigit()


def test_shell_completion_options_are_offered() -> None:
    out = runner.invoke(app, ["--help"]).output
    assert "--install-completion" in out and "--show-completion" in out


# 10. Ctrl-C while the CLI is still importing: exit 130, no traceback
def test_ctrl_c_during_start_up_exits_130_quietly() -> None:
    target = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]["mbcnav"]
    module, func = target.split(":")
    code = (
        "import sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'typer':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        f"from {module} import {func}\n"
        f"{func}()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 130, proc.stderr
    assert "Traceback" not in proc.stderr and "KeyboardInterrupt" not in proc.stderr


# 11. assess: -a, a clear message without input, 1-based case numbers with the id
def test_assess_has_short_audience_option_and_asks_for_input(tmp_path: Path) -> None:
    no_input = runner.invoke(app, ["assess"])
    assert no_input.exit_code == 2
    assert "give a case" in no_input.output and "not both" not in no_input.output
    case = tmp_path / "c.json"
    case.write_text(json.dumps({"tumor": {"er_percent": 90, "her2_ihc": "0"}, "metastatic_sites": ["bone"]}))
    assert runner.invoke(app, ["assess", str(case), "-a", "clinician"]).exit_code == 0


def test_assess_list_error_names_the_case_1_based_with_its_id(tmp_path: Path) -> None:
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps([{"id": "ann"}, {"id": "bob", "labs": {"calcium_mg_dl": 2.4}}]))
    result = runner.invoke(app, ["assess", str(cases), "--json"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "case 2 (id bob): labs.calcium_mg_dl" in result.output


# 12. Breast-GPA subtype aliases (Sperduto 2012 formula names "triple-negative")
@pytest.mark.parametrize(
    "alias", ["triple-negative", "Triple Negative", "HR-/HER2-", "tnbc", "ER-/PR-/HER2-"]
)
def test_breast_gpa_2012_accepts_triple_negative_aliases_sperduto_2012(alias: str) -> None:
    assert breast_gpa_2012(90, 50, alias) == breast_gpa_2012(90, 50, "TNBC") == 2.0


def test_breast_gpa_aliases_for_other_subtypes_and_cli() -> None:
    assert breast_gpa_2020(90, 50, "ER+/HER2-", 1, False) == breast_gpa_2020(90, 50, "HR+/HER2-", 1, False)
    assert breast_gpa_2012(90, 50, "triple positive") == breast_gpa_2012(90, 50, "HR+/HER2+")
    data = _json(
        "calc", "breast_gpa_2012", "--kps", "90", "--age", "50", "--subtype", "triple negative", "--json"
    )
    assert data["values"]["points_subtype"] == 0.0
    assert (
        runner.invoke(
            app, ["calc", "breast_gpa_2012", "--kps", "90", "--age", "50", "--subtype", "HER2+"]
        ).exit_code
        == 2
    )  # hormone status not said


# 13. the Ask format as JSON Schema
def test_schema_ask_describes_the_ask_contract() -> None:
    schema = _json("schema", "ask")
    assert {"question", "red_flags", "answers"} <= set(schema["properties"])


# 15. FHIR import: the PR note is about PR, not a copy of the ER-low note
def test_fhir_pr_status_note_is_not_the_er_low_note() -> None:
    from mbcnav.interop.fhir import case_from_fhir_path

    fixture = next((ROOT / "tests" / "interop").rglob("mcode-ctm-app_TrialMatching_Patient01.json"))
    notes = [n.message for n in case_from_fhir_path(fixture, as_of=dt.date(2025, 1, 1)).import_notes]
    pr = [n for n in notes if n.startswith("PR reported only as")]
    er = [n for n in notes if n.startswith("ER reported only as")]
    assert pr and er
    assert "ER-low" not in pr[0] and "1%" in pr[0]
    assert "ER-low" in er[0]
