"""Handlers that run the engine must not run on the event loop: while one request sits in the engine,
another user's request must still be answered (sweep 6: one large case froze the server for 5 s).

The engine is replaced by a gate that blocks its thread until the other request has been answered.
On the event loop the gate would block the loop itself, the other request could not finish, and the
gate would give up; the test asserts the order of events, not any duration.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from mbcnav.web.api import reasoning as reasoning_api
from mbcnav.web.app import create_app
from mbcnav.web.config import Settings

CASE = {"id": "slow", "tumor": {"er_percent": 90, "her2_ihc": "1+"}, "metastatic_sites": ["bone"]}


def test_engine_endpoints_are_not_coroutines() -> None:
    for endpoint in (
        reasoning_api.assess_endpoint,
        reasoning_api.assess_fhir_endpoint,
        reasoning_api.assess_batch,
        reasoning_api.triage_endpoint,
        reasoning_api.run_calculator,
    ):
        assert not inspect.iscoroutinefunction(endpoint), endpoint.__name__


ROUTES: list[tuple[str, str, str, dict[str, Any]]] = [
    # (module attribute to gate, method, url, request kwargs)
    ("mbcnav.web.api.reasoning.assess", "POST", "/api/v1/assess", {"json": CASE}),
    ("mbcnav.web.api.reasoning.assess", "POST", "/api/v1/assess/fhir", {"json": CASE}),
    ("mbcnav.web.api.reasoning.triage", "POST", "/api/v1/triage", {"json": {"text": "my back hurts"}}),
    ("mbcnav.web.pages.cases.assess", "POST", "/cases", {"data": {"tumor.er_percent": "90"}}),
    ("mbcnav.web.pages.tools.triage", "POST", "/symptoms", {"data": {"text": "my back hurts"}}),
]


@pytest.mark.parametrize(("target", "method", "url", "kwargs"), ROUTES, ids=[r[2] for r in ROUTES])
def test_a_request_in_the_engine_does_not_stall_other_users(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    method: str,
    url: str,
    kwargs: dict[str, Any],
) -> None:
    module_name, _, attr = target.rpartition(".")
    module = __import__(module_name, fromlist=[attr])
    real = getattr(module, attr)
    entered, release = threading.Event(), threading.Event()
    events: list[str] = []

    def gated(*args: Any, **kw: Any) -> Any:
        entered.set()
        events.append("engine released" if release.wait(timeout=20) else "engine gave up waiting")
        return real(*args, **kw)

    monkeypatch.setattr(module, attr, gated)
    app = create_app(Settings(data_dir=tmp_path, database_url=""))

    async def scenario() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            slow = asyncio.create_task(client.request(method, url, **kwargs))
            while not entered.is_set() and not slow.done():
                await asyncio.sleep(0.01)
            other = await client.get("/api/v1/knowledge/kinds")
            events.append(f"other user answered {other.status_code}")
            release.set()
            return (await slow).status_code

    status = asyncio.run(scenario())
    assert events == ["other user answered 200", "engine released"], events
    assert status in (200, 303)
