"""Third pharmacist sweep (L1, L2, L4, L6): topical forms of a co-medication read as the tablet,
real medicine names refused, the T-DM1 "stop" and "wait" alerts shown together, and the obesity
CrCl caveat on a patient on dialysis."""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import hr_positive_case as _hr_case

from mbcnav.case import parse_case
from mbcnav.drugnames import read_drug_name
from mbcnav.reasoning.assess import assess


def _alerts(data: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(a.code, a.drug, a.severity) for a in assess(parse_case(data)).safety_alerts]


def _her2_tdm1_liver() -> dict[str, Any]:
    """/work/scratch-pharm3 c10: T-DM1 with AST 250, ALT 180 (> 3 x ULN) and bilirubin 2.6 (> 2 x ULN)."""
    return {
        "patient": {
            "age": 58, "sex": "F", "menopausal": "post", "weight_kg": 68, "height_cm": 164, "ecog": 1
        },
        "tumor": {"histology": "IDC", "er_percent": 80, "pr_percent": 20, "her2_ihc": "3+"},
        "metastatic_sites": ["liver"],
        "labs": {
            "creatinine_mg_dl": 0.8, "bilirubin_mg_dl": 2.6, "alt_u_l": 180, "ast_u_l": 250,
            "anc_per_ul": 3500, "platelets_per_ul": 230000, "hemoglobin_g_dl": 12.5,
        },
        "line": 2,
        "prior_treatment": [
            {"drug": "trastuzumab", "setting": "metastatic", "progressed": True, "months": 14}
        ],
        "current_treatment": [{"drug": "Kadcyla", "dose_mg_kg": 3.6, "cycle": 4, "day": 1}],
    }


def test_tdm1_permanent_stop_replaces_the_bilirubin_hold_per_kadcyla_label() -> None:
    alerts = _alerts(_her2_tdm1_liver())
    tdm1 = [(code, sev) for code, drug, sev in alerts if drug == "trastuzumab emtansine"]
    assert ("hepatic_contraindication", "contraindication") in tdm1
    assert not any(code == "hepatic_dose_adjustment" for code, _ in tdm1), tdm1


def test_tdm1_bilirubin_hold_still_shows_when_the_stop_does_not_apply() -> None:
    data = _her2_tdm1_liver()
    data["labs"].update(alt_u_l=30, ast_u_l=30)  # transaminases normal: the label's hold, not its stop
    tdm1 = [(code, sev) for code, drug, sev in _alerts(data) if drug == "trastuzumab emtansine"]
    assert ("hepatic_dose_adjustment", "warning") in tdm1
    assert not any(code == "hepatic_contraindication" for code, _ in tdm1)


def _dialysis_bone() -> dict[str, Any]:
    """/work/scratch-pharm3 c19: on dialysis, weight > 120% of ideal, denosumab and letrozole proposed."""
    return {
        "patient": {
            "age": 58, "sex": "F", "menopausal": "post", "weight_kg": 68, "height_cm": 164, "ecog": 1,
            "on_dialysis": True,
        },
        "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 50, "her2_ihc": "1+"},
        "metastatic_sites": ["bone"],
        "labs": {"creatinine_mg_dl": 7.2, "calcium_mg_dl": 9.4, "albumin_g_dl": 4.0},
        "line": 1,
        "proposed_treatment": [{"drug": "Xgeva", "dose_mg": 120}, {"drug": "letrozole", "dose_mg": 2.5}],
    }


def test_no_obesity_crcl_caveat_on_dialysis_where_cockcroft_gault_has_no_meaning() -> None:
    codes = {code for code, _, _ in _alerts(_dialysis_bone())}
    assert "crcl_weight_caveat" not in codes


def test_obesity_crcl_caveat_still_shows_off_dialysis() -> None:
    data = _dialysis_bone()
    data["patient"]["on_dialysis"] = False
    data["labs"]["creatinine_mg_dl"] = 3.0  # ideal-weight CrCl < 30: the denosumab band
    assert ("crcl_weight_caveat", "denosumab", "warning") in _alerts(data)


