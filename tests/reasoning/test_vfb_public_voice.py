"""A patient advocate's review of the public voice (/work/scratch-voice/report.md items 5, 14, 16, 17),
through the CLI as a patient runs it: plain treatment names, team-centred headings, no internal ids or
codes, and validation messages that say what to type."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from mbcnav.case import parse_case
from mbcnav.cli import app
from mbcnav.errors import CaseValidationError
from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, reading_grade

runner = CliRunner()
THERAPY = Path(__file__).parents[2] / "src" / "mbcnav" / "reasoning" / "rules" / "therapy.yaml"

TNBC_PDL1 = {
    "id": "tnbc-pdl1",
    "patient": {"age": 44, "sex": "F", "menopausal": "pre", "ecog": 1},
    "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0", "pdl1_cps": 15, "gbrca": "negative"},
    "metastatic_sites": ["lung", "lymph_node"],
    "line": 1,
}
TAMOXIFEN_PAROXETINE = {
    "id": "tam-parox",
    "patient": {"age": 45, "sex": "F", "menopausal": "pre", "ecog": 1},
    "tumor": {"er_percent": 90, "pr_percent": 60, "her2_ihc": "0"},
    "metastatic_sites": ["bone"],
    "line": 1,
    "current_meds": ["paroxetine"],
    "proposed_treatment": [{"drug": "tamoxifen", "dose_mg": 20}],
}

PACLITAXEL_ALLERGY = {
    "id": "allergy",
    "patient": {"age": 71, "sex": "M", "ecog": 1},
    "tumor": {"er_percent": 60, "pr_percent": 20, "her2_ihc": "2+", "her2_ish": "amplified"},
    "metastatic_sites": ["bone", "lung"],
    "allergies": [{"drug": "paclitaxel", "reaction": "anaphylaxis", "grade": 4}],
    "proposed_treatment": [{"drug": "paclitaxel", "dose_mg_m2": 80}],
    "line": 1,
}


def _flat(text: str) -> str:
    """The report without rich's table borders and line wraps, so wrapped words can be matched."""
    return re.sub(r"\s+", " ", re.sub(r"[│┃┆┊║|─━┏┓┗┛┡┩└┘┌┐├┤┬┴┼╇╈╋╭╮╯╰]", " ", text))


