"""Resource limits from the security review (scratch-sec/report.md, defects 1, 3 and 5): a PDF report
renders a bounded amount of note text and one render per case at a time; the store's SQLite engine
waits for a lock instead of failing and never writes case text into an error (and so the log); a case
with more notes or symptoms than any real case is refused with the field and the limit named."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from mbcnav.web.pdf import REPORT_NOTE_CHARS, REPORT_NOTES_TOTAL_CHARS, PdfCache, report_html
from mbcnav.web.store import AssessmentStore, SavedAssessment


def _saved(case: dict[str, Any]) -> SavedAssessment:
    return SavedAssessment(
        id="AAAAAAAAAAAAAAAAAAAAAA",
        created_at=dt.datetime(2026, 11, 26, tzinfo=dt.UTC),
        case=case,
        assessment={"case_id": case.get("id"), "urgency": "routine"},
    )


def test_the_report_shortens_long_notes_and_says_so() -> None:
    # a case saved before the per-case limits (or read from an old database) can hold 2 MB of notes
    notes = [f"note{i} " + "q" * 19_990 for i in range(100)]
    html = report_html(_saved({"id": "long-notes", "notes": notes}), permalink="http://x/cases/A")
    assert html.count("q") <= REPORT_NOTES_TOTAL_CHARS
    assert "(shortened)" in html
    assert "q" * (REPORT_NOTE_CHARS + 1) not in html
    assert "note0 " in html  # the first notes are shown, shortened, not dropped


def test_the_report_shows_short_notes_whole() -> None:
    html = report_html(_saved({"id": "short", "notes": ["CT: two liver lesions, stable."]}), permalink="p")
    assert "CT: two liver lesions, stable." in html
    assert "(shortened)" not in html


def test_two_requests_for_one_report_render_it_once() -> None:
    cache = PdfCache()
    renders: list[int] = []
    started, release = threading.Event(), threading.Event()

    def slow_render() -> bytes:
        renders.append(1)
        started.set()
        release.wait(10)
        return b"%PDF-first"

    answers: list[bytes] = []
    first = threading.Thread(target=lambda: answers.append(cache.get_or_render(("id", "p"), slow_render)))
    first.start()
    assert started.wait(10)
    def other_render() -> bytes:
        renders.append(2)
        return b"%PDF-2"

    second = threading.Thread(target=lambda: answers.append(cache.get_or_render(("id", "p"), other_render)))
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert renders == [1]
    assert answers == [b"%PDF-first", b"%PDF-first"]


def test_a_failed_render_is_not_cached_and_the_next_request_renders_again() -> None:
    cache = PdfCache()

    def broken() -> bytes:
        raise RuntimeError("font missing")

    with pytest.raises(RuntimeError):
        cache.get_or_render(("id", "p"), broken)
    assert cache.get_or_render(("id", "p"), lambda: b"%PDF-ok") == b"%PDF-ok"


def test_the_pdf_route_renders_in_the_threadpool_not_on_the_event_loop() -> None:
    import inspect

    from mbcnav.web.pages.cases import case_pdf

    assert not inspect.iscoroutinefunction(case_pdf)  # FastAPI runs plain functions in its threadpool


def test_the_sqlite_store_waits_for_a_lock_and_uses_wal(tmp_path: Path) -> None:
    store = AssessmentStore(f"sqlite:///{tmp_path}/db.sqlite")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    store.dispose()


def test_a_database_error_carries_no_case_text_into_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from mbcnav.web.app import create_app
    from mbcnav.web.config import Settings

    app = create_app(Settings(data_dir=tmp_path, database_url=""))
    with app.state.store.engine.begin() as conn:
        conn.execute(text("DROP TABLE assessments"))  # a forced error on the next save
    secret = "Jane Roe MRN 4471 lives at 12 Secret Lane"
    with caplog.at_level(logging.DEBUG), TestClient(app, raise_server_exceptions=False) as client:
        resp = client.post(
            "/cases", data={"id": "log-test", "notes": secret}, headers={"origin": "http://testserver"}
        )
    assert resp.status_code == 500
    logged = "\n".join(
        r.getMessage() + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
        for r in caplog.records
    )
    assert "OperationalError" in logged  # the error itself is logged...
    assert "Secret Lane" not in logged  # ...without the case it was saving
    app.state.store.dispose()


def test_an_api_case_over_the_notes_limit_is_a_problem_naming_the_field(client: TestClient) -> None:
    from mbcnav.case import MAX_NOTES

    resp = client.post("/api/v1/assess", json={"notes": ["stable"] * (MAX_NOTES + 1)})
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert "notes" in resp.text and str(MAX_NOTES) in resp.text


def test_notes_print_as_a_numbered_list_not_table_rows() -> None:
    """Pages of text inside PDF table cells made WeasyPrint take 44-115 s for a case at the notes
    limit (session 9); the same text as list items renders in about 2 s."""
    from mbcnav.web.case_view import case_as_entered
    from mbcnav.web.pages.common import templates

    case = {
        "patient": {"age": 60, "sex": "F"},
        "tumor": {"er_percent": 90, "her2_ihc": "0"},
        "metastatic_sites": ["bone"],
        "notes": ["bone scan: lesions in the spine", "CT: liver clear"],
    }
    entered = case_as_entered(case)
    notes = next(s for s in entered if s.title == "Clinical notes")
    assert notes.free_text
    html = templates.env.get_template("_assessment_entered.html").render(
        entered=entered, readings=(), a={"unit_hints": ()}, pdf=True
    )
    listed = html.split("<h3>Clinical notes</h3>")[1].split("<h3>")[0]
    items = "<li>bone scan: lesions in the spine</li><li>CT: liver clear</li>"
    assert f'<ol class="entered-text">{items}</ol>' in listed
    assert "<table" not in listed
