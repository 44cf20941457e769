"""Label doses for common MBC orders that used to get a `dose_not_checked` row (pharm4 report, L3), and small
reasoning gaps from the third oncologist review (#10: oligometastatic notes without the word, prior mTOR
inhibitors and the PI3K/AKT trials)."""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import dose_alerts

from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess

PATIENT = {"age": 60, "sex": "F", "weight_kg": 70, "height_cm": 165, "menopausal": "post", "ecog": 1}
TNBC = {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0"}
HER2_POS = {"er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"}


def _case(orders: list[dict[str, Any]], tumor: dict[str, Any], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "patient": dict(PATIENT),
        "tumor": tumor,
        "metastatic_sites": ["liver"],
        "labs": {"creatinine_mg_dl": 0.8},
        "proposed_treatment": orders,
        "line": 1,
    }
    data.update(extra)
    return data


# --- label doses (gemcitabine label 2.2; Ellence label; Phesgo label 2.3) ---------------------------------


@pytest.mark.parametrize(
    ("order", "tumor"),
    [
        ({"drug": "gemcitabine", "dose_mg_m2": 1250}, TNBC),  # with paclitaxel, days 1 and 8 of 21
        ({"drug": "gemcitabine", "dose_mg_m2": 1000}, TNBC),  # with carboplatin
        ({"drug": "epirubicin", "dose_mg_m2": 90}, TNBC),  # EC
        ({"drug": "epirubicin", "dose_mg_m2": 100}, TNBC),  # FEC-100
        ({"drug": "Phesgo", "dose_mg": 1200}, HER2_POS),  # loading dose (pertuzumab component)
        ({"drug": "Phesgo", "dose_mg": 600}, HER2_POS),  # maintenance dose
    ],
)
def test_standard_orders_with_a_label_dose_get_no_dose_row(
    order: dict[str, Any], tumor: dict[str, Any]
) -> None:
    alerts = dose_alerts(_case([order], tumor))
    assert alerts == {}, [a.clinician for a in alerts.values()]


def test_gemcitabine_above_the_1250_label_dose_is_flagged_per_the_gemcitabine_label() -> None:
    alert = dose_alerts(_case([{"drug": "gemcitabine", "dose_mg_m2": 1500}], TNBC))["gemcitabine"]
    assert alert.code == "dose_above_label"
    assert "1250 mg/m2" in alert.clinician and "fda-label-gemcitabine" in alert.sources


def test_epirubicin_above_the_120_label_dose_is_flagged_per_the_ellence_label() -> None:
    alert = dose_alerts(_case([{"drug": "epirubicin", "dose_mg_m2": 150}], TNBC))["epirubicin"]
    assert alert.code == "dose_above_label" and "120 mg/m2" in alert.clinician


def test_phesgo_above_the_1200_mg_loading_dose_is_flagged_per_the_phesgo_label() -> None:
    alert = dose_alerts(_case([{"drug": "Phesgo", "dose_mg": 2400}], HER2_POS))[
        "pertuzumab-trastuzumab-hyaluronidase"
    ]
    assert alert.code == "dose_above_label" and alert.severity == "contraindication"
    assert "fda-label-pertuzumab-trastuzumab-hyaluronidase" in alert.sources


# --- oligometastatic disease described without the word (onc3 #10, f39; NRG-BR002 option) -----------------

HR_POS = {"er_percent": 95, "pr_percent": 60, "her2_ihc": "1+"}
OLIGO = (
    "discuss treatment aimed at the few metastases (stereotactic radiotherapy or surgery) with the team; "
    "not shown to help survival"
)


def _options(notes: list[str]) -> set[str]:
    data = _case([], HR_POS, notes=notes)
    data["metastatic_sites"] = ["bone"]
    data.pop("proposed_treatment")
    return {o.regimen for o in assess(parse_case(data)).therapy_options}


@pytest.mark.parametrize(
    "note",
    [
        "Single T10 vertebral metastasis, no other disease on PET-CT.",
        "Solitary liver metastasis on MRI.",
        "PET: isolated left iliac bone lesion, no other sites of disease.",
    ],
)
def test_a_single_metastasis_described_in_a_note_lists_the_oligometastatic_option(note: str) -> None:
    assert OLIGO in _options([note])


@pytest.mark.parametrize(
    "note",
    [
        "Single fraction 8 Gy to T10 metastasis for pain.",
        "Widespread bone metastases; not a solitary metastasis.",
        "Multiple liver metastases.",
    ],
)
def test_radiotherapy_fractions_and_widespread_disease_are_not_read_as_oligometastatic(note: str) -> None:
    assert OLIGO not in _options([note])


# --- PI3K/AKT options after an mTOR inhibitor stopped for toxicity (onc3 #10, f12) ------------------------


def test_capivasertib_after_everolimus_stopped_for_toxicity_notes_the_trial_exclusion() -> None:
    tumor = {**HR_POS, "pik3ca": "mutant"}
    prior = [
        {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 20},
        {"drug": "palbociclib", "setting": "metastatic", "progressed": True, "months": 20},
        {
            "drug": "everolimus",
            "setting": "metastatic",
            "progressed": False,
            "months": 1,
            "stopped_for": {"toxicity": "stomatitis", "grade": 3},
        },
        {"drug": "exemestane", "setting": "metastatic", "progressed": False, "months": 1},
    ]
    without = _case([], tumor, prior_treatment=prior[:2], line=2)
    with_mtor = _case([], tumor, prior_treatment=prior, line=3)
    for data in (without, with_mtor):
        data.pop("proposed_treatment")
    before = {o.regimen: o for o in assess(parse_case(without)).therapy_options}
    after = {o.regimen: o for o in assess(parse_case(with_mtor)).therapy_options}
    for option_id in ("capivasertib + fulvestrant", "alpelisib + fulvestrant"):
        assert option_id in after  # still offered: the drug was stopped for side effects, not progression
        assert "excluded" in after[option_id].rationale and "mTOR" in after[option_id].rationale
        assert "mTOR inhibitor was stopped" not in before[option_id].rationale
