"""Calculators against published worked examples (each test names its source)."""

from __future__ import annotations

import pytest

from mbcnav.case import parse_case
from mbcnav.errors import CalculatorInputError
from mbcnav.reasoning.calculators import (
    CALCULATORS,
    breast_gpa_2012,
    breast_gpa_2020,
    bsa_dubois,
    bsa_mosteller,
    case_calculations,
    corrected_calcium,
    crcl_cockcroft_gault,
    ecog_to_kps,
    gpa_band,
    kps_to_ecog,
    mirels_level,
    mirels_score,
    recist_response,
)
from mbcnav.reasoning.subtype import classify


def test_registry_has_every_published_calculator() -> None:
    assert set(CALCULATORS) == {
        "bsa",
        "crcl",
        "corrected_calcium",
        "breast_gpa_2012",
        "breast_gpa_2020",
        "mirels",
        "recist",
        "ecog_kps",
        "calvert",
    }
    for calc in CALCULATORS.values():
        assert calc.title and calc.formula and calc.sources


def test_bsa_mosteller_against_mosteller_1987() -> None:
    # sqrt(180 x 80 / 3600) = sqrt(4) = 2.00 m2
    assert bsa_mosteller(180, 80) == 2.00
    assert bsa_mosteller(170, 70) == 1.82


def test_bsa_dubois_against_dubois_1916() -> None:
    # 0.007184 x 180^0.725 x 80^0.425 = 1.9965 m2 (~1.99-2.00)
    assert bsa_dubois(180, 80) == pytest.approx(1.997, abs=0.01)


def test_crcl_against_cockcroft_gault_1976() -> None:
    # (140 - 60) x 72 / (72 x 1.0) = 80 mL/min (male); x 0.85 for female = 68
    assert crcl_cockcroft_gault(60, 72, 1.0, "M") == 80.0
    assert crcl_cockcroft_gault(60, 72, 1.0, "F") == 68.0
    # MDCalc-style example: 60 y, 70 kg, Cr 1.0, female -> 66.1 mL/min
    assert crcl_cockcroft_gault(60, 70, 1.0, "female") == 66.1


def test_corrected_calcium_against_payne_1973() -> None:
    # Ca 11.2, albumin 2.0 -> 11.2 + 0.8 x 2.0 = 12.8 mg/dL
    assert corrected_calcium(11.2, 2.0) == 12.8
    assert corrected_calcium(9.0, 4.0) == 9.0
    result = CALCULATORS["corrected_calcium"].compute({"calcium_mg_dl": 11.2, "albumin_g_dl": 2.0})
    assert result.values["level"] == "high"
    assert "fda-label-zoledronic-acid" in result.sources


def test_breast_gpa_against_sperduto_2012() -> None:
    # KPS 90-100 (1.5) + HR+/HER2+ (2.0) + age < 60 (0.5) = 4.0 -> median 25.3 months
    assert breast_gpa_2012(100, 50, "HR+/HER2+") == 4.0
    assert gpa_band("breast_gpa_2012", 4.0)["median_months"] == 25.3
    # KPS 60 (0.5) + TNBC (0) + age >= 60 (0) = 0.5 -> band 0-1.0, median 3.4 months
    assert breast_gpa_2012(60, 65, "TNBC") == 0.5
    assert gpa_band("breast_gpa_2012", 0.5)["median_months"] == 3.4
    # KPS 70-80 (1.0) + HR+/HER2- (1.0) + age >= 60 (0) = 2.0 -> 7.7 months
    assert breast_gpa_2012(80, 70, "HR+/HER2-") == 2.0
    assert gpa_band("breast_gpa_2012", 2.0)["median_months"] == 7.7
    # KPS 70 (1.0) + HR-/HER2+ (1.5) + age < 60 (0.5) = 3.0 -> 15.1 months
    assert breast_gpa_2012(70, 45, "HR-/HER2+") == 3.0
    assert gpa_band("breast_gpa_2012", 3.0)["median_months"] == 15.1


def test_breast_gpa_2020_against_sperduto_2020_factor_points() -> None:
    # Factors confirmed: KPS 90-100 = 1.0, age < 60 = 0.5, one brain metastasis = 0.5, no extracranial = 0.5.
    assert breast_gpa_2020(90, 50, "TNBC", 1, False) == 2.5
    assert breast_gpa_2020(60, 70, "TNBC", 3, True) == 0.0
    result = CALCULATORS["breast_gpa_2020"].compute(
        {"kps": 90, "age": 50, "subtype": "TNBC", "brain_mets_count": 1, "extracranial_mets": False}
    )
    assert result.notes  # the unconfirmed parts are said out loud


