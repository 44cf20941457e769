"""Pages after the web acceptance sweep 6 (/work/scratch-web6/report.md items 2, 4, 5, 6, 7, 8, 10):
editing a saved case, the audience order of the result page, readable calculation names, the API docs
page's language and landmark, the favicon, and the PDF kept per saved case."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

HER2_CASE_FORM = {
    "id": "sweep6-edit",
    "patient.age": "58",
    "patient.sex": "F",
    "patient.menopausal": "post",
    "patient.weight_kg": "70",
    "patient.height_cm": "165",
    "tumor.er_percent": "90",
    "tumor.pr_percent": "40",
    "tumor.her2_ihc": "1+",
    "metastatic_sites": ["bone", "liver"],
    "labs.creatinine_mg_dl": "0.9",
    "current_meds": "paroxetine\n",
    "prior_treatment.0.drug": "letrozole",
    "prior_treatment.0.setting": "adjuvant",
}

#: spinal cord compression in everyday words: an emergency red flag (reasoning/rules/triage.yaml)
EMERGENCY_CASE_FORM = {
    **HER2_CASE_FORM,
    "id": "sweep6-emergency",
    "symptoms": "my back hurts and my legs feel weak and numb\n",
}


def _submit(client: TestClient, data: dict[str, Any]) -> str:
    response = client.post("/cases", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    return str(response.headers["location"])


# --- 4: edit a saved case ------------------------------------------------------------------------


def test_result_page_links_to_the_case_form_filled_in_from_the_saved_case(browser_client: TestClient) -> None:
    location = _submit(browser_client, HER2_CASE_FORM)
    assert f'href="{location}/edit"' in browser_client.get(location).text
    form = browser_client.get(f"{location}/edit")
    assert form.status_code == 200
    text = form.text
    assert re.search(r'name="patient\.age" value="58"', text)
    assert re.search(r'value="bone" checked', text) and re.search(r'value="liver" checked', text)
    assert re.search(r'<textarea id="current_meds"[^>]*>paroxetine</textarea>', text)
    assert re.search(r'<option value="letrozole"|name="prior_treatment\.0\.drug" value="letrozole"', text)
    assert 'action="/cases"' in text and "stays as it was" in text


def test_edited_case_is_a_new_assessment_and_the_saved_one_stays(browser_client: TestClient) -> None:
    first = _submit(browser_client, HER2_CASE_FORM)
    second = _submit(browser_client, {**HER2_CASE_FORM, "patient.age": "61"})
    assert second != first
    assert browser_client.get(f"{first}/case.json").json()["patient"]["age"] == 58
    assert browser_client.get(f"{second}/case.json").json()["patient"]["age"] == 61


def test_edit_of_an_unknown_case_is_404(browser_client: TestClient) -> None:
    assert browser_client.get("/cases/AAAAAAAAAAAAAAAAAAAAAA/edit").status_code == 404
    assert browser_client.get("/cases/..%2F..%2Fetc/edit").status_code == 404


# --- 5: no select submits on change ----------------------------------------------------------------


def test_analytics_selects_do_not_submit_on_change(browser_client: TestClient) -> None:
    text = browser_client.get("/analytics").text
    assert "data-autosubmit" not in text
    assert "autosubmit" not in browser_client.get("/static/app.js").text
    assert re.search(r'<button type="submit">Show</button>', text)


# --- 6: calculation keys in words ------------------------------------------------------------------


def test_result_page_and_pdf_name_calculations_in_words(browser_client: TestClient) -> None:
    location = _submit(browser_client, HER2_CASE_FORM)
    text = browser_client.get(location).text
    table = re.search(r'<table class="data calc-table">(.*?)</table>', text, re.S)
    assert table, "no Calculations table"
    rows = table.group(1)
    assert "Body surface area (Mosteller), m²" in rows
    assert "Creatinine clearance (Cockcroft-Gault), mL/min" in rows
    assert not re.search(r'<th scope="row">[a-z_0-9]+</th>', rows)  # no raw key such as bsa_mosteller_m2


def test_calculator_values_are_named_in_words(browser_client: TestClient) -> None:
    response = browser_client.post(
        "/calculators/crcl",
        data={"age": "60", "weight_kg": "100", "height_cm": "165", "creatinine_mg_dl": "1", "sex": "F"},
    )
    assert response.status_code == 200
    text = response.text
    assert "Creatinine clearance (Cockcroft-Gault, adjusted body weight), mL/min" in text
    assert "Body mass index, kg/m²" in text
    assert "Crcl ml min" not in text


def test_the_fhir_export_and_the_pages_use_one_name_table() -> None:
    from mbcnav.calculation_labels import CALCULATIONS, calculation_label
    from mbcnav.interop.fhir_export import _CALCULATIONS

    assert _CALCULATIONS is CALCULATIONS
    assert calculation_label("crcl_adjbw_ml_min").startswith(CALCULATIONS["crcl_adjbw_ml_min"][0])
    assert calculation_label("something_new") == "Something new"


# --- 7: the audience switch orders the result page -------------------------------------------------


def _positions(text: str, *needles: str) -> list[int]:
    found = [text.find(n) for n in needles]
    assert all(i >= 0 for i in found), dict(zip(needles, found, strict=True))
    return found


def test_clinician_audience_leads_with_the_detail_and_red_flags_stay_first(
    browser_client: TestClient,
) -> None:
    location = _submit(browser_client, EMERGENCY_CASE_FORM)
    browser_client.cookies.set("mbcnav_audience", "clinician")
    try:
        text = browser_client.get(location).text
    finally:
        browser_client.cookies.delete("mbcnav_audience")
    flags, detail, summary = _positions(
        text, 'id="warning-signs"', "Detail for the care team", "Summary in plain words"
    )
    assert flags < detail < summary
    assert text.count('role="alert"') == 1  # the warning signs are shown once, at the top
    assert "Call your local emergency number" in text[flags:detail]
    assert 'href="#public-title"' in text[:detail]  # a jump to the plain-words summary


def test_public_audience_leads_with_the_summary_and_red_flags_first(browser_client: TestClient) -> None:
    location = _submit(browser_client, EMERGENCY_CASE_FORM)
    browser_client.cookies.delete("mbcnav_audience")
    text = browser_client.get(location).text
    summary, flags, detail = _positions(
        text, "Summary in plain words", 'id="warning-signs"', "Detail for the care team"
    )
    assert summary < flags < detail
    assert text.index('id="warning-signs"') < text.index("Kind of breast cancer")


# --- 8: the API docs page --------------------------------------------------------------------------


def test_api_docs_page_has_a_language_and_a_main_landmark(client: TestClient) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    text = response.text
    assert '<html lang="en">' in text
    assert re.search(r'<main id="main">.*<div id="swagger-ui"></div></main>', text, re.S)
    assert "/api/docs-assets/swagger-ui-bundle.js" in text  # still offline, from our own assets


# --- 10: favicon and the PDF cache -----------------------------------------------------------------


def test_favicon_is_served_and_named_by_every_page(browser_client: TestClient) -> None:
    assert '<link rel="icon" href="/static/favicon.svg"' in browser_client.get("/").text
    icon = browser_client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")


def test_a_saved_case_pdf_is_rendered_once(
    browser_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import weasyprint

    renders: list[int] = []
    write_pdf = weasyprint.HTML.write_pdf

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        renders.append(1)
        return write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", counted)
    location = _submit(browser_client, HER2_CASE_FORM)
    first = browser_client.get(f"{location}/report.pdf")
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    again = browser_client.get(f"{location}/report.pdf")
    assert again.status_code == 200 and again.content == first.content
    assert len(renders) == 1
    other = _submit(browser_client, {**HER2_CASE_FORM, "patient.age": "63"})
    assert browser_client.get(f"{other}/report.pdf").content.startswith(b"%PDF")
    assert len(renders) == 2  # another saved case gets its own report


def test_pdf_cache_drops_the_least_recently_used_first() -> None:
    from mbcnav.web.pdf import PdfCache

    cache = PdfCache(max_bytes=10)
    cache.put(("a", "x"), b"12345")
    cache.put(("b", "x"), b"12345")
    assert cache.get(("a", "x")) == b"12345"  # now the most recently used
    cache.put(("c", "x"), b"12345")
    assert cache.get(("b", "x")) is None
    assert cache.get(("a", "x")) == b"12345" and cache.get(("c", "x")) == b"12345"
    cache.put(("big", "x"), b"x" * 11)
    assert cache.get(("big", "x")) is None


# --- 2 (page side): every brain field's error sits at its field ------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("brain_mets_count", "2"),
        ("brain_mets_status", "stable"),
        ("brain_mets_symptomatic", "true"),
    ],
)
def test_brain_field_without_brain_site_is_linked_and_marked_invalid(
    browser_client: TestClient, field: str, value: str
) -> None:
    response = browser_client.post(
        "/cases",
        data={field: value, "metastatic_sites": ["bone"], "tumor.er_percent": "90"},
        follow_redirects=False,
    )
    assert response.status_code == 422
    text = response.text
    assert f'href="#f-{field}"' in text  # the error summary links to the field
    assert f'id="err-{field}"' in text
    assert re.search(rf'id="{field}" name="{field}"[^>]*aria-invalid="true"', text)


# --- in a real browser -----------------------------------------------------------------------------

#: doxorubicin and epirubicin given before, more planned: the anthracycline alert codes (long words)
ANTHRACYCLINE_CASE = {
    "patient": {"age": 58, "sex": "F", "weight_kg": 70, "height_cm": 165, "ecog": 1},
    "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"},
    "metastatic_sites": ["liver"],
    "labs": {"creatinine_mg_dl": 0.9, "albumin_g_dl": 4.0, "calcium_mg_dl": 9.5},
    "cumulative_doxorubicin_mg_m2": 240,
    "cumulative_epirubicin_mg_m2": 100,
    "proposed_treatment": [{"drug": "doxorubicin", "dose_mg_m2": 60}],
}


def _browser_page(browser: Any, base_url: str, width: int) -> Any:
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 800})
    context.set_default_timeout(20000)
    return context.new_page()


@pytest.mark.browser
@pytest.mark.parametrize("width", [320, 375])
def test_result_page_with_long_codes_fits_a_phone(browser: Any, base_url: str, width: int) -> None:
    import json

    page = _browser_page(browser, base_url, width)
    try:
        page.goto("/cases/new")
        page.set_input_files(
            "#case_file",
            files=[
                {
                    "name": "case.json",
                    "mimeType": "application/json",
                    "buffer": json.dumps(ANTHRACYCLINE_CASE).encode(),
                }
            ],
        )
        with page.expect_navigation():
            page.get_by_role("button", name="Assess this case", exact=True).click()
        text = page.content()
        assert "cumulative_anthracycline_warning" in text and "Calculations" in text, "no long codes"
        for audience in ("Patients and families", "Clinicians"):
            with page.expect_navigation():
                page.get_by_role("button", name=audience).click()
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, f"{audience}: the result page scrolls sideways by {overflow}px at {width}px"
    finally:
        page.context.close()


@pytest.mark.browser
def test_changing_a_survival_data_select_does_not_leave_the_page(browser: Any, base_url: str) -> None:
    """WCAG 3.2.2 On Input: only the Show button submits the form."""
    page = _browser_page(browser, base_url, 1100)
    try:
        page.goto("/analytics?dataset=gbsg2")
        page.evaluate("window.__stillHere = true")
        page.select_option("#by", "horTh")
        page.keyboard.press("Tab")  # leave the select, as a keyboard user would
        assert page.evaluate("window.__stillHere === true"), "changing the select loaded a new page"
        assert "by=horTh" not in page.url
        with page.expect_navigation():
            page.get_by_role("button", name="Show").click()
        assert "by=horTh" in page.url
    finally:
        page.context.close()


@pytest.mark.browser
def test_api_docs_page_has_lang_and_main_for_axe(browser: Any, base_url: str) -> None:
    """The wrapper page's own rules; Swagger UI's widgets (contrast, nested controls) are its authors'."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
    page = _browser_page(browser, base_url, 1100)
    try:
        page.goto("/api/docs")
        page.wait_for_selector(".swagger-ui .info")
        rules = ["html-has-lang", "html-lang-valid", "landmark-one-main", "page-has-heading-one"]
        options = {"runOnly": {"type": "rule", "values": rules}, "resultTypes": ["violations"]}
        violations = axe.run(page, options=options).response["violations"]
        assert violations == [], [v["id"] for v in violations]
    finally:
        page.context.close()
