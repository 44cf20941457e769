"""Third oncologist review (items 1, 5, 6, 7, 8, 9): continuing a regimen that still works, postMONARCH after
an ADC line, HP maintenance only after induction, PARP inhibitors after endocrine therapy in HR+ disease,
everolimus with interstitial lung disease, and ER-negative/PR-positive tumours. Each test runs a whole case
through assess() and reads the ranked options."""

from __future__ import annotations

from typing import Any

from _helpers import FULL_PANEL_LABS

from mbcnav.assessment import Assessment
from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess

LABS = FULL_PANEL_LABS
HR_POS = {"er_percent": 85, "pr_percent": 50, "her2_ihc": "0", "pik3ca": "wildtype", "esr1": "wildtype"}


def _assess(
    tumor: dict[str, Any],
    sites: list[str],
    line: int,
    prior: list[dict],
    current: list[dict] | None = None,
    **extra: Any,
) -> Assessment:
    patient = {"age": 60, "sex": "F", "menopausal": "post", "weight_kg": 68, "height_cm": 164, "ecog": 1}
    patient.update(extra.pop("patient", {}))
    data = {
        "patient": patient,
        "tumor": tumor,
        "metastatic_sites": sites,
        "labs": LABS,
        "line": line,
        "prior_treatment": prior,
        "current_treatment": current or [],
        **extra,
    }
    return assess(parse_case(data))


def _rank(result: Assessment, *drugs: str) -> int:
    for option in result.therapy_options:
        if set(drugs) <= set(option.drugs):
            return option.rank
    raise AssertionError(f"no option with {drugs}: {[o.regimen for o in result.therapy_options]}")


def _systemic(result: Assessment) -> list[Any]:
    return [o for o in result.therapy_options if o.drugs and o.category not in ("bone", "local")]


AI_RIBO_RESPONDING = [
    {"drug": "letrozole", "setting": "metastatic", "progressed": False, "months": 20},
    {"drug": "ribociclib", "setting": "metastatic", "progressed": False, "months": 20},
]
AI_RIBO_CURRENT = [{"drug": "letrozole"}, {"drug": "ribociclib", "dose_mg": 600}]


def test_responding_on_ai_ribociclib_continues_it_first_not_endocrine_alone() -> None:
    result = _assess(HR_POS, ["bone"], 1, AI_RIBO_RESPONDING, AI_RIBO_CURRENT)
    first = _systemic(result)[0]
    assert set(first.drugs) == {"letrozole", "ribociclib"}, first.regimen
    assert "continue" in first.regimen
    assert not any(o.drugs == ("letrozole", "fulvestrant") for o in result.therapy_options)
    assert all("cannot take or do not want a CDK4/6" not in o.rationale for o in result.therapy_options)


def test_cns_only_progression_on_ai_ribociclib_local_therapy_then_continue() -> None:
    result = _assess(
        HR_POS,
        ["bone", "brain"],
        1,
        AI_RIBO_RESPONDING,
        AI_RIBO_CURRENT,
        brain_mets_count=1,
        brain_mets_status="untreated",
    )
    local = next(o for o in result.therapy_options if o.category == "local" and "brain" in o.regimen)
    cont = _rank(result, "letrozole", "ribociclib")
    assert local.rank < cont
    assert _systemic(result)[0].rank == cont


def test_progressed_regimen_is_never_continued() -> None:
    prior = [{**p, "progressed": True} for p in AI_RIBO_RESPONDING]
    result = _assess(HR_POS, ["bone", "liver"], 2, prior, AI_RIBO_CURRENT)
    assert all("continue the current" not in o.regimen for o in result.therapy_options)


def test_her2_cns_only_progression_on_tdxd_continues_tdxd_not_a_new_line() -> None:
    prior = [
        {"drug": "paclitaxel", "setting": "metastatic", "progressed": False, "months": 4},
        {"drug": "trastuzumab", "setting": "metastatic", "progressed": True, "months": 18},
        {"drug": "pertuzumab", "setting": "metastatic", "progressed": True, "months": 18},
        {"drug": "trastuzumab deruxtecan", "setting": "metastatic", "progressed": False, "months": 10},
    ]
    result = _assess(
        {"er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"},
        ["liver", "brain"],
        2,
        prior,
        [{"drug": "trastuzumab deruxtecan"}],
        brain_mets_count=2,
        brain_mets_status="untreated",
        brain_mets_symptomatic=False,
    )
    tdxd = [o for o in result.therapy_options if "trastuzumab deruxtecan" in o.drugs]
    assert len(tdxd) == 1 and "continue" in tdxd[0].regimen, [o.regimen for o in tdxd]
    assert "DESTINY-Breast03" not in tdxd[0].evidence
    assert tdxd[0].rank < _rank(result, "tucatinib")


