"""CDS Hooks 2.0 service: discovery, cards, order checks, prefetch and FHIR-server fetch, feedback, CORS."""

from __future__ import annotations

import asyncio
import copy
import importlib.util
import json
import logging
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from interop import mcode as M
from interop.damage import damage
from interop.loopback import LoopbackServer
from mbcnav.assessment import Assessment, RedFlag, SafetyAlert, TherapyOption, WorkupItem
from mbcnav.interop import cds_hooks, cds_overrides
from mbcnav.interop.cds_hooks import (
    FEEDBACK,
    SERVICES,
    CdsSettings,
    build_cds_router,
    cards_for,
    link_cards,
)

SPEC = Path(__file__).parent / "fixtures" / "cds-hooks"
TOKEN = "s3cret-fhir-token-do-not-log"
SETTINGS = CdsSettings(
    base_url="https://mbcnav.example", cors_origins=("https://ehr.example",), fetch_timeout_s=5
)
HAS_ASSESS = importlib.util.find_spec("mbcnav.reasoning.assess") is not None
needs_assess = pytest.mark.skipif(not HAS_ASSESS, reason="mbcnav.reasoning.assess not written yet")


def app(settings: CdsSettings = SETTINGS, registry: cds_overrides.CardRegistry | None = None) -> FastAPI:
    application = FastAPI()
    application.include_router(build_cds_router(settings, card_registry=registry))
    return application


def call(
    method: str,
    path: str,
    *,
    settings: CdsSettings = SETTINGS,
    registry: cds_overrides.CardRegistry | None = None,
    **kwargs: Any,
) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app(settings, registry))
        async with httpx.AsyncClient(transport=transport, base_url="http://cds.test") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


def spec(name: str) -> Any:
    return json.loads(next(SPEC.glob(f"{name}*.json")).read_text(encoding="utf-8"))


#: the feedback examples of the spec (18-20), each about a card of its own
SPEC_FEEDBACK = ("18-example", "19-example", "20-example")


def spec_card_offers() -> dict[str, dict[str, Any]]:
    """The cards the spec's feedback examples name, as the service would have kept them when sending
    them (example 18 accepts a suggestion of its card): feedback is taken only for cards sent."""
    offers: dict[str, dict[str, Any]] = {}
    for name in SPEC_FEEDBACK:
        for item in spec(name)["feedback"]:
            accepted = sorted(a["id"] for a in item.get("acceptedSuggestions") or ())
            offers[item["card"]] = {"reasons": [], "suggestions": accepted}
    return offers


def spec_cards(service: str = "mbcnav-patient-view") -> cds_overrides.MemoryCards:
    """A card registry that has sent the cards of the spec's feedback examples, so they stay valid."""
    registry = cds_overrides.MemoryCards()
    registry.remember_cards(service, spec_card_offers())
    return registry


def prefetch_from(bundle: dict[str, Any]) -> dict[str, Any]:
    """Split a patient Bundle into the prefetch keys the services ask for (searchset Bundles)."""
    by_type: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    patient = by_type["Patient"][0]

    def searchset(rtype: str) -> dict[str, Any]:
        return {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": r} for r in by_type.get(rtype, [])],
        }

    return {
        "patient": patient,
        "conditions": searchset("Condition"),
        "observations": searchset("Observation"),
        "medicationRequests": searchset("MedicationRequest"),
        "medicationStatements": searchset("MedicationStatement"),
        "medicationAdministrations": searchset("MedicationAdministration"),
        "allergies": searchset("AllergyIntolerance"),
        "procedures": searchset("Procedure"),
    }


def hook_request(hook: str, **extra: Any) -> dict[str, Any]:
    body = {
        "hook": hook,
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"userId": "Practitioner/example", "patientId": M.PID},
    }
    body.update(extra)
    return body


def authorization(token: str) -> dict[str, Any]:
    """fhirAuthorization with every field CDS Hooks 2.0 marks REQUIRED."""
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "user/Patient.read user/Condition.read user/Observation.read user/MedicationRequest.read",
        "subject": "mbcnav",
    }


def zoledronic_order(dose: float = 4) -> dict[str, Any]:
    order = M.med_request("draft-zol", "zoledronic acid 4 MG/5ML Injection", status="draft", dose=dose)
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": order}]}


# ------------------------------------------------------------------------------ discovery, CORS, errors


def test_discovery_lists_services_with_the_spec_fields() -> None:
    resp = call("GET", "/cds-services")
    assert resp.status_code == 200
    services = resp.json()["services"]
    example_keys = set().union(*(s.keys() for s in spec("00-discovery")["services"]))
    assert {s["hook"] for s in services} == {"patient-view", "order-select", "order-sign"}
    for service in services:
        assert {"hook", "description", "id"} <= set(service) <= example_keys
        assert all("{{context.patientId}}" in q for q in service["prefetch"].values())
    assert services == SERVICES


