"""What `mbcnav learn`, `drug`, `tour` and `kb export|stats` show, run through typer's CliRunner.

The terminal must show what the web Learn page shows: a symptom's level and what to do now (first),
and each kind's own fields in the chosen voice. Output is compared after removing the panel borders
and line wrapping, so a test checks the words, not the terminal width.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from mbcnav.cli import app
from mbcnav.knowledge.loader import DATA_DIR

runner = CliRunner()
_BOX = re.compile(r"[│╭╮╰╯─•]+")


def _flat(text: str) -> str:
    return " ".join(_BOX.sub(" ", text).split())


def _run(*args: str, stdin: str | None = None) -> Result:
    return runner.invoke(app, list(args), input=stdin)


def _learn(topic: str, audience: str = "public") -> str:
    result = _run("learn", topic, "--audience", audience)
    assert result.exit_code == 0, result.output
    return _flat(result.stdout)


# --- 1. symptoms: level and action first --------------------------------------------------------

def test_learn_emergency_symptom_public_says_call_911_before_the_explanation() -> None:
    out = _learn("symptom-saddle-numbness")
    assert "EMERGENCY" in out and "What to do now" in out
    assert "Call 911 or go to the emergency room now" in out
    assert out.index("Call 911") < out.index("Numbness in the area you sit on")


def test_learn_emergency_symptom_clinician_shows_immediate_management() -> None:
    out = _learn("symptom-saddle-numbness", "clinician")
    assert "EMERGENCY" in out and "dexamethasone 16 mg" in out and "MRI within 24 hours" in out


@pytest.mark.parametrize("topic", ["symptom-fever-chemo", "symptom-jaundice"])
def test_learn_every_symptom_kind_shows_level_and_public_action(topic: str) -> None:
    out = _learn(topic)
    assert "What to do now" in out and re.search(r"EMERGENCY|URGENT|ROUTINE", out)


# --- 2. kind-specific fields --------------------------------------------------------------------

def test_drug_clinician_voice_shows_mechanism_use_effects_and_monitoring() -> None:
    out = _flat(_run("drug", "Ibrance", "-a", "clinician").stdout)
    for label in ("How it works", "Used when", "Common side effects", "Serious side effects",
                  "Checks while on it", "CDK4"):
        assert label in out, label


def test_drug_public_voice_shows_plain_text_and_no_trial_jargon() -> None:
    out = _flat(_run("drug", "Ibrance").stdout)
    assert "Brand names" in out and "Ibrance" in out and "Group CDK4/6 inhibitor" in out
    assert "PALOMA-2: PFS" not in out
    assert "--audience clinician" in out


def test_learn_resource_shows_offers_url_and_phone() -> None:
    out = _learn("resource-acs")
    assert "Offers" in out and "https://www.cancer.org" in out and "1-800-227-2345" in out


def test_learn_site_shows_plain_frequency_and_care() -> None:
    out = _learn("site-bone")
    assert "How often" in out and "About 2 out of 3 people" in out and "Care" in out
    clinician = _learn("site-bone", "clinician")
    assert "65.1%" in clinician


def test_learn_regimen_shows_drugs_and_trials() -> None:
    out = _learn("regimen-letrozole-ribociclib")
    assert "Medicines" in out and "ribociclib" in out and "MONALEESA-2" in out


def test_learn_test_shows_what_it_changes_in_each_voice() -> None:
    assert "What it changes" in _learn("test-cbc")
    assert "held or cut" in _learn("test-cbc", "clinician")


def test_learn_survival_statistic_shows_value_and_data_years_in_plain_text() -> None:
    out = _learn("seer-distant-5yr-survival")
    assert "31.0 percent" in out and "Data years 2013-2019" in out
    assert "from 2013 to 2019" in out


def test_learn_faq_shows_its_question() -> None:
    out = _learn("faq-palliative-vs-hospice")
    assert "Is palliative care the same as hospice?" in out


# --- 7. export and stats refuse a broken base -------------------------------------------------

@pytest.fixture(scope="module")
def broken_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("kb") / "data"
    shutil.copytree(DATA_DIR, copy)
    path = copy / "regimens.yaml"
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows[0]["sources"] = ["no-such-source"]
    path.write_text(yaml.safe_dump(rows, sort_keys=False), encoding="utf-8")
    return copy


@pytest.mark.parametrize(
    "command", [["kb", "export", "--format", "json"], ["kb", "stats"], ["kb", "stats", "--json"]]
)
def test_export_and_stats_fail_on_a_base_that_fails_check(broken_copy: Path, command: list[str]) -> None:
    result = _run(*command, "--data-dir", str(broken_copy))
    assert result.exit_code == 2
    assert "fails `mbcnav kb check`" in result.stderr and "no-such-source" in result.stderr
    assert result.stdout == ""


def test_check_on_the_broken_copy_lists_the_problem(broken_copy: Path) -> None:
    result = _run("kb", "check", "--data-dir", str(broken_copy))
    assert result.exit_code == 1 and "no-such-source" in result.stderr


# --- 5. drug names ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "title"),
    [("Lupron", "Leuprolide"), ("Herceptin SC", "Trastuzumab"), ("nab paclitaxel", "Nab-paclitaxel"),
     ("IBRANCE", "Palbociclib")],
)
def test_drug_finds_brand_names_with_extra_or_missing_words(name: str, title: str) -> None:
    result = _run("drug", name)
    assert result.exit_code == 0, result.output
    assert f"{title}" in _flat(result.stdout) and "(drug)" in result.stdout


def test_drug_combination_pack_names_both_medicines_and_the_regimen() -> None:
    result = _run("drug", "kisqali femara")
    out = _flat(result.stdout)
    assert result.exit_code == 0
    assert "letrozole and ribociclib" in out and "regimen-letrozole-ribociclib" in out


@pytest.mark.parametrize("name", ["warfarin", "aspirin"])
def test_drug_co_medication_gets_a_note_not_unknown(name: str) -> None:
    result = _run("drug", name)
    out = _flat(result.stdout)
    assert result.exit_code == 0
    assert f"{name} is not a cancer medicine in the knowledge base" in out and "co-medication" in out
    assert "unknown" not in result.output


@pytest.mark.parametrize(("name", "item"), [("Prolia", "denosumab"), ("Reclast", "zoledronic-acid")])
def test_drug_distinct_product_points_to_the_item_that_describes_it(name: str, item: str) -> None:
    result = _run("drug", name)
    out = _flat(result.stdout)
    assert result.exit_code == 0 and "unknown" not in result.output
    assert item in out and "thin bones" in out


@pytest.mark.parametrize("name", ["Ultiva", "ibranse", "enhertoo", "palbocyclib"])
def test_drug_suggestions_are_all_names_the_command_accepts(name: str) -> None:
    result = _run("drug", name)
    assert result.exit_code == 2
    match = re.search(r"Did you mean: (.*)\?", _flat(result.stderr))
    for suggestion in (match.group(1).split(", ") if match else []):
        accepted = _run("drug", suggestion)
        assert accepted.exit_code == 0 and "(drug)" in accepted.stdout, suggestion


# --- 6. learn finds phrasings and plain words --------------------------------------------------

@pytest.mark.parametrize(
    ("topic", "title"),
    [
        ("my back hurts", "New or worse back or neck pain"),
        ("can't catch my breath", "Short of breath"),
        ("can’t catch my breath", "Short of breath"),
        ("bone", "Bone metastases"),
        ("brain", "Brain metastases"),
        ("liver", "Liver metastases"),
        ("lungs", "Lung metastases"),
        ("survival", "5-year relative survival"),
        ("lymph nodes", "Lymph node"),
    ],
)
def test_learn_finds_stored_phrasings_and_plain_organ_words(topic: str, title: str) -> None:
    result = _run("learn", topic)
    assert result.exit_code == 0, result.output
    assert title.lower() in _flat(result.stdout).lower()


def test_learn_lymph_nodes_opens_the_site_not_the_risk_factor() -> None:
    out = _learn("lymph nodes")
    assert "(site)" in out and "(risk_factor)" not in out


# --- 8. tour ----------------------------------------------------------------------------------

def test_tour_lists_every_section_and_every_topic() -> None:
    result = _run("tour", stdin="1\nq\n")
    out = _flat(result.stdout)
    assert result.exit_code == 0
    for section in ("Types of breast cancer", "Where it spreads", "Treatments", "Survival numbers",
                    "Help and support"):
        assert section in out
    assert "Palliative care is not only end-of-life care" in out and "How to get help today" in out


def test_tour_out_of_range_number_gets_a_clear_message() -> None:
    result = _run("tour", stdin="99\nq\n")
    assert result.exit_code == 0
    assert "There is no number 99 here" in _flat(result.stdout)
    assert "no topic matches" not in result.stdout


def test_tour_end_of_input_exits_zero_quietly() -> None:
    result = _run("tour", stdin="3\n")
    assert result.exit_code == 0
    assert "Aborted" not in result.output
