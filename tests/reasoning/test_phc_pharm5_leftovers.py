"""Fifth pharmacist sweep leftovers: a planned invasive dental procedure with a bone agent (M6), very low
creatinine under Cockcroft-Gault (M7), who the PI3K/AKT trials left out for diabetes (L4), and drug-name
suggestions that must not cross from a food or herb to a medicine (M1)."""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import run, with_changes

from mbcnav.drugnames import resolve_drug
from mbcnav.errors import UnknownDrugError
from mbcnav.reasoning.triage import triage


def _case(**over: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "patient": {
            "age": 60, "sex": "F", "menopausal": "post", "weight_kg": 70, "height_cm": 165, "ecog": 1
        },
        "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 50, "her2_ihc": "0"},
        "metastatic_sites": ["bone"],
        "labs": {
            "creatinine_mg_dl": 0.8, "anc_per_ul": 3000, "platelets_per_ul": 200000, "hemoglobin_g_dl": 12.0,
            "calcium_mg_dl": 9.4, "albumin_g_dl": 4.0,
        },
        "line": 2,
    }
    return with_changes(case, over)


def _codes(out: Any, drug: str) -> set[str]:
    return {a.code for a in out.safety_alerts if a.drug == drug}


# --- M6: invasive dental work planned with a bone agent (Xgeva, Zometa labels; MASCC/ISOO/ASCO 2019) ----
@pytest.mark.parametrize(
    ("order", "generic"),
    [({"drug": "Xgeva", "dose_mg": 120}, "denosumab"), ({"drug": "Zometa", "dose_mg": 4}, "zoledronic acid"),
     ({"drug": "pamidronate", "dose_mg": 90}, "pamidronate")],
)
@pytest.mark.parametrize(
    "note",
    [
        "Dental review: tooth extraction planned next week for a broken molar.",
        "Dental implant booked for March.",
        "Wisdom tooth to be pulled by the oral surgeon on Friday.",
        "Referred for oral surgery (dentoalveolar) next month.",
    ],
)
def test_planned_invasive_dental_work_warns_for_bone_agents(order: dict, generic: str, note: str) -> None:
    out = run(_case(proposed_treatment=[order], notes=[note]))
    assert "invasive_dental_procedure" in _codes(out, generic)
    assert any("dental" in line for line in out.notes_used)


@pytest.mark.parametrize(
    "note",
    [
        "Dental check-up next week, no extraction needed.",
        "Tooth extraction in 2019, healed.",
        "Filling and scale and polish booked.",
        "DNA extraction for germline testing sent.",
        "No dental work planned.",
    ],
)
def test_dental_near_misses_raise_no_dental_alert(note: str) -> None:
    out = run(_case(proposed_treatment=[{"drug": "Xgeva", "dose_mg": 120}], notes=[note]))
    assert "invasive_dental_procedure" not in _codes(out, "denosumab")


def test_planned_dental_work_warns_only_on_bone_agents() -> None:
    out = run(_case(proposed_treatment=[{"drug": "letrozole", "dose_mg": 2.5}],
                    notes=["Tooth extraction planned next week."]))
    on = {a.drug for a in out.safety_alerts if a.code == "invasive_dental_procedure"}
    assert on <= {"denosumab", "zoledronic acid", "pamidronate"}
    assert "letrozole" not in on


@pytest.mark.parametrize(
    "text",
    ["tooth extraction planned next week for a broken molar", "my tooth is broken", "broken bone in my hand"],
)
def test_broken_tooth_or_bone_is_not_weeping_skin(text: str) -> None:
    assert "weeping, raw or peeling skin" not in triage(text).matched


@pytest.mark.parametrize(
    "text",
    ["the skin is broken and weeping", "my skin is raw where they gave the radiotherapy",
     "skin is wet and peeling"],
)
def test_weeping_skin_is_still_read(text: str) -> None:
    assert "weeping, raw or peeling skin" in triage(text).matched


# --- M1b: a food, herb or supplement word never gets a medicine suggestion --------------------------------
def _suggested(name: str) -> list[str]:
    with pytest.raises(UnknownDrugError) as err:
        resolve_drug(name)
    return list(err.value.suggestions)


#: the medicines a food word used to be offered (cumin -> Coumadin, oregano -> Reglan, soya -> Soma,
#: noni -> Onfi; orange juice -> Seville orange, which is read as grapefruit)
@pytest.mark.parametrize(
    ("name", "not_offered"),
    [("cumin", "warfarin"), ("oregano", "metoclopramide"), ("soya", "carisoprodol"), ("noni", "clobazam"),
     ("orange juice", "grapefruit"), ("pomello", "nortriptyline")],
)
def test_food_or_herb_word_gets_no_medicine_suggestion(name: str, not_offered: str) -> None:
    assert all(not_offered not in s for s in _suggested(name))


@pytest.mark.parametrize(
    ("name", "offered"),
    [("letrozol", "letrozole"), ("palbociclb", "palbociclib"), ("tamoxifin", "tamoxifen"),
     ("zofan", "ondansetron"), ("gingko", "ginkgo"), ("cranbery", "cranberry"), ("pamelr", "nortriptyline")],
)
def test_real_misspellings_are_still_suggested(name: str, offered: str) -> None:
    assert any(offered in s for s in _suggested(name))
