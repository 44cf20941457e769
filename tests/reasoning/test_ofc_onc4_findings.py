"""Fourth oncologist review (items 5-8): second line after first-line T-DXd + pertuzumab (DESTINY-Breast09),
the sources of "continue the current treatment", endocrine maintenance after chemotherapy for visceral crisis,
and single agents before gemcitabine + carboplatin in later-line triple-negative disease. Each test runs a
whole case through assess() and reads the ranked options."""

from __future__ import annotations

from typing import Any

from _helpers import FULL_PANEL_LABS

from mbcnav.assessment import Assessment, TherapyOption
from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess

HR_POS = {"er_percent": 90, "pr_percent": 40, "her2_ihc": "0", "pik3ca": "wildtype", "esr1": "wildtype"}
HR_POS_HER2_POS = {"er_percent": 80, "pr_percent": 30, "her2_ihc": "3+"}
TNBC_HER2_LOW = {"er_percent": 0, "pr_percent": 0, "her2_ihc": "1+", "gbrca": "negative", "pdl1_cps": 3}


def _assess(
    tumor: dict[str, Any], sites: list[str], line: int, prior: list[dict], **extra: Any
) -> Assessment:
    patient = {"age": 58, "sex": "F", "menopausal": "post", "weight_kg": 68, "height_cm": 164, "ecog": 1}
    data = {
        "patient": patient,
        "tumor": tumor,
        "metastatic_sites": sites,
        "labs": FULL_PANEL_LABS,
        "line": line,
        "prior_treatment": prior,
        **extra,
    }
    return assess(parse_case(data))


def _option(result: Assessment, *drugs: str) -> TherapyOption:
    for option in result.therapy_options:
        if set(drugs) <= set(option.drugs):
            return option
    raise AssertionError(f"no option with {drugs}: {[o.regimen for o in result.therapy_options]}")


def _systemic(result: Assessment) -> list[TherapyOption]:
    return [o for o in result.therapy_options if o.drugs and o.category not in ("bone", "local")]


def _met(drug: str, progressed: bool, months: int) -> dict[str, Any]:
    return {"drug": drug, "setting": "metastatic", "progressed": progressed, "months": months}


# ---------------------------------------------------------------- 5. after first-line T-DXd + pertuzumab
AFTER_DB09 = [_met("trastuzumab deruxtecan", True, 30), _met("pertuzumab", True, 30)]


def test_after_db09_trastuzumab_taxane_is_offered_first_per_cleopatra() -> None:
    result = _assess(HR_POS_HER2_POS, ["liver", "bone"], 2, AFTER_DB09)
    first = _systemic(result)[0]
    assert {"trastuzumab", "docetaxel", "paclitaxel"} <= set(first.drugs), first.regimen
    assert "CLEOPATRA" in first.evidence and not first.flagged


def test_after_db09_tucatinib_and_tdm1_say_their_trials_enrolled_after_trastuzumab() -> None:
    result = _assess(HR_POS_HER2_POS, ["liver", "bone"], 2, AFTER_DB09)
    tucatinib = _option(result, "tucatinib")
    tdm1 = _option(result, "trastuzumab emtansine")
    assert "outside" in tucatinib.rationale and "HER2CLIMB" in tucatinib.rationale
    assert "outside" in tdm1.rationale and "EMILIA" in tdm1.rationale
    taxane = _option(result, "trastuzumab", "docetaxel")
    assert taxane.rank < tucatinib.rank and taxane.rank < tdm1.rank


def test_after_thp_then_tdxd_no_new_taxane_option_and_no_population_caveat() -> None:
    """The DESTINY-Breast03 route (THP, then T-DXd): trastuzumab and a taxane were given, so the usual
    third-line options stand without the trastuzumab-naive caveat."""
    prior = [
        _met("pertuzumab", True, 20),
        _met("trastuzumab", True, 20),
        _met("docetaxel", False, 5),
        _met("trastuzumab deruxtecan", True, 14),
    ]
    result = _assess(HR_POS_HER2_POS, ["liver"], 3, prior)
    assert not any({"trastuzumab", "docetaxel"} <= set(o.drugs) for o in result.therapy_options)
    assert "outside" not in _option(result, "tucatinib").rationale


