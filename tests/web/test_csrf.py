"""Cross-site request forgery: another site's page must not make a visitor's browser save a case or
switch the audience cookie; same-origin forms and programs that send no Origin (curl, scripts) keep
working. The browser flow with real Chromium headers is in test_browser.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mbcnav.web.app import create_app
from mbcnav.web.config import Settings
from mbcnav.web.middleware import is_cross_site, normalize_origin

EVIL = {"origin": "https://evil.example", "sec-fetch-site": "cross-site"}
CASE_FORM = {"tumor.er_percent": "90", "metastatic_sites": ["bone"]}


@pytest.fixture()
def saves(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every case the store is asked to save during the test."""
    store = app.state.store
    calls: list[Any] = []
    real_save = store.save

    def save(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real_save(*args, **kwargs)

    monkeypatch.setattr(store, "save", save)
    return calls


def test_cross_site_case_form_post_is_refused_with_a_page_and_saves_nothing(
    browser_client: TestClient, saves: list[Any]
) -> None:
    response = browser_client.post("/cases", data=CASE_FORM, headers=EVIL, follow_redirects=False)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "This form came from another website" in response.text
    assert "Nothing was saved or changed" in response.text
    assert saves == []


def test_cross_site_audience_post_sets_no_cookie(browser_client: TestClient) -> None:
    response = browser_client.post(
        "/audience", data={"audience": "clinician", "next": "/"}, headers=EVIL, follow_redirects=False
    )
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


def test_same_origin_form_post_is_accepted(browser_client: TestClient, saves: list[Any]) -> None:
    # What Chromium sends for a form on our own page: our origin and Sec-Fetch-Site same-origin.
    own = {"origin": "http://testserver", "sec-fetch-site": "same-origin"}
    response = browser_client.post("/cases", data=CASE_FORM, headers=own, follow_redirects=False)
    assert response.status_code == 303 and len(saves) == 1
    # A browser without Fetch Metadata that sends our origin is accepted too.
    response = browser_client.post(
        "/audience",
        data={"audience": "public", "next": "/"},
        headers={"origin": "http://testserver"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and "mbcnav_audience=public" in response.headers["set-cookie"]


def test_api_call_without_origin_is_accepted_and_a_cross_site_one_is_problem_json(client: TestClient) -> None:
    body = {"text": "my back hurts"}
    assert client.post("/api/v1/triage", json=body).status_code == 200
    refused = client.post("/api/v1/triage", json=body, headers={"origin": "https://evil.example"})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["status"] == 403 and problem["instance"] == "/api/v1/triage"
    assert "nothing was changed" in problem["detail"]


def test_reads_and_cds_hooks_stay_open_across_sites(client: TestClient) -> None:
    assert client.get("/api/v1/health", headers=EVIL).status_code == 200
    # CDS Hooks services are cross-origin by design (EHR front ends); they keep their own CORS and JWT.
    response = client.post("/cds-services/mbcnav-patient-view", json={}, headers=EVIL)
    assert response.status_code != 403


def test_trusted_origin_from_the_settings_may_post(tmp_path: Path) -> None:
    app = create_app(
        Settings(data_dir=tmp_path, database_url="", trusted_origins="https://portal.example.org")
    )
    with TestClient(app, raise_server_exceptions=False) as c:
        sibling = {"origin": "https://portal.example.org", "sec-fetch-site": "same-site"}
        assert c.post("/api/v1/triage", json={"text": "tired"}, headers=sibling).status_code == 200
        other = {"origin": "https://blog.example.org", "sec-fetch-site": "same-site"}
        assert c.post("/api/v1/triage", json={"text": "tired"}, headers=other).status_code == 403


def test_pages_ask_browsers_to_send_origin_on_own_posts(client: TestClient) -> None:
    """Under Referrer-Policy no-referrer a browser sends `Origin: null` on same-origin form posts."""
    assert client.get("/").headers["referrer-policy"] == "same-origin"


@pytest.mark.parametrize(
    ("method", "headers", "cross"),
    [
        ("POST", {}, False),  # curl, scripts
        ("POST", {"sec-fetch-site": "same-origin", "origin": "null"}, False),
        ("POST", {"sec-fetch-site": "none"}, False),
        ("POST", {"sec-fetch-site": "cross-site"}, True),
        ("POST", {"sec-fetch-site": "same-site", "origin": "https://blog.example.org"}, True),
        ("POST", {"origin": "null"}, True),  # sandboxed frame or data: URL in an older browser
        ("POST", {"origin": "https://EXAMPLE.org:443"}, False),
        ("POST", {"origin": "https://example.org:8443"}, True),
        ("POST", {"origin": "http://example.org"}, True),
        ("DELETE", {"origin": "https://evil.example"}, True),
        ("GET", {"origin": "https://evil.example", "sec-fetch-site": "cross-site"}, False),
    ],
)
def test_cross_site_rule(method: str, headers: dict[str, str], cross: bool) -> None:
    assert is_cross_site(method, "/cases", headers, "https://example.org") is cross


def test_normalize_origin() -> None:
    assert normalize_origin("HTTPS://Example.ORG:443") == "https://example.org"
    assert normalize_origin("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    assert normalize_origin("http://[::1]:80") == "http://[::1]"
    for junk in ("null", "", "/cases", "file:///etc", "http://host:99999"):
        assert normalize_origin(junk) is None, junk
