"""An unlabelled glucose (the Case field does not say fasting) before a PI3K/AKT inhibitor or everolimus:
>= 200 mg/dL is the diabetes range even if random (ADA), 126-199 only if fasting — the alert says which, and
asks for the fasting value rather than calling it high; below 126 it says nothing."""

from __future__ import annotations

import pytest

from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess

CASE = {
    "id": "glucose",
    "patient": {"age": 60, "sex": "F", "menopausal": "post"},
    "tumor": {"er_percent": 90, "her2_ihc": "0", "pik3ca": "mutant"},
    "metastatic_sites": ["bone"],
    "line": 2,
    "prior_treatment": [
        {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 20},
        {"drug": "palbociclib", "setting": "metastatic", "progressed": True, "months": 20},
    ],
}


def _glucose_alerts(glucose: float) -> list[str]:
    assessment = assess(parse_case({**CASE, "labs": {"glucose_mg_dl": glucose}}))
    alerts = assessment.safety_alerts
    return [a.public for a in alerts if a.code == "hyperglycemia_risk" and a.drug == "alpelisib"]


@pytest.mark.parametrize(("glucose", "starts"), [(110, None), (150, "Your blood sugar may be high"),
                                                 (199, "Your blood sugar may be high"),
                                                 (230, "Your blood sugar is high")])  # fmt: skip
def test_unlabelled_glucose_bands_against_ada_2022(glucose: float, starts: str | None) -> None:
    alerts = _glucose_alerts(glucose)
    if starts is None:
        assert alerts == []
    else:
        assert len(alerts) == 1 and alerts[0].startswith(starts), alerts
