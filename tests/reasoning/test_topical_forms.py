"""Skin and eye forms of medicines whose tablets interact: read as their own rows (comedications.yaml
``local_of``), so the tablet's CYP and QT alerts do not fire; vaginal forms keep the tablet's reading."""

from __future__ import annotations

from typing import Any

import pytest

from mbcnav.case import parse_case
from mbcnav.drugnames import read_drug_name
from mbcnav.reasoning.assess import assess

RIBOCICLIB = {"drug": "ribociclib", "dose_mg": 600}


def _partners(meds: list[str], orders: list[dict[str, Any]]) -> set[str]:
    data = {
        "patient": {"sex": "F", "age": 58, "ecog": 1, "menopausal": "post", "height_cm": 164,
                    "weight_kg": 68},
        "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 50, "her2_ihc": "0"},
        "metastatic_sites": ["bone"],
        "labs": {"creatinine_mg_dl": 0.8},
        "line": 1,
        "current_meds": meds,
        "proposed_treatment": orders,
    }
    return {p for a in assess(parse_case(data)).safety_alerts for p in (*a.partners, a.drug)}


@pytest.mark.parametrize(
    ("name", "topical", "oral", "order"),
    [
        # MetroGel label: peak serum level under 1% of one 250 mg tablet; the tablet prolongs QT
        ("metronidazole gel", "metronidazole 500 mg tablet", "metronidazole", RIBOCICLIB),
        ("MetroGel", "Flagyl", "metronidazole", RIBOCICLIB),
        ("metronidazole 0.75% cream", "metronidazole", "metronidazole", RIBOCICLIB),
        # eye ointment: a label without drug interactions; tablets are moderate CYP3A inhibitors, QT
        ("erythromycin eye ointment", "erythromycin 250 mg tablet", "erythromycin",
         RIBOCICLIB),
        # cream: under 5% absorbed (Swissmedic); tablets are strong CYP2D6 inhibitors (tamoxifen)
        ("terbinafine cream", "terbinafine 250 mg", "terbinafine", {"drug": "tamoxifen", "dose_mg": 20}),
        ("Lamisil AT", "Lamisil", "terbinafine", {"drug": "tamoxifen", "dose_mg": 20}),
    ],
)  # fmt: skip
def test_a_skin_or_eye_form_raises_none_of_the_tablet_alerts(
    name: str, topical: str, oral: str, order: dict[str, Any]
) -> None:
    reading = read_drug_name(name)
    assert reading is not None and reading.generic == f"{oral} (topical)"
    assert f"{oral} (topical)" not in _partners([name], [order])
    assert oral in _partners([topical], [order])  # the tablet still alerts


@pytest.mark.parametrize(
    ("name", "generic"),
    [
        ("hydrocortisone cream", "hydrocortisone (topical)"),
        ("hydrocortisone 1% ointment", "hydrocortisone (topical)"),
        ("Cortizone-10", "hydrocortisone (topical)"),
        ("hydrocortisone 10 mg tablet", "hydrocortisone"),
        ("clotrimazole cream", "clotrimazole (topical)"),
        ("Lotrimin", "clotrimazole (topical)"),
        ("Mycelex", "clotrimazole"),
        ("erythromycin ophthalmic ointment", "erythromycin (topical)"),
        ("Romycin", "erythromycin (topical)"),
        # vaginal forms reach the blood (metronidazole vaginal gel: about half of the dose) and keep the
        # tablet's reading, like vaginal estrogen
        ("metronidazole vaginal gel", "metronidazole"),
        ("MetroGel-Vaginal", "metronidazole"),
        ("clotrimazole vaginal cream", "clotrimazole"),
    ],
)
def test_local_and_systemic_forms_are_read_apart(name: str, generic: str) -> None:
    reading = read_drug_name(name)
    assert reading is not None and reading.generic == generic


def test_metronidazole_vaginal_gel_keeps_the_qt_alert_with_ribociclib() -> None:
    assert "metronidazole" in _partners(["metronidazole vaginal gel"], [RIBOCICLIB])
