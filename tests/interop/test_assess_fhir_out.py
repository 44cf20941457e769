"""`mbcnav assess ... --fhir-out`: the FHIR R4 Bundle a user gets from the command line, validated with
fhir.resources (R4B), for real cases; and `mbcnav assess FOLDER` saying it is a folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from typer.testing import CliRunner

from interop import mcode as M
from mbcnav.assessment import Assessment
from mbcnav.cli import app

runner = CliRunner()
VIGNETTES = Path(__file__).parents[1] / "vignettes"


def _vignette(name: str) -> dict[str, Any]:
    return json.loads((VIGNETTES / f"{name}.json").read_text(encoding="utf-8"))["case"]


def _write(path: Path, data: Any) -> str:
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def _err(result: Any) -> str:
    """stderr as one line (rich wraps long messages at the terminal width)."""
    return " ".join(result.stderr.split())


def _issues(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """DetectedIssue resources by their mbcnav code, after checking the Bundle is valid R4(B)."""
    Bundle.model_validate(bundle)
    patient_url = bundle["entry"][0]["fullUrl"]
    assert bundle["entry"][0]["resource"]["resourceType"] == "Patient"
    out = {}
    for entry in bundle["entry"]:
        res = entry["resource"]
        if res["resourceType"] == "DetectedIssue":
            assert res["patient"]["reference"] == patient_url
            out[res["code"]["coding"][0]["code"]] = res
    return out


def test_fhir_out_writes_a_valid_bundle_with_the_renal_contraindication(tmp_path: Path) -> None:
    # CrCl 17.7 mL/min (Cockcroft-Gault): zoledronic acid is not recommended below 30 (Zometa label)
    case = _write(tmp_path / "case.json", _vignette("v44_zoledronic_crcl_below_30"))
    out = tmp_path / "result.fhir.json"
    result = runner.invoke(app, ["assess", case, "--fhir-out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assessment = Assessment.model_validate(json.loads(result.stdout))  # stdout is still the JSON
    assert f"written to {out}" in _err(result)
    bundle = json.loads(out.read_text(encoding="utf-8"))
    issues = _issues(bundle)
    zoledronic = issues["renal_not_recommended"]
    assert zoledronic["severity"] == "high"
    assert "zoledronic acid" in zoledronic["code"]["text"]
    assert len(issues) == len(assessment.safety_alerts) + len(assessment.red_flags)
    assert bundle["entry"][0]["resource"]["id"] == "v44-zoledronic-crcl-below-30"  # FHIR ids have no _
    crcl = [e["resource"] for e in bundle["entry"] if e["resource"].get("code", {}).get("coding", [{}])[0]
            .get("code") == "crcl_ml_min"]  # fmt: skip
    assert crcl[0]["valueQuantity"]["value"] == 17.7


def test_fhir_out_dash_prints_only_the_bundle_and_refuses_json_too(tmp_path: Path) -> None:
    case = _write(tmp_path / "case.json", _vignette("v44_zoledronic_crcl_below_30"))
    result = runner.invoke(app, ["assess", case, "--fhir-out", "-"])
    assert result.exit_code == 0, result.output
    assert "renal_not_recommended" in _issues(json.loads(result.stdout))
    result = runner.invoke(app, ["assess", case, "--fhir-out", "-", "--json"])
    assert result.exit_code == 2
    assert "--fhir-out" in _err(result) and result.stdout == ""


def test_fhir_input_exports_the_imported_patient(tmp_path: Path) -> None:
    # creatinine 1.62 mg/dL, 60 kg, 60 years: CrCl 34 mL/min -> zoledronic acid dose reduction
    record = _write(tmp_path / "record.json", M.hr_positive_renal_record())
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["assess", "--fhir", record, "--fhir-out", str(out)])
    assert result.exit_code == 0, result.output
    bundle = json.loads(out.read_text(encoding="utf-8"))
    assert bundle["entry"][0]["resource"] == M.patient()  # the EHR's Patient, unchanged
    alert = _issues(bundle)["renal_dose_adjustment"]
    assert alert["severity"] == "moderate" and "zoledronic acid" in alert["code"]["text"]


def test_fhir_input_from_a_folder_still_works_with_fhir_out(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    _write(folder / "record.json", M.hr_positive_renal_record())
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["assess", "--fhir", str(folder), "--fhir-out", str(out)])
    assert result.exit_code == 0, result.output
    assert "renal_dose_adjustment" in _issues(json.loads(out.read_text(encoding="utf-8")))


def test_several_cases_need_a_folder_and_get_one_bundle_each(tmp_path: Path) -> None:
    cases = [_vignette("v44_zoledronic_crcl_below_30"), _vignette("v43_zoledronic_crcl_35")]
    lines = tmp_path / "cases.jsonl"
    lines.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    single = tmp_path / "one.json"
    result = runner.invoke(app, ["assess", str(lines), "--fhir-out", str(single)])
    assert result.exit_code == 2
    message = _err(result)
    assert "--fhir-out" in message and "2 cases" in message and "folder" in message
    assert not single.exists() and result.stdout == ""  # refused before anything was assessed
    folder = tmp_path / "bundles"
    result = runner.invoke(app, ["assess", str(lines), "--fhir-out", f"{folder}/", "--json"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 2  # JSON Lines in, JSON Lines out, as without --fhir-out
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["v43_zoledronic_crcl_35.json", "v44_zoledronic_crcl_below_30.json"]
    assert "renal_not_recommended" in _issues(json.loads((folder / files[1]).read_text(encoding="utf-8")))
    assert _issues(json.loads((folder / files[0]).read_text(encoding="utf-8")))


def test_fhir_out_into_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    case = _write(tmp_path / "case.json", _vignette("v44_zoledronic_crcl_below_30"))
    result = runner.invoke(app, ["assess", case, "--fhir-out", str(tmp_path / "nope" / "out.json")])
    assert result.exit_code == 2
    assert "--fhir-out" in _err(result) and "does not exist" in _err(result)
    assert "Traceback" not in result.output


def test_assess_a_folder_says_it_is_a_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["assess", str(tmp_path)])
    assert result.exit_code == 2
    assert "is a folder" in _err(result) and "--fhir" in _err(result)
    assert "no such file" not in _err(result)
    result = runner.invoke(app, ["assess", str(tmp_path / "missing.json")])
    assert result.exit_code == 2 and "no such file" in _err(result)
