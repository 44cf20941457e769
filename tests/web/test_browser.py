"""Real-browser flows with Playwright driving Debian's Chromium (no browser download).

Each test saves a screenshot of the pages it visits under test-output/screenshots/.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"




@pytest.fixture()
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1100, "height": 900}, accept_downloads=True
    )
    pg = context.new_page()
    pg.set_default_timeout(20000)
    yield pg
    context.close()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_switch_audience_is_remembered(page: Any) -> None:
    page.goto("/learn/paclitaxel")
    shot(page, "learn-public")
    assert "drip" in page.locator("main section").first.inner_text()
    page.get_by_role("button", name="Clinicians").click()
    page.wait_for_url("**/learn/paclitaxel")
    assert "Label (MBC)" in page.locator("main section").first.inner_text()
    page.goto("/")
    assert page.get_by_role("button", name="Clinicians").get_attribute("aria-pressed") == "true"
    shot(page, "home-clinician")


def test_keyboard_skip_link_reaches_main(page: Any) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Skip to main content" in focused
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_ask_a_question(page: Any) -> None:
    page.goto("/")
    page.get_by_label("Ask a question").fill("what is ribociclib used for")
    page.get_by_role("button", name="Ask", exact=True).click()
    page.wait_for_url("**/ask?q=*")
    answers = page.locator("ol.answers li")
    assert answers.count() >= 1
    assert "ribociclib" in page.locator("main").inner_text().lower()
    shot(page, "ask")


def test_symptom_checker_emergency_banner(page: Any) -> None:
    page.goto("/symptoms")
    page.get_by_label("What do you feel?").fill("my back hurts and my legs feel weak")
    page.get_by_role("button", name="Check").click()
    alert = page.get_by_role("alert").first
    assert alert.is_visible()
    text = alert.inner_text()
    assert re.search(r"emergency|urgent line", text, re.I) and "now" in text
    shot(page, "symptoms-emergency")


def test_phone_width_has_no_horizontal_scroll(browser: Any, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, viewport={"width": 375, "height": 800})
    pg = context.new_page()
    for url in ("/", "/cases/new", "/learn/palbociclib", "/analytics"):
        pg.goto(url)
        overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{url} scrolls sideways by {overflow}px at 375px"
    pg.goto("/")
    shot(pg, "home-375px")
    context.close()


def test_case_form_error_then_success_then_pdf(page: Any) -> None:
    from pypdf import PdfReader

    page.goto("/cases/new")
    page.fill("#patient\\.age", "300")
    page.fill("#tumor\\.er_percent", "90")
    page.select_option("#tumor\\.her2_ihc", "1+")
    page.check("input[name=metastatic_sites][value=bone]")
    page.fill("#prior_treatment\\.0\\.drug", "letrozole")
    page.get_by_role("button", name="Assess this case").click()
    error = page.locator("#err-patient\\.age")
    assert "Age (years)" in error.inner_text()
    assert page.input_value("#patient\\.age") == "300"
    assert page.input_value("#prior_treatment\\.0\\.drug") == "letrozole"
    shot(page, "case-form-error")

    page.fill("#patient\\.age", "58")
    page.select_option("#patient\\.sex", "F")
    page.get_by_role("button", name="Assess this case").click()
    page.wait_for_url(re.compile(r".*/cases/[A-Za-z0-9_-]{16,}$"))
    main = page.locator("main").inner_text()
    assert main.index("Summary in plain words") < main.index("Detail for the care team")
    shot(page, "case-result")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF for your appointment").click()
    pdf_path = info.value.path()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(pdf_path).read_bytes())).pages)
    assert "Summary in plain words" in text and "Detail for the care team" in text
    assert "supports, not replaces, your care team" in text


def test_calculator_and_analytics_pages(page: Any) -> None:
    page.goto("/calculators/corrected_calcium")
    page.get_by_label("Calcium (mg/dL)").fill("10.1")
    page.get_by_label("Albumin (g/dL)").fill("2.5")
    page.get_by_role("button", name="Calculate").click()
    assert page.locator(".result .value").is_visible()
    shot(page, "calculator")
    page.goto("/analytics?dataset=gbsg2&by=horTh")
    assert page.locator("#km-explorer").is_visible()  # the script ran under the CSP
    assert page.locator("#km-readout li").count() == 2
    img_ok = page.evaluate("document.querySelector('figure.km img').naturalWidth > 0")
    assert img_ok
    shot(page, "analytics")


def test_enter_without_javascript_assesses_the_case(browser: Any, base_url: str) -> None:
    """Sweep 6: with JS off, Enter in a field pressed the first "More rows" button instead."""
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    pg = context.new_page()
    pg.goto("/cases/new?example=1")
    pg.focus("#patient\\.age")
    pg.keyboard.press("Enter")
    pg.wait_for_url(re.compile(r".*/cases/[A-Za-z0-9_-]{16,}$"))
    assert "Summary in plain words" in pg.locator("main").inner_text()
    context.close()


def test_cross_site_form_is_refused_and_own_forms_still_work(browser: Any, base_url: str) -> None:
    """A page on another site posts the case form and the audience switch at mbcnav: Chromium's own
    Origin and Sec-Fetch-Site headers get a 403 page, no saved case and no cookie; the same forms on
    mbcnav's own pages still work."""
    evil = "http://evil.test"
    attack = f"""<!doctype html><html lang="en"><title>x</title><body>
    <form method="post" action="{base_url}/cases"><input name="tumor.er_percent" value="90">
      <button id="case">Send case</button></form>
    <form method="post" action="{base_url}/audience"><input name="audience" value="clinician">
      <input name="next" value="/"><button id="audience">Switch</button></form></body></html>"""
    context = browser.new_context(base_url=base_url)
    context.route(f"{evil}/**", lambda route: route.fulfill(content_type="text/html", body=attack))
    pg = context.new_page()
    for button in ("#case", "#audience"):
        pg.goto(f"{evil}/")
        with pg.expect_navigation() as nav:
            pg.click(button)
        assert nav.value is not None and nav.value.status == 403
        assert "This form came from another website" in pg.locator("main").inner_text()
    assert not [c for c in context.cookies(base_url) if c["name"] == "mbcnav_audience"]
    shot(pg, "cross-site-refused")

    pg.goto("/learn")
    pg.get_by_role("button", name="Clinicians").click()
    pg.wait_for_url("**/learn")
    assert [c["value"] for c in context.cookies(base_url) if c["name"] == "mbcnav_audience"] == ["clinician"]
    pg.goto("/cases/new?example=1")
    pg.get_by_role("button", name="Assess this case").last.click()
    pg.wait_for_url(re.compile(r".*/cases/[A-Za-z0-9_-]{16,}$"))
    context.close()


def test_add_a_row_stops_at_the_server_limit(page: Any) -> None:
    from mbcnav.web.pages.cases import MAX_ROWS

    page.goto("/cases/new")
    block = page.locator("[data-rows=prior_treatment]")
    button = block.get_by_role("button", name="Add a row")
    while button.is_enabled():
        button.click()
    assert block.locator("[data-row]").count() == MAX_ROWS
    assert f"at most {MAX_ROWS} rows" in block.inner_text()


def test_result_page_does_not_scroll_sideways_at_phone_width(browser: Any, base_url: str) -> None:
    """Sweep 6: the permalink (one long word) made the result page 430-450 px wide at 375 px."""
    context = browser.new_context(base_url=base_url, viewport={"width": 375, "height": 800})
    pg = context.new_page()
    pg.goto("/cases/new?example=1")
    pg.fill("#notes", "MRI-report:" + "x" * 300)
    pg.get_by_role("button", name="Assess this case").click()
    pg.wait_for_url(re.compile(r".*/cases/[A-Za-z0-9_-]{16,}$"))
    overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the result page scrolls sideways by {overflow}px at 375px"
    shot(pg, "case-result-375px")
    context.close()
