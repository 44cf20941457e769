"""The FastAPI application: REST API under /api/v1, server-rendered pages, CDS Hooks services.

`create_app()` builds a fresh app from Settings, so tests and `mbcnav serve` use the same code.
"""

from __future__ import annotations

from fastapi import FastAPI

from mbcnav import __version__
from mbcnav.web import problems
from mbcnav.web.api import ask as ask_api
from mbcnav.web.api import knowledge as knowledge_api
from mbcnav.web.api import reasoning as reasoning_api
from mbcnav.web.config import Settings
from mbcnav.web.middleware import BodySizeLimit, SecurityHeaders

API_DESCRIPTION = """
The mbcnav REST API: a cited two-voice knowledge base about metastatic breast cancer, plain-language
Q&A, symptom triage, calculators, and case assessment (design/case-format.md). Errors are
`application/problem+json` (RFC 9457) naming the field. mbcnav supports decisions; it does not
replace the care team.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="mbcnav",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/docs",
        redoc_url="/api/redoc",
    )
    app.state.settings = settings
    problems.install(app)
    app.include_router(knowledge_api.router)
    app.include_router(reasoning_api.router)
    app.include_router(ask_api.router)
    # Outermost first: the size limit runs before anything reads the body; headers wrap every answer.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app
