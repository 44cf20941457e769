"""Real medicine lists are accepted (pharmacist sweep, item 9) and the report shows the order check
(item 11).

Names are read as a pharmacist reads a list: salt words, release and dosage forms, a strength and how
often are set aside from the end (reasoning/rules/drug_name_forms.yaml) when what is left is known; each
reading is reported; a reading never turns one medicine into another; a strength on an anticancer drug
fills its dose field; every unknown name of a case is reported at once, at its place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mbcnav.case import parse_case
from mbcnav.cli import app
from mbcnav.drugnames import read_drug_name, resolve_drug
from mbcnav.errors import CaseValidationError, UnknownDrugError
from mbcnav.reasoning.assess import assess

#: the names of the sweep's list (names.py) that were refused as unknown drugs, with what they are
REFUSED_BEFORE = {
    "metoprolol succinate": "metoprolol",
    "metoprolol tartrate": "metoprolol",
    "Toprol XL": "metoprolol",
    "Wellbutrin XL": "bupropion",
    "Wellbutrin SR": "bupropion",
    "bupropion XL": "bupropion",
    "venlafaxine ER": "venlafaxine",
    "oxycodone ER": "oxycodone",
    "morphine ER": "morphine",
    "Tylenol #3": "acetaminophen-codeine",
    "Excedrin": "aspirin-acetaminophen-caffeine",
    "aspirin 81": "aspirin",
    "baby aspirin": "aspirin",
    "Zofran ODT": "ondansetron",
    "ondansetron ODT": "ondansetron",
    "Lomotil": "diphenoxylate-atropine",
    "diphenoxylate-atropine": "diphenoxylate-atropine",
    "levothyroxine sodium": "levothyroxine",
    "metformin ER": "metformin",
    "metformin XR": "metformin",
    "Glucophage XR": "metformin",
    "Paxil CR": "paroxetine",
    "Ensure": "oral nutrition supplement",
    "Boost": "oral nutrition supplement",
    "B12": "cyanocobalamin",
    "B6": "pyridoxine",
    "calcium + D": "calcium carbonate",
    "Caltrate 600+D": "calcium carbonate",
    "cinnamon": "cinnamon",
    "vitamin K": "phytonadione",
    "calcitriol": "calcitriol",
    "sevelamer": "sevelamer",
    "Renvela": "sevelamer",
    "rifaximin": "rifaximin",
    "Xifaxan": "rifaximin",
    "isoniazid": "isoniazid",
    "pirfenidone": "pirfenidone",
    "nintedanib": "nintedanib",
    "Diclegis": "doxylamine-pyridoxine",
    "doxylamine-pyridoxine": "doxylamine-pyridoxine",
    "atropine": "atropine",
    "lidocaine viscous": "lidocaine",
    "dexamethasone mouthwash": "dexamethasone",
    "chlorhexidine": "chlorhexidine",
    "Peridex": "chlorhexidine",
    "amlodipine besylate": "amlodipine",
    "losartan potassium": "losartan",
    "atorvastatin calcium": "atorvastatin",
    "omeprazole 20 mg": "omeprazole",
    "Estrace cream": "estradiol",
    "vaginal estrogen": "estradiol",
    "Replens": "vaginal moisturizer",
    "lubricant": "vaginal moisturizer",
    "gabapentin 300 mg": "gabapentin",
    "Aimovig": "erenumab",
    "Nurtec": "rimegepant",
    "Lupron": "leuprolide",
    "Megace ES": "megestrol acetate",
    # denosumab biosimilars: Prolia's are the 60 mg product, Xgeva's the 120 mg one (duplicate-therapy risk)
    "Jubbonti": "denosumab 60 mg",
    "Wyost": "denosumab",
    "Varubi": "rolapitant",
    "Kytril": "granisetron",
    "dexamethasone 4 mg": "dexamethasone",
}


@pytest.mark.parametrize(("name", "generic"), sorted(REFUSED_BEFORE.items()))
def test_names_from_the_pharmacist_sweep_resolve(name: str, generic: str) -> None:
    assert resolve_drug(name) == generic


@pytest.mark.parametrize(
    ("name", "generic", "set_aside"),
    [
        ("metoprolol succinate ER 25 mg", "metoprolol", ("25 mg", "ER", "succinate")),
        ("Wellbutrin XL", "bupropion", ("XL",)),
        ("omeprazole 20mg daily", "omeprazole", ("daily", "20mg")),
        ("oxycodone 5 mg q4h prn", "oxycodone", ("prn", "q4h", "5 mg")),
        ("Xgeva (denosumab)", "denosumab", ("(denosumab)",)),
        ("Prolia 60 mg", "denosumab 60 mg", ("60 mg",)),
    ],
)
def test_a_reading_says_what_it_set_aside(name: str, generic: str, set_aside: tuple[str, ...]) -> None:
    reading = read_drug_name(name)
    assert (reading.generic, reading.set_aside) == (generic, set_aside)


@pytest.mark.parametrize(
    "name",
    [
        "denosumab 60",  # 60 mg (Prolia) or 120 mg (Xgeva)? the strength is part of the name here
        "magnesium sulfate",  # a salt that is its own medicine, not "magnesium" (magnesium oxide)
        "doxorubicin liposomal injection",  # never plain doxorubicin
        "Prolia (denosumab)",  # the two names are two products (60 mg and 120 mg)
        "Excedrin PM",  # PM adds diphenhydramine: not Excedrin
        "Herceptin SC",  # a route word is not set aside
    ],
)
def test_a_reading_never_turns_one_medicine_into_another(name: str) -> None:
    with pytest.raises(UnknownDrugError):
        resolve_drug(name)


def test_combination_letters_keep_their_own_product() -> None:
    assert resolve_drug("Sudafed PE") == "phenylephrine"
    assert resolve_drug("Emend IV") == "aprepitant"  # known as written: never re-read
    assert resolve_drug("paclitaxel protein-bound") == "nab-paclitaxel"  # never plain paclitaxel


def _case(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "patient": {"age": 60, "sex": "F", "menopausal": "post"},
        "tumor": {"er_percent": 90, "pr_percent": 50, "her2_ihc": "0"},
        "metastatic_sites": ["bone"],
    }
    data.update(extra)
    return data


def _problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(CaseValidationError) as info:
        parse_case(data)
    return info.value.problems


def test_every_unknown_name_is_reported_at_once_at_its_place_with_did_you_mean() -> None:
    problems = _problems(_case(current_meds=["Paxil CR", "notamedicine", "aspirin 81", "calcitriolx"]))
    assert [loc for loc, _ in problems] == ["current_meds.1", "current_meds.3"]
    assert "Did you mean: calcitriol" in problems[1][1]


def test_the_assessment_reports_each_reading_in_both_voices() -> None:
    case = parse_case(_case(current_meds=["metformin", "metoprolol succinate", "Toprol XL", "aspirin 81"]))
    readings = assess(case).name_readings
    assert [(r.field, r.given, r.read_as) for r in readings] == [
        ("current_meds.1", "metoprolol succinate", "metoprolol"),
        ("current_meds.3", "aspirin 81", "aspirin"),
    ]
    assert readings[0].public == "We read 'metoprolol succinate' as metoprolol."
    assert "set aside: succinate" in readings[0].clinician


def test_a_strength_on_a_cancer_drug_in_current_meds_becomes_its_dose() -> None:
    case = parse_case(_case(current_meds=["Xeloda 1500 mg", "omeprazole 20 mg"]))
    assert [(t.drug, t.dose_mg) for t in case.current_treatment] == [("capecitabine", 1500.0)]
    assert case.current_meds == ("omeprazole",)
    assert "capecitabine, 1500 mg" in case.name_readings[0].public


def test_a_strength_on_a_cancer_drug_fills_a_listed_entry_without_a_dose() -> None:
    listed = [{"drug": "palbociclib", "cycle": 3}]
    case = parse_case(_case(current_meds=["Ibrance 125 mg"], current_treatment=listed))
    assert [(t.drug, t.dose_mg, t.cycle) for t in case.current_treatment] == [("palbociclib", 125.0, 3)]


@pytest.mark.parametrize(
    ("data", "where"),
    [
        # no unit: 2.5 what? never dropped, never guessed
        (_case(current_meds=["letrozole 2.5"]), "current_meds.0"),
        (_case(current_meds=["Ibrance 125 mg"], current_treatment=[{"drug": "palbociclib", "dose_mg": 100}]),
         "current_treatment.0"),
        (
            _case(proposed_treatment=[{"drug": "capecitabine 1000 mg/m2", "dose_mg_m2": 1250}]),
            "proposed_treatment.0",
        ),
        (_case(proposed_treatment=[{"drug": "letrozole 2.5 mcg"}]), "proposed_treatment.0"),
    ],
)
def test_a_dose_in_a_name_that_cannot_fill_the_dose_field_is_an_error(
    data: dict[str, Any], where: str
) -> None:
    assert [loc for loc, _ in _problems(data)] == [where]


def test_a_strength_in_a_proposed_order_name_fills_its_dose() -> None:
    case = parse_case(_case(proposed_treatment=[{"drug": "letrozole 2.5 mg"}]))
    assert [(p.drug, p.dose_mg) for p in case.proposed_treatment] == [("letrozole", 2.5)]


@pytest.mark.parametrize("prolia_like", ["Prolia", "Jubbonti", "Stoboclo"])
def test_a_prolia_biosimilar_with_proposed_xgeva_is_duplicate_bone_therapy(prolia_like: str) -> None:
    case = parse_case(_case(current_meds=[prolia_like], proposed_treatment=[{"drug": "Wyost"}]))
    orders = assess(case).proposed_orders
    assert [(o.drug, o.result) for o in orders] == [("denosumab", "contraindicated")]
    assert "bone_agent_duplicate" in orders[0].alerts


# --- item 11: the order check in the report

R02 = Path(__file__).parent / "data_r02_zol_crcl22.json"  # the sweep's case: Zometa 4 mg at CrCl 22


def test_the_assessment_gathers_the_order_check_per_proposed_order() -> None:
    orders = assess(parse_case(json.loads(R02.read_text()))).proposed_orders
    assert len(orders) == 1
    order = orders[0]
    assert (order.drug, order.dose, order.result) == ("zoledronic acid", "4 mg", "contraindicated")
    assert "renal_not_recommended" in order.alerts
    assert order.alternatives  # the options that avoid zoledronic acid, as the safety step named them
    assert all("zoledronic" not in alternative for alternative in order.alternatives)


@pytest.mark.parametrize(
    ("audience", "title", "result"),
    [("clinician", "Order check (proposed treatment)", "contraindicated"),
     ("public", "Check of the planned treatment", "should not start this now")],
)
def test_the_rich_report_shows_the_order_check(audience: str, title: str, result: str) -> None:
    out = CliRunner().invoke(app, ["assess", str(R02), "--audience", audience], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    section = out.output.split(title, 1)[1]
    assert "zoledronic acid 4 mg" in section and result in section
    alternatives = assess(parse_case(json.loads(R02.read_text()))).proposed_orders[0].alternatives
    assert alternatives[0] in section


def test_the_rich_report_lists_the_name_readings() -> None:
    data = _case(current_meds=["metoprolol succinate"])
    out = CliRunner().invoke(app, ["assess", "-"], input=json.dumps(data), env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "current_meds.0: We read 'metoprolol succinate' as metoprolol." in out.output


def test_unknown_names_stop_the_cli_with_every_place_named() -> None:
    data = _case(current_meds=["notamedicine", "Wellbutrin XL", "alsonotone"])
    out = CliRunner().invoke(app, ["assess", "-"], input=json.dumps(data))
    assert out.exit_code == 2
    assert "current_meds.0" in out.output and "current_meds.2" in out.output


def test_the_rich_report_shows_unit_hints_like_the_web_page() -> None:
    """A bilirubin of 17 looks like µmol/L: the CLI text says so, as the page and the PDF do."""
    data = _case(labs={"bilirubin_mg_dl": 17})
    out = CliRunner().invoke(app, ["assess", "-"], input=json.dumps(data), env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "Check the unit of labs.bilirubin_mg_dl:" in out.output and "1.0 mg/dL" in out.output
