"""Supportive medicines added as knowledge items (pharmacist review 2, item 5): duloxetine, gabapentin,
pregabalin, venlafaxine, lorazepam, metformin, apixaban, rivaroxaban, edoxaban, and the atezolizumab FAQ.

These names were already co-medications (reasoning/rules/comedications.yaml). A knowledge item must not
change how a medicine list resolves or which safety checks fire: same generic, no new name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mbcnav.case import parse_case
from mbcnav.drugnames import COMEDICATIONS_FILE, name_index, normalise, resolve_drug, treatment_generics
from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.knowledge.lookup import find_drug
from mbcnav.reasoning.assess import assess
from mbcnav.search import ask
from mbcnav.yamlfile import load_yaml

NEW = ("duloxetine", "gabapentin", "pregabalin", "venlafaxine", "lorazepam", "metformin", "apixaban",
       "rivaroxaban", "edoxaban")
ITEMS_FILE = Path(__file__).parents[2] / "src/mbcnav/knowledge/data/drugs_supportive_extra.yaml"


def _comedication_names() -> dict[str, str]:
    out: dict[str, str] = {}
    for row in load_yaml(COMEDICATIONS_FILE.read_text(encoding="utf-8")):
        for name in (row["name"], *row.get("brands", ()), *row.get("aliases", ())):
            out.setdefault(normalise(name), row["name"])
    return out


def test_every_name_of_the_new_items_is_a_co_medication_name_of_the_same_medicine() -> None:
    comeds = _comedication_names()
    kb = load_knowledge_base()
    for generic in NEW:
        drug = find_drug(kb, generic)
        assert drug.category == "supportive"
        for name in (drug.generic, drug.title, *drug.brands, *drug.aliases):
            assert comeds.get(normalise(name)) == generic, f"{generic}: {name!r} is new or another's"


def test_the_name_index_reads_every_co_medication_name_as_before() -> None:
    index = name_index()
    for name, generic in _comedication_names().items():
        if generic in NEW:
            assert index[name] == generic


@pytest.mark.parametrize(("name", "generic"), [
    ("Eliquis", "apixaban"), ("XARELTO", "rivaroxaban"), ("Lixiana", "edoxaban"), ("Cymbalta", "duloxetine"),
    ("Lyrica", "pregabalin"), ("Neurontin", "gabapentin"), ("Effexor XR", "venlafaxine"),
    ("Ativan", "lorazepam"),
    ("Glucophage", "metformin"), ("metformin 500 mg", "metformin"),
])
def test_brands_resolve_to_the_same_generic(name: str, generic: str) -> None:
    assert resolve_drug(name) == generic


def test_supportive_items_are_not_cancer_treatments() -> None:
    assert not set(NEW) & treatment_generics()


CASE: dict[str, Any] = {
    "patient": {"age": 50, "sex": "F", "menopausal": "post", "weight_kg": 68, "height_cm": 164, "ecog": 1},
    "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 50, "her2_ihc": "0"},
    "metastatic_sites": ["bone"],
    "labs": {"creatinine_mg_dl": 0.8, "calcium_mg_dl": 9.4, "albumin_g_dl": 4.0, "bilirubin_mg_dl": 0.6,
             "alt_u_l": 22, "ast_u_l": 25, "anc_per_ul": 3500, "platelets_per_ul": 230000},
    "line": 1,
    "proposed_treatment": [{"drug": "tamoxifen", "dose_mg": 20}],
}


@pytest.mark.parametrize("generic", NEW)
def test_a_case_lists_them_as_co_medications_and_the_alerts_are_the_co_medication_ones(generic: str) -> None:
    """Each stays a current medicine (not a cancer treatment), and a strong CYP2D6 inhibitor listed beside
    it still raises its tamoxifen alert: a knowledge item must not change how a medicine name resolves."""
    brand = find_drug(load_knowledge_base(), generic).brands[0]
    case = parse_case({**CASE, "current_meds": [brand]})
    assert case.model_dump(mode="json")["current_meds"] == [generic]
    assert "tamoxifen_cyp2d6_inhibitor" not in {a.code for a in assess(case).safety_alerts}
    paroxetine = assess(parse_case({**CASE, "current_meds": ["paroxetine", brand]}))
    assert "tamoxifen_cyp2d6_inhibitor" in {a.code for a in paroxetine.safety_alerts}


@pytest.mark.parametrize(("question", "expected"), [
    ("duloxetine for neuropathy", "duloxetine"),
    ("eliquis blood clot cancer", "apixaban"),
    ("gabapentin for numb feet from chemo", "gabapentin"),
    ("lyrica for nerve pain", "pregabalin"),
    ("effexor hot flashes", "venlafaxine"),
    ("ativan before chemo", "lorazepam"),
    ("metformin for high sugar on piqray", "metformin"),
    ("xarelto with chemo", "rivaroxaban"),
    ("tecentriq for triple negative", "faq-atezolizumab-tnbc"),
])
def test_ask_finds_the_new_items(question: str, expected: str) -> None:
    assert expected in [a.id for a in ask(question).answers[:3]]


def test_the_items_file_uses_only_plain_titles() -> None:
    """A title such as "Apixaban (Eliquis)" would add a new name to the medicine index."""
    for row in load_yaml(ITEMS_FILE.read_text(encoding="utf-8")):
        if row["kind"] == "drug":
            assert normalise(row["title"]) == row["generic"]
