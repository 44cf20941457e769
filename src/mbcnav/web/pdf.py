"""The assessment as a PDF to take to an appointment (weasyprint: HTML and CSS to PDF).

The report reuses the result page's partial template, so paper and screen never disagree: plain
summary first, care-team detail on its own page after, then every source and the disclaimer.

The PDF is tagged (PDF/UA-1): a screen reader gets headings, lists, tables and reading order from the
structure tree, and announces the document title and language (the template's <title> and <html lang>)
instead of an untitled run of text.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from mbcnav.web.case_view import LEGENDS, EnteredSection, case_as_entered
from mbcnav.web.pages.common import templates
from mbcnav.web.pages.fhir import sorted_notes
from mbcnav.web.store import SavedAssessment


def source_ids(assessment: dict[str, Any]) -> list[str]:
    """Every source the assessment cites, in order of first mention."""
    ids: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                if key == "sources" and isinstance(sub, list):
                    ids.extend(str(s) for s in sub)
                else:
                    walk(sub)
        elif isinstance(value, list):
            for sub in value:
                walk(sub)

    walk(assessment)
    return list(dict.fromkeys(ids))


#: how much free text (notes, symptoms) of the case as entered the report prints: per entry and in all.
#: Rendering cost grows with the text (a 2 MB case never finished, security review defect 1), and paper
#: only needs enough to recognise each note; the full text stays on the result page and in case.json.
REPORT_NOTE_CHARS = 2_000
REPORT_NOTES_TOTAL_CHARS = 20_000
SHORTENED = " … (shortened)"
#: the sections of free text that the caps apply to
_FREE_TEXT_TITLES = {LEGENDS["symptoms"], LEGENDS["notes"]}


def _shortened(entered: list[EnteredSection]) -> list[EnteredSection]:
    """The case as entered with each free-text entry cut to REPORT_NOTE_CHARS and all of them together
    to REPORT_NOTES_TOTAL_CHARS; a cut entry says "(shortened)", and entries past the total are
    counted in one line instead of printed."""
    left = REPORT_NOTES_TOTAL_CHARS
    out: list[EnteredSection] = []
    for section in entered:
        if section.title not in _FREE_TEXT_TITLES:
            out.append(section)
            continue
        rows: list[tuple[str, str]] = []
        for n, (label, value) in enumerate(section.rows):
            if left <= 0:
                rest = len(section.rows) - n
                rows.append(("", f"{rest} more not printed here (shortened); see the case online"))
                break
            keep = min(len(value), REPORT_NOTE_CHARS, left)
            rows.append((label, value if keep == len(value) else value[:keep] + SHORTENED))
            left -= keep
        out.append(EnteredSection(section.title, rows, free_text=section.free_text))
    return out


def report_html(saved: SavedAssessment, permalink: str) -> str:
    template = templates.env.get_template("report.html")
    return template.render(
        a=saved.assessment,
        case=saved.case,
        entered=_shortened(case_as_entered(saved.case)),
        source_ids=source_ids(saved.assessment),
        permalink=permalink,
        date=saved.created_at.strftime("%Y-%m-%d"),
        pdf=True,
        import_notes=None if saved.import_notes is None else sorted_notes(saved.import_notes),
    )


#: WeasyPrint's PDF/UA-1 variant: tags the content (MarkInfo, StructTreeRoot), shows the title instead
#: of the file name (DisplayDocTitle) and writes the pdfuaid XMP marker. WeasyPrint calls its PDF/UA
#: support experimental, so this asks for tagging, not certified conformance.
PDF_VARIANT = "pdf/ua-1"


def assessment_pdf(saved: SavedAssessment, permalink: str) -> bytes:
    from weasyprint import HTML

    # base_url None: the report has no external assets, so nothing is fetched while rendering.
    return HTML(string=report_html(saved, permalink)).write_pdf(pdf_variant=PDF_VARIANT)


#: how many bytes of PDFs the cache keeps (a 14-page report is about 100 KB, so several hundred)
PDF_CACHE_BYTES = 64 * 1024 * 1024
#: how long a request waits for its report before it gets 503 (a report renders in about 2 s, sweep 6;
#: the notes caps above keep the largest case well under this). The render itself goes on and is cached.
PDF_WAIT_SECONDS = 30.0
#: reports rendered at the same time: each render is seconds of one core's work, so more at once only
#: slows all of them (the machine the app is sized for has 2 cores)
PDF_WORKERS = 2


class PdfTimeout(Exception):
    """The report was not ready within the wait: the render goes on, and asking again later gets it."""

    def __init__(self, waited: float) -> None:
        super().__init__(f"the PDF report was not ready within {waited:g} s")
        self.waited = waited


class PdfCache:
    """Rendered reports, least recently used out first. A saved assessment never changes, so its PDF
    can be kept: rendering takes about 2 s of CPU (sweep 6), a cached copy none. In memory, not on disk,
    so a new release (new template) renders afresh; keyed by the permalink too, since the PDF prints it.

    Renders run on a small pool of their own (``workers``) and a request waits at most ``wait_s`` for
    its report (:class:`PdfTimeout` after that). WeasyPrint has no way to stop a render, and a thread
    cannot be killed, so the wait is bounded, not the work: the render finishes in the background and
    its PDF is cached for the next request, which therefore never starts a second render of the same
    report. A render that fails is not cached; the next request tries again.
    """

    def __init__(
        self, max_bytes: int = PDF_CACHE_BYTES, wait_s: float = PDF_WAIT_SECONDS, workers: int = PDF_WORKERS
    ) -> None:
        self.max_bytes = max_bytes
        self.wait_s = wait_s
        self._items: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._size = 0
        # reentrant: a done-callback runs at once, in the thread adding it, when its render already ended
        self._lock = threading.RLock()
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mbcnav-pdf")
        #: the render of each report being made (get_or_render)
        self._rendering: dict[tuple[str, str], Future[bytes]] = {}

    def get(self, key: tuple[str, str]) -> bytes | None:
        with self._lock:
            pdf = self._items.get(key)
            if pdf is not None:
                self._items.move_to_end(key)
            return pdf

    def get_or_render(self, key: tuple[str, str], render: Callable[[], bytes]) -> bytes:
        """The cached PDF, or one rendered now; one render per key at a time: a second request for the
        same report waits for the first render and gets its result (a render costs seconds of CPU, and
        repeating a GET must not start another). Raises PdfTimeout after ``wait_s``."""
        with self._lock:
            pdf = self.get(key)
            if pdf is not None:
                return pdf
            future = self._rendering.get(key)
            # a failed render whose done-callback has not run yet must not answer this request too
            if future is None or (future.done() and (future.cancelled() or future.exception() is not None)):
                future = self._executor.submit(render)
                self._rendering[key] = future
                future.add_done_callback(functools.partial(self._rendered, key))
        try:
            return future.result(timeout=self.wait_s)
        except FutureTimeout:
            raise PdfTimeout(self.wait_s) from None

    def _rendered(self, key: tuple[str, str], future: Future[bytes]) -> None:
        """Cache a finished render, then forget it (in that order, under the lock: a request in between
        finds the PDF or the render, never neither)."""
        with self._lock:
            if not future.cancelled() and future.exception() is None:
                self.put(key, future.result())
            if self._rendering.get(key) is future:
                del self._rendering[key]

    def put(self, key: tuple[str, str], pdf: bytes) -> None:
        if len(pdf) > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self._size -= len(old) if old is not None else 0
            self._items[key] = pdf
            self._size += len(pdf)
            while self._size > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)
