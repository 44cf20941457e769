"""CLI: `mbcnav calc`, `mbcnav triage`, `mbcnav schema` (exit codes and JSON shapes)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from mbcnav.cli import app

runner = CliRunner()


def test_calc_bsa_json() -> None:
    result = runner.invoke(app, ["calc", "bsa", "--height-cm", "180", "--weight-kg", "80", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["value"] == 2.0 and data["values"]["dubois_m2"] > 1.9
    assert set(data) >= {"name", "value", "public", "clinician", "sources"}


def test_calc_crcl_and_recist_short_names() -> None:
    result = runner.invoke(
        app,
        [
            "calc",
            "crcl",
            "--age",
            "60",
            "--weight-kg",
            "70",
            "--creatinine-mg-dl",
            "1.0",
            "--sex",
            "F",
            "--json",
        ],
    )
    assert json.loads(result.stdout)["value"] == 66.1
    result = runner.invoke(app, ["calc", "recist", "--baseline", "100", "--current", "65", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["value"] == "PR"


def test_calc_rich_output_and_listing() -> None:
    result = runner.invoke(
        app,
        [
            "calc",
            "mirels",
            "--site",
            "lower_limb",
            "--pain",
            "moderate",
            "--lesion",
            "lytic",
            "--cortex-fraction",
            "0.5",
        ],
    )
    assert result.exit_code == 0 and "9" in result.stdout
    assert "breast_gpa_2020" in runner.invoke(app, ["calc"]).stdout


def test_calc_bad_input_exits_2_naming_the_field() -> None:
    result = runner.invoke(app, ["calc", "bsa", "--height-cm", "10", "--weight-kg", "70", "--json"])
    assert result.exit_code == 2
    assert "height_cm" in result.output and result.stdout == ""
    result = runner.invoke(app, ["calc", "nosuch"])
    assert result.exit_code == 2 and "unknown calculator" in result.output
    result = runner.invoke(app, ["calc", "bsa", "--height-cm", "170"])
    assert result.exit_code == 2 and "weight_kg" in result.output


def test_triage_json_shape() -> None:
    result = runner.invoke(app, ["triage", "my back hurts and my legs feel weak", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) >= {"text", "urgency", "red_flags", "suspected_sites", "advice"}
    assert data["urgency"] == "emergency"
    flag = data["red_flags"][0]
    assert set(flag) >= {"code", "urgency", "public", "clinician", "sources"}
    assert set(data["advice"]) == {"public", "clinician"}
    assert data["suspected_sites"][0].keys() >= {"site", "why", "sources"}


def test_triage_rich_output() -> None:
    result = runner.invoke(app, ["triage", "I had a seizure"])
    assert result.exit_code == 0 and "EMERGENCY" in result.stdout


def test_triage_empty_text_exits_2() -> None:
    assert runner.invoke(app, ["triage", "  "]).exit_code == 2


def test_schema_case_and_assessment() -> None:
    case = json.loads(runner.invoke(app, ["schema", "case"]).stdout)
    assert "patient" in case["properties"] and case["additionalProperties"] is False
    assessment = json.loads(runner.invoke(app, ["schema", "assessment"]).stdout)
    assert "red_flags" in assessment["properties"]
    assert runner.invoke(app, ["schema", "nosuch"]).exit_code == 2
