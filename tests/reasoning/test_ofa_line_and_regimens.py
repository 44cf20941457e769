"""Fourth oncologist review, defects 1 and 2: a stated line that contradicts prior_treatment is named in
the Assessment (workup code confirm_line_of_therapy) and never turned into an unrecorded progression, and
chemotherapy is counted in regimens (drugs given together), not drugs, as the eribulin label and EMBRACE
(Cortes, Lancet 2011: two or more earlier regimens for advanced disease) count it."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from mbcnav.case import parse_case
from mbcnav.cli import app
from mbcnav.reasoning.assess import assess

_HR_POS = {
    "patient": {"age": 62, "sex": "F", "menopausal": "post", "ecog": 1},
    "tumor": {"er_percent": 90, "pr_percent": 40, "her2_ihc": "0"},
    "metastatic_sites": ["bone", "liver"],
}
_AI_CDK = [
    {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 18},
    {"drug": "palbociclib", "setting": "metastatic", "progressed": True, "months": 18},
]


def _case(**extra: Any) -> dict[str, Any]:
    return {**_HR_POS, **extra}


def _result(**extra: Any) -> Any:
    return assess(parse_case(_case(**extra)))


def _offered(result: Any) -> set[str]:
    return {d for o in result.therapy_options if not o.flagged for d in o.drugs}


def _eribulin(result: Any) -> Any:
    return next((o for o in result.therapy_options if o.drugs == ("eribulin",)), None)


def test_line_3_without_prior_treatment_gets_first_line_options_and_no_invented_progression() -> None:
    result = _result(line=3, prior_treatment=[])
    assert "ribociclib" in result.therapy_options[0].drugs
    assert not any("stopped working" in o.rationale for o in result.therapy_options)
    item = next(w for w in result.workup if w.code == "confirm_line_of_therapy")
    assert "first line" in item.rationale and "earlier treatments" in item.rationale


def test_line_1_after_metastatic_ai_cdk46_progression_says_the_line_was_overridden() -> None:
    result = _result(line=1, prior_treatment=_AI_CDK)
    item = next(w for w in result.workup if w.code == "confirm_line_of_therapy")
    assert "overridden" in item.rationale and "overridden" in item.clinician
    assert "palbociclib" not in _offered(result)


def test_a_line_that_matches_the_record_raises_no_line_item() -> None:
    for line, prior in ((None, _AI_CDK), (2, _AI_CDK), (1, []), (2, [{**_AI_CDK[0], "progressed": False}])):
        extra = {"prior_treatment": prior} | ({"line": line} if line else {})
        assert "confirm_line_of_therapy" not in [w.code for w in _result(**extra).workup], (line, prior)


def test_a_doublet_counts_as_one_chemotherapy_regimen_for_eribulin_per_its_label() -> None:
    doublet = [
        {"drug": "paclitaxel", "setting": "metastatic", "progressed": True, "months": 4},
        {"drug": "carboplatin", "setting": "metastatic", "progressed": True, "months": 4},
    ]
    assert _eribulin(_result(line=3, prior_treatment=_AI_CDK + doublet)) is None
    two = [
        {"drug": "paclitaxel", "setting": "metastatic", "progressed": True, "months": 4},
        {"drug": "capecitabine", "setting": "metastatic", "progressed": True, "months": 6},
        {"drug": "doxorubicin", "setting": "adjuvant", "progressed": False},
    ]
    option = _eribulin(_result(line=4, prior_treatment=_AI_CDK + two))
    assert option is not None and "No anthracycline" not in option.rationale


def test_eribulin_names_a_missing_anthracycline_as_its_label_asks_for_one() -> None:
    two = [
        {"drug": "paclitaxel", "setting": "metastatic", "progressed": True, "months": 4},
        {"drug": "capecitabine", "setting": "metastatic", "progressed": True, "months": 6},
    ]
    option = _eribulin(_result(line=4, prior_treatment=_AI_CDK + two))
    assert option is not None and "No anthracycline is recorded" in option.rationale


def test_sacituzumab_hr_pos_needs_two_chemotherapy_regimens_not_two_drugs() -> None:
    """Trodelvy label (HR+): endocrine-based therapy and two more systemic therapies for metastatic disease;
    TROPiCS-02 enrolled after 2-4 chemotherapy regimens. Line 3 here: AI + CDK4/6, then one doublet."""
    doublet = [
        {"drug": "gemcitabine", "setting": "metastatic", "progressed": True, "months": 5},
        {"drug": "carboplatin", "setting": "metastatic", "progressed": True, "months": 5},
    ]
    assert "sacituzumab govitecan" not in _offered(_result(line=3, prior_treatment=_AI_CDK + doublet))
    two = [
        {**doublet[0], "months": 3},
        {"drug": "capecitabine", "setting": "metastatic", "progressed": True, "months": 6},
    ]
    assert "sacituzumab govitecan" in _offered(_result(line=4, prior_treatment=_AI_CDK + two))


def test_the_line_conflict_reaches_the_json_and_the_cli_text_in_both_voices() -> None:
    data = _case(line=3, prior_treatment=[])
    runner = CliRunner()
    out = runner.invoke(app, ["assess", "-", "--json"], input=json.dumps(data))
    assert out.exit_code == 0, out.output
    assert "confirm_line_of_therapy" in [w["code"] for w in json.loads(out.output)["workup"]]
    for audience, words in (("clinician", "confirm_line_of_therapy"), ("public", "not all of it is listed")):
        out = runner.invoke(
            app, ["assess", "-", "--audience", audience], input=json.dumps(data), env={"COLUMNS": "250"}
        )
        assert out.exit_code == 0, out.output
        assert words in " ".join(out.output.split()), audience
