"""Fourth oncologist review (items 3, 4, 10, 12): leptomeningeal disease recorded as a site, oligoprogression
read as its own note concept, oral options with a blocked bowel, and the liver_failure red flag's own
definition. Each test runs a whole case through assess() (or triage) and reads what a reader would see."""

from __future__ import annotations

from typing import Any

from _helpers import FULL_PANEL_LABS

from mbcnav.assessment import Assessment
from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.triage import triage

HR_POS = {"er_percent": 90, "pr_percent": 40, "her2_ihc": "0", "pik3ca": "wildtype", "esr1": "wildtype"}
AI_RIBO = [
    {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 26},
    {"drug": "ribociclib", "setting": "metastatic", "progressed": True, "months": 26},
]


def _assess(sites: list[str], line: int, prior: list[dict], **extra: Any) -> Assessment:
    labs = {**FULL_PANEL_LABS, **extra.pop("labs", {})}
    data = {
        "patient": {
            "age": 60,
            "sex": "F",
            "menopausal": "post",
            "weight_kg": 68,
            "height_cm": 164,
            "ecog": 1,
        },
        "tumor": extra.pop("tumor", HR_POS),
        "metastatic_sites": sites,
        "labs": labs,
        "line": line,
        "prior_treatment": prior,
        **extra,
    }
    return assess(parse_case(data))


# --- item 3: leptomeningeal disease recorded as a site ------------------------------------------------------
def test_leptomeningeal_prognosis_quotes_no_first_line_trial_median_per_morikawa_2017() -> None:
    result = _assess(["leptomeninges", "bone"], 1, [])
    prognosis = result.prognosis
    assert "63.9" not in prognosis.public and "63.9" not in prognosis.clinician
    assert "MONALEESA" not in prognosis.clinician
    # the leptomeningeal figure, in both voices, with its source
    assert "3.5 months" in prognosis.clinician
    assert "3 and a half months" in prognosis.public
    assert "morikawa-2017-breast-lm" in prognosis.sources


def test_prognosis_without_leptomeninges_keeps_the_first_line_trial_median() -> None:
    result = _assess(["bone"], 1, [])
    assert "63.9" in result.prognosis.clinician
    assert "morikawa-2017-breast-lm" not in result.prognosis.sources


def test_leptomeninges_recorded_raises_the_red_flag_without_symptoms() -> None:
    result = _assess(["leptomeninges", "bone"], 1, [])
    codes = {f.code: f.urgency for f in result.red_flags}
    assert codes.get("leptomeningeal_disease") == "urgent"
    assert result.urgency == "urgent"
    work = {w.code for w in result.workup}
    assert {"brain_mri", "spine_mri", "csf_cytology"} <= work


# --- item 4: oligoprogression -------------------------------------------------------------------------------
OLIGOPROGRESSION = (
    "Oligoprogression: single liver lesion progressing on letrozole + ribociclib, everything else stable."
)


def _regimens(result: Assessment) -> list[str]:
    return [o.regimen for o in result.therapy_options]


def test_oligoprogression_note_is_not_read_as_oligometastatic_nrg_br002() -> None:
    result = _assess(["liver", "bone"], 2, AI_RIBO, notes=[OLIGOPROGRESSION])
    assert not any("NRG-BR002" in o.evidence for o in result.therapy_options)
    assert not any("oligometastatic" in line for line in result.notes_used)
    assert any("oligoprogression" in line for line in result.notes_used)


def test_oligoprogression_offers_local_therapy_with_the_current_treatment_and_the_curb_caveat() -> None:
    result = _assess(["liver", "bone"], 2, AI_RIBO, notes=[OLIGOPROGRESSION])
    local = [o for o in result.therapy_options if "progressing lesion" in o.regimen]
    assert len(local) == 1, _regimens(result)
    option = local[0]
    assert "CURB" in option.evidence
    assert "curb-2024" in option.sources
    assert "no" in option.clinician and "breast" in option.clinician


def test_oligoprogression_described_without_the_word_on_a_responding_regimen() -> None:
    current = [{"drug": "letrozole"}, {"drug": "ribociclib"}]
    prior = [{**p, "progressed": False} for p in AI_RIBO]
    note = (
        "CT: one liver lesion grew 18->31 mm; all other lesions stable. Discuss SBRT to the progressing "
        "lesion and continuing letrozole + ribociclib."
    )
    result = _assess(["liver", "bone"], 1, prior, current_treatment=current, notes=[note])
    regimens = _regimens(result)
    assert any("progressing lesion" in r for r in regimens), regimens
    assert any(r.startswith("continue the current treatment") for r in regimens), regimens


def test_a_denied_oligoprogression_is_not_read() -> None:
    note = "Widespread progression in liver and bone, not oligoprogression."
    result = _assess(["liver", "bone"], 2, AI_RIBO, notes=[note])
    assert not any("progressing lesion" in r for r in _regimens(result))


# --- item 10: complete bowel obstruction --------------------------------------------------------------------
OBSTRUCTION = "I keep vomiting and haven't opened my bowels or passed wind for 4 days"


def test_vomiting_with_no_bowels_opened_or_wind_passed_is_an_emergency_per_mascc() -> None:
    result = triage(OBSTRUCTION)
    assert result.urgency == "emergency"
    assert next(f.code for f in result.red_flags) == "bowel_obstruction"


def test_oral_options_carry_a_bowel_obstruction_note() -> None:
    prior = [
        {"drug": "anastrozole", "setting": "metastatic", "progressed": True, "months": 30},
        {"drug": "palbociclib", "setting": "metastatic", "progressed": True, "months": 30},
    ]
    result = _assess(["peritoneum", "bone"], 2, prior, symptoms=[OBSTRUCTION])
    oral = [o for o in result.therapy_options if {"capecitabine", "abemaciclib", "everolimus"} & set(o.drugs)]
    assert oral
    for option in oral:
        assert "oral_route_bowel_obstruction" in option.flags, (option.regimen, option.flags)
    alerts = {a.code for a in result.safety_alerts}
    assert "oral_route_bowel_obstruction" in alerts
    # an intravenous-only option does not get it
    iv = [o for o in result.therapy_options if set(o.drugs) == {"fulvestrant"}]
    for option in iv:
        assert "oral_route_bowel_obstruction" not in option.flags


# --- item 12: liver_failure needs encephalopathy or coagulopathy --------------------------------------------
def test_bilirubin_2_6_without_inr_or_confusion_is_visceral_crisis_not_liver_failure() -> None:
    labs = {"bilirubin_mg_dl": 2.6, "alt_u_l": 210, "ast_u_l": 240, "albumin_g_dl": 3.1}
    result = _assess(
        ["liver", "bone"], 1, [], labs=labs, symptoms=["my eyes have gone yellow and my belly is swollen"]
    )
    codes = {f.code for f in result.red_flags}
    assert "visceral_crisis" in codes
    assert "liver_failure" not in codes


def test_jaundice_with_confusion_is_still_liver_failure() -> None:
    result = triage("my eyes have gone yellow and I am confused")
    assert {f.code: f.urgency for f in result.red_flags}.get("liver_failure") == "emergency"
