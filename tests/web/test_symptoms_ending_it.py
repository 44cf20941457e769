"""Web sweep 6, item 1, through the pages and the API: "I'm thinking of ending it" raises the suicide
emergency banner with 988 in the symptom checker, and red flags first in Ask and the triage API."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_symptom_checker_shows_the_emergency_banner_with_988(browser_client: TestClient) -> None:
    text = browser_client.post("/symptoms", data={"text": "I'm thinking of ending it"}).text
    assert 'role="alert"' in text
    banner = text[text.index('role="alert"') :]
    assert "988" in banner and "911" in banner


def test_triage_api_and_ask_api_raise_suicidal_ideation(client: TestClient) -> None:
    triage = client.post("/api/v1/triage", json={"text": "thinking of ending it"}).json()
    assert triage["urgency"] == "emergency"
    assert triage["red_flags"][0]["code"] == "suicidal_ideation"
    ask = client.get("/api/v1/ask", params={"q": "i'm thinking of ending it"}).json()
    assert ask["red_flags"][0]["code"] == "suicidal_ideation"


def test_ending_the_chemo_gets_no_suicide_banner(browser_client: TestClient) -> None:
    text = browser_client.post("/symptoms", data={"text": "I'm thinking of ending the chemo"}).text
    assert "988" not in text
