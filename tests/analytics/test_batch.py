"""assess-batch: streaming input kinds, per-case errors, incremental Parquet, Dask scale-out."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from mbcnav.analytics.batch import BatchError, iter_input, iter_jsonl, plan_jsonl, run_batch
from mbcnav.analytics.synthetic import synthetic_cases
from mbcnav.assessment import Assessment
from mbcnav.case import Case
from mbcnav.cli import app

FHIR_FIXTURES = Path(__file__).parents[1] / "interop" / "fixtures"


def _write_jsonl(path: Path, cases: list[Any]) -> Path:
    with path.open("wb") as handle:
        for case in cases:
            handle.write(case if isinstance(case, bytes) else orjson.dumps(case))
            handle.write(b"\n")
    return path


def _bad_lines() -> list[Any]:
    return [
        b"{this is not json",
        {"id": "bad-calcium", "labs": {"calcium_mg_dl": 2.5}},  # mmol/L given as mg/dL
        {"id": "bad-drug", "prior_treatment": [{"drug": "notadrug"}]},
        {"id": "bad-field", "favourite_colour": "blue"},
    ]


def counting_assess(case: Case) -> Assessment:
    """Stand-in engine: proves the batch passes each parsed Case through the given function."""
    if case.id == "explode":
        raise RuntimeError("engine bug")
    from mbcnav.reasoning.assess import assess

    return assess(case)


def test_jsonl_batch_with_real_engine_collects_errors_and_keeps_going(tmp_path: Path) -> None:
    cases = list(synthetic_cases(40, seed=9))
    lines = cases[:20] + _bad_lines() + cases[20:]
    source = _write_jsonl(tmp_path / "cases.jsonl", lines)
    out = tmp_path / "out" / "results.parquet"
    summary = run_batch(source, out, chunk_size=7)
    table = pq.read_table(out)
    assert table.num_rows == 44 == summary.total
    assert summary.errors == 4 and summary.assessed == 40
    rows = {r["line"]: r for r in table.to_pylist()}
    assert "not valid JSON" in rows[21]["error"]
    assert rows[22]["case_id"] == "bad-calcium" and "mmol/L" in rows[22]["error"]
    assert rows[23]["error_field"] == "prior_treatment.0.drug" and "notadrug" in rows[23]["error"]
    assert rows[24]["error_field"] == "favourite_colour"
    good = [r for r in table.to_pylist() if r["error"] is None]
    assert {r["case_id"] for r in good} == {c["id"] for c in cases}
    assert all(r["subtype"] and r["urgency"] for r in good)
    assert sum(summary.subtypes.values()) == 40
    # a case stated as febrile neutropenia by labs is flagged in the output
    assert sum(summary.red_flags.values()) == sum(len(r["red_flags"]) for r in good)
    assert pq.ParquetFile(out).metadata.num_row_groups == 7  # written chunk by chunk, not at the end
    assert not (out.parent / "results.parquet.partial").exists()


def test_red_flag_case_is_reported_as_emergency(tmp_path: Path) -> None:
    case = {"id": "cord", "metastatic_sites": ["bone"], "symptoms": ["my back hurts and my legs feel weak"]}
    source = _write_jsonl(tmp_path / "one.jsonl", [case])
    run_batch(source, tmp_path / "r.parquet")
    row = pq.read_table(tmp_path / "r.parquet").to_pylist()[0]
    assert row["urgency"] == "emergency"
    assert "spinal_cord_compression" in row["red_flags"]


def test_engine_failure_on_one_case_is_an_error_row(tmp_path: Path) -> None:
    source = _write_jsonl(tmp_path / "c.jsonl", [{"id": "ok"}, {"id": "explode"}, {"id": "ok2"}])
    summary = run_batch(source, tmp_path / "r.parquet", assess=counting_assess)
    rows = pq.read_table(tmp_path / "r.parquet").to_pylist()
    assert [r["case_id"] for r in rows] == ["ok", "explode", "ok2"]
    assert rows[1]["error"] == "internal error: RuntimeError: engine bug"
    assert summary.errors == 1


def test_parquet_input_json_column_and_nested(tmp_path: Path) -> None:
    cases = list(synthetic_cases(12, seed=3))
    pq.write_table(pa.table({"case": [json.dumps(c) for c in cases]}), tmp_path / "json.parquet")
    simple = [
        {
            "id": f"n{i}",
            "patient": {"age": 50 + i},
            "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"},
            "metastatic_sites": ["liver"],
        }
        for i in range(5)
    ]
    simple.append({"id": "n-bad", "patient": {"age": 300}})
    pq.write_table(pa.Table.from_pylist(simple), tmp_path / "nested.parquet")
    summary = run_batch(tmp_path / "json.parquet", tmp_path / "a.parquet", chunk_size=5)
    assert summary.assessed == 12 and summary.errors == 0
    summary = run_batch(tmp_path / "nested.parquet", tmp_path / "b.parquet", chunk_size=4)
    assert summary.assessed == 5 and summary.subtypes == {"HR-/HER2+": 5}
    (bad,) = [r for r in pq.read_table(tmp_path / "b.parquet").to_pylist() if r["error"]]
    assert bad["line"] == 6 and bad["error_field"] == "patient.age"


def test_fhir_folder_one_patient_per_bundle(tmp_path: Path) -> None:
    folder = tmp_path / "fhir"
    folder.mkdir()
    bundle = FHIR_FIXTURES / "hl7-mcode-4.0.0_Bundle-mcode-patient-bundle-jenny-m.json"
    shutil.copy(bundle, folder / "jenny.json")
    # the same bundle as one NDJSON line, plus a broken line
    (folder / "more.ndjson").write_bytes(orjson.dumps(orjson.loads(bundle.read_bytes())) + b"\n{broken\n")
    summary = run_batch(folder, tmp_path / "f.parquet")
    rows = pq.read_table(tmp_path / "f.parquet").to_pylist()
    assert len(rows) == 3 and summary.assessed == 2 and summary.errors == 1
    assert rows[0]["subtype"] == rows[1]["subtype"] != None  # noqa: E711
    assert rows[2]["source"] == "more.ndjson" and rows[2]["line"] == 2


def test_bad_arguments_change_nothing(tmp_path: Path) -> None:
    with pytest.raises(BatchError, match="input not found"):
        run_batch(tmp_path / "missing.jsonl", tmp_path / "r.parquet")
    (tmp_path / "x.csv").write_text("a\n1\n")
    with pytest.raises(BatchError, match="jsonl"):
        list(iter_input(tmp_path / "x.csv"))
    source = _write_jsonl(tmp_path / "c.jsonl", [{"id": "a"}])
    with pytest.raises(BatchError, match="parquet"):
        run_batch(source, tmp_path / "r.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.jsonl", "x.csv"]


def test_two_worker_local_dask_cluster_matches_in_process(tmp_path: Path) -> None:
    cases = list(synthetic_cases(60, seed=21)) + _bad_lines()
    source = _write_jsonl(tmp_path / "c.jsonl", cases)
    local = run_batch(source, tmp_path / "one.parquet", chunk_size=10)
    dask = run_batch(source, tmp_path / "two.parquet", workers=2, chunk_size=10)
    assert dask.workers == 2
    one = pq.read_table(tmp_path / "one.parquet").to_pylist()
    two = pq.read_table(tmp_path / "two.parquet").to_pylist()
    assert one == two  # the workers' parts are merged back in input order
    assert (dask.errors, dask.subtypes) == (local.errors, local.subtypes) == (4, local.subtypes)
    assert dask.to_json() | {"workers": 1, "output": ""} == local.to_json() | {"output": ""}
    assert [e["line"] for e in dask.first_errors] == [61, 62, 63, 64]
    assert pq.ParquetFile(tmp_path / "two.parquet").metadata.num_row_groups == 7
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.jsonl", "one.parquet", "two.parquet"]


def test_jsonl_slices_cover_every_line_once_with_its_number(tmp_path: Path) -> None:
    lines = [b'{"id": "a"}', b"", b'{"id": "b"}', b"  ", b'{"id": "c"}', b'{"id": "d"}', b'{"id": "e"}']
    for ending in (b"\n", b""):  # with and without a final newline
        source = tmp_path / "c.jsonl"
        source.write_bytes(b"\n".join(lines) + ending)
        expected = [(r.line, r.payload) for r in iter_jsonl(source)]
        for size in (1, 2, 3, 7, 100):
            for block in (4, 5, 1 << 22):  # slice ends inside and across read blocks
                slices = list(plan_jsonl(source, size, block_size=block))
                got = [(r.line, r.payload) for s in slices for r in s.records()]
                assert got == expected, (size, block, ending)
                assert slices[0].start == 0 and slices[-1].end == source.stat().st_size
                assert all(a.end == b.start for a, b in itertools.pairwise(slices))
                assert len(slices) == -(-len(lines) // size)


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    source = _write_jsonl(tmp_path / "c.jsonl", [{"id": "a"}])
    result = CliRunner().invoke(
        app,
        [
            "assess-batch",
            str(source),
            "--out",
            str(tmp_path / "r.parquet"),
            "--scheduler",
            "tcp://127.0.0.1:9",
        ],
    )
    assert result.exit_code == 2
    assert "Dask scheduler" in result.output
    assert not (tmp_path / "r.parquet").exists()


def test_cli_summary_json(tmp_path: Path) -> None:
    source = _write_jsonl(tmp_path / "c.jsonl", [*synthetic_cases(15, seed=2), b"[1, 2]"])
    out = tmp_path / "r.parquet"
    result = CliRunner().invoke(
        app, ["assess-batch", str(source), "--out", str(out), "--json", "--chunk-size", "4"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["total"] == 16 and summary["errors"] == 1
    assert summary["first_errors"][0]["line"] == 16
    assert "a case must be a JSON object" in summary["first_errors"][0]["error"]
    assert sum(summary["subtypes"].values()) == 15


@pytest.mark.parametrize("shared_disk", [True, False])
def test_existing_scheduler_with_and_without_a_shared_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_disk: bool
) -> None:
    from distributed import LocalCluster

    import mbcnav.analytics.batch as batch

    if not shared_disk:  # workers that cannot see our files are sent the cases and send back rows
        monkeypatch.setattr(batch, "_sees", lambda paths: False)
    source = _write_jsonl(tmp_path / "c.jsonl", [*synthetic_cases(25, seed=5), *_bad_lines()])
    local = run_batch(source, tmp_path / "one.parquet", chunk_size=6)
    with LocalCluster(n_workers=2, processes=False, dashboard_address=None) as cluster:
        remote = run_batch(
            source, tmp_path / "two.parquet", scheduler=cluster.scheduler_address, chunk_size=6
        )
    key = lambda r: r["line"]  # noqa: E731 - without a shared disk, chunks land in completion order
    one = sorted(pq.read_table(tmp_path / "one.parquet").to_pylist(), key=key)
    two = sorted(pq.read_table(tmp_path / "two.parquet").to_pylist(), key=key)
    assert one == two and len(two) == 29
    assert remote.workers == 2
    assert remote.to_json() | {"workers": 1, "output": ""} == local.to_json() | {"output": ""}
    assert not (tmp_path / "two.parquet.parts").exists()
