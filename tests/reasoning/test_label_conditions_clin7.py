"""Label conditions and pregnancy in the ranking and the workup (CLI acceptance sweep, items 2-4).

- Olaparib: the Lynparza label (fda-label-olaparib) is for gBRCA HER2-negative MBC previously treated
  with chemotherapy in the neoadjuvant, adjuvant or metastatic setting; the Talzenna label
  (fda-label-talazoparib) has no such condition. With no chemotherapy recorded, olaparib stays offered but
  ranks after talazoparib, with a "confirm the history" alert; with chemotherapy recorded nothing changes.
- PI3K/AKT inhibitors: Piqray's label says safety in uncontrolled type 2 diabetes is not established and
  all three labels say optimise glucose first; HbA1c >= 8% (above the ADA less stringent goal) ranks them
  after the options without this risk, and the alert says what to do. The labels do not contraindicate.
- Pregnancy: staging avoids ionising radiation where it can (ESMO 2013, NCI PDQ, Vandecaveye 2021).
"""

from __future__ import annotations

from typing import Any

from mbcnav.assessment import Assessment
from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess

_AFTER_AI_CDK46 = [
    {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 20},
    {"drug": "palbociclib", "setting": "metastatic", "progressed": True, "months": 20},
]
_POST = {"age": 55, "sex": "F", "menopausal": "post"}


def _assess(**case: Any) -> Assessment:
    return assess(parse_case(case))


def _rank(result: Assessment, drug: str) -> int:
    return next(o.rank for o in result.therapy_options if drug in o.drugs)


def _option(result: Assessment, drug: str) -> Any:
    return next(o for o in result.therapy_options if drug in o.drugs)


def _gbrca_hr_pos(prior: list[dict[str, Any]]) -> Assessment:
    return _assess(
        tumor={"er_percent": 90, "her2_ihc": "0", "gbrca": "BRCA2"},
        metastatic_sites=["bone"],
        prior_treatment=prior,
        line=2,
        patient=_POST,
    )


# --------------------------------------------------------------------------------------- olaparib
def test_olaparib_without_recorded_chemotherapy_ranks_after_talazoparib_with_a_confirm_alert() -> None:
    result = _gbrca_hr_pos(_AFTER_AI_CDK46)
    unflagged = [o for o in result.therapy_options if not o.flagged]
    assert unflagged[0].drugs == ("talazoparib",)
    assert _rank(result, "olaparib") == _rank(result, "talazoparib") + 1
    olaparib = _option(result, "olaparib")
    assert not olaparib.flagged  # kept: the history may simply be incomplete
    assert "prior_chemotherapy_not_recorded" in olaparib.flags
    assert "confirm the history" in olaparib.rationale
    alert = next(a for a in result.safety_alerts if a.code == "prior_chemotherapy_not_recorded")
    assert alert.drug == "olaparib" and alert.severity == "warning"
    assert "fda-label-olaparib" in alert.sources
    assert "chemo" in alert.public.lower() and "neoadjuvant, adjuvant or metastatic" in alert.clinician


def test_olaparib_after_adjuvant_chemotherapy_keeps_its_rank_and_has_no_alert() -> None:
    prior = [
        *_AFTER_AI_CDK46,
        {"drug": "doxorubicin", "setting": "adjuvant"},
        {"drug": "paclitaxel", "setting": "adjuvant"},
    ]
    result = _gbrca_hr_pos(prior)
    assert result.therapy_options[0].drugs == ("olaparib",)
    assert _rank(result, "olaparib") < _rank(result, "talazoparib")
    assert not any(a.code == "prior_chemotherapy_not_recorded" for a in result.safety_alerts)
    assert "prior_chemotherapy_not_recorded" not in _option(result, "olaparib").flags


def test_first_line_gbrca_tnbc_without_chemotherapy_puts_talazoparib_before_olaparib() -> None:
    result = _assess(
        tumor={"er_percent": 0, "pr_percent": 0, "her2_ihc": "0", "gbrca": "BRCA1", "pdl1_cps": 2},
        metastatic_sites=["lung"],
        line=1,
        patient={"age": 45, "sex": "F", "menopausal": "pre"},
    )
    assert _rank(result, "talazoparib") < _rank(result, "olaparib")
    assert "prior_chemotherapy_not_recorded" in _option(result, "olaparib").flags


