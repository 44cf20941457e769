"""Second oncologist review (items 4, 5, 7, 9): performance status 2 and older age, PARP inhibitors after
progression on platinum, oral SERDs outside their trial populations, rapid progression on a later
endocrine line. Each test runs a whole case through assess() and reads the ranked options."""

from __future__ import annotations

from typing import Any

from _helpers import FULL_PANEL_LABS

from mbcnav.assessment import Assessment
from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess

LABS = FULL_PANEL_LABS


def _case(
    patient: dict[str, Any], tumor: dict[str, Any], sites: list[str], line: int, prior: list[dict]
) -> Assessment:
    base = {"age": 64, "sex": "F", "menopausal": "post", "weight_kg": 66, "height_cm": 163, "ecog": 1}
    return assess(
        parse_case(
            {
                "patient": {**base, **patient},
                "tumor": tumor,
                "metastatic_sites": sites,
                "labs": LABS,
                "line": line,
                "prior_treatment": prior,
            }
        )
    )


def _rank(result: Assessment, *drugs: str) -> int:
    """Rank of the first option whose drugs include all of these."""
    for option in result.therapy_options:
        if set(drugs) <= set(option.drugs):
            return option.rank
    raise AssertionError(f"no option with {drugs}: {[o.regimen for o in result.therapy_options]}")


def _option(result: Assessment, *drugs: str) -> Any:
    return next(o for o in result.therapy_options if set(drugs) <= set(o.drugs))