def test_cors_preflight_and_response_headers_for_an_allowed_origin() -> None:
    pre = call(
        "OPTIONS",
        "/cds-services/mbcnav-patient-view",
        headers={
            "Origin": "https://ehr.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == "https://ehr.example"
    assert "POST" in pre.headers["access-control-allow-methods"]
    assert "authorization" in pre.headers["access-control-allow-headers"].lower()
    got = call("GET", "/cds-services", headers={"Origin": "https://ehr.example"})
    assert got.headers["access-control-allow-origin"] == "https://ehr.example"
    error = call("POST", "/cds-services/nope", json={}, headers={"Origin": "https://ehr.example"})
    assert error.headers["access-control-allow-origin"] == "https://ehr.example"


def test_cors_headers_are_withheld_from_origins_not_on_the_list() -> None:
    resp = call("GET", "/cds-services", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in resp.headers
    pre = call("OPTIONS", "/cds-services", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in pre.headers


@pytest.mark.parametrize(
    ("path", "body", "status", "detail"),
    [
        ("/cds-services/unknown", {}, 404, "no CDS service"),
        ("/cds-services/mbcnav-patient-view", b"{not json", 400, "not valid JSON"),
        ("/cds-services/mbcnav-patient-view", [], 400, "JSON object"),
        ("/cds-services/mbcnav-patient-view", {"hook": "patient-view"}, 400, "hookInstance"),
        ("/cds-services/mbcnav-patient-view", hook_request("order-sign"), 400, "answers hook 'patient-view'"),
        (
            "/cds-services/mbcnav-patient-view",
            {**hook_request("patient-view"), "context": {}},
            400,
            "patientId",
        ),
        (
            "/cds-services/mbcnav-patient-view",
            hook_request("patient-view", fhirAuthorization=authorization(TOKEN)),
            400,
            "fhirServer",
        ),
        ("/cds-services/mbcnav-order-sign", hook_request("order-sign"), 400, "draftOrders"),
        ("/cds-services/mbcnav-patient-view", hook_request("patient-view"), 412, "not prefetched"),
        (
            "/cds-services/mbcnav-patient-view",
            hook_request("patient-view", fhirServer="https://ehr.example.org/fhir",
                         fhirAuthorization={**authorization("t"), "token_type": "MAC"}),
            400,
            "token_type' must be 'Bearer'",
        ),
        (
            "/cds-services/mbcnav-patient-view",
            hook_request("patient-view", fhirServer="https://ehr.example.org/fhir",
                         fhirAuthorization={k: v for k, v in authorization("t").items() if k != "scope"}),
            400,
            "fhirAuthorization.scope' is required",
        ),
        ("/cds-services/mbcnav-patient-view", hook_request("patient-view", fhirServer=None), 400, "is null"),
        (
            "/cds-services/mbcnav-patient-view",
            hook_request("patient-view", fhirServer="http://ehr.example.org/fhir"),
            400,
            "must be an https URL",
        ),
        (
            "/cds-services/mbcnav-order-select",
            {**hook_request("order-select"),
             "context": {"patientId": M.PID, "draftOrders": zoledronic_order()}},
            400,
            "context.selections' is required",
        ),
        (
            "/cds-services/mbcnav-order-select",
            {
                **hook_request("order-select"),
                "context": {"patientId": M.PID, "draftOrders": zoledronic_order(), "selections": [{"x": 1}]},
            },
            400,
            "context.selections' is required",
        ),
    ],
)
def test_bad_requests_get_problem_json(path: str, body: Any, status: int, detail: str) -> None:
    kwargs: dict[str, Any] = {"json": body}
    if isinstance(body, bytes):
        kwargs = {"content": body, "headers": {"Content-Type": "application/json"}}
    resp = call("POST", path, **kwargs)
    assert resp.status_code == status
    assert resp.headers["content-type"] == "application/problem+json"
    assert detail in resp.json()["detail"]


def test_spec_example_request_with_unreachable_server_is_412_not_a_crash() -> None:
    body = spec("01-example")
    body["fhirServer"] = "http://127.0.0.1:9"  # nothing listens on the discard port
    resp = call("POST", "/cds-services/mbcnav-patient-view", json=body)
    assert resp.status_code == 412
    assert TOKEN not in resp.text


# ------------------------------------------------------------------------------ cards (no reasoning needed)


def _assessment() -> Assessment:
    return Assessment(
        case_id="p1",
        subtype="HR+/HER2-",
        urgency="emergency",
        disclaimer="Decision support only.",
        red_flags=(
            RedFlag(
                code="hypercalcemia",
                urgency="emergency",
                public="p",
                sources=("nccn-breast",),
                clinician="Corrected calcium 13.9 mg/dL: IV saline now, then zoledronic acid with a renal "
                "dose check; recheck calcium in 24 h. " * 3,
            ),
        ),
        workup=(
            WorkupItem(
                code="germline_brca_test",
                public="p",
                clinician="Offer germline BRCA1/2 testing.",
                sources=("nccn-breast",),
            ),
        ),
        therapy_options=(
            TherapyOption(
                rank=1,
                regimen="letrozole + ribociclib",
                drugs=("letrozole", "ribociclib"),
                rationale="First line HR+/HER2-.",
                sources=("monaleesa-2",),
                evidence=("MONALEESA-2",),
            ),
        ),
        safety_alerts=(
            SafetyAlert(
                code="renal_dose_adjustment",
                drug="zoledronic acid",
                severity="warning",
                public="p",
                clinician="CrCl 35 mL/min: reduce zoledronic acid per the label table.",
                sources=("fda-label-zoledronic-acid",),
            ),
            SafetyAlert(
                code="qt_prolongation",
                drug="ribociclib",
                severity="contraindication",
                public="p",
                clinician="QTcF 520 ms: do not start ribociclib.",
                sources=("nccn-breast",),
            ),
        ),
    )


def test_patient_view_cards_follow_the_spec_shape_and_severity_order() -> None:
    cards = link_cards(
        cards_for(_assessment(), hook="patient-view", hook_instance="h1", settings=SETTINGS),
        "https://mbcnav.example/cases/abc",
    )
    example_fields = set().union(*(c.keys() for c in spec("16-example")["cards"])) | {
        "suggestions",
        "selectionBehavior",
    }
    # the ribociclib contraindication is about an option, not a drug given or ordered: a warning
    assert [c["indicator"] for c in cards] == ["critical", "warning", "warning", "info", "info"]
    assert cards[0]["summary"].startswith("Red flag: Hypercalcemia")
    for card in cards:
        assert set(card) <= example_fields
        assert len(card["summary"]) < 140
        assert card["source"]["label"]
        assert card["links"] == [
            {
                "label": "Open the full mbcnav assessment",
                "url": "https://mbcnav.example/cases/abc",
                "type": "absolute",
            }
        ]
    assert "IV saline now" in cards[0]["detail"]
    assert len({c["uuid"] for c in cards}) == len(cards)


def test_order_cards_only_concern_the_ordered_drug_and_suggest_removing_the_draft() -> None:
    draft = zoledronic_order()["entry"][0]["resource"]
    cards = cards_for(
        _assessment(),
        hook="order-sign",
        hook_instance="h1",
        settings=SETTINGS,
        orders=[(draft, {"drug": "zoledronic acid", "dose_mg": 4.0})],
    )
    assert [c["indicator"] for c in cards] == ["critical", "warning"]  # the red flag is never hidden
    warning = cards[1]
    assert "zoledronic acid" in warning["summary"]
    (suggestion,) = warning["suggestions"]
    assert "dose" in suggestion["label"]
    assert suggestion["actions"] == [
        {
            "type": "delete",
            "resourceId": "MedicationRequest/draft-zol",
            "description": suggestion["actions"][0]["description"],
        }
    ]


# ------------------------------------------------------------------------------ feedback


@pytest.mark.parametrize("example", SPEC_FEEDBACK)
def test_feedback_examples_from_the_spec_are_accepted(example: str) -> None:
    before = len(FEEDBACK)
    path = "/cds-services/mbcnav-patient-view/feedback"
    resp = call("POST", path, json=spec(example), registry=spec_cards())
    assert resp.status_code == 200, resp.text
    assert len(FEEDBACK) == before + 1 and FEEDBACK[-1]["service"] == "mbcnav-patient-view"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        (
            "/cds-services/mbcnav-patient-view/feedback",
            {"feedback": [{"card": "x", "outcome": "ignored", "outcomeTimestamp": "2024"}]},
            400,
        ),
        ("/cds-services/mbcnav-patient-view/feedback", {"feedback": []}, 400),
        ("/cds-services/unknown/feedback", {"feedback": []}, 404),
    ],
)
def test_bad_feedback_is_refused(path: str, body: Any, status: int) -> None:
    assert call("POST", path, json=body).status_code == status


_STAMP = "2026-11-25T10:05:31Z"


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        (
            {"card": "c", "outcome": "overridden", "outcomeTimestamp": "yesterday"},
            "outcomeTimestamp is required",
        ),
        (
            {"card": "c", "outcome": "accepted", "outcomeTimestamp": _STAMP},
            "acceptedSuggestions is required",
        ),
        (
            {"card": "c", "outcome": "overridden", "outcomeTimestamp": _STAMP,
             "acceptedSuggestions": [{"id": "s"}]},
            "acceptedSuggestions belongs to an accepted outcome only",
        ),
        (
            {"card": "c", "outcome": "accepted", "outcomeTimestamp": _STAMP, "acceptedSuggestions": ["s"]},
            "acceptedSuggestions must be a list of objects",
        ),
        (
            {"card": "c", "outcome": "overridden", "outcomeTimestamp": _STAMP, "overrideReason": "nope"},
            "overrideReason must be an object",
        ),
    ],
)
def test_feedback_items_are_checked_against_the_2_0_format(item: dict[str, Any], problem: str) -> None:
    resp = call("POST", "/cds-services/mbcnav-patient-view/feedback", json={"feedback": [item]})
    assert resp.status_code == 400
    assert resp.json()["detail"].startswith(f"feedback[0].{problem}")


