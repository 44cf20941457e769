"""Prognosis quotes a trial median only for the group that trial enrolled (sweep4b defect 8).

KEYNOTE-355 (Cortes NEJM 2022): the 23.0-month median is the pembrolizumab arm at PD-L1 CPS >= 10 in
first line; MONALEESA-2 (Hortobagyi NEJM 2022) and CLEOPATRA (Swain NEJM 2015) are first-line trials
of fit patients (ECOG 0-1). Anyone else gets the SEER distant-stage figure for the subtype
(seer-statfacts-breast-subtypes: HR+/HER2- 34.0%, TNBC 12.8%), still framed as a group average.
"""

from __future__ import annotations

from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess


def _prognosis(tumor: dict, **extra: object) -> tuple[str, str]:
    data = {"tumor": tumor, "metastatic_sites": ["lung"], **extra}
    result = assess(parse_case(data)).prognosis
    return result.public, result.clinician


TNBC = {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0"}
HR = {"er_percent": 90, "pr_percent": 50, "her2_ihc": "1+"}


def test_keynote_355_median_only_for_first_line_cps_10_or_more() -> None:
    public, clinician = _prognosis({**TNBC, "pdl1_cps": 20}, line=1)
    assert "23.0 months" in public and "KEYNOTE-355" in clinician


def test_cps_below_10_gets_the_seer_figure_not_the_pembrolizumab_arm() -> None:
    public, clinician = _prognosis({**TNBC, "pdl1_cps": 5}, line=1)
    assert "23.0" not in public and "KEYNOTE-355" not in clinician
    assert "13 out of 100" in public and "12.8%" in clinician
    assert "cannot tell what will happen to you" in public


def test_second_line_tnbc_with_high_cps_gets_the_seer_figure() -> None:
    public, _ = _prognosis({**TNBC, "pdl1_cps": 30}, line=2)
    assert "23.0" not in public and "13 out of 100" in public


def test_monaleesa_2_median_not_quoted_at_ecog_4_or_second_line() -> None:
    first_fit, _ = _prognosis(HR, line=1, patient={"ecog": 1})
    assert "63.9 months" in first_fit
    for extra in ({"line": 1, "patient": {"ecog": 4}}, {"line": 2, "patient": {"ecog": 1}}):
        public, clinician = _prognosis(HR, **extra)
        assert "63.9" not in public and "34 out of 100" in public and "34.0%" in clinician
