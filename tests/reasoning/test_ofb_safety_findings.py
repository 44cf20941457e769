"""Findings of an oncologist's review (safety and input): each test fails on the code before the fix."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mbcnav.case import parse_case
from mbcnav.errors import CaseValidationError
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.flags import drug_groups
from mbcnav.reasoning.therapy import regimens

VIGNETTES = Path(__file__).parents[1] / "vignettes"
#: class words an option's name may use for a set of drugs (the drugs must then be listed)
CLASS_WORDS = {"anthracycline": "anthracycline", "taxane": "taxane", "platinum": "platinum"}


def _case(name: str) -> dict:
    return json.loads((VIGNETTES / name).read_text(encoding="utf-8"))["case"]


def test_every_drug_an_option_name_offers_is_in_its_drugs() -> None:
    """An option named "paclitaxel + carboplatin, or an anthracycline combination" must list the
    anthracyclines (so the safety rules check them) or not offer them (report #4)."""
    groups = drug_groups()
    names = sorted(groups.category, key=len, reverse=True)
    problems = []
    for reg in regimens():
        text = reg.regimen.lower()
        for word, group in CLASS_WORDS.items():
            if re.search(rf"\b{word}s?\b", text) and groups.expand([group]).isdisjoint(reg.drugs):
                problems.append((reg.id, word))
        for name in names:
            if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) and name not in reg.drugs:
                # "trastuzumab" inside "trastuzumab deruxtecan" is that drug, not trastuzumab
                longer = [n for n in names if n != name and name in n and n in text]
                if not longer:
                    problems.append((reg.id, name))
    assert problems == []


def test_relapse_while_still_on_adjuvant_treatment_with_progressed_false_is_still_refused() -> None:
    """0 months after the end means it came back during the treatment: that is progression on it."""
    entry = {"drug": "letrozole", "setting": "adjuvant", "progressed": False, "relapse_after_end_months": 0}
    with pytest.raises(CaseValidationError) as err:
        parse_case({"prior_treatment": [entry]})
    assert "progressed is false" in str(err.value)


@pytest.mark.parametrize(("after", "early"), [(6, True), (30, False)])
def test_progressed_false_with_a_relapse_time_is_read_by_the_relapse_time(after: int, early: bool) -> None:
    """Within 12 months of the end it is still endocrine resistance (ABC 5), whatever progressed says."""
    case = _case("v82_late_adjuvant_relapse_recorded_progressed_false.json")
    case["prior_treatment"][0]["relapse_after_end_months"] = after
    offered = {d for o in assess(parse_case(case)).therapy_options if not o.flagged for d in o.drugs}
    # ABC 5: relapse within 12 months of adjuvant AI -> no AI again; fulvestrant + CDK4/6 instead
    assert ("letrozole" not in offered) is early
    assert "fulvestrant" in offered


def test_crcl_weight_caveat_does_not_call_a_bmi_of_25_high() -> None:
    """The rule fires above 120% of ideal body weight (BMI 25.3 at 68 kg, 164 cm): "your weight is high
    for your height" is not true there (report #10)."""
    case = _case("v09_her2_low_after_endocrine_no_chemo.json")
    case["labs"]["creatinine_mg_dl"] = 1.6
    case["patient"]["age"] = 80
    case["proposed_treatment"] = [{"drug": "capecitabine"}]
    alerts = [a for a in assess(parse_case(case)).safety_alerts if a.code == "crcl_weight_caveat"]
    assert alerts
    assert all("high for your height" not in a.public for a in alerts)


def test_lvef_alert_adds_the_cardio_oncology_review_to_the_workup_only_when_it_fires() -> None:
    case = _case("v78_her2_pos_lvef45_after_thp_review_not_block.json")
    with_alert = assess(parse_case(case))
    assert any(a.code.startswith("lvef_") for a in with_alert.safety_alerts)
    assert "cardio_oncology_review" in {w.code for w in with_alert.workup}
    case["labs"]["lvef_percent"] = 60
    normal = assess(parse_case(case))
    assert not any(a.code.startswith("lvef_") for a in normal.safety_alerts)
    assert "cardio_oncology_review" not in {w.code for w in normal.workup}


def test_dental_exam_stays_when_a_bone_agent_is_usable() -> None:
    case = _case("v83_pregnant_bone_mets_no_dental_exam_for_blocked_bone_agents.json")
    case["patient"]["pregnant"] = False
    case["patient"].pop("gestation_weeks")
    assert "dental_exam" in {w.code for w in assess(parse_case(case)).workup}