# ------------------------------------------------------------------------------ fetch from a real FHIR server


class FhirServer(LoopbackServer):
    """A tiny FHIR REST endpoint on 127.0.0.1 serving one patient's Bundle; it demands the bearer token."""

    def __init__(self, bundle: dict[str, Any]) -> None:
        self.seen: list[tuple[str, str | None]] = []
        resources = [e["resource"] for e in bundle["entry"]]
        api = FastAPI()

        @api.get("/fhir/{rtype}/{rid}")
        async def read(rtype: str, rid: str, request: Request) -> JSONResponse:
            self.seen.append((str(request.url), request.headers.get("authorization")))
            if request.headers.get("authorization") != f"Bearer {TOKEN}":
                return JSONResponse({"resourceType": "OperationOutcome"}, status_code=401)
            for res in resources:
                if res["resourceType"] == rtype and res.get("id") == rid:
                    return JSONResponse(res)
            return JSONResponse({"resourceType": "OperationOutcome"}, status_code=404)

        @api.get("/fhir/{rtype}")
        async def search(rtype: str, request: Request, patient: str, page: int = 0) -> JSONResponse:
            self.seen.append((str(request.url), request.headers.get("authorization")))
            if request.headers.get("authorization") != f"Bearer {TOKEN}":
                return JSONResponse({"resourceType": "OperationOutcome"}, status_code=401)
            hits = [
                r
                for r in resources
                if r["resourceType"] == rtype and r["subject"]["reference"].endswith(patient)
            ]
            size = 3  # small pages, so the service has to follow "next" links
            body: dict[str, Any] = {
                "resourceType": "Bundle",
                "type": "searchset",
                "entry": [{"resource": r} for r in hits[page * size : (page + 1) * size]],
            }
            if (page + 1) * size < len(hits):
                body["link"] = [
                    {"relation": "next", "url": f"{self.base}/{rtype}?patient={patient}&page={page + 1}"}
                ]
            return JSONResponse(body)

        super().__init__(api, "/fhir", "loopback FHIR server")


@pytest.fixture
def fhir_server() -> Iterator[FhirServer]:
    with FhirServer(M.hr_positive_renal_record()) as server:
        yield server


