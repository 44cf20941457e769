"""Oral SERDs / ER degraders before menopause: ovarian suppression first, then treated as postmenopausal
(ABC 4/5; NCCN). EMERALD enrolled postmenopausal women and men only."""

from __future__ import annotations

import pytest

from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess


def _case(menopausal: str) -> dict[str, object]:
    return {
        "patient": {
            "age": 44,
            "sex": "F",
            "menopausal": menopausal,
            "weight_kg": 60,
            "height_cm": 165,
            "ecog": 0,
        },
        "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 40, "her2_ihc": "0", "esr1": "mutant"},
        "metastatic_sites": ["bone"],
        "line": 2,
        "prior_treatment": [
            {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 20},
            {"drug": "palbociclib", "setting": "metastatic", "progressed": True, "months": 20},
        ],
    }


@pytest.mark.parametrize("drug", ["elacestrant", "imlunestrant", "vepdegestrant"])
def test_oral_serd_before_menopause_comes_with_ovarian_suppression_abc5(drug: str) -> None:
    options = {o.drugs[0]: o for o in assess(parse_case(_case("pre"))).therapy_options if o.drugs}
    assert "goserelin" in options[drug].drugs
    assert "ovarian suppression" in options[drug].regimen


@pytest.mark.parametrize("drug", ["elacestrant", "imlunestrant", "vepdegestrant"])
def test_oral_serd_after_menopause_is_given_alone_emerald(drug: str) -> None:
    options = {o.drugs[0]: o for o in assess(parse_case(_case("post"))).therapy_options if o.drugs}
    assert list(options[drug].drugs) == [drug]
