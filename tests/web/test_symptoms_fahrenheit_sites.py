"""Voice review items 10 and 13 (/work/scratch-voice/report.md) on the web pages: no cancer sites under
a routine result, and a bare °F fever in a °C box keeps its field error but never hides the warning
(the box is not silently rewritten; the warning is computed from the °F reading and says so)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

NUMB = "I noticed numbness in my fingers and toes"
CORD = "my back hurts and my legs feel weak"


def test_symptom_page_names_no_site_without_a_red_flag(browser_client: TestClient) -> None:
    page = browser_client.post("/symptoms", data={"text": NUMB}).text
    assert "Where this could come from" not in page
    cord = browser_client.post("/symptoms", data={"text": CORD}).text
    assert "Where this could come from" in cord


def test_symptom_checker_bare_fahrenheit_fever_still_warns(browser_client: TestClient) -> None:
    response = browser_client.post("/symptoms", data={"text": "I feel tired", "labs.temp_c": "101"})
    assert response.status_code == 422  # the box is still wrong: nothing is guessed into it
    page = response.text
    assert re.search(r'id="err-labs.temp_c">', page) and 'value="101"' in page
    # before: only "looks like °F", no warning at all
    assert 'class="alert alert-urgent"' in page and "24-hour line" in page
    assert "101 °F is 38.3 °C" in page
    assert page.index("24-hour line") < page.index("Please fix 1 problem")


def test_symptom_checker_bare_normal_fahrenheit_raises_nothing(browser_client: TestClient) -> None:
    page = browser_client.post("/symptoms", data={"text": "I feel tired", "labs.temp_c": "98.6"}).text
    assert "24-hour line" not in page and re.search(r'id="err-labs.temp_c">', page)


def test_case_form_bare_fahrenheit_fever_still_warns(browser_client: TestClient) -> None:
    response = browser_client.post("/cases", data={"symptoms": "I feel tired", "labs.temp_c": "101"})
    assert response.status_code == 422
    page = response.text
    assert re.search(r'id="err-labs.temp_c"', page)
    assert "24-hour line" in page and "101 °F is 38.3 °C" in page