def test_missing_prefetch_is_fetched_from_fhir_server_with_the_token_which_is_never_logged(
    fhir_server: FhirServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    seen_cases = []

    def fake_assess(case: Any) -> Assessment:  # the transport is under test here, not the reasoning
        seen_cases.append(case)
        return _assessment()

    monkeypatch.setattr(cds_hooks, "_assess", fake_assess)
    caplog.set_level(logging.DEBUG)
    body = hook_request(
        "patient-view",
        fhirServer=fhir_server.base,
        fhirAuthorization=authorization(TOKEN),
        prefetch={"patient": M.patient()},
    )  # partial prefetch: the rest must be fetched
    resp = call("POST", "/cds-services/mbcnav-patient-view", json=body)
    assert resp.status_code == 200, resp.text
    (case,) = seen_cases
    assert case.labs.creatinine_mg_dl == 1.62 and case.tumor.er_percent == 90
    assert set(case.metastatic_sites) == {"bone", "liver"}
    urls = [u for u, _ in fhir_server.seen]
    assert not any("/Patient/" in u for u in urls)  # prefetched, so not fetched again
    assert any("page=1" in u for u in urls)  # observations came in two pages
    assert all(auth == f"Bearer {TOKEN}" for _, auth in fhir_server.seen)
    assert TOKEN not in caplog.text and TOKEN not in resp.text
    assert "FHIR fetch" in caplog.text


@pytest.mark.parametrize("observations", [None, {"resourceType": "OperationOutcome", "issue": []}])
def test_order_sign_without_the_labs_is_a_412_not_an_empty_answer(observations: Any) -> None:
    """CDS Hooks 2.0: a service unable to obtain required data SHALL answer 412. An empty 200 here
    would read as 'no problem with this zoledronic acid dose' without the creatinine."""
    prefetch = prefetch_from(M.hr_positive_renal_record())
    if observations is None:
        del prefetch["observations"]
    else:
        prefetch["observations"] = observations  # the client saying it could not prefetch them
    body = hook_request("order-sign", prefetch=prefetch)
    body["context"]["draftOrders"] = zoledronic_order(4)
    resp = call("POST", "/cds-services/mbcnav-order-sign", json=body)
    assert resp.status_code == 412, resp.text
    assert "observations" in resp.json()["detail"]


def test_card_summaries_stay_under_140_characters() -> None:
    assert len(cds_hooks._summary("word " * 60)) < 140


@needs_assess
def test_a_paged_prefetch_is_completed_from_fhir_server(fhir_server: FhirServer) -> None:
    """2.0 lets a client page a prefetched search: the first page comes in prefetch, the rest from
    fhirServer. Here the creatinine is on a later page, so order-sign can only warn after fetching it."""
    record = M.hr_positive_renal_record()
    prefetch = prefetch_from(record)
    observations = [e["resource"] for e in record["entry"] if e["resource"]["resourceType"] == "Observation"]
    first = [o for o in observations if o["id"] != "creat"][:3]
    prefetch["observations"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": o} for o in first],
        "link": [{"relation": "next", "url": f"{fhir_server.base}/Observation?patient={M.PID}&page=1"}],
    }
    body = hook_request("order-sign", prefetch=prefetch, fhirServer=fhir_server.base,
                        fhirAuthorization=authorization(TOKEN))  # fmt: skip
    body["context"]["draftOrders"] = zoledronic_order(4)
    resp = call("POST", "/cds-services/mbcnav-order-sign", json=body)
    assert resp.status_code == 200, resp.text
    assert any("page=1" in url for url, _ in fhir_server.seen)
    cards = resp.json()["cards"]
    assert any(c["indicator"] == "warning" and "zoledronic acid" in c["summary"] for c in cards)
    # without fhirServer the further pages cannot be had: required data missing, so 412
    del body["fhirServer"], body["fhirAuthorization"]
    resp = call("POST", "/cds-services/mbcnav-order-sign", json=body)
    assert resp.status_code == 412 and "further pages" in resp.json()["detail"]


def test_wrong_token_means_no_record_and_a_412(
    fhir_server: FhirServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The client is told only that the fetch failed (the status would help a port scan); the log says 401."""
    caplog.set_level(logging.INFO)
    body = hook_request(
        "patient-view",
        fhirServer=fhir_server.base,
        fhirAuthorization=authorization("wrong"),
    )
    resp = call("POST", "/cds-services/mbcnav-patient-view", json=body)
    assert resp.status_code == 412
    assert "could not fetch the record from fhirServer" in resp.json()["detail"]
    assert "HTTP 401" not in resp.json()["detail"] and "HTTP 401" in caplog.text


# ------------------------------------------------------------------ end to end with the reasoning core


@needs_assess
def test_order_sign_zoledronic_acid_4mg_with_crcl_35_gives_a_dose_warning_card() -> None:
    record = M.hr_positive_renal_record()
    body = hook_request("order-sign", prefetch=prefetch_from(record))
    body["context"]["draftOrders"] = zoledronic_order(4)
    resp = call("POST", "/cds-services/mbcnav-order-sign", json=body)
    assert resp.status_code == 200, resp.text
    cards = resp.json()["cards"]
    dose_cards = [
        c for c in cards if "zoledronic acid" in c["summary"] and c["indicator"] in {"warning", "critical"}
    ]
    assert dose_cards, cards
    card = dose_cards[0]
    suggesting = [c for c in dose_cards if "suggestions" in c]
    assert len(suggesting) == 1  # one change for one draft, not the same removal on every card
    assert suggesting[0]["suggestions"][0]["actions"][0]["resourceId"] == "MedicationRequest/draft-zol"
    assert card["source"]["label"] and len(card["summary"]) < 140


@needs_assess
def test_patient_view_cards_match_the_assessment_one_to_one() -> None:
    from mbcnav.interop.fhir import case_from_fhir
    from mbcnav.reasoning.assess import assess

    record = M.hr_positive_renal_record()
    hot = copy.deepcopy(record)
    hot["entry"].append({"resource": M.lab("ca-high", "17861-6", 14.2, "mg/dL", "2024-06-01")})
    resp = call(
        "POST",
        "/cds-services/mbcnav-patient-view",
        json=hook_request("patient-view", prefetch=prefetch_from(hot)),
    )
    assert resp.status_code == 200, resp.text
    cards = resp.json()["cards"]
    import datetime as dt

    expected = assess(case_from_fhir(hot, as_of=dt.date.today()).case)
    assert sum(c["indicator"] == "critical" for c in cards) == len(expected.red_flags) + sum(
        a.severity == "contraindication" for a in expected.safety_alerts
    )
    assert any(
        c["summary"].startswith("Red flag:") and "hypercalcemia" in c["summary"].lower() for c in cards
    )
    assert cards[0]["indicator"] == "critical"
    assert all(len(c["summary"]) < 140 for c in cards)


def test_feedback_through_the_web_app_is_stored_and_outlives_a_restart(tmp_path: Path) -> None:
    """The web app hands feedback to its database store (not process memory): a new app on the
    same database still has it, newest first, as the CDS Client sent it."""
    from fastapi.testclient import TestClient

    from mbcnav.web.app import create_app
    from mbcnav.web.config import Settings

    settings = Settings(data_dir=tmp_path, database_url="")
    first = create_app(settings)
    first.state.store.remember_cards("mbcnav-patient-view", spec_card_offers())
    memory_before = len(FEEDBACK)
    with TestClient(first) as client:
        for example in ("18-example", "20-example"):
            resp = client.post("/cds-services/mbcnav-patient-view/feedback", json=spec(example))
            assert resp.status_code == 200, resp.text
    first.state.store.dispose()
    assert len(FEEDBACK) == memory_before  # nothing went to process memory

    second = create_app(settings)
    stored = second.state.store.feedback("mbcnav-patient-view")
    second.state.store.dispose()
    sent = [item for example in ("18-example", "20-example") for item in spec(example)["feedback"]]
    assert [item["card"] for item in stored] == [item["card"] for item in reversed(sent)]
    assert all(item["service"] == "mbcnav-patient-view" for item in stored)
    assert stored[-1]["outcome"] == sent[0]["outcome"]
    assert stored[-1]["outcomeTimestamp"] == sent[0]["outcomeTimestamp"]


def test_a_draft_order_with_a_dose_that_is_not_a_number_is_a_bad_request_naming_it() -> None:
    record = M.hr_positive_renal_record()
    body = hook_request("order-sign", prefetch=prefetch_from(record))
    orders = zoledronic_order(4)
    orders["entry"][0]["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = "four"
    body["context"]["draftOrders"] = orders
    resp = call("POST", "/cds-services/mbcnav-order-sign", json=body)
    assert resp.status_code == 400
    assert resp.headers["content-type"].startswith("application/problem+json")
    detail = resp.json()["detail"]
    assert "MedicationRequest/draft-zol" in detail and "doseQuantity.value: must be a number" in detail


def test_a_prefetch_bundle_that_is_not_made_of_resources_is_a_bad_request_naming_the_key() -> None:
    body = hook_request("patient-view", prefetch=copy.deepcopy(prefetch_from(M.hr_positive_renal_record())))
    body["prefetch"]["observations"]["entry"][0] = 7
    resp = call("POST", "/cds-services/mbcnav-patient-view", json=body)
    assert resp.status_code == 400
    assert resp.json()["detail"].startswith("prefetch.observations: Bundle.entry[0]: must be an object")


def test_draft_orders_that_are_not_a_bundle_of_resources_are_a_bad_request() -> None:
    body = hook_request("order-sign", prefetch=copy.deepcopy(prefetch_from(M.hr_positive_renal_record())))
    body["context"]["draftOrders"] = {"resourceType": "Bundle", "entry": "not a list"}
    resp = call("POST", "/cds-services/mbcnav-order-sign", json=body)
    assert resp.status_code == 400
    assert resp.json()["detail"].startswith("context.draftOrders: Bundle.entry: must be a list")


def test_randomly_damaged_hook_requests_never_cause_a_server_error() -> None:
    """60 seeded damaged requests (prefetch, context, draft orders): 200 or a 4xx problem, never 500."""
    odd: list[Any] = [None, 0, 1.5, "", "x", True, [], {}, [1], {"coding": [{"system": 5, "code": "x"}]}]
    rnd = random.Random(3)
    statuses: dict[int, int] = {}
    for _ in range(60):
        hook = rnd.choice(["patient-view", "order-sign"])
        body = hook_request(hook, prefetch=copy.deepcopy(prefetch_from(M.hr_positive_renal_record())))
        if hook == "order-sign":
            body["context"]["draftOrders"] = zoledronic_order(4)
        for _ in range(rnd.randint(1, 2)):
            damage(body, rnd, odd)
        resp = call("POST", f"/cds-services/mbcnav-{hook}", json=body)
        statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
        assert resp.status_code < 500, resp.text[:300]
        if resp.status_code >= 400:
            assert resp.headers["content-type"].startswith("application/problem+json")
    assert statuses.get(200, 0) > 10 and sum(v for k, v in statuses.items() if k >= 400) > 5, statuses


# ------------------------------------------------------------------ the card link opens the full assessment


def web_app(tmp_path: Path, **settings: Any) -> FastAPI:
    """The whole web app (store, pages, CDS router) on a fresh database under ``tmp_path``."""
    from mbcnav.web.app import create_app
    from mbcnav.web.config import Settings

    return create_app(Settings(data_dir=tmp_path, database_url="", **settings))


@needs_assess
@pytest.mark.parametrize(
    ("settings", "client_base", "link_base"),
    [
        ({"base_url": ""}, "http://127.0.0.1:8765", "http://127.0.0.1:8765/cases/"),  # any port
        ({"base_url": "https://mbcnav.example/"}, "http://testserver", "https://mbcnav.example/cases/"),
    ],
)
def test_the_card_link_opens_the_saved_full_assessment(
    tmp_path: Path, settings: dict[str, Any], client_base: str, link_base: str
) -> None:
    """Every card links to the case saved for this hook call: the request's own base URL unless an
    explicit public base URL is configured; following it shows the whole assessment."""
    from urllib.parse import urlsplit

    from fastapi.testclient import TestClient

    application = web_app(tmp_path, **settings)
    with TestClient(application, base_url=client_base) as client:
        body = hook_request("patient-view", prefetch=prefetch_from(M.hr_positive_renal_record()))
        resp = client.post("/cds-services/mbcnav-patient-view", json=body)
        assert resp.status_code == 200, resp.text
        cards = resp.json()["cards"]
        links = {link["url"] for card in cards for link in card["links"]}
        (url,) = links  # one saved case for the hook call, linked from every card
        assert url.startswith(link_base)
        assert all(card["links"][0]["type"] == "absolute" for card in cards)
        page = client.get(urlsplit(url).path)
    application.state.store.dispose()
    assert page.status_code == 200
    html = page.text
    assert "zoledronic acid" in html  # the renal dose alert
    assert "ribociclib" in html and "germline" in html.lower()  # therapy options and workup
    assert "fulvestrant + ribociclib" in html  # option 4: beyond what the cards show


def test_a_result_path_a_deployment_configured_is_kept() -> None:
    settings = CdsSettings(
        base_url="https://mbcnav.example",
        result_path="/assess/result?patient={patient_id}&hookInstance={hook_instance}",
    )
    body = hook_request("patient-view", prefetch=prefetch_from(M.hr_positive_renal_record()))
    resp = call("POST", "/cds-services/mbcnav-patient-view", json=body, settings=settings)
    assert resp.status_code == 200, resp.text
    cards = resp.json()["cards"]
    assert cards and all(
        card["links"][0]["url"]
        == "https://mbcnav.example/assess/result?patient=p1&hookInstance=d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"
        for card in cards
    )


def test_a_result_path_with_an_unknown_placeholder_stops_the_router_from_being_built() -> None:
    with pytest.raises(ValueError, match=r"MBCNAV_CDS_RESULT_PATH.*\{case\}"):
        build_cds_router(CdsSettings(result_path="/cases/{case}"))


# ------------------------------------------------------------------ the record is context.patientId's


def test_patient_view_refuses_a_prefetched_patient_other_than_context_patient_id() -> None:
    body = hook_request("patient-view", prefetch=prefetch_from(M.hr_positive_renal_record()))
    body["context"]["patientId"] = "SOMEONE-ELSE"
    resp = call("POST", "/cds-services/mbcnav-patient-view", json=body)
    assert resp.status_code == 400
    assert resp.headers["content-type"] == "application/problem+json"
    detail = resp.json()["detail"]
    assert "context.patientId" in detail and "'SOMEONE-ELSE'" in detail
    assert "prefetch.patient" in detail and "Patient/p1" in detail
    assert "cards" not in resp.json()


class OtherPatientFhirServer(LoopbackServer):
    """A FHIR server that answers every Patient read with patient p1 (whatever id was asked for)."""

    def __init__(self) -> None:
        api = FastAPI()

        @api.get("/fhir/Patient/{rid}")
        async def read(rid: str) -> JSONResponse:
            return JSONResponse(M.patient())

        @api.get("/fhir/{rtype}")
        async def search(rtype: str) -> JSONResponse:
            return JSONResponse({"resourceType": "Bundle", "type": "searchset", "entry": []})

        super().__init__(api, "/fhir", "loopback FHIR server with the wrong patient")


def test_a_patient_fetched_from_fhir_server_must_be_context_patient_id() -> None:
    with OtherPatientFhirServer() as server:
        body = hook_request("patient-view", fhirServer=server.base)
        body["context"]["patientId"] = "SOMEONE-ELSE"
        resp = call("POST", "/cds-services/mbcnav-patient-view", json=body)
    assert resp.status_code == 422
    assert resp.headers["content-type"] == "application/problem+json"
    detail = resp.json()["detail"]
    assert "context.patientId" in detail and "'SOMEONE-ELSE'" in detail and "Patient/p1" in detail
    assert "fhirServer" in detail


def test_a_prefetched_patient_without_an_id_is_refused() -> None:
    body = hook_request("patient-view", prefetch=copy.deepcopy(prefetch_from(M.hr_positive_renal_record())))
    del body["prefetch"]["patient"]["id"]
    resp = call("POST", "/cds-services/mbcnav-patient-view", json=body)
    assert resp.status_code == 400
    assert "prefetch.patient" in resp.json()["detail"] and "context.patientId" in resp.json()["detail"]


# ------------------------------------------------------------------ draft orders naming a Medication resource


def _by_reference(where: str) -> dict[str, Any]:
    """The zoledronic acid draft whose medicine is a Medication resource: contained, or an entry of
    draftOrders named by "Medication/id" or by its fullUrl."""
    orders = zoledronic_order(4)
    draft = orders["entry"][0]["resource"]
    medication = {"resourceType": "Medication", "id": "m", "code": draft.pop("medicationCodeableConcept")}
    if where == "contained":
        draft["contained"] = [medication]
        draft["medicationReference"] = {"reference": "#m"}
    elif where == "entry":
        orders["entry"].append({"resource": medication})
        draft["medicationReference"] = {"reference": "Medication/m"}
    else:
        orders["entry"].append(
            {"fullUrl": "urn:uuid:5b1f6c1e-0a47-4a2d-9a8e-3c1f0e0f9b11", "resource": medication}
        )
        draft["medicationReference"] = {"reference": "urn:uuid:5b1f6c1e-0a47-4a2d-9a8e-3c1f0e0f9b11"}
    return orders


@needs_assess
@pytest.mark.parametrize("hook", ["order-sign", "order-select"])
@pytest.mark.parametrize("where", ["contained", "entry", "fullUrl"])
def test_a_draft_whose_medication_is_a_reference_gets_the_same_cards(hook: str, where: str) -> None:
    prefetch = prefetch_from(M.hr_positive_renal_record())

    def cards(orders: dict[str, Any]) -> list[dict[str, Any]]:
        body = hook_request(hook, prefetch=prefetch)
        body["context"]["draftOrders"] = orders
        body["context"]["selections"] = ["MedicationRequest/draft-zol"]
        resp = call("POST", f"/cds-services/mbcnav-{hook}", json=body)
        assert resp.status_code == 200, resp.text
        return resp.json()["cards"]

    def without_new_order(listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The cards minus the re-dosed order, which names its medicine as the draft did."""
        out = copy.deepcopy(listed)
        for card in out:
            for suggestion in card.get("suggestions", ()):
                for action in suggestion["actions"]:
                    action.pop("resource", None)
        return out

    by_concept = cards(zoledronic_order(4))
    by_reference = cards(_by_reference(where))
    assert without_new_order(by_reference) == without_new_order(by_concept)
    # two warnings: the renal band's dose, and the order's 4 mg held against that dose (order dose check);
    # the dose-check card, which states 3 mg, carries the one suggestion for the draft
    warnings = [c for c in by_reference if c["indicator"] == "warning"]
    assert len(warnings) == 2
    assert all("zoledronic acid" in warning["summary"] for warning in warnings)
    (suggesting,) = [w for w in warnings if "suggestions" in w]
    (suggestion,) = suggesting["suggestions"]
    assert suggestion["label"].startswith("Change the zoledronic acid dose to 3 mg")
    delete, create = suggestion["actions"]
    assert delete == {**delete, "type": "delete", "resourceId": "MedicationRequest/draft-zol"}
    assert create["type"] == "create"
    draft = next(e["resource"] for e in _by_reference(where)["entry"] if e["resource"]["id"] == "draft-zol")
    assert create["resource"]["medicationReference"] == draft["medicationReference"]
    assert create["resource"].get("contained") == draft.get("contained")


def test_a_draft_medication_reference_that_is_not_a_string_is_a_bad_request_naming_it() -> None:
    body = hook_request("order-sign", prefetch=prefetch_from(M.hr_positive_renal_record()))
    orders = _by_reference("contained")
    orders["entry"][0]["resource"]["medicationReference"]["reference"] = 7
    body["context"]["draftOrders"] = orders
    resp = call("POST", "/cds-services/mbcnav-order-sign", json=body)
    assert resp.status_code == 400
    detail = resp.json()["detail"]
    assert "context.draftOrders" in detail and "MedicationRequest/draft-zol" in detail
    assert "medicationReference.reference" in detail


@needs_assess
def test_import_warnings_of_a_real_record_reach_the_clinician_as_one_card() -> None:
    """The mCODE EOM patient (MITRE) reports ER both Positive and Negative: the conflict decides the
    subtype, so it must show in the EHR, not only inside mbcnav."""
    record = json.loads((Path(__file__).parent / "fixtures" / "mcode-ctms_eom_patient_1.json").read_text())
    resources = [e["resource"] for e in record["entry"]]
    (patient_id,) = [r["id"] for r in resources if r["resourceType"] == "Patient"]
    body = hook_request("patient-view", prefetch=prefetch_from(record))
    body["context"]["patientId"] = patient_id
    resp = call("POST", "/cds-services/mbcnav-patient-view", json=body)
    assert resp.status_code == 200, resp.text
    cards = resp.json()["cards"]
    (record_card,) = [c for c in cards if c["summary"].startswith("Record check")]
    assert record_card["indicator"] == "warning" and len(record_card["summary"]) < 140
    assert "status.er: negative on 2022-01-02 (Observation/observation-id-3) replaces positive" in (
        record_card["detail"]
    )
    indicators = [c["indicator"] for c in cards]
    assert indicators == sorted(indicators, key=["critical", "warning", "info"].index)


def test_record_text_in_a_card_cannot_make_a_link_or_html() -> None:
    """CDS Hooks 2.0 security: cards must not carry dangerous links; record text is escaped."""
    note = type("Note", (), {"level": "warning", "resource": "Observation/o3](https://evil.example/p)[x",
                             "element": None, "message": "<img src=x onerror=alert(1)>"})()  # fmt: skip
    card = cds_hooks.import_warnings_card([note], "h")
    assert card is not None
    detail = card["detail"]
    assert not re.search(r"(?<!\\)\]\(", detail) and not re.search(r"(?<!\\)<img", detail)
    assert "o3\\](https\\://evil.example/p)\\[x" in detail and "\\<img" in detail  # bare link broken too


def test_a_clean_import_adds_no_record_card() -> None:
    assert cds_hooks.import_warnings_card([], "h") is None


def test_a_draft_order_for_another_patient_is_refused() -> None:
    body = hook_request("order-sign", prefetch=prefetch_from(M.hr_positive_renal_record()))
    orders = zoledronic_order(4)
    orders["entry"][0]["resource"]["subject"] = {"reference": "Patient/someone-else/_history/2"}
    body["context"]["draftOrders"] = orders
    resp = call("POST", "/cds-services/mbcnav-order-sign", json=body)
    assert resp.status_code == 400
    detail = resp.json()["detail"]
    assert "MedicationRequest/draft-zol: subject is Patient/someone-else" in detail
    assert f"context.patientId is '{body['context']['patientId']}'" in detail


# ------------------------------------------------------------------ options and workup share the cap


def _crowded_assessment() -> Assessment:
    """Many of every kind: 2 red flags, 4 safety alerts, 9 workup gaps, 6 options (the last flagged)."""
    base = _assessment()
    flags = tuple(
        base.red_flags[0].model_copy(update={"code": code}) for code in ("hypercalcemia", "cord_compression")
    )
    alerts = tuple(
        base.safety_alerts[0].model_copy(update={"code": f"rule_{n}", "drug": f"drug {n}"}) for n in range(4)
    )
    workup = tuple(
        WorkupItem(
            code=f"gap_{n}",
            public="p",
            clinician=f"Gap {n}.",
            sources=("nccn-breast",),
            urgency="urgent" if n == 7 else "routine",
        )
        for n in range(9)
    )
    options = tuple(
        TherapyOption(
            rank=n,
            regimen=f"regimen {n}",
            drugs=("letrozole",),
            rationale="r",
            sources=("nccn-breast",),
            flags=("qt_prolongation",) if n == 6 else (),
            flagged=n == 6,
        )
        for n in range(1, 7)
    )
    return base.model_copy(
        update={"red_flags": flags, "safety_alerts": alerts, "workup": workup, "therapy_options": options}
    )


def test_options_and_workup_gaps_share_the_info_cap_and_alerts_are_never_capped() -> None:
    cards = cards_for(_crowded_assessment(), hook="patient-view", hook_instance="h1", settings=SETTINGS)
    indicators = [c["indicator"] for c in cards]
    assert indicators.count("critical") == 2 and indicators.count("warning") == 4
    info = [c["summary"] for c in cards if c["indicator"] == "info"]
    assert len(info) == SETTINGS.max_info_cards
    options = [s for s in info if s.startswith("Option")]
    gaps = [s for s in info if s.startswith("Workup gap")]
    assert options == ["Option 1: regimen 1", "Option 2: regimen 2", "Option 3: regimen 3"]
    assert gaps[0] == "Workup gap: Gap 7"  # the urgent gap first, then in the order given
    assert len(gaps) == SETTINGS.max_info_cards - 3


def test_when_one_kind_has_few_cards_the_other_gets_the_places_left() -> None:
    crowded = _crowded_assessment()
    cards = cards_for(
        crowded.model_copy(update={"workup": crowded.workup[:1]}),
        hook="patient-view",
        hook_instance="h1",
        settings=SETTINGS,
    )
    info = [c for c in cards if c["indicator"] == "info"]
    assert len(info) == SETTINGS.max_info_cards
    summaries = [c["summary"] for c in info]
    assert summaries[0] == "Workup gap: Gap 0"
    assert summaries[-1].startswith("Option 5")
    flagged = cards_for(
        crowded.model_copy(update={"workup": ()}),
        hook="patient-view",
        hook_instance="h1",
        settings=SETTINGS,
    )
    last = [c for c in flagged if c["indicator"] == "info"][-1]
    assert last["summary"].startswith("Option 6 (FLAGGED: Qt prolongation): regimen 6")
    assert "Qt prolongation" in last["detail"]


@needs_assess
def test_patient_view_of_a_real_record_shows_the_leading_options_and_the_workup_gaps() -> None:
    body = hook_request("patient-view", prefetch=prefetch_from(M.hr_positive_renal_record()))
    resp = call("POST", "/cds-services/mbcnav-patient-view", json=body)
    assert resp.status_code == 200, resp.text
    summaries = [c["summary"] for c in resp.json()["cards"] if c["indicator"] == "info"]
    assert [s.split(":")[0] for s in summaries if s.startswith("Option")] == [
        "Option 1",
        "Option 2",
        "Option 3",
    ]
    assert sum(s.startswith("Workup gap") for s in summaries) >= 3


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"max_info_cards": 4}, "max_info_cards is 4 but info_card_shares reserve 6 places"),
        ({"info_card_shares": (("news", 2),)}, "unknown kind 'news'"),
        ({"result_path": "cases/{saved_id}"}, "must be a path starting with '/'"),
    ],
)
def test_settings_that_would_break_every_call_are_refused_up_front(
    settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        CdsSettings(**settings)


class BrokenStore:
    """A case store whose database is down."""

    def save(self, case: dict[str, Any], assessment: dict[str, Any]) -> Any:
        raise OSError("database unavailable")


@needs_assess
@pytest.mark.parametrize("store", [None, BrokenStore()])
def test_without_a_working_case_store_the_cards_still_go_out_without_a_link(store: Any) -> None:
    application = FastAPI()
    application.include_router(build_cds_router(SETTINGS, case_store=store))

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://cds.test") as client:
            body = hook_request("patient-view", prefetch=prefetch_from(M.hr_positive_renal_record()))
            return await client.post("/cds-services/mbcnav-patient-view", json=body)

    resp = asyncio.run(go())
    assert resp.status_code == 200, resp.text
    cards = resp.json()["cards"]
    assert cards and not any("links" in card for card in cards)


# ------------------------------------------------------------------ requests must be JSON


@pytest.mark.parametrize(
    "path", ["/cds-services/mbcnav-patient-view", "/cds-services/mbcnav-patient-view/feedback"]
)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_declared_json_gets_415(path: str, content_type: str | None) -> None:
    body = json.dumps(spec("18-example") if path.endswith("feedback") else hook_request("patient-view"))
    headers = {"Content-Type": content_type} if content_type else {}
    resp = call("POST", path, content=body.encode(), headers=headers)
    assert resp.status_code == 415
    assert resp.headers["content-type"] == "application/problem+json"
    assert "Content-Type" in resp.json()["detail"] and "application/json" in resp.json()["detail"]


@needs_assess
@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/fhir+json"],
)
def test_json_content_types_are_accepted(content_type: str) -> None:
    body = json.dumps(hook_request("patient-view", prefetch=prefetch_from(M.hr_positive_renal_record())))
    resp = call(
        "POST",
        "/cds-services/mbcnav-patient-view",
        content=body.encode(),
        headers={"Content-Type": content_type},
    )
    assert resp.status_code == 200, resp.text


