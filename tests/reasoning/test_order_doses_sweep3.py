"""Order and dose checks from the third pharmacist sweep (issue 4: H1, L5, M1, M8, M3, M4).

Cases are the pharmacist's probes (/work/scratch-pharm3), copied in and trimmed; each test runs through
parse_case and assess(), or the CLI, and fails on the code before the fix.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from _helpers import NORMAL_LABS
from _helpers import run as _assess
from typer.testing import CliRunner

from mbcnav.assessment import Assessment
from mbcnav.cli import app
from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, reading_grade
from mbcnav.reasoning.calculators import calvert_dose

TNBC = {"histology": "IDC", "er_percent": 0, "pr_percent": 0, "her2_ihc": "0"}
HR_POS = {"histology": "IDC", "er_percent": 90, "pr_percent": 50, "her2_ihc": "1+"}


def _case(patient: dict[str, Any], orders: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "patient": {"sex": "F", "ecog": 1, "height_cm": 164, **patient},
        "tumor": TNBC,
        "metastatic_sites": ["lung"],
        "labs": dict(NORMAL_LABS),
        "line": 1,
        "proposed_treatment": orders,
    }
    data.update(extra)
    return data


def _dose_alert(result: Assessment, drug: str) -> Any:
    found = [a for a in result.safety_alerts if a.drug == drug and a.code.startswith("dose_")]
    return found[0] if found else None


def _row(result: Assessment, drug: str) -> Any:
    return next(o for o in result.proposed_orders if o.drug == drug)


# ---------------------------------------------------------------- H1: a computed CrCl above 250


def _obese_carbo(order: dict[str, Any]) -> dict[str, Any]:
    # c05: 44 y, 125 kg, 160 cm, creatinine 0.55 -> Cockcroft-Gault CrCl 257.6 mL/min
    labs = {**NORMAL_LABS, "creatinine_mg_dl": 0.55}
    return _case({"age": 44, "menopausal": "pre", "weight_kg": 125, "height_cm": 160}, [order], labs=labs)


def test_carboplatin_order_at_crcl_258_is_assessed_and_capped_at_125() -> None:
    result = _assess(_obese_carbo({"drug": "carboplatin", "dose_mg": 1000, "target_auc": 6}))
    assert result.calculations["crcl_ml_min"] > 250
    alert = _dose_alert(result, "carboplatin")
    # NCCN order templates: GFR capped at 125 -> AUC 6 gives at most 900 mg
    assert alert.code == "dose_above_calvert"
    assert "900 mg" in alert.clinician and "capped from 257.6" in alert.clinician


def test_carboplatin_case_at_crcl_258_exits_0_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "c05.json"
    path.write_text(json.dumps(_obese_carbo({"drug": "carboplatin", "dose_mg": 900, "target_auc": 6})))
    out = CliRunner().invoke(app, ["assess", str(path), "--json"])
    assert out.exit_code == 0, out.output
    assert "gfr_ml_min" not in out.output


def test_calvert_dose_caps_a_computed_gfr_above_250() -> None:
    assert calvert_dose(6, 257.6) == 900


# ---------------------------------------------------------------- L5: an order given only as a target AUC


def test_carboplatin_order_with_only_a_target_auc_shows_the_calvert_dose() -> None:
    # v09: AUC 5 at CrCl 257.6 (capped at 125): 5 x (125 + 25) = 750 mg
    row = _row(_assess(_obese_carbo({"drug": "carboplatin", "target_auc": 5})), "carboplatin")
    assert row.dose.startswith("AUC 5") and "750 mg" in row.dose


def test_target_auc_only_without_a_crcl_says_the_dose_was_not_worked_out() -> None:
    data = _obese_carbo({"drug": "carboplatin", "target_auc": 5})
    del data["labs"]["creatinine_mg_dl"]
    row = _row(_assess(data), "carboplatin")
    assert "AUC 5" in row.dose and "no CrCl" in row.dose


# ---------------------------------------------------------------- M4: carboplatin on dialysis


def _dialysis(order: dict[str, Any]) -> dict[str, Any]:
    # c06: on haemodialysis, creatinine 6.8 (Cockcroft-Gault would say 9.1 mL/min)
    labs = {**NORMAL_LABS, "creatinine_mg_dl": 6.8}
    return _case(
        {"age": 63, "menopausal": "post", "weight_kg": 68, "on_dialysis": True},
        [order],
        labs=labs,
        comorbidities=["end_stage_renal_disease"],
    )


def test_carboplatin_on_dialysis_is_dosed_with_gfr_0_not_cockcroft_gault() -> None:
    result = _assess(_dialysis({"drug": "carboplatin", "dose_mg": 400, "target_auc": 5}))
    alert = _dose_alert(result, "carboplatin")
    # Calvert with GFR taken as 0: 5 x 25 = 125 mg (not 5 x (9.1 + 25) = 170 mg)
    assert alert.code == "dose_above_calvert"
    assert "125 mg" in alert.clinician and "170 mg" not in alert.clinician
    assert {"guddati-2014-carboplatin-hemodialysis", "carboplatin-hemodialysis-pk-2010"} <= set(alert.sources)
    assert set(alert.sources) <= set(load_knowledge_base().sources)
    assert reading_grade(alert.public) <= MAX_PUBLIC_GRADE


def test_carboplatin_on_dialysis_at_auc_x_25_passes_and_the_row_shows_it() -> None:
    def alert(mg: float) -> Any:
        return _dose_alert(
            _assess(_dialysis({"drug": "carboplatin", "dose_mg": mg, "target_auc": 5})), "carboplatin"
        )

    assert alert(125) is None
    # 170 mg (the Cockcroft-Gault dose) is above 125 mg by more than the 10% rounding margin
    assert alert(170) is not None
    row = _row(_assess(_dialysis({"drug": "carboplatin", "target_auc": 5})), "carboplatin")
    assert "125 mg" in row.dose and "dialysis" in row.dose


# ---------------------------------------------------------------- M1: zoledronic acid in hypercalcemia


def _hcm(creatinine: float, weight: float, age: int) -> dict[str, Any]:
    # c20 (CrCl 55) and v23 (CrCl 35): corrected calcium above 14 -> hypercalcemia red flag
    labs = {**NORMAL_LABS, "creatinine_mg_dl": creatinine, "calcium_mg_dl": 13.8, "albumin_g_dl": 2.5}
    return _case(
        {"age": age, "menopausal": "post", "weight_kg": weight},
        [{"drug": "Zometa", "dose_mg": 4}],
        labs=labs,
        tumor=HR_POS,
        metastatic_sites=["bone"],
    )


def test_zoledronic_acid_4_mg_for_hypercalcemia_is_not_called_above_the_crcl_dose() -> None:
    for creatinine, weight, age in ((1.0, 64, 67), (1.4, 60, 70)):
        result = _assess(_hcm(creatinine, weight, age))
        assert any(f.code == "hypercalcemia" for f in result.red_flags)
        assert 30 <= result.calculations["crcl_ml_min"] <= 60
        row = _row(result, "zoledronic acid")
        assert "dose_above_adjusted" not in row.alerts
        renal = next(a for a in result.safety_alerts if a.code == "renal_dose_adjustment")
        # one voice: today's 4 mg is not reduced for CrCl; the band is the later bone-metastasis dose
        assert "not reduced for CrCl" in renal.clinician and "later repeated dose" in renal.clinician
        assert "you get a smaller dose" not in renal.public


def test_zoledronic_acid_band_still_applies_without_hypercalcemia() -> None:
    data = _hcm(1.4, 60, 70)
    data["labs"].update(calcium_mg_dl=9.4, albumin_g_dl=4.0)
    result = _assess(data)
    assert not any(f.code == "hypercalcemia" for f in result.red_flags)
    alert = _dose_alert(result, "zoledronic acid")
    assert alert.code == "dose_above_adjusted" and "3 mg" in alert.clinician


# ---------------------------------------------------------------- M8: no rounding margin on label ceilings


def test_dato_dxd_6_mg_per_kg_at_95_kg_is_above_the_540_mg_cap() -> None:
    # c29: 6 mg/kg x 95 kg = 570 mg; Datroway label: at most 540 mg (patients >= 90 kg)
    data = _case(
        {"age": 58, "menopausal": "post", "weight_kg": 95},
        [{"drug": "datopotamab deruxtecan-dlnk", "dose_mg_kg": 6}],
        tumor={**HR_POS, "her2_ihc": "0"},
        metastatic_sites=["bone"],
        line=3,
    )
    alert = _dose_alert(_assess(data), "datopotamab deruxtecan")
    assert alert.code == "dose_above_label" and "540 mg" in alert.clinician
    assert "never to exceed" in alert.clinician


def test_sacituzumab_above_10_mg_per_kg_when_ordered_in_mg() -> None:
    # v29: 1090 mg at 100 kg = 10.9 mg/kg; Trodelvy label: never above 10 mg/kg
    def order(mg: float) -> dict[str, Any]:
        return _case(
            {"age": 58, "menopausal": "post", "weight_kg": 100},
            [{"drug": "sacituzumab govitecan", "dose_mg": mg}],
            line=2,
        )

    alert = _dose_alert(_assess(order(1090)), "sacituzumab govitecan")
    assert alert.code == "dose_above_label" and "10 mg/kg" in alert.clinician
    assert _dose_alert(_assess(order(1000)), "sacituzumab govitecan") is None


def test_the_rounding_margin_still_applies_to_ordinary_converted_doses() -> None:
    # trastuzumab 8 mg/kg label dose: 590 mg at 70 kg is 8.4 mg/kg, within the 10% HOPA margin
    data = _case(
        {"age": 58, "menopausal": "post", "weight_kg": 70},
        [{"drug": "trastuzumab", "dose_mg": 590}],
        tumor={**HR_POS, "her2_ihc": "3+"},
    )
    assert _dose_alert(_assess(data), "trastuzumab") is None


# ---------------------------------------------------------------- M3: capecitabine with neratinib


def _nala(cape_mg_m2: float) -> dict[str, Any]:
    return _case(
        {"age": 58, "menopausal": "post", "weight_kg": 68},
        [{"drug": "Nerlynx", "dose_mg": 240}, {"drug": "capecitabine", "dose_mg_m2": cape_mg_m2}],
        tumor={**HR_POS, "her2_ihc": "3+"},
        metastatic_sites=["liver"],
        line=3,
        pharmacogenomics={"dpyd": "normal"},
    )


def test_capecitabine_1000_mg_m2_with_neratinib_is_above_the_750_mg_m2_nala_dose() -> None:
    alert = _dose_alert(_assess(_nala(1000)), "capecitabine")
    assert alert.code == "dose_above_label" and "750 mg/m2" in alert.clinician
    assert {"fda-label-neratinib", "nala"} <= set(alert.sources)
    assert _dose_alert(_assess(_nala(750)), "capecitabine") is None
