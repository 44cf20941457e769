"""The fhirServer fetch under hostile servers (security review items 4 and 6): a server that trickles its
answer is cut off at the call's fetch deadline (not per chunk), a body over the byte cap is refused while
it streams, and the client is told only that the record could not be fetched (the detail goes to the log),
so a hook call cannot be used to tell open ports from closed ones."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import orjson
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from interop import mcode as M
from interop.loopback import LoopbackServer
from interop.test_cds_hooks import TOKEN, authorization, call, hook_request, needs_assess
from mbcnav.interop.cds_hooks import CdsSettings

PATIENT_VIEW = "/cds-services/mbcnav-patient-view"
GENERIC = "could not fetch the record from fhirServer"


def searchset(resources: list[dict[str, Any]], next_url: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }
    if next_url:
        body["link"] = [{"relation": "next", "url": next_url}]
    return body


async def trickle(data: bytes, every_s: float) -> AsyncIterator[bytes]:
    """One byte at a time: each chunk arrives well inside httpx's read timeout, so only a deadline on
    the whole fetch stops it."""
    for i in range(len(data)):
        yield data[i : i + 1]
        await asyncio.sleep(every_s)


def slow_empty_searchset() -> StreamingResponse:
    return StreamingResponse(trickle(orjson.dumps(searchset([])), 0.2), media_type="application/json")


class HostileFhir(LoopbackServer):
    """A FHIR server that answers a search in one of several hostile ways (``mode``):
    ``trickle`` - a valid empty searchset, one byte per 0.2 s (about 20 s in all);
    ``stall_page_2`` - page 1 at once (with the patient's labs), page 2 trickled;
    ``huge`` - a valid searchset padded to about 2 MB; ``status`` - HTTP 404; ``html`` - a web page."""

    def __init__(self, mode: str) -> None:
        api = FastAPI()
        record = M.hr_positive_renal_record()
        labs = [e["resource"] for e in record["entry"] if e["resource"]["resourceType"] == "Observation"]

        @api.get("/fhir/{rtype}")
        async def search(rtype: str, request: Request, page: int = 0) -> Response:
            if mode == "trickle":
                return slow_empty_searchset()
            if mode == "stall_page_2":
                if rtype != "Observation":
                    return JSONResponse(searchset([]))
                if page == 0:
                    nxt = f"{self.base}/Observation?patient={M.PID}&page=1"
                    return JSONResponse(searchset(labs, nxt))
                return slow_empty_searchset()
            if mode == "huge":
                body = searchset([])
                body["padding"] = "x" * 2_000_000
                return JSONResponse(body)
            if mode == "status":
                return JSONResponse({"resourceType": "OperationOutcome"}, status_code=404)
            return Response("<html>admin console</html>", media_type="text/html")

        super().__init__(api, "/fhir", f"hostile FHIR server ({mode})")


@pytest.fixture
def hostile(request: pytest.FixtureRequest) -> Iterator[HostileFhir]:
    with HostileFhir(request.param) as server:
        yield server


def patient_view(server: HostileFhir, settings: CdsSettings) -> Any:
    body = hook_request(
        "patient-view",
        fhirServer=server.base,
        fhirAuthorization=authorization(TOKEN),
        prefetch={"patient": M.patient()},
    )
    return call("POST", PATIENT_VIEW, json=body, settings=settings)


# ------------------------------------------------------------------------- item 4: deadline and byte cap


@pytest.mark.parametrize("hostile", ["trickle"], indirect=True)
def test_a_trickling_fhir_server_is_cut_off_at_the_fetch_deadline(
    hostile: HostileFhir, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: the per-chunk read timeout never fired and the budget was only checked between pages,
    so the call waited for the whole trickle (121 s in the review) and then answered 200 with no data
    from it. Now the budget is a deadline on every GET: a 412 naming the time, in the log."""
    caplog.set_level(logging.INFO)
    settings = CdsSettings(base_url="https://mbcnav.example", fetch_budget_s=0.5)
    resp = patient_view(hostile, settings)
    assert resp.status_code == 412, resp.text
    assert GENERIC in resp.json()["detail"]
    assert "time" in caplog.text and "fetch deadline" in caplog.text


@needs_assess
@pytest.mark.parametrize("hostile", ["stall_page_2"], indirect=True)
def test_a_page_cut_off_by_the_deadline_gives_cards_from_what_was_read_and_the_warning(
    hostile: HostileFhir,
) -> None:
    settings = CdsSettings(base_url="https://mbcnav.example", fetch_budget_s=3)
    resp = patient_view(hostile, settings)
    assert resp.status_code == 200, resp.text
    (card,) = [c for c in resp.json()["cards"] if c["summary"].startswith("Part of this record was not read")]
    assert "observations" in card["detail"] and "time" in card["detail"]


@pytest.mark.parametrize("hostile", ["huge"], indirect=True)
def test_a_body_over_the_byte_cap_is_refused(hostile: HostileFhir, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    settings = CdsSettings(base_url="https://mbcnav.example", fetch_max_bytes=64_000)
    resp = patient_view(hostile, settings)
    assert resp.status_code == 412, resp.text
    assert GENERIC in resp.json()["detail"]
    assert "64000 bytes" in caplog.text


def test_fetch_limits_are_settings_with_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    assert CdsSettings().fetch_max_bytes > 1_000_000
    monkeypatch.setenv("MBCNAV_CDS_FETCH_MAX_BYTES", "5000")
    assert CdsSettings().fetch_max_bytes == 5000
    with pytest.raises(ValueError, match="fetch_max_bytes"):
        CdsSettings(fetch_max_bytes=0)


# ------------------------------------------------------------------ item 6: no port scan through the 412


@pytest.mark.parametrize("hostile", ["status", "html"], indirect=True)
def test_a_failed_fetch_tells_the_client_only_that_it_failed(
    hostile: HostileFhir, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: the 412 said 'HTTP 404', 'not JSON' or 'ConnectError', telling an open port from a closed
    one. Now every failure reads the same; the log keeps the reason (and never the token)."""
    caplog.set_level(logging.INFO)
    resp = patient_view(hostile, CdsSettings(base_url="https://mbcnav.example"))
    assert resp.status_code == 412, resp.text
    detail = resp.json()["detail"]
    assert GENERIC in detail
    for leak in ("404", "HTTP", "JSON", "Error", "127.0.0.1"):
        assert leak not in detail
    assert ("404" in caplog.text) or ("not JSON" in caplog.text)
    assert TOKEN not in caplog.text


def test_a_closed_port_reads_like_any_other_failure(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    body = hook_request(
        "patient-view", fhirServer="http://127.0.0.1:9", fhirAuthorization=authorization(TOKEN),
        prefetch={"patient": M.patient()},
    )  # fmt: skip
    resp = call("POST", PATIENT_VIEW, json=body)
    assert resp.status_code == 412
    detail = resp.json()["detail"]
    assert GENERIC in detail and "ConnectError" not in detail and ":9" not in detail
    assert "ConnectError" in caplog.text
