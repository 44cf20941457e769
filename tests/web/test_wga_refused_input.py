"""Web acceptance sweep 9 (/work/scratch-web9/report.md items 1, 2, 5, 9): a refused character in the
notes or a second unrelated typo never hides the red flags of the symptoms, labs and treatment; a
°F-looking temperature still counts for the fever warning everywhere; the single-case API speaks the
same plain validation words as batch, CLI and forms; hidden characters are refused in every free text."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from mbcnav.case import parse_case
from mbcnav.errors import CaseValidationError

SHIVERY = "I feel shivery and hot"
BIDI = "abc\u202edef"


def _problem(client: TestClient, body: Any, path: str = "/api/v1/assess") -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


# ---------------------------------------------------------------- 1. a refused note hides nothing


def test_case_form_bidi_note_keeps_the_febrile_neutropenia_emergency(browser_client: TestClient) -> None:
    data = {
        "symptoms": SHIVERY,
        "notes": BIDI,
        "current_treatment.0.drug": "paclitaxel",
        "labs.temp_c": "38.6",
    }
    response = browser_client.post("/cases", data=data)
    assert response.status_code == 422
    page = response.text
    assert 'class="alert alert-emergency"' in page
    assert page.index("Get help now") < page.index("Please fix")


def test_api_bidi_note_keeps_the_symptoms_red_flags(client: TestClient) -> None:
    body = {
        "symptoms": [SHIVERY],
        "notes": [BIDI],
        "current_treatment": [{"drug": "paclitaxel"}],
        "labs": {"temp_c": 38.6},
    }
    problem = _problem(client, body)
    assert problem["urgency"] == "emergency"
    assert any(e["field"] == "notes.0" and "U+202E" in e["message"] for e in problem["errors"])


def test_api_one_bad_note_does_not_drop_the_good_ones(client: TestClient) -> None:
    body = {"notes": [BIDI, "my legs are weak and I can't pee"]}
    assert _problem(client, body)["urgency"] == "emergency"


# ---------------------------------------------------------------- 2. a °F temperature still counts


@pytest.mark.parametrize("extra", [{}, {"patient": {"age": "fifty"}}])
def test_api_fahrenheit_fever_on_paclitaxel_is_an_emergency(
    client: TestClient, extra: dict[str, Any]
) -> None:
    body = {
        "symptoms": ["chills"],
        "current_treatment": [{"drug": "paclitaxel"}],
        "labs": {"temp_c": 101.5},
        **extra,
    }
    problem = _problem(client, body)
    assert problem["urgency"] == "emergency"
    assert any(e["field"] == "labs.temp_c" for e in problem["errors"])


def test_case_form_fahrenheit_fever_with_an_age_typo_stays_an_emergency(browser_client: TestClient) -> None:
    data = {
        "symptoms": SHIVERY,
        "current_treatment.0.drug": "paclitaxel",
        "labs.temp_c": "101.5",
        "patient.age": "fifty",
    }
    response = browser_client.post("/cases", data=data)
    assert response.status_code == 422
    page = response.text
    assert 'class="alert alert-emergency"' in page
    assert "101.5 °F is 38.6 °C" in page


def test_case_form_fahrenheit_and_bidi_note_together_stay_an_emergency(browser_client: TestClient) -> None:
    data = {
        "symptoms": SHIVERY,
        "notes": BIDI,
        "current_treatment.0.drug": "paclitaxel",
        "labs.temp_c": "101.5",
    }
    page = browser_client.post("/cases", data=data).text
    assert 'class="alert alert-emergency"' in page and "101.5 °F is 38.6 °C" in page


def test_normal_fahrenheit_temperature_raises_no_flag(client: TestClient) -> None:
    problem = _problem(client, {"symptoms": ["I feel tired"], "labs": {"temp_c": 98.6}})
    assert "urgency" not in problem or problem["urgency"] is None


# ---------------------------------------------------------------- 5. one plain message path


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"patient": {"age": "52"}}, "patient.age", "age must be a whole number in digits"),
        ({"metastatic_sites": ["bones"]}, "metastatic_sites.0", "Did you mean 'bone'?"),
        ({"notes": ["x"] * 51}, "notes", "at most 50 entries per case, not 51"),
        ({"symptoms": ["x"] * 51}, "symptoms", "at most 50 entries per case, not 51"),
    ],
)
def test_single_assess_gives_the_plain_case_messages(
    client: TestClient, body: dict[str, Any], field: str, words: str
) -> None:
    problem = _problem(client, body)
    assert any(e["field"] == field and words in e["message"] for e in problem["errors"]), problem
    assert "Input should be" not in problem["detail"] and "Tuple should" not in problem["detail"]
    batch = client.post("/api/v1/assess/batch", json=[body]).json()[0]["error"]
    assert batch["errors"] == problem["errors"]


def test_single_assess_non_object_and_unknown_field(client: TestClient) -> None:
    assert _problem(client, [1, 2])["errors"][0]["message"] == "a case must be a JSON object"
    problem = _problem(client, {"colour": "blue"})
    message = "unknown field (not part of the Case format)"
    assert problem["errors"] == [{"field": "colour", "message": message}]


def test_openapi_still_documents_the_case_body_and_problems(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/assess", "/api/v1/assess/fhir"):
        op = spec["paths"][path]["post"]
        body = op["requestBody"]["content"]["application/json"]
        assert body["schema"]["$ref"] == "#/components/schemas/Case"
        assert body.get("examples")
        assert "application/problem+json" in op["responses"]["422"]["content"]
    assert "Case" in spec["components"]["schemas"]


def test_valid_case_still_assessed(client: TestClient) -> None:
    case = {"symptoms": ["I feel tired"], "metastatic_sites": ["bone"]}
    response = client.post("/api/v1/assess", json=case)
    assert response.status_code == 200 and "red_flags" in response.json()


# ---------------------------------------------------------------- 9. hidden characters everywhere


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ({"current_meds": ["apix\u202eaban"]}, "current_meds.0"),
        ({"prior_treatment": [{"drug": "letro\u0000zole"}]}, "prior_treatment.0.drug"),
        ({"current_treatment": [{"drug": "pacli\u2066taxel"}]}, "current_treatment.0.drug"),
        ({"proposed_treatment": [{"drug": "ola\u0007parib"}]}, "proposed_treatment.0.drug"),
        ({"allergies": [{"drug": "penicillin", "reaction": "rash\u202e"}]}, "allergies.0.reaction"),
        ({"prior_treatment": [{"drug": "letrozole", "stopped_for": {"toxicity": "jo\u0000int pain"}}]},
         "prior_treatment.0.stopped_for.toxicity"),
        ({"comorbidities": ["diab\u202eetes"]}, "comorbidities.0"),
    ],
)
def test_hidden_characters_refused_in_every_free_text(case: dict[str, Any], field: str) -> None:
    with pytest.raises(CaseValidationError) as err:
        parse_case(case)
    assert any(f == field and "invisible control character U+" in m for f, m in err.value.problems), (
        err.value.problems
    )


def test_triage_text_with_hidden_character_is_refused_naming_the_field(client: TestClient) -> None:
    problem = _problem(client, {"text": "abc\u202e def"}, "/api/v1/triage")
    assert problem["errors"][0]["field"] == "text" and "U+202E" in problem["errors"][0]["message"]
    assert "\u202e" not in client.post("/api/v1/triage", json={"text": "abc\u202e def"}).text


def test_triage_text_with_hidden_character_keeps_its_red_flags(client: TestClient) -> None:
    problem = _problem(client, {"text": "my legs are weak and I can't pee\u000c"}, "/api/v1/triage")
    assert problem["urgency"] == "emergency"


def test_ask_question_with_hidden_character_is_refused(client: TestClient) -> None:
    response = client.get("/api/v1/ask", params={"q": "what is fulvestrant\u202e"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "q"
