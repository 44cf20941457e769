"""The order check reads doses (pharmacist sweep, item 4): a proposed order above the label dose, above the
dose a renal or liver alert already states, or above the Calvert carboplatin dose gets a warning naming
both doses; a dose that cannot be checked says so. Cases are the pharmacist's probes, copied in."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _helpers import dose_alerts
from typer.testing import CliRunner

from mbcnav.case import parse_case
from mbcnav.cli import app
from mbcnav.errors import CaseValidationError
from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, reading_grade
from mbcnav.reasoning import doses, flags
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.calculators import CALCULATORS, calvert_dose
from mbcnav.reasoning.doses import dose_table

HR_POS = {"er_percent": 95, "pr_percent": 60, "her2_ihc": "1+"}
PATIENT = {"age": 60, "sex": "F", "weight_kg": 70, "height_cm": 165, "menopausal": "post", "ecog": 1}


def _case(orders: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "patient": dict(PATIENT),
        "tumor": HR_POS,
        "metastatic_sites": ["bone"],
        "labs": {"creatinine_mg_dl": 0.8},
        "proposed_treatment": orders,
        "line": 1,
    }
    data.update(extra)
    return data


# ---------------------------------------------------------------- label doses


def test_zoledronic_acid_8_mg_is_above_the_4_mg_label_dose() -> None:
    alerts = dose_alerts(_case([{"drug": "zoledronic acid", "dose_mg": 8}]))
    alert = alerts["zoledronic acid"]
    assert alert.code == "dose_above_label"
    # 2x the label dose: a contraindication for the order (third oncologist review, item 3)
    assert alert.severity == "contraindication"
    assert "ordered 8 mg" in alert.clinician and "4 mg" in alert.clinician
    assert "fda-label-zoledronic-acid" in alert.sources


def test_letrozole_25_mg_and_palbociclib_250_mg_are_both_flagged() -> None:
    alerts = dose_alerts(_case([{"drug": "letrozole", "dose_mg": 25}, {"drug": "Ibrance", "dose_mg": 250}]))
    assert "2.5 mg" in alerts["letrozole"].clinician
    assert "125 mg" in alerts["palbociclib"].clinician


def test_label_doses_pass_without_an_alert() -> None:
    orders = [
        {"drug": "letrozole", "dose_mg": 2.5},
        {"drug": "palbociclib", "dose_mg": 125},
        {"drug": "zoledronic acid", "dose_mg": 4},
        {"drug": "capecitabine", "dose_mg_m2": 1000},
    ]
    assert dose_alerts(_case(orders, pharmacogenomics={"dpyd": "normal"})) == {}


def test_capecitabine_2500_mg_m2_is_above_1250() -> None:
    data = _case([{"drug": "capecitabine", "dose_mg_m2": 2500}], pharmacogenomics={"dpyd": "normal"})
    alert = dose_alerts(data)["capecitabine"]
    assert alert.code == "dose_above_label" and "1250 mg/m2" in alert.clinician


def test_a_flat_mg_order_of_a_per_m2_drug_is_converted_with_the_bsa() -> None:
    # BSA (Mosteller) at 165 cm / 70 kg = 1.79 m2: 4000 mg = 2235 mg/m2, far above 1250
    data = _case([{"drug": "capecitabine", "dose_mg": 4000}], pharmacogenomics={"dpyd": "normal"})
    alert = dose_alerts(data)["capecitabine"]
    assert "BSA 1.79 m2" in alert.clinician
    # 2300 mg = 1285 mg/m2: within the 10% rounding margin of a converted dose (HOPA 2018)
    data = _case([{"drug": "capecitabine", "dose_mg": 2300}], pharmacogenomics={"dpyd": "normal"})
    assert dose_alerts(data) == {}


def test_a_dose_that_cannot_be_converted_is_not_passed_silently() -> None:
    data = _case([{"drug": "capecitabine", "dose_mg": 4000}], pharmacogenomics={"dpyd": "normal"})
    del data["patient"]["height_cm"]
    alert = dose_alerts(data)["capecitabine"]
    assert alert.code == "dose_not_checked"
    assert "mg/m2" in alert.clinician and "BSA" in alert.clinician


def test_a_drug_without_a_label_dose_on_file_says_the_dose_was_not_checked() -> None:
    data = _case([{"drug": "cyclophosphamide", "dose_mg_m2": 600}], tumor={"er_percent": 0, "her2_ihc": "0"})
    alert = dose_alerts(data)["cyclophosphamide"]
    assert alert.code == "dose_not_checked" and "not checked" in alert.clinician


def test_dose_alerts_do_not_demote_options_with_the_drug() -> None:
    result = assess(parse_case(_case([{"drug": "letrozole", "dose_mg": 25}])))
    with_letrozole = [o for o in result.therapy_options if "letrozole" in o.drugs]
    assert with_letrozole and not any(o.flagged for o in with_letrozole)


# ---------------------------------------------------------------- doses the renal alerts state


def test_zometa_4_mg_at_crcl_36_is_above_the_label_3_mg() -> None:
    # pharmacist case r01: 72 y, 58 kg, creatinine 1.3 -> CrCl 35.8; label Table 1: CrCl 30-39 -> 3.0 mg
    data = _case(
        [{"drug": "Zometa", "dose_mg": 4}],
        patient={"age": 72, "sex": "F", "weight_kg": 58, "height_cm": 160, "menopausal": "post", "ecog": 1},
        labs={"creatinine_mg_dl": 1.3},
    )
    result = assess(parse_case(data))
    codes = {(a.code, a.drug) for a in result.safety_alerts}
    assert ("renal_dose_adjustment", "zoledronic acid") in codes
    alert = next(a for a in result.safety_alerts if a.code == "dose_above_adjusted")
    assert "ordered 4 mg" in alert.clinician and "CrCl 36" in alert.clinician and "-> 3 mg" in alert.clinician


def test_olaparib_300_mg_at_crcl_43_is_above_200_mg() -> None:
    data = _case(
        [{"drug": "olaparib", "dose_mg": 300}],
        patient={"age": 59, "sex": "F", "weight_kg": 70, "height_cm": 168, "menopausal": "post", "ecog": 1},
        labs={"creatinine_mg_dl": 1.55},
        tumor={**HR_POS, "her2_ihc": "0", "gbrca": "BRCA2"},
    )
    alert = dose_alerts(data)["olaparib"]
    assert alert.code == "dose_above_adjusted" and "200 mg" in alert.clinician
    data["proposed_treatment"] = [{"drug": "olaparib", "dose_mg": 200}]
    assert dose_alerts(data) == {}


# ---------------------------------------------------------------- doses the liver alerts state

TNBC = {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0"}


def _liver_case(orders: list[dict[str, Any]], child_pugh: str | None = None, **extra: Any) -> dict[str, Any]:
    data = _case(orders, metastatic_sites=["liver", "bone"], **extra)
    if child_pugh is not None:
        data["patient"]["child_pugh"] = child_pugh
    return data


def test_halaven_1_4_mg_m2_with_cirrhosis_child_pugh_b_is_above_0_7_mg_m2() -> None:
    # pharmacist's probe; eribulin label 2.1: Child-Pugh B (moderate hepatic impairment) -> 0.7 mg/m2
    data = _liver_case(
        [{"drug": "Halaven", "dose_mg_m2": 1.4}], "B", comorbidities=["cirrhosis"], tumor=TNBC, line=3
    )
    result = assess(parse_case(data))
    assert ("hepatic_dose_adjustment", "eribulin") in {(a.code, a.drug) for a in result.safety_alerts}
    alert = dose_alerts(data)["eribulin"]
    assert alert.code == "dose_above_adjusted" and alert.severity == "warning"
    assert "ordered 1.4 mg/m2" in alert.clinician and "Child-Pugh B" in alert.clinician
    assert "-> 0.7 mg/m2" in alert.clinician
    assert "fda-label-eribulin" in alert.sources
    data["proposed_treatment"] = [{"drug": "Halaven", "dose_mg_m2": 0.7}]
    assert dose_alerts(data) == {}


def test_eribulin_child_pugh_a_is_held_to_1_1_mg_m2() -> None:
    data = _liver_case([{"drug": "eribulin", "dose_mg_m2": 1.4}], "A", tumor=TNBC, line=3)
    assert "-> 1.1 mg/m2" in dose_alerts(data)["eribulin"].clinician


def test_eribulin_liver_and_kidney_bands_name_the_lower_dose() -> None:
    # CrCl 15-49 -> 1.1 mg/m2 (renal band) and Child-Pugh B -> 0.7 mg/m2: the order is held to 0.7
    data = _liver_case(
        [{"drug": "eribulin", "dose_mg_m2": 1.1}],
        "B",
        tumor=TNBC,
        line=3,
        patient={**PATIENT, "age": 72, "weight_kg": 58},
        labs={"creatinine_mg_dl": 1.3},
    )
    codes = {(a.code, a.drug) for a in assess(parse_case(data)).safety_alerts}
    assert ("renal_dose_adjustment", "eribulin") in codes
    assert "-> 0.7 mg/m2" in dose_alerts(data)["eribulin"].clinician


def test_child_pugh_without_a_label_dose_change_raises_no_dose_alert() -> None:
    # fulvestrant's label changes the dose at Child-Pugh B only; eribulin's names no dose for C
    assert dose_alerts(_liver_case([{"drug": "fulvestrant", "dose_mg": 500}], "A")) == {}
    data = _liver_case([{"drug": "eribulin", "dose_mg_m2": 1.4}], "C", tumor=TNBC, line=3)
    assert dose_alerts(data) == {}


def test_fulvestrant_500_mg_at_child_pugh_b_is_above_250_mg() -> None:
    alert = dose_alerts(_liver_case([{"drug": "Faslodex", "dose_mg": 500}], "B"))["fulvestrant"]
    assert alert.code == "dose_above_adjusted" and "-> 250 mg" in alert.clinician
    assert dose_alerts(_liver_case([{"drug": "fulvestrant", "dose_mg": 250}], "B")) == {}


def test_cdk46_starting_doses_at_child_pugh_c() -> None:
    # ribociclib label: Child-Pugh B or C -> 400 mg; palbociclib label: Child-Pugh C -> 75 mg
    orders = [{"drug": "Kisqali", "dose_mg": 600}, {"drug": "letrozole", "dose_mg": 2.5}]
    alert = dose_alerts(_liver_case(orders, "C"))["ribociclib"]
    assert alert.code == "dose_above_adjusted" and "-> 400 mg" in alert.clinician
    assert "ribociclib" in dose_alerts(_liver_case(orders, "B"))
    orders = [{"drug": "palbociclib", "dose_mg": 125}, {"drug": "letrozole", "dose_mg": 2.5}]
    assert "-> 75 mg" in dose_alerts(_liver_case(orders, "C"))["palbociclib"].clinician
    assert dose_alerts(_liver_case(orders, "B")) == {}  # palbociclib: no change at Child-Pugh B


def test_paclitaxel_bilirubin_bands_hold_the_3_hour_dose_to_135_and_90() -> None:
    # paclitaxel label hepatic table (3-hour infusion): bilirubin 1.26-2.0 x ULN -> 135, 2.01-5.0 -> 90 mg/m2
    order = [{"drug": "paclitaxel", "dose_mg_m2": 175}]
    data = _liver_case(order, tumor=TNBC, labs={"creatinine_mg_dl": 0.8, "bilirubin_mg_dl": 1.8})
    alert = dose_alerts(data)["paclitaxel"]
    assert alert.code == "dose_above_adjusted"
    assert "bilirubin 1.5 x ULN" in alert.clinician and "-> 135 mg/m2" in alert.clinician
    data = _liver_case(order, tumor=TNBC, labs={"creatinine_mg_dl": 0.8, "bilirubin_mg_dl": 3.0})
    assert "-> 90 mg/m2" in dose_alerts(data)["paclitaxel"].clinician
    weekly = [{"drug": "paclitaxel", "dose_mg_m2": 80}]
    data = _liver_case(weekly, tumor=TNBC, labs={"creatinine_mg_dl": 0.8, "bilirubin_mg_dl": 1.8})
    assert dose_alerts(data) == {}


def test_every_adjusted_dose_names_an_existing_safety_rule() -> None:
    table = dose_table()  # loading checks each band against safety.yaml
    assert table.adjusted["zoledronic acid"] and table.adjusted["olaparib"]
    for drug in ("eribulin", "fulvestrant", "ribociclib", "palbociclib", "paclitaxel"):
        assert any(a.rule == "hepatic_dose_adjustment" for a in table.adjusted[drug]), drug


def _load_with(tmp_path: Any, monkeypatch: pytest.MonkeyPatch, band: str, replacement: str) -> None:
    for name in ("doses.yaml", "safety.yaml", "interactions.yaml"):
        text = (doses.RULES_DIR / name).read_text(encoding="utf-8")
        if name == "doses.yaml":
            assert band in text
            text = text.replace(band, replacement)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(doses, "RULES_DIR", tmp_path)
    monkeypatch.setattr(flags, "RULES_DIR", tmp_path)
    flags.rules_file.cache_clear()
    dose_table.cache_clear()
    try:
        dose_table()
    finally:
        monkeypatch.undo()
        flags.rules_file.cache_clear()
        dose_table.cache_clear()


def test_a_liver_band_whose_when_matches_no_safety_rule_is_rejected_when_loaded(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    band = 'drug: fulvestrant, rule: hepatic_dose_adjustment, when: ["child_pugh:B"]'
    with pytest.raises(ValueError, match="fulvestrant"):
        _load_with(tmp_path, monkeypatch, band, band.replace("child_pugh:B", "child_pugh:A"))
    with pytest.raises(ValueError, match="neither tests nor when"):
        _load_with(tmp_path, monkeypatch, band, "drug: fulvestrant, rule: hepatic_dose_adjustment")
    assert dose_table().adjusted["fulvestrant"]


# ---------------------------------------------------------------- carboplatin (Calvert)


def test_calvert_against_nccn_order_template_maximum_doses() -> None:
    # NCCN Chemotherapy Order Templates, Appendix B: GFR capped at 125 -> AUC 6: 900 mg, 5: 750, 4: 600
    assert calvert_dose(6, 140) == 900
    assert calvert_dose(5, 125) == 750
    assert calvert_dose(4, 200) == 600
    # Calvert 1989: dose = AUC x (GFR + 25)
    assert calvert_dose(5, 90) == 575


def test_calvert_calculator_is_registered_and_cites_calvert_1989() -> None:
    calc = CALCULATORS["calvert"]
    result = calc.compute({"target_auc": 6, "gfr_ml_min": 44.9})
    assert result.value == pytest.approx(419.4)
    assert "calvert-1989" in result.sources
    kb = load_knowledge_base()
    assert all(s in kb.sources for s in calc.sources)


def test_calc_calvert_on_the_command_line() -> None:
    out = CliRunner().invoke(app, ["calc", "calvert", "--target-auc", "5", "--gfr-ml-min", "140", "--json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert result["value"] == 750 and result["values"]["gfr_used_ml_min"] == 125


def _carbo_case(order: dict[str, Any]) -> dict[str, Any]:
    # pharmacist case r05: 64 y, 95 kg, creatinine 1.9 -> CrCl 44.9
    return _case(
        [order],
        patient={"age": 64, "sex": "F", "weight_kg": 95, "height_cm": 162, "menopausal": "post", "ecog": 1},
        tumor={"er_percent": 0, "pr_percent": 0, "her2_ihc": "0"},
        metastatic_sites=["lung", "liver"],
        labs={"creatinine_mg_dl": 1.9},
        line=2,
    )


def test_carboplatin_750_mg_at_crcl_45_is_above_the_calvert_auc_6_dose() -> None:
    alert = dose_alerts(_carbo_case({"drug": "carboplatin", "dose_mg": 750}))["carboplatin"]
    assert alert.code == "dose_above_calvert"
    assert "419 mg" in alert.clinician and "AUC 10.7" in alert.clinician
    assert "calvert-1989" in alert.sources


def test_carboplatin_checked_against_the_orders_target_auc() -> None:
    # AUC 2 (gemcitabine-carboplatin days 1 and 8): 2 x (44.9 + 25) = 140 mg; 420 mg is far above it
    alert = dose_alerts(_carbo_case({"drug": "carboplatin", "dose_mg": 420, "target_auc": 2}))["carboplatin"]
    assert "140 mg" in alert.clinician
    assert dose_alerts(_carbo_case({"drug": "carboplatin", "dose_mg": 140, "target_auc": 2})) == {}


def test_carboplatin_without_a_crcl_is_not_passed_silently() -> None:
    data = _carbo_case({"drug": "carboplatin", "dose_mg": 750})
    del data["labs"]
    assert dose_alerts(data)["carboplatin"].code == "dose_not_checked"


def test_target_auc_is_only_for_carboplatin() -> None:
    with pytest.raises(CaseValidationError) as err:
        parse_case(_case([{"drug": "letrozole", "dose_mg": 2.5, "target_auc": 5}]))
    assert any("carboplatin" in message for _, message in err.value.problems)


# ---------------------------------------------------------------- texts


def test_dose_texts_are_plain_and_cited() -> None:
    table = dose_table()
    for kind, text in table.texts.items():
        assert reading_grade(text["public"].format(drug="zoledronic acid")) <= MAX_PUBLIC_GRADE, kind
    kb = load_knowledge_base()
    cited = {s for label in table.labels.values() for s in label.sources}
    cited |= {*table.calvert_sources, *table.margin_sources}
    assert cited <= set(kb.sources)
