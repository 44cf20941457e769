"""CDS Hooks 2.0 service: mbcnav's Assessment, shown as cards inside the EHR.

Three services share one pipeline (FHIR resources → Case → ``assess()`` → cards):
- ``mbcnav-patient-view`` (hook ``patient-view``): red flags (critical), safety alerts (warning;
  a contraindication on what is given now is critical because it must not go ahead, one on a mere
  therapy option a warning naming it as an option), workup gaps and the leading
  therapy options (info). Red-flag and safety cards are never dropped, capped or ranked below anything
  else. Info cards are capped (``max_info_cards``) but the cap is shared (``INFO_CARD_SHARES``): the
  most urgent workup gaps and the top therapy options in rank order each keep their places, so a long
  workup list cannot crowd the options out; an option with a contraindicated drug is marked FLAGGED.
- ``mbcnav-order-select`` / ``mbcnav-order-sign``: the draft MedicationRequests become the Case's
  ``proposed_treatment``; cards are the safety alerts about those drugs (with a suggestion to remove
  the draft so it can be re-ordered at the adjusted dose) plus any red flag. An alert counts for a draft
  as the order check counts it (``reasoning.orders.concerns``): on the ordered drug, or naming it as the
  partner it brings in (anastrozole signed while tamoxifen is current), and then the suggestion removes
  that draft. A draft names its medicine
  inline or by ``medicationReference`` to a contained Medication or one elsewhere in ``draftOrders``
  (read by the FHIR importer's own :func:`~mbcnav.interop.fhir.medication_concept`).

Data come from ``prefetch`` when the EHR sends it; whatever is missing is fetched from ``fhirServer``
with the ``fhirAuthorization`` bearer token (httpx, timeouts, same-origin paging only). The token
is never logged. Every prefetch key is required data: one that is neither prefetched (an
OperationOutcome there means the client could not) nor fetched is a 412, never an empty answer that
would read as "no problem". A key sent as null is the client saying it has no such data (2.0): an
empty search, not a 412. Searches are paged to their end within a budget (``fetch_max_pages`` per
search, ``fetch_budget_s`` per call); one cut off by it, or paged onto another server, gives the cards
from what was read plus a warning card naming it (``not_read_card``), as for a partial record: a chart
that long stays so, and a 412 would never show its red flags. ``fhirServer`` must be https (http only
on loopback) and ``fhirAuthorization`` must carry every field 2.0 requires. Every Patient in the data must be
``context.patientId``: a prefetch holding another patient is a 400, a fhirServer answering with
another patient a 422, never that patient's cards. Card details escape link and HTML markdown, since
they quote the record and the user's words; record text (ids, import notes, draft labels) goes through
``md_text``, which also escapes emphasis, headings, line breaks and bare links. Each GET to fhirServer
ends at the call's fetch deadline (``fetch_budget_s``, however slowly the bytes come) and its answer is
streamed under ``fetch_max_bytes`` (``MBCNAV_CDS_FETCH_MAX_BYTES``); a failed fetch tells the client only
``FETCH_FAILED`` (the reason, never the token, goes to the log), so the service cannot scan ports.
A record the fast FHIR import cannot read (one malformed element: an impossible date, a wrong JSON type)
is imported again in strict mode, which leaves out each resource that does not validate
(``import_readable_part``): a 422 would hide every red flag the rest of the record shows. The cards are
then built from the rest, plus a warning card, first after the critical ones, naming each left-out
resource and element and saying that the absence of an alert is not evidence of safety. It stays a 422
when strict import fails too or leaves out the Patient (whose record this is, age and sex).
Request bodies must be declared JSON (``application/json``, any charset, or ``application/*+json``):
anything else is 415, so a browser cannot post a hook call as a "simple" (unpreflighted) request.
Errors are ``application/problem+json``. CORS is handled on the router itself (CDS Hooks 2.0 requires
CORS for browser-based clients and leaves the policy to OWASP guidance: an allow-list of origins, no
credentials), so mounting it with ``app.include_router(build_cds_router(settings))`` is enough; the
allow-list comes from ``MBCNAV_CDS_CORS_ORIGINS`` (comma-separated; ``*`` = any).

Each card links to the full assessment. By default the case behind the hook call is saved in the
web app's store (``case_store``, as the case form does) and the link is its page ``/cases/{saved_id}``,
an absolute URL on the public base URL: ``MBCNAV_BASE_URL`` when set, else the base URL of the
incoming request (the scheme, host, port and root path the CDS Client called, so any port works).
Behind a reverse proxy, ``mbcnav serve`` (uvicorn) takes the scheme from ``X-Forwarded-Proto`` sent by
a trusted proxy (``FORWARDED_ALLOW_IPS``, default 127.0.0.1); a proxy that does not pass the public
Host on needs ``MBCNAV_BASE_URL``. ``MBCNAV_CDS_RESULT_PATH`` still sets the path (placeholders
``{saved_id}``, ``{patient_id}``, ``{hook_instance}``, filled in URL-encoded; anything else stops the
app from starting), so a deployment that routes its own page keeps it. A case is saved only when
there are cards to link; a path with ``{saved_id}`` and no store (the router used on its own) gives
cards without a link, as does a store that fails (the cards still go out).

Safety-alert cards carry ``overrideReasons`` (mbcnav's own code system, ``cds_override_reasons.yaml``:
which reasons each kind of card offers). Feedback is checked as CDS Hooks 2.0 describes it (``card``,
``outcome``, ``outcomeTimestamp``, ``acceptedSuggestions`` for an accepted card, ``overrideReason`` a
Coding and/or a comment for an overridden one) and then against what the card offered, which the
service remembered when it sent the card (``card_registry``; see ``cds_overrides``): a card this service
did not send (or sent more than ``OFFER_RETENTION_DAYS`` ago), a reason of mbcnav's code system the card
did not offer, or a suggestion it did not have, is a 422 naming it, and nothing of that feedback is
stored. A reason in another code system is the client's own (2.0 allows it) and is stored as sent, like
the rest of the item. A registry that cannot answer is a 503 (nothing stored), not a guess.

A safety card about a draft order suggests removing it; when the alert states the dose the order should
have (the order dose check's ``SafetyAlert.dose_limit``: a label, partner, band or Calvert dose), the
suggestion also creates the draft again at that dose (2.0 ``create`` action), so accepting it replaces
the order. One draft gets one removal suggestion, not one per card. Drafts are told apart by resource
id: a dose card acts on the drafts above the dose it states (zoledronic acid 4 mg and 3 mg drafts: the
4 mg one), and keeps the draft's timing, route and dosage text with only the dose changed.

No ``systemActions``: 2.0 reserves them for actions a client applies with no one looking, in
pre-coordinated cases (e.g. saving an identifier of the service's decision). Everything mbcnav says is
advice for the care team to weigh; removing a draft order or writing to the chart without a clinician
choosing it is exactly what it must not do, so order changes stay card suggestions and responses are
``{"cards": [...]}`` only.

CDS Clients are authenticated by the signed JWT of CDS Hooks 2.0 (``cds_auth``) when trusted clients
are configured (``MBCNAV_CDS_TRUSTED_CLIENTS``, a JSON/YAML file): every service call and feedback POST
then needs ``Authorization: Bearer <JWT>`` whose ``aud`` is the endpoint's public URL (``base_url`` +
path; ``http://127.0.0.1:8000`` when no base URL is set, never the request's Host, which the caller
chooses), else 401 problem+json naming the problem. Discovery and CORS preflight stay open. Without
trusted clients the services are open (development mode; one warning when the router is built).
"""

from __future__ import annotations

import asyncio
import collections
import copy
import dataclasses
import datetime as dt
import functools
import logging
import os
import re
import string
import time
import uuid
from collections.abc import Callable, Collection, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import httpx
import orjson
from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from mbcnav.assessment import URGENCY_ORDER, Assessment, SafetyAlert, TherapyOption, WorkupItem
from mbcnav.case import Case, parse_case
from mbcnav.errors import MbcnavError
from mbcnav.interop import cds_overrides
from mbcnav.interop.cds_auth import (
    CdsAuthConfig,
    CdsAuthenticator,
    CdsAuthError,
    CdsClient,
    load_trusted_clients,
    url_allowed,
)
from mbcnav.interop.fhir import (
    NO_PATIENT,
    ImportResult,
    case_from_fhir,
    dose_of,
    drug_from_concept,
    index_of,
    iter_resources,
    medication_concept,
    resources_of,
    unread_dose,
)
from mbcnav.interop.fhir.notes import ImportNote
from mbcnav.interop.fhir.reading import patient_part, ref_of
from mbcnav.reasoning.orders import concerns
from mbcnav.reasoning.routes import read_route
from mbcnav.yamlfile import load_yaml

log = logging.getLogger("mbcnav.cds")

#: CDS Hooks 2.0: "One-sentence, <140-character summary" (strictly fewer than 140)
SUMMARY_MAX = 139
_NS = uuid.UUID("0b9f3c3e-59a4-4f0e-8a0e-5bb0c1d2e3f4")

_PATIENT_PREFETCH: dict[str, str] = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}",
    "medicationRequests": "MedicationRequest?patient={{context.patientId}}",
    "medicationStatements": "MedicationStatement?patient={{context.patientId}}",
    # the infusions given: cumulative anthracycline dose (fhir/cumulative.py)
    "medicationAdministrations": "MedicationAdministration?patient={{context.patientId}}",
    "allergies": "AllergyIntolerance?patient={{context.patientId}}",
    # brain surgery and radiotherapy: brain-metastasis status (fhir/brain.py)
    "procedures": "Procedure?patient={{context.patientId}}",
}

