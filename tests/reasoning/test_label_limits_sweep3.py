"""Third pharmacist sweep (H2, H3, H5): label contraindications and hepatic/interaction doses.

Toremifene's boxed contraindications (QT prolongation, uncorrected low K or Mg), ixabepilone with
capecitabine in hepatic impairment (boxed) and its monotherapy hepatic table, and the hepatic or
interaction doses of lapatinib, everolimus, tucatinib and vinorelbine, checked through assess() on
cases cut down from the pharmacist's probes (scratch-pharm3: v07, c24, v05, c13, c14, v08, v06).
"""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import alerts_by_pair as _alerts

from mbcnav.case import parse_case
from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, reading_grade
from mbcnav.reasoning.safety import safety_rules

HR_POS = {"er_percent": 95, "pr_percent": 60, "her2_ihc": "1+"}
HER2_POS = {"er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"}


def _case(
    orders: list[dict[str, Any]],
    labs: dict[str, Any] | None = None,
    child_pugh: str | None = None,
    tumor: dict[str, Any] = HR_POS,
    **extra: Any,
) -> dict[str, Any]:
    patient: dict[str, Any] = {
        "age": 62,
        "sex": "F",
        "weight_kg": 70,
        "height_cm": 165,
        "menopausal": "post",
        "ecog": 1,
    }
    if child_pugh:
        patient["child_pugh"] = child_pugh
    data: dict[str, Any] = {
        "patient": patient,
        "tumor": tumor,
        "metastatic_sites": ["bone", "liver"],
        "labs": {"creatinine_mg_dl": 0.8, **(labs or {})},
        "proposed_treatment": orders,
        "line": 3,
    }
    data.update(extra)
    return data


# ---------------------------------------------------------------- H2: toremifene (Fareston boxed warning)


def test_toremifene_at_qtcf_480_with_low_k_and_mg_is_contraindicated_fareston_label() -> None:
    alerts = _alerts(
        _case(
            [{"drug": "Fareston", "dose_mg": 60}],
            {"qtcf_ms": 480, "potassium_mmol_l": 3.1, "magnesium_mg_dl": 1.4},
        )
    )
    qt = alerts[("qtcf_prolonged", "toremifene")]
    assert qt.severity == "contraindication" and "QTcF 480 ms" in qt.clinician
    salts = alerts[("electrolytes_low", "toremifene")]
    assert salts.severity == "contraindication"
    assert "Potassium 3.1" in salts.clinician and "Magnesium 1.4" in salts.clinician


def test_toremifene_current_at_qtcf_462_is_contraindicated_like_ribociclib() -> None:
    alerts = _alerts(_case([], {"qtcf_ms": 462}, current_treatment=[{"drug": "toremifene"}]))
    assert alerts[("qtcf_prolonged", "toremifene")].severity == "contraindication"


def test_toremifene_with_normal_ecg_and_salts_has_no_qt_or_salt_alert() -> None:
    alerts = _alerts(
        _case(
            [{"drug": "toremifene", "dose_mg": 60}],
            {"qtcf_ms": 440, "potassium_mmol_l": 4.0, "magnesium_mg_dl": 2.0},
        )
    )
    assert ("qtcf_prolonged", "toremifene") not in alerts
    assert ("electrolytes_low", "toremifene") not in alerts


def test_toremifene_qt_partners_get_the_boxed_warning_text_fareston_label() -> None:
    alerts = _alerts(_case([{"drug": "Fareston", "dose_mg": 60}], current_meds=["amiodarone", "Biaxin"]))
    qt = alerts[("qt_drug_combination", "toremifene")]
    assert "boxed warning" in qt.clinician and "toremifene" in qt.public.lower()
    assert set(qt.partners) >= {"amiodarone", "clarithromycin"}
    assert "clarithromycin" in alerts[("toremifene_cyp3a_inhibitor", "toremifene")].partners


# ---------------------------------------------------------------- H3: ixabepilone (Ixempra boxed warning)


IXA_CAPE = [{"drug": "Ixempra", "dose_mg_m2": 40}, {"drug": "capecitabine", "dose_mg_m2": 1000}]