@needs_assess
def test_order_sign_anastrozole_while_tamoxifen_is_current_shows_the_contraindication_card() -> None:
    """The tamoxifen + AI alert sits on tamoxifen (the current drug) and names anastrozole as its partner;
    signing anastrozole is what starts the combination, so the card must show and offer to remove it."""
    record = M.hr_positive_renal_record()
    record["entry"] = [
        e for e in record["entry"] if e["resource"]["resourceType"] != "MedicationStatement"
    ] + [{"resource": M.med_statement("tam", "tamoxifen 20 MG Oral Tablet", "active", start="2023-03-01")}]
    body = hook_request("order-sign", prefetch=prefetch_from(record))
    order = M.med_request("draft-ana", "anastrozole 1 MG Oral Tablet", status="draft", dose=1)
    body["context"]["draftOrders"] = M.bundle(order)
    resp = call("POST", "/cds-services/mbcnav-order-sign", json=body)
    assert resp.status_code == 200, resp.text
    cards = [c for c in resp.json()["cards"] if "tamoxifen" in c["summary"]]
    assert cards, resp.json()["cards"]
    (card,) = cards
    assert card["indicator"] == "critical"
    (suggestion,) = card["suggestions"]
    assert "anastrozole" in suggestion["label"]
    assert suggestion["actions"][0]["resourceId"] == "MedicationRequest/draft-ana"