SERVICES: list[dict[str, Any]] = [
    {
        "hook": "patient-view",
        "id": "mbcnav-patient-view",
        "title": "mbcnav: metastatic breast cancer review",
        "description": "Red flags, safety alerts, missing workup and guideline therapy options for a person "
        "with metastatic breast cancer, from the mCODE/FHIR record.",
        "prefetch": _PATIENT_PREFETCH,
        "usageRequirements": "Needs mCODE-shaped Conditions, Observations, medication resources (requests, "
        "statements, administrations) and Procedures.",
    },
    {
        "hook": "order-select",
        "id": "mbcnav-order-select",
        "title": "mbcnav: anticancer order check",
        "description": "Checks a selected medication order against mbcnav's safety rules (renal and hepatic "
        "dosing, interactions, contraindications) using today's labs.",
        "prefetch": _PATIENT_PREFETCH,
    },
    {
        "hook": "order-sign",
        "id": "mbcnav-order-sign",
        "title": "mbcnav: anticancer order check at signing",
        "description": "Checks medication orders about to be signed against mbcnav's safety rules.",
        "prefetch": _PATIENT_PREFETCH,
    },
]
_BY_ID = {s["id"]: s for s in SERVICES}


def _env_origins() -> tuple[str, ...]:
    raw = os.environ.get("MBCNAV_CDS_CORS_ORIGINS", "*")
    return tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())


#: the JWT ``aud`` base when no public base URL is configured (what ``mbcnav serve`` listens on by default)
LOCAL_BASE_URL = "http://127.0.0.1:8000"

#: the page a card links to: the saved case (web/pages/cases.py)
RESULT_PATH = "/cases/{saved_id}"
#: the placeholders a result path may use (each filled in URL-encoded)
RESULT_PATH_FIELDS = frozenset({"saved_id", "patient_id", "hook_instance"})

#: how patient-view's info cards share ``max_info_cards``, in the order they are shown: each kind first
#: gets up to its reserved places (workup gaps most urgent first, therapy options in rank order); the
#: places a kind leaves empty go to the others, in this order. Red flags and safety alerts are not info
#: cards and are never capped.
INFO_CARD_SHARES: tuple[tuple[str, int], ...] = (("workup", 3), ("option", 3))


def _result_path_fields(template: str) -> set[str]:
    """The placeholders of a result path; ValueError naming the setting when it is not a valid one."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ValueError(f"MBCNAV_CDS_RESULT_PATH {template!r} is not a valid template: {exc}") from None
    unknown = names - RESULT_PATH_FIELDS
    if unknown or not template.startswith("/"):
        allowed = ", ".join(_placeholders(RESULT_PATH_FIELDS))
        found = f"; unknown: {', '.join(_placeholders(unknown))}" if unknown else ""
        raise ValueError(
            f"MBCNAV_CDS_RESULT_PATH {template!r} must be a path starting with '/' whose placeholders "
            f"are among {allowed}{found}"
        )
    return names


def _placeholders(names: set[str] | frozenset[str]) -> list[str]:
    return ["{" + name + "}" for name in sorted(names)]


@dataclass(frozen=True)
class CdsSettings:
    #: the public base URL of the mbcnav web app ("" = not set: card links use the request's base URL)
    base_url: str = field(default_factory=lambda: os.environ.get("MBCNAV_BASE_URL", ""))
    #: path + query of the full-assessment page a card links to; see RESULT_PATH_FIELDS
    result_path: str = field(default_factory=lambda: os.environ.get("MBCNAV_CDS_RESULT_PATH", RESULT_PATH))
    cors_origins: tuple[str, ...] = field(default_factory=_env_origins)
    fetch_timeout_s: float = field(
        default_factory=lambda: float(os.environ.get("MBCNAV_CDS_FETCH_TIMEOUT", "5"))
    )
    #: pages of a FHIR searchset read per query at most (same origin only): a search still going on
    #: after them is reported on a warning card (``not_read_card``), never cut off in silence
    fetch_max_pages: int = field(
        default_factory=lambda: int(os.environ.get("MBCNAV_CDS_FETCH_MAX_PAGES", "100"))
    )
    #: seconds all fhirServer fetches of one hook call may take together: a deadline on each GET as a
    #: whole (connect, headers and body), not per chunk, so a server that trickles its answer cannot hold
    #: the call; pages not read by then are reported like pages over ``fetch_max_pages``
    fetch_budget_s: float = field(
        default_factory=lambda: float(os.environ.get("MBCNAV_CDS_FETCH_BUDGET", "20"))
    )
    #: bytes one fhirServer answer (one page) may have at most, counted as it streams in, so a huge or
    #: endless answer is cut off instead of held in memory
    fetch_max_bytes: int = field(
        default_factory=lambda: int(os.environ.get("MBCNAV_CDS_FETCH_MAX_BYTES", str(16 * 1024 * 1024)))
    )
    #: info cards (workup gaps, therapy options) at most, so the EHR is not flooded
    max_info_cards: int = sum(reserved for _, reserved in INFO_CARD_SHARES)
    #: how the info cards are shared out (kind, reserved places), in display order
    info_card_shares: tuple[tuple[str, int], ...] = INFO_CARD_SHARES
    #: JSON/YAML file listing the trusted CDS Clients (see cds_auth); empty = open (development mode)
    trusted_clients_file: str = field(
        default_factory=lambda: os.environ.get("MBCNAV_CDS_TRUSTED_CLIENTS", "")
    )
    #: the trusted clients given directly (wins over ``trusted_clients_file``)
    auth: CdsAuthConfig | None = None

    def __post_init__(self) -> None:
        """Refuse settings that would break every call later: a bad result path, a cap smaller than
        the places reserved for each kind of info card."""
        _result_path_fields(self.result_path)
        if self.fetch_max_pages < 1:
            raise ValueError(f"fetch_max_pages is {self.fetch_max_pages}; at least 1 page must be read")
        if not self.fetch_budget_s > 0:
            raise ValueError(f"fetch_budget_s is {self.fetch_budget_s}; the fetch budget must be above 0")
        if self.fetch_max_bytes < 1:
            raise ValueError(f"fetch_max_bytes is {self.fetch_max_bytes}; it must be at least 1")
        unknown = [kind for kind, _ in self.info_card_shares if kind not in _INFO_KINDS]
        if unknown:
            raise ValueError(
                f"info_card_shares: unknown kind {unknown[0]!r}; known: {', '.join(_INFO_KINDS)}"
            )
        reserved = sum(n for _, n in self.info_card_shares)
        if self.max_info_cards < reserved:
            raise ValueError(
                f"max_info_cards is {self.max_info_cards} but info_card_shares reserve {reserved} places"
            )

    @property
    def audience_base(self) -> str:
        """The base of the JWT ``aud`` the services expect: the configured public URL, else the local one."""
        return (self.base_url or LOCAL_BASE_URL).rstrip("/")


# ----------------------------------------------------------------------------------------- errors


def problem(status: int, title: str, detail: str) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return Response(orjson.dumps(body), status_code=status, media_type="application/problem+json")


def unauthorized(exc: CdsAuthError) -> Response:
    """401 problem+json with an RFC 6750 challenge; the detail names the problem, never the token."""
    response = problem(401, "Unauthorized", exc.detail)
    challenge = 'Bearer realm="cds-services"' + (f', error="{exc.error}"' if exc.error else "")
    response.headers["WWW-Authenticate"] = challenge
    return response


class _BadRequest(Exception):
    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.response = problem(status, title, detail)


#: media types a request body may be declared as, besides any ``application/<something>+json``
JSON_MEDIA_TYPES = frozenset({"application/json"})


def _require_json(content_type: str | None) -> None:
    """415 unless the body is declared JSON. CDS Hooks calls and feedback are JSON; a text/plain or
    form body (or none declared) is what a cross-site page can post without a CORS preflight."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in JSON_MEDIA_TYPES or (media.startswith("application/") and media.endswith("+json")):
        return
    said = f"is '{content_type.strip()[:100]}'" if content_type and content_type.strip() else "is missing"
    raise _BadRequest(
        415,
        "Unsupported Media Type",
        f"the Content-Type header {said}; CDS Hooks requests are JSON: send Content-Type: application/json",
    )


# ----------------------------------------------------------------------------------------- CORS

_ALLOW_HEADERS = "Authorization, Content-Type, Accept"
_ALLOW_METHODS = "GET, POST, OPTIONS"


def _cors_headers(origin: str | None, settings: CdsSettings) -> dict[str, str]:
    if not origin:
        return {}
    allowed = settings.cors_origins
    if "*" in allowed:
        return {"Access-Control-Allow-Origin": "*"}
    if origin.rstrip("/") in allowed:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {}


def _cors_route_class(settings: CdsSettings) -> type[APIRoute]:
    class CorsRoute(APIRoute):
        """Adds the CORS response headers to every response of this router (errors included)."""

        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def with_cors(request: Request) -> Response:
                response = await handler(request)
                response.headers.update(_cors_headers(request.headers.get("origin"), settings))
                return response

            return with_cors

    return CorsRoute


# ----------------------------------------------------------------------------------------- fetching


def _render(template: str, patient_id: str) -> str:
    return template.replace("{{context.patientId}}", quote(patient_id, safe=""))


def _same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


@dataclass(frozen=True)
class Fetched:
    """What the fhirServer fetch brought: key -> resource or Bundle, the keys it could not get at all
    (``problems``: a 412), and the searches it read only in part (``not_read``: key -> why)."""

    results: dict[str, Any]
    problems: list[str]
    not_read: dict[str, str]


#: what the CDS Client is told when a fhirServer fetch fails, whatever the reason: a reason ("HTTP 404",
#: "not JSON", "ConnectError") would tell an open port from a closed one and make the hook a port
#: scanner; the reason goes to the log
FETCH_FAILED = "could not fetch the record from fhirServer"


class _FetchRefused(Exception):
    """A fhirServer answer not taken (status, size): the reason is for the log only."""


