"""Session 10, task webfhir: the FHIR upload page in a real Chromium (Playwright, Debian's browser via
the conftest fixtures), reached and submitted with the keyboard, and checked with axe-core.

Fixtures: tests/interop/fixtures/interop6/conflicts.json (calcium 3 mmol/L = 12.02 mg/dL: the
hypercalcemia red flag) and mcode-ctm-app_TrialMatching_Patient01.json (an ER+/HER2- patient); see
tests/interop/fixtures/SOURCE.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "interop" / "fixtures"
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture()
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(base_url=base_url, viewport={"width": 1100, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(20000)
    yield pg
    context.close()


def _no_blocking_axe_violations(page: Any) -> None:
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    violations = axe_module.Axe().run(page, options=options).response["violations"]
    blocking = [(v["id"], v["help"]) for v in violations if v["impact"] in ("serious", "critical")]
    assert blocking == []


def test_upload_a_bundle_by_keyboard_and_see_red_flag_notes_and_subtype(page: Any) -> None:
    page.goto("/cases/new")
    page.get_by_role("link", name="Upload a FHIR record").click()
    page.wait_for_url("**/cases/new/fhir")
    _no_blocking_axe_violations(page)
    page.get_by_label("FHIR Bundle file").set_input_files(str(FIXTURES / "interop6" / "conflicts.json"))
    page.get_by_role("button", name="Read and assess this record").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/cases/[A-Za-z0-9_-]{16,}$"))
    alert = page.get_by_role("alert").first
    assert alert.is_visible() and "calcium" in alert.inner_text().lower()
    notes = page.locator("section.import-notes")
    assert "3 mmol/L converted to 12.02 mg/dl" in notes.inner_text()
    _no_blocking_axe_violations(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "fhir-upload-result.png"), full_page=True)

    # pasted JSON, clinician voice: the subtype
    page.get_by_role("button", name="Clinicians").click()
    page.goto("/cases/new/fhir")
    page.get_by_label("Or paste the FHIR JSON").fill(
        (FIXTURES / "mcode-ctm-app_TrialMatching_Patient01.json").read_text()
    )
    page.get_by_role("button", name="Read and assess this record").click()
    page.wait_for_url(re.compile(r".*/cases/[A-Za-z0-9_-]{16,}$"))
    assert "HR+/HER2-" in page.locator("main").inner_text()


def test_an_error_is_announced_and_keeps_the_paste(page: Any) -> None:
    page.goto("/cases/new/fhir")
    page.get_by_label("Or paste the FHIR JSON").fill('{"resourceType": "Bundle",')
    page.get_by_role("button", name="Read and assess this record").click()
    summary = page.get_by_role("alert").first
    assert "not valid JSON" in summary.inner_text()
    assert page.get_by_label("Or paste the FHIR JSON").get_attribute("aria-invalid") == "true"
    assert page.input_value("#fhir_text") == '{"resourceType": "Bundle",'
    _no_blocking_axe_violations(page)
