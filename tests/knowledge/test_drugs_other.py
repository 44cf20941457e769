"""The chemotherapy, bone-modifying and supportive medicines of the knowledge base.

Data-level tests read the shipped files with `read_all`, so they judge this file even while another
knowledge file is being edited; the CLI tests run the real `mbcnav` command on the shipped base.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mbcnav.cli import app
from mbcnav.knowledge.loader import DATA_DIR, read_all
from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, reading_grade
from mbcnav.knowledge.schema import Drug

#: canonical names of common.md for the categories this file owns
CANONICAL: dict[str, set[str]] = {
    "chemotherapy": {
        "paclitaxel", "nab-paclitaxel", "docetaxel", "doxorubicin", "pegylated liposomal doxorubicin",
        "epirubicin", "capecitabine", "gemcitabine", "carboplatin", "cisplatin", "eribulin", "vinorelbine",
        "ixabepilone", "cyclophosphamide", "methotrexate", "fluorouracil",
    },
    "bone": {"zoledronic acid", "pamidronate", "denosumab"},
    "supportive": {
        "morphine", "oxycodone", "hydromorphone", "fentanyl", "acetaminophen", "ibuprofen", "naproxen",
        "dexamethasone", "filgrastim", "pegfilgrastim", "ondansetron", "palonosetron", "aprepitant",
        "olanzapine", "metoclopramide", "prochlorperazine", "senna", "polyethylene glycol", "bisacodyl",
        "loperamide", "levetiracetam", "enoxaparin",
    },
}
MBCNAV = Path(sys.executable).with_name("mbcnav")
runner = CliRunner()


@pytest.fixture(scope="module")
def kb():
    base, _problems = read_all(DATA_DIR)
    return base


@pytest.fixture(scope="module")
def my_drugs(kb) -> dict[str, Drug]:
    return {
        item.generic: item
        for item in kb.items
        if isinstance(item, Drug) and kb.origins.get(item.id) == "drugs_other.yaml"
    }


def test_my_file_loads_without_problems():
    _base, problems = read_all(DATA_DIR)
    mine = [p for p in problems if "drugs_other.yaml" in p]
    assert mine == []


def test_every_canonical_drug_of_my_categories_is_present(my_drugs):
    assert len(CANONICAL["chemotherapy"]) + len(CANONICAL["bone"]) + len(CANONICAL["supportive"]) == 41
    for category, names in CANONICAL.items():
        found = {generic for generic, drug in my_drugs.items() if drug.category == category}
        assert found == names, category


@pytest.mark.parametrize("generic", sorted(set().union(*CANONICAL.values())))
def test_drug_item_is_complete_and_cites_its_fda_label(kb, my_drugs, generic):
    drug = my_drugs[generic]
    assert drug.id == generic.replace(" ", "-")
    assert drug.drug_class.strip() and drug.mechanism.strip() and drug.used_when.strip()
    assert drug.common_effects and drug.serious_effects and drug.monitoring
    label = f"fda-label-{generic.replace(' ', '-')}"
    assert label in drug.sources
    assert label in kb.sources, f"{label} must resolve in the sources files"
    assert all(source in kb.sources for source in drug.sources)
    assert reading_grade(drug.public) <= MAX_PUBLIC_GRADE
    assert drug.clinician.strip()


def test_zoledronic_acid_renal_table_against_zometa_label(my_drugs):
    text = " ".join(my_drugs["zoledronic acid"].clinician.split())
    # Zometa label Table 1: baseline Cockcroft-Gault CrCl -> dose
    table = ("> 60 mL/min: 4.0 mg", "50-60: 3.5 mg", "40-49: 3.3 mg", "30-39: 3.0 mg", "< 30: not")
    for cell in table:
        assert cell in text
    assert "every 12 weeks" in text and ">= 15 min" in text


def test_capecitabine_renal_rule_against_xeloda_label(my_drugs):
    drug = my_drugs["capecitabine"]
    text = " ".join(drug.clinician.split())
    assert "30-50: 75% of the starting dose" in text and "< 30: contraindicated" in text
    assert any("DPYD" in effect for effect in drug.serious_effects)
    assert any("vitamin K antagonists" in effect for effect in drug.serious_effects)


def test_denosumab_says_prolia_is_a_different_dose(my_drugs):
    drug = my_drugs["denosumab"]
    assert "Prolia" not in drug.brands  # 60 mg osteoporosis product: never a synonym of Xgeva 120 mg
    assert "Prolia" in drug.used_when and "120 mg" in drug.clinician


def test_cli_drug_by_brand_shows_generic():
    result = runner.invoke(app, ["drug", "Xeloda"])
    assert result.exit_code == 0, result.output
    assert "Capecitabine" in result.output
    assert "DPYD" in result.output


def test_cli_drug_brand_is_case_insensitive():
    result = runner.invoke(app, ["drug", "ZOMETA", "--audience", "clinician"])
    assert result.exit_code == 0, result.output
    assert "Zoledronic acid" in result.output
    assert "Cockcroft-Gault" in result.output


def test_cli_unknown_drug_exits_2_with_near_matches():
    done = subprocess.run(
        [str(MBCNAV), "drug", "Xelodda"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "unknown drug 'Xelodda'" in done.stderr
    assert "capecitabine" in done.stderr.lower()
    assert "Traceback" not in done.stderr
