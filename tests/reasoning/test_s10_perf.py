"""Session 10 speed-ups of assess() give the same answers as the slower paths they shortcut.

Each fast path reuses work another step has done; these tests run the slow path (what the step did
on its own before) beside the fast one on real cases and require the same result.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mbcnav.case import Case, parse_case
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.calculators import case_calculations
from mbcnav.reasoning.flags import case_flags
from mbcnav.reasoning.prognosis import prognosis
from mbcnav.reasoning.subtype import classify
from mbcnav.reasoning.triage import triage_case

VIGNETTES = sorted((Path(__file__).parents[1] / "vignettes").glob("v*.json"))

HR_POS = {"er_percent": 90, "pr_percent": 50, "her2_ihc": "0"}
TNBC = {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0", "pdl1_cps": 20}
PATIENT = {"age": 58, "sex": "F", "menopausal": "post", "ecog": 1}
MET_PROGRESSED = {"drug": "paclitaxel", "setting": "metastatic", "progressed": True, "months": 5}
ADJUVANT = {"drug": "letrozole", "setting": "adjuvant", "progressed": True, "months": 30}


def _case(tumor: dict[str, Any], line: int | None, prior: list[dict[str, Any]]) -> Case:
    raw: dict[str, Any] = {"patient": PATIENT, "tumor": tumor, "metastatic_sites": ["liver"]}
    if line is not None:
        raw["line"] = line
    if prior:
        raw["prior_treatment"] = prior
    return parse_case(raw)


#: every way the stated line and the record can meet (flags.line_reading): no line stated, the stated
#: line agreeing, below the record, and above it with and without metastatic treatment on record
LINE_CASES = [
    (tumor, line, prior)
    for tumor in (HR_POS, TNBC)
    for line, prior in (
        (None, []),
        (None, [MET_PROGRESSED]),
        (1, []),
        (1, [ADJUVANT]),
        (1, [MET_PROGRESSED]),  # stated below the record
        (2, [MET_PROGRESSED]),
        (3, []),  # stated above an empty record: the flags use line 1, the prognosis the stated line
        (3, [ADJUVANT]),
        (4, [MET_PROGRESSED]),  # stated above a record that holds some metastatic treatment
    )
]


def _slow_prognosis(case: Case) -> Any:
    """prognosis() working out the line itself, as it did before assess() handed it the flags."""
    subtype = classify(case.tumor)
    return prognosis(case, subtype, case_calculations(case, subtype))


@pytest.mark.parametrize(("tumor", "line", "prior"), LINE_CASES)
def test_prognosis_from_flags_matches_prognosis_from_the_line(
    tumor: dict[str, Any], line: int | None, prior: list[dict[str, Any]]
) -> None:
    case = _case(tumor, line, prior)
    subtype = classify(case.tumor)
    flags = case_flags(case, subtype, triage_case(case))
    fast = prognosis(case, subtype, case_calculations(case, subtype), flags)
    assert fast == _slow_prognosis(case)
    assert assess(case).prognosis == fast


def test_first_line_trial_median_only_for_first_line() -> None:
    """KEYNOTE-355 (pembrolizumab + chemotherapy, first line, CPS >= 10) is quoted for a first-line
    TNBC, not when the stated line is 3 with nothing on record (rules/prognosis.yaml trial_requires)."""
    first = assess(_case(TNBC, 1, [])).prognosis
    later = assess(_case(TNBC, 3, [])).prognosis
    assert first is not None and later is not None
    assert first.clinician != later.clinician
    assert "KEYNOTE-355" in first.clinician
    assert "KEYNOTE-355" not in later.clinician


@pytest.mark.parametrize("path", VIGNETTES, ids=lambda p: p.stem)
def test_vignette_prognosis_same_by_both_paths(path: Path) -> None:
    case = parse_case(json.loads(path.read_text(encoding="utf-8"))["case"])
    assert assess(case).prognosis == _slow_prognosis(case)


@pytest.mark.parametrize(
    "labs",
    [
        {},
        {"calcium_mg_dl": 11.2},
        {"calcium_mg_dl": 11.2, "albumin_g_dl": 2.8},
        {"alt_u_l": 150},
        {"ast_u_l": 90, "alt_u_l": 40, "alt_uln_u_l": 30},
        {"ast_u_l": 300, "ast_uln_u_l": 50},
    ],
)
def test_combined_field_readers_read_what_values_reads(labs: dict[str, Any]) -> None:
    """The safety rules' readers of corrected calcium and transaminase x ULN give what the general
    per-case reader (_Values) gives, which they replace on the hot path."""
    from mbcnav.reasoning import safety

    case = parse_case({"patient": PATIENT, "tumor": HR_POS, "metastatic_sites": ["liver"], "labs": labs})
    calculations = case_calculations(case, classify(case.tumor))
    for field in ("corrected_calcium_mg_dl", "transaminase_x_uln"):
        expected = safety._Values(case, calculations)[field]
        assert safety._field_getter(field)(case, calculations) == expected


def _yellow_eyes_with_liver_mets(*more_symptoms: str) -> Case:
    """Bilirubin 2.2 mg/dL: above the visceral-crisis 1.5x ULN, below the liver-failure 3x ULN (ULN 1.2)."""
    return parse_case(
        {
            "patient": PATIENT,
            "tumor": HR_POS,
            "metastatic_sites": ["liver"],
            "labs": {"bilirubin_mg_dl": 2.2},
            "symptoms": ["yellow eyes", *more_symptoms],
        }
    )


def test_jaundice_within_visceral_crisis_is_the_crisis_without_liver_failure_signs() -> None:
    """EASL 2017: liver failure is jaundice with encephalopathy or coagulopathy. Yellow eyes with liver
    metastases and a raised bilirubin alone are the liver visceral crisis (ABC 5), not liver failure."""
    flags = {f.code: f for f in assess(_yellow_eyes_with_liver_mets()).red_flags}
    assert "liver_failure" not in flags
    assert flags["visceral_crisis"].urgency == "urgent"
    assert (
        "jaundice reported, without confusion, bleeding or a raised INR" in flags["visceral_crisis"].rationale
    )


def test_jaundice_with_a_liver_failure_sign_keeps_liver_failure() -> None:
    """A sign listed in triage.yaml liver_failure_signs (sleepiness: encephalopathy) keeps the flag."""
    codes = [f.code for f in assess(_yellow_eyes_with_liver_mets("very sleepy all day")).red_flags]
    assert "liver_failure" in codes and "visceral_crisis" in codes
