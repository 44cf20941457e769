"""Cohort store: the filter language compiles to parameterised SQL over known columns only."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from mbcnav.analytics.cohort import CohortError, CohortStore, FilterError, compile_filter, open_cohort
from mbcnav.cli import app

COLUMNS = {"subtype": "VARCHAR", "age": "BIGINT", "sites": "VARCHAR[]", "site_text": "VARCHAR"}


@pytest.fixture()
def cohort_file(tmp_path: Path) -> Path:
    table = pa.table(
        {
            "id": ["a", "b", "c", "d", "e"],
            "subtype": ["TNBC", "TNBC", "HR+/HER2-", "HR-/HER2+", None],
            "age": [55, 44, 61, 70, 50],
            "sites": [["brain", "bone"], ["brain"], ["bone", "liver"], [], ["lung"]],
            "site_text": ["bone;brain", "brain", "bone, liver", "", "lung"],
        }
    )
    path = tmp_path / "cohort.parquet"
    pq.write_table(table, path)
    return path


def _ids(frame: pd.DataFrame) -> list[str]:
    return sorted(frame["id"])


def test_filter_examples(cohort_file: Path) -> None:
    with open_cohort(cohort_file) as store:
        assert _ids(store.where("subtype = 'TNBC' and age >= 50 and 'brain' in sites")) == ["a"]
        assert _ids(store.where("'brain' in site_text or 'liver' in site_text")) == ["a", "b", "c"]
        assert _ids(store.where("not (subtype = 'TNBC') and 'bone' not in sites")) == ["d"]
        assert _ids(store.where("age in (44, 70) or subtype is null")) == ["b", "d", "e"]
        assert _ids(store.where("60 < age")) == ["c", "d"]
        assert _ids(store.where('SUBTYPE == "TNBC" AND Age != 55')) == ["b"]
        # 'and' binds tighter than 'or', as in SQL
        assert _ids(store.where("subtype = 'HR-/HER2+' or subtype = 'TNBC' and age < 50")) == ["b", "d"]


def test_user_text_is_never_sql() -> None:
    hostile = "x' OR '1'='1"
    compiled = compile_filter(f"subtype = '{hostile.replace(chr(39), chr(39) * 2)}'", COLUMNS)
    assert compiled.sql == '("subtype" = ?)'
    assert compiled.params == (hostile,)


def test_injection_attempt_matches_nothing(cohort_file: Path) -> None:
    with open_cohort(cohort_file) as store:
        assert store.where("subtype = 'TNBC'' OR ''1''=''1'").empty
        assert store.count() == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("subtyp = 'TNBC'", "unknown column 'subtyp'"),
        ("subtype = TNBC", "text values need quotes, like 'TNBC'"),
        ("age >= 'old'", "holds numbers"),
        ("subtype = 5", "put the value in quotes"),
        ("sites = 'brain'", "holds lists"),
        ("age >= 50 and", "at the end"),
        ("age >= 50; DROP TABLE cohort", "unexpected character ';' at position 10"),
        ("(age > 5", "expected ')'"),
        ("age 50", "expected a comparison"),
        ("'brain' in age", "'in' needs a list or text column"),
        ("", "empty"),
    ],
)
def test_filter_errors_name_the_token(text: str, message: str) -> None:
    with pytest.raises(FilterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        compile_filter(text, COLUMNS)


def test_sql_is_read_only_and_cannot_reach_files(cohort_file: Path, tmp_path: Path) -> None:
    with open_cohort(cohort_file) as store:
        frame = store.sql("SELECT subtype, count(*) AS n FROM cohort GROUP BY 1 ORDER BY n DESC, 1")
        assert frame.iloc[0].tolist() == ["TNBC", 2]
        with pytest.raises(CohortError, match="file system operations are disabled"):
            store.sql(f"SELECT * FROM read_parquet('{cohort_file}')")
        with pytest.raises(CohortError, match="SELECT"):
            store.sql("DELETE FROM cohort")
        with pytest.raises(CohortError, match="exactly one"):
            store.sql("SELECT 1; SELECT 2")
        assert store.count() == 5


def test_summary_numbers_and_lists(cohort_file: Path) -> None:
    with open_cohort(cohort_file) as store:
        summary = {c["column"]: c for c in store.summary()["columns"]}
    assert summary["age"]["min"] == 44 and summary["age"]["max"] == 70 and summary["age"]["median"] == 55
    assert summary["sites"]["top"]["brain"] == 2 and summary["sites"]["top"]["bone"] == 2
    assert summary["subtype"]["missing"] == 1


def test_persistent_store_and_csv(tmp_path: Path) -> None:
    csv = tmp_path / "c.csv"
    csv.write_text("id,subtype,age\nx,TNBC,40\ny,TNBC,65\n")
    db = tmp_path / "store" / "cohorts.duckdb"
    with CohortStore(db) as store:
        assert store.load(csv, "mine") == 2
    with open_cohort(db, "mine") as store:
        assert _ids(store.where("age > 50", "mine")) == ["y"]
    with pytest.raises(CohortError, match="no table 'other'"):
        open_cohort(db, "other")
    with pytest.raises(CohortError, match="file not found"):
        open_cohort(tmp_path / "nope.csv")


def test_cli_query_and_summary(cohort_file: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["cohort", "query", str(cohort_file), "--where", "'brain' in sites and age >= 50", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert [row["id"] for row in json.loads(result.stdout)] == ["a"]
    result = runner.invoke(
        app, ["cohort", "query", str(cohort_file), "--sql", "SELECT max(age) AS m FROM cohort", "--json"]
    )
    assert json.loads(result.stdout) == [{"m": 70}]
    result = runner.invoke(app, ["cohort", "query", str(cohort_file), "--where", "colour = 'red'"])
    assert result.exit_code == 2
    assert "unknown column 'colour'" in result.output
    result = runner.invoke(app, ["cohort", "summary", str(cohort_file), "--json"])
    assert json.loads(result.stdout)["rows"] == 5


def test_query_batch_results(tmp_path: Path) -> None:
    """The output of assess-batch is a cohort: red-flag codes are a list column."""
    from mbcnav.analytics.batch import run_batch

    source = tmp_path / "c.jsonl"
    source.write_text(
        json.dumps(
            {"id": "cord", "metastatic_sites": ["bone"], "symptoms": ["my back hurts and my legs feel weak"]}
        )
        + "\n"
        + json.dumps({"id": "calm", "metastatic_sites": ["bone"]})
        + "\n"
    )
    run_batch(source, tmp_path / "r.parquet")
    with open_cohort(tmp_path / "r.parquet") as store:
        found = store.where("'spinal_cord_compression' in red_flags and urgency = 'emergency'")
    assert found["case_id"].tolist() == ["cord"]
