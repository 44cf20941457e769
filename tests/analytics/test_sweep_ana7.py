"""Acceptance sweep (issue 8, biostatistician) fixes: each test names the defect it guards. Reference
numbers come from lifelines run directly on the same rows, or from the data's known unit (GBSG2 times
are days: Schumacher 1994 J Clin Oncol 12:2086, as shipped in lifelines)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from mbcnav.analytics.cohort import CohortError, open_cohort
from mbcnav.analytics.datasets import DatasetError, load_dataset, read_table, survival_frame
from mbcnav.analytics.plots import km_figure_bytes
from mbcnav.analytics.survival import MAX_LEVELS, cox, fmt_p, kaplan_meier
from mbcnav.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def gbsg2() -> pd.DataFrame:
    frame, _ = load_dataset("gbsg2")
    return survival_frame(frame, "time", "event")


def _csv(tmp_path: Path, frame: pd.DataFrame, name: str = "g.csv") -> Path:
    """GBSG2 as a user would export it: plain text yes/no, outcome column called cens."""
    path = tmp_path / name
    frame.astype({"horTh": str, "menostat": str, "tgrade": str}).rename(columns={"event": "cens"}).to_csv(
        path, index=False
    )
    return path


def _cox_cli(path: Path, *args: str) -> object:
    return runner.invoke(
        app, ["analytics", "cox", "--file", str(path), "--time", "time", "--event", "cens", *args]
    )


# ------------------------------------------------------------- 1: --time-unit converts a dataset's time


def test_gbsg2_median_in_months_is_days_over_30_4375(gbsg2: pd.DataFrame) -> None:
    days = kaplan_meier(gbsg2, "horTh")
    result = runner.invoke(
        app, ["analytics", "km", "-d", "gbsg2", "--by", "horTh", "--time-unit", "months", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["time_unit"] == "months"
    assert data["time_conversion"] == {"from": "days", "to": "months", "divided_by": 30.4375}
    for in_days, in_months in zip(days.groups, data["groups"], strict=True):
        assert in_months["median"] == pytest.approx(in_days.median / 30.4375)
    # horTh=no: 1528 days is about 50 months, never "1528 months"
    assert 50 < data["groups"][0]["median"] < 51


def test_time_unit_for_a_dataset_says_it_converted_and_refuses_unknown_units() -> None:
    table = runner.invoke(app, ["analytics", "km", "-d", "gbsg2", "--time-unit", "years"])
    assert table.exit_code == 0 and "converted from days to years: days / 365.25" in table.output
    bad = runner.invoke(app, ["analytics", "km", "-d", "gbsg2", "--time-unit", "fortnights"])
    assert bad.exit_code == 2 and "--time-unit" in bad.output and "Traceback" not in bad.output


def test_time_unit_with_a_file_is_still_a_label(tmp_path: Path, gbsg2: pd.DataFrame) -> None:
    path = _csv(tmp_path, gbsg2)
    result = runner.invoke(
        app, ["analytics", "km", "-f", str(path), "--event", "cens", "--time-unit", "days", "--json"]
    )
    data = json.loads(result.output)
    assert data["time_unit"] == "days" and "time_conversion" not in data
    assert data["groups"][0]["median"] == pytest.approx(kaplan_meier(gbsg2).groups[0].median)


# ------------------------------------------------------------------------ 2: Cox reports excluded rows


def test_cox_reports_rows_without_age(tmp_path: Path, gbsg2: pd.DataFrame) -> None:
    frame = gbsg2.copy()
    frame.loc[frame.index[:5], "age"] = np.nan
    path = _csv(tmp_path, frame)
    result = _cox_cli(path, "-c", "horTh,age", "--json")
    data = json.loads(result.output)
    assert data["n"] == 681 and data["excluded"] == 5 and "'age' (5 rows)" in data["excluded_reason"]
    table = _cox_cli(path, "-c", "horTh,age")
    assert "5 row(s) left out of the model: no value in 'age' (5 rows)" in table.output


def test_desmedt_unknown_grade_rows_are_reported() -> None:
    data = json.loads(runner.invoke(app, ["analytics", "cox", "-d", "desmedt2007", "--json"]).output)
    assert data["n"] == 196 and data["excluded"] == 2 and "'grade'" in data["excluded_reason"]


def test_missing_text_value_is_not_a_level_of_its_own(gbsg2: pd.DataFrame) -> None:
    """A blank menostat must drop the row (as R), not become a level 'nan' or the reference level."""
    from lifelines import CoxPHFitter

    frame = gbsg2.assign(menostat=gbsg2["menostat"].astype(object))
    frame.loc[frame.index[:7], "menostat"] = None
    result = cox(frame, ["menostat"])
    assert [t.term for t in result.terms] == ["menostatPre"] or [t.term for t in result.terms] == [
        "menostatPost"
    ]
    assert result.excluded == 7 and result.n == 679
    kept = frame.dropna(subset=["menostat"])
    direct = CoxPHFitter().fit(
        pd.DataFrame(
            {"x": (kept["menostat"] == "Pre").astype(float), "time": kept["time"], "event": kept["event"]}
        ),
        "time",
        "event",
    )
    assert abs(result.terms[0].coef) == pytest.approx(abs(float(direct.params_["x"])), rel=1e-6)


# ---------------------------------------------------------------- 3: web texts for the synthetic cohort


def test_web_synthetic_page_and_svg_say_synthetic(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from mbcnav.web.app import create_app
    from mbcnav.web.config import Settings

    client = TestClient(
        create_app(Settings(data_dir=tmp_path, database_url="")), headers={"accept": "text/html"}
    )
    page = client.get("/analytics", params={"dataset": "synthetic"}).text
    intro = re.search(r'<p id="analytics-intro">(.*?)</p>', page, re.S)
    assert intro and "published studies" not in intro.group(1) and "not real patients" in intro.group(1)
    client.cookies.set("mbcnav_audience", "clinician")
    clinician = client.get("/analytics", params={"dataset": "synthetic"}).text
    intro = re.search(r'<p id="analytics-intro">(.*?)</p>', clinician, re.S)
    assert intro and "shipped in lifelines" not in intro.group(1) and "not real patients" in intro.group(1)
    real = client.get("/analytics", params={"dataset": "gbsg2"}).text
    assert "Not MBC cohorts" in real
    svg = client.get("/analytics/km.svg", params={"dataset": "synthetic", "by": "subtype"}).text
    assert "SYNTHETIC" in svg and "not real patients" in svg


# ------------------------------------------------------------------- 4: too many levels are refused


def test_id_column_as_covariate_is_refused_naming_it() -> None:
    result = runner.invoke(app, ["analytics", "cox", "-d", "synthetic", "-c", "id"])
    assert result.exit_code == 2
    assert "'id'" in result.output and str(MAX_LEVELS) in result.output and "Traceback" not in result.output


def test_km_by_many_groups_refused_and_some_warned(tmp_path: Path, gbsg2: pd.DataFrame) -> None:
    many = runner.invoke(app, ["analytics", "km", "-d", "gbsg2", "--by", "age"])
    assert many.exit_code == 2 and "'age'" in many.output and str(MAX_LEVELS) in many.output
    frame = gbsg2.assign(decade=(gbsg2["age"] // 10).astype(int).astype(str))  # 7 groups
    path = _csv(tmp_path, frame)
    some = runner.invoke(app, ["analytics", "km", "-f", str(path), "--event", "cens", "--by", "decade"])
    assert some.exit_code == 0 and "more than 6 curves" in some.output


# ---------------------------------------------------------------- 5: degenerate fits say what is wrong


def test_complete_separation_is_one_warning_naming_the_covariate(tmp_path: Path, gbsg2: pd.DataFrame) -> None:
    path = _csv(tmp_path, gbsg2.assign(sep=gbsg2["event"]))
    result = _cox_cli(path, "-c", "horTh,sep", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert len(data["warnings"]) == 1 and "for sep:" in data["warnings"][0]
    table = _cox_cli(path, "-c", "horTh,sep")
    assert "ConvergenceWarning" not in table.output and "separation" in table.output


def test_constant_covariate_is_named(tmp_path: Path, gbsg2: pd.DataFrame) -> None:
    path = _csv(tmp_path, gbsg2.assign(const=1))
    result = _cox_cli(path, "-c", "horTh,const")
    assert result.exit_code == 2 and "'const' has no variation" in result.output


def test_clean_fit_has_no_warnings(gbsg2: pd.DataFrame) -> None:
    assert cox(gbsg2, ["horTh", "age"]).warnings == []


# ------------------------------------------------------------------ 6: --ordered must name a covariate


def test_ordered_for_a_non_covariate_is_an_error(tmp_path: Path, gbsg2: pd.DataFrame) -> None:
    path = _csv(tmp_path, gbsg2)
    result = _cox_cli(path, "-c", "tgrade", "--ordered", "foo=I,II")
    assert result.exit_code == 2 and "--ordered 'foo'" in result.output
    good = _cox_cli(path, "-c", "tgrade", "--ordered", "tgrade=I,II,III", "--json")
    assert [t["term"] for t in json.loads(good.output)["terms"]] == ["tgrade.L", "tgrade.Q"]


# ------------------------------------------------------------- 7: cohort reads CSV as analytics does


def test_cohort_keeps_yes_no_as_text_like_analytics(tmp_path: Path, gbsg2: pd.DataFrame) -> None:
    path = _csv(tmp_path, gbsg2)
    with open_cohort(path) as store:
        types = store.columns()
        rows = store.where("horTh = 'yes'")
    assert types["horTh"] == "VARCHAR" and len(rows) == 246
    assert str(read_table(path)["horTh"].dtype) in {"object", "str", "string"}
    summary = runner.invoke(app, ["cohort", "summary", str(path), "--json"])
    horth = next(c for c in json.loads(summary.output)["columns"] if c["column"] == "horTh")
    assert horth["type"] == "VARCHAR" and horth["top"] == {"no": 440, "yes": 246}


def test_cohort_limit_below_one_names_limit(tmp_path: Path, gbsg2: pd.DataFrame) -> None:
    path = _csv(tmp_path, gbsg2)
    result = runner.invoke(app, ["cohort", "query", str(path), "--limit", "-1"])
    assert result.exit_code == 2 and "--limit" in result.output and "sql" not in result.output
    with open_cohort(path) as store, pytest.raises(CohortError):
        store.where("true", limit=0)


# --------------------------------------------------- 8: the plot's at-risk row is the table's at-risk row


def test_plot_at_risk_numbers_match_the_table(gbsg2: pd.DataFrame) -> None:
    result = kaplan_meier(gbsg2, "horTh")
    yes = next(g for g in result.groups if g.group == "yes")
    # an event falls exactly on day 500: time >= 500 (R's summary.survfit, lifelines' at_risk) is 208
    assert yes.at_risk["500"] == 208
    svg = km_figure_bytes(gbsg2, "horTh", fmt="svg", result=result).decode()
    texts = [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    for group in result.groups:
        start = texts.index(f"horTh={group.group}")
        assert texts[start + 1 : start + 1 + len(group.at_risk)] == [str(v) for v in group.at_risk.values()]


# ---------------------------------------------------------------------------- 10: readable p-values


@pytest.mark.parametrize(
    ("p", "shown"),
    [(0.0, "< 2e-16"), (1e-300, "< 2e-16"), (0.00034, "3.40e-04"), (0.00343, "0.00343"), (0.99985, "> 0.99")],
)
def test_p_values_as_the_field_prints_them(p: float, shown: str) -> None:
    assert fmt_p(p) == shown


def test_nr_footnote_only_when_nr_appears() -> None:
    synthetic = runner.invoke(app, ["analytics", "km", "-d", "synthetic", "--by", "subtype"])
    assert synthetic.exit_code == 0 and "NR" not in synthetic.output
    gbsg = runner.invoke(app, ["analytics", "km", "-d", "gbsg2", "--by", "horTh"])
    assert "NR: not reached" in gbsg.output


def test_tiny_logrank_p_is_not_zero(tmp_path: Path, gbsg2: pd.DataFrame) -> None:
    frame = gbsg2.assign(arm=np.where(gbsg2["event"] == 1, "a", "b"))
    frame.loc[frame["arm"] == "a", "time"] = frame.loc[frame["arm"] == "a", "time"] / 20
    path = _csv(tmp_path, frame)
    result = runner.invoke(app, ["analytics", "km", "-f", str(path), "--event", "cens", "--by", "arm"])
    assert "p < 2e-16" in result.output and "p = 0\n" not in result.output


def test_library_ordered_for_a_non_covariate_is_refused() -> None:
    with pytest.raises(DatasetError):
        cox(survival_frame(load_dataset("gbsg2")[0], "time", "event"), ["horTh"], ordered={"age": ("1",)})
