"""CDS Hooks 2.0 service: discovery, cards, order checks, prefetch and FHIR-server fetch, feedback, CORS."""

from __future__ import annotations

import asyncio
import copy
import importlib.util
import json
import logging
import random
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
from mbcnav.interop import cds_hooks
from mbcnav.interop.cds_hooks import FEEDBACK, SERVICES, CdsSettings, build_cds_router, cards_for

SPEC = Path(__file__).parent / "fixtures" / "cds-hooks"
TOKEN = "s3cret-fhir-token-do-not-log"
SETTINGS = CdsSettings(
    base_url="https://mbcnav.example", cors_origins=("https://ehr.example",), fetch_timeout_s=5
)
HAS_ASSESS = importlib.util.find_spec("mbcnav.reasoning.assess") is not None
needs_assess = pytest.mark.skipif(not HAS_ASSESS, reason="mbcnav.reasoning.assess not written yet")


def app(settings: CdsSettings = SETTINGS) -> FastAPI:
    application = FastAPI()
    application.include_router(build_cds_router(settings))
    return application


def call(method: str, path: str, *, settings: CdsSettings = SETTINGS, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://cds.test") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


def spec(name: str) -> Any:
    return json.loads(next(SPEC.glob(f"{name}*.json")).read_text(encoding="utf-8"))


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
        "allergies": searchset("AllergyIntolerance"),
    }


def hook_request(hook: str, **extra: Any) -> dict[str, Any]:
    body = {
        "hook": hook,
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"userId": "Practitioner/example", "patientId": M.PID},
    }
    body.update(extra)
    return body


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
            hook_request("patient-view", fhirAuthorization={"access_token": TOKEN, "token_type": "Bearer"}),
            400,
            "fhirServer",
        ),
        ("/cds-services/mbcnav-order-sign", hook_request("order-sign"), 400, "draftOrders"),
        ("/cds-services/mbcnav-patient-view", hook_request("patient-view"), 412, "not prefetched"),
    ],
)
def test_bad_requests_get_problem_json(path: str, body: Any, status: int, detail: str) -> None:
    kwargs = {"content": body} if isinstance(body, bytes) else {"json": body}
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
    cards = cards_for(
        _assessment(), hook="patient-view", hook_instance="h1", patient_id="p 1", settings=SETTINGS
    )
    example_fields = set().union(*(c.keys() for c in spec("16-example")["cards"])) | {
        "suggestions",
        "selectionBehavior",
    }
    assert [c["indicator"] for c in cards] == ["critical", "critical", "warning", "info", "info"]
    assert cards[0]["summary"].startswith("Red flag: Hypercalcemia")
    for card in cards:
        assert set(card) <= example_fields
        assert len(card["summary"]) <= 140
        assert card["source"]["label"]
        assert card["links"][0]["url"] == "https://mbcnav.example/assess/result?patient=p%201&hookInstance=h1"
    assert "IV saline now" in cards[0]["detail"]
    assert len({c["uuid"] for c in cards}) == len(cards)


def test_order_cards_only_concern_the_ordered_drug_and_suggest_removing_the_draft() -> None:
    draft = zoledronic_order()["entry"][0]["resource"]
    cards = cards_for(
        _assessment(),
        hook="order-sign",
        hook_instance="h1",
        patient_id="p1",
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
            "resourceId": ["MedicationRequest/draft-zol"],
            "description": suggestion["actions"][0]["description"],
        }
    ]


# ------------------------------------------------------------------------------ feedback


@pytest.mark.parametrize("example", ["18-example", "19-example", "20-example"])
def test_feedback_examples_from_the_spec_are_accepted(example: str) -> None:
    before = len(FEEDBACK)
    resp = call("POST", "/cds-services/mbcnav-patient-view/feedback", json=spec(example))
    assert resp.status_code == 200
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
        fhirAuthorization={
            "access_token": TOKEN,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "user/*.read",
            "subject": "mbcnav",
        },
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


def test_wrong_token_means_no_record_and_a_412(fhir_server: FhirServer) -> None:
    body = hook_request(
        "patient-view",
        fhirServer=fhir_server.base,
        fhirAuthorization={"access_token": "wrong", "token_type": "Bearer"},
    )
    resp = call("POST", "/cds-services/mbcnav-patient-view", json=body)
    assert resp.status_code == 412
    assert "HTTP 401" in resp.json()["detail"]


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
    assert card["suggestions"][0]["actions"][0]["resourceId"] == ["MedicationRequest/draft-zol"]
    assert card["source"]["label"] and len(card["summary"]) <= 140


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
    assert all(len(c["summary"]) <= 140 for c in cards)


def test_feedback_through_the_web_app_is_stored_and_outlives_a_restart(tmp_path: Path) -> None:
    """The web app hands feedback to its database store (not process memory): a new app on the
    same database still has it, newest first, as the CDS Client sent it."""
    from fastapi.testclient import TestClient

    from mbcnav.web.app import create_app
    from mbcnav.web.config import Settings

    settings = Settings(data_dir=tmp_path, database_url="")
    first = create_app(settings)
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

