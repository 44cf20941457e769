"""Session 10 pharmacist leftovers (pharm6): denosumab orders at the osteoporosis dose (Prolia 60 mg),
goldenseal and berberine as CYP2D6/CYP3A inhibitors, methotrexate taken for arthritis, and the very-low-
creatinine caveat worded per drug.

Golden answers name their source: Xgeva and Prolia labels (120 mg every 4 weeks for bone metastases;
60 mg every 6 months for osteoporosis); Gurley 2005/2008 and Nguyen 2021 (goldenseal, CYP2D6 and CYP3A
inhibition in people); Guo 2012 (berberine 300 mg three times a day); methotrexate label (interactions);
Cockcroft-Gault 1976 with the low-creatinine caveat (safety.yaml).
"""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import run, with_changes


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


def _alerts(out: Any, drug: str) -> dict[str, Any]:
    return {a.code: a for a in out.safety_alerts if a.drug == drug}


def _order(out: Any, drug: str) -> Any:
    return next(o for o in out.proposed_orders if o.drug == drug)


# --- 1. denosumab: Xgeva 120 mg every 4 weeks (bone metastases) vs Prolia 60 mg every 6 months ----------
def test_xgeva_120_mg_order_passes_the_dose_check() -> None:
    """Xgeva label: 120 mg SC every 4 weeks. The order carries no interval, so a 12-weekly plan at 120 mg
    (REDUSE, SAKK 96/12) is never called wrong by the dose check."""
    out = run(_case(proposed_treatment=[{"drug": "denosumab", "dose_mg": 120}]))
    row = _order(out, "denosumab")
    assert row.result == "no alert"
    assert not {c for c in _alerts(out, "denosumab") if c.startswith("dose_")}


@pytest.mark.parametrize("name", ["Prolia", "Jubbonti"])
def test_prolia_60_mg_order_is_named_as_the_osteoporosis_dose(name: str) -> None:
    """Prolia label: 60 mg every 6 months is the osteoporosis dose, not the bone-metastasis dose (Xgeva
    120 mg every 4 weeks): like Reclast 5 mg, dose_other_indication, not "dose not checked"."""
    out = run(_case(proposed_treatment=[{"drug": name, "dose_mg": 60}]))
    alerts = _alerts(out, "denosumab 60 mg")
    assert "dose_not_checked" not in alerts
    alert = alerts["dose_other_indication"]
    assert alert.severity == "warning"
    assert "every 6 months" in alert.clinician and "120 mg" in alert.clinician
    assert "every 4 weeks" in alert.clinician
    assert "fda-label-denosumab-prolia" in alert.sources
    assert "thin bones" in alert.public
    assert _order(out, "denosumab 60 mg").result == "warning"


def test_generic_denosumab_60_mg_is_named_as_the_prolia_dose() -> None:
    """A generic denosumab order at 60 mg is the Prolia dose: named as another indication's dose, not
    passed silently (50% of the Xgeva dose is above the below-label slip fraction)."""
    out = run(_case(proposed_treatment=[{"drug": "denosumab", "dose_mg": 60}]))
    alert = _alerts(out, "denosumab")["dose_other_indication"]
    assert "60 mg" in alert.clinician and "osteoporosis" in alert.clinician
    assert "120 mg" in alert.clinician
    assert "dose" in alert.public and "thin bones" in alert.public
    assert _order(out, "denosumab").alerts == ("dose_other_indication",)


def test_prolia_gross_overdose_is_a_contraindication() -> None:
    """Prolia 120 mg is 2x its product dose: the gross overdose rule of the Reclast product applies too."""
    out = run(_case(proposed_treatment=[{"drug": "Prolia", "dose_mg": 120}]))
    alert = _alerts(out, "denosumab 60 mg")["dose_other_indication"]
    assert alert.severity == "contraindication"


# --- 3. goldenseal and berberine: CYP2D6 and CYP3A inhibitors in people -----------------------------
@pytest.mark.parametrize("herb", ["goldenseal", "berberine"])
def test_goldenseal_or_berberine_with_tamoxifen_warns(herb: str) -> None:
    """Gurley 2008 (goldenseal: CYP2D6 activity down by about half); Guo 2012 (berberine: urinary
    dextromethorphan/dextrorphan ratio up ninefold): less endoxifen from tamoxifen is plausible."""
    out = run(_case(current_treatment=[{"drug": "tamoxifen"}], current_meds=[herb]))
    alert = _alerts(out, "tamoxifen")["herbal_cyp2d6_cyp3a_inhibitor"]
    assert alert.severity == "warning"
    assert "CYP2D6" in alert.clinician and "endoxifen" in alert.clinician
    assert "stop" in alert.public.lower()
    assert alert.partners


