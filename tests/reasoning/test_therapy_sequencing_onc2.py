"""Therapy sequencing found wrong by a second oncologist's review (scratch-onc2 report #1-#3).

Each test builds the reviewer's case through parse_case and assess and checks the ranking against the
trial or label named in its docstring:
- CLEOPATRA / NCCN: HER2 antibodies continue as maintenance while the disease responds; second-line HER2
  options (DESTINY-Breast03, HER2CLIMB, EMILIA) enrolled people whose disease progressed on them.
- PATINA (Metzger, NEJM 2026): palbociclib added to HP + endocrine maintenance after 4-8 cycles of
  induction without progression, PFS 44.3 vs 29.1 months (HR 0.75).
- Huppert et al., NPJ Breast Cancer 2025: a second topoisomerase-I ADC (T-DXd <-> sacituzumab) failed
  sooner than the first; no randomised trial tested one after the other.
- Trodelvy label: HR+/HER2- after endocrine-based therapy and at least two more systemic therapies for
  metastatic disease (TROPiCS-02).
"""

from __future__ import annotations

from typing import Any

from _helpers import NORMAL_LABS, run

from mbcnav.assessment import Assessment, TherapyOption

_LABS = {**NORMAL_LABS, "lvef_percent": 62, "qtcf_ms": 420, "glucose_mg_dl": 92, "hba1c_percent": 5.4}


def _case(tumor: dict[str, Any], prior: list[dict[str, Any]], line: int, **extra: Any) -> dict[str, Any]:
    return {
        "patient": {
            "age": 58,
            "sex": "F",
            "menopausal": "post",
            "weight_kg": 70,
            "height_cm": 165,
            "ecog": 1,
        },
        "tumor": {"histology": "IDC", **tumor},
        "metastatic_sites": ["liver", "bone"],
        "labs": _LABS,
        "line": line,
        "prior_treatment": prior,
        **extra,
    }


def _met(drug: str, months: float, progressed: bool = True) -> dict[str, Any]:
    return {"drug": drug, "setting": "metastatic", "progressed": progressed, "months": months}


def _clear(result: Assessment) -> list[TherapyOption]:
    return [o for o in result.therapy_options if not o.flagged]


def _rank(result: Assessment, drug: str) -> int:
    return min((o.rank for o in _clear(result) if drug in o.drugs), default=10_000)


def _offered(result: Assessment) -> set[str]:
    return {d for o in _clear(result) for d in o.drugs}


_HR_POS_HER2_POS = {"er_percent": 80, "pr_percent": 30, "her2_ihc": "3+"}
_HR_NEG_HER2_POS = {"er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"}
_THP_RESPONDING = [_met("trastuzumab", 5, False), _met("pertuzumab", 5, False), _met("docetaxel", 5, False)]


# --- 1. responding on first-line THP ----------------------------------------------------------------
def test_hr_neg_her2_pos_responding_on_thp_continues_hp_not_tdxd() -> None:
    """Review p4: HR-/HER2+, 5 cycles of THP, no progression, HP current."""
    current = [{"drug": "trastuzumab"}, {"drug": "pertuzumab"}]
    result = run(_case(_HR_NEG_HER2_POS, _THP_RESPONDING, 1, current_treatment=current))
    assert set(_clear(result)[0].drugs) == {"trastuzumab", "pertuzumab"}
    assert not {"trastuzumab deruxtecan", "tucatinib", "trastuzumab emtansine"} & _offered(result)


def test_hr_pos_her2_pos_responding_gets_hp_endocrine_maintenance_and_patina_option() -> None:
    """Review e21: HR+/HER2+ after 4 cycles of THP without progression."""
    result = run(_case(_HR_POS_HER2_POS, [*_THP_RESPONDING[:2], _met("docetaxel", 4, False)], 1))
    top = _clear(result)[0]
    assert {"trastuzumab", "pertuzumab", "letrozole"} <= set(top.drugs)
    patina = [o for o in _clear(result) if "patina" in o.sources]
    assert patina and "palbociclib" in patina[0].drugs and "44.3" in patina[0].clinician
    assert "trastuzumab deruxtecan" not in _offered(result)


def test_progression_on_thp_still_goes_to_tdxd() -> None:
    prior = [_met("trastuzumab", 14), _met("pertuzumab", 14), _met("docetaxel", 4, False)]
    result = run(_case(_HR_NEG_HER2_POS, prior, 2))
    assert _clear(result)[0].drugs == ("trastuzumab deruxtecan",)
    assert "patina" not in {s for o in result.therapy_options for s in o.sources}


def test_relapse_three_months_after_adjuvant_hp_recorded_progressed_false_goes_to_tdxd() -> None:
    """KATHERINE/APHINITY-style relapse: adjuvant HP, progressed false, relapse 3 months after the end."""
    prior = [
        {
            "drug": drug,
            "setting": "adjuvant",
            "months": 12,
            "relapse_after_end_months": 3,
            "progressed": False,
        }
        for drug in ("trastuzumab", "pertuzumab")
    ]
    result = run(_case(_HR_NEG_HER2_POS, prior, 1))
    assert _clear(result)[0].drugs == ("trastuzumab deruxtecan",)


def test_stopped_for_toxicity_is_not_responding() -> None:
    """Stopped for intolerance (not progression): the second-line options stay available."""
    prior = [
        {**_met("trastuzumab", 3, False), "stopped_for": {"toxicity": "cardiomyopathy", "grade": 3}},
        _met("pertuzumab", 3, False),
    ]
    result = run(_case(_HR_NEG_HER2_POS, prior, 1))
    assert "trastuzumab deruxtecan" in _offered(result)


