"""Web acceptance sweep 8 (/work/scratch-web8/report.md), through the pages, the API and the CLI:
a bad lab field never hides the words' emergency, °F is taken with a note, receptor status counts as
tested, unit hints for HbA1c in mmol/mol and height in metres, one time per banner, no repeated
diabetes sentence and no "high sugar" on an unlabelled 126 mg/dL, context for the medicine-safety list,
and the Ask page's banner and title."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mbcnav.case import parse_case
from mbcnav.errors import CaseValidationError
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.calculators import CALCULATORS

CORD = "my legs are weak and I can't pee"


# ---------------------------------------------------------------- 1. red flags are never hidden


def test_symptom_checker_bad_temperature_still_shows_the_emergency_first(browser_client: TestClient) -> None:
    response = browser_client.post("/symptoms", data={"text": CORD, "labs.temp_c": "98.6"})
    assert response.status_code == 422  # the field is still wrong and nothing is judged on it
    page = response.text
    assert 'class="alert alert-emergency"' in page and "Get help now" in page
    assert page.index("Get help now") < page.index("Please fix 1 problem")
    assert re.search(r'id="err-labs.temp_c">', page)


def test_symptom_checker_takes_fahrenheit_with_a_visible_note(browser_client: TestClient) -> None:
    shivery = {"text": "I feel shivery, I'm on chemo", "labs.temp_c": "101.5 F"}
    page = browser_client.post("/symptoms", data=shivery)
    assert page.status_code == 200, page.text[:400]
    assert "101.5 °F was read as 38.6 °C" in page.text
    plain = browser_client.post("/symptoms", data={"text": "I feel hot", "labs.temp_c": "98.6°F"})
    assert plain.status_code == 200 and "98.6 °F was read as 37.0 °C" in plain.text


def test_triage_api_bad_lab_keeps_the_problem_but_adds_the_words_red_flags(client: TestClient) -> None:
    response = client.post("/api/v1/triage", json={"text": CORD, "labs": {"temp_c": 98.6}})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["errors"][0]["field"] == "labs.temp_c"
    assert body["urgency"] == "emergency"
    assert "spinal_cord_compression" in [f["code"] for f in body["red_flags"]]
    # no red flags in the words: the problem document stays as it was
    calm = client.post("/api/v1/triage", json={"text": "I feel fine", "labs": {"temp_c": 98.6}}).json()
    assert "red_flags" not in calm and calm["status"] == 422


def test_case_form_bad_calcium_still_shows_the_symptoms_emergency(browser_client: TestClient) -> None:
    response = browser_client.post("/cases", data={"symptoms": CORD, "labs.calcium_mg_dl": "2.4"})
    assert response.status_code == 422
    page = response.text
    assert "Get help now" in page and page.index("Get help now") < page.index("Please fix")


def test_cli_triage_bad_temperature_prints_red_flags_then_exits_2(tmp_path: Path) -> None:
    env = {**os.environ, "MBCNAV_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "120"}
    proc = subprocess.run(
        [sys.executable, "-c", "from mbcnav.cli import main; main()", "triage", CORD, "--temp-c", "98.6"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert proc.returncode == 2
    assert "EMERGENCY" in proc.stdout and "°F" in proc.stderr


# ---------------------------------------------------------------- 2. receptor status counts as tested


def _case(**extra: Any) -> dict[str, Any]:
    return {
        "patient": {"age": 60, "sex": "F", "menopausal": "post"},
        "metastatic_sites": ["bone"],
        "line": 1,
        **extra,
    }


def test_receptor_status_without_percent_is_not_an_urgent_retest() -> None:
    tumor = {"er_status": "negative", "pr_status": "negative", "her2_status": "positive", "her2_ihc": "3+"}
    urgent = [w.code for w in assess(parse_case(_case(tumor=tumor))).workup if w.urgency == "urgent"]
    assert "receptor_retest" not in urgent
    status_only = {"er_status": "positive", "pr_status": "positive", "her2_status": "negative"}
    urgent = [w.code for w in assess(parse_case(_case(tumor=status_only))).workup if w.urgency == "urgent"]
    assert "receptor_retest" not in urgent
    untested = assess(parse_case(_case(tumor={"her2_ihc": "0"})))
    nothing = [w.code for w in untested.workup if w.urgency == "urgent"]
    assert "receptor_retest" in nothing


# ---------------------------------------------------------------- 3. unit hints


def _problems(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(CaseValidationError) as exc:
        parse_case(data)
    return dict(exc.value.problems)


def test_hba1c_in_mmol_per_mol_gets_the_ngsp_conversion() -> None:
    message = _problems({"labs": {"hba1c_percent": 58}})["labs.hba1c_percent"]
    assert "mmol/mol" in message and "7.5%" in message  # 0.0915 x 58 + 2.15 = 7.46


def test_height_in_metres_is_named() -> None:
    assert "metres" in _problems({"patient": {"height_cm": 1.65}})["patient.height_cm"]
    with pytest.raises(Exception, match="metres"):
        CALCULATORS["bsa"].compute({"height_cm": 1.65, "weight_kg": 70})


def test_bilirubin_17_is_kept_with_a_umol_hint(client: TestClient) -> None:
    case = _case(tumor={"er_percent": 90, "her2_ihc": "1+"}, labs={"bilirubin_mg_dl": 17})
    body = client.post("/api/v1/assess", json=case)
    assert body.status_code == 200
    hints = body.json()["unit_hints"]
    assert hints[0]["field"] == "labs.bilirubin_mg_dl" and "1.0 mg/dL" in hints[0]["message"]


# ---------------------------------------------------------------- 4. one time per banner


def test_urgent_banner_gives_one_time() -> None:
    from mbcnav.web.pages.common import templates

    class Flag:
        code = "severe_distress"
        title = "Severe distress"
        urgency = "urgent"
        public = "p"
        clinician = "c"
        rationale = ""
        sources: tuple[str, ...] = ()

    macro = templates.env.get_template("macros.html").module.red_flag_banner  # type: ignore[attr-defined]
    html = str(macro([Flag()], "public", "urgent"))
    assert "today" in html.split("</h2>")[0]
    assert "now, day or night" not in html


# ---------------------------------------------------------------- 5. diabetes caution


def test_diabetes_caution_says_each_sentence_once_and_126_unlabelled_is_not_high() -> None:
    case = _case(
        tumor={"er_percent": 90, "her2_ihc": "1+", "pik3ca": "mutant"},
        comorbidities=["type 2 diabetes"],
        labs={"glucose_mg_dl": 130},
        proposed_treatment=[{"drug": "alpelisib"}],
    )
    alerts = [a for a in assess(parse_case(case)).safety_alerts if a.code == "hyperglycemia_risk"]
    assert alerts
    for alert in alerts:
        assert alert.public.count("This medicine raises blood sugar") == 1, alert.public
        assert "Your blood sugar is high" not in alert.public
    high = {**case, "labs": {"glucose_mg_dl": 240}}
    alerts = [a for a in assess(parse_case(high)).safety_alerts if a.code == "hyperglycemia_risk"]
    assert any("Your blood sugar is high" in a.public for a in alerts)
    # the high-glucose and the diabetes texts merge into one alert per drug: the shared sentence once
    for alert in alerts:
        assert alert.public.count("This medicine raises blood sugar") == 1, alert.public


# ---------------------------------------------------------------- 6 and 7. pages


def test_public_medicine_safety_list_says_these_are_checks(browser_client: TestClient) -> None:
    case = _case(
        tumor={"er_percent": 90, "her2_ihc": "1+", "pik3ca": "mutant"},
        comorbidities=["diabetes"],
        labs={"bilirubin_mg_dl": 17},
    )
    upload = {"case_file": ("c.json", json.dumps(case), "application/json")}
    response = browser_client.post("/cases", files=upload, follow_redirects=True)
    assert response.status_code == 200
    section = response.text.split("<h3>Medicine safety</h3>", 1)[1].split("</ul>", 1)[0]
    assert "not a plan" in section
    # the bilirubin kept as given carries its unit hint on the page too
    assert "if this is µmol/L, it is 1.0 mg/dL" in response.text


def test_ask_page_puts_the_banner_above_the_form_and_titles_it(browser_client: TestClient) -> None:
    page = browser_client.get("/ask", params={"q": "my back hurts and my legs feel weak"}).text
    assert page.index('role="alert"') < page.index('<form class="search"')
    assert re.search(r"<title>Emergency: ", page)
    error = browser_client.post("/symptoms", data={"text": "I feel hot", "labs.temp_c": "98.6"}).text
    assert re.search(r"<title>Error: ", error)


def test_ask_banner_is_in_the_first_screen_at_phone_width(base_url: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 667})
    try:
        page.goto(f"{base_url}/ask?q=my+back+hurts+and+my+legs+feel+weak")
        top = page.locator('[role="alert"]').first.bounding_box()
        # before: ~585 px down, below the form; now its heading is inside the first 667 px screen
        assert top is not None and top["y"] + 80 < 667
    finally:
        page.close()
