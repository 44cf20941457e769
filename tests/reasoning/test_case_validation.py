"""Case validation at the edge: unit traps, drug names, shared empty sections, repeated sites.

These pin the behaviour that the fast paths in case.py and drugnames.py (cached name look-ups, unit
traps checked only where they can fire, one shared instance per absent section) must keep exactly.
"""

from __future__ import annotations

from typing import Any

import pytest
from annotated_types import Ge, Gt, Le, Lt

from mbcnav.case import _IN_RANGE_TRAPS, _UNIT_TRAPS, Case, Labs, parse_case
from mbcnav.errors import CaseValidationError
from mbcnav.reasoning.triage import triage_case


def _problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(CaseValidationError) as info:
        parse_case(data)
    return info.value.problems


# (field, a value in the other unit, start of the message naming the unit we want)
OTHER_UNITS = [
    ("temp_c", 101.3, "temp_c: looks like °F"),
    ("calcium_mg_dl", 2.4, "calcium_mg_dl: looks like mmol/L"),
    ("creatinine_mg_dl", 88, "creatinine_mg_dl: looks like µmol/L"),
    ("albumin_g_dl", 40, "albumin_g_dl: looks like g/L"),
    ("hemoglobin_g_dl", 121, "hemoglobin_g_dl: looks like g/L"),
    ("glucose_mg_dl", 5.5, "glucose_mg_dl: looks like mmol/L"),
    ("bilirubin_mg_dl", 70, "bilirubin_mg_dl: looks like µmol/L"),
    ("anc_per_ul", 1.5, "anc_per_ul: looks like ×10⁹/L"),
    ("platelets_per_ul", 210, "platelets_per_ul: looks like ×10⁹/L"),
    ("lvef_percent", 0.55, "lvef_percent: looks like a fraction"),
    ("qtcf_ms", 0.45, "qtcf_ms: looks like seconds"),
]


@pytest.mark.parametrize(("field", "value", "message"), OTHER_UNITS)
def test_value_in_another_unit_names_the_unit_wanted(field: str, value: float, message: str) -> None:
    problems = _problems({"labs": {field: value}})
    assert len(problems) == 1
    assert problems[0][0] == f"labs.{field}"
    assert problems[0][1].startswith(message.split(": ", 1)[1])


@pytest.mark.parametrize(("field", "value", "message"), OTHER_UNITS)
def test_labs_model_itself_catches_other_units(field: str, value: float, message: str) -> None:
    # Labs is also built on its own (triage API, FHIR import), not only inside a Case.
    with pytest.raises(ValueError, match=message.split(":")[0]):
        Labs.model_validate({field: value})


def test_unit_messages_replace_only_their_own_fields_range_errors() -> None:
    """Sweep finding: a temperature in °F hid an impossible calcium; every field's problem is named."""
    problems = dict(_problems({"labs": {"qtcf_ms": 0.45, "alt_u_l": -3, "temp_c": 101, "calcium_mg_dl": 80}}))
    assert set(problems) == {"labs.temp_c", "labs.qtcf_ms", "labs.alt_u_l", "labs.calcium_mg_dl"}
    assert problems["labs.temp_c"].startswith("looks like °F")
    assert problems["labs.qtcf_ms"].startswith("looks like seconds")
    assert problems["labs.alt_u_l"] == "Input should be greater than or equal to 0"
    assert problems["labs.calcium_mg_dl"] == "Input should be less than or equal to 25"


def test_unit_message_comes_with_other_sections_errors() -> None:
    problems = _problems({"labs": {"anc_per_ul": 1.5}, "line": 0})
    assert [loc for loc, _ in problems] == ["labs.anc_per_ul", "line"]


def test_plausible_values_pass_the_traps() -> None:
    labs = parse_case({"labs": {"anc_per_ul": 2, "platelets_per_ul": 2000, "temp_c": 38.3}}).labs
    assert (labs.anc_per_ul, labs.platelets_per_ul, labs.temp_c) == (2, 2000, 38.3)
    # Traps judge numbers as given; text is left to the field's own validation, which refuses it.
    text = _problems({"labs": {"anc_per_ul": "1.5"}})
    assert text == [
        ("labs.anc_per_ul", "anc (per µL) must be a number in digits, such as 1.5 (you gave '1.5')")
    ]


