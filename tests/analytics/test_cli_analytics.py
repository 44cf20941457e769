"""The analytics commands through the CLI, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from mbcnav.cli import app

runner = CliRunner()


def test_km_command_writes_png_and_reports_logrank(tmp_path: Path) -> None:
    plot = tmp_path / "km.png"
    result = runner.invoke(
        app, ["analytics", "km", "--dataset", "gbsg2", "--by", "horTh", "--plot", str(plot)]
    )
    assert result.exit_code == 0, result.output
    assert "Log-rank" in result.output
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_km_svg_plot(tmp_path: Path) -> None:
    plot = tmp_path / "km.svg"
    result = runner.invoke(app, ["analytics", "km", "--dataset", "gbsg2", "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    assert "<svg" in plot.read_text()[:500]


def test_cox_json_has_hormonal_therapy_hazard_ratio() -> None:
    result = runner.invoke(app, ["analytics", "cox", "--dataset", "gbsg2", "--json"])
    assert result.exit_code == 0, result.output
    terms = {t["term"]: t for t in json.loads(result.stdout)["terms"]}
    assert round(terms["horThyes"]["hazard_ratio"], 3) == 0.707


def test_user_csv_with_column_options(tmp_path: Path) -> None:
    table = tmp_path / "cohort.csv"
    table.write_text(
        "os_months,died,arm\n" + "\n".join(f"{m},{m % 2},{'A' if m % 3 else 'B'}" for m in range(1, 41))
    )
    result = runner.invoke(
        app,
        [
            "analytics",
            "km",
            "--file",
            str(table),
            "--time",
            "os_months",
            "--event",
            "died",
            "--by",
            "arm",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {g["group"] for g in data["groups"]} == {"A", "B"}


def test_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    table = tmp_path / "cohort.csv"
    table.write_text("os_months,died\n1,1\n2,0\n")
    result = runner.invoke(
        app, ["analytics", "km", "--file", str(table), "--time", "months", "--event", "died"]
    )
    assert result.exit_code == 2
    assert "months" in result.output and "not found" in result.output
