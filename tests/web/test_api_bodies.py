"""Web sweep 6, items 2 and 9: API errors name their field and their cause. A brain count without the
brain site names `brain_mets_count`; a JSON body sent as text/plain or with no type gets 415; NaN
(not JSON, RFC 8259) and a repeated key get 400 naming the field; batch item errors carry an
`instance` pointing at the item."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from mbcnav.web.api.jsonbody import strict_loads

JSON = {"content-type": "application/json"}


def _field_problems(response: Any) -> list[tuple[str, str]]:
    return [(e["field"], e["message"]) for e in response.json().get("errors") or []]


# ---------------------------------------------------------------- item 2
def test_brain_count_without_brain_site_names_the_field_in_the_api(client: TestClient) -> None:
    response = client.post("/api/v1/assess", json={"brain_mets_count": 2})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [field for field, _ in _field_problems(response)] == ["brain_mets_count"]
    assert "brain_mets_count" in response.json()["detail"]


def test_brain_count_without_brain_site_names_the_field_in_the_cli(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from mbcnav.cli import app

    path = tmp_path / "case.json"
    path.write_text('{"brain_mets_count": 2, "metastatic_sites": ["bone"]}')
    result = CliRunner().invoke(app, ["assess", str(path)])
    assert result.exit_code == 2
    assert "brain_mets_count" in result.output


# ---------------------------------------------------------------- item 9: media type
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_json_sent_without_the_json_media_type_gets_415_saying_so(
    client: TestClient, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/api/v1/triage", content=b'{"text": "my back hurts"}', headers=headers)
    assert response.status_code == 415
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "application/json" in response.json()["detail"]


def test_json_with_a_charset_or_a_json_suffix_type_is_read(client: TestClient) -> None:
    body = b'{"text": "my back hurts"}'
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = client.post("/api/v1/triage", content=body, headers={"content-type": content_type})
        assert response.status_code == 200, content_type


# ---------------------------------------------------------------- item 9: not JSON, repeated keys
@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json_and_get_400_naming_the_field(
    client: TestClient, constant: str
) -> None:
    body = '{"labs": {"calcium_mg_dl": ' + constant + "}}"
    response = client.post("/api/v1/assess", content=body, headers=JSON)
    assert response.status_code == 400
    problems = _field_problems(response)
    assert [field for field, _ in problems] == ["labs.calcium_mg_dl"]
    assert "not a JSON number" in problems[0][1]


def test_a_repeated_key_gets_400_naming_the_key_not_last_wins(client: TestClient) -> None:
    body = b'{"patient": {"age": 50, "age": 60}}'
    response = client.post("/api/v1/assess", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    problems = _field_problems(response)
    assert [field for field, _ in problems] == ["patient.age"]
    assert "'age'" in problems[0][1]


def test_a_repeated_key_inside_a_batch_item_names_the_item(client: TestClient) -> None:
    body = b'[{"line": 1}, {"line": 1, "line": 2}]'
    response = client.post("/api/v1/assess/batch", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert [field for field, _ in _field_problems(response)] == ["1.line"]


def test_malformed_json_is_still_400(client: TestClient) -> None:
    response = client.post("/api/v1/assess", content=b'{"line": ', headers=JSON)
    assert response.status_code == 400
    assert "malformed JSON" in response.json()["detail"]


def test_strict_loads_keeps_ordinary_json_as_json_loads_reads_it() -> None:
    text = '{"a": [1, 2.5, -3e2, null, true, "x"], "b": {"c": {}}, "d": [], "e": "NaN"}'
    assert strict_loads(text) == {"a": [1, 2.5, -300.0, None, True, "x"], "b": {"c": {}}, "d": [], "e": "NaN"}
    # equal keys in different objects are fine
    assert strict_loads('[{"k": 1}, {"k": 2}]') == [{"k": 1}, {"k": 2}]


# ---------------------------------------------------------------- item 9: batch instance
def test_batch_item_errors_carry_the_item_as_a_json_pointer(client: TestClient, hr_case: dict) -> None:
    response = client.post("/api/v1/assess/batch", json=[hr_case, {"brain_mets_count": 1}, hr_case])
    assert response.status_code == 200
    items = response.json()
    assert "error" not in items[0] and "error" not in items[2]
    error = items[1]["error"]
    assert error["instance"] == "/api/v1/assess/batch#/1"
    assert [e["field"] for e in error["errors"]] == ["brain_mets_count"]