@pytest.mark.parametrize(
    ("labs", "words"),
    [({"ast_u_l": 130}, "AST/ALT 3.2 x ULN"), ({"bilirubin_mg_dl": 1.4}, "Bilirubin 1.2 x ULN")],
)
def test_ixabepilone_with_capecitabine_in_hepatic_impairment_is_contraindicated_ixempra_label(
    labs: dict[str, Any], words: str
) -> None:
    alert = _alerts(_case(IXA_CAPE, labs))[("hepatic_contraindication", "ixabepilone")]
    assert alert.severity == "contraindication"
    assert words in alert.clinician and "capecitabine" in alert.clinician


def test_ixabepilone_with_current_capecitabine_counts_as_the_combination() -> None:
    data = _case(
        [{"drug": "ixabepilone", "dose_mg_m2": 40}], {"alt_u_l": 120}, current_treatment=[{"drug": "Xeloda"}]
    )
    assert _alerts(data)[("hepatic_contraindication", "ixabepilone")].severity == "contraindication"


def test_ixabepilone_with_capecitabine_and_normal_liver_tests_passes() -> None:
    alerts = _alerts(_case(IXA_CAPE, {"ast_u_l": 35, "alt_u_l": 30, "bilirubin_mg_dl": 0.8}))
    assert not [k for k in alerts if k[1] == "ixabepilone"]


@pytest.mark.parametrize(
    ("labs", "limit"),
    [
        ({"ast_u_l": 200, "bilirubin_mg_dl": 1.0}, "-> 32 mg/m2"),
        ({"ast_u_l": 30, "bilirubin_mg_dl": 1.5}, "-> 32 mg/m2"),
        ({"ast_u_l": 30, "bilirubin_mg_dl": 2.4}, "-> 30 mg/m2"),
    ],
)
def test_ixabepilone_monotherapy_follows_the_label_hepatic_table(labs: dict[str, Any], limit: str) -> None:
    alerts = _alerts(_case([{"drug": "ixabepilone", "dose_mg_m2": 40}], labs))
    assert alerts[("hepatic_dose_adjustment", "ixabepilone")].severity == "warning"
    assert limit in alerts[("dose_above_adjusted", "ixabepilone")].clinician
    assert ("hepatic_contraindication", "ixabepilone") not in alerts


def test_ixabepilone_monotherapy_32_mg_m2_at_ast_5x_uln_passes_the_order_check() -> None:
    alerts = _alerts(
        _case([{"drug": "ixabepilone", "dose_mg_m2": 32}], {"ast_u_l": 200, "bilirubin_mg_dl": 1.0})
    )
    assert ("dose_above_adjusted", "ixabepilone") not in alerts


@pytest.mark.parametrize("labs", [{"ast_u_l": 480}, {"bilirubin_mg_dl": 4.0}])
def test_ixabepilone_monotherapy_is_not_recommended_above_the_table(labs: dict[str, Any]) -> None:
    alert = _alerts(_case([{"drug": "ixabepilone", "dose_mg_m2": 40}], labs))[
        ("hepatic_contraindication", "ixabepilone")
    ]
    assert alert.severity == "contraindication" and "not recommended" in alert.clinician


# ------------------------------------------------ H5: lapatinib, everolimus, tucatinib, vinorelbine


def test_lapatinib_child_pugh_c_with_capecitabine_is_held_to_750_mg_tykerb_label() -> None:
    orders = [{"drug": "Tykerb", "dose_mg": 1250}, {"drug": "capecitabine", "dose_mg_m2": 1000}]
    alerts = _alerts(_case(orders, child_pugh="C", tumor=HER2_POS))
    assert "750 mg" in alerts[("hepatic_dose_adjustment", "lapatinib")].clinician
    assert "-> 750 mg" in alerts[("dose_above_adjusted", "lapatinib")].clinician


