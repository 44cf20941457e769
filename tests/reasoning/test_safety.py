"""Safety rules as data (reasoning/safety.py reading rules/safety.yaml and rules/interactions.yaml):
label thresholds that an audit found missing or misquoted."""

from __future__ import annotations

from typing import Any

from _helpers import alerts_by_key as _alerts
from _helpers import run as _run
from _helpers import with_changes

from mbcnav.assessment import Assessment
from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess


def _case(**over: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "patient": {
            "age": 55,
            "sex": "F",
            "menopausal": "post",
            "weight_kg": 70,
            "height_cm": 165,
            "ecog": 1,
        },
        "tumor": {"histology": "IDC", "er_percent": 0, "pr_percent": 0, "her2_ihc": "0", "gbrca": "BRCA1"},
        "metastatic_sites": ["lung"],
        "labs": {
            "creatinine_mg_dl": 0.8,
            "anc_per_ul": 3000,
            "platelets_per_ul": 200000,
            "hemoglobin_g_dl": 12.0,
        },
        "line": 1,
    }
    return with_changes(case, over)


def _flagged(result: Assessment, drug: str) -> bool:
    """True when every option with this drug is flagged (and there is at least one)."""
    options = [o for o in result.therapy_options if drug in o.drugs]
    return bool(options) and all(o.flagged for o in options)


def test_talazoparib_held_for_platelets_below_50000() -> None:
    result = _run(_case(labs={"platelets_per_ul": 45000}))
    alert = _alerts(result)["platelets_low:talazoparib"]
    assert alert.severity == "contraindication" and "75,000" in alert.clinician
    assert _flagged(result, "talazoparib")
    assert "platelets_low:talazoparib" not in _alerts(_run(_case(labs={"platelets_per_ul": 60000})))


def test_talazoparib_held_for_hemoglobin_below_8() -> None:
    result = _run(_case(labs={"hemoglobin_g_dl": 7.5}))
    alert = _alerts(result)["hemoglobin_low:talazoparib"]
    assert alert.severity == "contraindication" and ">= 9 g/dL" in alert.clinician
    assert _flagged(result, "talazoparib")
    assert "hemoglobin_low:talazoparib" not in _alerts(_run(_case(labs={"hemoglobin_g_dl": 8.5})))


def test_eribulin_not_given_with_platelets_below_75000() -> None:
    case = _case(
        tumor={"gbrca": "negative"},
        proposed_treatment=[{"drug": "eribulin"}],
        labs={"platelets_per_ul": 70000},
    )
    alert = _alerts(_run(case))["platelets_low:eribulin"]
    assert alert.severity == "contraindication"
    case["labs"]["platelets_per_ul"] = 80000
    assert "platelets_low:eribulin" not in _alerts(_run(case))


def test_eribulin_not_given_with_anc_below_1000() -> None:
    case = _case(
        tumor={"gbrca": "negative"}, proposed_treatment=[{"drug": "eribulin"}], labs={"anc_per_ul": 900}
    )
    alert = _alerts(_run(case))["neutrophils_low:eribulin"]
    assert alert.severity == "contraindication"


def test_neutrophil_holds_follow_each_label_eribulin_vinorelbine_tdxd_at_anc_1200() -> None:
    """Halaven, Navelbine and Enhertu labels hold below 1,000/µL, not 1,500: at 1,200 eribulin and
    T-DXd go ahead, vinorelbine at 50% of the dose; paclitaxel (label floor 1,500) still waits."""
    drugs = ["eribulin", "vinorelbine", "trastuzumab deruxtecan", "paclitaxel"]
    case = _case(
        tumor={"gbrca": "negative"},
        proposed_treatment=[{"drug": d} for d in drugs],
        labs={"anc_per_ul": 1200},
    )
    alerts = _alerts(_run(case))
    assert "neutrophils_low:eribulin" not in alerts
    assert "neutrophils_low:trastuzumab deruxtecan" not in alerts
    assert "neutrophils_low:vinorelbine" not in alerts
    assert alerts["neutrophils_dose_reduction:vinorelbine"].severity == "warning"
    assert "50%" in alerts["neutrophils_dose_reduction:vinorelbine"].clinician
    assert alerts["neutrophils_low:paclitaxel"].severity == "contraindication"
    low = _alerts(_run({**case, "labs": {**case["labs"], "anc_per_ul": 900}}))
    for drug in drugs:
        assert low[f"neutrophils_low:{drug}"].severity == "contraindication"