def test_mirels_against_mirels_1989() -> None:
    # peritrochanteric (3) + functional pain (3) + lytic (3) + > 2/3 cortex (3) = 12
    assert mirels_score("peritrochanteric", "functional", "lytic", 0.8) == 12
    # upper limb (1) + mild (1) + blastic (1) + < 1/3 (1) = 4
    assert mirels_score("upper_limb", "mild", "blastic", 0.1) == 4
    # lower limb (2) + moderate (2) + lytic (3) + 1/3-2/3 (2) = 9 -> fixation recommended
    assert mirels_score("lower_limb", "moderate", "lytic", 0.5) == 9
    assert mirels_level(9) == "high"
    assert mirels_level(8) == "borderline"
    assert mirels_level(7) == "low"


def test_recist_against_eisenhauer_2009() -> None:
    assert recist_response(100, 65) == "PR"  # -35% from baseline
    assert recist_response(100, 71) == "SD"  # -29%
    assert recist_response(100, 0) == "CR"
    assert recist_response(100, 0, non_target_present=True) == "PR"
    # nodes: target nodes all < 10 mm short axis count as CR even though the sum is not zero
    assert recist_response(100, 17, node_short_axes_mm=(8.0, 9.0)) == "CR"
    # PD is measured from the nadir: 50 -> 60 is +20% and +10 mm
    assert recist_response(100, 60, nadir_sum_mm=50) == "PD"
    # +20% but only +4 mm from a nadir of 20 mm: not PD (5 mm rule)
    assert recist_response(100, 24, nadir_sum_mm=20) == "PR"
    assert recist_response(30, 24, nadir_sum_mm=20) == "SD"
    # any new lesion is PD
    assert recist_response(100, 40, new_lesions=True) == "PD"
    assert recist_response(100, 90, non_target_progression=True) == "PD"


def test_ecog_kps_both_directions_against_oken_1982() -> None:
    assert ecog_to_kps(1) == (70, 80)
    assert ecog_to_kps(0) == (90, 100)
    assert kps_to_ecog(60) == 2
    assert kps_to_ecog(100) == 0
    assert CALCULATORS["ecog_kps"].compute({"ecog": 2}).value == "50-60"


@pytest.mark.parametrize(
    ("name", "inputs", "field"),
    [
        ("bsa", {"height_cm": 10, "weight_kg": 70}, "height_cm"),
        ("crcl", {"age": 60, "weight_kg": 70, "creatinine_mg_dl": 1.0, "sex": "X"}, "sex"),
        ("crcl", {"age": 60, "weight_kg": 70, "sex": "F"}, "creatinine_mg_dl"),
        ("breast_gpa_2012", {"kps": 75, "age": 50, "subtype": "TNBC"}, "kps"),
        ("recist", {"baseline_sum_mm": 100, "current_sum_mm": 50, "nadir_sum_mm": 120}, None),
        ("ecog_kps", {"ecog": 1, "kps": 80}, None),
        ("mirels", {"site": "skull", "pain": "mild", "lesion": "lytic", "cortex_fraction": 0.2}, "site"),
        ("bsa", {"height_cm": 170, "weight_kg": 70, "age": 3}, "age"),
    ],
)
def test_invalid_inputs_raise_named_errors(name: str, inputs: dict, field: str | None) -> None:
    with pytest.raises(CalculatorInputError) as info:
        CALCULATORS[name].compute(inputs)
    if field:
        assert info.value.field == field
    assert str(info.value)


def test_case_calculations_fill_the_published_keys() -> None:
    case = parse_case(
        {
            "patient": {"age": 52, "sex": "F", "height_cm": 180, "weight_kg": 80, "ecog": 1},
            "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"},
            "metastatic_sites": ["brain", "liver"],
            "brain_mets_count": 1,
            "labs": {"creatinine_mg_dl": 1.0, "calcium_mg_dl": 11.2, "albumin_g_dl": 2.0},
            "bone_lesions": [
                {"site": "lower_limb", "type": "lytic", "cortex_fraction": 0.5, "pain": "moderate"}
            ],
        }
    )
    calc = case_calculations(case, classify(case.tumor))
    assert calc["bsa_mosteller_m2"] == 2.0
    assert calc["crcl_ml_min"] == round((140 - 52) * 80 / 72 * 0.85, 1)
    assert calc["corrected_calcium_mg_dl"] == 12.8
    # ECOG 1 = KPS 70-80: both ends score 1.0 in 2012, so the GPA is computable: 1.0 + 1.5 + 0.5 = 3.0
    assert calc["breast_gpa"] == 3.0
    assert calc["breast_gpa_median_months"] == 15.1
    assert calc["breast_gpa_2020"] == 0.5 + 1.0 + 0.5 + 0.5 + 0.0
    assert calc["mirels_max"] == 9
    assert calc["kps_estimated"] == "70-80"


def test_case_calculations_leave_out_what_is_not_derivable() -> None:
    calc = case_calculations(parse_case({"patient": {"age": 60}}), classify(parse_case({}).tumor))
    assert calc == {}
