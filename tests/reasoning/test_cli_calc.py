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
    assert "--height-cm" in result.output and result.stdout == ""
    result = runner.invoke(app, ["calc", "nosuch"])
    assert result.exit_code == 2 and "unknown calculator" in result.output
    result = runner.invoke(app, ["calc", "bsa", "--height-cm", "170"])
    assert result.exit_code == 2 and "--weight-kg" in result.output


def _error(result: object) -> str:
    """stderr as one line (rich wraps long messages at the terminal width)."""
    return " ".join(result.stderr.split())  # type: ignore[attr-defined]


def test_calc_recist_list_input_takes_one_value_several_or_a_repeat() -> None:
    base = ["calc", "recist", "--baseline-sum-mm", "100", "--current-sum-mm", "20", "--json"]
    one = runner.invoke(app, [*base, "--node-short-axes-mm", "12"])
    assert one.exit_code == 0, one.output
    # RECIST 1.1: a target node of 12 mm short axis is not normal (< 10 mm), so -80% is PR, not CR
    assert json.loads(one.stdout)["value"] == "PR"
    for nodes in (["8,6"], ["8", "--node-short-axes-mm", "6"], ["8, 6"]):
        result = runner.invoke(app, ["calc", "recist", "--baseline", "100", "--current", "14", "--json",
                                     "--node-short-axes-mm", *nodes])  # fmt: skip
        assert result.exit_code == 0, result.output
        # all nodes < 10 mm and the sum is the nodes' short axes (8 + 6 = 14): complete response
        assert json.loads(result.stdout)["value"] == "CR", nodes


def test_calc_bad_option_values_name_the_option_not_pydantic_internals() -> None:
    base = ["calc", "recist", "--baseline-sum-mm", "100", "--current-sum-mm", "20"]
    cases = [
        (["--node-short-axes-mm", "12,abc"], "--node-short-axes-mm: value 2 of the list: 'abc' is not a"),
        (["--node-short-axes-mm"], "--node-short-axes-mm: needs a value"),
        (["--node-short-axes-mm", "600"], "--node-short-axes-mm: each short axis must be between 0 and 500"),
        (["--new-lesions", "maybe"], "--new-lesions: 'maybe' is not true or false"),
        (["--nadir-sum-mm", "120"], "--nadir-sum-mm: the smallest sum cannot be larger than the baseline"),
        (["--colour", "blue"], "--colour: unknown input for recist"),
        (["--current", "30"], "--current-sum-mm: given more than once"),
    ]
    for extra, expected in cases:
        result = runner.invoke(app, [*base, *extra, "--json"])
        assert result.exit_code == 2, extra
        assert expected in _error(result), (extra, result.stderr)
        assert result.stdout == "" and "Input should be" not in result.output and "tuple" not in result.output
    result = runner.invoke(app, ["calc", "recist", "--baseline-sum-mm", "100,", "--current-sum-mm", "20"])
    assert result.exit_code == 2 and "--baseline-sum-mm: '100,' is not a number" in _error(result)
    result = runner.invoke(app, ["calc", "mirels", "--site", "knee", "--pain", "mild", "--lesion", "lytic",
                                 "--cortex-fraction", "0.5"])  # fmt: skip
    assert result.exit_code == 2 and "--site: 'knee' is not one of" in _error(result)
    result = runner.invoke(app, ["calc", "bsa", "--height-cm", "10", "--weight-kg", "70"])
    assert "--height-cm: must be at least 100 (got 10)" in _error(result)


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


def test_triage_takes_the_web_checkers_labs_as_options_or_in_the_text_fda_label_zoledronic_acid() -> None:
    """The four labs of the web symptom checker (temperature, ANC, calcium, albumin) as options; the
    same numbers written in the text give the same flag."""
    options = ["--calcium-mg-dl", "11.5", "--albumin-g-dl", "2.5", "--json"]
    by_option = json.loads(runner.invoke(app, ["triage", "feeling tired", *options]).stdout)
    in_text = json.loads(
        runner.invoke(app, ["triage", "feeling tired, calcium 11.5 albumin 2.5", "--json"]).stdout
    )
    for data in (by_option, in_text):
        assert data["urgency"] == "urgent"
        assert [f["code"] for f in data["red_flags"]] == ["hypercalcemia"]
        assert "corrected calcium 12.7" in data["red_flags"][0]["rationale"]
    fn = runner.invoke(app, ["triage", "shivery", "--temp-c", "38.5", "--anc-per-ul", "300", "--json"])
    assert json.loads(fn.stdout)["urgency"] == "emergency"
    bad = runner.invoke(app, ["triage", "hot", "--temp-c", "101"])
    assert bad.exit_code == 2 and "temp_c" in bad.output and "°F" in bad.output


def test_schema_case_and_assessment() -> None:
    case = json.loads(runner.invoke(app, ["schema", "case"]).stdout)
    assert "patient" in case["properties"] and case["additionalProperties"] is False
    assessment = json.loads(runner.invoke(app, ["schema", "assessment"]).stdout)
    assert "red_flags" in assessment["properties"]
    assert runner.invoke(app, ["schema", "nosuch"]).exit_code == 2
