"""Web sweep 6, item 3: "Try it out" in /api/docs sends the operation's first example as it stands. Swagger
UI built that body from the schema's limits (age 120, 45 weeks pregnant, a brain count without the brain
site), so the first try failed with 422. Every example in the OpenAPI document must now be a request the
API accepts, and the triage example's red flags must be codes that case-format.md names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ["/api/v1/assess", "/api/v1/assess/batch", "/api/v1/assess/fhir", "/api/v1/triage"]


def _examples(client: TestClient, path: str) -> dict[str, Any]:
    operation = client.get("/api/v1/openapi.json").json()["paths"][path]["post"]
    return operation["requestBody"]["content"]["application/json"].get("examples") or {}


@pytest.mark.parametrize("path", OPERATIONS)
def test_every_body_operation_offers_examples_that_the_api_accepts(client: TestClient, path: str) -> None:
    examples = _examples(client, path)
    assert examples, f"{path} has no request example: Swagger UI would invent one from the limits"
    for name, example in examples.items():
        response = client.post(path, json=example["value"])
        assert response.status_code == 200, (path, name, response.text[:300])


def test_the_batch_example_with_an_invalid_case_shows_the_item_error(client: TestClient) -> None:
    value = _examples(client, "/api/v1/assess/batch")["with_an_invalid_case"]["value"]
    items = client.post("/api/v1/assess/batch", json=value).json()
    assert "error" not in items[0]
    assert [e["field"] for e in items[1]["error"]["errors"]] == ["brain_mets_count"]


def test_the_first_assess_example_is_the_valid_hr_positive_case(client: TestClient) -> None:
    first = next(iter(_examples(client, "/api/v1/assess").values()))["value"]
    assert first["patient"]["age"] < 100 and "pregnant" not in first["patient"]
    assessment = client.post("/api/v1/assess", json=first).json()
    assert assessment["subtype"] == "HR+/HER2-"


def test_triage_examples_raise_only_documented_red_flag_codes(client: TestClient) -> None:
    doc = (ROOT / "docs/case-format.md").read_text(encoding="utf-8")
    codes_list = doc[doc.index("Red-flag codes:") : doc.index("Workup codes include")]
    for example in _examples(client, "/api/v1/triage").values():
        result = client.post("/api/v1/triage", json=example["value"]).json()
        for flag in result["red_flags"]:
            assert flag["code"] in codes_list, flag["code"]


def test_the_415_status_is_documented_for_body_operations(client: TestClient) -> None:
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/assess"]["post"]
    assert "415" in operation["responses"]
