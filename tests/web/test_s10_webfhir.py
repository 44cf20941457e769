"""Session 10, task webfhir: the web page that uploads a FHIR R4 record (/cases/new/fhir).

Golden inputs are the published and project fixtures of tests/interop/fixtures (SOURCE.md says where
each came from); the known answer for each is what the importer of `mbcnav import` / `mbcnav assess
--fhir` makes of the same file, since the page promises to read a record exactly as the CLI does.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mbcnav.interop.fhir import EMPTY_RECORD, case_from_fhir_path
from mbcnav.reasoning.assess import assess
from mbcnav.web.app import create_app
from mbcnav.web.config import Settings
from mbcnav.web.store import assessments, fhir_imports

FIXTURES = Path(__file__).resolve().parents[1] / "interop" / "fixtures"
#: interop6/conflicts.json (SOURCE.md): same-day calcium 9 mg/dL vs 3 mmol/L (3 mmol/L = 12.02 mg/dL),
#: same-day HER2 IHC 3+ vs 0, ECOG 1 vs Karnofsky 40, creatinine in umol/L
CONFLICTS = FIXTURES / "interop6" / "conflicts.json"
#: mcode/clinical-trial-matching-app TrialMatching_Patient01 (Apache-2.0, synthetic): ER+/HER2- patient
TRIAL_PATIENT = FIXTURES / "mcode-ctm-app_TrialMatching_Patient01.json"
#: interop6/baddate_order.json: a creatinine Observation (id crB) dated "2025-13-45"
BAD_DATE = FIXTURES / "interop6" / "baddate_order.json"
#: HL7 mCODE 4.0.0 example bundle "Jenny M" (CC0), about 110 KB
JENNY = FIXTURES / "hl7-mcode-4.0.0_Bundle-mcode-patient-bundle-jenny-m.json"

PAGE = "/cases/new/fhir"


def _client(tmp_path: Path, **settings: Any) -> TestClient:
    return TestClient(create_app(Settings(data_dir=tmp_path, **settings)), raise_server_exceptions=False)


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    with _client(tmp_path) as c:
        yield c


def _rows(c: TestClient) -> tuple[int, int]:
    """(saved assessments, saved FHIR import note sets): what an error must leave unchanged."""
    engine = c.app.state.store.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        saved = conn.execute(select(func.count()).select_from(assessments)).scalar_one()
        notes = conn.execute(select(func.count()).select_from(fhir_imports)).scalar_one()
    return saved, notes


def _upload(c: TestClient, raw: bytes, name: str = "bundle.json") -> Any:
    return c.post(PAGE, files={"fhir_file": (name, raw, "application/json")}, follow_redirects=False)


def _field_error(page: str, field: str) -> str:
    start = page.index(">", page.index(f'id="err-{field}"')) + 1
    return html.unescape(page[start : page.index("</p>", start)])


def test_page_is_linked_labelled_and_keyboard_plain(client: TestClient) -> None:
    page = client.get(PAGE)
    assert page.status_code == 200
    text = page.text
    assert '<label for="fhir_file">' in text and 'id="fhir_file"' in text
    assert '<label for="fhir_text">' in text and 'id="fhir_text"' in text
    assert 'enctype="multipart/form-data"' in text
    assert 'aria-describedby="hint-fhir_file fhir-limit"' in text
    assert "Files up to 2 MB" in text  # the app's body limit (Settings.max_body_bytes, 2 MiB)
    # linked where the case form is: the home card and the case form itself
    assert f'href="{PAGE}"' in client.get("/").text
    assert f'href="{PAGE}"' in client.get("/cases/new").text
    # the nav marks "Case assessment" as the current section
    assert 'href="/cases/new" aria-current="page"' in text


def test_upload_shows_assessment_red_flag_and_every_import_note(client: TestClient) -> None:
    expected = case_from_fhir_path(CONFLICTS, refuse_empty=True)
    assessment = assess(expected.case)
    assert "hypercalcemia" in {f.code for f in assessment.red_flags}  # 12.02 mg/dL calcium kept
    response = _upload(client, CONFLICTS.read_bytes())
    assert response.status_code == 303
    saved_url = response.headers["location"]
    page = client.get(saved_url)
    assert page.status_code == 200
    text = html.unescape(page.text)
    # the red flag banner of the result page, first in the page as on the case form's result
    assert 'role="alert"' in page.text
    assert text.index("Import notes: how the FHIR record was read") > text.index('role="alert"')
    # every note the CLI importer makes: unmapped elements, conversions, conflicts
    assert len(expected.import_notes) == 13
    for note in expected.import_notes:
        assert note.message in text, note
    assert "labs.calcium_mg_dl: 3 mmol/L converted to 12.02 mg/dl" in text
    kinds = {n.kind for n in expected.import_notes}
    assert {"unmapped", "conversion", "conflict"} <= kinds
    warnings = sum(n.level in ("warning", "error") for n in expected.import_notes)
    assert f"13 import notes, {warnings} to check" in text
    # the usual links: PDF, case JSON, edit
    saved_id = saved_url.rsplit("/", 1)[1]
    for link in ("report.pdf", "case.json", "edit"):
        assert f'href="/cases/{saved_id}/{link}"' in page.text
    # the saved case is the imported Case, as `mbcnav import` prints it
    case_json = client.get(f"/cases/{saved_id}/case.json").json()
    assert case_json == expected.case.model_dump(mode="json", exclude_defaults=True)
    assert _rows(client) == (1, 1)


def test_pasted_bundle_gives_the_subtype(client: TestClient) -> None:
    expected = assess(case_from_fhir_path(TRIAL_PATIENT, refuse_empty=True).case)
    assert expected.subtype == "HR+/HER2-"
    response = client.post(PAGE, data={"fhir_text": TRIAL_PATIENT.read_text()}, follow_redirects=False)
    assert response.status_code == 303
    client.cookies.set("mbcnav_audience", "clinician")
    page = client.get(response.headers["location"])
    assert "HR+/HER2-" in html.unescape(page.text)
    assert 'id="import-notes-title"' in page.text


def test_a_paste_over_one_megabyte_is_read_up_to_the_body_limit(client: TestClient) -> None:
    """Starlette caps a form field at 1 MB by default; the page lifts it to the body limit (2 MiB),
    so a pasted Bundle has the same limit as a file. JSON allows leading white space."""
    padded = " " * 1_200_000 + TRIAL_PATIENT.read_text()
    response = client.post(PAGE, data={"fhir_text": padded}, follow_redirects=False)
    assert response.status_code == 303


def test_malformed_json_is_a_message_on_the_page_and_nothing_is_saved(client: TestClient) -> None:
    truncated = CONFLICTS.read_bytes()[:500]
    response = _upload(client, truncated)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "Traceback" not in response.text
    message = _field_error(response.text, "fhir_file")
    assert message.startswith("<strong>FHIR Bundle file:</strong> not valid JSON")
    assert 'aria-invalid="true"' in response.text and 'role="alert"' in response.text
    assert "<title>Error: Upload a FHIR record" in response.text
    # pasted: the text stays in the box to be fixed
    pasted = client.post(PAGE, data={"fhir_text": '{"resourceType": "Bundle",'})
    assert pasted.status_code == 422
    assert "not valid JSON" in _field_error(pasted.text, "fhir_text")
    assert "{&#34;resourceType&#34;: &#34;Bundle&#34;,</textarea>" in pasted.text
    assert _rows(client) == (0, 0)


def test_not_a_bundle_names_what_is_wrong(client: TestClient, hr_case: dict[str, Any]) -> None:
    # an mbcnav case file picked by mistake: the importer's words plus where that file goes
    case_file = _upload(client, orjson.dumps(hr_case), "case.json")
    assert case_file.status_code == 422
    message = _field_error(case_file.text, "fhir_file")
    assert "input: resourceType is missing" in message
    assert "mbcnav case file" in message and "case form" in message
    # a JSON list of numbers: names the item
    numbers = client.post(PAGE, data={"fhir_text": "[1, 2]"})
    assert numbers.status_code == 422
    message = _field_error(numbers.text, "fhir_text")
    assert "[0]: expected a FHIR resource (JSON object), got a number" in message
    # a Bundle with no entries: the commands' EMPTY_RECORD refusal
    empty = client.post(PAGE, data={"fhir_text": '{"resourceType": "Bundle", "type": "collection"}'})
    assert empty.status_code == 422
    assert EMPTY_RECORD in html.unescape(empty.text)
    assert _rows(client) == (0, 0)


def test_a_malformed_element_is_named_by_resource_and_element(client: TestClient) -> None:
    response = _upload(client, BAD_DATE.read_bytes())
    assert response.status_code == 422
    message = _field_error(response.text, "fhir_file")
    assert "Observation/crB: effectiveDateTime: '2025-13-45' is not a valid FHIR date" in message
    assert _rows(client) == (0, 0)


def test_too_large_upload_is_the_page_with_a_413_message(tmp_path: Path) -> None:
    limit = 64 * 1024
    assert JENNY.stat().st_size > limit
    with _client(tmp_path, max_body_bytes=limit) as small:
        response = _upload(small, JENNY.read_bytes())
        assert response.status_code == 413
        assert response.headers["content-type"].startswith("text/html")
        message = _field_error(response.text, "fhir_file")
        assert "larger than the limit of 64 KB (65,536 bytes)" in message
        assert "nothing was saved" in message
        assert 'role="alert"' in response.text
        # a body sent in chunks (no Content-Length) is counted as it arrives, same page
        chunked = small.post(
            PAGE,
            content=(JENNY.read_bytes()[i : i + 4096] for i in range(0, JENNY.stat().st_size, 4096)),
            headers={"content-type": "multipart/form-data; boundary=xyz"},
        )
        assert chunked.status_code == 413 and "larger than the limit" in chunked.text
        # other paths keep the API's problem+json
        api = small.post(
            "/api/v1/assess", content=b"[" + b" " * limit + b"]", headers={"content-type": "application/json"}
        )
        assert api.status_code == 413 and api.headers["content-type"] == "application/problem+json"
        assert _rows(small) == (0, 0)


def test_file_and_paste_together_or_neither_are_refused(client: TestClient) -> None:
    both = client.post(
        PAGE,
        files={"fhir_file": ("b.json", TRIAL_PATIENT.read_bytes(), "application/json")},
        data={"fhir_text": TRIAL_PATIENT.read_text()},
    )
    assert both.status_code == 422 and "not both" in both.text
    neither = client.post(PAGE, data={"fhir_text": "  "})
    assert neither.status_code == 422
    assert "choose a FHIR Bundle file" in _field_error(neither.text, "fhir_file")
    assert _rows(client) == (0, 0)


def test_cross_site_upload_is_refused(client: TestClient) -> None:
    response = client.post(
        PAGE,
        data={"fhir_text": TRIAL_PATIENT.read_text()},
        headers={"origin": "https://evil.example", "sec-fetch-site": "cross-site"},
    )
    assert response.status_code == 403
    assert _rows(client) == (0, 0)


def test_a_case_from_the_form_has_no_import_notes(client: TestClient, hr_case: dict[str, Any]) -> None:
    response = client.post(
        "/cases",
        files={"case_file": ("c.json", orjson.dumps(hr_case), "application/json")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "import-notes" not in page.text and 'id="from-fhir"' not in page.text


def test_the_pdf_report_carries_the_import_notes(client: TestClient) -> None:
    from mbcnav.web.pdf import report_html

    expected = case_from_fhir_path(CONFLICTS, refuse_empty=True)
    saved_id = _upload(client, CONFLICTS.read_bytes()).headers["location"].rsplit("/", 1)[1]
    saved = client.app.state.store.get(saved_id)  # type: ignore[attr-defined]
    assert saved is not None and saved.import_notes is not None
    report = html.unescape(report_html(saved, permalink=f"http://x/cases/{saved_id}"))
    assert "Import notes: how the FHIR record was read" in report
    assert all(note.message in report for note in expected.import_notes)
    # the route renders it (one real render: about 2 s of CPU)
    pdf = client.get(f"/cases/{saved_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


# --- the PDF wait is bounded (web/pdf.py PdfCache) --------------------------------------------------


def test_a_slow_render_times_out_then_the_next_request_gets_it_rendered_once() -> None:
    import threading

    from mbcnav.web.pdf import PdfCache, PdfTimeout

    cache = PdfCache(wait_s=0.2)
    release = threading.Event()
    renders: list[int] = []

    def slow() -> bytes:
        renders.append(1)
        release.wait(10)
        return b"%PDF-late"

    with pytest.raises(PdfTimeout, match=r"not ready within 0\.2 s"):
        cache.get_or_render(("id", "p"), slow)
    with pytest.raises(PdfTimeout):  # asking again joins the same render, it starts no other
        cache.get_or_render(("id", "p"), slow)
    release.set()
    cache.wait_s = 10
    assert cache.get_or_render(("id", "p"), slow) == b"%PDF-late"
    assert renders == [1]


def test_the_pdf_route_answers_503_with_retry_after_when_the_render_is_slow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import mbcnav.web.pdf as pdf_module
    from mbcnav.web.pdf import PdfCache

    release = threading.Event()

    def slow_pdf(saved: Any, permalink: str) -> bytes:
        release.wait(10)
        return b"%PDF-slow"

    monkeypatch.setattr(pdf_module, "assessment_pdf", slow_pdf)
    with _client(tmp_path) as c:
        c.app.state.pdf_cache = PdfCache(wait_s=0.2)  # type: ignore[attr-defined]
        saved_id = _upload(c, CONFLICTS.read_bytes()).headers["location"].rsplit("/", 1)[1]
        url = f"/cases/{saved_id}/report.pdf"
        api = c.get(url)
        assert api.status_code == 503
        assert api.headers["content-type"] == "application/problem+json"
        assert api.headers["retry-after"] == "30"
        assert "still being made" in api.json()["detail"]
        page = c.get(url, headers={"accept": "text/html"})
        assert page.status_code == 503 and page.headers["retry-after"] == "30"
        assert "Not ready yet" in page.text and "Traceback" not in page.text
        release.set()
        c.app.state.pdf_cache.wait_s = 10  # type: ignore[attr-defined]
        assert c.get(url).content == b"%PDF-slow"
