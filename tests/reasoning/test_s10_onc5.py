"""Session 10, onc5: therapy-option gaps a breast medical oncologist would notice.

1. Endocrine-naive HR+/HER2- disease at a later line (chemotherapy came first, e.g. for a visceral crisis):
   an aromatase inhibitor + CDK4/6 inhibitor is offered, not only fulvestrant + ribociclib. The labels give
   AI + CDK4/6i "as initial endocrine-based therapy" (Ibrance, Kisqali, Verzenio); MONALEESA-7 enrolled up to
   one chemotherapy line for advanced disease (Tripathy, Lancet Oncol 2018). Relapse within 12 months of an
   adjuvant AI is endocrine resistance (ABC 5): no AI + CDK4/6i, fulvestrant + CDK4/6i instead.
2. HER2-positive at a stated later line with no HER2-directed drug on record: the first HER2 regimen
   (pertuzumab + trastuzumab + a taxane, CLEOPATRA: no chemotherapy or HER2 therapy for metastatic disease)
   is reachable, and the options say what the record lacks.
3. Drugs given together (same setting, months and outcome) are one regimen = one line, in every path.
4. A ctDNA / liquid-biopsy ESR1 or PIK3CA result written in a note fills an empty tumor field (ASCO 2023
   ESR1 rapid update: test blood ctDNA at progression; PIK3CA too), with a notes_used line; a recorded value
   is never replaced.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from _helpers import FULL_PANEL_LABS
from typer.testing import CliRunner

from mbcnav.assessment import Assessment
from mbcnav.case import parse_case
from mbcnav.cli import app
from mbcnav.reasoning.assess import assess

_HR_POS: dict[str, Any] = {
    "patient": {"age": 60, "sex": "F", "menopausal": "post", "ecog": 1, "weight_kg": 68, "height_cm": 164},
    "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 50, "her2_ihc": "0"},
    "metastatic_sites": ["liver"],
    "labs": dict(FULL_PANEL_LABS),
}
_PACLITAXEL_FAILED = {"drug": "paclitaxel", "setting": "metastatic", "progressed": True, "months": 6}
_HER2_POS: dict[str, Any] = {
    "patient": {"age": 55, "sex": "F", "menopausal": "post", "ecog": 1, "weight_kg": 68, "height_cm": 164},
    "tumor": {"histology": "IDC", "er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"},
    "metastatic_sites": ["liver"],
    "labs": dict(FULL_PANEL_LABS),
}


def _run(base: dict[str, Any], **over: Any) -> Assessment:
    case = copy.deepcopy(base)
    case.update(over)
    return assess(parse_case(case))


def _option(result: Assessment, *drugs: str) -> Any:
    """The first option holding every one of these drugs (None when none does)."""
    return next((o for o in result.therapy_options if set(drugs) <= set(o.drugs)), None)


def _rank(result: Assessment, *drugs: str) -> int:
    option = _option(result, *drugs)
    assert option is not None, (drugs, [o.regimen for o in result.therapy_options])
    return option.rank


# --- 1. endocrine-naive HR+/HER2- at a later line -----------------------------------------------------------
def test_brief_case_line_2_after_paclitaxel_offers_an_ai_with_a_cdk46_inhibitor_first() -> None:
    """The brief's case: postmenopausal, line 2, only metastatic paclitaxel on record. AI + ribociclib
    (MONALEESA-2; Kisqali label: AI as initial endocrine-based therapy) ranks first, AI + abemaciclib
    (MONARCH 3) and AI + palbociclib (PALOMA-2) are offered, fulvestrant + ribociclib stays."""
    result = _run(_HR_POS, line=2, prior_treatment=[_PACLITAXEL_FAILED])
    top = result.therapy_options[0]
    assert "ribociclib" in top.drugs and "letrozole" in top.drugs, top.regimen
    assert "No endocrine therapy" in top.rationale and "initial endocrine-based therapy" in top.rationale
    for drugs in (("letrozole", "abemaciclib"), ("letrozole", "palbociclib"), ("fulvestrant", "ribociclib")):
        assert _option(result, *drugs) is not None, drugs
    assert _rank(result, "letrozole", "ribociclib") < _rank(result, "fulvestrant", "ribociclib")
    # the chemotherapy it grew on is not offered again, and the other single agents stay
    assert _option(result, "vinorelbine") is not None


def test_the_brief_case_through_the_cli_json() -> None:
    case = {**copy.deepcopy(_HR_POS), "line": 2, "prior_treatment": [_PACLITAXEL_FAILED]}
    out = CliRunner().invoke(app, ["assess", "-", "--json"], input=json.dumps(case))
    assert out.exit_code == 0, out.output
    options = json.loads(out.output)["therapy_options"]
    assert {"letrozole", "ribociclib"} <= set(options[0]["drugs"])


def test_premenopausal_line_2_after_chemotherapy_gets_ovarian_suppression_ai_and_ribociclib() -> None:
    """MONALEESA-7 enrolled pre/perimenopausal women after up to one chemotherapy line for advanced
    disease."""
    patient = {**_HR_POS["patient"], "age": 42, "menopausal": "pre"}
    result = _run(_HR_POS, patient=patient, line=2, prior_treatment=[_PACLITAXEL_FAILED])
    option = _option(result, "ribociclib", "letrozole")
    assert option is not None and "goserelin" in option.drugs


def test_relapse_within_12_months_of_adjuvant_ai_gets_fulvestrant_with_a_cdk46_inhibitor_not_an_ai() -> None:
    """ABC 5: relapse on or within 12 months of adjuvant endocrine therapy is endocrine resistance; the
    AI + CDK4/6i trials excluded it (PALOMA-2, MONALEESA-2, MONARCH 3), fulvestrant + CDK4/6i is used."""
    prior = [
        {"drug": "letrozole", "setting": "adjuvant", "progressed": True, "relapse_after_end_months": 4},
        _PACLITAXEL_FAILED,
    ]
    result = _run(_HR_POS, line=2, prior_treatment=prior)
    assert not any("letrozole" in o.drugs and "ribociclib" in o.drugs for o in result.therapy_options)
    assert not any(
        {"letrozole", "anastrozole"} & set(o.drugs) and "palbociclib" in o.drugs
        for o in result.therapy_options
    )
    assert _option(result, "fulvestrant", "ribociclib") is not None
    assert _option(result, "fulvestrant", "abemaciclib") is not None


def test_relapse_years_after_adjuvant_ai_is_endocrine_sensitive_and_gets_an_ai_with_cdk46() -> None:
    prior = [
        {"drug": "anastrozole", "setting": "adjuvant", "progressed": True, "relapse_after_end_months": 30},
        _PACLITAXEL_FAILED,
    ]
    result = _run(_HR_POS, line=2, prior_treatment=prior)
    assert "ribociclib" in result.therapy_options[0].drugs
    assert _option(result, "letrozole", "ribociclib") is not None


def test_endocrine_therapy_given_for_metastatic_disease_keeps_the_later_line_options() -> None:
    """Not endocrine-naive: after an AI + CDK4/6i for metastatic disease nothing first-line comes back."""
    prior = [
        {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 18},
        {"drug": "palbociclib", "setting": "metastatic", "progressed": True, "months": 18},
    ]
    result = _run(_HR_POS, line=2, prior_treatment=prior)
    assert _option(result, "letrozole", "ribociclib") is None
    assert _option(result, "letrozole", "abemaciclib") is None


def test_chemotherapy_responding_after_visceral_crisis_lists_endocrine_maintenance_first() -> None:
    """ABC 5 / NCCN: once chemotherapy controls an endocrine-naive HR+/HER2- cancer, maintenance endocrine
    therapy (with a CDK4/6 inhibitor) is the usual switch; going on with chemotherapy stays an option."""
    prior = [{"drug": "paclitaxel", "setting": "metastatic", "progressed": False, "months": 4}]
    current = [{"drug": "paclitaxel"}]
    result = _run(_HR_POS, line=2, prior_treatment=prior, current_treatment=current)
    assert {"letrozole", "ribociclib"} <= set(result.therapy_options[0].drugs)
    keep = next(o for o in result.therapy_options if o.category == "continue")
    assert "maintenance endocrine therapy" in keep.rationale
    assert _rank(result, "letrozole", "ribociclib") < keep.rank


# --- 2. HER2-positive at a later line, no HER2 drug on record -----------------------------------------------
def test_her2_line_2_after_capecitabine_with_no_her2_drug_offers_the_first_her2_regimen() -> None:
    """CLEOPATRA enrolled people without HER2 therapy for metastatic disease: the first HER2 regimen is
    reachable and says the record holds no HER2 drug; T-DXd (DESTINY-Breast03 enrolled after trastuzumab)
    says so too."""
    prior = [{"drug": "capecitabine", "setting": "metastatic", "progressed": True, "months": 5}]
    result = _run(_HER2_POS, line=2, prior_treatment=prior)
    hp = _option(result, "pertuzumab", "trastuzumab", "docetaxel")
    assert hp is not None and "No HER2-directed drug" in hp.rationale
    assert result.therapy_options[0] is hp
    tdxd = _option(result, "trastuzumab deruxtecan")
    assert tdxd is not None and "No HER2 antibody is recorded" in tdxd.rationale
    assert "pertuzumab" not in tdxd.drugs  # DESTINY-Breast09's first-line pair is not for a later line


def test_her2_line_2_after_paclitaxel_progression_keeps_t_dxd_and_no_taxane_again() -> None:
    result = _run(_HER2_POS, line=2, prior_treatment=[_PACLITAXEL_FAILED])
    assert _option(result, "pertuzumab", "trastuzumab", "docetaxel") is None
    tdxd = _option(result, "trastuzumab deruxtecan")
    assert tdxd is not None and "No HER2 antibody is recorded" in tdxd.rationale


def test_her2_stated_line_3_with_no_record_says_what_the_record_lacks_in_the_first_line_options() -> None:
    result = _run(_HER2_POS, line=3, prior_treatment=[])
    assert "confirm_line_of_therapy" in [w.code for w in result.workup]
    for drugs in (("trastuzumab deruxtecan", "pertuzumab"), ("pertuzumab", "trastuzumab", "docetaxel")):
        option = _option(result, *drugs)
        assert option is not None and "stated line" in option.rationale, drugs


def test_her2_therapy_already_given_for_metastatic_disease_gets_no_first_her2_regimen_again() -> None:
    prior = [
        {"drug": "trastuzumab", "setting": "metastatic", "progressed": True, "months": 20},
        {"drug": "pertuzumab", "setting": "metastatic", "progressed": True, "months": 20},
        {"drug": "docetaxel", "setting": "metastatic", "progressed": True, "months": 20},
    ]
    result = _run(_HER2_POS, line=2, prior_treatment=prior)
    assert result.therapy_options[0].drugs == ("trastuzumab deruxtecan",)
    assert not any("No HER2" in o.rationale for o in result.therapy_options)


# --- 3. one regimen = one line ------------------------------------------------------------------------------
_AI_CDK = [
    {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 18},
    {"drug": "palbociclib", "setting": "metastatic", "progressed": True, "months": 18},
]


def test_letrozole_with_palbociclib_for_18_months_is_one_line_in_options_workup_and_prognosis() -> None:
    derived = _run(_HR_POS, prior_treatment=_AI_CDK)
    stated = _run(_HR_POS, line=2, prior_treatment=_AI_CDK)
    for result in (derived, stated):
        assert "confirm_line_of_therapy" not in [w.code for w in result.workup]
        # a second line: no first-line trial median (MONALEESA-2) for this person
        assert "MONALEESA-2" not in result.prognosis.clinician
        assert _option(result, "fulvestrant", "abemaciclib") is not None  # postMONARCH after CDK4/6i
    # line 3 stated with one more regimen recorded: no conflict either
    third = _run(
        _HR_POS,
        line=3,
        prior_treatment=[
            *_AI_CDK,
            {"drug": "fulvestrant", "setting": "metastatic", "progressed": True, "months": 5},
        ],
    )
    assert "confirm_line_of_therapy" not in [w.code for w in third.workup]
    # a first line stated against the record is overridden (the pair still counts as one regimen)
    first = _run(_HR_POS, line=1, prior_treatment=_AI_CDK)
    item = next(w for w in first.workup if w.code == "confirm_line_of_therapy")
    assert "overridden" in item.rationale


# --- 4. ESR1 / PIK3CA from notes ----------------------------------------------------------------------------
_AFTER_AI_CDK = {"line": 2, "prior_treatment": _AI_CDK}


@pytest.mark.parametrize(
    "note",
    [
        "ctDNA (Guardant360) 2026-10: ESR1 Y537S detected",
        "liquid biopsy shows ESR1 mutation",
        "Guardant360 CDx: ESR1 D538G, VAF 2.1%",
    ],
)
def test_an_esr1_mutation_in_a_note_is_read_as_tumor_esr1_with_a_notes_used_line(note: str) -> None:
    result = _run(_HR_POS, notes=[note], **_AFTER_AI_CDK)
    assert any("ESR1" in line and "tumor.esr1" in line and "mutant" in line for line in result.notes_used)
    assert _option(result, "elacestrant") is not None  # EMERALD: ESR1-mutated after CDK4/6i
    assert "esr1_ctdna_test" not in [w.code for w in result.workup]


def test_without_the_note_no_esr1_option_is_offered() -> None:
    result = _run(_HR_POS, **_AFTER_AI_CDK)
    assert _option(result, "elacestrant") is None


@pytest.mark.parametrize(
    "note",
    [
        "ctDNA: ESR1 not detected",
        "Liquid biopsy: no ESR1 mutation detected",
        "Plan: send ctDNA for ESR1 testing",
        "ESR1 testing pending",
        "ESR1 variant of uncertain significance",
    ],
)
def test_a_note_without_an_esr1_mutation_offers_no_esr1_drug(note: str) -> None:
    result = _run(_HR_POS, notes=[note], **_AFTER_AI_CDK)
    assert _option(result, "elacestrant") is None, note


def test_an_esr1_not_detected_note_fills_wildtype_and_says_so() -> None:
    result = _run(_HR_POS, notes=["ctDNA (Guardant360): ESR1 not detected"], **_AFTER_AI_CDK)
    assert any("tumor.esr1" in line and "wildtype" in line for line in result.notes_used)


def test_a_note_never_overrides_a_recorded_esr1_value_and_names_the_conflict() -> None:
    tumor = {**_HR_POS["tumor"], "esr1": "wildtype"}
    result = _run(_HR_POS, tumor=tumor, notes=["ctDNA 2026-10: ESR1 Y537S detected"], **_AFTER_AI_CDK)
    assert _option(result, "elacestrant") is None
    line = next(x for x in result.notes_used if "ESR1" in x)
    assert "kept" in line and "wildtype" in line


def test_a_pik3ca_mutation_on_ctdna_in_a_note_is_read_and_offers_capivasertib() -> None:
    """CAPItello-291 / SOLAR-1: PIK3CA-altered disease after endocrine therapy; ctDNA or tissue (labels)."""
    notes = ["ctDNA (Guardant360) 2026-10: PIK3CA H1047R detected, ESR1 not detected"]
    result = _run(_HR_POS, notes=notes, **_AFTER_AI_CDK)
    assert any("PIK3CA" in line and "tumor.pik3ca" in line for line in result.notes_used)
    assert _option(result, "capivasertib", "fulvestrant") is not None
    assert _option(result, "elacestrant") is None


def test_one_part_naming_two_genes_with_mixed_results_is_named_and_not_guessed() -> None:
    result = _run(_HR_POS, notes=["NGS: PIK3CA H1047R detected and ESR1 not detected"], **_AFTER_AI_CDK)
    unread = [line for line in result.notes_used if "could not be read" in line]
    assert any("PIK3CA" in line for line in unread) and any("ESR1" in line for line in unread)
    assert _option(result, "capivasertib", "fulvestrant") is None
    assert _option(result, "elacestrant") is None


def test_both_genes_not_detected_in_one_part_fill_both_fields_as_wildtype() -> None:
    result = _run(_HR_POS, notes=["ctDNA 2026-10: ESR1 and PIK3CA not detected"], **_AFTER_AI_CDK)
    for field in ("tumor.esr1", "tumor.pik3ca"):
        assert any(field in line and "wildtype" in line for line in result.notes_used), field
    # read as a wildtype result, so the workup asks to repeat it at this progression (ASCO 2023), not to test
    item = next(w for w in result.workup if w.code == "esr1_ctdna_test")
    assert "repeated at each progression" in item.rationale
