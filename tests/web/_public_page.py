"""Upload a case through the form and read its result page in the public voice: shared by the tests
that check what the page's public summary says."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient


def public_result(browser_client: TestClient, case: dict[str, Any]) -> tuple[str, str, str]:
    """(location, whole page, public summary section) for ``case`` saved through POST /cases."""
    files = {"case_file": ("case.json", json.dumps(case).encode(), "application/json")}
    response = browser_client.post("/cases", files=files, follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    location = str(response.headers["location"])
    browser_client.get("/audience", params={"audience": "public", "next": "/"})
    page = browser_client.get(location).text
    summary = page[page.index('id="public-title"'):]
    return location, page, summary[: summary.index("</section>")]
