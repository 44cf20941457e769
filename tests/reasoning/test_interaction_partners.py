"""Interaction and bone-agent alerts found by a pharmacist's acceptance sweep (report items 5, 10, 14-16).

Each case is a trimmed copy of the pharmacist's reproduction (/work/scratch-pharm); each test failed on
the code before the fix. Labels: Zometa, Xgeva, Kisqali, Talzenna, Xeloda, Piqray (fda-label-<generic>).
"""

from __future__ import annotations

from typing import Any

from _helpers import alerts_by_key as _alerts

from mbcnav.assessment import Assessment, SafetyAlert
from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess

_HR_POS = {"histology": "IDC", "er_percent": 95, "pr_percent": 60, "her2_ihc": "1+"}


def _run(**fields: Any) -> Assessment:
    case = {
        "patient": {
            "age": 65,
            "sex": "F",
            "weight_kg": 60,
            "height_cm": 160,
            "ecog": 1,
            "menopausal": "post",
        },
        "tumor": _HR_POS,
        "metastatic_sites": ["bone"],
        "line": 1,
    }
    case.update(fields)
    return assess(parse_case(case))


# ---------------------------------------------------------------- item 5: bone agents
def _zometa_crcl_22(**extra: Any) -> Assessment:
    """Pharmacist case r02: 80 years, 50 kg, creatinine 1.6 (CrCl 22), Zometa 4 mg proposed."""
    return _run(
        patient={"age": 80, "sex": "F", "weight_kg": 50, "height_cm": 155, "ecog": 1, "menopausal": "post"},
        labs={"creatinine_mg_dl": 1.6, "calcium_mg_dl": 9.0, "albumin_g_dl": 3.6},
        current_treatment=[{"drug": "anastrozole"}],
        proposed_treatment=[{"drug": "Zometa", "dose_mg": 4}],
        line=2,
        **extra,
    )


def test_denosumab_offered_for_a_blocked_zoledronic_acid_is_no_duplicate_zometa_xgeva_labels() -> None:
    """Before: denosumab, the replacement the zoledronic acid alert itself suggests, was flagged as a
    contraindicated duplicate of the order it replaces, and the alternatives were endocrine regimens."""
    result = _zometa_crcl_22()
    alerts = _alerts(result)
    assert "bone_agent_duplicate:denosumab" not in alerts
    blocked = alerts["renal_not_recommended:zoledronic acid"]
    assert blocked.severity == "contraindication"
    tail = blocked.rationale.split("Alternatives among this case's options:")[1]
    assert "denosumab" in tail and "fulvestrant" not in tail
    (denosumab,) = [o for o in result.therapy_options if o.drugs == ("denosumab",)]
    assert not denosumab.flagged


def test_denosumab_given_with_zoledronic_acid_is_still_a_duplicate_xgeva_label() -> None:
    """Given together (one current, one proposed) they are a duplicate, as before."""
    alerts = _alerts(
        _run(
            labs={"creatinine_mg_dl": 0.8, "calcium_mg_dl": 9.4, "albumin_g_dl": 4.0},
            current_treatment=[{"drug": "letrozole"}, {"drug": "Xgeva"}],
            proposed_treatment=[{"drug": "zoledronic acid", "dose_mg": 4}],
        )
    )
    assert alerts["bone_agent_duplicate:zoledronic acid"].severity == "contraindication"


def _hypercalcemia(creatinine: float) -> Assessment:
    """Pharmacist probe hcm: corrected calcium 14.2 with thirst and confusion, zoledronic acid proposed."""
    return _run(
        patient={"age": 72, "sex": "F", "weight_kg": 58, "height_cm": 160, "ecog": 2, "menopausal": "post"},
        labs={"creatinine_mg_dl": creatinine, "calcium_mg_dl": 13.6, "albumin_g_dl": 3.2},
        proposed_treatment=[{"drug": "zoledronic acid", "dose_mg": 4}],
        symptoms=["very thirsty, confused and constipated"],
    )


def test_hypercalcemia_of_malignancy_gets_the_label_4_mg_dose_not_the_bone_metastasis_band_zometa() -> None:
    """Zometa label 2.1: 4 mg for hypercalcemia of malignancy, no renal reduction while serum creatinine
    < 4.5 mg/dL. Before: the alert said 3.0 mg and denosumab was contraindicated, against the red flag."""
    result = _hypercalcemia(1.3)  # CrCl 36
    assert "hypercalcemia" in {f.code for f in result.red_flags}
    assert not [a for a in result.safety_alerts if a.severity == "contraindication"]
    alert = _alerts(result)["renal_dose_adjustment:zoledronic acid"]
    assert "Hypercalcemia of malignancy: zoledronic acid 4 mg" in alert.clinician
    assert "< 4.5 mg/dL (today 1.3 mg/dL" in alert.clinician
    assert "for bone metastases" in alert.clinician  # the 3.0 mg band names its indication


