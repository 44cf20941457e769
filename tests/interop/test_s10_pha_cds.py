"""Pharmacist review 7 (session 10): the route of a CDS order-sign draft, and the baseline LVEF from FHIR.

SOURCE: bundles written for these tests with tests/interop/mcode.py. Route codes: SNOMED CT, FHIR route-codes
value set (72607000 intrathecal route, 26643006 oral route). Vinorelbine label and IMSN Global Targeted
Medication Safety Best Practice 2: "for intravenous use only - fatal if given by other routes"; fulvestrant
label: intramuscular. LVEF: LOINC 10230-1; Herceptin PI 2.2 holds by the fall from the pre-treatment value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from interop import mcode as M
from interop.test_cds_hooks import hook_request, prefetch_from
from mbcnav.interop.cds_hooks import CdsSettings, build_cds_router
from mbcnav.interop.fhir import case_from_fhir

_APP = FastAPI()
_APP.include_router(
    build_cds_router(CdsSettings(base_url="https://mbcnav.example", cors_origins=(), fetch_timeout_s=5))
)
CLIENT = TestClient(_APP)


def _draft(rid: str, text: str, dose: float, unit: str, route: dict[str, Any]) -> dict[str, Any]:
    res = M.med_request(rid, text, status="draft", dose=dose, unit=unit)
    res["dosageInstruction"][0]["route"] = route
    return res


def _cards(*drafts: dict[str, Any]) -> list[dict[str, Any]]:
    body = hook_request("order-sign", prefetch=prefetch_from(M.hr_positive_renal_record()))
    body["context"]["draftOrders"] = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": d} for d in drafts],
    }
    response = CLIENT.post("/cds-services/mbcnav-order-sign", json=body)
    assert response.status_code == 200, response.text
    return response.json()["cards"]


def test_intrathecal_vinorelbine_by_snomed_code_is_a_critical_card_that_cancels() -> None:
    route = {
        "coding": [{"system": "http://snomed.info/sct", "code": "72607000", "display": "Intrathecal route"}]
    }
    cards = _cards(_draft("d2", "vinorelbine injection", 25, "mg/m2", route))
    card = next(c for c in cards if "Wrong route" in c["summary"])
    assert card["indicator"] == "critical"
    assert "fatal if given by other routes" in card["detail"]
    assert any("Cancel this vinorelbine order" in s["label"] for s in card["suggestions"])


def test_fulvestrant_iv_is_a_route_warning_with_a_route_suggestion() -> None:
    cards = _cards(
        _draft("d5", "fulvestrant 250 MG/5ML prefilled syringe", 500, "mg", {"text": "intravenous"})
    )
    card = next(c for c in cards if "Route not in the label" in c["summary"])
    assert card["indicator"] == "warning"
    assert any("route" in s["label"] for s in card["suggestions"])


def test_unreadable_route_text_gives_a_route_not_checked_card() -> None:
    cards = _cards(_draft("d5", "fulvestrant", 500, "mg", {"text": "into the buttock"}))
    card = next(c for c in cards if "Route could not be checked" in c["summary"])
    assert "into the buttock" in card["detail"]


def test_oral_vinorelbine_route_is_accepted() -> None:
    route = {"coding": [{"system": "http://snomed.info/sct", "code": "26643006"}]}
    cards = _cards(_draft("d2", "vinorelbine 20 MG Oral Capsule", 30, "mg/m2", route))
    assert not any("route" in c["summary"].lower() for c in cards)


def test_fhir_import_takes_the_earliest_lvef_as_the_baseline_with_a_note() -> None:
    result = case_from_fhir(
        M.bundle(
            M.patient(),
            M.lab("lvef-0", "10230-1", 70, "%", date="2024-01-10"),
            M.lab("lvef-1", "10230-1", 61, "%", date="2024-04-01"),
            M.lab("lvef-2", "10230-1", 52, "%", date="2024-06-20"),
        ),
        as_of=dt.date(2024, 7, 1),
    )
    assert result.case.labs.lvef_percent == 52
    assert result.case.labs.lvef_baseline_percent == 70
    note = next(n for n in result.import_notes if "lvef_baseline_percent" in n.message)
    assert "earliest LVEF" in note.message and "2024-01-10" in note.message


def test_fhir_import_with_one_lvef_sets_no_baseline() -> None:
    result = case_from_fhir(
        M.bundle(M.patient(), M.lab("lvef", "10230-1", 52, "%", date="2024-06-20")), as_of=dt.date(2024, 7, 1)
    )
    assert result.case.labs.lvef_baseline_percent is None
