"""Session 10, onc6: small oncology and pharmacy leftovers.

1. HER2-positive metastatic cancer with no HER2 drug for metastatic disease that already grew on a taxane:
   HER2 blockade with another chemotherapy partner is offered first (pertuzumab + trastuzumab + vinorelbine,
   VELVET cohort 1, Perez Breast Cancer Res 2016: ORR 74.2%, PFS 14.3 months; trastuzumab + vinorelbine,
   HERNATA, Andersson J Clin Oncol 2011: not worse than trastuzumab + docetaxel). T-DXd stays, with a note:
   DESTINY-Breast03 enrolled people after trastuzumab and a taxane, and the T-DXd label asks for a prior
   anti-HER2 regimen.
2. Prolia (denosumab 60 mg) in advanced kidney disease: the label's boxed warning (FDA, 19 January 2024):
   severe hypocalcemia with eGFR < 30 or dialysis; evaluate for CKD-MBD first, calcium weekly for a month.
3. A generic zoledronic acid 5 mg order is the Reclast (osteoporosis) dose, as generic denosumab 60 mg is
   Prolia's (Reclast label: 5 mg once a year; Zometa label: 4 mg every 3-4 weeks).
4. The denosumab option's evidence label names the paper its source is.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from _helpers import FULL_PANEL_LABS, run, with_changes

from mbcnav.assessment import Assessment
from mbcnav.case import parse_case
from mbcnav.knowledge.loader import read_all
from mbcnav.reasoning.assess import assess

_HER2_POS: dict[str, Any] = {
    "patient": {"age": 55, "sex": "F", "menopausal": "post", "ecog": 1, "weight_kg": 68, "height_cm": 164},
    "tumor": {"histology": "IDC", "er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"},
    "metastatic_sites": ["liver"],
    "labs": dict(FULL_PANEL_LABS),
}
_PACLITAXEL_FAILED = {"drug": "paclitaxel", "setting": "metastatic", "progressed": True, "months": 6}
_VELVET = ("pertuzumab", "trastuzumab", "vinorelbine")


def _her2(**over: Any) -> Assessment:
    case = copy.deepcopy(_HER2_POS)
    case.update(over)
    return assess(parse_case(case))


def _option(result: Assessment, *drugs: str) -> Any:
    return next((o for o in result.therapy_options if set(drugs) <= set(o.drugs)), None)


# --- 1. HER2-naive for metastatic disease, after a taxane ---------------------------------------------------
def test_after_taxane_progression_with_no_her2_drug_her2_blockade_with_vinorelbine_comes_first() -> None:
    """VELVET (pertuzumab + trastuzumab + vinorelbine) and HERNATA (trastuzumab + vinorelbine): a HER2 regimen
    with a chemotherapy partner other than the taxane the cancer grew on ranks above T-DXd, whose trial
    (DESTINY-Breast03) enrolled people after trastuzumab."""
    result = _her2(line=2, prior_treatment=[_PACLITAXEL_FAILED])
    option = _option(result, *_VELVET)
    assert option is not None, [o.regimen for o in result.therapy_options]
    assert result.therapy_options[0] is option
    assert "VELVET" in option.evidence and "HERNATA" in option.evidence
    assert {"velvet", "hernata"} <= set(option.sources)
    assert "No HER2-directed drug" in option.rationale
    assert "docetaxel" not in option.drugs and "paclitaxel" not in option.drugs
    tdxd = _option(result, "trastuzumab deruxtecan")
    assert tdxd is not None and tdxd.rank > option.rank
    assert "DESTINY-Breast03" in tdxd.rationale


def test_adjuvant_trastuzumab_years_ago_then_metastatic_taxane_gets_the_option_and_a_tdxd_note() -> None:
    """Adjuvant trastuzumab ending 30 months before relapse is not 'a prior anti-HER2 regimen for metastatic
    disease' (T-DXd label; DESTINY-Breast03 enrolled after trastuzumab + a taxane for metastatic disease or
    relapse within 6 months of adjuvant therapy): T-DXd says so."""
    prior = [
        {"drug": "trastuzumab", "setting": "adjuvant", "progressed": True, "relapse_after_end_months": 30},
        _PACLITAXEL_FAILED,
    ]
    result = _her2(line=2, prior_treatment=prior)
    option = _option(result, *_VELVET)
    assert option is not None and result.therapy_options[0] is option
    tdxd = _option(result, "trastuzumab deruxtecan")
    assert tdxd is not None and "No HER2 drug for metastatic disease" in tdxd.rationale


def test_her2_therapy_already_given_for_metastatic_disease_gets_no_first_her2_regimen() -> None:
    prior = [
        {"drug": "trastuzumab", "setting": "metastatic", "progressed": True, "months": 20},
        {"drug": "pertuzumab", "setting": "metastatic", "progressed": True, "months": 20},
        {"drug": "docetaxel", "setting": "metastatic", "progressed": True, "months": 20},
    ]
    result = _her2(line=2, prior_treatment=prior)
    assert _option(result, *_VELVET) is None
    assert result.therapy_options[0].drugs == ("trastuzumab deruxtecan",)
    assert "No HER2 drug for metastatic disease" not in result.therapy_options[0].rationale


def test_relapse_within_12_months_of_adjuvant_her2_therapy_is_not_offered_the_first_her2_regimen() -> None:
    prior = [
        {"drug": "trastuzumab", "setting": "adjuvant", "progressed": True, "relapse_after_end_months": 4},
        {"drug": "docetaxel", "setting": "adjuvant", "progressed": True, "relapse_after_end_months": 4},
    ]
    result = _her2(line=1, prior_treatment=prior)
    assert _option(result, *_VELVET) is None


def test_vinorelbine_already_failed_is_not_offered_again() -> None:
    vinorelbine = {"drug": "vinorelbine", "setting": "metastatic", "progressed": True, "months": 3}
    prior = [_PACLITAXEL_FAILED, vinorelbine]
    result = _her2(line=3, prior_treatment=prior)
    assert _option(result, *_VELVET) is None


def test_without_a_taxane_failure_the_taxane_regimen_stays_the_first_her2_regimen() -> None:
    """CLEOPATRA's THP is the first HER2 regimen when no taxane has failed (onc5); this one is for after."""
    prior = [{"drug": "capecitabine", "setting": "metastatic", "progressed": True, "months": 5}]
    result = _her2(line=2, prior_treatment=prior)
    assert _option(result, *_VELVET) is None
    assert _option(result, "pertuzumab", "trastuzumab", "docetaxel") is not None