@pytest.mark.parametrize(
    ("case", "where", "message"),
    [
        (
            {"patient": {"age": True}},
            "patient.age",
            "age must be a whole number in digits, such as 62 (you gave true)",
        ),
        (
            {"patient": {"age": "60"}},
            "patient.age",
            "age must be a whole number in digits, such as 62 (you gave '60')",
        ),
        (
            {"patient": {"ecog": 1.5}},
            "patient.ecog",
            "ecog must be a whole number in digits, such as 1 (you gave 1.5)",
        ),
        (
            {"tumor": {"er_percent": "90"}},
            "tumor.er_percent",
            "er (%) must be a number in digits, such as 1.5 (you gave '90')",
        ),
        (
            {"labs": {"creatinine_mg_dl": False}},
            "labs.creatinine_mg_dl",
            "creatinine (mg/dL) must be a number in digits, such as 1.5 (you gave false)",
        ),
        (
            {"patient": {"pregnant": "yes"}},
            "patient.pregnant",
            "pregnant must be true or false, without quotes (you gave 'yes')",
        ),
        (
            {"patient": {"pregnant": 1}},
            "patient.pregnant",
            "pregnant must be true or false, without quotes (you gave 1)",
        ),
        ({"line": "2"}, "line", "line must be a whole number in digits, such as 2 (you gave '2')"),
    ],
)
def test_a_wrong_json_type_is_an_error_not_a_silent_conversion(case: dict, where: str, message: str) -> None:
    """Before, "age": true ran as age 1 (and its creatinine clearance quietly disappeared)."""
    assert _problems(case) == [(where, message)]


def test_whole_numbers_still_count_as_numbers() -> None:
    case = parse_case({"patient": {"age": 60, "weight_kg": 70}, "tumor": {"er_percent": 90}})
    assert (case.patient.age, case.patient.weight_kg, case.tumor.er_percent) == (60, 70.0, 90.0)


@pytest.mark.parametrize("calcium", [0.5, 2.4, 3.1, 4.2, 4.99])
def test_calcium_below_5_looks_like_mmol_per_litre(calcium: float) -> None:
    """3-5 mmol/L is severe hypercalcemia; read as mg/dL it would look like extreme hypocalcemia."""
    ((where, message),) = _problems({"labs": {"calcium_mg_dl": calcium}})
    assert where == "labs.calcium_mg_dl" and message.startswith("looks like mmol/L")


def test_calcium_from_5_mg_dl_is_taken_as_mg_dl() -> None:
    assert parse_case({"labs": {"calcium_mg_dl": 5.0}}).labs.calcium_mg_dl == 5.0


def test_out_of_range_value_outside_any_trap_keeps_the_range_error() -> None:
    assert _problems({"labs": {"temp_c": 50}}) == [
        ("labs.temp_c", "Input should be less than or equal to 45")
    ]


def _bounds(field: str) -> tuple[float, float]:
    low, high = float("-inf"), float("inf")
    for meta in Labs.model_fields[field].metadata:
        if isinstance(meta, Ge | Gt):
            low = float(meta.ge if isinstance(meta, Ge) else meta.gt)
        if isinstance(meta, Le | Lt):
            high = float(meta.le if isinstance(meta, Le) else meta.lt)
    return low, high


def _grid(low: float, high: float) -> list[float]:
    edges = [low, high, *(b + d for b in (low, high) for d in (-1e-9, 1e-9))]
    span = high - low
    return [*edges, *(low + span * i / 20000 for i in range(20001))]