# ---------------------------------------------------------------- L1, L2: product forms and names

def _partners(data: dict[str, Any]) -> set[str]:
    return {p for a in assess(parse_case(data)).safety_alerts for p in a.partners}


@pytest.mark.parametrize(
    "name", ["ketoconazole cream", "ketoconazole 2% cream", "Nizoral shampoo", "Nizoral A-D"]
)
def test_ketoconazole_on_the_skin_raises_no_cyp3a_alert_per_cream_label(name: str) -> None:
    """Ketoconazole cream label: not detected in blood after application, so none of the tablet's CYP3A,
    UGT1A1 or QT alerts; the name is still recognised (not an unknown-medicine error)."""
    assert read_drug_name(name).generic == "ketoconazole (topical)"
    order = [{"drug": "palbociclib", "dose_mg": 125}]
    assert "ketoconazole (topical)" not in _partners(_hr_case([name], order))
    assert "ketoconazole" in _partners(_hr_case(["ketoconazole 200 mg tablet"], order))


def test_sacituzumab_with_ketoconazole_cream_has_no_ugt1a1_alert_c28() -> None:
    data = _hr_case(["ketoconazole cream"], [{"drug": "Trodelvy", "dose_mg_kg": 10}])
    data["tumor"].update(er_percent=0, pr_percent=0, her2_ihc="0")
    codes = {(a.code, a.drug) for a in assess(parse_case(data)).safety_alerts}
    assert not any("ugt1a1" in code or "cyp3a" in code for code, _ in codes), codes


@pytest.mark.parametrize(
    ("name", "generic"),
    [
        ("Nuedexta", "dextromethorphan-quinidine"),
        ("dextromethorphan-quinidine", "dextromethorphan-quinidine"),
        ("dextromethorphan/quinidine", "dextromethorphan-quinidine"),
        ("DHEA", "prasterone"),
        ("Intrarosa", "prasterone"),
        ("Imvexxy", "estradiol"),
        ("Osphena", "ospemifene"),
        ("fosphenytoin", "fosphenytoin"),
        ("Cerebyx", "fosphenytoin"),
        ("Alka-Seltzer", "aspirin-sodium bicarbonate-citric acid"),
        ("Goody's powder", "aspirin-acetaminophen-caffeine"),
        ("Creon", "pancrelipase"),
        ("red clover", "red clover"),
        ("Advil PM", "ibuprofen-diphenhydramine"),
    ],
)
def test_real_medicine_names_are_read_with_every_ingredient(name: str, generic: str) -> None:
    assert read_drug_name(name).generic == generic


def test_nuedexta_keeps_quinidine_strong_cyp2d6_inhibition_against_tamoxifen_per_its_label() -> None:
    alerts = assess(parse_case(_hr_case(["Nuedexta"], [{"drug": "tamoxifen", "dose_mg": 20}]))).safety_alerts
    assert any(
        a.drug == "tamoxifen" and "cyp2d6" in a.code and "dextromethorphan-quinidine" in a.partners
        for a in alerts
    )


def test_ospemifene_and_prasterone_are_flagged_after_breast_cancer_per_their_labels() -> None:
    alerts = assess(parse_case(_hr_case(["Osphena", "Intrarosa"]))).safety_alerts
    flagged = {a.drug for a in alerts if a.code == "medicine_not_for_breast_cancer"}
    assert flagged == {"ospemifene", "prasterone"}
    with_ai = assess(parse_case(_hr_case(["DHEA"], [{"drug": "letrozole", "dose_mg": 2.5}]))).safety_alerts
    assert any(a.code == "ai_estrogen" and "prasterone" in a.partners for a in with_ai)


def test_fosphenytoin_is_a_strong_cyp3a_inducer_like_phenytoin_cerebyx_label() -> None:
    assert "fosphenytoin" in _partners(_hr_case(["Cerebyx"], [{"drug": "palbociclib", "dose_mg": 125}]))
