"""Malformed FHIR never becomes an internal error: every failure is a FhirMappingError naming the
resource (and the element where the importer can tell), which the CLI prints and exits 2 on."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mbcnav.cli import app
from mbcnav.errors import FhirMappingError
from mbcnav.interop.fhir import case_from_fhir, load_fhir_path

from . import mcode as M
from .damage import damage

FIXTURES = Path(__file__).parent / "fixtures"
AS_OF = dt.date(2025, 1, 1)


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1960-01-01"}


def test_a_coding_system_that_is_not_a_uri_names_the_resource_and_element() -> None:
    lab = M.lab("cr", "2160-0", 1.0, "mg/dL", "2024-05-01")
    lab["code"]["coding"][0]["system"] = 123
    with pytest.raises(FhirMappingError) as info:
        case_from_fhir(_bundle(PATIENT, lab), as_of=AS_OF)
    assert str(info.value) == "Observation/cr: coding.system: must be a URI string, got a number 123"


def test_a_coding_that_is_not_a_list_names_the_resource_and_the_element() -> None:
    lab = M.lab("cr", "2160-0", 1.0, "mg/dL", "2024-05-01")
    lab["code"]["coding"] = 7  # FHIR: a list of Coding objects
    with pytest.raises(FhirMappingError) as info:
        case_from_fhir(_bundle(PATIENT, lab), as_of=AS_OF)
    assert info.value.field == "Observation/cr"
    assert info.value.message.startswith("code.coding: must be a list of Coding objects")


def test_cli_prints_one_line_and_exits_2_on_a_malformed_resource(tmp_path: Path) -> None:
    lab = M.lab("cr", "2160-0", 1.0, "mg/dL", "2024-05-01")
    lab["code"]["coding"][0]["system"] = {"uri": "http://loinc.org"}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_bundle(PATIENT, lab)), encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(path)])
    assert result.exit_code == 2
    assert "Observation/cr: coding.system: must be a URI string" in result.output
    assert "Traceback" not in result.output


# ------------------------------------------------------------------------------ mutation sweep

def _bases() -> list[Any]:
    out: list[Any] = [M.hr_positive_renal_record()]
    for name in ("mcode-ctm-app_TrialMatching_Patient01.json", "mcode-ctms_eom_patient_1.json"):
        out.append(load_fhir_path(FIXTURES / name))
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_randomly_damaged_records_fail_only_with_named_errors(seed: int) -> None:
    """400 damaged copies of real mCODE records (seeded): each imports or raises FhirMappingError."""
    rnd = random.Random(seed)
    bases = _bases()
    outcomes = {"imported": 0, "refused": 0}
    for _ in range(200):
        doc = copy.deepcopy(rnd.choice(bases))
        for _ in range(rnd.randint(1, 2)):
            damage(doc, rnd)
        try:
            case_from_fhir(doc, as_of=AS_OF)
            outcomes["imported"] += 1
        except FhirMappingError as exc:
            assert str(exc) and "Traceback" not in str(exc)
            outcomes["refused"] += 1
    # both paths are exercised, so the sweep tests something
    assert outcomes["imported"] > 50 and outcomes["refused"] > 5, outcomes
