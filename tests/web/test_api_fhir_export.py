"""POST /api/v1/assess/fhir: the same Case body as /assess, the answer a FHIR R4 Bundle
(application/fhir+json) that validates with fhir.resources (R4B), in the OpenAPI docs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle

VIGNETTES = Path(__file__).parents[1] / "vignettes"
FHIR_JSON = "application/fhir+json"


def _vignette(name: str) -> dict[str, Any]:
    return json.loads((VIGNETTES / f"{name}.json").read_text(encoding="utf-8"))["case"]


def test_assess_fhir_returns_a_valid_bundle_with_the_renal_contraindication(client: TestClient) -> None:
    # CrCl 17.7 mL/min (Cockcroft-Gault): zoledronic acid is not recommended below 30 (Zometa label)
    case = _vignette("v44_zoledronic_crcl_below_30")
    response = client.post("/api/v1/assess/fhir", json=case)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON)
    bundle = response.json()
    model = Bundle.model_validate(bundle)
    assert model.type == "collection"
    assert bundle["entry"][0]["resource"]["resourceType"] == "Patient"
    issues = {
        e["resource"]["code"]["coding"][0]["code"]: e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "DetectedIssue"
    }
    assert issues["renal_not_recommended"]["severity"] == "high"
    assert "zoledronic acid" in issues["renal_not_recommended"]["code"]["text"]
    assert issues["renal_not_recommended"]["patient"]["reference"] == bundle["entry"][0]["fullUrl"]
    # the same findings as the JSON Assessment of /assess
    assessment = client.post("/api/v1/assess", json=case).json()
    assert set(issues) == {a["code"] for a in assessment["safety_alerts"]} | {
        f["code"] for f in assessment["red_flags"]
    }


def test_assess_fhir_bad_case_is_problem_json_naming_the_field(client: TestClient) -> None:
    case = {**_vignette("v44_zoledronic_crcl_below_30"), "patient": {"age": 300}}
    response = client.post("/api/v1/assess/fhir", json=case)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["patient.age"]


def test_assess_fhir_is_in_the_openapi_docs(client: TestClient) -> None:
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/assess/fhir"]["post"]
    assert "FHIR" in operation["summary"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/Case")
    assert FHIR_JSON in operation["responses"]["200"]["content"]