async def _get_capped(client: httpx.AsyncClient, url: str, max_bytes: int) -> bytes:
    """The body of a 200 answer, streamed and cut off past ``max_bytes`` (never read in full first)."""
    async with client.stream("GET", url) as resp:
        if resp.status_code != 200:
            raise _FetchRefused(f"HTTP {resp.status_code}")
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise _FetchRefused(f"answer of {declared} bytes is over the cap of {max_bytes} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise _FetchRefused(f"answer over the cap of {max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


async def fetch_missing(
    missing: dict[str, str], fhir_server: str, token: str | None, settings: CdsSettings
) -> Fetched:
    """GET each query from the FHIR server, following ``next`` links to the end of each search.

    The token goes only to ``fhir_server``'s origin: a ``next`` link elsewhere is not followed. Paging is
    bounded by ``settings.fetch_max_pages`` per search and ``settings.fetch_budget_s`` for the whole
    call; a search cut off by either (or by a foreign ``next`` link) is in ``not_read``, since its first
    pages alone may hold old labs that would pass for the latest and miss the alert the rest holds.
    The budget is a deadline on each GET as a whole (httpx's timeouts count per chunk, which a server
    sending a byte a second never trips), and each answer is streamed under ``fetch_max_bytes``. A first
    page not had is a problem (a 412 saying only :data:`FETCH_FAILED`; the reason is logged).
    """
    headers = {"Accept": "application/fhir+json, application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    base = fhir_server.rstrip("/") + "/"
    results: dict[str, Any] = {}
    problems: list[str] = []
    not_read: dict[str, str] = {}
    timeout = httpx.Timeout(settings.fetch_timeout_s, connect=min(3.0, settings.fetch_timeout_s))
    deadline = time.monotonic() + settings.fetch_budget_s
    ran_out = (
        f"the time for fetching ({settings.fetch_budget_s:g} s) ran out after {{pages}} page{{s}}; "
        "the rest was not read"
    )
    async with httpx.AsyncClient(timeout=timeout, headers=headers, follow_redirects=False) as client:

        async def one(key: str, query: str) -> None:
            # a query relative to the server, or (a prefetch's next page) an absolute URL on it
            url: str | None = query if query.startswith(("https://", "http://")) else base + query
            if not _same_origin(url, base):
                not_read[key] = "its next page is on another server than fhirServer, so it was not fetched"
                return
            pages = 0
            collected: dict[str, Any] | None = None
            while url:
                if pages >= settings.fetch_max_pages:
                    not_read[key] = f"more than {pages} pages (the most read per search); the rest not read"
                    break
                if pages and time.monotonic() >= deadline:
                    not_read[key] = ran_out.format(pages=pages, s="s" if pages > 1 else "")
                    break
                pages += 1
                reason = ""
                try:
                    async with asyncio.timeout_at(_loop_time(deadline)):
                        content = await _get_capped(client, url, settings.fetch_max_bytes)
                except TimeoutError:
                    reason = f"past the fetch deadline ({settings.fetch_budget_s:g} s, time ran out)"
                    if pages > 1:  # what was read still gives its cards, with the warning card
                        log.warning("FHIR fetch %s %s: %s", key, _safe_url(url), reason)
                        not_read[key] = ran_out.format(pages=pages - 1, s="s" if pages > 2 else "")
                        break
                except httpx.HTTPError as exc:
                    reason = type(exc).__name__
                except _FetchRefused as exc:
                    reason = str(exc)
                else:
                    try:
                        data = orjson.loads(content)
                    except orjson.JSONDecodeError:
                        reason = "not JSON"
                    else:
                        if not isinstance(data, dict):
                            reason = "not a FHIR resource"
                if reason:
                    log.warning("FHIR fetch failed: %s %s (%s)", key, _safe_url(url), reason)
                    problems.append(f"{key}: {FETCH_FAILED}")
                    return
                log.info("FHIR fetch %s %s -> 200", key, _safe_url(url))
                if data.get("resourceType") != "Bundle":
                    results[key] = data
                    return
                if collected is None:
                    collected = data
                else:
                    collected.setdefault("entry", []).extend(data.get("entry") or [])
                url = _next_link(data)
                if url and not _same_origin(url, base):
                    log.warning("FHIR fetch %s: next link to another origin not followed", key)
                    not_read[key] = (
                        f"page {pages + 1} is on another server than fhirServer, so it was not fetched"
                    )
                    url = None
            if collected is not None:
                results[key] = collected

        await asyncio.gather(*(one(k, q) for k, q in missing.items()))
    if not_read:
        log.warning("FHIR fetch: searches read only in part: %s", ", ".join(sorted(not_read)))
    return Fetched(results, problems, not_read)


def _loop_time(monotonic_deadline: float) -> float:
    """A ``time.monotonic()`` deadline on the running event loop's clock (``asyncio.timeout_at``)."""
    return asyncio.get_running_loop().time() + (monotonic_deadline - time.monotonic())


def _next_link(bundle: dict[str, Any]) -> str | None:
    """The URL of a Bundle's next page, if it has one."""
    for link in bundle.get("link") or ():
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            return str(link["url"])
    return None


def _safe_url(url: str) -> str:
    """The URL without user info (never log credentials that a server put there)."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{parts.query}" if parts.query else "")


# ----------------------------------------------------------------------------------------- request


#: fhirAuthorization fields CDS Hooks 2.0 marks REQUIRED: (JSON types, the type in words)
_AUTH_FIELDS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "access_token": (str, "string"),
    "token_type": (str, "string"),
    "expires_in": ((int, float), "number"),
    "scope": (str, "string"),
    "subject": (str, "string"),
}


def _validate_authorization(auth: Any) -> None:
    if not isinstance(auth, dict):
        raise _BadRequest(400, "Bad Request", "'fhirAuthorization' must be an object")
    for name, (kind, words) in _AUTH_FIELDS.items():
        value = auth.get(name)
        if isinstance(value, bool) or not isinstance(value, kind) or value == "":
            raise _BadRequest(
                400, "Bad Request", f"'fhirAuthorization.{name}' is required (CDS Hooks 2.0), as a {words}"
            )
    if auth["token_type"].lower() != "bearer":
        raise _BadRequest(400, "Bad Request", "'fhirAuthorization.token_type' must be 'Bearer'")


def _validate_request(body: Any, service: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise _BadRequest(400, "Bad Request", "the request body must be a JSON object")
    for name in ("hook", "hookInstance"):
        if not isinstance(body.get(name), str) or not body[name]:
            raise _BadRequest(400, "Bad Request", f"'{name}' is required and must be a string")
    if body["hook"] != service["hook"]:
        raise _BadRequest(
            400,
            "Bad Request",
            f"service '{service['id']}' answers hook '{service['hook']}', not '{body['hook']}'",
        )
    context = body.get("context")
    if not isinstance(context, dict):
        raise _BadRequest(400, "Bad Request", "'context' is required and must be an object")
    if not isinstance(context.get("patientId"), str) or not context["patientId"]:
        raise _BadRequest(400, "Bad Request", "'context.patientId' is required")
    for name in ("fhirServer", "fhirAuthorization", "prefetch"):
        if name in body and body[name] is None:  # 2.0: "JSON elements SHALL NOT be null"
            raise _BadRequest(400, "Bad Request", f"'{name}' is null; leave it out instead")
    auth = body.get("fhirAuthorization")
    if auth is not None:
        _validate_authorization(auth)
        if not isinstance(body.get("fhirServer"), str):
            raise _BadRequest(400, "Bad Request", "'fhirServer' is required when fhirAuthorization is given")
    if body.get("fhirServer") is not None:
        server = body["fhirServer"]
        # the bearer token goes to this URL: https (2.0: "MUST be https when production data is
        # exchanged"), plain http only to loopback, as for JWK Sets
        if not isinstance(server, str) or not url_allowed(server):
            raise _BadRequest(400, "Bad Request", "'fhirServer' must be an https URL (http only on loopback)")
    if service["hook"] == "order-select":
        selections = context.get("selections")
        if not isinstance(selections, list) or not all(isinstance(x, str) and x for x in selections):
            raise _BadRequest(
                400, "Bad Request", "'context.selections' is required for order-select: a list of references"
            )
    prefetch = body.get("prefetch")
    if prefetch is not None and not isinstance(prefetch, dict):
        raise _BadRequest(400, "Bad Request", "'prefetch' must be an object")
    if service["hook"] in {"order-select", "order-sign"}:
        orders = context.get("draftOrders")
        if not isinstance(orders, dict) or orders.get("resourceType") != "Bundle":
            raise _BadRequest(400, "Bad Request", "'context.draftOrders' must be a FHIR Bundle")
    return body


#: what a prefetch key with the value null stands for (CDS Hooks 2.0: "If the CDS Client has no data to
#: populate a template prefetch key, the prefetch template key MUST have a value of null"): a search that
#: found nothing. A null read (``patient``) leaves no Patient, which is then named in the 412.
_NO_DATA: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "entry": []}


@dataclass(frozen=True)
class Gathered:
    """The patient's resources, the required data that could not be obtained (a 412), and the searches
    read only in part (key -> why: a warning card)."""

    resources: list[dict[str, Any]]
    problems: list[str]
    not_read: dict[str, str] = field(default_factory=dict)


async def gather_resources(body: dict[str, Any], service: dict[str, Any], settings: CdsSettings) -> Gathered:
    """Prefetch first; fetch the rest from fhirServer."""
    patient_id = body["context"]["patientId"]
    prefetch = body.get("prefetch") or {}
    found: dict[str, Any] = {}
    missing: dict[str, str] = {}
    for key, template in service.get("prefetch", {}).items():
        value = prefetch.get(key)
        if key in prefetch and value is None:  # the client has no such data: not "could not prefetch"
            found[key] = _NO_DATA
        # an OperationOutcome is the client saying it could not prefetch this (2.0): fetch it ourselves
        elif isinstance(value, dict) and value.get("resourceType") not in (None, "OperationOutcome"):
            found[key] = value
        else:
            missing[key] = _render(template, patient_id)
    problems: list[str] = []
    not_read: dict[str, str] = {}
    # 2.0 lets a client page a prefetched search: its next pages are required data too
    continued = {key: nxt for key, value in found.items() if (nxt := _next_link(value))}
    if (missing or continued) and body.get("fhirServer"):
        token = (body.get("fhirAuthorization") or {}).get("access_token")
        fetched = await fetch_missing({**missing, **continued}, body["fhirServer"], token, settings)
        problems, not_read = fetched.problems, fetched.not_read
        for key, value in fetched.results.items():
            if key in continued:  # the prefetched first page, then the fetched rest
                rest = value.get("entry") or [] if isinstance(value, dict) else []
                found[key] = {**found[key], "entry": [*(found[key].get("entry") or []), *rest]}
            else:
                found[key] = value
    else:
        if missing:
            problems.append(f"not prefetched and no fhirServer: {', '.join(sorted(missing))}")
        if continued:
            problems.append(f"prefetch has further pages and no fhirServer: {', '.join(sorted(continued))}")
    resources: dict[str, dict[str, Any]] = {}
    for name, value in found.items():
        try:
            listed = list(resources_of(value))
        except MbcnavError as exc:  # a Bundle that is not made of resources
            if name not in missing:  # sent by the client in prefetch
                raise _BadRequest(400, "Bad Request", f"prefetch.{name}: {exc}") from None
            raise _BadRequest(
                422, "Unprocessable Content", f"the {name} fetched from fhirServer could not be read: {exc}"
            ) from None
        for res in listed:
            if res.get("resourceType") == "OperationOutcome":
                continue
            if res.get("resourceType") == "Patient":
                _check_patient(res, patient_id, name, fetched=name in missing)
            key = f"{res['resourceType']}/{res.get('id') or len(resources)}"
            resources[key] = res
    return Gathered(list(resources.values()), problems, not_read)


def _check_patient(patient: dict[str, Any], patient_id: str, key: str, *, fetched: bool) -> None:
    """Refuse a Patient that is not ``context.patientId``: cards about someone else, shown in this
    patient's chart, are a safety hazard. The client's prefetch is a 400; a fhirServer answer a 422."""
    rid = patient.get("id")
    if rid == patient_id:
        return
    got = f"Patient/{rid[:100]}" if isinstance(rid, str) and rid else "a Patient without an id"
    if fetched:
        raise _BadRequest(
            422,
            "Unprocessable Content",
            f"the {key} fetched from fhirServer is {got}, not context.patientId '{patient_id}'; "
            "no cards are given for another patient",
        )
    raise _BadRequest(
        400,
        "Bad Request",
        f"prefetch.{key} is {got}, but context.patientId is '{patient_id}'; "
        "no cards are given for another patient",
    )


def _check_draft_subject(res: dict[str, Any], where: str, patient_id: Any) -> None:
    """A draft order for another patient is refused, like a prefetched Patient other than patientId."""
    subject = res.get("subject")
    target = subject.get("reference") if isinstance(subject, dict) else None
    if not isinstance(target, str) or not isinstance(patient_id, str) or "Patient/" not in target:
        return
    named = patient_part(target)
    if named != f"Patient/{patient_id}":
        raise _BadRequest(
            400,
            "Bad Request",
            f"context.draftOrders: {ref_of(res, where)}: subject is {named[:108]}, but "
            f"context.patientId is '{patient_id}'; no cards are given for another patient's order",
        )


def proposed_from_orders(context: dict[str, Any], hook: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(draft MedicationRequest, proposed_treatment row) for each order mbcnav can name."""
    selected = set(context["selections"]) if hook == "order-select" else set()
    out: list[tuple[dict[str, Any], dict[str, Any]]] = []
    try:
        drafts = list(iter_resources(context["draftOrders"]))
    except MbcnavError as exc:
        raise _BadRequest(400, "Bad Request", f"context.draftOrders: {exc}") from None
    index = index_of(drafts)  # what a medicationReference may name: a Medication among the drafts
    for where, res, _ in drafts:
        if res.get("resourceType") != "MedicationRequest":
            continue
        if selected and f"MedicationRequest/{res.get('id')}" not in selected:
            continue
        _check_draft_subject(res, where, context.get("patientId"))
        try:
            concept, _ = medication_concept(res, index)
        except MbcnavError as exc:  # a reference that is not text: the client's request is at fault
            raise _BadRequest(
                400, "Bad Request", f"context.draftOrders: {ref_of(res, where)}: {exc.message}"
            ) from None
        try:
            drug = drug_from_concept(concept)
        except MbcnavError:
            drug = None
        if drug is None:
            log.info("draft order %s: medicine not known to mbcnav", res.get("id"))
            continue
        try:
            dose = dose_of(res)
        except MbcnavError as exc:  # e.g. a dose that is not a number: the client's request is at fault
            raise _BadRequest(400, "Bad Request", f"context.draftOrders: {exc}") from None
        row: dict[str, Any] = {"drug": drug, **dose}
        written = None if dose else unread_dose(res)
        if written:
            row["dose_as_written"] = written
        route = route_of(res)
        if route:
            row["route"] = route
        out.append((res, row))
    return out


_SNOMED = "http://snomed.info/sct"


def route_of(res: Mapping[str, Any]) -> str | None:
    """The route of a draft's first dosage that names one: a route name when its SNOMED CT code or words
    can be read, else the words (or code) as sent, so the check can say it could not read them.

    Why not drop an unreadable route: an intrathecal vinca order must never pass as "no route given".
    """
    dosages = res.get("dosageInstruction")
    for dosage in dosages if isinstance(dosages, list) else ():
        route = dosage.get("route") if isinstance(dosage, dict) else None
        if not isinstance(route, dict):
            continue
        raw = route.get("coding")
        codings = [c for c in raw if isinstance(c, dict)] if isinstance(raw, list) else []
        sent = [c["code"] for c in codings if c.get("system") == _SNOMED and isinstance(c.get("code"), str)]
        if isinstance(route.get("text"), str):
            sent.append(route["text"])
        sent.extend(c["display"] for c in codings if isinstance(c.get("display"), str))
        other = (c for c in codings if c.get("system") != _SNOMED)
        sent.extend(c["code"] for c in other if isinstance(c.get("code"), str))
        sent = [w.strip()[:100] for w in sent if w.strip()]
        for word in sent:
            name = read_route(word)
            if name:
                return name
        if sent:
            return sent[0]
    return None


# ----------------------------------------------------------------------------------------- cards


def _summary(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= SUMMARY_MAX:
        return text
    cut = text[: SUMMARY_MAX - 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def _source(sources: tuple[str, ...]) -> dict[str, str]:
    try:
        from mbcnav.knowledge.loader import load_knowledge_base

        known = load_knowledge_base().sources
    except Exception:  # the cards must still go out when the knowledge base cannot be read
        known = {}
    for sid in sources:
        if sid in known:
            src = known[sid]
            return {"label": _summary(f"mbcnav · {src.title}")[:140], "url": str(src.url)}
    return {"label": "mbcnav (metastatic breast cancer navigator)"}


def link_cards(cards: list[dict[str, Any]], url: str) -> list[dict[str, Any]]:
    """The cards, each linking to the full assessment at ``url`` (an absolute URL)."""
    link = {"label": "Open the full mbcnav assessment", "url": url, "type": "absolute"}
    return [{**card, "links": [dict(link)]} for card in cards]


#: markdown that makes links or HTML: escaped in card details, which carry text from the record and
#: the user's own words (an Observation id, a symptom) - CDS Hooks 2.0 security: no dangerous links
_MD_UNSAFE = str.maketrans({c: "\\" + c for c in "\\[]<>"})


def _md_safe(text: str) -> str:
    return text.translate(_MD_UNSAFE)


class Md(str):
    """Card detail markdown already made safe piece by piece (:func:`md_text` on record text,
    :func:`_md_safe` on mbcnav's own): ``_card`` does not escape it again."""


#: every character that starts markdown or HTML inside a line (links, images, emphasis, code, tables,
#: strikethrough, entities, e-mail autolinks); parentheses and hyphens are harmless without them
_MD_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*_[]<>#!|~&@"})
#: a list item or ordered-list number at the start of a piece would open a block inside the line
_MD_BLOCK_START = re.compile(r"^([-+])|^(\d+)([.)])")
#: GFM turns "www." and "scheme://" into links without brackets
_MD_AUTOLINK = re.compile(r"(?i)\b(www)\.|(:)(?=//)")


def md_text(value: object) -> str:
    """Text from the record (or a user) placed in a card detail, as inert markdown: line breaks become
    spaces (no headings, lists or paragraphs of its own), every markdown special is backslash-escaped,
    and bare ``https://`` / ``www.`` links are broken, so a FHIR id like ``x)\\n\\n## No safety concerns``
    reads as the text it is. The one helper every record-derived piece of a detail goes through."""
    text = " ".join(str(value).split()).translate(_MD_SPECIALS)
    text = _MD_BLOCK_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text)
    return _MD_AUTOLINK.sub(lambda m: f"{m[1]}\\." if m[1] else "\\:", text)


def _card(
    hook_instance: str,
    code: str,
    summary: str,
    detail: str,
    indicator: str,
    sources: tuple[str, ...],
) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid5(_NS, f"{hook_instance}|{code}")),
        "summary": _summary(summary),
        "detail": detail if isinstance(detail, Md) else _md_safe(detail),
        "indicator": indicator,
        "source": _source(sources),
    }


def _about_an_option(alert: SafetyAlert, hook: str, taken: Collection[str]) -> bool:
    """True for a patient-view alert on a drug that is neither given now nor ordered: a therapy option
    (paclitaxel with ANC 1400). Nothing is about to be given, so the chart banner must not rank it with
    the red flags; its option card is marked FLAGGED and ranked after the others already."""
    if hook != "patient-view" or not alert.drug:
        return False
    return alert.drug not in taken and not set(alert.partners) & set(taken)


def _alert_indicator(alert: SafetyAlert, hook: str = "order-sign", taken: Collection[str] = ()) -> str:
    """critical for a contraindication on an order or on what is given now (it must not go ahead), warning
    for every other safety alert, a contraindication of a mere option included (issue 7: "red flags as
    critical, safety alerts as warning")."""
    if alert.severity == "contraindication" and not _about_an_option(alert, hook, taken):
        return "critical"
    return "warning"


def _drug_first(sources: tuple[str, ...], drug: str | None) -> tuple[str, ...]:
    """The sources with the label of the card's own drug first, so the card's one source link names that
    drug (a shared ANC rule lists the docetaxel label first, and a paclitaxel card must not show it)."""
    if not drug:
        return sources
    own = f"fda-label-{drug.replace(' ', '-')}"
    return (own, *(s for s in sources if s != own)) if own in sources else sources


#: the kind of card (``offered_by`` in cds_override_reasons.yaml) a safety alert makes, by its severity
_ALERT_CARD_KIND = {"warning": "safety-warning", "contraindication": "contraindication"}


TITLES_FILE = Path(__file__).parent / "cds_titles.yaml"


@functools.cache
def card_titles() -> dict[str, dict[str, str]]:
    """kind ('safety', 'workup') -> code -> the clinician title a card summary uses (cds_titles.yaml)."""
    raw = load_yaml(TITLES_FILE.read_text(encoding="utf-8")) or {}
    return {str(kind): {str(c): str(t) for c, t in (codes or {}).items()} for kind, codes in raw.items()}


def _title(code: str, kind: str = "safety") -> str:
    """The item's clinician title; a code without one (a rule added later) in words, never no card."""
    return card_titles().get(kind, {}).get(code) or code.replace("_", " ").capitalize()


def _workup_card(item: WorkupItem, hook_instance: str) -> dict[str, Any]:
    return _card(
        hook_instance,
        f"workup:{item.code}",
        f"Workup gap: {_title(item.code, 'workup')}",
        item.clinician + (f"\n\nWhy: {item.rationale}" if item.rationale else ""),
        "info",
        item.sources,
    )


#: how an option's summary names the safety alerts on its drugs, by ``TherapyOption.flagged``: flagged
#: (a drug is contraindicated; the reasoning core ranks it after the others) or a note (e.g. a dose
#: adjustment). The mark comes before the regimen so a long regimen cannot push it out of the summary.
_OPTION_MARKS = {True: "FLAGGED", False: "safety note"}


def _option_card(option: TherapyOption, hook_instance: str) -> dict[str, Any]:
    alerts = ", ".join(_title(code) for code in option.flags)
    label = _OPTION_MARKS[option.flagged]
    mark = f" ({label}: {alerts})" if alerts else (f" ({label})" if option.flagged else "")
    detail = (option.clinician or option.rationale) + (
        f"\n\nEvidence: {', '.join(option.evidence)}" if option.evidence else ""
    )
    if option.flagged:
        detail = (
            f"**Flagged**: a drug of this option is contraindicated ({alerts or 'see the safety cards'}); "
            f"it is ranked after the options without one.\n\n{detail}"
        )
    return _card(
        hook_instance,
        f"option:{option.rank}",
        f"Option {option.rank}{mark}: {option.regimen}",
        detail,
        "info",
        option.sources,
    )


#: each kind of info card named in ``INFO_CARD_SHARES``: (the assessment's items, most important
#: first, the card for one item)
_INFO_KINDS: dict[str, tuple[Callable[[Assessment], list[Any]], Callable[[Any, str], dict[str, Any]]]] = {
    "workup": (lambda a: sorted(a.workup, key=lambda w: URGENCY_ORDER[w.urgency]), _workup_card),
    "option": (lambda a: sorted(a.therapy_options, key=lambda o: o.rank), _option_card),
}


def share_info_places(
    available: Mapping[str, int], shares: Sequence[tuple[str, int]], cap: int
) -> dict[str, int]:
    """How many cards of each kind to show: each kind its reserved places (as far as it has cards),
    then the places left, in the order of ``shares``, to kinds with cards left; never above ``cap``."""
    counts = {kind: min(reserved, available.get(kind, 0)) for kind, reserved in shares}
    spare = max(0, cap - sum(counts.values()))
    for kind, _ in shares:
        extra = min(spare, available.get(kind, 0) - counts[kind])
        counts[kind] += extra
        spare -= extra
    return counts


def _info_cards(assessment: Assessment, hook_instance: str, settings: CdsSettings) -> list[dict[str, Any]]:
    """Workup gaps and therapy options, most important first, sharing the info-card cap."""
    items = {kind: _INFO_KINDS[kind][0](assessment) for kind, _ in settings.info_card_shares}
    counts = share_info_places(
        {kind: len(listed) for kind, listed in items.items()},
        settings.info_card_shares,
        settings.max_info_cards,
    )
    return [
        _INFO_KINDS[kind][1](item, hook_instance)
        for kind, _ in settings.info_card_shares
        for item in items[kind][: counts[kind]]
    ]


#: how many import warnings a record-check card lists before it gives only the count
_NOTES_LISTED = 8


def import_warnings_card(notes: Sequence[Any], hook_instance: str) -> dict[str, Any] | None:
    """One warning card for what the FHIR import could not read cleanly (conflicts, dropped values,
    assumptions that need review), or None when nothing did: these notes can change the advice (an ER
    conflict changes the subtype), and without the card they stayed inside mbcnav."""
    warnings = [n for n in notes if n.level in ("warning", "error")]
    if not warnings:
        return None
    lines = [
        f"- {md_text(n.resource or 'record')}{'.' + md_text(n.element) if n.element else ''}: "
        + md_text(n.message)
        for n in warnings[:_NOTES_LISTED]
    ]
    if len(warnings) > _NOTES_LISTED:
        lines.append(f"- and {len(warnings) - _NOTES_LISTED} more (see the full assessment)")
    count = len(warnings)
    return _card(
        hook_instance,
        "import:warnings",
        f"Record check: {count} item{'s' if count > 1 else ''} in the chart could not be read cleanly; "
        "review before acting",
        Md(
            "The advice on the other cards was built from the chart as imported. These items were "
            "conflicting, dropped or assumed:\n\n" + "\n".join(lines)
        ),
        "warning",
        (),
    )


#: how many left-out resources a partial-record card names (and elements per resource) before the count
_LEFT_OUT_LISTED = 20
_ELEMENTS_LISTED = 5


def partial_record_card(left_out: Sequence[Any], hook_instance: str) -> dict[str, Any] | None:
    """One warning card naming each resource left out because it is not valid FHIR (by type/id and
    element only: the validator's message may quote the value), or None when none was.

    The other cards were built without those data, so the lack of a card about them must not read as
    "no problem", which is what a clinician would otherwise take a missing alert for. It offers
    no suggestions and no override reasons: there is nothing to accept or decide on it except checking
    the chart (feedback may still carry a comment or the client's own reason).
    """
    elements: dict[str, list[str]] = {}
    for note in left_out:
        named = elements.setdefault((note.resource or "a resource without an id")[:120], [])
        if note.element and note.element[:80] not in named:
            named.append(note.element[:80])
    if not elements:
        return None
    lines = []
    for ref, named in list(elements.items())[:_LEFT_OUT_LISTED]:
        shown = ", ".join(md_text(e) for e in named[:_ELEMENTS_LISTED])
        if len(named) > _ELEMENTS_LISTED:
            shown += f" and {len(named) - _ELEMENTS_LISTED} more"
        lines.append(f"- {md_text(ref)}" + (f" (element: {shown})" if shown else ""))
    if len(elements) > _LEFT_OUT_LISTED:
        lines.append(f"- and {len(elements) - _LEFT_OUT_LISTED} more resources")
    count = len(elements)
    many = count > 1
    these, them, its = ("These resources", "them", "Their") if many else ("This resource", "it", "Its")
    return _card(
        hook_instance,
        "import:left_out",
        f"Part of this record could not be read ({count} resource{'s' if many else ''} left out): a "
        "missing alert is not evidence of safety",
        Md(
            f"**Part of this record could not be read.** {these} in the chart did not validate as FHIR R4, "
            f"so mbcnav left {them} out and built the other cards from the rest of the record:\n\n"
            + "\n".join(lines)
            + f"\n\n{its} data were not checked: no red flag, safety alert, dose check or therapy option "
            "on these cards used them, so the absence of an alert is not evidence of safety. Review these "
            "data in the chart before acting on the cards, and have the record corrected."
        ),
        "warning",
        (),
    )


def not_read_card(not_read: Mapping[str, str], hook_instance: str) -> dict[str, Any] | None:
    """One warning card naming each fhirServer search read only in part (``Fetched.not_read``), or None.

    Why cards and not a 412: a chart too long for the page or time budget (or paged onto another server)
    stays so on every call, so a 412 would never show that patient's red flags at all. The policy is the
    one of the partial-record card: cards from what was read, and a card saying that what was not read
    was not checked, and that a value shown as the latest may not be.
    """
    if not not_read:
        return None
    lines = [f"- {key}: {why}" for key, why in sorted(not_read.items())]
    keys = ", ".join(sorted(not_read))
    return _card(
        hook_instance,
        "fetch:not_read",
        f"Part of this record was not read ({keys[:60]}): a missing alert is not evidence of safety",
        "**Part of this record was not read.** These searches of the FHIR server were read only in part, "
        "and mbcnav built the other cards from what it read:\n\n"
        + "\n".join(lines)
        + "\n\nThe rest was not checked: no red flag, safety alert, dose check or therapy option on these "
        "cards used it, so the absence of an alert is not evidence of safety, and a lab value taken as the "
        "latest may not be the latest. Review these data in the chart before acting on the cards.",
        "warning",
        (),
    )


def cards_for(
    assessment: Assessment,
    *,
    hook: str,
    hook_instance: str,
    settings: CdsSettings,
    orders: list[tuple[dict[str, Any], dict[str, Any]]] | None = None,
    import_notes: Sequence[Any] = (),
    left_out: Sequence[Any] = (),
    not_read: Mapping[str, str] | None = None,
    taken: Collection[str] = (),
) -> list[dict[str, Any]]:
    """Cards in the order a clinician must read them: critical, then warning, then info.

    ``left_out``: the defect notes of resources left out of the record (``import_readable_part``): their
    card comes first among the warnings, so it is read right after any red flag or contraindication and
    before every card built without those data (a client sorting by indicator shows the same order).
    ``not_read``: the fhirServer searches read only in part (``Fetched.not_read``): their card follows.

    Draft orders are told apart by their resource id, not by drug: two drafts of one drug each get the
    suggestion of the card about them, and a dose card is about the drafts above the dose it states.

    For order hooks a safety card concerns an ordered drug the way the order check counts it
    (``orders.concerns``): the alert's own drug, or an ordered partner not already ``taken`` (current
    treatment or medicine), since that order is what starts the combination.

    Cards carry no link yet: the link names the saved case, and a case is saved only when there are
    cards (``link_cards`` adds it)."""
    cards: list[dict[str, Any]] = []
    for record_card in (
        partial_record_card(left_out, hook_instance),
        not_read_card(not_read or {}, hook_instance),
    ):
        if record_card is not None:
            cards.append(record_card)
    for flag in assessment.red_flags:
        title = flag.title or _title(flag.code)
        detail = f"**{title}** ({flag.urgency}). {flag.clinician}"
        if flag.rationale:
            detail += f"\n\nWhy: {flag.rationale}"
        cards.append(
            _card(
                hook_instance,
                f"red_flag:{flag.code}",
                f"Red flag: {title} - act now",
                detail,
                "critical",
                flag.sources,
            )
        )
    drafts = [(res, row) for res, row in orders or () if isinstance(res.get("id"), str) and res["id"]]
    ordered = {row["drug"] for _, row in orders or ()}
    # one suggestion per draft: on the card stating the new dose when there is one (it replaces the
    # order), else on the first card about that draft (contraindications come first)
    alerts = sorted(assessment.safety_alerts, key=lambda a: a.severity != "contraindication")
    offered: set[tuple[str, str]] = set()
    dosed = [a for a in alerts if a.drug in ordered and stated_dose(a) is not None]
    for alert in dosed:
        for res, row in drafts:
            if row["drug"] == alert.drug:
                # above the stated dose: the dose card replaces it; at or below it: the dose check
                # found it right, so no card asks to re-order it at "the adjusted dose"
                offered.add((res["id"], "change"))
    for alert in alerts:
        # the ordered drug the card is about: the alert's own drug, else an ordered partner that the
        # order brings in (anastrozole signed while tamoxifen is current: the alert sits on tamoxifen)
        target = alert.drug
        if orders is not None:
            target = next((d for d in ordered if concerns(alert, d, taken)), None)
            if target is None:
                continue
        own = [(res, row) for res, row in drafts if row["drug"] == target]
        about = [(res, row) for res, row in own if target != alert.drug or _above(alert, row)] or own
        option = _about_an_option(alert, hook, taken)
        drug = f" ({alert.drug}{', as a therapy option' if option else ''})" if alert.drug else ""
        detail: str = alert.clinician + (f"\n\nWhy: {alert.rationale}" if alert.rationale else "")
        if len(own) > 1:  # which of the drafts of this drug the card is about (ids from the record)
            detail = Md(
                _md_safe(detail)
                + "\n\nDraft order"
                + ("s" if len(about) > 1 else "")
                + ": "
                + ", ".join(md_text(_draft_label(res, row)) for res, row in about)
            )
        card = _card(
            hook_instance,
            f"safety:{alert.code}:{alert.drug}",
            f"{'Contraindication' if alert.severity == 'contraindication' else 'Safety'}: "
            f"{_title(alert.code)}{drug}",
            detail,
            _alert_indicator(alert, hook, taken),
            _drug_first(alert.sources, alert.drug),
        )
        reasons = cds_overrides.override_reasons().codings(_ALERT_CARD_KIND[alert.severity])
        if reasons:
            card["overrideReasons"] = reasons
        suggestions = [
            suggestion
            for res, _ in about
            if target
            and (suggestion := _suggestion(alert, target, res, hook_instance, offered, named=len(own) > 1))
        ]
        if suggestions:
            card["suggestions"] = suggestions
            # each suggestion acts on a draft of its own: accepting one does not exclude another
            card["selectionBehavior"] = "at-most-one" if len(suggestions) == 1 else "any"
        cards.append(card)
    if hook == "patient-view":
        record = import_warnings_card(import_notes, hook_instance)
        if record is not None:
            cards.append(record)
        cards.extend(_info_cards(assessment, hook_instance, settings))
    order = {"critical": 0, "warning": 1, "info": 2}
    return sorted(cards, key=lambda c: order[c["indicator"]])


def stated_dose(alert: SafetyAlert) -> tuple[float, str] | None:
    """The dose (value, UCUM unit) an order dose alert says the order should not exceed
    (``SafetyAlert.dose_limit``), or None when the alert states none (a renal band's rule text, an
    interaction): only then may a suggestion re-order."""
    limit = alert.dose_limit
    # a ceiling (cisplatin 100 mg/m2) bounds a dose no breast cancer regimen reaches: no dose to re-order at
    if limit is None or not alert.drug or limit.kind == "ceiling":
        return None
    return limit.value, limit.unit


#: the proposed_treatment field holding a draft's dose in each unit a DoseLimit may state
_DOSE_FIELDS = {"mg": "dose_mg", "mg/m2": "dose_mg_m2", "mg/kg": "dose_mg_kg"}


def _above(alert: SafetyAlert, row: Mapping[str, Any]) -> bool:
    """True when the draft's dose is above the dose the alert states, or the alert states none, or the
    draft gives its dose in another unit (a mg cap on a mg/kg order): the card may then be about it."""
    limit = alert.dose_limit
    if limit is None:
        return True
    dose = row.get(_DOSE_FIELDS.get(limit.unit, ""))
    return not isinstance(dose, int | float) or dose > limit.value


def _draft_label(draft: Mapping[str, Any], row: Mapping[str, Any]) -> str:
    """A draft order by its resource id and dose, as a card tells two drafts of one drug apart."""
    doses = ", ".join(f"{row[f]:g} {unit}" for unit, f in _DOSE_FIELDS.items() if row.get(f))
    return f"MedicationRequest/{draft['id']}" + (f" ({doses})" if doses else "")


def _old_dose(instruction: Mapping[str, Any]) -> tuple[float, str] | None:
    """The draft's first dose quantity (value, unit as written), to find it in the dosage text."""
    for rate in instruction.get("doseAndRate") or ():
        quantity = rate.get("doseQuantity") if isinstance(rate, dict) else None
        if isinstance(quantity, dict) and isinstance(quantity.get("value"), int | float):
            unit = quantity.get("unit") or quantity.get("code") or ""
            return float(quantity["value"]), str(unit)
    return None


def _redosed_text(text: Any, old: tuple[float, str] | None, value: float, unit: str) -> str:
    """The dosage text at the new dose: the old dose replaced where the text states it, the timing and
    route words kept; else the new dose first, with the old text after it marked as changed."""
    new = f"{value:g} {unit}"
    if not isinstance(text, str) or not text.strip():
        return new
    if old is not None:
        number = re.escape(f"{old[0]:g}") + r"(?:\.0+)?"
        pattern = rf"(?<![\d.]){number}\s*{re.escape(old[1])}(?![A-Za-z])" if old[1] else None
        if pattern and len(re.findall(pattern, text)) == 1:
            return re.sub(pattern, new, text)
    return f"{new} (dose changed; the order read: {text})"


def _redosed(draft: dict[str, Any], value: float, unit: str) -> dict[str, Any]:
    """The draft MedicationRequest at the stated dose: same medicine (coding, reference, contained), same
    timing, route and instructions, a new doseQuantity and the text at the new dose; no id (the EHR gives
    the new order its own)."""
    order = copy.deepcopy(draft)
    order.pop("id", None)
    order.pop("meta", None)
    quantity = {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}
    instructions = order.get("dosageInstruction")
    if not isinstance(instructions, list) or not instructions or not isinstance(instructions[0], dict):
        instructions = [{}]
    first = dict(instructions[0])
    old = _old_dose(first)
    rates = [r for r in first.get("doseAndRate") or () if isinstance(r, dict)]
    first["doseAndRate"] = [{**(rates[0] if rates else {}), "doseQuantity": quantity}]
    first["doseAndRate"][0].pop("doseRange", None)
    first["text"] = _redosed_text(first.get("text"), old, value, unit)
    order["dosageInstruction"] = [first]  # one dose: a second instruction would keep the old one
    return order


#: the order route alerts (reasoning/routes.py): their suggestion is about the route
_ROUTE_CODES = frozenset({"route_not_allowed", "route_not_checked"})


def _suggestion(
    alert: SafetyAlert,
    target: str,
    draft: dict[str, Any],
    hook_instance: str,
    offered: set[tuple[str, str]],
    *,
    named: bool = False,
) -> dict[str, Any] | None:
    """The card's suggestion for one draft order it is about, or None when another card already carries
    the same removal of that draft. A dose the alert states is a delete of the draft plus a create at that
    dose (CDS Hooks 2.0 actions), so accepting it replaces the order; otherwise the draft is removed.
    ``named``: the label names the draft (another draft of the drug is on the card or in the order)."""
    resource_id = f"MedicationRequest/{draft['id']}"
    dose = stated_dose(alert) if target == alert.drug else None
    delete: dict[str, Any] = {"type": "delete", "resourceId": resource_id}
    # a gross-overdose order alert is a contraindication that states a dose: re-order at it, not cancel
    if alert.severity == "contraindication" and dose is None:
        kind, label = "cancel", f"Cancel this {target} order"
        delete["description"] = f"Remove the draft {target} order (contraindication on the card)."
    elif dose is not None:
        kind, label = "dose", f"Change the {target} dose to {dose[0]:g} {dose[1]} (replaces this order)"
        delete["description"] = f"Remove the draft {target} order at the dose on the card."
    elif target == alert.drug and alert.code in _ROUTE_CODES:
        # a route card (routes.yaml): the route is what to change, not the dose
        kind = "route"
        label = f"Check the {target} route: remove this order and re-order by the route the card names"
        delete["description"] = f"Remove the draft {target} order (route on the card)."
    elif target == alert.drug and alert.code == "dose_not_checked":
        # no adjusted dose exists: the dose could not be checked at all
        kind = "change"
        label = f"Check the {target} dose: remove this order and re-order once the dose is confirmed"
    elif target == alert.drug:
        kind = "change"
        label = f"Change the {target} dose: remove this order and re-order at the dose the card calls for"
        delete["description"] = f"Remove the draft {target} order (dose rule on the card)."
    else:
        kind, label = "partner", f"Remove this {target} order (it starts the combination on the card)"
        delete["description"] = f"Remove the draft {target} order (combination on the card)."
    if kind != "dose":
        if (draft["id"], kind) in offered:
            return None
        offered.add((draft["id"], kind))
    if named:
        label = f"{resource_id}: {label}"
    actions = [delete]
    if dose is not None:
        actions.append(
            {
                "type": "create",
                "description": f"Order {target} {dose[0]:g} {dose[1]} instead (the dose on the card).",
                "resource": _redosed(draft, *dose),
            }
        )
    return {
        "label": _summary(label),
        "uuid": str(uuid.uuid5(_NS, f"{hook_instance}|suggest|{alert.code}|{alert.drug}|{draft['id']}")),
        "actions": actions,
    }


# ----------------------------------------------------------------------------------------- router


def _assess(case: Case) -> Assessment:
    from mbcnav.reasoning.assess import assess  # late import: the reasoning core loads rules on first use

    return assess(case)


class FeedbackSink(Protocol):
    """Where card feedback goes: the web app's store (a database table), or process memory. The items
    of one POST are added together, all or none (a refused POST stores nothing)."""

    def add_feedback_items(self, service: str, items: list[dict[str, Any]], client: str | None) -> None: ...


class SavedCase(Protocol):
    @property
    def id(self) -> str: ...


class CaseStore(Protocol):
    """Where the case behind a hook call is saved so the card link can open it: the web app's store
    (saved cases and their page ``/cases/{saved_id}``)."""

    def save(self, case: dict[str, Any], assessment: dict[str, Any]) -> SavedCase: ...


class MemoryFeedback:
    """Feedback kept in this process only: for a router used on its own, without the web app's store."""

    def __init__(self, maxlen: int = 1000) -> None:
        self.items: collections.deque[dict[str, Any]] = collections.deque(maxlen=maxlen)

    def add_feedback(self, service: str, item: dict[str, Any], client: str | None) -> None:
        self.items.append({"service": service, **item, **({"client": client} if client else {})})

    def add_feedback_items(self, service: str, items: list[dict[str, Any]], client: str | None) -> None:
        for item in items:
            self.add_feedback(service, item, client)


_MEMORY_FEEDBACK = MemoryFeedback()
#: the in-memory feedback of routers built without a sink (tests read it)
FEEDBACK = _MEMORY_FEEDBACK.items
#: what the cards of routers built without a registry offered (process memory)
_MEMORY_CARDS = cds_overrides.MemoryCards()


async def _remember_cards(
    registry: cds_overrides.CardRegistry, service: str, cards: list[dict[str, Any]]
) -> None:
    """Keep what each card offered for its feedback; a registry outage must not withhold the cards
    (their feedback is then checked against the code system only)."""
    offers = cds_overrides.offers_of(cards)
    if not offers:
        return
    try:
        await run_in_threadpool(registry.remember_cards, service, offers)
    except Exception as exc:  # the cards matter more than checking their feedback later
        log.warning("CDS: the offers of %d card(s) could not be kept (%s)", len(offers), type(exc).__name__)


class _RegistryDown(Exception):
    """The card registry could not be read: feedback cannot be checked, so none is stored (503)."""


async def _card_offer(
    registry: cds_overrides.CardRegistry, service: str, card: str
) -> cds_overrides.CardOffer | None:
    """What the card offered, or None when this service did not send it (or its offer has expired)."""
    try:
        data = await run_in_threadpool(registry.card_offer, service, card)
    except Exception as exc:  # not "unknown": a 422 would tell the client its card was never sent
        log.warning("CDS: the offer of card %s could not be read (%s)", card[:100], type(exc).__name__)
        raise _RegistryDown from None
    return None if data is None else cds_overrides.CardOffer.from_json(data)


def build_authenticator(settings: CdsSettings) -> CdsAuthenticator | None:
    """The CDS Client authenticator, or None (open service) when no trusted client is configured.

    Raises CdsAuthConfigError (naming the file and field) when the trusted-clients file is unusable,
    so a misconfigured deployment does not start rather than start open.
    """
    config = settings.auth
    if config is None and settings.trusted_clients_file:
        config = load_trusted_clients(settings.trusted_clients_file)
    if config is None:
        log.warning(
            "CDS Hooks: no trusted CDS Clients configured (MBCNAV_CDS_TRUSTED_CLIENTS), so the services "
            "answer calls without a JWT - development mode, not for use with real patient data"
        )
        return None
    base = settings.audience_base
    log.info(
        "CDS Hooks: %d trusted CDS Client(s) from %s; JWT aud must be %s/cds-services/<service>",
        len(config.clients),
        config.source,
        base,
    )
    if urlsplit(base).scheme != "https" and url_allowed(base):
        log.warning(
            "CDS Hooks: the public base URL is %s (MBCNAV_BASE_URL%s), so CDS Clients must send that as "
            "aud; set it to the public URL",
            base,
            "" if settings.base_url else " not set",
        )
    return CdsAuthenticator(config)


def build_cds_router(
    settings: CdsSettings | None = None,
    feedback_sink: FeedbackSink | None = None,
    case_store: CaseStore | None = None,
    card_registry: cds_overrides.CardRegistry | None = None,
) -> APIRouter:
    """The CDS Hooks router; mount with
    ``app.include_router(build_cds_router(settings, feedback_sink=store, case_store=store))``.

    Each router has its own JWK Set cache and jti replay cache, so build it once per app. Feedback
    goes to ``feedback_sink`` (the web app passes its database store), else to process memory. The
    case behind each hook call with cards goes to ``case_store``, so the card link can open it; without
    one (and with a result path naming ``{saved_id}``) cards carry no link. What each card offered
    (override reasons, suggestions) goes to ``card_registry`` (the web app passes its store), else to
    process memory, so feedback can be checked against it.
    """
    cfg = settings or CdsSettings()
    sink: FeedbackSink = feedback_sink if feedback_sink is not None else _MEMORY_FEEDBACK
    registry: cds_overrides.CardRegistry = card_registry if card_registry is not None else _MEMORY_CARDS
    cds_overrides.override_reasons()  # a broken reasons file stops the app here, not at the first card
    authenticator = build_authenticator(cfg)
    endpoint_base = cfg.audience_base + "/cds-services/"
    router = APIRouter(tags=["CDS Hooks"], route_class=_cors_route_class(cfg))

    async def authenticate(request: Request, *paths: str) -> CdsClient | None:
        """The calling CDS Client (None in development mode); CdsAuthError when it is not trusted."""
        if authenticator is None:
            return None
        audiences = [endpoint_base + path for path in paths]
        try:
            client = await authenticator.authenticate(request.headers.get("authorization"), audiences)
        except CdsAuthError as exc:
            log.warning("CDS call to %r refused: %s", request.url.path, exc.detail)
            raise
        log.info("CDS call to %r from %r (kid %r)", request.url.path, client.iss, client.kid)
        return client

    def preflight(request: Request) -> Response:
        headers = _cors_headers(request.headers.get("origin"), cfg)
        if headers:
            headers.update(
                {
                    "Access-Control-Allow-Methods": _ALLOW_METHODS,
                    "Access-Control-Allow-Headers": _ALLOW_HEADERS,
                    "Access-Control-Max-Age": "600",
                }
            )
        return Response(status_code=204, headers=headers)

    @router.get("/cds-services", summary="CDS Hooks discovery")
    async def discovery() -> Response:
        return Response(orjson.dumps({"services": SERVICES}), media_type="application/json")

    @router.options("/cds-services", include_in_schema=False)
    async def discovery_preflight(request: Request) -> Response:
        return preflight(request)

    @router.options("/cds-services/{service_id}", include_in_schema=False)
    async def service_preflight(request: Request, service_id: str) -> Response:
        return preflight(request)

    @router.options("/cds-services/{service_id}/feedback", include_in_schema=False)
    async def feedback_preflight(request: Request, service_id: str) -> Response:
        return preflight(request)

    @router.post("/cds-services/{service_id}", summary="Call a CDS service (patient-view, order-select/sign)")
    async def call_service(service_id: str, request: Request) -> Response:
        try:
            await authenticate(request, quote(service_id, safe=""))
        except CdsAuthError as exc:
            return unauthorized(exc)
        service = _BY_ID.get(service_id)
        if service is None:
            return problem(404, "Not Found", f"no CDS service '{service_id}'")
        link_base = cfg.base_url or str(request.base_url)
        try:
            _require_json(request.headers.get("content-type"))
            body = _validate_request(_json(await request.body()), service)
            result = await _run(body, service, cfg, link_base.rstrip("/"), case_store)
        except _BadRequest as exc:
            return exc.response
        await _remember_cards(registry, service_id, result["cards"])
        return Response(orjson.dumps(result), media_type="application/json")

    @router.post("/cds-services/{service_id}/feedback", summary="Card outcome feedback")
    async def feedback(service_id: str, request: Request) -> Response:
        # aud: the feedback endpoint itself; the service's URL is accepted too, as some clients send it
        service_path = quote(service_id, safe="")
        try:
            client = await authenticate(request, f"{service_path}/feedback", service_path)
        except CdsAuthError as exc:
            return unauthorized(exc)
        if service_id not in _BY_ID:
            return problem(404, "Not Found", f"no CDS service '{service_id}'")
        try:
            _require_json(request.headers.get("content-type"))
            body = _json(await request.body())
        except _BadRequest as exc:
            return exc.response
        items = body.get("feedback") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            return problem(400, "Bad Request", "'feedback' must be a non-empty list")
        if len(items) > MAX_FEEDBACK_ITEMS:
            return problem(
                413,
                "Content Too Large",
                f"feedback: at most {MAX_FEEDBACK_ITEMS} items per POST ({len(items)} sent; a CDS Client "
                "sends one item per card action); nothing was stored",
            )
        for n, item in enumerate(items):
            wrong = _feedback_problem(item)
            if wrong:
                return problem(400, "Bad Request", f"feedback[{n}].{wrong}")
        # all items are checked before any is stored: feedback with one wrong item changes nothing
        offers: dict[str, cds_overrides.CardOffer | None] = {}
        for n, item in enumerate(items):
            try:
                if item["card"] not in offers:  # items about one card look it up once
                    offers[item["card"]] = await _card_offer(registry, service_id, item["card"])
                offer = offers[item["card"]]
            except _RegistryDown:
                return problem(
                    503,
                    "Service Unavailable",
                    f"feedback[{n}].card: the cards this service sent cannot be looked up just now; "
                    "nothing was stored, send the feedback again later",
                )
            if offer is None:
                return problem(
                    422,
                    "Unprocessable Content",
                    f"feedback[{n}].card: {cds_overrides.unknown_card(item['card'], service_id)}",
                )
            wrong = cds_overrides.offer_problem(item, offer)
            if wrong:
                return problem(422, "Unprocessable Content", f"feedback[{n}].{wrong}")
        # one write for the whole POST (all or nothing); the store is synchronous (SQLAlchemy), so the
        # write runs off the event loop
        await run_in_threadpool(sink.add_feedback_items, service_id, items, client.iss if client else None)
        for item in items:
            reason = (item.get("overrideReason") or {}).get("reason")
            log.info(
                "CDS feedback %s: card %s %s%s",
                service_id,
                item["card"],
                item["outcome"],
                f" ({reason['system'][:100]}|{reason['code'][:100]})" if reason else "",
            )
        return Response(status_code=200)

    return router


#: the most feedback items one POST may carry: the spec's client sends one item per card action, so a
#: POST of hundreds is not feedback (9,500 items held the server for minutes, security review defect 2)
MAX_FEEDBACK_ITEMS = 100
#: the longest override comment kept: a clinician's reason in words, not a document
MAX_USER_COMMENT_CHARS = 2_000


def _is_instant(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _feedback_problem(item: Any) -> str | None:
    """What is wrong with one feedback item by CDS Hooks 2.0 (the element and why), or None."""
    if not isinstance(item, dict):
        return "card is required (each feedback item is an object)"
    if not isinstance(item.get("card"), str) or not item["card"]:
        return "card is required"
    outcome = item.get("outcome")
    if outcome not in {"accepted", "overridden"}:
        return "outcome must be 'accepted' or 'overridden'"
    if not _is_instant(item.get("outcomeTimestamp")):
        return "outcomeTimestamp is required, as an ISO 8601 instant (e.g. 2026-11-25T10:05:31Z)"
    accepted = item.get("acceptedSuggestions")
    if outcome == "accepted" and accepted is None:
        return "acceptedSuggestions is required for an accepted outcome (2.0)"
    if accepted is not None:
        if outcome != "accepted":
            return "acceptedSuggestions belongs to an accepted outcome only"
        if not isinstance(accepted, list) or not all(
            isinstance(a, dict) and isinstance(a.get("id"), str) for a in accepted
        ):
            return "acceptedSuggestions must be a list of objects with an 'id'"
    reason = item.get("overrideReason")
    if reason is not None:
        if outcome != "overridden":
            return "overrideReason belongs to an overridden outcome only"
        if not isinstance(reason, dict) or not isinstance(reason.get("reason", {}), dict):
            return "overrideReason must be an object whose reason is a Coding"
        if not isinstance(reason.get("userComment", ""), str):
            return "overrideReason.userComment must be text"
        if len(reason.get("userComment", "")) > MAX_USER_COMMENT_CHARS:
            return f"overrideReason.userComment: at most {MAX_USER_COMMENT_CHARS:,} characters"
        if "reason" not in reason and "userComment" not in reason:
            return "overrideReason must carry a reason (a Coding the card offered) or a userComment"
        coding = reason.get("reason")
        if coding is not None:
            for name in ("system", "code"):  # 2.0 Coding: both REQUIRED strings
                if not isinstance(coding.get(name), str) or not coding[name]:
                    return f"overrideReason.reason.{name} is required (a Coding has a system and a code)"
    return None


def _json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise _BadRequest(400, "Bad Request", f"the request body is not valid JSON ({exc})") from None


async def _run(
    body: dict[str, Any],
    service: dict[str, Any],
    settings: CdsSettings,
    link_base: str,
    case_store: CaseStore | None,
) -> dict[str, Any]:
    patient_id = body["context"]["patientId"]
    gathered = await gather_resources(body, service, settings)
    resources, problems = gathered.resources, gathered.problems
    if not any(r.get("resourceType") == "Patient" for r in resources):
        problems = [*problems, NO_PATIENT]
    if problems:
        # 2.0: a service unable to obtain required data SHALL answer 412. Every prefetch key is
        # required: cards built without the labs would say "no problem" about a renal dose.
        raise _BadRequest(
            412,
            "Precondition Failed",
            "the data these cards need could not be obtained (" + "; ".join(problems) + ")",
        )
    today = dt.date.today()
    left_out: list[ImportNote] = []
    try:
        imported: ImportResult = await run_in_threadpool(case_from_fhir, resources, as_of=today)
    except MbcnavError as exc:
        imported, left_out = await run_in_threadpool(import_readable_part, resources, exc, today)
    case = imported.case
    orders = None
    if service["hook"] in {"order-select", "order-sign"}:
        orders = proposed_from_orders(body["context"], service["hook"])
        if not orders:
            return {"cards": []}
        data = case.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        data["proposed_treatment"] = [row for _, row in orders]
        try:
            case = parse_case(data)
        except MbcnavError as exc:
            raise _BadRequest(
                422, "Unprocessable Content", f"the draft order cannot be checked: {exc}"
            ) from None
    try:
        assessment = await run_in_threadpool(_assess, case)
    except ImportError:
        raise _BadRequest(503, "Service Unavailable", "the reasoning core is not installed") from None
    except MbcnavError as exc:
        raise _BadRequest(422, "Unprocessable Content", str(exc)) from None
    cards = cards_for(
        assessment,
        hook=service["hook"],
        hook_instance=body["hookInstance"],
        settings=settings,
        orders=orders,
        import_notes=imported.import_notes,
        left_out=left_out,
        not_read=gathered.not_read,
        taken={t.drug for t in case.current_treatment} | set(case.current_meds),
    )
    if cards:
        url = await _result_url(
            settings,
            link_base,
            case,
            assessment,
            case_store,
            patient_id=patient_id,
            hook_instance=body["hookInstance"],
        )
        if url is not None:
            cards = link_cards(cards, url)
    return {"cards": cards}


def import_readable_part(
    resources: list[dict[str, Any]], error: MbcnavError, as_of: dt.date
) -> tuple[ImportResult, list[ImportNote]]:
    """The record without the resources that are not valid FHIR, and one note per defect that left one
    out; ``_BadRequest`` 422 (naming ``error``, the fast import's element) when that is not possible.

    The fast import stops at the first malformed element, and a 422 would then hide every red flag the
    rest of the record shows (calcium 14 mg/dL beside one Observation with an impossible date). Strict
    import validates each resource with the fhir.resources models and leaves out each one that fails,
    so the cards can be built from the rest, with a card naming what was left out. Not when the Patient
    is left out: it is what makes the record this person's (its subject check drops resources of another
    patient) and gives age and sex, and the fast import refuses some Patients on purpose (an animal
    patient), so the cards would be built for someone the record does not describe.
    """
    unreadable = _BadRequest(422, "Unprocessable Content", f"the FHIR record could not be read: {error}")
    try:
        result = case_from_fhir(resources, strict=True, as_of=as_of)
    except MbcnavError:
        raise unreadable from None
    left_out = [n for n in result.import_notes if n.kind == "defect" and n.level == "error"]
    if any((n.resource or "").split("/", 1)[0].split(" ", 1)[0] == "Patient" for n in left_out):
        raise unreadable
    if left_out:
        log.warning(
            "CDS: %d FHIR resource(s) failed validation and were left out of the assessment",
            len({n.resource for n in left_out}),
        )
    rest = [n for n in result.import_notes if n not in left_out]
    return dataclasses.replace(result, import_notes=rest), left_out


async def _result_url(
    settings: CdsSettings,
    link_base: str,
    case: Case,
    assessment: Assessment,
    case_store: CaseStore | None,
    *,
    patient_id: str,
    hook_instance: str,
) -> str | None:
    """The absolute URL of the full assessment, saving the case first when the result path names it
    (``{saved_id}``); None when it cannot be saved: the cards then go out without a link, since a
    safety card matters more than the way to the page."""
    values = {"patient_id": patient_id, "hook_instance": hook_instance, "saved_id": ""}
    if "saved_id" in _result_path_fields(settings.result_path):
        if case_store is None:
            return None
        try:
            # the same JSON the case form saves; the store is synchronous (SQLAlchemy)
            saved = await run_in_threadpool(
                case_store.save,
                case.model_dump(mode="json", exclude_defaults=True),
                assessment.model_dump(mode="json"),
            )
        except Exception as exc:  # a store outage must not withhold the cards themselves
            log.warning("CDS: the case could not be saved for the card link (%s)", type(exc).__name__)
            return None
        values["saved_id"] = saved.id
    path = settings.result_path.format(**{k: quote(v, safe="") for k, v in values.items()})
    return link_base + path


def __getattr__(name: str) -> Any:
    """``cds_router``, as earlier versions exported it: built on first use with default settings (the
    web app builds its own from its settings, with its database store for feedback)."""
    if name == "cds_router":
        router = build_cds_router()
        globals()["cds_router"] = router
        return router
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
