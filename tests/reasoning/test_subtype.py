"""Subtype vignettes for every ASCO/CAP branch (ER/PR 2020, HER2 2018/2023)."""

from __future__ import annotations

import pytest

from mbcnav.case import Tumor, parse_case
from mbcnav.reasoning.staging import stage
from mbcnav.reasoning.subtype import classify, ish_group


def _t(**kw: object) -> Tumor:
    return Tumor(**kw)  # type: ignore[arg-type]


def test_hr_positive_her2_negative_at_one_percent() -> None:
    r = classify(_t(er_percent=1, pr_percent=0, her2_ihc="0"))
    assert r.subtype == "HR+/HER2-" and r.hr_positive is True and r.er_low is True
    assert "asco-cap-er-pr-2020" in r.sources


def test_er_below_one_percent_is_negative() -> None:
    assert classify(_t(er_percent=0.5, pr_percent=0, her2_ihc="1+")).subtype == "TNBC"


def test_er_low_stays_hr_positive_but_flagged_like_tnbc() -> None:
    r = classify(_t(er_percent=8, pr_percent=0, her2_ihc="0"))
    assert r.subtype == "HR+/HER2-" and r.er_low
    assert "triple-negative" in r.public and "triple-negative" in r.clinician


def test_er_eleven_percent_is_not_er_low() -> None:
    assert not classify(_t(er_percent=11, pr_percent=0, her2_ihc="0")).er_low


def test_ihc_3_plus_is_positive() -> None:
    r = classify(_t(er_percent=90, pr_percent=50, her2_ihc="3+"))
    assert r.subtype == "HR+/HER2+" and r.her2_status == "positive" and not r.her2_low


def test_ihc_2_plus_without_ish_asks_for_ish() -> None:
    r = classify(_t(er_percent=0, pr_percent=0, her2_ihc="2+"))
    assert r.her2_status == "equivocal_needs_ish" and r.subtype == "unknown"
    assert r.missing == ("her2_ish",)
    assert "ISH" in r.public


def test_ihc_2_plus_ish_amplified_is_positive() -> None:
    r = classify(_t(er_percent=0, pr_percent=0, her2_ihc="2+", her2_ish="amplified"))
    assert r.subtype == "HR-/HER2+"


def test_ihc_2_plus_ish_not_amplified_is_her2_low() -> None:
    r = classify(_t(er_percent=80, pr_percent=10, her2_ihc="2+", her2_ish="not_amplified"))
    assert r.subtype == "HR+/HER2-" and r.her2_low and r.her2_status == "negative"


def test_ihc_1_plus_is_her2_low() -> None:
    r = classify(_t(er_percent=0, pr_percent=0, her2_ihc="1+"))
    assert r.subtype == "TNBC" and r.her2_low and not r.her2_ultralow


def test_ultralow() -> None:
    r = classify(_t(er_percent=95, pr_percent=80, her2_ihc="0+ultralow"))
    assert r.her2_ultralow and not r.her2_low and r.subtype == "HR+/HER2-"


def test_ihc_0_is_neither_low_nor_ultralow() -> None:
    r = classify(_t(er_percent=0, pr_percent=0, her2_ihc="0"))
    assert not r.her2_low and not r.her2_ultralow and r.subtype == "TNBC"


@pytest.mark.parametrize(
    ("ratio", "copies", "group"),
    [(2.5, 5.0, 1), (2.2, 3.5, 2), (1.5, 6.5, 3), (1.6, 4.5, 4), (1.2, 2.5, 5), (2.0, 4.0, 1)],
)
def test_ish_groups_against_asco_cap_2018(ratio: float, copies: float, group: int) -> None:
    assert ish_group(ratio, copies) == group


def test_ish_group_1_positive_without_ihc() -> None:
    r = classify(_t(er_percent=0, pr_percent=0, her2_ish_ratio=2.5, her2_mean_copy_number=5.0))
    assert r.her2_status == "positive" and r.ish_group == 1


@pytest.mark.parametrize(("ihc", "status"), [("3+", "positive"), ("2+", "negative"), ("1+", "negative")])
def test_ish_group_2_positive_only_with_ihc_3_plus(ihc: str, status: str) -> None:
    t = _t(er_percent=0, pr_percent=0, her2_ihc=ihc, her2_ish_ratio=2.2, her2_mean_copy_number=3.5)
    assert classify(t).her2_status == status


def test_ish_group_2_with_ihc_2_plus_recount_negative() -> None:
    r = classify(_t(er_percent=0, pr_percent=0, her2_ihc="2+", her2_ish_ratio=2.2, her2_mean_copy_number=3.5))
    assert r.ish_group == 2 and r.her2_status == "negative" and r.her2_low


@pytest.mark.parametrize(
    ("ihc", "status"), [("3+", "positive"), ("2+", "positive"), ("1+", "negative"), ("0", "negative")]
)
def test_ish_group_3_positive_with_ihc_2_or_3(ihc: str, status: str) -> None:
    t = _t(er_percent=50, pr_percent=0, her2_ihc=ihc, her2_ish_ratio=1.5, her2_mean_copy_number=6.5)
    r = classify(t)
    assert r.ish_group == 3 and r.her2_status == status


