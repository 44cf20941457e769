"""Fifth pharmacist sweep (MEDIUM): real product names that were refused, and interaction and caution
alerts the labels give that were missing (methotrexate, cisplatin, megestrol, imlunestrant, paclitaxel,
two anticoagulants)."""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import alerts_by_key, run, with_changes

from mbcnav.drugnames import resolve_drug
from mbcnav.errors import UnknownDrugError


def _case(**over: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "patient": {
            "age": 60, "sex": "F", "menopausal": "post", "weight_kg": 70, "height_cm": 165, "ecog": 1
        },
        "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 50, "her2_ihc": "0"},
        "metastatic_sites": ["bone"],
        "labs": {
            "creatinine_mg_dl": 0.8, "anc_per_ul": 3000, "platelets_per_ul": 200000, "hemoglobin_g_dl": 12.0
        },
        "line": 2,
    }
    return with_changes(case, over)


@pytest.mark.parametrize(
    ("name", "generic"),
    [
        ("Hypericum perforatum", "st john's wort"),
        ("Seville orange juice", "grapefruit"),
        ("pomelo", "grapefruit"),
        ("goldenseal", "goldenseal"),
        ("trimethoprim", "trimethoprim"),
        ("leucovorin", "leucovorin"),
        ("Jylamvo", "methotrexate"),
    ],
)
def test_real_products_from_the_pharmacist_lists_resolve(name: str, generic: str) -> None:
    assert resolve_drug(name) == generic


def test_a_food_name_is_never_offered_a_medicine_as_a_near_match() -> None:
    """'pomello' (a misspelt fruit) must not be offered 'pamelor (nortriptyline)'."""
    with pytest.raises(UnknownDrugError) as err:
        resolve_drug("pomello")
    assert not any("nortriptyline" in s for s in err.value.suggestions)


def test_herbal_list_assesses_and_hypericum_is_an_inducer() -> None:
    result = run(_case(current_meds=["Hypericum perforatum"], proposed_treatment=[{"drug": "Inluriyo"}]))
    assert "imlunestrant_cyp3a_inducer:imlunestrant" in alerts_by_key(result)


def test_imlunestrant_with_a_strong_cyp3a_inducer() -> None:
    case = _case(current_meds=["rifampin"], proposed_treatment=[{"drug": "imlunestrant"}])
    alerts = alerts_by_key(run(case))
    assert alerts["imlunestrant_cyp3a_inducer:imlunestrant"].severity == "warning"


@pytest.mark.parametrize("partner", ["Bactrim", "trimethoprim", "pantoprazole", "penicillin V", "probenecid"])
def test_methotrexate_label_partners_that_slow_its_clearance(partner: str) -> None:
    alerts = alerts_by_key(run(_case(current_meds=[partner], proposed_treatment=[{"drug": "methotrexate"}])))
    assert "methotrexate_clearance_partner:methotrexate" in alerts


def test_methotrexate_with_pleural_effusion_or_ascites() -> None:
    for site in ("pleura", "peritoneum"):
        case = _case(metastatic_sites=[site], proposed_treatment=[{"drug": "methotrexate"}])
        alerts = alerts_by_key(run(case))
        assert "methotrexate_third_space:methotrexate" in alerts, site
    assert "methotrexate_third_space:methotrexate" not in alerts_by_key(
        run(_case(proposed_treatment=[{"drug": "methotrexate"}]))
    )


@pytest.mark.parametrize("partner", ["gentamicin", "furosemide", "ibuprofen"])
def test_cisplatin_with_nephrotoxic_or_ototoxic_partner(partner: str) -> None:
    alerts = alerts_by_key(run(_case(current_meds=[partner], proposed_treatment=[{"drug": "cisplatin"}])))
    assert "cisplatin_nephro_ototoxic:cisplatin" in alerts


@pytest.mark.parametrize("condition", ["venous_thromboembolism", "diabetes"])
def test_megestrol_cautions_from_its_label(condition: str) -> None:
    alerts = alerts_by_key(
        run(_case(comorbidities=[condition], proposed_treatment=[{"drug": "Megace", "dose_mg": 160}]))
    )
    code = "megestrol_vte_history" if condition == "venous_thromboembolism" else "megestrol_diabetes"
    assert code + ":megestrol acetate" in alerts


def test_two_anticoagulants_at_once() -> None:
    alerts = alerts_by_key(run(_case(current_meds=["warfarin", "rivaroxaban"])))
    dup = [a for a in alerts.values() if a.code == "duplicate_anticoagulant"]
    assert len(dup) == 1 and dup[0].severity == "warning"
    assert not [a for a in alerts_by_key(run(_case(current_meds=["warfarin"]))).values()
                if a.code == "duplicate_anticoagulant"]


@pytest.mark.parametrize("partner", ["gemfibrozil", "ketoconazole"])
def test_paclitaxel_with_strong_cyp2c8_or_cyp3a4_inhibitor(partner: str) -> None:
    alerts = alerts_by_key(run(_case(current_meds=[partner], proposed_treatment=[{"drug": "paclitaxel"}])))
    assert "paclitaxel_cyp_inhibitor:paclitaxel" in alerts