# ------------------------------------------------------------ infusions and procedures reach the cards


def _anthracycline_record() -> dict[str, Any]:
    """HR-positive MBC after six doxorubicin infusions of 60 mg/m2 (360 mg/m2 in all), given as
    MedicationAdministrations, plus a brain metastasis treated with radiotherapy that later worsened.
    Written for this test (the interop sweep's b/anth.json and pv_fetch.json in the same shape)."""
    from interop.test_fhir_newer_fields import WORSENED, brain_met, brain_radiotherapy, disease_status, given

    record = M.hr_positive_renal_record()
    doses = [given(f"dox{n}", "doxorubicin", 60, "mg/m2", f"2025-{n:02d}-10") for n in range(1, 7)]
    extra = [
        *doses,
        brain_met(),
        brain_radiotherapy(end="2025-09-15"),
        disease_status("cds-brain", WORSENED, "2025-11-01"),
    ]
    record["entry"].extend({"resource": r} for r in extra)
    return record


def _doxorubicin_order_select(**extra: Any) -> dict[str, Any]:
    order = M.med_request("draft-dox", "doxorubicin", status="draft", dose=60, unit="mg/m2")
    body = hook_request("order-select", **extra)
    body["context"]["selections"] = ["MedicationRequest/draft-dox"]
    body["context"]["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                      "entry": [{"resource": order}]}  # fmt: skip
    return body


def _cumulative_card(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    cards = resp.json()["cards"]
    found = [c for c in cards if c["indicator"] == "warning" and "420 mg/m2" in c["detail"]]
    assert found, [c["summary"] for c in cards]
    return found[0]


@needs_assess
def test_order_select_doxorubicin_after_six_infusions_warns_through_prefetch() -> None:
    # 6 x 60 mg/m2 given + 60 mg/m2 proposed = 420 mg/m2, above the 300 mg/m2 warning level
    body = _doxorubicin_order_select(prefetch=prefetch_from(_anthracycline_record()))
    card = _cumulative_card(call("POST", "/cds-services/mbcnav-order-select", json=body))
    assert "doxorubicin" in card["summary"]


@needs_assess
def test_order_select_doxorubicin_after_six_infusions_warns_through_the_fhir_server() -> None:
    with FhirServer(_anthracycline_record()) as server:
        body = _doxorubicin_order_select(fhirServer=server.base, fhirAuthorization=authorization(TOKEN))
        resp = call("POST", "/cds-services/mbcnav-order-select", json=body)
        urls = [u for u, _ in server.seen]
    _cumulative_card(resp)
    assert any("/MedicationAdministration?" in u for u in urls)
    assert any("/Procedure?" in u for u in urls)


def test_brain_radiotherapy_fetched_from_the_fhir_server_sets_the_brain_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen_cases = []

    def fake_assess(case: Any) -> Assessment:
        seen_cases.append(case)
        return _assessment()

    monkeypatch.setattr(cds_hooks, "_assess", fake_assess)
    with FhirServer(_anthracycline_record()) as server:
        body = hook_request("patient-view", fhirServer=server.base, fhirAuthorization=authorization(TOKEN))
        resp = call("POST", "/cds-services/mbcnav-patient-view", json=body)
    assert resp.status_code == 200, resp.text
    (case,) = seen_cases
    assert case.brain_mets_status == "progressing"
    assert case.cumulative_doxorubicin_mg_m2 == 360


def test_discovery_asks_for_administrations_and_procedures() -> None:
    for service in call("GET", "/cds-services").json()["services"]:
        queries = set(service["prefetch"].values())
        assert "MedicationAdministration?patient={{context.patientId}}" in queries
        assert "Procedure?patient={{context.patientId}}" in queries


# ------------------------------------------------------------ dose-change suggestions and card titles


def _zoledronic_cards(hook: str = "order-sign") -> list[dict[str, Any]]:
    """Zoledronic acid 4 mg ordered at CrCl about 35 mL/min (label Table 1: 3.0 mg at CrCl 30-39)."""
    body = hook_request(hook, prefetch=prefetch_from(M.hr_positive_renal_record()))
    body["context"]["draftOrders"] = zoledronic_order(4)
    body["context"]["selections"] = ["MedicationRequest/draft-zol"]
    resp = call("POST", f"/cds-services/mbcnav-{hook}", json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()["cards"]


@needs_assess
@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_the_dose_change_suggestion_replaces_the_draft_with_the_adjusted_dose(hook: str) -> None:
    """CDS Hooks 2.0 suggestions carry create/update actions with the changed resource (spec examples
    of suggestions); deleting the draft alone would just lose the order."""
    cards = _zoledronic_cards(hook)
    suggestions = [s for c in cards for s in c.get("suggestions", ())]
    assert len(suggestions) == 1, [c["summary"] for c in cards]
    (suggestion,) = suggestions
    delete, create = suggestion["actions"]
    assert delete["type"] == "delete" and delete["resourceId"] == "MedicationRequest/draft-zol"
    assert create["type"] == "create"
    new = create["resource"]
    draft = zoledronic_order(4)["entry"][0]["resource"]
    assert new["resourceType"] == "MedicationRequest" and "id" not in new
    assert new["medicationCodeableConcept"] == draft["medicationCodeableConcept"]
    assert new["status"] == draft["status"] and new["subject"] == draft["subject"]
    (instruction,) = new["dosageInstruction"]
    assert instruction["doseAndRate"][0]["doseQuantity"] == {
        "value": 3.0, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"
    }  # fmt: skip


def test_an_alert_that_states_no_dose_keeps_the_delete_only_suggestion() -> None:
    alert = SafetyAlert(
        code="renal_dose_adjustment",
        drug="zoledronic acid",
        severity="warning",
        public="p",
        clinician="CrCl 35 mL/min (30-39): zoledronic acid 3.0 mg",
        sources=("fda-label-zoledronic-acid",),
    )
    draft = zoledronic_order(4)["entry"][0]["resource"]
    assessment = _assessment().model_copy(update={"red_flags": [], "safety_alerts": [alert]})
    cards = cards_for(
        assessment,
        hook="order-sign",
        hook_instance="h",
        settings=SETTINGS,
        orders=[(draft, {"drug": "zoledronic acid", "dose_mg": 4})],
    )
    (card,) = cards
    (suggestion,) = card["suggestions"]
    assert [a["type"] for a in suggestion["actions"]] == ["delete"]


@needs_assess
def test_card_titles_are_clinician_words_not_internal_codes() -> None:
    summaries = [c["summary"] for c in _zoledronic_cards()]
    assert "Safety: Renal dose adjustment (zoledronic acid)" in summaries
    assert not any("Crcl" in s or "_" in s for s in summaries), summaries


def test_every_alert_and_workup_code_of_the_rules_has_a_card_title() -> None:
    import yaml

    rules = Path(cds_hooks.__file__).parents[1] / "reasoning" / "rules"
    codes: dict[str, set[str]] = {"safety": set(), "workup": set()}
    for name, kind in (("safety", "safety"), ("interactions", "safety"), ("doses", "safety"),
                       ("workup", "workup")):  # fmt: skip
        text = (rules / f"{name}.yaml").read_text(encoding="utf-8")
        codes[kind] |= set(re.findall(r"^\s*-?\s*code: ([a-z0-9_]+)\s*$", text, flags=re.M))
    titles = yaml.safe_load(cds_hooks.TITLES_FILE.read_text(encoding="utf-8"))
    for kind, found in codes.items():
        assert found, kind
        missing = sorted(found - set(titles[kind]))
        assert not missing, f"{kind} codes without a card title in cds_titles.yaml: {missing}"
