"""Sweep 8 fixes in assess-batch and cohort: argument checks before any work, JSON lists, FHIR
bulk exports with shared resources, input order on a remote cluster, clean exits."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import mbcnav.analytics.batch as batch
from mbcnav.analytics.batch import BatchError, run_batch
from mbcnav.analytics.synthetic import synthetic_cases
from mbcnav.cli import app

SRC = Path(__file__).resolve().parents[2] / "src"
runner = CliRunner()


def _jsonl(path: Path, cases: list[Any]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(c) + b"\n" for c in cases))
    return path


def _one_line(output: str) -> str:
    return " ".join(output.split())  # the console wraps long lines at its width


# --------------------------------------------------------------- 2: relative paths with --scheduler


def test_scheduler_gets_absolute_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker started in another directory must find the input: the client sends absolute paths."""
    from distributed import LocalCluster

    _jsonl(tmp_path / "c.jsonl", synthetic_cases(12, seed=3))
    planned: list[Path] = []
    real_plan = batch.plan_jsonl
    monkeypatch.setattr(
        batch, "plan_jsonl", lambda path, n, **kw: (planned.append(path), real_plan(path, n, **kw))[1]
    )
    monkeypatch.chdir(tmp_path)
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        summary = run_batch("c.jsonl", "out/r.parquet", scheduler=cluster.scheduler_address, chunk_size=5)
    assert summary.total == 12 and summary.output == "out/r.parquet"
    assert planned and all(Path(p).is_absolute() for p in planned)
    assert pq.read_table(tmp_path / "out" / "r.parquet").num_rows == 12


# ------------------------------------------------------------------------ 3: --out is the input


@pytest.mark.parametrize("same", ["identical", "relative", "hardlink"])
def test_out_equal_to_input_is_refused_and_nothing_touched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, same: str
) -> None:
    source = tmp_path / "cases.parquet"
    pq.write_table(
        __import__("pyarrow").table({"case": [orjson.dumps(c).decode() for c in synthetic_cases(5, seed=1)]}),
        source,
    )
    before = source.read_bytes()
    monkeypatch.chdir(tmp_path)
    out = {"identical": str(source), "relative": "./cases.parquet", "hardlink": "link.parquet"}[same]
    if same == "hardlink":
        os.link(source, tmp_path / "link.parquet")
    result = runner.invoke(app, ["assess-batch", str(source), "--out", out])
    assert result.exit_code == 2, result.output
    assert "is the input file" in _one_line(result.output)
    assert source.read_bytes() == before
    assert not list(tmp_path.glob("*.partial")) and not list(tmp_path.glob("*.parts"))


# ------------------------------------------------------------------- 5, 14: one-line argument errors


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--scheduler", "notanaddress"], "not a Dask scheduler address"),
        (["--scheduler", "tcp://127.0.0.1:9", "--workers", "2"], "--workers starts a local cluster"),
    ],
)
def test_scheduler_mistakes_are_one_line_exit_2_without_progress(
    tmp_path: Path, extra: list[str], fragment: str
) -> None:
    source = _jsonl(tmp_path / "c.jsonl", synthetic_cases(3, seed=1))
    result = runner.invoke(app, ["assess-batch", str(source), "--out", str(tmp_path / "r.parquet"), *extra])
    assert result.exit_code == 2, result.output
    text = _one_line(result.output)
    assert fragment in text and "internal error" not in text
    assert "assessing" not in text  # 12: no progress bar before the error


def test_bad_sql_is_one_line_exit_2(tmp_path: Path) -> None:
    source = _jsonl(tmp_path / "c.jsonl", synthetic_cases(3, seed=1))
    run_batch(source, tmp_path / "r.parquet")
    for sql in ("selct * from cohort", "select 'abc from cohort"):
        result = runner.invoke(app, ["cohort", "query", str(tmp_path / "r.parquet"), "--sql", sql])
        assert result.exit_code == 2, result.output
        assert "--sql cannot be parsed" in _one_line(result.output)


# ------------------------------------------------------------------------- 7: a .json list of cases


def test_json_list_is_read_like_mbcnav_assess(tmp_path: Path) -> None:
    cases = list(synthetic_cases(3, seed=4))
    listed = tmp_path / "list.json"
    listed.write_bytes(orjson.dumps(cases))
    lines = _jsonl(tmp_path / "same.ndjson", cases)
    from_list = run_batch(listed, tmp_path / "a.parquet")
    run_batch(lines, tmp_path / "b.parquet")
    assert from_list.total == 3 and from_list.errors == 0
    strip = lambda rows: [{k: v for k, v in r.items() if k != "source"} for r in rows]  # noqa: E731
    assert strip(pq.read_table(tmp_path / "a.parquet").to_pylist()) == strip(
        pq.read_table(tmp_path / "b.parquet").to_pylist()
    )
    broken = tmp_path / "broken.json"
    broken.write_bytes(b"{not json")
    with pytest.raises(BatchError, match=r"\.jsonl"):
        run_batch(broken, tmp_path / "c.parquet")