def test_dialysis_without_creatinine_flags_capecitabine_olaparib_talazoparib() -> None:
    case = _case(
        patient={"on_dialysis": True},
        labs={"anc_per_ul": 3000},
        line=2,
        prior_treatment=[{"drug": "paclitaxel", "setting": "metastatic", "progressed": True}],
    )
    result = _run(case)
    alerts = _alerts(result)
    assert alerts["renal_not_recommended:capecitabine"].severity == "contraindication"
    assert alerts["renal_not_studied:olaparib"].severity == "contraindication"
    assert alerts["renal_not_studied:talazoparib"].severity == "contraindication"
    for drug in ("capecitabine", "olaparib", "talazoparib"):
        assert _flagged(result, drug), drug


def test_lvef_borderline_gives_both_trastuzumab_hold_criteria() -> None:
    case = _case(
        tumor={"her2_ihc": "3+", "gbrca": "negative"},
        labs={"lvef_percent": 47},
        current_treatment=[{"drug": "trastuzumab"}],
    )
    text = _alerts(_run(case))["lvef_borderline:trastuzumab"].clinician
    assert ">= 16 points" in text and "lower limit of normal" in text and ">= 10 points" in text


def _hr_pos_case(meds: list[str], proposed: str) -> dict[str, Any]:
    return _case(
        tumor={"er_percent": 90, "pr_percent": 50, "gbrca": "negative"},
        current_meds=meds,
        proposed_treatment=[{"drug": proposed}],
    )


def test_cdk46_strong_cyp3a_inhibitor_text_is_per_drug() -> None:
    texts = {
        drug: _alerts(_run(_hr_pos_case(["clarithromycin"], drug)))[
            f"cdk46_strong_cyp3a_inhibitor:{drug}"
        ].clinician
        for drug in ("palbociclib", "ribociclib", "abemaciclib")
    }
    assert "75 mg" in texts["palbociclib"]
    assert "400 mg" in texts["ribociclib"] and "75 mg" not in texts["ribociclib"]
    assert "ketoconazole" in texts["abemaciclib"] and "75 mg" not in texts["abemaciclib"]


def test_talazoparib_pgp_dose_only_for_label_named_inhibitors() -> None:
    named = _alerts(_run(_case(current_meds=["amiodarone"], proposed_treatment=[{"drug": "talazoparib"}])))
    assert "0.75 mg" in named["talazoparib_pgp_inhibitor:talazoparib"].clinician
    other = _alerts(_run(_case(current_meds=["cyclosporine"], proposed_treatment=[{"drug": "talazoparib"}])))
    assert "talazoparib_pgp_inhibitor:talazoparib" not in other
    assert "monitor" in other["talazoparib_pgp_inhibitor_monitor:talazoparib"].clinician


def _hr_pik3ca_second_line(**over: Any) -> dict[str, Any]:
    return _case(
        tumor={
            "er_percent": 90,
            "pr_percent": 40,
            "her2_ihc": "0",
            "pik3ca": "mutant",
            "gbrca": "negative",
        },
        metastatic_sites=["bone", "liver"],
        labs={"hba1c_percent": 5.4, "glucose_mg_dl": 95, "bilirubin_mg_dl": 0.6, "alt_u_l": 20},
        line=2,
        prior_treatment=[
            {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 20},
            {"drug": "palbociclib", "setting": "metastatic", "progressed": True, "months": 20},
        ],
        **over,
    )


def test_a_moderate_cyp3a_inducer_with_capivasertib_is_an_alert_fda_label_capivasertib() -> None:
    """Truqap label: avoid strong and moderate CYP3A inducers (efavirenz is a moderate inducer)."""
    alerts = _alerts(assess(parse_case(_hr_pik3ca_second_line(current_meds=["efavirenz"]))))
    assert "cyp3a_inducer_targeted:capivasertib" in alerts
    assert "cyp3a_inducer_targeted:alpelisib" not in alerts  # alpelisib: strong inducers only


def test_a_bcrp_inhibitor_with_alpelisib_is_an_alert_fda_label_alpelisib() -> None:
    alerts = _alerts(assess(parse_case(_hr_pik3ca_second_line(current_meds=["pantoprazole"]))))
    assert "alpelisib_bcrp_inhibitor:alpelisib" in alerts


def test_on_alpelisib_a_glucose_over_250_holds_it_and_160_to_250_intensifies_fda_label_alpelisib() -> None:
    """Piqray label, fasting glucose: > 250 interrupt until <= 160; 161-250 no dose change, treat."""
    def on_alpelisib(glucose: float) -> dict[str, Any]:
        case = _hr_pik3ca_second_line(current_treatment=[{"drug": "alpelisib"}, {"drug": "fulvestrant"}])
        case["labs"]["glucose_mg_dl"] = glucose
        return _alerts(assess(parse_case(case)))

    held = on_alpelisib(300)["hyperglycemia_hold:alpelisib"]
    assert held.severity == "contraindication" and "interrupt" in held.clinician
    watch = on_alpelisib(200)
    assert "hyperglycemia_hold:alpelisib" not in watch
    assert "intensify" in watch["hyperglycemia_on_treatment:alpelisib"].clinician
    assert "before start" not in watch["hyperglycemia_on_treatment:alpelisib"].clinician


