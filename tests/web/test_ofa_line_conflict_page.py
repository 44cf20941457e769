"""Fourth oncologist review, defect 1: a stated line the prior treatments contradict is named on the
assessment page in both voices (workup code confirm_line_of_therapy), as in the JSON and the CLI text."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

LINE_3_NO_PRIORS = {
    "patient": {"age": 62, "sex": "F", "menopausal": "post", "ecog": 1},
    "tumor": {"er_percent": 90, "pr_percent": 40, "her2_ihc": "0"},
    "metastatic_sites": ["bone", "liver"],
    "line": 3,
    "prior_treatment": [],
}


def test_case_page_names_the_line_conflict_for_clinicians_and_patients(browser_client: TestClient) -> None:
    files = {"case_file": ("case.json", json.dumps(LINE_3_NO_PRIORS).encode(), "application/json")}
    response = browser_client.post("/cases", files=files, follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    location = str(response.headers["location"])
    for audience, words in (("clinician", "confirm_line_of_therapy"), ("public", "not all of it is listed")):
        browser_client.get("/audience", params={"audience": audience, "next": "/"})
        assert words in browser_client.get(location).text, audience