def test_postmonarch_not_offered_after_a_tdxd_line() -> None:
    prior = [
        {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 22},
        {"drug": "palbociclib", "setting": "metastatic", "progressed": True, "months": 22},
        {"drug": "trastuzumab deruxtecan", "setting": "metastatic", "progressed": True, "months": 9},
    ]
    tumor = {**HR_POS, "her2_ihc": "1+"}
    result = _assess(tumor, ["bone", "liver"], 3, prior)
    assert not any(o.evidence == ("postMONARCH",) for o in result.therapy_options), [
        o.regimen for o in result.therapy_options
    ]


def test_hp_endocrine_maintenance_needs_induction_chemotherapy_first() -> None:
    tumor = {"er_percent": 90, "pr_percent": 40, "her2_ihc": "3+"}
    naive = _assess(tumor, ["bone", "liver"], 1, [])
    assert not any("after induction chemotherapy" in o.regimen for o in naive.therapy_options)
    after = _assess(
        tumor,
        ["bone", "liver"],
        1,
        [
            {"drug": "docetaxel", "setting": "metastatic", "progressed": False, "months": 4},
            {"drug": "trastuzumab", "setting": "metastatic", "progressed": False, "months": 5},
            {"drug": "pertuzumab", "setting": "metastatic", "progressed": False, "months": 5},
        ],
        [{"drug": "trastuzumab"}, {"drug": "pertuzumab"}],
    )
    assert any("after induction chemotherapy" in o.regimen for o in after.therapy_options)


def test_talazoparib_after_first_line_endocrine_cdk46_in_endocrine_naive_hr_pos_gbrca() -> None:
    tumor = {**HR_POS, "gbrca": "BRCA2"}
    result = _assess(tumor, ["bone", "liver"], 1, [], patient={"age": 31, "menopausal": "pre"})
    tala = _rank(result, "talazoparib")
    assert tala > _rank(result, "palbociclib")
    assert tala > _rank(result, "ribociclib")
    option = next(o for o in result.therapy_options if o.drugs == ("talazoparib",))
    assert "endocrine" in option.rationale


def test_everolimus_ranks_below_fulvestrant_alone_with_interstitial_lung_disease() -> None:
    prior = [
        {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 26},
        {"drug": "palbociclib", "setting": "metastatic", "progressed": True, "months": 26},
    ]
    clear = _assess(HR_POS, ["bone", "liver"], 2, prior)
    alone = next(o for o in clear.therapy_options if o.drugs == ("fulvestrant",))
    assert _rank(clear, "everolimus") < alone.rank
    ild = _assess(HR_POS, ["bone", "liver"], 2, prior, comorbidities=["interstitial_lung_disease"])
    fulv_alone = next(o for o in ild.therapy_options if o.drugs == ("fulvestrant",))
    evero = [o for o in ild.therapy_options if "everolimus" in o.drugs]
    assert evero and all(o.rank > fulv_alone.rank for o in evero)
    assert any("pneumonitis" in o.rationale for o in evero)


def test_er_negative_pr_positive_gets_chemotherapy_and_pdl1_alongside_endocrine() -> None:
    tumor = {"er_percent": 0, "pr_percent": 30, "her2_ihc": "0"}
    result = _assess(tumor, ["liver", "lymph_node"], 1, [], patient={"age": 42, "menopausal": "pre"})
    drugs = {d for o in result.therapy_options for d in o.drugs}
    assert "paclitaxel" in drugs or "nab-paclitaxel" in drugs
    assert "pdl1_test" in [w.code for w in result.workup]
    assert any(o.category == "endocrine_cdk46" for o in result.therapy_options)
    assert "often work well" not in result.subtype_explanation["public"]
