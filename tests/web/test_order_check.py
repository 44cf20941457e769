"""The result page, the saved-case page and the PDF show the order check of planned treatment and how
medicine names were read, as the CLI report does (Assessment.proposed_orders, Assessment.name_readings).

The order case is the pharmacist sweep's: zoledronic acid 4 mg proposed at a Cockcroft-Gault CrCl of
about 22 mL/min (80 years, 50 kg, creatinine 1.6 mg/dL; the label advises against it below 30), where
the safety step names denosumab as the option that avoids it.
"""

from __future__ import annotations

import html
import io
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mbcnav.web.store import AssessmentStore

#: the sweep's r02 case: CrCl (140-80)*50*0.85/(72*1.6) = 22 mL/min, Zometa 4 mg proposed (also audited
#: by test_accessibility)
ORDER_CASE_FILE = Path(__file__).parent / "data" / "zoledronic_crcl22.json"
ZOLEDRONIC_CRCL_22: dict[str, Any] = json.loads(ORDER_CASE_FILE.read_text())
TOPROL_CASE: dict[str, Any] = {
    "id": "web-toprol",
    "patient": {"age": 60, "sex": "F", "menopausal": "post"},
    "tumor": {"er_percent": 90, "pr_percent": 50, "her2_ihc": "0"},
    "metastatic_sites": ["bone"],
    "current_meds": ["Toprol XL 50 mg", "metoprolol succinate"],
}
DENOSUMAB = "denosumab 120 mg every 4 weeks"


def _saved(client: TestClient, case: dict[str, Any]) -> str:
    """Uploads the case through the form, as a person would; returns the saved page's address."""
    files = {"case_file": ("case.json", json.dumps(case).encode(), "application/json")}
    response = client.post("/cases", files=files, follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    return str(response.headers["location"])


def _between(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def _pdf_text(client: TestClient, location: str) -> str:
    from pypdf import PdfReader

    pdf = client.get(f"{location}/report.pdf").content
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture()
def zol_page(browser_client: TestClient) -> str:
    return _saved(browser_client, ZOLEDRONIC_CRCL_22)


@pytest.mark.parametrize("audience", ["public", "clinician"])
def test_result_page_shows_the_order_check_with_denosumab_as_alternative(
    browser_client: TestClient, zol_page: str, audience: str
) -> None:
    browser_client.cookies.set("mbcnav_audience", audience)
    page = html.unescape(browser_client.get(zol_page).text)
    browser_client.cookies.delete("mbcnav_audience")
    # plain words: after the warning signs, before the treatments to discuss
    public = _between(page, "Check of the planned treatment", "Treatments your team may discuss")
    assert page.index("Summary in plain words") < page.index("Check of the planned treatment")
    assert "zoledronic acid 4 mg" in public and "do not start" in public
    assert "Other choices in this report" in public and DENOSUMAB in public
    assert "renal_not_recommended" not in public  # codes are for the care team
    # care team: after the safety alerts, before the ranked options
    clinician = _between(page, "Order check", "Therapy options (ranked)")
    assert page.index("Safety alerts") < page.index("Order check")
    assert "zoledronic acid 4 mg" in clinician and "contraindicated" in clinician
    assert "renal_not_recommended" in clinician and DENOSUMAB in clinician


def test_pdf_report_shows_the_order_check_with_its_alternative(
    browser_client: TestClient, zol_page: str
) -> None:
    text = _pdf_text(browser_client, zol_page)
    public = _between(text, "Check of the planned treatment", "Treatments your team may discuss")
    assert "zoledronic acid 4 mg" in public and "DO NOT START" in public.upper()
    assert "denosumab 120 mg" in public
    clinician = _between(text, "Order check", "Therapy options (ranked)")
    assert "renal_not_recommended" in clinician and "denosumab 120 mg" in clinician


def test_a_case_without_proposed_treatment_has_no_order_section(browser_client: TestClient) -> None:
    case = {k: v for k, v in ZOLEDRONIC_CRCL_22.items() if k != "proposed_treatment"}
    page = browser_client.get(_saved(browser_client, case)).text
    assert "Check of the planned treatment" not in page and "Order check" not in page


def test_result_page_and_pdf_show_how_toprol_xl_was_read(browser_client: TestClient) -> None:
    location = _saved(browser_client, TOPROL_CASE)
    page = html.unescape(browser_client.get(location).text)
    entered = _between(page, "The case as entered", "Detail for the care team")
    assert "We read 'Toprol XL 50 mg' as metoprolol." in entered
    assert "We read 'metoprolol succinate' as metoprolol." in entered
    detail = page[page.index("Detail for the care team") :]
    assert "current_meds.0" in detail and "set aside: 50 mg" in detail
    text = _pdf_text(browser_client, location)
    assert "Toprol XL 50 mg" in _between(text, "The case as entered", "Detail for the care team")


def test_an_assessment_saved_before_the_order_check_still_renders(browser_client: TestClient) -> None:
    """Permalinks saved before the two fields existed have neither key in their JSON."""
    location = _saved(browser_client, ZOLEDRONIC_CRCL_22)
    store: AssessmentStore = browser_client.app.state.store  # type: ignore[attr-defined]
    saved = store.get(location.rsplit("/", 1)[-1])
    assert saved is not None
    old = {k: v for k, v in saved.assessment.items() if k not in ("proposed_orders", "name_readings")}
    again = store.save(saved.case, old)
    response = browser_client.get(f"/cases/{again.id}")
    assert response.status_code == 200
    assert "Order check" not in response.text and "Therapy options (ranked)" in response.text


def test_api_assess_returns_the_order_check_and_name_readings(client: TestClient) -> None:
    body = client.post("/api/v1/assess", json=ZOLEDRONIC_CRCL_22).json()
    [order] = body["proposed_orders"]
    assert (order["drug"], order["dose"], order["result"]) == ("zoledronic acid", "4 mg", "contraindicated")
    assert "renal_not_recommended" in order["alerts"]
    assert any(alt.startswith(DENOSUMAB) for alt in order["alternatives"])
    readings = client.post("/api/v1/assess", json=TOPROL_CASE).json()["name_readings"]
    assert [(r["field"], r["given"], r["read_as"]) for r in readings] == [
        ("current_meds.0", "Toprol XL 50 mg", "metoprolol"),
        ("current_meds.1", "metoprolol succinate", "metoprolol"),
    ]


def test_openapi_documents_the_order_check_and_name_readings(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    schemas = spec["components"]["schemas"]
    response = spec["paths"]["/api/v1/assess"]["post"]["responses"]["200"]["content"]["application/json"]
    assert response["schema"]["$ref"] == "#/components/schemas/Assessment"
    fields = schemas["Assessment"]["properties"]
    assert fields["proposed_orders"]["items"]["$ref"] == "#/components/schemas/OrderCheck"
    assert fields["name_readings"]["items"]["$ref"] == "#/components/schemas/NameReadingNote"
    order = schemas["OrderCheck"]
    assert order["properties"]["result"]["enum"] == ["contraindicated", "warning", "no alert"]
    assert {"drug", "dose", "alerts", "alternatives"} <= set(order["properties"]) and order["description"]
    reading = schemas["NameReadingNote"]
    assert {"field", "given", "read_as", "set_aside", "public", "clinician"} <= set(reading["properties"])