# -------------------------------------------------- 10: FHIR bulk export with shared resources


def test_bulk_export_skips_organizations_and_practitioners(tmp_path: Path) -> None:
    folder = tmp_path / "bulk"
    folder.mkdir()
    patient = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1960-01-01"}
    condition = {
        "resourceType": "Condition",
        "id": "c1",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "Metastatic breast cancer"},
    }
    _jsonl(folder / "Patient.ndjson", [patient])
    _jsonl(folder / "Condition.ndjson", [condition])
    _jsonl(folder / "Organization.ndjson", [{"resourceType": "Organization", "id": "o1"}])
    _jsonl(
        folder / "Practitioner.ndjson",
        [{"resourceType": "Practitioner", "id": "d1"}, {"resourceType": "Practitioner", "id": "d2"}],
    )
    result = runner.invoke(app, ["assess-batch", str(folder), "--out", str(tmp_path / "r.parquet"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["total"] == 1
    assert summary["skipped"] == {"Practitioner": 2, "Organization": 1}
    assert all("no patient reference" not in (e["error"] or "") for e in summary["first_errors"])


# --------------------------------------------------------- 11: input order on a remote cluster


def _slow_first(case: Any) -> Any:
    """The engine, but the first case takes a while: its slice finishes after the later ones."""
    from mbcnav.reasoning.assess import assess

    if case.id == "synthetic-0":
        time.sleep(1.5)
    return assess(case)


def test_remote_cluster_without_shared_disk_keeps_input_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from distributed import LocalCluster

    monkeypatch.setattr(batch, "_sees", lambda paths: False)  # workers cannot see our disk
    source = _jsonl(tmp_path / "c.jsonl", synthetic_cases(24, seed=6))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        run_batch(
            source,
            tmp_path / "r.parquet",
            scheduler=cluster.scheduler_address,
            chunk_size=4,
            assess=_slow_first,
        )
    lines = [row["line"] for row in pq.read_table(tmp_path / "r.parquet").to_pylist()]
    assert lines == list(range(1, 25))


def test_in_order_writer_reorders_late_tables(tmp_path: Path) -> None:
    import pyarrow as pa

    writer = pq.ParquetWriter(tmp_path / "o.parquet", pa.schema([("i", pa.int64())]))
    in_order = batch._InOrder(writer)
    for index in (2, 0, 3, 1):
        in_order.add(index, pa.table({"i": [index]}))
    assert in_order.waiting == 0
    writer.close()
    assert pq.read_table(tmp_path / "o.parquet")["i"].to_pylist() == [0, 1, 2, 3]


# ----------------------------------------------------------------------- 14: alerts name their drug


def test_alert_codes_name_their_drug_once(tmp_path: Path) -> None:
    source = _jsonl(tmp_path / "c.jsonl", synthetic_cases(300, seed=11))
    summary = run_batch(source, tmp_path / "r.parquet", chunk_size=100)
    rows = pq.read_table(tmp_path / "r.parquet").to_pylist()
    alerts = [row["alerts"] for row in rows if row["alerts"]]
    assert alerts, "the synthetic cohort should raise some safety alerts"
    assert all(len(a) == len(set(a)) for a in alerts)
    assert any(":" in code for a in alerts for code in a)
    # the summary counts cases, not occurrences
    for code, cases in summary.alerts.items():
        assert cases == sum(any(a.split(":", 1)[0] == code for a in row) for row in alerts)


# ------------------------------------------------------------------------ 12: SIGTERM cleans up


@pytest.mark.slow
def test_sigterm_cleans_up_like_ctrl_c(tmp_path: Path) -> None:
    source = _jsonl(tmp_path / "c.jsonl", synthetic_cases(3000, seed=2))
    out = tmp_path / "r.parquet"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mbcnav",
            "assess-batch",
            str(source),
            "--out",
            str(out),
            "--chunk-size",
            "50",
        ],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    partial = out.with_name(out.name + ".partial")
    deadline = time.monotonic() + 60
    while not partial.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    assert partial.exists(), "the batch should have started writing"
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, err
    assert not partial.exists() and not out.exists()
    assert not out.with_name(out.name + ".parts").exists()
    assert b"Traceback" not in err
