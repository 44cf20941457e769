"""Fixtures: the ASGI app on a temporary data directory, and a test client that speaks to it
in-process (no network); for browser tests, the real server in a child process and Debian's
Chromium driven by Playwright (one copy for test_browser and test_accessibility)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Starlette warns that its TestClient will move to another httpx package; the client still works.
warnings.filterwarnings("ignore", message=".*httpx2.*")

from fastapi.testclient import TestClient  # noqa: E402

from mbcnav.web.app import create_app  # noqa: E402
from mbcnav.web.config import Settings  # noqa: E402
from mbcnav.web.devserver import running_server  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real web app (uvicorn in a child process) on a fresh data directory, per test module."""
    with running_server(tmp_path_factory.mktemp("browser-data")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing: run scripts/ensure-browser.sh (make test does)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()

HR_POSITIVE_CASE: dict[str, Any] = {
    "id": "web-hr-pos",
    "patient": {"age": 58, "sex": "F", "menopausal": "post", "weight_kg": 70, "height_cm": 165, "ecog": 1},
    "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 40, "her2_ihc": "1+"},
    "metastatic_sites": ["bone", "liver"],
    "labs": {"creatinine_mg_dl": 0.9, "calcium_mg_dl": 9.8, "albumin_g_dl": 4.0},
    "line": 1,
}


@pytest.fixture()
def hr_case() -> dict[str, Any]:
    return {**HR_POSITIVE_CASE}


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mbcnav-data")


@pytest.fixture(scope="session")
def app(data_dir: Path) -> Any:
    return create_app(Settings(data_dir=data_dir, database_url=""))


@pytest.fixture()
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture()
def browser_client(app: Any) -> Iterator[TestClient]:
    """A client that asks for HTML, as a browser does."""
    with TestClient(app, raise_server_exceptions=False, headers={"accept": "text/html"}) as c:
        yield c
