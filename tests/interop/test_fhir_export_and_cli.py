"""Assessment → FHIR export (validated with fhir.resources R4B) and the `mbcnav import` command."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from interop import mcode as M
from mbcnav.assessment import Assessment, RedFlag, SafetyAlert
from mbcnav.interop.fhir import case_from_fhir
from mbcnav.interop.fhir_export import assessment_to_fhir

FIXTURES = Path(__file__).parent / "fixtures"
MBCNAV = [str(Path(sys.executable).parent / "mbcnav")]


def _assessment() -> Assessment:
    return Assessment(
        case_id="p1",
        subtype="HR+/HER2-",
        urgency="emergency",
        disclaimer="Decision support only.",
        red_flags=(
            RedFlag(
                code="hypercalcemia",
                urgency="emergency",
                public="p",
                clinician="IV saline <now>",
                sources=("nccn-breast",),
            ),
        ),
        safety_alerts=(
            SafetyAlert(
                code="renal_dose_adjustment",
                drug="zoledronic acid",
                severity="warning",
                public="p",
                clinician="Reduce the dose.",
                sources=("fda-label-zoledronic-acid",),
            ),
        ),
        calculations={
            "crcl_ml_min": 34.1,
            "bsa_mosteller_m2": 1.66,
            "breast_gpa": 2.5,
            "kps_estimated": "70-80",
        },
    )


def test_export_is_a_valid_r4b_bundle_tied_to_the_patient() -> None:
    bundle = assessment_to_fhir(_assessment(), issued=dt.datetime(2024, 7, 1, tzinfo=dt.UTC))
    model = Bundle.model_validate(bundle)
    types = [e.resource.get_resource_type() for e in model.entry]
    assert types == [
        "Patient",
        "DetectedIssue",
        "DetectedIssue",
        "Observation",
        "Observation",
        "RiskAssessment",
        "Observation",  # the estimated KPS range, as text (was left out)
    ]
    kps = bundle["entry"][-1]["resource"]
    assert kps["code"]["coding"][0]["code"] == "kps_estimated" and kps["valueString"] == "70-80"
    patient_url = bundle["entry"][0]["fullUrl"]
    for entry in bundle["entry"][1:]:
        res = entry["resource"]
        assert (res.get("patient") or res.get("subject"))["reference"] == patient_url
    crcl = next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"].get("code", {}).get("text", "").startswith("Creatinine clearance")
    )
    assert crcl["valueQuantity"] == {
        "value": 34.1,
        "unit": "mL/min",
        "system": "http://unitsofmeasure.org",
        "code": "mL/min",
    }
    issues = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DetectedIssue"]
    assert [i["severity"] for i in issues] == ["high", "moderate"]
    assert "&lt;now&gt;" in issues[0]["text"]["div"]  # clinician text is escaped in the narrative
    assert assessment_to_fhir(_assessment(), issued=dt.datetime(2024, 7, 1, tzinfo=dt.UTC)) == bundle


def test_the_urgency_extension_url_names_a_structure_definition() -> None:
    """FHIR R4 Extension.url identifies the extension's StructureDefinition; it used to be a path under
    the CodeSystem base (https://mbcnav.org/fhir/CodeSystem/StructureDefinition/urgency)."""
    bundle = assessment_to_fhir(_assessment(), issued=dt.datetime(2024, 7, 1, tzinfo=dt.UTC))
    urls = {ext["url"] for entry in bundle["entry"] for ext in entry["resource"].get("extension", ())}
    assert urls == {"https://mbcnav.org/fhir/StructureDefinition/urgency"}


@pytest.mark.skipif(
    importlib.util.find_spec("mbcnav.reasoning.assess") is None, reason="assess() not written yet"
)
def test_export_of_a_real_assessment_validates() -> None:
    from mbcnav.reasoning.assess import assess

    imported = case_from_fhir(M.hr_positive_renal_record(), as_of=dt.date(2024, 7, 1))
    assessment = assess(imported.case)
    bundle = assessment_to_fhir(assessment, patient_resource=M.patient())
    model = Bundle.model_validate(bundle)
    kinds = [e.resource.get_resource_type() for e in model.entry]
    assert kinds.count("DetectedIssue") == len(assessment.red_flags) + len(assessment.safety_alerts)
    assert "Observation" in kinds  # CrCl and BSA at least


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MBCNAV, *args], capture_output=True, text=True, timeout=120, check=False)


def test_cli_import_prints_case_json_and_notes(tmp_path: Path) -> None:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(M.hr_positive_renal_record()), encoding="utf-8")
    proc = run("import", str(path), "--as-of", "2024-07-01", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["case"]["labs"]["creatinine_mg_dl"] == 1.62
    assert out["case"]["patient"]["age"] == 60
    assert out["provenance"]["labs.creatinine_mg_dl"]["resource"] == "Observation/creat"
    plain = run("import", str(path), "--as-of", "2024-07-01")
    assert json.loads(plain.stdout)["metastatic_sites"] == ["bone", "liver"]


def test_cli_import_strict_fails_on_a_defective_bundle_and_names_it() -> None:
    proc = run("import", str(FIXTURES / "mcode-ctm-app_TrialMatching_Patient01.json"), "--strict")
    assert proc.returncode == 2
    assert "Bundle/9aa0a829-14be-4951-84e7-5dd453708011_1" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_import_malformed_bundle_is_exit_2_with_the_element(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(M.bundle(M.patient(), M.lab("cr", "2160-0", "high", "mg/dL"))), encoding="utf-8"
    )
    proc = run("import", str(path))
    assert proc.returncode == 2
    assert "Observation/cr: valueQuantity.value" in proc.stderr


def test_cli_assess_fhir_gives_the_assessment_json_and_notes_on_stderr() -> None:
    proc = run("assess", "--fhir", str(FIXTURES / "mcode-ctm-app_TrialMatching_Patient01.json"), "--json")
    assert proc.returncode == 0, proc.stderr
    assessment = Assessment.model_validate(json.loads(proc.stdout))
    assert assessment.case_id == "mCODETrialMatchingPatientExample01"
    assert assessment.stage == "IV"
    assert assessment.subtype == "HR+/HER2-"  # from the reported ER-positive / HER2-negative calls
    assert "FHIR import notes" in proc.stderr


def test_cli_assess_needs_exactly_one_input() -> None:
    proc = run("assess")
    assert proc.returncode == 2
    assert "--fhir" in proc.stderr and "Traceback" not in proc.stderr
