"""Fourth oncologist review, items 9, 11 and 13.

9: a note about the intact breast primary of de novo stage IV disease gets E2108's answer (Khan, JCO 2022:
3-year OS 68.4% vs 67.9%, HR 1.11; better local control only), and a fungating or bleeding primary gets a
palliative local-therapy option. 11: evidence not yet approved (SERENA-6 camizestrant, HER2CLIMB-05
tucatinib maintenance) is listed only where the case fits, labelled as not approved, with no drug offered.
13: a note about lobular spread to the stomach, bowel wall or peritoneum is read, and ILC gets a workup
item that says FDG-PET is less sensitive for lobular cancer (Hogan, J Nucl Med 2015) and names its
GI/peritoneal pattern (Wong, Insights Imaging 2021)."""

from __future__ import annotations

from typing import Any

from _helpers import FULL_PANEL_LABS

from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess

_PATIENT = {"age": 60, "sex": "F", "menopausal": "post", "weight_kg": 68, "height_cm": 164, "ecog": 1}
_HR_POS = {"er_percent": 90, "pr_percent": 40, "her2_ihc": "1+"}
_HER2_POS = {"er_percent": 80, "pr_percent": 30, "her2_ihc": "3+"}


def _result(tumor: dict[str, Any], sites: list[str], **extra: Any) -> Any:
    case = {"patient": _PATIENT, "tumor": tumor, "metastatic_sites": sites, "labs": dict(FULL_PANEL_LABS)}
    return assess(parse_case({**case, **extra}))


def _by_evidence(result: Any, trial: str) -> Any:
    return next((o for o in result.therapy_options if trial in o.evidence), None)


# --- 9: surgery of the intact primary ------------------------------------------------------------------
_ASKS = (
    "De novo stage IV: primary tumour intact (3.1 cm, left breast); "
    "patient asks whether mastectomy would help her live longer."
)


def test_a_note_asking_about_surgery_of_the_intact_primary_gets_e2108_against_khan_2022() -> None:
    result = _result(_HR_POS, ["bone"], line=1, notes=[_ASKS])
    option = _by_evidence(result, "E2108")
    assert option is not None and option.category == "local" and option.drugs == ()
    assert "not routine" in option.regimen
    assert "1.11" in option.clinician and "68.4" in option.clinician and "67.9" in option.clinician
    assert "symptom" in option.rationale
    assert option.rank > result.therapy_options[0].rank  # systemic therapy stays first
    assert any("primary" in line and "notes[0]" in line for line in result.notes_used)


def test_a_question_about_removing_the_breast_lump_is_read_too() -> None:
    note = "She wants to know if they should remove the breast lump now that it has spread?"
    assert _by_evidence(_result(_HR_POS, ["bone"], line=1, notes=[note]), "E2108") is not None


def test_past_surgery_or_no_note_gives_no_primary_surgery_item() -> None:
    for notes in (
        [],
        ["s/p mastectomy 2019, recurrence in bone 2026."],
        ["Mastectomy and radiotherapy in 2018."],
    ):
        result = _result(_HR_POS, ["bone"], line=1, notes=notes)
        assert _by_evidence(result, "E2108") is None, notes


def test_a_fungating_bleeding_primary_gets_palliative_local_therapy() -> None:
    note = (
        "De novo metastatic: intact 7 cm left breast primary, ulcerated and fungating, "
        "intermittent bleeding and odour."
    )
    result = _result(_HER2_POS, ["liver", "lymph_node", "skin"], line=1, notes=[note])
    wound = next(o for o in result.therapy_options if o.category == "local" and "wound" in o.regimen)
    assert "radiotherapy" in wound.regimen and "surgery" in wound.regimen
    assert "symptom" in wound.rationale
    assert wound.rank > result.therapy_options[0].rank
    assert any("bleeding or fungating" in line for line in result.notes_used)


def test_no_fungating_wound_option_when_the_note_denies_it() -> None:
    note = "Intact breast primary, no ulceration, not fungating, no bleeding."
    result = _result(_HR_POS, ["bone"], line=1, notes=[note])
    assert not any("wound" in o.regimen for o in result.therapy_options)


# --- 11: not-yet-approved evidence ------------------------------------------------------------------------
_AI_PALBO_RESPONDING = [
    {"drug": "letrozole", "setting": "metastatic", "progressed": False, "months": 14},
    {"drug": "palbociclib", "setting": "metastatic", "progressed": False, "months": 14},
]
_ON_AI_PALBO = [{"drug": "letrozole"}, {"drug": "palbociclib"}]