def test_low_calcium_on_denosumab_waits_the_next_dose_fda_label_denosumab() -> None:
    """Xgeva label: correct hypocalcemia before dosing and monitor calcium; for someone already on it the
    alert speaks of the next dose, not of starting."""
    case = _hr_pik3ca_second_line(current_treatment=[{"drug": "denosumab"}])
    case["labs"] |= {"calcium_mg_dl": 7.6, "albumin_g_dl": 4.0}
    alert = _alerts(assess(parse_case(case)))["hypocalcemia_on_treatment:denosumab"]
    assert alert.severity == "contraindication" and "next dose" in alert.clinician


def test_terbinafine_is_a_strong_cyp2d6_inhibitor_for_tamoxifen_fda_ddi_table() -> None:
    """A real medicine list named Lamisil: it resolves (it used to stop the assessment as unknown) and,
    being a strong CYP2D6 inhibitor (FDA table), it raises the tamoxifen interaction."""
    case = _case(
        tumor={"er_percent": 90, "pr_percent": 50, "her2_ihc": "0"},
        current_treatment=[{"drug": "tamoxifen"}],
        current_meds=["Lamisil", "cinacalcet"],
    )
    alert = _alerts(assess(parse_case(case)))["tamoxifen_cyp2d6_inhibitor:tamoxifen"]
    assert "terbinafine" in alert.rationale and "cinacalcet" not in alert.rationale


def test_t_dm1_stops_with_high_transaminases_and_bilirubin_fda_label_trastuzumab_emtansine() -> None:
    case = _case(
        tumor={"er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"},
        current_treatment=[{"drug": "trastuzumab emtansine"}],
        labs={"alt_u_l": 160, "ast_u_l": 150, "bilirubin_mg_dl": 2.8},
        line=2,
    )
    alert = _alerts(assess(parse_case(case)))["hepatic_contraindication:trastuzumab emtansine"]
    assert alert.severity == "contraindication" and "permanently discontinue" in alert.clinician


def test_sacituzumab_with_bilirubin_over_1_5_x_uln_is_named_fda_label_sacituzumab_govitecan() -> None:
    case = _case(
        tumor={"er_percent": 0, "pr_percent": 0, "her2_ihc": "0", "gbrca": "negative"},
        labs={"bilirubin_mg_dl": 2.4, "alt_u_l": 40, "ast_u_l": 45},
        line=2,
        prior_treatment=[{"drug": "paclitaxel", "setting": "metastatic", "progressed": True, "months": 5}],
    )
    alerts = _alerts(assess(parse_case(case)))
    assert "not studied" in alerts["hepatic_dose_adjustment:sacituzumab govitecan"].clinician


def test_opioid_with_benzodiazepine_both_taken_already_against_the_oxycodone_label() -> None:
    """Boxed warning of opioid labels: a supportive medicine is checked against the other medicines
    taken, not only against the anticancer drugs in play."""
    alerts = _alerts(_run(_case(current_meds=["oxycodone", "lorazepam"])))
    alert = alerts["opioid_cns_depressant:oxycodone"]
    assert alert.severity == "warning"
    assert alert.rationale == "oxycodone (current medicine) with lorazepam (current medicine)"
    assert "opioid_cns_depressant:oxycodone" not in _alerts(_run(_case(current_meds=["oxycodone"])))


def test_nsaid_with_warfarin_both_taken_already_against_the_ibuprofen_label() -> None:
    alerts = _alerts(_run(_case(current_meds=["Advil", "Coumadin"])))
    expected = "ibuprofen (current medicine) with warfarin (current medicine)"
    assert alerts["nsaid_bleeding:ibuprofen"].rationale == expected


def test_cancer_medicine_in_current_meds_gets_current_treatment_holds_against_the_talazoparib_label() -> None:
    """Listed among the other medicines, talazoparib is still a treatment taken today: its platelet
    hold applies as for current_treatment."""
    tumor = {"gbrca": "negative"}  # so talazoparib is not also a therapy option
    result = _run(_case(tumor=tumor, current_meds=["Talzenna"], labs={"platelets_per_ul": 45000}))
    alert = _alerts(result)["platelets_low:talazoparib"]
    assert alert.severity == "contraindication" and "current treatment" in alert.rationale