@pytest.mark.parametrize("trap", [t for t in _UNIT_TRAPS if t not in _IN_RANGE_TRAPS], ids=lambda t: t[0])
def test_traps_checked_only_on_failure_lie_outside_the_valid_range(trap: tuple[str, Any, str]) -> None:
    # Labs checks these traps only when validation fails, which is right only if no valid value trips them.
    field, test, _ = trap
    low, high = _bounds(field)
    assert not [v for v in _grid(low, high) if low <= v <= high and test(v)]


@pytest.mark.parametrize("trap", _IN_RANGE_TRAPS, ids=lambda t: t[0])
def test_traps_inside_the_valid_range_are_screened_by_their_bounds(trap: tuple[str, Any, str]) -> None:
    # Labs screens anc < 30 and platelets < 2000 before judging these two traps.
    field, test, _ = trap
    screen = {"anc_per_ul": 30, "platelets_per_ul": 2000}[field]
    assert not [v for v in _grid(0, 150_000) if test(v) and not v < screen]


def test_brand_and_spelling_variants_resolve_to_the_generic_name() -> None:
    case = parse_case(
        {
            "prior_treatment": [
                {"drug": "  FEMARA® "},
                {"drug": "Letrozole"},
                {"drug": "Trastuzumab_Deruxtecan"},
            ],
            "current_meds": ["Zoloft", "zoloft"],
        }
    )
    assert [t.drug for t in case.prior_treatment] == ["letrozole", "letrozole", "trastuzumab deruxtecan"]
    assert case.current_meds == ("sertraline", "sertraline")


def test_unknown_drug_is_an_error_every_time_with_suggestions() -> None:
    first = _problems({"prior_treatment": [{"drug": "letrozol"}]})
    again = _problems({"prior_treatment": [{"drug": "letrozol"}]})
    assert first == again
    assert first[0][0] == "prior_treatment.0.drug"
    assert first[0][1].startswith("unknown drug 'letrozol'") and "letrozole" in first[0][1]
    # Each co-medication is checked at its own place (pharmacist sweep item 9: all unknown names at once).
    assert [loc for loc, _ in _problems({"current_meds": ["metformin", "xyzzy"]})] == ["current_meds.1"]


def test_blank_drug_name_is_too_short_not_unknown() -> None:
    assert _problems({"allergies": [{"drug": "  "}]}) == [
        ("allergies.0.drug", "String should have at least 1 character")
    ]


def test_absent_sections_are_empty_and_equal_to_fresh_ones() -> None:
    case = parse_case({})
    assert case.labs == Labs() and case.patient.model_fields_set == set()
    assert case.labs.model_dump() == Labs().model_dump()
    filled = parse_case({"labs": {"calcium_mg_dl": 9.5}})
    assert filled.labs.calcium_mg_dl == 9.5
    assert parse_case({}).labs.calcium_mg_dl is None
    with pytest.raises(ValueError):
        case.labs.calcium_mg_dl = 9.0  # type: ignore[misc]


def test_repeated_sites_count_once_in_order() -> None:
    case = parse_case({"metastatic_sites": ["liver", "bone", "liver", "bone"]})
    assert case.metastatic_sites == ("liver", "bone")
    assert case.model_dump()["metastatic_sites"] == ("liver", "bone")
    assert Case.model_validate({"metastatic_sites": ["bone", "bone"]}).metastatic_sites == ("bone",)


def test_brain_count_without_brain_site_is_still_an_error_at_the_field() -> None:
    # web sweep 6, item 2: the error names brain_mets_count, as brain_mets_status's does
    assert _problems({"brain_mets_count": 2, "metastatic_sites": ["bone", "bone"]}) == [
        ("brain_mets_count", "is above 0, but 'brain' is not in metastatic_sites")
    ]
    assert parse_case({"brain_mets_count": 0, "metastatic_sites": ["bone"]}).brain_mets_count == 0


def test_brain_count_and_status_without_brain_site_name_both_fields() -> None:
    problems = _problems({"brain_mets_count": 1, "brain_mets_status": "stable", "metastatic_sites": ["bone"]})
    assert [loc for loc, _ in problems] == ["brain_mets_count", "brain_mets_status"]