def test_esr1_emerging_on_ai_cdk46_without_progression_names_serena6_as_not_approved() -> None:
    tumor = {**_HR_POS, "her2_ihc": "0", "esr1": "mutant"}
    note = "ctDNA 3/2026: ESR1 D538G newly detected; CT and bone scan: stable disease, no progression."
    result = _result(
        tumor,
        ["bone"],
        line=1,
        prior_treatment=_AI_PALBO_RESPONDING,
        current_treatment=_ON_AI_PALBO,
        notes=[note],
    )
    option = _by_evidence(result, "SERENA-6")
    assert option is not None and option.category == "trial" and option.drugs == ()
    assert "not FDA-approved" in option.regimen and "camizestrant" in option.regimen
    assert "16.0" in option.clinician and "9.2" in option.clinician and "0.44" in option.clinician
    assert "letrozole" in result.therapy_options[0].drugs  # continuing stays first
    offered = {d for o in result.therapy_options for d in o.drugs}
    assert not offered & {"elacestrant", "imlunestrant", "vepdegestrant", "fulvestrant"}


def test_serena6_is_not_named_without_esr1_or_after_progression() -> None:
    tumor = {**_HR_POS, "her2_ihc": "0", "esr1": "wildtype"}
    current = {"current_treatment": _ON_AI_PALBO}
    wildtype = _result(tumor, ["bone"], line=1, prior_treatment=_AI_PALBO_RESPONDING, **current)
    assert _by_evidence(wildtype, "SERENA-6") is None
    progressed = [{**p, "progressed": True} for p in _AI_PALBO_RESPONDING]
    after = _result({**tumor, "esr1": "mutant"}, ["bone"], line=2, prior_treatment=progressed)
    assert _by_evidence(after, "SERENA-6") is None


_THP_RESPONDING = [
    {"drug": d, "setting": "metastatic", "progressed": False, "months": 4.5}
    for d in ("docetaxel", "trastuzumab", "pertuzumab")
]


def test_hp_maintenance_names_her2climb05_as_not_approved() -> None:
    result = _result(
        _HER2_POS,
        ["liver", "bone"],
        line=1,
        prior_treatment=_THP_RESPONDING,
        current_treatment=[{"drug": "trastuzumab"}, {"drug": "pertuzumab"}],
    )
    option = _by_evidence(result, "HER2CLIMB-05")
    assert option is not None and option.category == "trial" and option.drugs == ()
    # the name offers no drug (test_ofb_safety_findings): tucatinib is named in the texts, not the regimen
    assert "not FDA-approved" in option.regimen and "tucatinib" in option.clinician
    assert "24.9" in option.clinician and "16.3" in option.clinician and "0.64" in option.clinician
    assert "trastuzumab" in result.therapy_options[0].drugs


def test_her2climb05_is_not_named_at_first_line_before_induction() -> None:
    result = _result(_HER2_POS, ["liver", "bone"], line=1)
    assert _by_evidence(result, "HER2CLIMB-05") is None


# --- 13: lobular cancer ------------------------------------------------------------------------------------
_ILC = {"histology": "ILC", "er_percent": 95, "pr_percent": 60, "her2_ihc": "0"}


def test_ilc_gastric_infiltration_note_is_read_and_the_workup_names_pet_and_the_gi_pattern() -> None:
    note = "Gastroscopy: diffuse gastric wall infiltration by lobular carcinoma, E-cadherin negative."
    result = _result(_ILC, ["peritoneum", "bone", "other"], line=1, notes=[note])
    assert any("stomach" in line and "notes[0]" in line for line in result.notes_used)
    item = next(w for w in result.workup if w.code == "lobular_imaging")
    assert "FDG" in item.clinician and "lobular" in item.clinician.lower()
    assert "peritone" in item.clinician and ("GI" in item.clinician or "gastrointestinal" in item.clinician)
    assert item.sources and item.urgency == "routine"


def test_ductal_cancer_gets_no_lobular_imaging_item() -> None:
    result = _result({**_ILC, "histology": "IDC"}, ["bone"], line=1)
    assert not any(w.code == "lobular_imaging" for w in result.workup)


def test_a_negated_gi_note_is_not_read_as_lobular_gi_spread() -> None:
    note = "Gastroscopy normal, no gastric infiltration."
    result = _result(_ILC, ["bone"], line=1, notes=[note])
    assert not any("stomach" in line for line in result.notes_used)
