"""Third pharmacist sweep, H4: facts in free-text notes (reasoning/notes.py, rules/notes.yaml).

A DPYD result or an allergy written only in a note counts like the structured field (CPIC 2017 activity
score bands; paclitaxel and docetaxel labels), and a note that tells the past is not triaged as an
emergency happening now, while a current symptom in the same note still is. Cases are the sweep's
(/work/scratch-pharm3: c07, c31, v03, v04, v27), rebuilt here.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from _helpers import NORMAL_LABS
from _helpers import first_alert as _alert
from _helpers import run as _assess

from mbcnav.assessment import Assessment
from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess

#: the sweep's base patient (TNBC, bone only, normal labs)
BASE: dict[str, Any] = {
    "patient": {"age": 58, "sex": "F", "menopausal": "post", "weight_kg": 68, "height_cm": 164, "ecog": 1},
    "tumor": {"histology": "IDC", "er_percent": 0, "pr_percent": 0, "her2_ihc": "0"},
    "metastatic_sites": ["bone"],
    "labs": dict(NORMAL_LABS),
    "line": 2,
}


def _case(notes: list[str], **over: Any) -> dict[str, Any]:
    case = copy.deepcopy(BASE)
    case["notes"] = notes
    case.update(over)
    return case


def _order(result: Assessment, drug: str) -> Any:
    return next(o for o in result.proposed_orders if o.drug == drug)


CAPECITABINE = [{"drug": "capecitabine", "dose_mg_m2": 1000}]


# --- (a) DPYD --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "note",
    [
        "Pharmacogenetics lab: DPYD c.1905+1G>A (DPYD*2A) homozygous, activity score 0",  # sweep c31
        "DPYD genotype: poor metabolizer (no DPD activity)",  # sweep v03
        "Complete DPD deficiency on DPYD testing",  # sweep v04
        "DPYD activity score 0.5",  # CPIC 2017: 0.5 is a poor metabolizer too
        "DPYD: compound heterozygous c.1905+1G>A and c.2846A>T",  # 2 - 1 - 0.5 = 0.5
    ],
)
def test_a_dpyd_poor_metabolizer_in_a_note_blocks_capecitabine_per_cpic_2017(note: str) -> None:
    result = _assess(_case([note], proposed_treatment=CAPECITABINE))
    alert = _alert(result, "dpyd_poor_metabolizer", "capecitabine")
    assert alert is not None and alert.severity == "contraindication"
    assert _alert(result, "dpyd_test_before_start", "capecitabine") is None
    assert _order(result, "capecitabine").result == "contraindicated"
    assert any("DPYD poor metabolizer" in line and line.startswith("notes[0]") for line in result.notes_used)
    # the capecitabine choice of an "A or B" option is split off and flagged, never offered silently
    for option in result.therapy_options:
        if "capecitabine" in option.drugs and len(option.drugs) == 1:
            assert option.flagged


@pytest.mark.parametrize(
    "note",
    [
        "DPYD intermediate metabolizer",
        "DPYD heterozygous c.1905+1G>A",  # one no-function allele: activity score 1
        "DPYD activity score 1.5",
        "DPYD gene activity score: 1",
        "DPYD intermediate metabolizer, start at 50% and escalate if tolerated",
    ],
)
def test_a_dpyd_intermediate_metabolizer_in_a_note_lowers_the_capecitabine_dose_per_cpic_2017(
    note: str,
) -> None:
    result = _assess(_case([note], proposed_treatment=CAPECITABINE))
    assert _alert(result, "dpyd_intermediate_metabolizer", "capecitabine") is not None
    assert _alert(result, "dpyd_poor_metabolizer", "capecitabine") is None
    # 1000 mg/m2 is above the 625 mg/m2 (about 50%) start of doses.yaml's gene band
    assert "dose_above_adjusted" in _order(result, "capecitabine").alerts


@pytest.mark.parametrize(
    "note",
    ["DPYD test pending", "If DPYD poor metabolizer, avoid capecitabine", "No DPYD result on file"],
)
def test_a_dpyd_test_that_is_planned_or_hypothetical_is_not_a_result(note: str) -> None:
    result = _assess(_case([note], proposed_treatment=CAPECITABINE))
    assert _alert(result, "dpyd_test_before_start", "capecitabine") is not None
    assert _alert(result, "dpyd_poor_metabolizer", "capecitabine") is None


def test_a_dpyd_variant_without_zygosity_is_named_not_guessed() -> None:
    result = _assess(_case(["DPYD c.2846A>T detected"], proposed_treatment=CAPECITABINE))
    assert _alert(result, "dpyd_test_before_start", "capecitabine") is not None
    assert any("could not be read" in line for line in result.notes_used)


def test_a_note_that_disagrees_with_the_recorded_dpyd_is_named_and_never_overrides_it() -> None:
    """Recorded normal, note poor: the field is kept (no dpyd_poor_metabolizer), and the disagreement
    blocks the start until the records are reconciled."""
    data = _case(
        ["DPYD poor metabolizer (activity score 0)"],
        proposed_treatment=CAPECITABINE,
        pharmacogenomics={"dpyd": "normal"},
    )
    result = _assess(data)
    assert _alert(result, "dpyd_poor_metabolizer", "capecitabine") is None
    conflict = _alert(result, "dpyd_note_conflict_poor", "capecitabine")
    assert conflict is not None and conflict.severity == "contraindication"
    assert "cpic-dpyd-2017" in conflict.sources
    assert any("differs from pharmacogenomics.dpyd = normal" in line for line in result.notes_used)


def test_a_milder_note_leaves_a_recorded_poor_metabolizer_in_force() -> None:
    data = _case(
        ["DPYD intermediate metabolizer"], proposed_treatment=CAPECITABINE, pharmacogenomics={"dpyd": "poor"}
    )
    result = _assess(data)
    assert _alert(result, "dpyd_poor_metabolizer", "capecitabine").severity == "contraindication"
    assert _alert(result, "dpyd_note_conflict", "capecitabine").severity == "warning"


def test_a_note_that_agrees_with_the_recorded_dpyd_adds_no_alert() -> None:
    data = _case(
        ["DPYD poor metabolizer"], proposed_treatment=CAPECITABINE, pharmacogenomics={"dpyd": "poor"}
    )
    result = _assess(data)
    assert not [a for a in result.safety_alerts if a.code.startswith("dpyd_note_conflict")]
    assert any("the same as pharmacogenomics.dpyd" in line for line in result.notes_used)


# --- (b) allergies and (c) the past ----------------------------------------------------------------------
def test_a_past_paclitaxel_anaphylaxis_in_a_note_blocks_paclitaxel_and_is_no_emergency_now() -> None:
    """Sweep v27: the note gave EMERGENCY anaphylaxis (IM epinephrine now) while the paclitaxel order
    passed with "no alert". Paclitaxel label (boxed warning): no rechallenge after a severe reaction."""
    note = "Allergy: anaphylaxis to paclitaxel (Taxol) in 2021, required epinephrine"
    result = _assess(_case([note], line=1, proposed_treatment=[{"drug": "paclitaxel", "dose_mg_m2": 80}]))
    assert result.urgency != "emergency"
    assert "anaphylaxis" not in {f.code for f in result.red_flags}
    alert = _alert(result, "allergy", "paclitaxel")
    assert alert is not None and alert.severity == "contraindication"
    assert "fda-label-paclitaxel" in alert.sources
    assert "notes[0]" in alert.clinician
    assert _order(result, "paclitaxel").result == "contraindicated"
    for option in result.therapy_options:
        if option.drugs == ["paclitaxel"] or option.drugs == ("paclitaxel",):
            assert option.flagged
    assert any("anaphylaxis to paclitaxel read from" in line for line in result.notes_used)
    assert any("read as past history" in line and "anaphylaxis" in line for line in result.notes_used)


def test_severe_docetaxel_hypersensitivity_in_a_note_blocks_docetaxel_per_its_label() -> None:
    result = _assess(
        _case(
            ["Severe hypersensitivity to docetaxel"],
            line=1,
            proposed_treatment=[{"drug": "docetaxel", "dose_mg_m2": 75}],
        )
    )
    alert = _alert(result, "allergy", "docetaxel")
    assert alert is not None and alert.severity == "contraindication"
    assert "fda-label-docetaxel" in alert.sources
    assert "polysorbate 80" in alert.clinician
    assert _order(result, "docetaxel").result == "contraindicated"
    # the other taxanes in play get the cross-reactivity warning, as for a recorded allergy
    crossed = {a.drug for a in result.safety_alerts if a.code == "allergy_cross_reactivity"}
    assert crossed and crossed <= {"paclitaxel", "nab-paclitaxel"}


def test_an_allergy_to_carboplatin_in_a_note_blocks_a_carboplatin_order() -> None:
    order = [{"drug": "carboplatin", "target_auc": 5}]
    result = _assess(_case(["Patient is allergic to carboplatin."], proposed_treatment=order))
    assert _order(result, "carboplatin").result == "contraindicated"
    assert "allergy" in _order(result, "carboplatin").alerts


@pytest.mark.parametrize(
    "note",
    [
        "No known drug allergies.",
        "NKDA",
        "Tolerated paclitaxel without reaction",
        "No hypersensitivity to paclitaxel",
        "Premedicated to prevent paclitaxel hypersensitivity",
    ],
)
def test_notes_without_an_allergy_add_none(note: str) -> None:
    result = _assess(_case([note], proposed_treatment=[{"drug": "paclitaxel", "dose_mg_m2": 80}]))
    assert _alert(result, "allergy", "paclitaxel") is None


def test_a_recorded_allergy_is_not_added_twice_from_a_note() -> None:
    data = _case(
        ["Anaphylaxis to paclitaxel in 2021"],
        allergies=[{"drug": "paclitaxel", "reaction": "anaphylaxis", "grade": 4}],
        proposed_treatment=[{"drug": "paclitaxel", "dose_mg_m2": 80}],
    )
    result = _assess(data)
    assert len([a for a in result.safety_alerts if a.code == "allergy"]) == 1
    assert "grade 4" in _alert(result, "allergy", "paclitaxel").clinician
    assert any("already recorded in allergies" in line for line in result.notes_used)


def test_radiation_pneumonitis_in_2019_is_not_a_pneumonitis_to_act_on_now() -> None:
    """Sweep c07: "radiation pneumonitis after chest wall RT 2019" raised an urgent pneumonitis red flag
    ("interrupt the drug") although the patient was on no drug."""
    note = "CT chest: bibasal reticulation, radiation pneumonitis after chest wall RT 2019"
    result = _assess(_case([note]))
    assert "pneumonitis" not in {f.code for f in result.red_flags}
    assert any("read as past history" in line and "pneumonitis" in line for line in result.notes_used)


@pytest.mark.parametrize(
    ("note", "code"),
    [
        (
            "History of anaphylaxis to paclitaxel in 2021. Today swollen tongue and throat after infusion",
            "anaphylaxis",
        ),
        (
            "Cord compression T10 in 2019, treated with RT. New leg weakness and numbness since yesterday",
            "spinal_cord_compression",
        ),
        (
            "Radiation pneumonitis in 2019. Now new cough and short of breath, pneumonitis suspected",
            "pneumonitis",
        ),
        ("MRI 2026: hydrocephalus", "raised_icp"),  # a report header year is not the past
        ("MRI brain 10/2026: new hydrocephalus", "raised_icp"),
    ],
)
def test_a_current_problem_in_a_note_that_also_tells_the_past_is_still_raised(note: str, code: str) -> None:
    result = _assess(_case([note]))
    assert code in {f.code for f in result.red_flags}


@pytest.mark.parametrize(
    "note",
    [
        "Pneumonitis on abemaciclib 2023, resolved",
        "Febrile neutropenia in 2022 after docetaxel",
        "History of cord compression, treated with radiotherapy",
    ],
)
def test_a_problem_the_note_dates_to_the_past_raises_no_red_flag(note: str) -> None:
    result = _assess(_case([note]))
    assert result.red_flags == () or not result.red_flags
    assert any("read as past history" in line for line in result.notes_used)


@pytest.mark.parametrize(
    "note",
    ["Counselled on ILD risk with T-DXd.", "Pneumonitis ruled out on CT.", "Monitor for pneumonitis.",
     "Educated on pneumonitis symptoms to report."],
)
def test_a_note_naming_a_risk_or_a_ruled_out_problem_raises_no_red_flag(note: str) -> None:
    # Each of these once raised an urgent pneumonitis red flag ("interrupt the drug") from a plan or a
    # negative result in the chart.
    data = {"id": "n", "patient": {"age": 58, "sex": "F", "menopausal": "post"},
            "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "1+"}, "metastatic_sites": ["liver"],
            "line": 2, "notes": [note]}
    result = assess(parse_case(data))
    assert "pneumonitis" not in [f.code for f in result.red_flags]
    assert any("ruled out, or a risk to watch for" in line for line in result.notes_used)
    assert not [a for a in result.safety_alerts if a.code == "ild_history"], "a risk is not a history"


@pytest.mark.parametrize(
    "note",
    ["Pulmonary embolism cannot be excluded, CTPA booked.", "New cough, monitor for pneumonitis.",
     "Pneumonitis not excluded on CT today."],
)
def test_a_suspected_or_current_problem_in_a_note_is_still_raised(note: str) -> None:
    data = {"id": "n", "patient": {"age": 58, "sex": "F", "menopausal": "post"},
            "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "1+"}, "metastatic_sites": ["liver"],
            "line": 2, "notes": [note], "current_treatment": [{"drug": "trastuzumab deruxtecan"}]}
    assert assess(parse_case(data)).red_flags, note
