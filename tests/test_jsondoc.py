"""Every command that reads a JSON file a person saved accepts a UTF-8 byte order mark (Notepad writes
one): `assess` did, `import` and `assess-batch` refused it as "not valid JSON"."""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow.parquet as pq
from typer.testing import CliRunner

from mbcnav.cli import app

BOM = b"\xef\xbb\xbf"
FIXTURES = Path(__file__).parent / "interop" / "fixtures"
CASE = {"id": "bom-case", "tumor": {"er_percent": 90, "her2_ihc": "1+"}, "metastatic_sites": ["bone"]}


def test_import_reads_a_fhir_file_and_ndjson_with_a_bom(tmp_path: Path) -> None:
    brain = FIXTURES / "hl7-mcode-4.0.0_Condition-secondary-cancer-condition-brain-mets.json"
    condition = brain.read_bytes()
    for name, body in (("c.json", condition), ("c.ndjson", orjson.dumps(orjson.loads(condition)) + b"\n")):
        path = tmp_path / name
        path.write_bytes(BOM + body)
        result = CliRunner().invoke(app, ["import", str(path), "--json"])
        assert result.exit_code == 0, result.output
        assert orjson.loads(result.stdout)["case"]["metastatic_sites"] == ["brain"]


def test_assess_batch_reads_a_json_list_and_json_lines_with_a_bom(tmp_path: Path) -> None:
    for name, body in (("cases.json", orjson.dumps([CASE])), ("cases.jsonl", orjson.dumps(CASE) + b"\n")):
        source, out = tmp_path / name, tmp_path / f"{name}.parquet"
        source.write_bytes(BOM + body)
        result = CliRunner().invoke(app, ["assess-batch", str(source), "--out", str(out), "--workers", "1"])
        assert result.exit_code == 0, result.output
        table = pq.read_table(out).to_pylist()
        assert [row["case_id"] for row in table] == ["bom-case"] and not table[0].get("error")
