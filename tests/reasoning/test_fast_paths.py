"""The speed-ups of the hot path give the same objects as the pydantic calls they replace.

The constructor skips ``model_construct``'s per-field work and Case skips pydantic's generic
private-attribute set-up; both must be invisible: same dumps, same fields counted as set, the same
name readings, and no state shared between two cases.
"""

from __future__ import annotations

from mbcnav.assessment import Assessment, SafetyAlert, TherapyOption
from mbcnav.case import Case, parse_case
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.construct import constructor

ALERT = {
    "code": "renal_dose",
    "drug": "capecitabine",
    "severity": "warning",
    "public": "Your kidneys filter less.",
    "clinician": "CrCl 40 mL/min.",
    "sources": ("fda-label-capecitabine",),
    "rationale": "capecitabine (therapy option): crcl_ml_min = 40",
    "partners": (),
    "alternatives": (),
    "dose_limit": None,
}


def test_constructor_builds_what_model_construct_builds() -> None:
    fast = constructor(SafetyAlert)(**ALERT)
    slow = SafetyAlert.model_construct(**ALERT)
    assert type(fast) is SafetyAlert
    assert fast == slow
    assert fast.model_dump(mode="json") == slow.model_dump(mode="json")
    assert fast.model_fields_set == slow.model_fields_set == set(SafetyAlert.model_fields)


def test_constructor_with_fields_left_out_fills_defaults_like_model_construct() -> None:
    partial = {k: v for k, v in ALERT.items() if k not in ("partners", "alternatives", "rationale")}
    fast = constructor(SafetyAlert)(**partial)
    assert fast.partners == () and fast.alternatives == () and fast.rationale == ""
    assert fast.model_fields_set == set(partial)


def test_constructor_with_fields_out_of_order_keeps_every_value() -> None:
    reordered = dict(reversed(list(ALERT.items())))
    expected = SafetyAlert.model_construct(**ALERT).model_dump()
    assert constructor(SafetyAlert)(**reordered).model_dump() == expected


def test_assessment_and_options_are_real_models_that_validate() -> None:
    case = parse_case(
        {
            "patient": {"age": 60, "sex": "F", "menopausal": "post", "weight_kg": 70, "height_cm": 165},
            "tumor": {"er_percent": 90, "pr_percent": 50, "her2_ihc": "1+"},
            "metastatic_sites": ["bone"],
            "labs": {"creatinine_mg_dl": 2.4},
        }
    )
    result = assess(case)
    assert type(result) is Assessment
    assert all(type(o) is TherapyOption for o in result.therapy_options)
    assert result.safety_alerts  # creatinine 2.4 at 60 years and 70 kg: renal alerts
    # the fast-built output is what validation would accept and give back unchanged
    again = Assessment.model_validate(result.model_dump())
    assert again.model_dump() == result.model_dump()


def test_cases_do_not_share_private_state() -> None:
    read = parse_case({"current_meds": ["Zoloft 50 mg"], "prior_treatment": [{"drug": "Femara 2.5 mg"}]})
    plain = parse_case({"current_meds": ["sertraline"]})
    assert [n.read_as for n in read.name_readings] == ["sertraline", "letrozole"]
    assert plain.name_readings == ()
    assert read.__pydantic_private__ is not plain.__pydantic_private__
    assert Case.model_construct().name_readings == ()
    copied = read.model_copy()
    assert [n.read_as for n in copied.name_readings] == ["sertraline", "letrozole"]


def test_a_name_read_only_in_a_later_section_is_still_reported() -> None:
    case = parse_case({"current_meds": ["metformin"], "allergies": [{"drug": "Taxol 100 mg"}]})
    assert [(n.field, n.read_as) for n in case.name_readings] == [("allergies.0.drug", "paclitaxel")]


def test_fields_left_off_the_end_are_filled_like_model_construct_fills_them() -> None:
    # a field added to a model after the call sites were written (an alert's new optional field, say)
    short = dict(list(ALERT.items())[:-2])  # partners and alternatives left off the end
    fast = constructor(SafetyAlert)(**short)
    slow = SafetyAlert.model_construct(**short)
    assert list(fast.__dict__) == list(slow.__dict__) == list(SafetyAlert.model_fields)
    assert fast.model_dump() == slow.model_dump()
    assert fast.model_fields_set == slow.model_fields_set == set(short)
