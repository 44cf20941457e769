"""The REST API through the ASGI app: shapes of case-format.md, problem+json naming the field,
413/400/404/405, security headers."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.web.app import create_app
from mbcnav.web.config import Settings

PROBLEM = "application/problem+json"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_knowledge_list_by_kind_returns_only_that_kind(client: TestClient) -> None:
    body = client.get("/api/v1/knowledge", params={"kind": "drug"}).json()
    assert body["total"] == len(load_knowledge_base().of_kind("drug"))
    assert body["items"] and {item["kind"] for item in body["items"]} == {"drug"}
    assert all(item["source_details"] for item in body["items"])


def test_knowledge_get_and_unknown_item(client: TestClient) -> None:
    item = client.get("/api/v1/knowledge/paclitaxel").json()
    assert item["generic"] == "paclitaxel" and item["public"] and item["clinician"]
    _problem(client.get("/api/v1/knowledge/no-such-item"), 404)
    body = _problem(client.get("/api/v1/knowledge", params={"kind": "spell"}), 422)
    assert "kind" in body["detail"]


def test_drug_by_brand_name(client: TestClient) -> None:
    assert client.get("/api/v1/drugs/IBRANCE").json()["generic"] == "palbociclib"


def test_ask_puts_red_flags_first(client: TestClient) -> None:
    body = client.get("/api/v1/ask", params={"q": "my back hurts and my legs feel weak"}).json()
    assert [f["code"] for f in body["red_flags"]][:1] == ["spinal_cord_compression"]
    body = client.get("/api/v1/ask", params={"q": "what does ribociclib do"}).json()
    assert any(a["id"] == "ribociclib" for a in body["answers"])


def test_triage_emergency(client: TestClient) -> None:
    body = client.post("/api/v1/triage", json={"text": "my back hurts and my legs feel weak"}).json()
    assert body["urgency"] in ("emergency", "urgent")
    assert "spinal_cord_compression" in [f["code"] for f in body["red_flags"]]
    assert set(body) >= {"text", "urgency", "red_flags", "suspected_sites", "advice"}


def test_assess_one_case(client: TestClient, hr_case: dict[str, Any]) -> None:
    body = client.post("/api/v1/assess", json=hr_case).json()
    assert body["case_id"] == "web-hr-pos"
    assert body["subtype"] == "HR+/HER2-"
    assert body["her2_low"] is True
    assert body["therapy_options"] and body["disclaimer"]


def test_assess_rejects_impossible_value_naming_the_field(
    client: TestClient, hr_case: dict[str, Any]
) -> None:
    case = {**hr_case, "patient": {"age": 300}}
    body = _problem(client.post("/api/v1/assess", json=case), 422)
    assert [e["field"] for e in body["errors"]] == ["patient.age"]


def test_assess_rejects_unknown_field(client: TestClient, hr_case: dict[str, Any]) -> None:
    body = _problem(client.post("/api/v1/assess", json={**hr_case, "colour": "blue"}), 422)
    assert body["errors"][0]["field"] == "colour"


def test_malformed_json_is_400(client: TestClient) -> None:
    response = client.post(
        "/api/v1/assess", content=b'{"patient": {', headers={"content-type": "application/json"}
    )
    body = _problem(response, 400)
    assert "JSON" in body["detail"]


def test_batch_assesses_each_case(client: TestClient, hr_case: dict[str, Any]) -> None:
    other = {"id": "tnbc", "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0"}}
    body = client.post("/api/v1/assess/batch", json=[hr_case, other]).json()
    assert [a["case_id"] for a in body] == ["web-hr-pos", "tnbc"]
    assert body[1]["subtype"] == "TNBC"


def test_body_above_limit_is_413(tmp_path: Path, hr_case: dict[str, Any]) -> None:
    app = create_app(Settings(data_dir=tmp_path, max_body_bytes=1000))
    with TestClient(app) as small:
        response = small.post("/api/v1/assess/batch", json=[hr_case] * 20)
    _problem(response, 413)


def test_calculators_list_and_bsa_against_mosteller_1987(client: TestClient) -> None:
    names = {c["name"] for c in client.get("/api/v1/calculators").json()}
    assert names >= {
        "bsa",
        "crcl",
        "corrected_calcium",
        "breast_gpa_2012",
        "breast_gpa_2020",
        "mirels",
        "recist",
        "ecog_kps",
    }
    result = client.post("/api/v1/calculators/bsa", json={"height_cm": 170, "weight_kg": 70}).json()
    # Mosteller 1987: BSA = sqrt(height cm x weight kg / 3600)
    assert math.isclose(result["value"], round(math.sqrt(170 * 70 / 3600), 2), abs_tol=0.01)


def test_calculator_bad_input_names_field(client: TestClient) -> None:
    body = _problem(client.post("/api/v1/calculators/bsa", json={"height_cm": 17, "weight_kg": 70}), 422)
    assert body["errors"][0]["field"] == "height_cm"
    _problem(client.post("/api/v1/calculators/nope", json={}), 404)


def test_schemas(client: TestClient) -> None:
    for name in ("case", "assessment", "triage"):
        assert client.get(f"/api/v1/schemas/{name}").json()["properties"]
    _problem(client.get("/api/v1/schemas/nope"), 404)


def test_wrong_method_is_405_problem(client: TestClient) -> None:
    _problem(client.delete("/api/v1/knowledge"), 405)


def test_security_headers_on_api_and_pages(client: TestClient) -> None:
    for url in ("/api/v1/knowledge/kinds", "/"):
        headers = client.get(url).headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"


def test_openapi_and_docs(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/knowledge",
        "/api/v1/knowledge/{item_id}",
        "/api/v1/ask",
        "/api/v1/triage",
        "/api/v1/assess",
        "/api/v1/assess/batch",
        "/api/v1/calculators",
        "/api/v1/schemas/{name}",
    ):
        assert path in spec["paths"]
    assert not any(p.startswith(("/learn", "/cases")) for p in spec["paths"])
    assert client.get("/api/docs").status_code == 200


def _chunks(data: bytes, size: int = 64 * 1024) -> Any:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_chunked_body_above_limit_is_413_on_every_route(tmp_path: Path) -> None:
    """Without a Content-Length the body arrives in chunks; the limit must still answer 413, not the
    body parser's 400 (sweep 6: /assess, /triage, /assess/batch, /calculators/* gave 400)."""
    app = create_app(Settings(data_dir=tmp_path, max_body_bytes=1000))
    big = b'{"notes": ["' + b"x" * 5000 + b'"]}'
    with TestClient(app) as small:
        for url in (
            "/api/v1/assess",
            "/api/v1/assess/fhir",
            "/api/v1/triage",
            "/api/v1/assess/batch",
            "/api/v1/calculators/bsa",
            "/cases",
            "/symptoms",
        ):
            headers = {"content-type": "application/json"}
            response = small.post(url, content=_chunks(big, 300), headers=headers)
            assert "content-length" not in response.request.headers
            _problem(response, 413)
        # a chunked body under the limit still reaches the handler whole
        ok = small.post(
            "/api/v1/calculators/bsa",
            content=_chunks(b'{"height_cm": 170, "weight_kg": 70}', 7),
            headers={"content-type": "application/json"},
        )
        assert ok.status_code == 200, ok.text


