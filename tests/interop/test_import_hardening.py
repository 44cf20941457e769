"""Security review items 9-11 on the way in: control and direction characters in a Case, references to
a patient on another FHIR server, and a long lab history's conflict notes."""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from interop import mcode as M
from mbcnav.case import parse_case
from mbcnav.errors import CaseValidationError
from mbcnav.interop.fhir import case_from_fhir

MBCNAV = [str(Path(sys.executable).parent / "mbcnav")]
AS_OF = dt.date(2024, 7, 1)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MBCNAV, *args], capture_output=True, text=True, timeout=120, check=False)


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(CaseValidationError) as exc:
        parse_case(data)
    return list(exc.value.problems)


# ------------------------------------------------------------------ item 9: control and bidi characters


@pytest.mark.parametrize(
    ("data", "field", "shown"),
    [
        ({"id": "nul\u0000id"}, "id", "U+0000"),
        ({"symptoms": ["back pain", "evil\u202e"]}, "symptoms.1", "U+202E"),
        ({"notes": ["a \u2066isolate\u2069"]}, "notes.0", "U+2066"),
        ({"notes": ["bell\u0007"]}, "notes.0", "U+0007"),
    ],
)
def test_control_and_direction_characters_are_refused_naming_the_field(
    data: dict[str, Any], field: str, shown: str
) -> None:
    """Before: accepted and shown raw (a NUL in the page and PDF; U+202E showed 'evil' reversed)."""
    (problem,) = problems(data)
    assert problem[0] == field and shown in problem[1]


def test_ordinary_text_with_line_breaks_tabs_and_other_scripts_is_kept() -> None:
    case = parse_case({"id": "case-1", "notes": ["line one\nline two\tTab", "עברית ok", "日本語"]})
    assert case.notes[0] == "line one\nline two\tTab"


def test_import_prints_control_characters_escaped(tmp_path: Path) -> None:
    """Before: '\u202enefixomat' reached the terminal raw and showed as 'tamoxifen'."""
    record = M.hr_positive_renal_record()
    record["entry"].append({"resource": M.med_request("h3", "\u202enefixomat", status="active")})
    record["entry"].append({"resource": M.med_request("h4", "[bold]tam\u0000oxifen[/]", status="active")})
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    proc = run("import", str(path), "--as-of", "2024-07-01")
    assert proc.returncode == 0, proc.stderr
    assert "\u202e" not in proc.stderr and "\x00" not in proc.stderr
    flat = "".join(line.strip("│┃ ") for line in proc.stderr.splitlines())
    assert "\\u202enefixomat" in flat.replace(" ", "") and "[bold]tam\\x00oxifen[/]" in flat.replace(" ", "")


# ------------------------------------------------------------------ item 10: another server's patient


def with_subjects(record: dict[str, Any], reference: str, patient_url: str | None = None) -> dict[str, Any]:
    record = copy.deepcopy(record)
    for entry in record["entry"]:
        res = entry["resource"]
        if res["resourceType"] == "Patient":
            if patient_url:
                entry["fullUrl"] = patient_url
        elif "subject" in res:
            res["subject"] = {"reference": reference}
    return record


def test_a_subject_on_another_server_is_kept_with_a_note_naming_it() -> None:
    """The Patient names no server, so the id is the only link: the data are read (dropping the
    creatinine would hide its renal alert) and a warning says which reference was taken as this patient."""
    record = with_subjects(M.hr_positive_renal_record(), "https://evil.example/fhir/Patient/p1")
    result = case_from_fhir(record, as_of=AS_OF)
    assert result.case.labs.creatinine_mg_dl == 1.62
    notes = [n for n in result.import_notes if "evil.example" in n.message]
    assert len(notes) == 1, notes  # one note per reference, not one per resource
    (note,) = notes
    assert note.level == "warning" and note.element == "subject" and note.resource
    assert "another server" in note.message and "https://evil.example/fhir/Patient/p1" in note.message


def test_a_subject_on_a_server_other_than_the_patients_own_is_dropped_with_a_note() -> None:
    record = with_subjects(
        M.hr_positive_renal_record(),
        "https://evil.example/fhir/Patient/p1",
        patient_url="https://ehr.example/fhir/Patient/p1",
    )
    result = case_from_fhir(record, as_of=AS_OF)
    assert result.case.labs.creatinine_mg_dl is None
    dropped = [n for n in result.import_notes if n.kind == "dropped" and "evil.example" in n.message]
    assert dropped and all(n.element == "subject" and n.level == "warning" for n in dropped)


def test_an_absolute_subject_on_the_patients_own_server_adds_no_note() -> None:
    record = with_subjects(
        M.hr_positive_renal_record(),
        "https://ehr.example/fhir/Patient/p1",
        patient_url="https://ehr.example/fhir/Patient/p1",
    )
    result = case_from_fhir(record, as_of=AS_OF)
    assert result.case.labs.creatinine_mg_dl == 1.62
    assert not any("another server" in n.message for n in result.import_notes)


# ------------------------------------------------------------------ item 11: one summarised conflict note


def long_history(n: int) -> dict[str, Any]:
    record = copy.deepcopy(M.hr_positive_renal_record())
    for i in range(n):
        o = M.lab(f"cr{i}", "2160-0", 1.1, "mg/dL", f"20{10 + i % 10}-0{1 + i % 9}-1{i % 9}")
        record["entry"].append({"resource": o})
    return record


def test_a_long_lab_history_gives_one_summarised_conflict_note() -> None:
    """Before: one conflict note per earlier value (20,000 creatinines: 17 MB of notes table)."""
    result = case_from_fhir(long_history(300), as_of=AS_OF)
    conflicts = [n for n in result.import_notes if n.kind == "conflict" and "creatinine" in n.message]
    assert len(conflicts) == 1, len(conflicts)
    (note,) = conflicts
    assert "1.62" in note.message and "Observation/creat" in note.message
    assert "and 297 earlier values" in note.message
    assert len(note.message) < 600


def test_import_json_and_text_carry_the_summary(tmp_path: Path) -> None:
    path = tmp_path / "long.json"
    path.write_text(json.dumps(long_history(2000)), encoding="utf-8")
    out = run("import", str(path), "--as-of", "2024-07-01", "--json")
    assert out.returncode == 0, out.stderr
    notes = json.loads(out.stdout)["import_notes"]
    assert len(notes) < 50 and any("earlier values" in n["message"] for n in notes)
    text = run("import", str(path), "--as-of", "2024-07-01")
    assert text.returncode == 0 and "earlier" in text.stderr and len(text.stderr) < 20_000