def test_hypercalcemia_with_crcl_below_30_gets_4_mg_once_and_keeps_the_bone_metastasis_limit_zometa() -> None:
    """The label's CrCl < 30 limit is for the repeated bone-metastasis dose and still holds; the single dose
    for hypercalcemia of malignancy follows serum creatinine (< 4.5 mg/dL: 4 mg), and each alert names
    its indication so the two do not contradict each other or the red flag."""
    result = _hypercalcemia(2.2)  # CrCl about 21
    alerts = _alerts(result)
    maintenance = alerts["renal_not_recommended:zoledronic acid"]
    # the dose given now is the single hypercalcemia dose: the bone-metastasis limit is a warning about
    # the later doses, so the order is not called contraindicated against the red flag's own advice
    assert maintenance.severity == "warning"
    assert "for bone metastases" in maintenance.clinician
    assert "hypercalcemia of malignancy" in maintenance.clinician
    assert [o.result for o in result.proposed_orders] == ["warning"]
    assert "4 mg" in alerts["renal_dose_adjustment:zoledronic acid"].clinician
    very_high = _alerts(_hypercalcemia(5.0))["renal_not_studied:zoledronic acid"]
    assert very_high.severity == "warning" and "denosumab" in very_high.clinician


def test_without_hypercalcemia_crcl_below_30_still_blocks_zoledronic_acid_zometa_label() -> None:
    assert _alerts(_zometa_crcl_22())["renal_not_recommended:zoledronic acid"].severity == "contraindication"


# ---------------------------------------------------------------- item 10: every partner, every value
def test_tamoxifen_alert_names_both_cyp2d6_inhibitors_tamoxifen_label() -> None:
    """Pharmacist case t01: Paxil and Wellbutrin; before, only paroxetine was named."""
    result = _run(
        patient={"age": 42, "sex": "F", "weight_kg": 61, "height_cm": 163, "ecog": 1, "menopausal": "pre"},
        proposed_treatment=[{"drug": "Nolvadex", "dose_mg": 20}],
        current_meds=["Paxil", "Wellbutrin", "Zoladex", "ibuprofen"],
    )
    alert = _alerts(result)["tamoxifen_cyp2d6_inhibitor:tamoxifen"]
    assert alert.rationale == (
        "tamoxifen (proposed order) with paroxetine (current medicine) and bupropion (current medicine)"
    )
    assert "paroxetine and bupropion" in alert.clinician and "paroxetine and bupropion" in alert.public


def test_alpelisib_alert_shows_the_hba1c_beside_diabetes_and_glucose_piqray_label() -> None:
    """Pharmacist case g01: HbA1c 8.2%, glucose 210 (was 190: an unlabelled glucose is high from
    200 mg/dL, ADA), type 2 diabetes; before, the HbA1c was dropped."""
    result = _run(
        tumor={**_HR_POS, "her2_ihc": "0", "pik3ca": "mutant"},
        labs={"glucose_mg_dl": 210, "hba1c_percent": 8.2, "creatinine_mg_dl": 1.0},
        comorbidities=["type_2_diabetes"],
        proposed_treatment=[{"drug": "Piqray", "dose_mg": 300}, {"drug": "fulvestrant", "dose_mg": 500}],
        line=2,
    )
    alert = _alerts(result)["hyperglycemia_risk:alpelisib"]
    assert "HbA1c 8.2%" in alert.clinician and "Glucose 210 mg/dL" in alert.clinician
    assert "Diabetes:" in alert.clinician
    assert [a.code for a in result.safety_alerts if a.drug == "alpelisib"].count("hyperglycemia_risk") == 1


# ---------------------------------------------------------------- items 14-16: QT, P-gp, INR, electrolytes
def test_ribociclib_with_goserelin_is_the_labelled_monaleesa_7_regimen_kisqali_label() -> None:
    premenopausal = {"age": 40, "sex": "F", "weight_kg": 60, "height_cm": 165, "menopausal": "pre", "ecog": 1}
    proposed = [{"drug": "ribociclib"}, {"drug": "goserelin"}, {"drug": "letrozole"}]
    alerts = _alerts(_run(patient=premenopausal, labs={"qtcf_ms": 410}, proposed_treatment=proposed))
    assert "qt_drug_combination:ribociclib" not in alerts
    with_citalopram = _alerts(
        _run(
            patient=premenopausal,
            labs={"qtcf_ms": 410},
            proposed_treatment=proposed,
            current_meds=["citalopram"],
        )
    )
    assert with_citalopram["qt_drug_combination:ribociclib"].rationale == (
        "ribociclib (proposed order) with citalopram (current medicine)"
    )


