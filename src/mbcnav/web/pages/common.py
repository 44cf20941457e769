"""What every page shares: the template environment, the audience cookie, sources and errors.

The audience (public or clinician) is a cookie that a plain form or link sets, so the switch works
without JavaScript and every page reads it the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from mbcnav import __version__
from mbcnav.calculation_labels import calculation_label
from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.knowledge.schema import Source
from mbcnav.reasoning.safety import public_alert_rows, public_option_note
from mbcnav.reasoning.words_first import MAX_TEXT_CHARS

TEMPLATE_DIR = Path(__file__).parent.parent / "templates"
AUDIENCES = ("public", "clinician")
AUDIENCE_COOKIE = "mbcnav_audience"
#: one year: the choice is remembered across visits
AUDIENCE_MAX_AGE = 365 * 24 * 3600

NAV: tuple[tuple[str, str], ...] = (
    ("/", "Home"),
    ("/learn", "Learn"),
    ("/ask", "Ask"),
    ("/symptoms", "Symptom checker"),
    ("/cases/new", "Case assessment"),
    ("/calculators", "Calculators"),
    ("/analytics", "Survival data"),
)

KIND_LABELS: dict[str, tuple[str, str]] = {
    # kind: (plural heading, one-line description in plain words)
    "topic": ("Topics", "The basics of metastatic breast cancer and living with it."),
    "subtype": ("Subtypes", "The kinds of breast cancer, by what the tumor test shows."),
    "site": ("Where it spreads", "The places breast cancer can spread to, and what each means."),
    "symptom": ("Symptoms", "Signs to watch for, and what to do about each one."),
    "test": ("Tests", "Scans, blood tests and gene tests, and what each one changes."),
    "treatment": ("Treatments", "The kinds of treatment and when they are used."),
    "drug": ("Medicines", "Each medicine: what it does, side effects, and checks."),
    "regimen": ("Regimens", "Medicines given together, and the studies behind them."),
    "risk_factor": ("Risk factors", "What does and does not change the chance of cancer."),
    "statistic": ("Numbers", "Counts and survival figures, with where they come from."),
    "resource": ("Help and support", "Groups and services that can help."),
    "faq": ("Questions people ask", "Short answers to common questions."),
}

_BOLD = re.compile(r"\*\*(.+?)\*\*")


def rich_text(text: str | None) -> Markup:
    """Knowledge texts use **bold** for labels and blank lines for paragraphs; nothing else renders."""
    if not text:
        return Markup("")
    html = str(escape(text))
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    paragraphs = [p.strip().replace("\n", "<br>") for p in re.split(r"\n\s*\n", html) if p.strip()]
    return Markup("".join(f"<p>{p}</p>" for p in paragraphs))


def source_of(source_id: str) -> Source | None:
    return load_knowledge_base().sources.get(source_id)


#: codes whose words are acronyms or names: "adc".capitalize() would print "Adc"
_LABELS = {
    "adc": "ADC (antibody-drug conjugate)",
    "her2": "HER2",
    "endocrine_cdk46": "Endocrine + CDK4/6 inhibitor",
    "cdk46": "CDK4/6 inhibitor",
    "pi3k_akt_mtor": "PI3K/AKT/mTOR",
    "parp": "PARP inhibitor",
}


def label(name: str) -> str:
    return _LABELS.get(name) or name.replace("_", " ").strip().capitalize()


def order_alerts(alerts: Any, order: Any) -> list[Any]:
    """The safety alerts an order row counts: on its drug, or naming it as a partner of an interaction.

    Reads the structured ``partners`` field (reasoning/orders.py counts the same alerts), never the
    rationale text; an assessment saved before that field existed simply shows the alerts on the drug.
    """
    drug, codes = _field(order, "drug"), set(_field(order, "alerts") or ())
    return [
        a
        for a in alerts or ()
        if _field(a, "code") in codes and (_field(a, "drug") == drug or drug in (_field(a, "partners") or ()))
    ]


def _field(item: Any, name: str) -> Any:
    """Saved assessments are dicts, fresh ones models: the templates get either."""
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
templates.env.filters["rich"] = rich_text
templates.env.filters["label"] = label
templates.env.filters["calc_label"] = calculation_label
templates.env.filters["order_alerts"] = order_alerts
templates.env.filters["public_alert_rows"] = public_alert_rows
templates.env.filters["option_note"] = lambda option: public_option_note(
    _field(option, "flags") or (), bool(_field(option, "flagged"))
)
templates.env.globals.update(
    source_of=source_of,
    nav=NAV,
    version=__version__,
    kind_labels=KIND_LABELS,
    audiences=AUDIENCES,
    # the symptom form's length limit is the triage engine's own, so the page and the server agree
    max_text_chars=MAX_TEXT_CHARS,
)


def audience_of(request: Request) -> str:
    value = request.cookies.get(AUDIENCE_COOKIE, "public")
    return value if value in AUDIENCES else "public"


def safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would let others dress their links in our name."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def render(
    request: Request, template: str, status_code: int = 200, alert: str | None = None, **context: Any
) -> HTMLResponse:
    """``alert``: the urgency of a red-flag banner the page shows. The tab title says it first (a screen
    reader reads the title first, and a tab in the background shows it), before any input error."""
    context.setdefault("title", "mbcnav")
    if alert in ("emergency", "urgent"):
        context["title"] = f"{alert.capitalize()}: {context['title']}"
    elif status_code >= 400:
        context["title"] = f"Error: {context['title']}"
    context.update(
        audience=audience_of(request),
        here=here(request),
        path=request.url.path,
        today=dt.date.today().isoformat(),
    )
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    titles = {
        403: "This form came from another website",
        404: "Page not found",
        405: "This page does not take that kind of request",
        503: "Not ready yet",
    }
    return render(
        request,
        "error.html",
        status_code=status,
        title=titles.get(status, "Something went wrong"),
        status=status,
        detail=detail,
    )


def query_string(**params: Any) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})