# --- 2. a second topoisomerase-I ADC -----------------------------------------------------------------
_HR_POS_HER2_ZERO = {
    "er_percent": 90,
    "pr_percent": 40,
    "her2_ihc": "0",
    "pik3ca": "wildtype",
    "esr1": "wildtype",
}


def test_dato_dxd_after_sacituzumab_ranks_below_chemotherapy_with_caveat() -> None:
    """Review p2: line 5 after ET + palbociclib, capecitabine, paclitaxel and sacituzumab."""
    prior = [
        _met("letrozole", 20),
        _met("palbociclib", 20),
        _met("capecitabine", 7),
        _met("paclitaxel", 5),
        _met("sacituzumab govitecan", 5),
    ]
    result = run(_case(_HR_POS_HER2_ZERO, prior, 5))
    dato = next(o for o in _clear(result) if o.drugs == ("datopotamab deruxtecan",))
    assert _rank(result, "eribulin") < dato.rank
    assert "no randomised trial" in dato.rationale and "huppert-sequential-adc-2025" in dato.sources


def test_dato_dxd_after_tdxd_ranks_below_chemotherapy() -> None:
    """Review p5: HER2-low, after ET + palbociclib, capecitabine and T-DXd."""
    tumor = {**_HR_POS_HER2_ZERO, "her2_ihc": "1+"}
    prior = [
        _met("letrozole", 20),
        _met("palbociclib", 20),
        _met("capecitabine", 7),
        _met("trastuzumab deruxtecan", 9),
    ]
    result = run(_case(tumor, prior, 4))
    assert _rank(result, "paclitaxel") < _rank(result, "datopotamab deruxtecan") < 10_000


def test_sacituzumab_after_first_line_dato_dxd_in_tnbc_ranks_below_chemotherapy() -> None:
    """Review e28: TNBC line 2 after first-line Dato-DXd."""
    tumor = {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0", "pdl1_cps": 2, "gbrca": "negative"}
    result = run(_case(tumor, [_met("datopotamab deruxtecan", 9)], 2))
    sg = next(o for o in _clear(result) if o.drugs == ("sacituzumab govitecan",))
    assert _rank(result, "eribulin") < sg.rank
    assert "TROP2" in sg.rationale


def test_sacituzumab_without_prior_adc_keeps_its_place_in_tnbc() -> None:
    tumor = {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0", "pdl1_cps": 2, "gbrca": "negative"}
    result = run(_case(tumor, [_met("paclitaxel", 6)], 2))
    assert _rank(result, "sacituzumab govitecan") < _rank(result, "eribulin")


# --- 3. HR+/HER2- later-line chemotherapy and sacituzumab's label ------------------------------------
def test_paclitaxel_stays_after_progression_on_capecitabine() -> None:
    """Review p1: line 3 after AI + palbociclib, then capecitabine."""
    prior = [_met("letrozole", 20), _met("palbociclib", 20), _met("capecitabine", 7)]
    result = run(_case(_HR_POS_HER2_ZERO, prior, 3))
    single = [o for o in _clear(result) if "paclitaxel" in o.drugs and o.category == "chemotherapy"]
    assert single and "capecitabine" not in single[0].drugs
    assert {"vinorelbine", "gemcitabine"} <= _offered(result)
    assert "sacituzumab govitecan" not in _offered(result)  # endocrine-based therapy + one more only


def test_no_single_agent_repeat_after_progression_on_capecitabine_and_paclitaxel() -> None:
    prior = [_met("letrozole", 20), _met("palbociclib", 20), _met("capecitabine", 7), _met("paclitaxel", 5)]
    result = run(_case(_HR_POS_HER2_ZERO, prior, 4))
    chemo = [o for o in _clear(result) if o.category == "chemotherapy"]
    assert chemo and not any({"capecitabine", "paclitaxel"} & set(o.drugs) for o in chemo)


def test_sacituzumab_on_label_after_endocrine_therapy_and_two_more_systemic_lines() -> None:
    """Review e02: line 4 after AI + ribociclib, fulvestrant + everolimus, T-DXd (HER2-low)."""
    tumor = {
        "er_percent": 90,
        "pr_percent": 40,
        "her2_ihc": "2+",
        "her2_ish": "not_amplified",
        "pik3ca": "wildtype",
        "esr1": "wildtype",
    }
    prior = [
        _met("anastrozole", 30),
        _met("ribociclib", 30),
        _met("fulvestrant", 6),
        _met("everolimus", 6),
        _met("trastuzumab deruxtecan", 11),
    ]
    result = run(_case(tumor, prior, 4))
    assert "sacituzumab govitecan" in _offered(result)
    # after T-DXd, a second topoisomerase-I ADC ranks below non-cross-resistant chemotherapy
    assert _rank(result, "paclitaxel") < _rank(result, "sacituzumab govitecan")


def test_tnbc_later_line_single_agents_stay_after_capecitabine() -> None:
    tumor = {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0", "pdl1_cps": 2, "gbrca": "negative"}
    result = run(_case(tumor, [_met("paclitaxel", 6), _met("capecitabine", 5)], 3))
    assert {"eribulin", "vinorelbine", "gemcitabine"} <= _offered(result)