def test_a_ribociclib_option_is_not_checked_against_the_eribulin_it_would_replace() -> None:
    """Pharmacist case h03: Halaven proposed; ribociclib appears only as another option."""
    result = _run(
        labs={"creatinine_mg_dl": 0.8, "anc_per_ul": 2500, "platelets_per_ul": 110000},
        proposed_treatment=[{"drug": "Halaven", "dose_mg_m2": 1.4}],
        metastatic_sites=["liver", "bone"],
        line=4,
        prior_treatment=[
            {"drug": "capecitabine", "setting": "metastatic", "progressed": True, "months": 6},
            {"drug": "paclitaxel", "setting": "metastatic", "progressed": True, "months": 5},
        ],
    )
    assert "ribociclib" in {d for o in result.therapy_options for d in o.drugs}
    assert "qt_drug_combination:ribociclib" not in _alerts(result)


def test_talazoparib_with_amiodarone_gets_only_the_label_0_75_mg_alert_talzenna_label() -> None:
    """Pharmacist case c06: before, a second 'monitor only' alert contradicted the 0.75 mg one."""

    def alerts_with(med: str) -> dict[str, SafetyAlert]:
        return _alerts(
            _run(
                tumor={**_HR_POS, "her2_ihc": "0", "gbrca": "BRCA2"},
                labs={"creatinine_mg_dl": 0.9, "anc_per_ul": 2500, "platelets_per_ul": 170000},
                proposed_treatment=[{"drug": "talazoparib", "dose_mg": 1}],
                current_meds=[med],
                line=2,
            )
        )

    amiodarone = alerts_with("amiodarone")
    assert "talazoparib_pgp_inhibitor:talazoparib" in amiodarone
    assert "talazoparib_pgp_inhibitor_monitor:talazoparib" not in amiodarone
    ritonavir = alerts_with("ritonavir")  # a P-gp inhibitor the label does not name: monitor only
    assert "talazoparib_pgp_inhibitor_monitor:talazoparib" in ritonavir
    assert "talazoparib_pgp_inhibitor:talazoparib" not in ritonavir


def test_capecitabine_with_warfarin_shows_the_inr_given_xeloda_label() -> None:
    """Pharmacist case w01: on capecitabine with Coumadin and INR 4.2."""
    result = _run(
        labs={"inr": 4.2, "creatinine_mg_dl": 0.9, "anc_per_ul": 2500, "platelets_per_ul": 140000},
        current_treatment=[{"drug": "capecitabine", "dose_mg_m2": 1000, "cycle": 3, "day": 8}],
        current_meds=["Coumadin"],
        metastatic_sites=["liver"],
        line=3,
    )
    alert = _alerts(result)["capecitabine_warfarin:capecitabine"]
    assert "INR today 4.2" in alert.clinician and "(INR) is 4.2" in alert.public


def test_ribociclib_start_with_low_potassium_and_magnesium_says_correct_first_kisqali_label() -> None:
    """Pharmacist case q02: K 3.3 mmol/L and Mg 1.5 mg/dL gave no electrolyte alert."""
    result = _run(
        labs={"qtcf_ms": 430, "potassium_mmol_l": 3.3, "magnesium_mg_dl": 1.5, "creatinine_mg_dl": 0.7},
        proposed_treatment=[{"drug": "ribociclib", "dose_mg": 600}, {"drug": "letrozole"}],
    )
    alert = _alerts(result)["electrolytes_low:ribociclib"]
    assert "Potassium 3.3 mmol/L" in alert.clinician and "Magnesium 1.5 mg/dL" in alert.clinician
    normal = _run(
        labs={"qtcf_ms": 430, "potassium_mmol_l": 4.1, "magnesium_mg_dl": 2.0},
        proposed_treatment=[{"drug": "ribociclib"}, {"drug": "letrozole"}],
    )
    assert "electrolytes_low:ribociclib" not in _alerts(normal)


def test_on_ribociclib_with_qtcf_492_only_the_on_treatment_hold_speaks_kisqali_label() -> None:
    """Pharmacist case q03: the start-only 'QTcF < 450' alert also fired for the ribociclib option."""
    result = _run(
        labs={"qtcf_ms": 492, "potassium_mmol_l": 3.2, "anc_per_ul": 1600},
        current_treatment=[
            {"drug": "ribociclib", "dose_mg": 600, "cycle": 2, "day": 1},
            {"drug": "letrozole"},
        ],
        metastatic_sites=["bone", "lung"],
    )
    alerts = _alerts(result)
    assert alerts["qtcf_hold:ribociclib"].severity == "contraindication"
    assert "qtcf_prolonged:ribociclib" not in alerts
    assert "electrolytes_low:ribociclib" in alerts


def test_strong_cyp3a_text_names_no_other_drug_fda_ddi_table() -> None:
    """A second pharmacist sweep: the strong-CYP3A alert on vinorelbine spoke of capivasertib, olaparib and
    everolimus doses (one text shared by every drug the rule covers)."""
    result = _run(proposed_treatment=[{"drug": "vinorelbine"}], current_meds=["clarithromycin"])
    alert = _alerts(result)["cyp3a_inhibitor_targeted:vinorelbine"]
    assert not {"capivasertib", "olaparib", "everolimus"} & set(alert.clinician.replace(";", " ").split())
    assert "avoid the combination" in alert.clinician
