"""An empty FHIR record (a Bundle with no entries) is refused the same way by the three command ways in:
`mbcnav import` and `mbcnav assess --fhir` exit 2 naming the problem, `mbcnav assess-batch` keeps it as
that case's error and goes on. Before, they assessed (or printed) an empty case as if it were a person.
A record with resources but no Patient (a lone Condition export) is still read, with a warning note that
age and sex are unknown; the CDS Hooks service, which needs whose record it is, answers 412."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from interop.test_cds_hooks import call, hook_request, needs_assess, prefetch_from
from mbcnav.cli import app
from mbcnav.errors import FhirMappingError
from mbcnav.interop.fhir import EMPTY_RECORD, NO_PATIENT, NO_PATIENT_NOTE, case_from_fhir

from . import mcode as M

FIXTURES = Path(__file__).parent / "fixtures"
JENNY = FIXTURES / "hl7-mcode-4.0.0_Bundle-mcode-patient-bundle-jenny-m.json"
runner = CliRunner()

EMPTY: dict[str, Any] = {"resourceType": "Bundle", "type": "collection"}
NO_ENTRIES: dict[str, Any] = {"resourceType": "Bundle", "type": "collection", "entry": []}
WITHOUT_PATIENT: dict[str, Any] = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [{"resource": M.lab("ca", "17861-6", 9.6, "mg/dL", "2024-06-01")}],
}
RECORDS = {"empty": EMPTY, "no_entries": NO_ENTRIES}


def _write(tmp_path: Path, name: str, record: dict[str, Any]) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


def test_the_messages_name_the_problem() -> None:
    assert EMPTY_RECORD.startswith("no FHIR resources")
    assert NO_PATIENT.startswith("no Patient resource")


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_import_refuses_an_empty_record(tmp_path: Path, name: str) -> None:
    result = runner.invoke(app, ["import", str(_write(tmp_path, name, RECORDS[name]))])
    assert result.exit_code == 2, result.output
    assert EMPTY_RECORD in " ".join(result.output.split())
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_assess_fhir_refuses_an_empty_record(tmp_path: Path, name: str) -> None:
    result = runner.invoke(app, ["assess", "--fhir", str(_write(tmp_path, name, RECORDS[name])), "--json"])
    assert result.exit_code == 2, result.output
    assert EMPTY_RECORD in " ".join(result.output.split())
    assert "subtype" not in result.stdout  # no assessment printed


def test_a_record_without_its_patient_is_read_with_a_warning(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(_write(tmp_path, "lab", WITHOUT_PATIENT)), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["case"]["labs"]["calcium_mg_dl"] == 9.6
    warnings = [n for n in document["import_notes"] if n["level"] == "warning"]
    assert any(n["message"] == NO_PATIENT_NOTE for n in warnings), document["import_notes"]


def test_assess_batch_keeps_it_as_that_cases_error_and_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "fhir"
    folder.mkdir()
    shutil.copy(JENNY, folder / "a_jenny.json")
    _write(folder, "b_empty", EMPTY)
    _write(folder, "c_no_entries", NO_ENTRIES)
    out = tmp_path / "r.parquet"
    result = runner.invoke(app, ["assess-batch", str(folder), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["total"] == 3 and summary["assessed"] == 1 and summary["errors"] == 2
    rows = pq.read_table(out).to_pylist()
    assert rows[0]["error"] is None and rows[0]["subtype"]
    for row in rows[1:]:
        assert row["subtype"] is None
        assert EMPTY_RECORD in row["error"], row


def test_the_library_default_still_reads_an_empty_record_leniently() -> None:
    """Library callers keep the lenient default; the commands ask for the refusal."""
    assert case_from_fhir(NO_ENTRIES).case.metastatic_sites == ()
    with pytest.raises(FhirMappingError, match="no FHIR resources"):
        case_from_fhir(NO_ENTRIES, refuse_empty=True)


@needs_assess
def test_cds_hooks_answers_412_with_the_same_words() -> None:
    prefetch = prefetch_from(json.loads(JENNY.read_text(encoding="utf-8")))
    prefetch["patient"] = EMPTY  # the client sent an empty Bundle where the Patient belongs
    body = hook_request("patient-view", prefetch=prefetch)
    resp = call("POST", "/cds-services/mbcnav-patient-view", json=body)
    assert resp.status_code == 412, resp.text
    assert NO_PATIENT in resp.json()["detail"]