def test_lvef_below_50_blocks_her2_antibodies_and_lapatinib_not_tucatinib_against_their_labels() -> None:
    """Tukysa and Nerlynx labels carry no LVEF rule; trastuzumab and lapatinib labels do."""
    case = _case(
        tumor={"er_percent": 0, "pr_percent": 0, "her2_ihc": "3+", "gbrca": "negative"},
        labs={"lvef_percent": 45},
        proposed_treatment=[{"drug": d} for d in ("tucatinib", "trastuzumab", "lapatinib", "neratinib")],
    )
    alerts = _alerts(_run(case))
    # LVEF 45%: the pertuzumab label holds HER2 antibodies below 45%, and at 45-49% only with a fall of
    # >= 10 points from baseline, so with no baseline trastuzumab is a warning with cardio-oncology review
    assert alerts["lvef_reduced:trastuzumab"].severity == "warning"
    assert "lvef_low:trastuzumab" not in alerts
    assert alerts["lvef_low:lapatinib"].severity == "contraindication"
    for drug in ("tucatinib", "neratinib"):
        assert not any(key.startswith("lvef_") and key.endswith(f":{drug}") for key in alerts)
    case["labs"]["lvef_percent"] = 44
    alerts = _alerts(_run(case))
    assert alerts["lvef_low:trastuzumab"].severity == "contraindication"


def test_label_interactions_of_serms_ixabepilone_and_loperamide() -> None:
    """Tamoxifen/toremifene with rifampin (tamoxifen label: AUC -86%), toremifene with clarithromycin
    (Fareston boxed warning: avoid strong CYP3A4 inhibitors), ixabepilone with carbamazepine (Ixempra
    label) and loperamide with clarithromycin (loperamide label, cardiac events)."""
    def alerts_for(proposed: str, meds: list[str]) -> dict[str, Any]:
        return _alerts(_run(_case(proposed_treatment=[{"drug": proposed}], current_meds=meds)))

    assert "serm_cyp3a_inducer:tamoxifen" in alerts_for("tamoxifen", ["rifampin"])
    assert "serm_cyp3a_inducer:toremifene" in alerts_for("toremifene", ["Rifadin"])
    assert "toremifene_cyp3a_inhibitor:toremifene" in alerts_for("toremifene", ["clarithromycin"])
    assert "ixabepilone_cyp3a_inducer:ixabepilone" in alerts_for("ixabepilone", ["carbamazepine"])
    loperamide = _alerts(_run(_case(current_meds=["Imodium", "clarithromycin"])))
    expected = "loperamide (current medicine) with clarithromycin (current medicine)"
    assert loperamide["loperamide_cardiac:loperamide"].rationale == expected
    assert "serm_cyp3a_inducer:tamoxifen" not in alerts_for("tamoxifen", ["sertraline"])


def test_a_red_flag_read_from_a_note_names_that_note_in_notes_used() -> None:
    """case-format.md: notes are scanned and "the assessment says which notes it used"."""
    notes = ["Referral letter: well, no complaints", "MRI brain: new hydrocephalus, periventricular edema"]
    result = _run(_case(metastatic_sites=["brain"], notes=notes))
    assert [f.code for f in result.red_flags][:1] == ["raised_icp"]
    [line] = result.notes_used
    assert line.startswith("notes[1]: triage found red flag raised_icp (emergency)")


def test_methotrexate_with_nsaid_or_aspirin_against_the_methotrexate_label() -> None:
    for partner in ("naproxen", "aspirin"):
        alerts = _alerts(_run(_case(proposed_treatment=[{"drug": "methotrexate"}], current_meds=[partner])))
        expected = f"methotrexate (proposed order) with {partner} (current medicine)"
        assert alerts["methotrexate_nsaid:methotrexate"].rationale == expected


def test_nsaid_bleeding_partner_is_an_ssri_or_snri_not_any_serotonergic_drug() -> None:
    """Ibuprofen/naproxen labels warn of bleeding with SSRIs/SNRIs; tramadol and triptans are
    serotonergic but not in that warning."""
    assert "nsaid_bleeding:ibuprofen" in _alerts(_run(_case(current_meds=["ibuprofen", "sertraline"])))
    assert "nsaid_bleeding:ibuprofen" in _alerts(_run(_case(current_meds=["ibuprofen", "Effexor"])))
    for other in ("tramadol", "sumatriptan"):
        assert "nsaid_bleeding:ibuprofen" not in _alerts(_run(_case(current_meds=["ibuprofen", other])))