def test_openapi_documents_problem_json_for_every_error(client: TestClient) -> None:
    """Sweep 6: every 422 was documented as FastAPI's HTTPValidationError (application/json), and
    400/404/413 not at all; the API really answers problem+json."""
    spec = client.get("/api/v1/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert set(schemas["Problem"]["required"]) >= {"title", "status", "detail"}
    errors_items = schemas["Problem"]["properties"]["errors"]["anyOf"][0]["items"]["$ref"]
    assert set(schemas[errors_items.rsplit("/", 1)[1]]["properties"]) == {"field", "message"}
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, op in operations.items():
            where = f"{method.upper()} {path}"
            for status, response in op["responses"].items():
                if status.startswith("4"):
                    assert list(response["content"]) == [PROBLEM], where
                    assert response["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
            if "requestBody" in op:
                assert {"400", "413", "422"} <= set(op["responses"]), where
            if "{" in path:
                assert "404" in op["responses"], where
    bsa = spec["paths"]["/api/v1/calculators/bsa"]["post"]["requestBody"]["content"]["application/json"]
    ref = bsa["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"height_cm", "weight_kg"} <= set(schemas[ref]["properties"])
    kind = next(p for p in spec["paths"]["/api/v1/knowledge"]["get"]["parameters"] if p["name"] == "kind")
    assert "drug" in kind["schema"]["anyOf"][0]["enum"]


def test_error_fields_name_the_exact_input(client: TestClient, hr_case: dict[str, Any]) -> None:
    case = {**hr_case, "labs": {"temp_c": 101, "calcium_mg_dl": 2.6}}
    body = _problem(client.post("/api/v1/assess", json=case), 422)
    assert {e["field"] for e in body["errors"]} == {"labs.temp_c", "labs.calcium_mg_dl"}
    body = _problem(client.get("/api/v1/ask", params={"q": " "}), 422)
    assert [e["field"] for e in body["errors"]] == ["q"] and body["detail"].startswith("q: ")
    body = _problem(client.get("/api/v1/knowledge", params={"kind": "bogus"}), 422)
    assert [e["field"] for e in body["errors"]] == ["kind"]
    body = _problem(client.get("/api/v1/knowledge", params={"limit": 0}), 422)
    assert [e["field"] for e in body["errors"]] == ["limit"]


def test_calculator_reports_every_missing_input_at_once(client: TestClient) -> None:
    body = _problem(client.post("/api/v1/calculators/crcl", json={}), 422)
    assert len(body["errors"]) >= 3 and "age" in {e["field"] for e in body["errors"]}


def test_batch_reports_errors_per_case_and_goes_on(client: TestClient, hr_case: dict[str, Any]) -> None:
    """Like `mbcnav assess-batch`: an invalid case gets its own problem, the others are assessed."""
    bad = {"id": "bad-age", "patient": {"age": 300}}
    body = client.post("/api/v1/assess/batch", json=[hr_case, bad, "not a case"]).json()
    assert len(body) == 3
    assert body[0]["case_id"] == "web-hr-pos" and "error" not in body[0]
    assert body[1]["index"] == 1 and body[1]["case_id"] == "bad-age"
    assert body[1]["error"]["status"] == 422
    assert [e["field"] for e in body[1]["error"]["errors"]] == ["patient.age"]
    assert body[2]["index"] == 2 and body[2]["error"]["detail"]


def test_health_reports_ready_with_version_and_knowledge_count(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["store"] == "ok"
    assert body["knowledge_items"] == len(load_knowledge_base().items)


def test_health_is_503_when_the_store_does_not_answer(client: TestClient) -> None:
    store = client.app.state.store  # type: ignore[attr-defined]
    engine = store.engine
    store.engine = None  # a store whose database is gone: connect() fails
    try:
        response = client.get("/api/v1/health")
    finally:
        store.engine = engine
    assert response.status_code == 503
    assert response.json()["store"] == "unreachable"