# --------------------------------------------------------------------------------------- PI3K/AKT
def _pi3k_case(hba1c: float) -> Assessment:
    return _assess(
        tumor={"er_percent": 90, "her2_ihc": "0", "esr1": "mutant", "pik3ca": "mutant"},
        labs={"hba1c_percent": hba1c},
        metastatic_sites=["bone"],
        prior_treatment=_AFTER_AI_CDK46,
        line=2,
        patient=_POST,
    )


def test_uncontrolled_diabetes_ranks_pi3k_akt_inhibitors_below_elacestrant() -> None:
    controlled, uncontrolled = _pi3k_case(5.6), _pi3k_case(9.5)
    assert controlled.therapy_options[0].drugs[0] == "capivasertib"
    for drug in ("capivasertib", "alpelisib"):
        assert _rank(uncontrolled, drug) > _rank(uncontrolled, "elacestrant"), drug
        assert _rank(uncontrolled, drug) > _rank(uncontrolled, "abemaciclib"), drug
        assert not _option(uncontrolled, drug).flagged  # a warning: the labels do not contraindicate
    assert uncontrolled.therapy_options[0].drugs == ("elacestrant",)


def test_uncontrolled_diabetes_alert_says_what_to_do_first() -> None:
    result = _pi3k_case(9.5)
    alerts = [a for a in result.safety_alerts if a.code == "hyperglycemia_risk" and a.drug == "capivasertib"]
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.severity == "warning"
    assert "9.5%" in alert.clinician and "endocrinology" in alert.clinician
    assert "optimised" in alert.clinician and "not start" in alert.public
    assert "ada-glycemic-targets-2022" in alert.sources


def test_hba1c_just_below_8_keeps_the_targeted_rank_and_the_plain_warning() -> None:
    result = _pi3k_case(7.9)
    assert result.therapy_options[0].drugs[0] == "capivasertib"
    alert = next(
        a for a in result.safety_alerts if a.code == "hyperglycemia_risk" and a.drug == "capivasertib"
    )
    assert "endocrinology input" in alert.clinician and "ADA" not in alert.clinician


def test_inavolisib_first_line_moves_below_fulvestrant_cdk46_when_hba1c_is_8_or_more() -> None:
    def case(hba1c: float) -> Assessment:
        return _assess(
            tumor={"er_percent": 90, "her2_ihc": "0", "pik3ca": "mutant"},
            labs={"hba1c_percent": hba1c},
            metastatic_sites=["bone"],
            prior_treatment=[{"drug": "letrozole", "setting": "adjuvant", "progressed": True}],
            line=1,
            patient=_POST,
        )

    assert case(5.5).therapy_options[0].drugs[0] == "inavolisib"
    high = case(8.0)
    assert _rank(high, "inavolisib") > _rank(high, "ribociclib")
    assert "uncontrolled diabetes" in _option(high, "inavolisib").rationale


# --------------------------------------------------------------------------------------- pregnancy
def _pregnant_workup(sites: list[str], pregnant: bool = True) -> dict[str, Any]:
    result = _assess(
        patient={"age": 38, "sex": "F", "menopausal": "pre", "pregnant": pregnant},
        tumor={"er_percent": 90, "her2_ihc": "0"},
        metastatic_sites=sites,
        line=1,
    )
    return {w.code: w for w in result.workup}


def test_pregnant_staging_replaces_contrast_ct_with_shielded_x_ray_ultrasound_and_mri() -> None:
    item = _pregnant_workup(["bone"])["ct_chest_abdomen_pelvis"]
    assert "Diagnostic contrast CT" not in item.clinician
    for words in ("abdominal shielding", "ultrasound", "without gadolinium"):
        assert words in item.clinician, words
    assert "pregnant" in item.public and "CT scan is done only if it is truly needed" in item.public
    assert "esmo-pregnancy-2013" in item.sources


def test_pregnant_bone_scan_and_pet_become_mri_first() -> None:
    items = _pregnant_workup([])
    assert "instead of bone scintigraphy" in items["bone_scan"].clinician
    assert "MRI" in items["bone_scan"].public
    assert "avoid FDG PET/CT" in items["pet_ct"].clinician


def test_not_pregnant_keeps_the_usual_staging_texts() -> None:
    items = _pregnant_workup([], pregnant=False)
    assert "Diagnostic contrast CT" in items["ct_chest_abdomen_pelvis"].clinician
    assert items["bone_scan"].public == "A bone scan looks for cancer in the bones."