@pytest.mark.parametrize("drug", ["palbociclib", "ribociclib", "abemaciclib", "olaparib"])
def test_goldenseal_with_a_cyp3a_substrate_warns_without_a_dose_step(drug: str) -> None:
    """Goldenseal raised midazolam AUC 1.43-fold (Nguyen 2021; Gurley 2008): a weak CYP3A inhibitor by the
    FDA's scale, so no label dose step applies; the advice is to stop the supplement."""
    out = run(_case(current_treatment=[{"drug": drug}], current_meds=["goldenseal"]))
    alerts = _alerts(out, drug)
    assert "herbal_cyp2d6_cyp3a_inhibitor" in alerts
    assert "cdk46_strong_cyp3a_inhibitor" not in alerts
    assert "1.43" in alerts["herbal_cyp2d6_cyp3a_inhibitor"].clinician


def test_goldenseal_does_not_flag_an_aromatase_inhibitor() -> None:
    """Letrozole is not a sensitive CYP3A or CYP2D6 substrate in any label: no herb alert on it (a CDK4/6
    option offered beside it may still get one)."""
    out = run(_case(current_treatment=[{"drug": "letrozole"}], current_meds=["goldenseal"]))
    assert "herbal_cyp2d6_cyp3a_inhibitor" not in _alerts(out, "letrozole")


# --- 4. methotrexate in current_meds (low dose for arthritis) is a current medicine --------------------
@pytest.mark.parametrize("entry", ["methotrexate", "methotrexate 15 mg", "Trexall"])
def test_methotrexate_in_current_meds_gets_its_interaction_alerts(entry: str) -> None:
    """Methotrexate label (drug interactions): NSAIDs and PPIs raise methotrexate levels. Taken now (for
    arthritis, in current_meds) it is current, whatever the dose."""
    out = run(_case(current_meds=[entry, "ibuprofen", "omeprazole"]))
    codes = _alerts(out, "methotrexate")
    assert {"methotrexate_nsaid", "methotrexate_clearance_partner"} <= set(codes)


def test_methotrexate_in_prior_treatment_only_is_not_current() -> None:
    out = run(_case(
        prior_treatment=[{"drug": "methotrexate", "setting": "adjuvant"}],
        current_meds=["ibuprofen", "omeprazole"],
    ))
    assert not _alerts(out, "methotrexate")


# --- 5. the very-low-creatinine caveat names the drug and what the CrCl drives for it -----------------
_LOW_CREATININE = {
    "patient": {"age": 82, "weight_kg": 45, "height_cm": 155},
    "labs": {"creatinine_mg_dl": 0.5},
}


def test_low_creatinine_caveat_names_each_drug() -> None:
    """Two CrCl-driven drugs: each caveat names its drug and its own renal band; no two lines repeat."""
    out = run(_case(
        **_LOW_CREATININE,
        current_treatment=[{"drug": "capecitabine"}],
        proposed_treatment=[{"drug": "zoledronic acid", "dose_mg": 4}],
    ))
    caveats = {a.drug: a for a in out.safety_alerts if a.code == "crcl_low_creatinine_caveat"}
    assert {"capecitabine", "zoledronic acid"} <= set(caveats)  # options (e.g. denosumab) may add theirs
    assert len({a.clinician for a in caveats.values()}) == len(caveats)
    assert "capecitabine" in caveats["capecitabine"].clinician
    assert "30-50" in caveats["capecitabine"].clinician
    assert "zoledronic acid" in caveats["zoledronic acid"].clinician
    assert "60" in caveats["zoledronic acid"].clinician
    assert caveats["capecitabine"].clinician != caveats["zoledronic acid"].clinician
    # the public voice stays one shared sentence set (reports group equal public texts into one row)
    assert len({a.public for a in caveats.values()}) == 1


@pytest.mark.parametrize(
    ("drug", "order", "words"),
    [
        ("carboplatin", {"drug": "carboplatin", "target_auc": 5}, "Calvert"),
        ("denosumab", {"drug": "denosumab", "dose_mg": 120}, "hypocalcemia"),
        ("cisplatin", {"drug": "cisplatin"}, "60"),
        ("olaparib", {"drug": "olaparib", "dose_mg": 300}, "200 mg"),
    ],
)
def test_low_creatinine_caveat_says_what_the_crcl_drives(drug: str, order: dict, words: str) -> None:
    out = run(_case(**_LOW_CREATININE, proposed_treatment=[order]))
    caveat = _alerts(out, drug)["crcl_low_creatinine_caveat"]
    assert drug in caveat.clinician or drug.capitalize() in caveat.clinician
    assert words in caveat.clinician
    assert "{" not in caveat.clinician