@pytest.mark.parametrize(("ihc", "status"), [("3+", "positive"), ("2+", "negative")])
def test_ish_group_4_positive_only_with_ihc_3_plus(ihc: str, status: str) -> None:
    t = _t(er_percent=0, pr_percent=0, her2_ihc=ihc, her2_ish_ratio=1.6, her2_mean_copy_number=4.5)
    assert classify(t).her2_status == status


def test_ish_groups_2_to_4_without_ihc_ask_for_ihc() -> None:
    r = classify(_t(er_percent=0, pr_percent=0, her2_ish_ratio=1.6, her2_mean_copy_number=4.5))
    assert r.her2_status == "unknown" and "her2_ihc" in r.missing and r.subtype == "unknown"


def test_ish_group_5_negative() -> None:
    r = classify(_t(er_percent=0, pr_percent=0, her2_ihc="2+", her2_ish_ratio=1.2, her2_mean_copy_number=2.5))
    assert r.her2_status == "negative" and r.subtype == "TNBC" and r.her2_low


def test_missing_receptors_are_named() -> None:
    r = classify(_t())
    assert r.subtype == "unknown" and r.missing == ("er_pr_ihc", "her2_ihc")
    r = classify(_t(er_percent=0, her2_ihc="0"))
    assert r.hr_positive is None and "er_pr_ihc" in r.missing


def test_pr_only_positive_is_hr_positive() -> None:
    r = classify(_t(er_percent=0, pr_percent=20, her2_ihc="0"))
    assert r.subtype == "HR+/HER2-" and not r.er_low


def test_stage_iv_when_any_distant_site() -> None:
    assert stage(parse_case({"metastatic_sites": ["lymph_node"]})) == "IV"
    assert stage(parse_case({})) is None


def test_reported_calls_without_numbers_give_subtype_and_name_what_is_missing() -> None:
    """A report that says only 'ER positive, HER2 negative' (common in FHIR/mCODE records)."""
    from mbcnav.case import parse_case

    case = parse_case(
        {"tumor": {"er_status": "positive", "pr_status": "negative", "her2_status": "negative"}}
    )
    result = classify(case.tumor)
    assert result.subtype == "HR+/HER2-"
    assert not result.her2_low  # cannot be decided without the IHC score
    assert "her2_ihc" in result.missing
    assert "ER-low" in result.rationale


def test_reported_call_that_contradicts_the_percent_is_rejected() -> None:
    from mbcnav.case import parse_case
    from mbcnav.errors import CaseValidationError

    with pytest.raises(CaseValidationError) as info:
        parse_case({"tumor": {"er_status": "negative", "er_percent": 50}})
    assert info.value.problems[0][0] == "tumor"
    assert "er_status" in info.value.problems[0][1]


def test_subtype_memo_key_holds_every_field_that_changes_the_subtype() -> None:
    """assess() memoises classify() on _SUBTYPE_FIELDS only: changing any other Tumor field (genes,
    PD-L1, histology) must never change the result, for tumors of every subtype."""
    from mbcnav.case import Tumor
    from mbcnav.reasoning.assess import _SUBTYPE_FIELDS
    from mbcnav.reasoning.subtype import classify

    others = {
        "histology": ["IDC", "ILC", None],
        "pik3ca": ["mutant", "wildtype", None],
        "esr1": ["mutant", None],
        "akt1": ["mutant", None],
        "pten": ["mutant", None],
        "gbrca": ["BRCA1", "negative", None],
        "gpalb2": ["mutant", None],
        "pdl1_cps": [0, 12, None],
    }
    assert set(others) | set(_SUBTYPE_FIELDS) == set(Tumor.model_fields)
    tumors = [
        {"er_percent": 90, "pr_percent": 40, "her2_ihc": "1+"},
        {"er_percent": 5, "pr_percent": 0, "her2_ihc": "0"},
        {"er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"},
        {"er_percent": 0, "her2_ihc": "2+", "her2_ish_ratio": 2.4, "her2_mean_copy_number": 5.0},
        {"er_status": "positive", "her2_status": "negative"},
        {},
    ]
    for base in tumors:
        expected = classify(Tumor(**base))
        for field, values in others.items():
            for value in values:
                assert classify(Tumor(**base, **{field: value})) == expected, (base, field, value)


def test_er_negative_pr_positive_meaning_is_cited_to_studies_not_to_asco_cap() -> None:
    """KB review 3 (M5): ASCO/CAP 2020 sets the >= 1% thresholds; that ER-/PR+ results are rarely
    reproducible (Hefti, Breast Cancer Res 2013) and behave like TNBC (PMC4652828, 2015) comes from
    studies."""
    for her2 in ("0", "3+"):
        r = classify(_t(er_percent=0, pr_percent=20, her2_ihc=her2))
        assert "hefti-2013-er-neg-pr-pos" in r.sources and "asco-cap-er-pr-2020" in r.sources
        assert "studies suggest" in r.clinician
        assert "ASCO/CAP 2020 notes" not in r.clinician
    r = classify(_t(er_percent=0, pr_percent=20, her2_ihc="0"))
    assert "li-2015-er-neg-pr-pos" in r.sources and "Studies suggest" in r.public
    # ER-positive tumours do not pick up the ER-/PR+ studies
    assert "hefti-2013-er-neg-pr-pos" not in classify(_t(er_percent=90, pr_percent=20, her2_ihc="0")).sources
