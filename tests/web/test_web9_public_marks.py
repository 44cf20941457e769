"""Web review 9 items 6, 7 and 11: the result page merges identical public safety texts naming each drug,
marks every option that has a safety flag the way the CLI does, and labels the ADC category in words."""

from __future__ import annotations

from _public_page import public_result
from fastapi.testclient import TestClient

ONJ = "Your notes say you will have a tooth pulled"
CASE_A = {
    "patient": {"age": 52, "sex": "F", "menopausal": "post", "weight_kg": 68, "height_cm": 165, "ecog": 1},
    "tumor": {"histology": "ILC", "er_percent": 90, "pr_percent": 30, "her2_ihc": "1+", "pik3ca": "wildtype",
              "esr1": "mutant", "gbrca": "negative"},
    "metastatic_sites": ["bone", "peritoneum"],
    "prior_treatment": [
        {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 20},
        {"drug": "palbociclib", "setting": "metastatic", "progressed": True, "months": 20},
    ],
    "current_meds": ["denosumab"],
    "line": 4,
    "notes": ["Planned tooth extraction next week with the dentist."],
}


def test_page_merges_safety_texts_marks_flagged_options_and_labels_adc(browser_client: TestClient) -> None:
    _, page, summary = public_result(browser_client, CASE_A)
    assert summary.count(ONJ) == 1 and "denosumab, zoledronic acid" in summary
    chemo = summary[summary.index("Xeloda"):]
    assert chemo[: chemo.index("</li>")].endswith("<em>(See Medicine safety)</em>")
    assert "[Adc]" not in page and "[ADC (antibody-drug conjugate)]" in page