def test_lapatinib_child_pugh_c_with_letrozole_is_held_to_1000_mg_tykerb_label() -> None:
    over = _case(
        [{"drug": "lapatinib", "dose_mg": 1500}, {"drug": "letrozole", "dose_mg": 2.5}], child_pugh="C"
    )
    assert "-> 1000 mg" in _alerts(over)[("dose_above_adjusted", "lapatinib")].clinician
    at = _case(
        [{"drug": "lapatinib", "dose_mg": 1000}, {"drug": "letrozole", "dose_mg": 2.5}], child_pugh="C"
    )
    assert ("dose_above_adjusted", "lapatinib") not in _alerts(at)


def test_lapatinib_with_ketoconazole_and_child_pugh_c_is_held_to_500_mg_tykerb_label() -> None:
    orders = [{"drug": "Tykerb", "dose_mg": 1250}, {"drug": "capecitabine", "dose_mg_m2": 1000}]
    alerts = _alerts(_case(orders, child_pugh="C", tumor=HER2_POS, current_meds=["ketoconazole"]))
    assert "-> 500 mg" in alerts[("dose_above_adjusted", "lapatinib")].clinician


@pytest.mark.parametrize(("child_pugh", "limit"), [("A", "7.5 mg"), ("B", "5 mg"), ("C", "2.5 mg")])
def test_everolimus_child_pugh_doses_afinitor_label(child_pugh: str, limit: str) -> None:
    orders = [{"drug": "Afinitor", "dose_mg": 10}, {"drug": "exemestane", "dose_mg": 25}]
    alerts = _alerts(_case(orders, child_pugh=child_pugh))
    assert f"everolimus {limit}" in alerts[("hepatic_dose_adjustment", "everolimus")].clinician
    assert f"-> {limit}" in alerts[("dose_above_adjusted", "everolimus")].clinician


def test_tucatinib_child_pugh_c_is_held_to_200_mg_and_b_has_no_change_tukysa_label() -> None:
    order = [{"drug": "Tukysa", "dose_mg": 300}]
    severe = _alerts(_case(order, child_pugh="C", tumor=HER2_POS))
    assert "-> 200 mg" in severe[("dose_above_adjusted", "tucatinib")].clinician
    moderate = _alerts(_case(order, child_pugh="B", tumor=HER2_POS))
    assert ("hepatic_dose_adjustment", "tucatinib") not in moderate
    assert ("dose_above_adjusted", "tucatinib") not in moderate


@pytest.mark.parametrize(("bilirubin", "limit"), [(2.5, "-> 15 mg/m2"), (3.4, "-> 7.5 mg/m2")])
def test_vinorelbine_bilirubin_bands_navelbine_label(bilirubin: float, limit: str) -> None:
    alerts = _alerts(_case([{"drug": "Navelbine", "dose_mg_m2": 30}], {"bilirubin_mg_dl": bilirubin}))
    assert limit in alerts[("dose_above_adjusted", "vinorelbine")].clinician


def test_vinorelbine_at_bilirubin_2_mg_dl_has_full_dose() -> None:
    alerts = _alerts(_case([{"drug": "vinorelbine", "dose_mg_m2": 30}], {"bilirubin_mg_dl": 2.0}))
    assert ("dose_above_adjusted", "vinorelbine") not in alerts


def test_new_rule_texts_read_at_grade_8_or_below() -> None:
    rules = safety_rules().rules_by_drug
    for drug in ("toremifene", "ixabepilone", "everolimus", "tucatinib", "lapatinib", "vinorelbine"):
        for rule in rules[drug]:
            if "{" not in rule.public:
                assert reading_grade(rule.public) <= MAX_PUBLIC_GRADE, (drug, rule.code, rule.public)


@pytest.mark.parametrize("order", [{"drug": "Afinitor", "dose_mg": 10}, {"drug": "Tukysa", "dose_mg": 300}])
def test_cirrhosis_without_a_class_asks_for_it_for_the_new_child_pugh_drugs(order: dict[str, Any]) -> None:
    data = _case([order], comorbidities=["cirrhosis"])
    drug = parse_case(data).proposed_treatment[0].drug
    assert "record patient.child_pugh" in _alerts(data)[("hepatic_dose_adjustment", drug)].clinician
