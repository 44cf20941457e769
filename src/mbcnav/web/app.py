"""The FastAPI application: REST API under /api/v1, server-rendered pages, CDS Hooks services.

`create_app()` builds a fresh app from Settings, so tests and `mbcnav serve` use the same code.
"""

from __future__ import annotations

import functools
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from mbcnav import __version__
from mbcnav.interop.cds_hooks import CdsSettings, build_cds_router
from mbcnav.web import problems
from mbcnav.web.api import ask as ask_api
from mbcnav.web.api import knowledge as knowledge_api
from mbcnav.web.api import reasoning as reasoning_api
from mbcnav.web.config import Settings
from mbcnav.web.middleware import BodySizeLimit, CrossSiteGuard, HeadAsGet, SecurityHeaders, trusted_origins
from mbcnav.web.pages import analytics as analytics_pages
from mbcnav.web.pages import cases as case_pages
from mbcnav.web.pages import fhir as fhir_pages
from mbcnav.web.pages import home as home_pages
from mbcnav.web.pages import learn as learn_pages
from mbcnav.web.pages import tools as tool_pages
from mbcnav.web.pdf import PdfCache
from mbcnav.web.store import AssessmentStore

STATIC_DIR = Path(__file__).parent / "static"

API_DESCRIPTION = """
The mbcnav REST API: a cited two-voice knowledge base about metastatic breast cancer, plain-language
Q&A, symptom triage, calculators, and case assessment (design/case-format.md). Errors are
`application/problem+json` (RFC 9457) naming the field. mbcnav supports decisions; it does not
replace the care team.
"""


#: the one address ReDoc's bundle loads from outside (its "API docs by Redocly" logo)
_REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"


@functools.cache
def _offline_redoc_js(assets: Path) -> bytes:
    """ReDoc's bundle with its CDN logo pointed at a file we serve: offline, and no CSP error."""
    return (assets / "redoc.standalone.js").read_bytes().replace(_REDOC_LOGO, b"/api/docs-assets/favicon.png")


#: a heading for the page (Swagger UI's own title is an h2) that only screen readers show
_DOCS_HEADING = (
    '<h1 style="position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);'
    'white-space:nowrap">mbcnav API documentation</h1>'
)


def _accessible_docs(html: str) -> str:
    """FastAPI's Swagger UI page has no language and no landmark (sweep 6: the one page axe failed):
    screen readers guess the language and cannot jump to the content. Swagger UI itself is left as
    its authors made it."""
    html = html.replace("<html>", '<html lang="en">', 1)
    return html.replace(
        '<div id="swagger-ui">\n    </div>',
        f'<main id="main">{_DOCS_HEADING}<div id="swagger-ui"></div></main>',
        1,
    )


def _add_offline_docs(app: FastAPI) -> None:
    """Swagger UI and ReDoc from assets shipped in the fastapi-offline wheel: FastAPI's defaults load
    them from a CDN, which a hospital network (or this CSP) may block."""
    import fastapi_offline

    assets = Path(fastapi_offline.__file__).parent / "static"
    app.mount("/api/docs-assets", StaticFiles(directory=assets), name="docs-assets")
    openapi_url = app.openapi_url or "/api/v1/openapi.json"

    @app.get("/api/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title="mbcnav API",
            swagger_js_url="/api/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs-assets/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )
        return HTMLResponse(_accessible_docs(bytes(page.body).decode()))

    @app.get("/api/redoc.standalone.js", include_in_schema=False)
    def redoc_js() -> Response:
        return Response(_offline_redoc_js(assets), media_type="text/javascript")

    @app.get("/api/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title="mbcnav API",
            redoc_js_url="/api/redoc.standalone.js",
            redoc_favicon_url="/api/docs-assets/favicon.png",
            with_google_fonts=False,
        )


def _add_favicon(app: FastAPI) -> None:
    """Browsers ask for /favicon.ico on pages that name no icon (JSON, the PDF): point them at ours
    instead of a 404 in every console."""

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> RedirectResponse:
        return RedirectResponse("/static/favicon.svg", status_code=301)


def _add_health(app: FastAPI) -> None:
    """`GET /api/v1/health` for load balancers and `make run` checks: 200 when the knowledge base is
    loaded and the store answers, 503 (same body) when either is not."""

    @app.get("/api/v1/health", tags=["service"], summary="Whether the service is ready")
    def health() -> JSONResponse:
        from mbcnav.knowledge.loader import load_knowledge_base

        items = len(load_knowledge_base().items)
        store_ok = app.state.store.ping()
        ready = store_ok and items > 0
        body = {
            "status": "ok" if ready else "unavailable",
            "version": __version__,
            "knowledge_items": items,
            "store": "ok" if store_ok else "unreachable",
        }
        return JSONResponse(body, status_code=200 if ready else 503)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="mbcnav",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = AssessmentStore(settings.resolved_database_url())
    app.state.pdf_cache = PdfCache()
    problems.install(app)
    app.include_router(knowledge_api.router)
    app.include_router(reasoning_api.router)
    app.include_router(ask_api.router)
    app.include_router(
        build_cds_router(
            CdsSettings(base_url=settings.base_url, trusted_clients_file=settings.cds_trusted_clients),
            feedback_sink=app.state.store,
            case_store=app.state.store,
            card_registry=app.state.store,
        )
    )
    _add_offline_docs(app)
    _add_favicon(app)
    _add_health(app)
    for pages in (home_pages, learn_pages, tool_pages, fhir_pages, case_pages, analytics_pages):
        app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Each add wraps the ones before: security headers wrap every answer; a cross-site post is refused
    # before the size limit or anything else reads its body.
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        pages={fhir_pages.FHIR_PATH: fhir_pages.too_large_page},
    )
    app.add_middleware(CrossSiteGuard, trusted=trusted_origins(settings.base_url, settings.trusted_origins))
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders)
    return app
