"""The case form carries the brain-metastasis state (Case.brain_mets_status, brain_mets_symptomatic):
the choices of the format, plain help, the error beside the field, and the value in the saved case."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_case_form_offers_the_brain_status_choices_with_plain_help(browser_client: TestClient) -> None:
    text = browser_client.get("/cases/new").text
    for choice in ("untreated", "progressing", "stable"):
        assert re.search(rf'<option value="{choice}"', text), choice
    assert 'name="brain_mets_symptomatic"' in text
    assert "Stable: treated and not growing." in text


def test_brain_status_without_brain_site_is_shown_at_the_field(browser_client: TestClient) -> None:
    response = browser_client.post(
        "/cases",
        data={"brain_mets_status": "stable", "metastatic_sites": ["bone"], "tumor.er_percent": "90"},
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert 'id="err-brain_mets_status"' in response.text
    assert "is not in metastatic_sites" in response.text


def test_brain_status_reaches_the_saved_case_and_the_case_as_entered(browser_client: TestClient) -> None:
    response = browser_client.post(
        "/cases",
        data={
            "tumor.er_percent": "0",
            "tumor.her2_ihc": "3+",
            "metastatic_sites": ["brain", "liver"],
            "brain_mets_status": "stable",
            "brain_mets_symptomatic": "false",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]
    location = response.headers["location"]
    saved = browser_client.get(location + "/case.json").json()
    assert saved["brain_mets_status"] == "stable" and saved["brain_mets_symptomatic"] is False
    assert re.search(
        r'<th scope="row">Brain mets status</th><td>stable</td>', browser_client.get(location).text
    )