def test_the_kb_regimen_item_explains_it_in_both_voices_with_real_sources() -> None:
    kb, _ = read_all()
    item = kb.get("regimen-pertuzumab-trastuzumab-vinorelbine")
    assert item is not None
    assert set(item.drugs) == set(_VELVET)
    assert "VELVET" in item.trials and "HERNATA" in item.trials
    for source in item.sources:
        assert source in kb.sources, source
    assert "74.2%" in item.clinician and "14.3" in item.clinician
    assert "vinorelbine" in item.public


# --- 2. Prolia in advanced kidney disease ----------------------------------------------------------------
def _bone_case(**over: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "patient": {
            "age": 75, "sex": "F", "menopausal": "post", "weight_kg": 50, "height_cm": 160, "ecog": 1
        },
        "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 50, "her2_ihc": "0"},
        "metastatic_sites": ["bone"],
        "labs": {
            "creatinine_mg_dl": 2.5, "anc_per_ul": 3000, "platelets_per_ul": 200000, "hemoglobin_g_dl": 12.0,
            "calcium_mg_dl": 9.4, "albumin_g_dl": 4.0,
        },
        "line": 2,
    }
    return with_changes(case, over)


#: CrCl about 83 mL/min (Cockcroft-Gault): no kidney band and no low-creatinine caveat
_NORMAL_KIDNEYS: dict[str, Any] = {"patient": {"age": 60, "weight_kg": 70}, "labs": {"creatinine_mg_dl": 0.8}}


def _alerts(out: Any, drug: str) -> dict[str, Any]:
    return {a.code: a for a in out.safety_alerts if a.drug == drug}


@pytest.mark.parametrize("name", ["Prolia", "Jubbonti"])
def test_prolia_order_with_crcl_below_30_gets_the_boxed_hypocalcemia_warning(name: str) -> None:
    """Prolia label boxed warning (FDA, January 2024): severe hypocalcemia in advanced CKD (eGFR < 30,
    dialysis), higher with CKD-MBD; evaluate for CKD-MBD before starting, calcium weekly for a month."""
    out = run(_bone_case(proposed_treatment=[{"drug": name, "dose_mg": 60}]))
    alerts = _alerts(out, "denosumab 60 mg")
    alert = alerts["hypocalcemia_risk"]
    assert alert.severity == "warning"
    assert "boxed warning" in alert.clinician.lower() and "CKD-MBD" in alert.clinician
    assert "weekly" in alert.clinician
    assert "fda-dsc-prolia-hypocalcemia-2024" in alert.sources
    assert "calcium" in alert.public.lower()
    assert "dose_other_indication" in alerts  # the dose alert stays