def _assess(tmp_path: Path, case: dict, *args: str) -> str:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    result = runner.invoke(app, ["assess", str(path), *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.stdout


# 5. every option has a short plain name for the public voice, at reading grade 8 or lower
def _regimens() -> list[dict]:
    return yaml.safe_load(THERAPY.read_text(encoding="utf-8"))["regimens"]


@pytest.mark.parametrize("regimen", _regimens(), ids=lambda r: r["id"])
def test_every_therapy_option_has_a_plain_public_name(regimen: dict) -> None:
    name = regimen.get("public_name")
    assert isinstance(name, str) and name.strip(), f"{regimen['id']}: no public_name"
    grade = reading_grade(name)
    assert grade <= MAX_PUBLIC_GRADE, f"{regimen['id']}: grade {grade:.1f}: {name}"
    assert len(name) <= 90, f"{regimen['id']}: not short: {name}"
    for addition in regimen.get("add", ()):
        label = addition.get("public_label")
        assert isinstance(label, str) and label, f"{regimen['id']}: an add without public_label"
        assert reading_grade(label) <= MAX_PUBLIC_GRADE, label


def test_public_report_names_options_plainly_and_hides_trials_and_raw_keys(tmp_path: Path) -> None:
    public = _flat(_assess(tmp_path, TNBC_PDL1))
    assert "Keytruda, a drug that helps your immune system, with chemo" in public
    assert "gemcitabine-carboplatin" not in public
    assert "KEYNOTE-355" not in public and "kps_estimated" not in public
    clinician = _flat(_assess(tmp_path, TNBC_PDL1, "--audience", "clinician"))
    assert "pembrolizumab + chemotherapy (nab-paclitaxel, paclitaxel or gemcitabine-carboplatin)" in clinician
    assert "KEYNOTE-355" in clinician and "kps_estimated" in clinician


def test_assessment_json_carries_the_public_name_beside_the_regimen(tmp_path: Path) -> None:
    data = json.loads(_assess(tmp_path, TNBC_PDL1, "--json"))
    options = data["therapy_options"]
    option = next(o for o in options if o["regimen"].startswith("pembrolizumab + chemotherapy"))
    assert option["public_name"] == "Keytruda, a drug that helps your immune system, with chemo"
    assert all(o["public_name"] for o in data["therapy_options"])


def test_premenopausal_public_name_names_the_shot_that_is_added() -> None:
    from mbcnav.reasoning.assess import assess

    case = parse_case({**TAMOXIFEN_PAROXETINE, "current_meds": [], "proposed_treatment": []})
    first = assess(case).therapy_options[0]
    assert "goserelin" in first.drugs
    assert "ovarian suppression (goserelin)" in first.regimen
    assert "a shot to turn off the ovaries (goserelin)" in first.public_name


# 14. the public headings say the team decides; no raw alert codes
def test_public_headings_are_team_centred_without_alert_codes(tmp_path: Path) -> None:
    public = _flat(_assess(tmp_path, TAMOXIFEN_PAROXETINE))
    assert "Treatments your team may discuss (most studied first)" in public
    assert "ranked for this case" not in public
    assert "tamoxifen_cyp2d6_inhibitor" not in public and "take care" not in public
    clinician = _flat(_assess(tmp_path, TAMOXIFEN_PAROXETINE, "--audience", "clinician"))
    assert "tamoxifen_cyp2d6_inhibitor" in clinician
    assert "Treatment options (ranked for this case)" in clinician
    blocked = _flat(_assess(tmp_path, PACLITAXEL_ALLERGY))
    assert "Your team should not start this now" in blocked
    assert "do not start" not in blocked and "contraindication" not in blocked and "allergy:" not in blocked
    assert "contraindication" in _flat(_assess(tmp_path, PACLITAXEL_ALLERGY, "--audience", "clinician"))


# 16. ask: titles and a plain next step for the public; ids and scores for clinicians and --json
def test_ask_public_text_hides_ids_and_scores() -> None:
    result = runner.invoke(app, ["ask", "is stage 4 curable", "--audience", "public"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "score" not in result.stdout and "faq-is-stage-4-curable" not in result.stdout
    clinician = runner.invoke(app, ["ask", "is stage 4 curable", "--audience", "clinician"],
                              env={"COLUMNS": "200"})
    assert "faq-is-stage-4-curable" in _flat(clinician.stdout) and "score" in clinician.stdout


def test_ask_no_match_gives_a_patient_a_plain_next_step() -> None:
    result = runner.invoke(app, ["ask", "how do I fix my car gearbox", "--audience", "public"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    data = json.loads(runner.invoke(app, ["ask", "how do I fix my car gearbox", "--json"]).stdout)
    if not data.get("no_good_match"):
        pytest.skip("the engine found a match for this question")
    assert "mbcnav learn ID" not in result.stdout
    assert "care team" in result.stdout
    for suggestion in data.get("suggestions") or []:
        assert f"({suggestion['id']})" not in result.stdout


# 17. validation messages name the field in plain words and say what to type (field path kept)
def _problems(data: dict) -> list[tuple[str, str]]:
    with pytest.raises(CaseValidationError) as info:
        parse_case(data)
    return info.value.problems


def test_a_word_for_a_number_says_what_to_type() -> None:
    ((where, message),) = _problems({"patient": {"age": "sixty"}})
    assert where == "patient.age"
    assert "Input should be" not in message
    assert "age" in message.lower() and "whole number" in message and "62" in message


def test_an_unknown_site_suggests_the_nearest_and_lists_the_accepted_values() -> None:
    ((where, message),) = _problems({"metastatic_sites": ["bones"]})
    assert where == "metastatic_sites.0"
    assert "Input should be" not in message
    assert "did you mean 'bone'" in message.lower()
    assert "liver" in message and "lymph_node" in message


def test_cli_shows_the_plain_message_with_the_field_path(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"patient": {"age": "sixty"}}), encoding="utf-8")
    result = runner.invoke(app, ["assess", str(path)])
    assert result.exit_code == 2
    assert "patient.age" in result.output and "whole number" in result.output
    assert "Input should be" not in result.output
