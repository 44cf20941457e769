"""The order rows of the result page and the PDF show the interaction alert that blocks an order when
that alert sits on the partner drug (SafetyAlert.partners), as the CLI report does.

Case: the second pharmacist sweep's p29, current Nolvadex and proposed anastrozole; the tamoxifen label
advises against the combination, and the alert is on tamoxifen. Before, the anastrozole row said
"do not start" without any reason under it.
"""

from __future__ import annotations

import html
import json
from typing import Any

from fastapi.testclient import TestClient

TAMOXIFEN_AND_AI: dict[str, Any] = {
    "id": "web-tamoxifen-ai",
    "patient": {"age": 58, "sex": "F", "menopausal": "post", "weight_kg": 65, "height_cm": 165, "ecog": 1},
    "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 50, "her2_ihc": "1+"},
    "metastatic_sites": ["bone"],
    "labs": {"creatinine_mg_dl": 0.8},
    "current_meds": ["Nolvadex"],
    "proposed_treatment": [{"drug": "anastrozole", "dose_mg": 1}],
    "line": 1,
}


def _between(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def test_result_page_order_rows_show_the_partner_alert(browser_client: TestClient) -> None:
    files = {"case_file": ("case.json", json.dumps(TAMOXIFEN_AND_AI).encode(), "application/json")}
    response = browser_client.post("/cases", files=files, follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    page = html.unescape(browser_client.get(str(response.headers["location"])).text)
    public = _between(page, "Check of the planned treatment", "Treatments your team may discuss")
    assert "anastrozole 1 mg" in public and "do not start" in public
    assert "should not be taken together" in public
    clinician = _between(page, "Order check", "Therapy options (ranked)")
    assert "tamoxifen_with_ai" in clinician and "Tamoxifen lowers AI exposure" in clinician


def test_api_alert_carries_its_partners(client: TestClient) -> None:
    body = client.post("/api/v1/assess", json=TAMOXIFEN_AND_AI).json()
    [alert] = [a for a in body["safety_alerts"] if a["code"] == "tamoxifen_with_ai"]
    assert (alert["drug"], alert["partners"], alert["alternatives"]) == ("tamoxifen", ["anastrozole"], [])
    [row] = body["proposed_orders"]
    assert row["result"] == "contraindicated" and "tamoxifen_with_ai" in row["alerts"]


def test_openapi_documents_partners_and_alternatives(client: TestClient) -> None:
    alert = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["SafetyAlert"]["properties"]
    assert alert["partners"]["type"] == "array" and alert["partners"]["description"]
    assert alert["alternatives"]["type"] == "array" and alert["alternatives"]["description"]
