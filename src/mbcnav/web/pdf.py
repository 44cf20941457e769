"""The assessment as a PDF to take to an appointment (weasyprint: HTML and CSS to PDF).

The report reuses the result page's partial template, so paper and screen never disagree: plain
summary first, care-team detail on its own page after, then every source and the disclaimer.

The PDF is tagged (PDF/UA-1): a screen reader gets headings, lists, tables and reading order from the
structure tree, and announces the document title and language (the template's <title> and <html lang>)
instead of an untitled run of text.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from mbcnav.web.case_view import LEGENDS, EnteredSection, case_as_entered
from mbcnav.web.pages.common import templates
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


class PdfCache:
    """Rendered reports, least recently used out first. A saved assessment never changes, so its PDF
    can be kept: rendering takes about 2 s of CPU (sweep 6), a cached copy none. In memory, not on disk,
    so a new release (new template) renders afresh; keyed by the permalink too, since the PDF prints it.
    """

    def __init__(self, max_bytes: int = PDF_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        #: one lock per report being rendered (get_or_render)
        self._rendering: dict[tuple[str, str], threading.Lock] = {}

    def get(self, key: tuple[str, str]) -> bytes | None:
        with self._lock:
            pdf = self._items.get(key)
            if pdf is not None:
                self._items.move_to_end(key)
            return pdf

    def get_or_render(self, key: tuple[str, str], render: Callable[[], bytes]) -> bytes:
        """The cached PDF, or one rendered now; one render per key at a time: a second request for the
        same report waits for the first and gets its result (a render costs seconds of CPU, and
        repeating a GET must not start another)."""
        pdf = self.get(key)
        if pdf is not None:
            return pdf
        with self._lock:
            key_lock = self._rendering.setdefault(key, threading.Lock())
        try:
            with key_lock:
                pdf = self.get(key)
                if pdf is None:
                    pdf = render()
                    self.put(key, pdf)
                return pdf
        finally:
            with self._lock:
                # the last waiter out drops the lock (a locked or waited-on lock stays for the others)
                if not key_lock.locked() and self._rendering.get(key) is key_lock:
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
