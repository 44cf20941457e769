"""Voice review items 10 (/work/scratch-voice/report.md): with no red flag, triage does not tell a
person "the cancer may be causing this" (numb fingers and toes are most often chemotherapy nerve damage:
ASCO CIPN guideline 2020, the knowledge base's symptom-numb-fingers item lists no site), and the sites
list does not repeat the same symptom words. The JSON contract (suspected_sites) is unchanged."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from mbcnav.cli import app
from mbcnav.reasoning.triage import triage

runner = CliRunner()
NUMB = "I noticed numbness in my fingers and toes"
CORD = "my back hurts and my legs feel weak"


def test_routine_public_cli_names_no_cancer_site() -> None:
    result = runner.invoke(app, ["triage", NUMB])
    assert result.exit_code == 0, result.output
    assert "may be causing" not in result.output
    assert "bone:" not in result.output
    assert "next visit" in result.output


def test_routine_json_keeps_the_suspected_sites_field() -> None:
    result = runner.invoke(app, ["triage", NUMB, "--json"])
    data = json.loads(result.stdout)
    assert data["urgency"] == "routine" and data["red_flags"] == []
    assert [s["site"] for s in data["suspected_sites"]] == ["bone"]


def test_routine_clinician_cli_lists_sites_as_no_red_flag() -> None:
    result = runner.invoke(app, ["triage", NUMB, "--audience", "clinician"])
    assert result.exit_code == 0, result.output
    assert "no red flag" in result.output and "bone" in result.output
    assert "may be causing" not in result.output


def test_red_flag_still_lists_sites_with_each_symptom_once() -> None:
    result = runner.invoke(app, ["triage", CORD])
    assert "Places the cancer may be causing this" in result.output
    why = triage(CORD).suspected_sites[0].why
    # before: "back or neck pain; new or worse back or neck pain; weak or heavy legs, ...; weak, heavy or
    # unsteady legs" (the same words twice)
    assert why.count("back or neck pain") == 1
    assert why.count("heavy") == 1