# ------------------------------------------------------- 6. sources of "continue the current treatment"
AI_RIBO = [_met("letrozole", False, 20), _met("ribociclib", False, 20)]
AI_RIBO_CURRENT = [{"drug": "letrozole"}, {"drug": "ribociclib", "dose_mg": 600}]


def test_continue_without_brain_metastases_cites_no_brain_guideline() -> None:
    result = _assess(HR_POS, ["bone"], 1, AI_RIBO, current_treatment=AI_RIBO_CURRENT)
    keep = next(o for o in result.therapy_options if o.category == "continue")
    assert not any("brain" in e or "ASCO-SNO-ASTRO" in e for e in keep.evidence), keep.evidence
    assert not any("brain" in s for s in keep.sources), keep.sources
    assert {"nccn-breast", "abc5", "esmo-living-guideline-mbc"} <= set(keep.sources)
    assert "ASCO" not in keep.clinician


def test_continue_with_brain_only_progression_keeps_the_brain_guidelines() -> None:
    result = _assess(
        HR_POS,
        ["bone", "brain"],
        1,
        AI_RIBO,
        current_treatment=AI_RIBO_CURRENT,
        brain_mets_count=1,
        brain_mets_status="untreated",
    )
    keep = next(o for o in result.therapy_options if o.category == "continue")
    assert "ASCO-SNO-ASTRO 2022" in keep.evidence
    assert {"asco-her2-brain-mets-2022", "asco-sno-astro-brain-mets-2022"} <= set(keep.sources)


# ------------------------------------------------------- 7. endocrine maintenance after crisis chemotherapy
def test_after_crisis_paclitaxel_endocrine_cdk46_ranks_before_continuing_chemotherapy() -> None:
    result = _assess(
        HR_POS,
        ["liver", "bone"],
        1,
        [_met("paclitaxel", False, 5)],
        current_treatment=[{"drug": "paclitaxel"}],
    )
    systemic = _systemic(result)
    assert "ribociclib" in systemic[0].drugs, systemic[0].regimen
    keep = next(o for o in result.therapy_options if o.category == "continue")
    assert "paclitaxel" in keep.drugs and "maintenance" in keep.rationale
    assert keep.rank > systemic[0].rank


def test_chemotherapy_after_endocrine_lines_still_continues_first() -> None:
    """Chemotherapy given because endocrine therapy stopped working: no endocrine maintenance route."""
    prior = [_met("letrozole", True, 18), _met("palbociclib", True, 18), _met("paclitaxel", False, 5)]
    result = _assess(HR_POS, ["liver", "bone"], 2, prior, current_treatment=[{"drug": "paclitaxel"}])
    first = _systemic(result)[0]
    assert first.category == "continue" and "paclitaxel" in first.drugs, first.regimen


# ------------------------------------------------------- 8. later-line TNBC: single agents before gem-carbo
def test_tnbc_third_line_after_tdxd_single_agents_and_sacituzumab_before_gem_carbo() -> None:
    prior = [_met("paclitaxel", True, 6), _met("trastuzumab deruxtecan", True, 7)]
    result = _assess(TNBC_HER2_LOW, ["lung", "liver"], 3, prior)
    doublet = next(o for o in result.therapy_options if set(o.drugs) == {"gemcitabine", "carboplatin"})
    singles = _option(result, "capecitabine", "eribulin")
    sacituzumab = _option(result, "sacituzumab govitecan")
    assert singles.rank < doublet.rank and sacituzumab.rank < doublet.rank
    assert "single agents" in doublet.rationale


def test_tnbc_visceral_crisis_keeps_the_doublet_first() -> None:
    prior = [_met("paclitaxel", True, 6)]
    labs = {**FULL_PANEL_LABS, "bilirubin_mg_dl": 3.4, "alt_u_l": 250, "ast_u_l": 260}
    patient = {"age": 55, "sex": "F", "menopausal": "post", "weight_kg": 68, "height_cm": 164, "ecog": 1}
    data = {
        "patient": patient,
        "tumor": TNBC_HER2_LOW,
        "metastatic_sites": ["liver"],
        "labs": labs,
        "line": 2,
        "prior_treatment": prior,
    }
    result = assess(parse_case(data))
    doublet = next(o for o in result.therapy_options if set(o.drugs) == {"gemcitabine", "carboplatin"})
    assert doublet.rank < _option(result, "capecitabine", "eribulin").rank
