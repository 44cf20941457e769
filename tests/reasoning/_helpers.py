"""What many reasoning tests share, kept in one place so that a change to an interface is made once.

Only what is the same in every user lives here: the normal lab panel and the two base patients that
several sweeps start from, the merge of a test's changes into its base case, and the views of a triage
or an assessment that tests compare with. Each test's own patients and expectations stay in its file.
Not a test module (no ``test_`` prefix): pytest imports it from this folder, which it puts on ``sys.path``.
"""

from __future__ import annotations

from typing import Any

from mbcnav.assessment import Assessment, SafetyAlert
from mbcnav.case import Labs, parse_case
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.triage import triage

#: a panel with every value in its normal range (the pharmacist sweeps' base patient); copy before changing
NORMAL_LABS: dict[str, Any] = {
    "creatinine_mg_dl": 0.8,
    "calcium_mg_dl": 9.4,
    "albumin_g_dl": 4.0,
    "bilirubin_mg_dl": 0.6,
    "alt_u_l": 22,
    "ast_u_l": 25,
    "anc_per_ul": 3500,
    "platelets_per_ul": 230000,
    "hemoglobin_g_dl": 12.5,
}


#: the oncologist reviews' base panel: every value normal, heart, QT and glucose included (options are
#: ranked without a lab-driven safety flag); copy before changing
FULL_PANEL_LABS: dict[str, Any] = {
    "creatinine_mg_dl": 0.8,
    "calcium_mg_dl": 9.4,
    "albumin_g_dl": 4.0,
    "bilirubin_mg_dl": 0.6,
    "alt_u_l": 24,
    "ast_u_l": 22,
    "anc_per_ul": 3600,
    "platelets_per_ul": 240000,
    "hemoglobin_g_dl": 12.4,
    "lvef_percent": 61,
    "qtcf_ms": 418,
    "glucose_mg_dl": 90,
    "hba1c_percent": 5.3,
}


def with_changes(case: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``case`` with ``over`` laid on it: a dict (patient, labs, ...) is merged one level deep, so a test
    names only the values it is about; anything else replaces the base value."""
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(case.get(key), dict):
            case[key] = {**case[key], **value}
        else:
            case[key] = value
    return case


def run(case: dict[str, Any]) -> Assessment:
    """The assessment a client gets for this case JSON."""
    return assess(parse_case(case))


def triage_urgencies(text: str, labs: Labs | None = None) -> dict[str, str]:
    """red flag code -> urgency of a triage."""
    return {f.code: f.urgency for f in triage(text, labs).red_flags}


def alerts_by_key(result: Assessment) -> dict[str, SafetyAlert]:
    """``"code:drug"`` -> safety alert (``drug`` is ``None`` for an alert on no one drug)."""
    return {f"{a.code}:{a.drug}": a for a in result.safety_alerts}


def alerts_by_pair(data: dict[str, Any]) -> dict[tuple[str, str], SafetyAlert]:
    """(code, drug or "") -> safety alert of the assessment of this case JSON."""
    return {(a.code, a.drug or ""): a for a in run(data).safety_alerts}


def first_alert(result: Assessment, code: str, drug: str) -> SafetyAlert | None:
    """The first safety alert with this code on this drug, or None (tests that need exactly one check that
    themselves)."""
    found = [a for a in result.safety_alerts if a.code == code and a.drug == drug]
    return found[0] if found else None


def symptom_case(symptoms: list[str], drug: str | None = None, labs: dict[str, float] | None = None) -> dict:
    """The triage sweeps' patient (bone and liver metastases, second line) telling ``symptoms``, on
    ``drug`` now when given, with ``labs`` when given."""
    case: dict = {"metastatic_sites": ["bone", "liver"], "line": 2, "symptoms": symptoms}
    if drug:
        case["current_treatment"] = [{"drug": drug}]
    if labs:
        case["labs"] = labs
    return case


def hr_positive_case(current_meds: list[str], proposed: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The pharmacist sweeps' HR+/HER2- patient with bone metastases, first line, taking ``current_meds``
    (the co-medications a test is about), with ``proposed`` orders when given."""
    return {
        "patient": {
            "age": 58, "sex": "F", "menopausal": "post", "weight_kg": 65, "height_cm": 165, "ecog": 1
        },
        "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 50, "her2_ihc": "1+"},
        "metastatic_sites": ["bone"],
        "labs": {"creatinine_mg_dl": 0.8},
        "current_meds": current_meds,
        "proposed_treatment": proposed or [],
        "line": 1,
    }


def dose_alerts(data: dict[str, Any]) -> dict[str, SafetyAlert]:
    """drug -> its order-dose alert (the ``dose_*`` codes) in the assessment of this case JSON."""
    return {a.drug: a for a in run(data).safety_alerts if a.code.startswith("dose_")}
