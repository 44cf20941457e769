"""Fuzz every operation of the OpenAPI document with schemathesis, in-process through ASGI:
whatever the input, the API never answers 5xx (bad input is 4xx problem+json)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

schemathesis = pytest.importorskip("schemathesis")
warnings.filterwarnings("ignore", message=".*httpx2.*")

from mbcnav.web.app import create_app  # noqa: E402
from mbcnav.web.config import Settings  # noqa: E402

_DATA = Path(__file__).resolve().parents[2] / "test-output" / "fuzz-data"
APP = create_app(Settings(data_dir=_DATA, database_url="sqlite://"))
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_never_answers_5xx(case: schemathesis.Case) -> None:
    response = case.call()
    where = f"{case.method} {case.formatted_path}"
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:500]}"
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert content_type.startswith("application/problem+json"), where