def test_triage_of_cases_with_the_same_symptoms_follows_each_case_labs() -> None:
    # Triage reuses work for repeated symptom lines and findings; each case's own labs must still count.
    high = {"symptoms": ["my back hurts"], "labs": {"calcium_mg_dl": 13.5, "albumin_g_dl": 4.0}}
    plain = {"symptoms": ["my back hurts"]}
    first, other, again = (triage_case(parse_case(c)) for c in (high, plain, high))
    assert "hypercalcemia" in {f.code for f in first.red_flags}
    assert "hypercalcemia" not in {f.code for f in other.red_flags}
    assert first == again
    assert {f.code for f in other.red_flags} <= {f.code for f in first.red_flags}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"drug": "letrozole", "setting": "metastatic", "relapse_after_end_months": 3},
            "setting is 'metastatic'",
        ),
        ({"drug": "letrozole", "relapse_after_end_months": 3}, "setting is None"),
        (
            # 0 months = back while still on it: that is progression, so progressed: false contradicts it
            {"drug": "letrozole", "setting": "adjuvant", "progressed": False, "relapse_after_end_months": 0},
            "progressed is false",
        ),
        (
            {"drug": "letrozole", "setting": "adjuvant", "relapse_after_end_months": -1},
            "greater than or equal to 0",
        ),
    ],
)
def test_relapse_time_only_on_adjuvant_entries_that_relapsed(entry: dict[str, Any], message: str) -> None:
    problems = _problems({"prior_treatment": [entry]})
    assert [loc for loc, _ in problems] == ["prior_treatment.0.relapse_after_end_months"]
    assert message in problems[0][1]


def test_relapse_time_is_accepted_on_neoadjuvant_entries() -> None:
    case = parse_case(
        {"prior_treatment": [{"drug": "tamoxifen", "setting": "neoadjuvant", "relapse_after_end_months": 14}]}
    )
    assert case.prior_treatment[0].relapse_after_end_months == 14


def test_the_labs_own_uln_decides_x_uln_rules_against_the_docetaxel_label() -> None:
    """Docetaxel label: do not give with bilirubin > ULN. 1.1 mg/dL is within the typical adult limit
    (1.2) but above a lab whose ULN is 1.0 mg/dL, so only the second case gets the contraindication."""
    from mbcnav.reasoning.assess import assess

    def docetaxel_alerts(labs: dict[str, float]) -> list[str]:
        case = parse_case(
            {
                "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0"},
                "metastatic_sites": ["liver"],
                "proposed_treatment": [{"drug": "docetaxel", "dose_mg_m2": 75}],
                "labs": labs,
            }
        )
        alerts = assess(case).safety_alerts
        return [a.severity for a in alerts if a.drug == "docetaxel" and "ULN" in a.clinician]

    assert docetaxel_alerts({"bilirubin_mg_dl": 1.1}) == []
    assert docetaxel_alerts({"bilirubin_mg_dl": 1.1, "bilirubin_uln_mg_dl": 1.0}) == ["contraindication"]
    assert _problems({"labs": {"alt_uln_u_l": 2}})[0][0] == "labs.alt_uln_u_l"


def test_cancer_treatment_listed_among_other_medicines_counts_as_current_treatment() -> None:
    """case-format.md: current_treatment is the anticancer regimen taken today, current_meds the rest."""
    case = parse_case(
        {
            "current_meds": ["Ibrance", "Femara", "paroxetine", "Zometa"],
            "current_treatment": [{"drug": "palbociclib", "dose_mg": 125}],
        }
    )
    assert case.current_meds == ("paroxetine",)
    assert [(t.drug, t.dose_mg) for t in case.current_treatment] == [
        ("palbociclib", 125),
        ("letrozole", None),
        ("zoledronic acid", None),
    ]


def test_supportive_medicines_stay_among_other_medicines() -> None:
    case = parse_case({"current_meds": ["oxycodone", "ondansetron", "dexamethasone"]})
    assert case.current_meds == ("oxycodone", "ondansetron", "dexamethasone")
    assert case.current_treatment == ()
