"""Brain metastases by state (Case.brain_mets_status, brain_mets_symptomatic): the field is validated
against the sites, and the reasoning follows the guidelines that treat untreated or progressing
("active") lesions apart from treated, stable ones (ASCO HER2+ brain metastases 2022, Ramakrishna JCO
2022; ASCO-SNO-ASTRO 2022, Vogelbaum JCO 2022; HER2CLIMB brain-metastasis analysis, Lin JCO 2020;
DESTINY-Breast12, Harbeck Nat Med 2024)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from mbcnav.assessment import Assessment
from mbcnav.case import Case, parse_case
from mbcnav.errors import CaseValidationError
from mbcnav.reasoning.assess import assess

LOCAL = "local treatment of brain metastases"

#: HER2+ after THP for metastatic disease, brain and lung metastases, labs that raise no safety flag
HER2_SECOND_LINE: dict[str, Any] = {
    "patient": {"age": 50, "sex": "F", "menopausal": "post", "ecog": 1, "kps": 90},
    "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"},
    "metastatic_sites": ["brain", "lung"],
    "brain_mets_count": 2,
    "labs": {
        "creatinine_mg_dl": 0.8,
        "bilirubin_mg_dl": 0.6,
        "alt_u_l": 25,
        "ast_u_l": 24,
        "anc_per_ul": 3500,
        "platelets_per_ul": 240000,
        "lvef_percent": 60,
    },
    "pharmacogenomics": {"dpyd": "normal"},
    "prior_treatment": [
        {"drug": "pertuzumab", "setting": "metastatic", "progressed": True, "months": 18},
        {"drug": "trastuzumab", "setting": "metastatic", "progressed": True, "months": 18},
    ],
    "line": 2,
}


def _problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(CaseValidationError) as info:
        parse_case(data)
    return info.value.problems


def _assess(**changes: Any) -> Assessment:
    return assess(parse_case({**HER2_SECOND_LINE, **changes}))


def _rank(result: Assessment, text: str) -> int:
    """Rank of the first unflagged option whose regimen contains ``text`` (0 when absent)."""
    return next((o.rank for o in result.therapy_options if text in o.regimen and not o.flagged), 0)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize("status", ["untreated", "progressing", "stable"])
def test_status_without_brain_site_is_an_error_at_the_field(status: str) -> None:
    problems = _problems({"metastatic_sites": ["bone", "liver"], "brain_mets_status": status})
    assert problems == [
        ("brain_mets_status", "describes brain metastases, but 'brain' is not in metastatic_sites")
    ]


def test_symptomatic_brain_mets_without_brain_site_is_an_error_but_false_is_not() -> None:
    problems = _problems({"metastatic_sites": ["bone"], "brain_mets_symptomatic": True})
    assert [loc for loc, _ in problems] == ["brain_mets_symptomatic"]
    assert (
        parse_case({"metastatic_sites": ["bone"], "brain_mets_symptomatic": False}).brain_mets_symptomatic
        is False
    )


def test_status_with_brain_site_is_kept_and_other_words_are_refused() -> None:
    case = parse_case(
        {"metastatic_sites": ["brain"], "brain_mets_status": "progressing", "brain_mets_symptomatic": True}
    )
    assert (case.brain_mets_status, case.brain_mets_symptomatic) == ("progressing", True)
    [(loc, message)] = _problems({"metastatic_sites": ["brain"], "brain_mets_status": "active"})
    assert loc == "brain_mets_status" and "untreated" in message and "stable" in message
    [(loc, _)] = _problems({"metastatic_sites": ["brain"], "brain_mets_symptomatic": "yes"})
    assert loc == "brain_mets_symptomatic"


def test_case_schema_publishes_the_status_values() -> None:
    properties = Case.model_json_schema()["properties"]
    status = properties["brain_mets_status"]["anyOf"][0]
    assert status["enum"] == ["untreated", "progressing", "stable"]
    assert properties["brain_mets_symptomatic"]["anyOf"][0]["type"] == "boolean"


def test_cli_refuses_status_without_brain_naming_the_field() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from mbcnav.cli import main; main()", "assess", "-", "--json"],
        input=json.dumps({"metastatic_sites": ["liver"], "brain_mets_status": "stable"}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert "brain_mets_status" in proc.stderr and "metastatic_sites" in proc.stderr
    assert "Traceback" not in proc.stderr


# ---------------------------------------------------------------- reasoning
@pytest.mark.parametrize("status", ["untreated", "progressing"])
def test_her2_active_brain_mets_local_first_then_tucatinib_then_tdxd(status: str) -> None:
    """ASCO-SNO-ASTRO Rec 2.2 (no deferral without a team decision); ASCO HER2+ Rec 7.1 (HER2CLIMB
    regimen for lesions without symptomatic mass effect); DESTINY-Breast12 (single arm) after it."""
    result = _assess(brain_mets_status=status, brain_mets_symptomatic=False)
    local, tucatinib, tdxd = (_rank(result, t) for t in (LOCAL, "tucatinib", "trastuzumab deruxtecan"))
    assert 1 == local < tucatinib < tdxd
    top = result.therapy_options[0]
    assert "Rec 7.1" in top.rationale and "Rec 7.1" in top.clinician
    assert "brain_local_therapy_review" in [w.code for w in result.workup]


def test_her2_stable_brain_mets_follow_the_extracranial_algorithm() -> None:
    """ASCO HER2+ Rec 8.2: T-DXd second line, the HER2CLIMB regimen also allowed; no local option and
    a routine MRI every 2-4 months (ASCO 2014)."""
    result = _assess(brain_mets_status="stable", metastatic_sites=["brain", "liver"])
    assert _rank(result, LOCAL) == 0
    assert result.therapy_options[0].drugs == ("trastuzumab deruxtecan",)
    assert _rank(result, "trastuzumab deruxtecan") < _rank(result, "tucatinib")
    mri = next(w for w in result.workup if w.code == "brain_mri")
    assert mri.urgency == "routine" and "2 to 4 months" in mri.public and "2-4 months" in mri.clinician
    assert "brain_local_therapy_review" not in [w.code for w in result.workup]


def test_stable_but_symptomatic_brain_mets_still_list_local_therapy() -> None:
    result = _assess(brain_mets_status="stable", brain_mets_symptomatic=True)
    assert _rank(result, LOCAL) == 1
    assert "Rec 2.1" in result.therapy_options[0].rationale
    assert "brain_local_therapy_review" in [w.code for w in result.workup]


def test_unknown_status_keeps_the_cautious_reading() -> None:
    """Without a status, local therapy stays first and tucatinib next (as before the field existed)."""
    result = _assess()
    assert _rank(result, LOCAL) == 1 and _rank(result, "tucatinib") == 2
    codes = [w.code for w in result.workup]
    assert "brain_mri" not in codes and "brain_local_therapy_review" not in codes


def test_hr_pos_untreated_brain_mets_are_not_left_to_drugs() -> None:
    """ASCO-SNO-ASTRO Rec 2.2: outside HER2+ no systemic regimen replaces local therapy."""
    result = assess(
        parse_case(
            {
                "tumor": {"er_percent": 90, "pr_percent": 50, "her2_ihc": "0"},
                "metastatic_sites": ["brain", "bone"],
                "brain_mets_status": "untreated",
            }
        )
    )
    top = result.therapy_options[0]
    assert LOCAL in top.regimen and "not deferred" in top.clinician
    assert "HER2 medicines" not in top.public
    assert not any("tucatinib" in o.drugs for o in result.therapy_options)


def test_neurological_red_flag_with_brain_mets_counts_as_symptomatic_without_a_second_flag() -> None:
    result = _assess(brain_mets_status="stable", symptoms=["headache every morning and I keep vomiting"])
    codes = [f.code for f in result.red_flags]
    assert "raised_icp" in codes and len(codes) == len(set(codes))
    assert _rank(result, LOCAL) == 1
    mri = next(w for w in result.workup if w.code == "brain_mri")
    assert mri.urgency == "urgent"


def _workup(case: dict[str, Any]) -> dict[str, str]:
    return {w.code: w.urgency for w in assess(parse_case(case)).workup}


def test_a_note_restating_recorded_brain_metastases_asks_for_no_urgent_mri() -> None:
    """An MRI report of treated, stable brain metastases in someone whose brain metastases are recorded
    asked for an urgent brain MRI "because of your symptoms" (the note was read as a new suspicion)."""
    note = "MRI brain 10/2026: two treated brain metastases, stable after SRS."
    case = {**HER2_SECOND_LINE, "brain_mets_status": "stable", "notes": [note]}
    assert _workup(case).get("brain_mri") == "routine"  # the surveillance MRI of stable lesions
    assessment = assess(parse_case(case))
    assert not any("suspected site brain" in line for line in assessment.notes_used)


def test_a_note_naming_brain_metastases_not_recorded_still_asks_for_an_urgent_mri() -> None:
    case = {**HER2_SECOND_LINE, "metastatic_sites": ["lung"], "brain_mets_count": None,
            "notes": ["CT head: possible brain metastasis, MRI advised."]}  # fmt: skip
    assert _workup(case).get("brain_mri") == "urgent"


def test_headache_with_recorded_brain_metastases_still_raises_raised_icp() -> None:
    case = {**HER2_SECOND_LINE, "brain_mets_status": "stable", "symptoms": ["I have a headache"],
            "notes": ["known brain metastases"]}  # fmt: skip
    assessment = assess(parse_case(case))
    assert "raised_icp" in {f.code for f in assessment.red_flags}
    assert _workup(case).get("brain_mri") == "urgent"
