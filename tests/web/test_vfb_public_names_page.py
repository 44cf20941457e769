"""Voice review item 5: the public summary of the result page and the PDF name each treatment in plain
words (the option's public_name), while the care team's detail keeps the regimen as written."""

from __future__ import annotations

import io
import re

from _public_page import public_result
from fastapi.testclient import TestClient

TNBC_PDL1 = {
    "patient": {"age": 44, "sex": "F", "menopausal": "pre", "ecog": 1},
    "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0", "pdl1_cps": 15, "gbrca": "negative"},
    "metastatic_sites": ["lung", "lymph_node"],
    "line": 1,
}
PLAIN = "Keytruda, a drug that helps your immune system, with chemo"
CLINICAL = "pembrolizumab + chemotherapy (nab-paclitaxel, paclitaxel or gemcitabine-carboplatin)"


def test_result_page_and_pdf_show_plain_treatment_names(browser_client: TestClient) -> None:
    from pypdf import PdfReader

    location, page, summary = public_result(browser_client, TNBC_PDL1)
    assert PLAIN in summary and CLINICAL not in summary
    assert CLINICAL in page  # the care team's detail is unchanged
    pdf = browser_client.get(f"{location}/report.pdf").content
    text = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert PLAIN in text
