"""Server-rendered pages without JavaScript: audience switch, Learn, Ask, symptom checker,
calculators, the case form (every field of the Case format, inline errors), permalinks, PDF."""

from __future__ import annotations

import io
import re
import typing
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from mbcnav.case import Case
from mbcnav.web.store import AssessmentStore

CARE_TEAM_LINE = "supports, not replaces, your care team"
PAGES = (
    "/",
    "/learn",
    "/learn/kind/drug",
    "/learn/paclitaxel",
    "/ask?q=fatigue",
    "/symptoms",
    "/calculators",
    "/calculators/crcl",
    "/cases/new",
    "/analytics",
)


@pytest.mark.parametrize("url", PAGES)
def test_every_page_carries_the_care_team_line_and_a_skip_link(browser_client: TestClient, url: str) -> None:
    response = browser_client.get(url)
    assert response.status_code == 200
    assert CARE_TEAM_LINE in response.text
    assert 'href="#main"' in response.text and 'id="main"' in response.text
    assert '<html lang="en">' in response.text


def test_audience_switch_is_a_remembered_cookie(browser_client: TestClient) -> None:
    public = browser_client.get("/learn/paclitaxel").text
    assert "It goes into a vein through a drip" in public.split("<details>")[0]
    response = browser_client.post(
        "/audience", data={"audience": "clinician", "next": "/learn/paclitaxel"}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/learn/paclitaxel"
    clinician = browser_client.get("/learn/paclitaxel").text
    main = clinician.split("<details>")[0]
    assert "<strong>Label (MBC):</strong>" in main
    assert "It goes into a vein through a drip" not in main
    assert 'value="clinician" aria-pressed="true"' in clinician
    browser_client.get("/audience", params={"audience": "public", "next": "/"})
    assert (
        "<strong>Label (MBC):</strong>"
        not in browser_client.get("/learn/paclitaxel").text.split("<details>")[0]
    )


def test_audience_switch_refuses_open_redirects(browser_client: TestClient) -> None:
    response = browser_client.post(
        "/audience", data={"audience": "public", "next": "//evil.example/"}, follow_redirects=False
    )
    assert response.headers["location"] == "/"


def test_learn_index_lists_every_kind_and_drug_page_shows_label_facts(browser_client: TestClient) -> None:
    index = browser_client.get("/learn").text
    for heading in ("Medicines", "Where it spreads", "Questions people ask", "Symptoms"):
        assert heading in index
    drug = browser_client.get("/learn/palbociclib").text
    assert "Ibrance" in drug and "Checks while on it" in drug and "Serious side effects" in drug
    assert 'href="https://' in drug  # sources are linked


def test_unknown_page_is_html_404_for_browsers_and_problem_json_otherwise(
    browser_client: TestClient, client: TestClient
) -> None:
    response = browser_client.get("/learn/no-such-page")
    assert response.status_code == 404 and "text/html" in response.headers["content-type"]
    assert CARE_TEAM_LINE in response.text
    response = client.get("/learn/no-such-page")
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    assert browser_client.delete("/learn").status_code == 405


def test_ask_page_shows_red_flags_before_answers(browser_client: TestClient) -> None:
    text = browser_client.get("/ask", params={"q": "my back hurts and my legs feel weak"}).text
    assert 'role="alert"' in text
    assert text.index('role="alert"') < text.index("<h2>Answers</h2>")


def test_symptom_checker_emergency_banner_says_what_to_do_now(browser_client: TestClient) -> None:
    text = browser_client.post("/symptoms", data={"text": "my back hurts and my legs feel weak"}).text
    banner = text[text.index('role="alert"') :]
    assert "Spinal cord compression" in banner or "spinal cord" in banner.lower()
    assert "emergency" in banner.lower() and "now" in banner


def test_symptom_checker_lab_in_wrong_unit_is_an_inline_error(browser_client: TestClient) -> None:
    response = browser_client.post("/symptoms", data={"text": "I feel hot", "labs.temp_c": "101.5"})
    assert response.status_code == 422
    assert re.search(r'id="err-labs.temp_c"><strong>Temperature \(°C\):</strong>[^<]*°C', response.text)
    assert 'value="101.5"' in response.text
    # the input is linked to its hint and its error (sweep 6: the lab inputs had no aria-describedby)
    field = re.search(r'<input[^>]*id="labs.temp_c"[^>]*>', response.text)
    assert field and 'aria-describedby="hint-labs.temp_c err-labs.temp_c"' in field.group(0)
    assert 'id="hint-labs.temp_c"' in response.text and 'aria-invalid="true"' in field.group(0)


def test_calculator_page_error_then_result(browser_client: TestClient) -> None:
    response = browser_client.post("/calculators/bsa", data={"height_cm": "17", "weight_kg": "70"})
    assert response.status_code == 422
    assert 'id="err-height_cm"' in response.text and 'value="17"' in response.text
    response = browser_client.post("/calculators/bsa", data={"height_cm": "170", "weight_kg": "70"})
    assert response.status_code == 200 and "1.82" in response.text
    assert "mosteller" in response.text.lower()


def _leaf_fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every leaf field of a model as the form names it (rows of lists get index 0)."""
    names: list[str] = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if type(None) in typing.get_args(annotation):
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        inner = annotation
        if typing.get_origin(inner) is tuple:
            item = typing.get_args(inner)[0]
            if isinstance(item, type) and issubclass(item, BaseModel):
                names += _leaf_fields(item, f"{prefix}{name}.0.")
                continue
            names.append(f"{prefix}{name}")
        elif isinstance(inner, type) and issubclass(inner, BaseModel):
            names += _leaf_fields(inner, f"{prefix}{name}.")
        else:
            names.append(f"{prefix}{name}")
    return names


def test_case_form_has_every_field_of_the_case_format(browser_client: TestClient) -> None:
    text = browser_client.get("/cases/new").text
    missing = [name for name in _leaf_fields(Case) if f'name="{name}"' not in text]
    assert missing == []
    assert "Creatinine (mg/dL)" in text and "Weight (kg)" in text  # units in labels


def test_case_form_error_names_the_field_and_keeps_values(browser_client: TestClient) -> None:
    response = browser_client.post(
        "/cases",
        data={
            "patient.age": "300",
            "tumor.er_percent": "90",
            "metastatic_sites": ["bone", "liver"],
            "symptoms": "my hip aches",
            "prior_treatment.0.drug": "letrozole",
        },
        follow_redirects=False,
    )
    assert response.status_code == 422
    # the visible label and plain words, not the internal path and pydantic's wording (sweep 6)
    label = r'id="err-patient.age"><strong>Age \(years\):</strong> must be 120 or less'
    assert re.search(label, response.text)
    assert "patient.age:" not in response.text and "Input should be" not in response.text
    assert 'name="patient.age" value="300"' in response.text
    assert 'value="letrozole"' in response.text and "my hip aches</textarea>" in response.text
    assert re.search(r'value="liver"\s+checked', response.text)


def test_case_form_yes_no_and_whole_numbers_reach_the_case_as_json_types(browser_client: TestClient) -> None:
    """The Case refuses text where a number or true/false belongs; the form must send the right types."""
    response = browser_client.post(
        "/cases",
        data={
            "patient.age": "44.0",
            "patient.sex": "F",
            "patient.pregnant": "true",
            "metastatic_sites": ["bone"],
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]
    saved = browser_client.get(response.headers["location"] + "/case.json").json()
    assert saved["patient"]["age"] == 44 and saved["patient"]["pregnant"] is True


def test_case_form_unknown_drug_in_a_row_is_named(browser_client: TestClient) -> None:
    response = browser_client.post("/cases", data={"prior_treatment.1.drug": "letrozolle"})
    assert response.status_code == 422
    assert 'id="err-prior_treatment.1.drug"' in response.text and "letrozole" in response.text


def _submit_valid(browser_client: TestClient) -> str:
    response = browser_client.post(
        "/cases",
        data={
            "id": "form-case",
            "patient.age": "58",
            "patient.sex": "F",
            "patient.menopausal": "post",
            "tumor.er_percent": "90",
            "tumor.pr_percent": "40",
            "tumor.her2_ihc": "1+",
            "metastatic_sites": ["bone", "liver"],
            "current_meds": "paroxetine\n",
            "prior_treatment.0.drug": "letrozole",
            "prior_treatment.0.setting": "adjuvant",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:2000]
    return response.headers["location"]


def test_case_result_has_both_voices_and_a_permalink(browser_client: TestClient) -> None:
    location = _submit_valid(browser_client)
    text = browser_client.get(location).text
    assert text.index("Summary in plain words") < text.index("Detail for the care team")
    assert "HR+/HER2-" in text and "Sources" in text
    assert location in text  # the permalink is printed
    case = browser_client.get(f"{location}/case.json").json()
    assert case["patient"]["age"] == 58 and case["current_meds"] == ["paroxetine"]


def test_case_pdf_report_public_first_then_clinician(browser_client: TestClient) -> None:
    from pypdf import PdfReader

    location = _submit_valid(browser_client)
    response = browser_client.get(f"{location}/report.pdf")
    assert response.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert (
        text.index("Summary in plain words") < text.index("Detail for the care team") < text.index("Sources")
    )
    assert "supports, not replaces, your care team" in text
    assert re.search(r"Date: \d{4}-\d{2}-\d{2}", text)


def test_case_pdf_report_is_tagged_for_screen_readers(browser_client: TestClient) -> None:
    """The PDF had no structure tree: a screen reader read it as one untitled run of text."""
    from pypdf import PdfReader

    location = _submit_valid(browser_client)
    reader = PdfReader(io.BytesIO(browser_client.get(f"{location}/report.pdf").content))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True
    assert root["/Lang"] == "en"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert reader.metadata is not None and reader.metadata.title == "mbcnav report: form-case"
    assert b'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data()
    roles: set[str] = set()

    def walk(node: Any) -> None:
        node = node.get_object()
        if isinstance(node, dict):
            if "/S" in node:
                roles.add(str(node["/S"]))
            kids = node.get("/K")
            for kid in kids if isinstance(kids, list) else [kids]:
                if kid is not None and hasattr(kid, "get_object"):
                    walk(kid)

    walk(root["/StructTreeRoot"])
    assert {"/Document", "/H1", "/H2", "/P", "/L", "/LI", "/Table", "/Link"} <= roles


def test_case_upload_json_and_malformed_upload(browser_client: TestClient, hr_case: dict[str, Any]) -> None:
    import orjson

    files = {"case_file": ("case.json", orjson.dumps(hr_case), "application/json")}
    response = browser_client.post("/cases", files=files, follow_redirects=False)
    assert response.status_code == 303
    files = {"case_file": ("case.json", b"{not json", "application/json")}
    response = browser_client.post("/cases", files=files)
    assert response.status_code == 422 and 'id="err-case_file"' in response.text
    bad = {**hr_case, "labs": {"calcium_mg_dl": 2.5}}
    files = {"case_file": ("case.json", orjson.dumps(bad), "application/json")}
    response = browser_client.post("/cases", files=files)
    assert response.status_code == 422 and 'id="err-labs.calcium_mg_dl"' in response.text


def test_unknown_permalink_is_404(browser_client: TestClient) -> None:
    assert browser_client.get("/cases/AAAAAAAAAAAAAAAAAAAAAA").status_code == 404
    assert browser_client.get("/cases/../etc").status_code == 404


def test_analytics_medians_logrank_and_svg(browser_client: TestClient) -> None:
    text = browser_client.get("/analytics", params={"dataset": "gbsg2", "by": "horTh"}).text
    assert "horTh=yes" in text and "Log-rank test" in text
    svg = browser_client.get("/analytics/km.svg", params={"dataset": "gbsg2", "by": "horTh"})
    assert svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
    assert browser_client.get("/analytics", params={"by": "no_such_column"}).status_code == 404


def test_store_round_trip(tmp_path: Any) -> None:
    store = AssessmentStore(f"sqlite:///{tmp_path / 'x.db'}")
    saved = store.save({"id": "a"}, {"subtype": "TNBC"})
    again = store.get(saved.id)
    assert again is not None and again.case == {"id": "a"} and again.assessment == {"subtype": "TNBC"}
    assert store.get("missing") is None


def test_result_page_and_pdf_show_the_case_as_entered(browser_client: TestClient) -> None:
    """Sweep 6: neither the page nor the PDF showed the inputs (a CrCl without its creatinine)."""
    from pypdf import PdfReader

    response = browser_client.post(
        "/cases",
        data={
            "patient.age": "58",
            "patient.weight_kg": "70",
            "tumor.er_percent": "90",
            "tumor.her2_ihc": "1+",
            "metastatic_sites": ["bone", "liver"],
            "labs.creatinine_mg_dl": "1.4",
            "current_meds": "paroxetine",
            "prior_treatment.0.drug": "letrozole",
            "prior_treatment.0.setting": "metastatic",
            "notes": "CT 2024-05: new <b>liver</b> lesion <script>alert(1)</script>",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:2000]
    location = response.headers["location"]
    for audience in ("public", "clinician"):
        browser_client.cookies.set("mbcnav_audience", audience)
        html = browser_client.get(location).text
        start = html.index("The case as entered")  # its own section, wherever the audience puts it
        entered = html[start : html.index("</section>", start)]
        for expected in ("Age (years)", "58", "ER (%)", "90", "HER2 IHC", "1+", "Creatinine (mg/dL)", "1.4"):
            assert f">{expected}<" in entered, (audience, expected)
        assert "paroxetine" in entered and "letrozole" in entered and "bone, liver" in entered
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in entered and "<script>alert" not in html
    browser_client.cookies.delete("mbcnav_audience")
    pdf = browser_client.get(f"{location}/report.pdf").content
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    entered = text[text.index("The case as entered") : text.index("Detail for the care team")]
    for expected in ("Creatinine (mg/dL)", "1.4", "paroxetine", "letrozole", "<script>alert(1)</script>"):
        assert expected in entered, expected


def test_case_form_rows_past_the_limit_are_an_error_not_dropped(browser_client: TestClient) -> None:
    """Sweep 6: prior_treatment.30.drug (or 99999, or -1) was dropped and an empty case was saved."""
    from mbcnav.web.pages.cases import MAX_ROWS

    before = browser_client.get("/cases/new").text
    for key in (f"prior_treatment.{MAX_ROWS}.drug", "prior_treatment.99999.drug", "prior_treatment.-1.drug"):
        response = browser_client.post(
            "/cases", data={"tumor.er_percent": "90", key: "letrozol"}, follow_redirects=False
        )
        assert response.status_code == 422, key
        assert "Treatments already given: row" in response.text
        assert f"at most {MAX_ROWS} rows" in response.text
    assert "data-max-rows=" in before
    response = browser_client.post("/cases", data={"tumor.er_percent": "90", "colour": "blue"})
    assert response.status_code == 422 and "colour: not a field of the case form" in response.text


def test_more_rows_without_javascript_says_what_it_did_not_keep(browser_client: TestClient) -> None:
    """The no-JS "More rows" button capped the list at MAX_ROWS and redisplayed the form without the
    rows past it, saying nothing (the JS "Add a row" button said so)."""
    from mbcnav.web.pages.cases import MAX_ROWS

    last = MAX_ROWS - 1
    response = browser_client.post(
        "/cases",
        data={
            "_more": "prior_treatment",
            f"prior_treatment.{last}.drug": "letrozole",
            f"prior_treatment.{MAX_ROWS}.drug": "fulvestrant",
            f"prior_treatment.{MAX_ROWS + 1}.drug": "exemestane",
            "allergies.0.drug": "penicillin",
        },
    )
    assert response.status_code == 200
    summary = response.text[response.text.index('id="error-summary"') :]
    assert (
        f"Treatments already given: rows {MAX_ROWS + 1} and {MAX_ROWS + 2} were not kept; "
        f"the form takes at most {MAX_ROWS} rows" in summary
    )
    assert 'value="letrozole"' in response.text and 'value="penicillin"' in response.text
    # At the cap: the button is gone and the form says why.
    block = response.text[response.text.index('id="section-prior_treatment"') :]
    block = block[: block.index("</fieldset>")]
    assert 'name="_more"' not in block and f"at most {MAX_ROWS} rows here" in block

    response = browser_client.post(
        "/cases", data={"_more": "prior_treatment", f"prior_treatment.{last}.drug": "letrozole"}
    )
    assert f"Treatments already given: the form takes at most {MAX_ROWS} rows" in response.text
    response = browser_client.post("/cases", data={"_more": "prior_treatment"})
    assert 'id="error-summary"' not in response.text
    assert response.text.count('name="prior_treatment.') > 0


def test_empty_case_form_is_an_error_not_an_assessment(browser_client: TestClient) -> None:
    response = browser_client.post("/cases", data={"id": "", "patient.age": " "}, follow_redirects=False)
    assert response.status_code == 422 and "enter at least one thing about the case" in response.text


def test_case_form_default_button_assesses(browser_client: TestClient) -> None:
    """Enter submits with the form's first submit button; it must be "Assess this case", not a no-JS
    "More rows" button (sweep 6)."""
    text = browser_client.get("/cases/new").text
    form = text[text.index('<form method="post" action="/cases"') :]
    first = re.search(r"<button[^>]*>[^<]*</button>", form)
    assert first and 'type="submit"' in first.group(0) and "name=" not in first.group(0)
    assert "Assess this case" in first.group(0)


def test_case_form_fields_have_plain_help(browser_client: TestClient) -> None:
    import textstat

    from mbcnav.web.forms import FIELD_HELP

    text = browser_client.get("/cases/new").text
    for name in ("tumor.gbrca", "tumor.pik3ca", "tumor.her2_ihc", "tumor.er_percent", "patient.menopausal"):
        hint = re.search(rf'<span class="hint" id="hint-{re.escape(name)}">([^<]+)</span>', text)
        assert hint, name
    hard = {k: v for k, v in FIELD_HELP.items() if textstat.flesch_kincaid_grade(v) > 8}
    assert hard == {}


def test_calculator_form_reports_every_missing_input(browser_client: TestClient) -> None:
    response = browser_client.post("/calculators/crcl", data={})
    assert response.status_code == 422
    assert len(re.findall(r'class="field-error" id="err-', response.text)) >= 3
    assert 'id="err-age"' in response.text


def test_case_upload_with_a_utf8_bom_is_read(browser_client: TestClient, hr_case: dict[str, Any]) -> None:
    import orjson

    files = {"case_file": ("case.json", b"\xef\xbb\xbf" + orjson.dumps(hr_case), "application/json")}
    response = browser_client.post("/cases", files=files, follow_redirects=False)
    assert response.status_code == 303, response.text[:1000]


def test_head_is_get_without_a_body(browser_client: TestClient) -> None:
    for url in ("/", "/learn", "/api/v1/knowledge/kinds"):
        response = browser_client.head(url)
        assert response.status_code == 200, url
        assert response.content == b"" and int(response.headers["content-length"]) > 0


def test_redoc_loads_nothing_from_a_cdn(browser_client: TestClient) -> None:
    html = browser_client.get("/api/redoc").text
    script = re.search(r'<script src="([^"]+redoc[^"]*)"', html)
    assert script and script.group(1).startswith("/")
    js = browser_client.get(script.group(1))
    assert js.status_code == 200 and b"cdn.redoc.ly" not in js.content and b"https://cdn" not in js.content


def test_symptom_form_states_and_enforces_the_triage_engines_length_limit(browser_client: TestClient) -> None:
    """The page's limit is the engine's: a form that let through more than the server takes would
    answer a long message with a refusal; one that allowed less would cut it short."""
    from mbcnav.reasoning.words_first import MAX_TEXT_CHARS

    page = browser_client.get("/symptoms").text
    assert f'maxlength="{MAX_TEXT_CHARS}"' in page
    assert f"Up to {MAX_TEXT_CHARS} characters." in page
    refused = browser_client.post("/symptoms", data={"text": "my back hurts " * (MAX_TEXT_CHARS // 10)})
    assert refused.status_code == 422
    assert f"please keep it under {MAX_TEXT_CHARS} characters" in refused.text


def test_home_question_box_does_not_cut_a_pasted_question_the_ask_page_would_take(
    browser_client: TestClient,
) -> None:
    home = browser_client.get("/").text
    box = re.search(r'<input id="home-q"[^>]*>', home)
    assert box is not None and "maxlength" not in box.group(0)
