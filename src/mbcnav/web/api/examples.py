"""Request examples for the interactive API docs (/api/docs, "Try it out").

Without them Swagger UI builds a body from the schema's limits (a patient aged 120, 45 weeks pregnant,
a brain count with no brain site), which the API rightly refuses, so a first-time user's first try
failed. Each example here is a valid request (tests/web/test_api_examples.py posts every one).
"""

from __future__ import annotations

from typing import Any

HR_POSITIVE_CASE: dict[str, Any] = {
    "id": "example-hr-positive",
    "patient": {"age": 58, "sex": "F", "menopausal": "post", "weight_kg": 70, "height_cm": 165, "ecog": 1},
    "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 40, "her2_ihc": "1+", "pik3ca": "unknown"},
    "metastatic_sites": ["bone", "liver"],
    "symptoms": ["my hip aches at night"],
    "labs": {
        "creatinine_mg_dl": 0.9,
        "calcium_mg_dl": 9.8,
        "albumin_g_dl": 4.0,
        "bilirubin_mg_dl": 0.7,
        "alt_u_l": 30,
        "ast_u_l": 28,
        "anc_per_ul": 3200,
    },
    "current_meds": ["paroxetine"],
    "line": 1,
}

HER2_BRAIN_CASE: dict[str, Any] = {
    "id": "example-her2-brain",
    "patient": {"age": 51, "sex": "F", "menopausal": "post", "weight_kg": 64, "height_cm": 160, "ecog": 1},
    "tumor": {"histology": "IDC", "er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"},
    "metastatic_sites": ["brain", "lung"],
    "brain_mets_count": 2,
    "brain_mets_status": "untreated",
    "brain_mets_symptomatic": False,
    "labs": {"creatinine_mg_dl": 0.8, "lvef_percent": 60},
    "prior_treatment": [
        {"drug": "trastuzumab", "setting": "metastatic", "progressed": True},
        {"drug": "pertuzumab", "setting": "metastatic", "progressed": True},
        {"drug": "docetaxel", "setting": "metastatic", "progressed": True},
    ],
    "line": 2,
}

EMERGENCY_CASE: dict[str, Any] = {
    "id": "example-emergency",
    "patient": {"age": 44, "sex": "F", "menopausal": "pre", "ecog": 2},
    "tumor": {"histology": "IDC", "er_percent": 0, "pr_percent": 0, "her2_ihc": "0"},
    "metastatic_sites": ["bone", "lung"],
    "symptoms": ["my back hurts and my legs feel weak"],
    "labs": {"anc_per_ul": 400, "temp_c": 38.6},
    "current_treatment": [{"drug": "paclitaxel"}],
    "line": 1,
}

ASSESS_EXAMPLES: dict[str, dict[str, Any]] = {
    "hr_positive": {
        "summary": "HR-positive, HER2-low, first line, bone and liver",
        "value": HR_POSITIVE_CASE,
    },
    "her2_brain": {
        "summary": "HER2-positive with untreated brain metastases, second line",
        "value": HER2_BRAIN_CASE,
    },
    "emergency": {
        "summary": "Triple-negative on paclitaxel, with back pain, weak legs and fever",
        "value": EMERGENCY_CASE,
    },
}

BATCH_EXAMPLES: dict[str, dict[str, Any]] = {
    "two_cases": {"summary": "Two valid cases", "value": [HR_POSITIVE_CASE, HER2_BRAIN_CASE]},
    "with_an_invalid_case": {
        "summary": "One case is invalid (a brain count without 'brain' as a site): its item is an error",
        "value": [
            HR_POSITIVE_CASE,
            {"id": "no-brain-site", "metastatic_sites": ["bone"], "brain_mets_count": 2},
        ],
    },
}

TRIAGE_EXAMPLES: dict[str, dict[str, Any]] = {
    "words": {"summary": "Everyday words", "value": {"text": "my back hurts and my legs feel weak"}},
    "words_and_labs": {
        "summary": "Words and labs (fever with a low neutrophil count)",
        "value": {
            "text": "I feel hot and shivery since this morning",
            "labs": {"temp_c": 38.4, "anc_per_ul": 600},
        },
    },
    "routine": {"summary": "No warning sign", "value": {"text": "a bit tired after my last cycle"}},
}