HER2_POS_HR_NEG = {"er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"}
HER2_POS_HR_POS = {"er_percent": 80, "pr_percent": 30, "her2_ihc": "3+"}
TNBC_CPS1 = {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0", "pdl1_cps": 1}
TNBC_CPS20 = {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0", "pdl1_cps": 20}


# ---- 4: ECOG 2 and older age ---------------------------------------------------------------------------
def test_ecog2_her2_first_line_combinations_carry_the_trial_ecog_limit_and_rank_below_de_escalation() -> None:
    """DESTINY-Breast09 and CLEOPATRA enrolled ECOG 0-1; EORTC 75111 (PS 0-3, age >= 70) tested
    trastuzumab + pertuzumab with metronomic cyclophosphamide."""
    result = _case({"age": 82, "ecog": 2}, HER2_POS_HR_NEG, ["lung", "lymph_node"], 1, [])
    tdxd_p = _option(result, "trastuzumab deruxtecan", "pertuzumab")
    thp = _option(result, "pertuzumab", "trastuzumab", "docetaxel")
    assert "ECOG 0-1" in tdxd_p.rationale and "ECOG 0-1" in thp.rationale
    metronomic = _rank(result, "trastuzumab", "pertuzumab", "cyclophosphamide")
    assert metronomic < tdxd_p.rank and metronomic < thp.rank


def test_ecog1_her2_first_line_keeps_tdxd_pertuzumab_first_without_the_caveat() -> None:
    result = _case({"age": 58, "ecog": 1}, HER2_POS_HR_NEG, ["lung"], 1, [])
    unflagged = [o for o in result.therapy_options if not o.flagged]
    assert {"trastuzumab deruxtecan", "pertuzumab"} <= set(unflagged[0].drugs)
    assert "ECOG 0-1" not in unflagged[0].rationale
    assert all("cyclophosphamide" not in o.drugs for o in result.therapy_options)


def test_age_75_ecog1_her2_first_line_lists_eortc_75111_after_the_standard_options() -> None:
    result = _case({"age": 75, "ecog": 1}, HER2_POS_HR_NEG, ["lung"], 1, [])
    metronomic = _rank(result, "trastuzumab", "pertuzumab", "cyclophosphamide")
    assert _rank(result, "trastuzumab deruxtecan", "pertuzumab") < metronomic
    assert _rank(result, "pertuzumab", "trastuzumab", "docetaxel") < metronomic


def test_ecog2_hr_pos_her2_pos_her2_blockade_with_ai_rises_above_chemotherapy_combinations() -> None:
    result = _case({"age": 83, "ecog": 2}, HER2_POS_HR_POS, ["bone", "lung"], 1, [])
    no_chemo = _rank(result, "trastuzumab", "pertuzumab", "letrozole", "anastrozole")
    assert no_chemo < _rank(result, "trastuzumab deruxtecan", "pertuzumab")
    assert no_chemo < _rank(result, "pertuzumab", "trastuzumab", "docetaxel")


def test_kps_60_without_ecog_counts_as_ecog2() -> None:
    result = _case({"age": 82, "ecog": None, "kps": 60}, HER2_POS_HR_NEG, ["lung"], 1, [])
    assert "ECOG 0-1" in _option(result, "trastuzumab deruxtecan", "pertuzumab").rationale


def test_ecog2_tnbc_gemcitabine_carboplatin_ranks_below_single_agents() -> None:
    result = _case({"age": 80, "ecog": 2}, TNBC_CPS1, ["lung", "liver"], 1, [])
    doublet = _option(result, "gemcitabine", "carboplatin")
    assert _rank(result, "paclitaxel", "nab-paclitaxel") < doublet.rank
    assert "ECOG 2" in doublet.rationale


def test_ecog2_tnbc_cps20_sacituzumab_pembrolizumab_ranks_below_a_single_agent_with_its_ecog_limit() -> None:
    result = _case({"age": 78, "ecog": 2}, TNBC_CPS20, ["lung"], 1, [])
    combo = _option(result, "sacituzumab govitecan", "pembrolizumab")
    assert "ECOG 0-1" in combo.rationale
    assert _rank(result, "paclitaxel", "nab-paclitaxel") < combo.rank


def test_ecog1_tnbc_cps20_keeps_sacituzumab_pembrolizumab_first() -> None:
    result = _case({"age": 50, "ecog": 1}, TNBC_CPS20, ["lung"], 1, [])
    assert _rank(result, "sacituzumab govitecan", "pembrolizumab") == 1


# ---- 5: PARP inhibitors after progression on platinum ---------------------------------------------------
GBRCA2_TNBC = {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0", "pdl1_cps": 1, "gbrca": "BRCA2"}


def test_parp_after_progression_on_metastatic_platinum_ranks_below_sacituzumab_and_single_agents() -> None:
    """OlympiAD and EMBRACA excluded progression on platinum given for advanced disease."""
    prior = [
        {"drug": "carboplatin", "setting": "metastatic", "progressed": True, "months": 5},
        {"drug": "paclitaxel", "setting": "metastatic", "progressed": True, "months": 5},
    ]
    result = _case({"age": 42, "menopausal": "pre"}, GBRCA2_TNBC, ["lung", "liver"], 2, prior)
    olaparib, talazoparib = _option(result, "olaparib"), _option(result, "talazoparib")
    for parp in (olaparib, talazoparib):
        assert "platinum" in parp.rationale and "OlympiAD" in parp.rationale
        assert _rank(result, "sacituzumab govitecan") < parp.rank
        assert _rank(result, "capecitabine", "eribulin", "vinorelbine", "gemcitabine") < parp.rank


def test_parp_after_platinum_without_progression_stays_above_sacituzumab() -> None:
    prior = [
        {"drug": "carboplatin", "setting": "metastatic", "progressed": False, "months": 5},
        {"drug": "paclitaxel", "setting": "metastatic", "progressed": True, "months": 9},
    ]
    result = _case({"age": 42, "menopausal": "pre"}, GBRCA2_TNBC, ["lung"], 2, prior)
    assert "progressed on platinum" not in _option(result, "olaparib").rationale
    assert _rank(result, "olaparib") < _rank(result, "capecitabine", "eribulin", "vinorelbine", "gemcitabine")


# ---- 7: oral SERDs outside their trial populations -----------------------------------------------------
HR_POS_HER2_LOW_ESR1 = {
    "er_percent": 90,
    "pr_percent": 40,
    "her2_ihc": "1+",
    "pik3ca": "mutant",
    "esr1": "mutant",
    "gbrca": "negative",
}
AI_CDK46 = [
    {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 25},
    {"drug": "palbociclib", "setting": "metastatic", "progressed": True, "months": 25},
]


def test_oral_serds_after_fulvestrant_capivasertib_rank_below_tdxd_and_say_why() -> None:
    """VERITAC-2 excluded prior fulvestrant and PI3K/AKT/mTOR inhibitors (Future Oncol 2024, Table 1)."""
    prior = [
        *AI_CDK46,
        {"drug": "fulvestrant", "setting": "metastatic", "progressed": True, "months": 8},
        {"drug": "capivasertib", "setting": "metastatic", "progressed": True, "months": 8},
    ]
    result = _case({}, HR_POS_HER2_LOW_ESR1, ["bone", "liver"], 3, prior)
    tdxd = _rank(result, "trastuzumab deruxtecan")
    for drug, trial in (("imlunestrant", "EMBER-3"), ("vepdegestrant", "VERITAC-2")):
        option = _option(result, drug)
        assert tdxd < option.rank, drug
        assert trial in option.rationale and "did not" in option.rationale, drug


def test_oral_serds_straight_after_ai_cdk46_stay_above_tdxd() -> None:
    result = _case({}, HR_POS_HER2_LOW_ESR1 | {"pik3ca": "wildtype"}, ["bone", "liver"], 2, AI_CDK46)
    tdxd = _rank(result, "trastuzumab deruxtecan")
    for drug in ("elacestrant", "imlunestrant", "vepdegestrant"):
        assert _rank(result, drug) < tdxd, drug
        assert "did not include" not in _option(result, drug).rationale


def test_elacestrant_after_two_chemotherapy_lines_is_outside_emerald() -> None:
    """EMERALD allowed at most one chemotherapy line (prior fulvestrant was allowed)."""
    prior = [
        *AI_CDK46,
        {"drug": "capecitabine", "setting": "metastatic", "progressed": True, "months": 6},
        {"drug": "paclitaxel", "setting": "metastatic", "progressed": True, "months": 5},
    ]
    result = _case({}, HR_POS_HER2_LOW_ESR1 | {"pik3ca": "wildtype"}, ["bone", "liver"], 4, prior)
    elacestrant = _option(result, "elacestrant")
    assert "EMERALD" in elacestrant.rationale and "did not include" in elacestrant.rationale
    assert _rank(result, "trastuzumab deruxtecan") < elacestrant.rank


# ---- 9: rapid progression on a later endocrine line -------------------------------------------------------
def test_everolimus_exemestane_not_first_after_fulvestrant_failed_within_4_months() -> None:
    prior = [
        {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 28},
        {"drug": "abemaciclib", "setting": "metastatic", "progressed": True, "months": 28},
        {"drug": "fulvestrant", "setting": "metastatic", "progressed": True, "months": 4},
        {"drug": "trastuzumab deruxtecan", "setting": "metastatic", "progressed": True, "months": 9},
        {"drug": "sacituzumab govitecan", "setting": "metastatic", "progressed": True, "months": 5},
    ]
    tumor = {"er_percent": 90, "pr_percent": 40, "her2_ihc": "1+", "pik3ca": "wildtype", "esr1": "wildtype"}
    result = _case({"age": 67}, tumor, ["liver", "lung", "bone"], 5, prior)
    evero = _option(result, "everolimus", "exemestane")
    assert _rank(result, "capecitabine", "paclitaxel") < evero.rank
    assert "within 6 months" in evero.rationale


def test_everolimus_exemestane_after_a_long_fulvestrant_line_keeps_its_place() -> None:
    prior = [
        {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 28},
        {"drug": "abemaciclib", "setting": "metastatic", "progressed": True, "months": 28},
        {"drug": "fulvestrant", "setting": "metastatic", "progressed": True, "months": 11},
        {"drug": "trastuzumab deruxtecan", "setting": "metastatic", "progressed": True, "months": 9},
        {"drug": "sacituzumab govitecan", "setting": "metastatic", "progressed": True, "months": 5},
    ]
    tumor = {"er_percent": 90, "pr_percent": 40, "her2_ihc": "1+", "pik3ca": "wildtype", "esr1": "wildtype"}
    result = _case({"age": 67}, tumor, ["liver", "lung", "bone"], 5, prior)
    assert _rank(result, "everolimus", "exemestane") < _rank(result, "capecitabine", "paclitaxel")


# ---- 10: smaller gaps ----------------------------------------------------------------------------------
HR_POS_HER2_NEG = {"er_percent": 90, "pr_percent": 60, "her2_ihc": "0"}


def test_premenopausal_options_from_postmenopausal_trials_say_the_evidence_is_extrapolated() -> None:
    """MONARCH 3, PALOMA-2 and MONALEESA-3 enrolled postmenopausal women; MONALEESA-7 premenopausal."""
    result = _case({"age": 34, "menopausal": "pre"}, HR_POS_HER2_NEG, ["bone", "liver"], 1, [])
    for drugs in (("letrozole", "abemaciclib"), ("letrozole", "palbociclib"), ("fulvestrant", "ribociclib")):
        assert "extrapolated" in _option(result, *drugs).rationale, drugs
    assert "extrapolated" not in _option(result, "letrozole", "ribociclib").rationale
    post = _case({"age": 64}, HR_POS_HER2_NEG, ["bone", "liver"], 1, [])
    assert "extrapolated" not in _option(post, "letrozole", "abemaciclib").rationale


def test_leptomeningeal_site_lists_a_leptomeningeal_treatment_option_and_spine_mri() -> None:
    result = _case(
        {"age": 46, "menopausal": "pre"},
        HER2_POS_HR_NEG,
        ["leptomeninges", "lung"],
        2,
        [{"drug": "trastuzumab", "setting": "metastatic", "progressed": True, "months": 18}],
    )
    assert any("leptomeningeal" in o.regimen and "intrathecal" in o.regimen for o in result.therapy_options)
    assert "spine_mri" in [w.code for w in result.workup]
