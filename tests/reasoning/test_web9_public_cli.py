"""Web review 9 (/work/scratch-web9/report.md items 4, 6, 7, 8, 10, 11) through public interfaces: the
public CLI, assess, triage and ask, on the review's case a (ILC, leptomeninges, denosumab, a planned
tooth extraction, oligoprogression, primary in place)."""

from __future__ import annotations

import copy
import json

from typer.testing import CliRunner

from mbcnav.case import parse_case
from mbcnav.cli import app
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.safety import public_alert_rows, public_option_note
from mbcnav.reasoning.triage import triage
from mbcnav.search import ask

runner = CliRunner()

CASE_A = {
    "id": "web9-a",
    "patient": {"age": 52, "sex": "F", "menopausal": "post", "weight_kg": 68, "height_cm": 165, "ecog": 1},
    "tumor": {"histology": "ILC", "er_percent": 90, "pr_percent": 30, "her2_ihc": "1+", "pik3ca": "wildtype",
              "esr1": "mutant", "gbrca": "negative"},
    "metastatic_sites": ["bone", "leptomeninges", "peritoneum"],
    "symptoms": ["my fingers and toes are numb"],
    "labs": {"creatinine_mg_dl": 0.9, "calcium_mg_dl": 9.5, "albumin_g_dl": 4.0, "bilirubin_mg_dl": 0.6,
             "anc_per_ul": 3000, "temp_c": 36.8},
    "prior_treatment": [
        {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 20},
        {"drug": "palbociclib", "setting": "metastatic", "progressed": True, "months": 20},
    ],
    "current_meds": ["denosumab", "apixaban", "enoxaparin", "methotrexate", "omeprazole"],
    "line": 4,
    "notes": [
        "Planned tooth extraction next week with the dentist.",
        "Oligoprogression: a single growing lesion in the left femur, all other disease stable.",
        "The breast primary is still in place, intact.",
    ],
}
ONJ = "Your notes say you will have a tooth pulled"


def _cli(case: dict, audience: str, tmp_path) -> str:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    result = runner.invoke(app, ["assess", str(path), "--audience", audience], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    return result.output


def test_public_cli_shows_no_notes_used_lines_or_trial_names(tmp_path) -> None:
    public = _cli(CASE_A, "public", tmp_path)
    assert "note used" not in public and "notes[" not in public and "E2108" not in public
    clinician = _cli(CASE_A, "clinician", tmp_path)  # the care team keeps the account of the notes
    assert "note used: notes[2]" in clinician and "E2108" in clinician


def test_identical_public_safety_texts_are_merged_naming_both_drugs(tmp_path) -> None:
    a = assess(parse_case(CASE_A))
    assert sum(ONJ in s.public for s in a.safety_alerts) == 2  # the assessment keeps one alert per drug
    rows = public_alert_rows(a.safety_alerts)
    onj = [r for r in rows if ONJ in r.public]
    assert len(onj) == 1 and set(onj[0].drugs) == {"denosumab", "zoledronic acid"}
    public = _cli(CASE_A, "public", tmp_path)
    assert public.count(ONJ) == 1


def test_a_current_drug_is_not_offered_as_a_new_option() -> None:
    offered = [o.drugs for o in assess(parse_case(CASE_A)).therapy_options]
    assert ("denosumab",) not in offered
    without = copy.deepcopy(CASE_A)
    without["current_meds"] = ["apixaban"]
    assert ("denosumab",) in [o.drugs for o in assess(parse_case(without)).therapy_options]


def test_one_rule_marks_an_option_with_a_safety_note() -> None:
    a = assess(parse_case(CASE_A))
    for option in a.therapy_options:
        assert bool(public_option_note(option.flags, option.flagged)) == bool(option.flags)
    chemo = next(o for o in a.therapy_options if "capecitabine" in o.drugs)
    assert public_option_note(chemo.flags, chemo.flagged) == "See Medicine safety"


def test_surgery_on_a_known_breast_lump_is_not_a_new_lump() -> None:
    for text in ("should I have surgery on my breast lump", "can they operate on my breast lump",
                 "is surgery to remove my breast lump a good idea"):
        result = triage(text)
        assert "new_lump" not in [f.code for f in result.red_flags], text
    for text in ("I found a new lump in my breast", "there is a lump on my mastectomy scar",
                 "I found a lump on my scar after surgery"):
        assert "new_lump" in [f.code for f in triage(text).red_flags], text


def test_ask_explains_oligoprogression_in_both_voices() -> None:
    for audience in ("public", "clinician"):
        result = ask("what is oligoprogression", audience=audience)
        assert result.answers and result.answers[0].id == "oligoprogression", audience


def test_leptomeningeal_flag_cites_no_sepsis_guideline_unless_it_is_the_emergency() -> None:
    flag = next(f for f in assess(parse_case(CASE_A)).red_flags if f.code == "leptomeningeal_disease")
    assert flag.urgency == "urgent" and "nice-cg151-neutropenic-sepsis" not in flag.sources
    stiff = next(f for f in triage("bad headache, stiff neck and light hurts my eyes").red_flags
                 if f.code == "leptomeningeal_disease")
    assert stiff.urgency == "emergency" and "nice-cg151-neutropenic-sepsis" in stiff.sources


def test_oligoprogression_option_does_not_tell_a_patient_without_treatment_to_keep_drugs() -> None:
    a = assess(parse_case(CASE_A))  # denosumab only: no current anticancer drug
    option = next(o for o in a.therapy_options if o.regimen.startswith("treat the progressing lesion"))
    assert "keep your current" not in option.public and "keep your current" not in option.public_name
