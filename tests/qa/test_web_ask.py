"""The Ask API and page follow the same limits as the CLI (sweep 5: the API refused 600 characters the
CLI took, and the page cut a long question silently, dropping "my legs are weak")."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", message=".*httpx2.*")

from fastapi.testclient import TestClient  # noqa: E402

from mbcnav.search import MAX_K, MAX_QUESTION_CHARS  # noqa: E402
from mbcnav.web.app import create_app  # noqa: E402
from mbcnav.web.config import Settings  # noqa: E402

WORRIED = ("My mum has had back pain for a few weeks and it wakes her at night. " * 9).strip()


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    app = create_app(Settings(data_dir=Path(tmp_path_factory.mktemp("web-ask")), database_url=""))
    with TestClient(app, raise_server_exceptions=False) as api, \
            TestClient(app, raise_server_exceptions=False, headers={"accept": "text/html"}) as page:
        yield api, page


def test_api_takes_what_the_cli_takes(clients: tuple[TestClient, TestClient]) -> None:
    api, _ = clients
    assert 500 < len(WORRIED) < MAX_QUESTION_CHARS
    assert api.get("/api/v1/ask", params={"q": WORRIED, "k": MAX_K}).status_code == 200
    assert api.get("/api/v1/ask", params={"q": "x" * (MAX_QUESTION_CHARS + 1)}).status_code == 422
    assert api.get("/api/v1/ask", params={"q": "bone pain", "k": MAX_K + 1}).status_code == 422


def test_page_never_cuts_a_long_question(clients: tuple[TestClient, TestClient]) -> None:
    _, page = clients
    question = "a" * MAX_QUESTION_CHARS + " my legs are weak"
    response = page.get("/ask", params={"q": question})
    assert response.status_code == 422
    assert f"longer than {MAX_QUESTION_CHARS} characters" in response.text
    assert 'maxlength="' not in response.text.split('id="ask-q"')[1].split(">")[0]


def test_page_says_when_another_cancer_is_asked_about(clients: tuple[TestClient, TestClient]) -> None:
    _, page = clients
    text = page.get("/ask", params={"q": "colon cancer stage 4 survival"}).text
    assert "mbcnav covers breast cancer only" in text
    assert '<ol class="answers">' not in text
