"""Pharmacist review 7 leftovers (session 10, task phc): CDS order-sign drafts with an oral vinorelbine route
and with a dose in a unit mbcnav does not read.

SOURCE: drafts written for these tests with tests/interop/mcode.py on the record hr_positive_renal_record
(60 kg, CrCl about 35 mL/min). Navelbine soft capsule SmPC 4.2: 60 mg/m2 weekly for 3 administrations, then
80 mg/m2; vinorelbine injection (US label): 25-30 mg/m2 IV, so 60 mg/m2 IV is 2x (a gross overdose).
case-format.md: a dose that cannot be checked gets dose_not_checked, "never a silent pass".
"""

from __future__ import annotations

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


def _draft(rid: str, text: str, dose: float, unit: str, route: str | None = None) -> dict[str, Any]:
    res = M.med_request(rid, text, status="draft", dose=dose, unit=unit)
    if route:
        res["dosageInstruction"][0]["route"] = {"text": route}
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


def test_oral_vinorelbine_60_mg_m2_is_no_critical_card() -> None:
    cards = _cards(_draft("d2", "vinorelbine 20 MG Oral Capsule", 60, "mg/m2", "oral"))
    assert not any(c["indicator"] == "critical" for c in cards)
    assert not any("Dose above" in c["summary"] for c in cards)


def test_iv_vinorelbine_60_mg_m2_stays_critical() -> None:
    cards = _cards(_draft("d2", "vinorelbine injection", 60, "mg/m2", "intravenous"))
    card = next(c for c in cards if "Dose above" in c["summary"])
    assert card["indicator"] == "critical"


def test_a_draft_dose_in_ml_is_not_checked_and_names_the_unit() -> None:
    cards = _cards(_draft("d1", "zoledronic acid 4 MG/5ML Injection", 4, "mL"))
    card = next(c for c in cards if "Dose could not be checked" in c["summary"])
    assert "'mL'" in card["detail"] and "4 mL" in card["detail"]


def test_a_draft_dose_in_tablets_is_not_checked() -> None:
    cards = _cards(_draft("d3", "letrozole 2.5 MG Oral Tablet", 2, "tablets"))
    card = next(c for c in cards if "Dose could not be checked" in c["summary"])
    assert "'tablets'" in card["detail"]


def test_an_imported_planned_order_in_ml_keeps_its_dose_as_written() -> None:
    bundle = M.hr_positive_renal_record()
    bundle["entry"].append(
        {
            "resource": M.med_request(
                "p1", "zoledronic acid 4 MG/5ML Injection", status="draft", dose=4, unit="mL"
            )
        }
    )
    result = case_from_fhir(bundle)
    order = next(t for t in result.case.proposed_treatment if t.drug == "zoledronic acid")
    assert order.dose_as_written == "4 mL" and order.dose_mg is None