def test_prolia_order_on_dialysis_gets_the_warning() -> None:
    out = run(_bone_case(
        labs={"creatinine_mg_dl": 0.8}, patient={"on_dialysis": True},
        proposed_treatment=[{"drug": "Prolia", "dose_mg": 60}],
    ))
    assert "hypocalcemia_risk" in _alerts(out, "denosumab 60 mg")


def test_prolia_order_with_normal_kidneys_gets_no_kidney_warning() -> None:
    out = run(_bone_case(**_NORMAL_KIDNEYS, proposed_treatment=[{"drug": "Prolia", "dose_mg": 60}]))
    assert "hypocalcemia_risk" not in _alerts(out, "denosumab 60 mg")


def test_prolia_taken_today_with_crcl_below_30_gets_the_warning() -> None:
    out = run(_bone_case(current_meds=["Prolia"]))
    alert = _alerts(out, "denosumab 60 mg")["hypocalcemia_risk"]
    assert "CKD-MBD" in alert.clinician


def test_prolia_taken_today_on_dialysis_gets_the_warning_and_normal_kidneys_do_not() -> None:
    dialysis = run(
        _bone_case(labs={"creatinine_mg_dl": 0.8}, patient={"on_dialysis": True}, current_meds=["Prolia"])
    )
    assert "hypocalcemia_risk" in _alerts(dialysis, "denosumab 60 mg")
    normal = run(_bone_case(**_NORMAL_KIDNEYS, current_meds=["Prolia"]))
    assert "hypocalcemia_risk" not in _alerts(normal, "denosumab 60 mg")


# --- 3. generic zoledronic acid 5 mg is the Reclast dose --------------------------------------------------
def _order(out: Any, drug: str) -> Any:
    return next(o for o in out.proposed_orders if o.drug == drug)


def test_generic_zoledronic_acid_5_mg_is_named_as_the_reclast_dose() -> None:
    """Reclast label: 5 mg once a year (osteoporosis, Paget's); Zometa label: 4 mg every 3-4 weeks for bone
    metastases. 5 mg is the other indication's dose, not an overdose of Zometa."""
    out = run(_bone_case(**_NORMAL_KIDNEYS, proposed_treatment=[{"drug": "zoledronic acid", "dose_mg": 5}]))
    alerts = _alerts(out, "zoledronic acid")
    assert "dose_above_label" not in alerts
    alert = alerts["dose_other_indication"]
    assert alert.severity == "warning"
    assert "5 mg" in alert.clinician and "osteoporosis" in alert.clinician and "4 mg" in alert.clinician
    assert "fda-label-zoledronic-acid-reclast" in alert.sources
    assert "thin bones" in alert.public and "dose" in alert.public
    assert _order(out, "zoledronic acid").alerts == ("dose_other_indication",)


def test_generic_zoledronic_acid_4_mg_passes_and_10_mg_is_a_gross_overdose() -> None:
    ok = run(_bone_case(**_NORMAL_KIDNEYS, proposed_treatment=[{"drug": "zoledronic acid", "dose_mg": 4}]))
    assert _order(ok, "zoledronic acid").result == "no alert"
    ten = [{"drug": "zoledronic acid", "dose_mg": 10}]
    gross = run(_bone_case(**_NORMAL_KIDNEYS, proposed_treatment=ten))
    assert _order(gross, "zoledronic acid").result == "contraindicated"


# --- 4. the denosumab option's evidence names its source ---------------------------------------------------
def test_denosumab_option_evidence_names_the_paper_it_cites() -> None:
    out = run(_bone_case(**_NORMAL_KIDNEYS))
    option = next(o for o in out.therapy_options if o.drugs == ("denosumab",))
    assert "denosumab-vs-zoledronic-breast" in option.sources
    assert not any("Stopeck 2010" in e for e in option.evidence)
    assert any("2012" in e for e in option.evidence)
