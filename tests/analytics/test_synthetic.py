"""The synthetic cohort follows the knowledge base's cited figures; synthetic cases are valid Cases."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mbcnav.analytics.datasets import load_dataset
from mbcnav.analytics.survival import kaplan_meier
from mbcnav.analytics.synthetic import (
    RED_FLAG_SYMPTOMS,
    SUBTYPES,
    cohort_parameters,
    synthetic_cases,
    synthetic_mbc_cohort,
)
from mbcnav.case import SITE_CODES, parse_case
from mbcnav.cli import app
from mbcnav.errors import KnowledgeError
from mbcnav.knowledge.loader import load_knowledge_base


def test_survival_parameters_come_from_seer_subtype_statistics() -> None:
    """SEER subtype Stat Facts (distant stage, 2013-2019): 5-year relative survival is stored in the KB;
    under the exponential model S(60) = p, so median = 60 * ln 2 / -ln p months."""
    import math

    kb = {item.id: item for item in load_knowledge_base().of_kind("statistic")}
    params = cohort_parameters().by_subtype()
    p = kb["distant-survival-triple-negative"].value / 100
    assert params["TNBC"].median_months == pytest.approx(60 * math.log(2) / -math.log(p))
    p = kb["distant-survival-hr-positive-her2-negative"].value / 100
    assert params["HR+/HER2-"].median_months == pytest.approx(60 * math.log(2) / -math.log(p))
    # better 5-year survival means a longer median: the order of the cited figures is kept
    assert (
        params["TNBC"].median_months < params["HR+/HER2-"].median_months < params["HR+/HER2+"].median_months
    )
    assert sum(p.share for p in params.values()) == pytest.approx(1.0)


def test_km_medians_by_subtype_match_cited_medians() -> None:
    frame = synthetic_mbc_cohort(n=20000, seed=11)
    assert frame["synthetic"].all()
    result = kaplan_meier(frame, "subtype", time_unit="months")
    expected = cohort_parameters().by_subtype()
    assert {g.group for g in result.groups} == set(SUBTYPES)
    for group in result.groups:
        target = expected[group.group].median_months
        assert group.median is not None
        # an exponential MLE median has SE ~ median / sqrt(events); the KM median is less efficient
        tolerance = min(0.25, 5 / group.events**0.5)
        assert abs(group.median - target) / target < tolerance, (group.group, group.median, target)
        low, high = group.median_ci
        assert low is not None and high is not None and low < group.median < high
    assert result.logrank is not None and result.logrank["p"] < 1e-6


def test_administrative_censoring_is_bounded_by_study_design() -> None:
    frame = synthetic_mbc_cohort(n=3000, seed=3)
    params = cohort_parameters()
    assert frame["time"].max() <= params.accrual_months + params.followup_months
    censored = frame[frame["event"] == 0]
    assert len(censored) > 0
    # nobody is censored before the minimum follow-up: censoring here is administrative only
    assert censored["time"].min() >= params.followup_months - 1e-6


def test_same_seed_same_cohort_and_labelled_synthetic() -> None:
    assert synthetic_mbc_cohort(100, seed=5).equals(synthetic_mbc_cohort(100, seed=5))
    frame, meta = load_dataset("synthetic")
    assert "SYNTHETIC" in meta.title
    assert frame["synthetic"].all() and len(frame) == 2000


def test_a_figure_not_stated_in_its_item_is_refused(tmp_path: Path) -> None:
    from mbcnav.analytics.synthetic import CONFIG_PATH

    text = CONFIG_PATH.read_text().replace('quote: "69.5"', 'quote: "77.7"')
    bad = tmp_path / "synthetic.yaml"
    bad.write_text(text)
    with pytest.raises(KnowledgeError, match=r"77\.7.*subtype-hr-positive-her2-negative"):
        cohort_parameters(bad)


def test_synthetic_cases_validate_and_cover_the_space() -> None:
    cases = list(synthetic_cases(600, seed=1))
    subtypes: Counter[str] = Counter()
    sites: set[str] = set()
    lines: set[int] = set()
    red_flag_texts = 0
    for data in cases:
        case = parse_case(json.loads(json.dumps(data)))  # as it would arrive from a JSONL file
        sites.update(case.metastatic_sites)
        lines.add(case.line or 0)
        red_flag_texts += any(s in RED_FLAG_SYMPTOMS for s in case.symptoms)
        subtypes[_subtype_of(data["tumor"])] += 1
    assert set(subtypes) == set(SUBTYPES)
    assert sites == set(SITE_CODES)
    assert lines == {1, 2, 3}
    assert 60 < red_flag_texts < 200
    assert len({c["id"] for c in cases}) == len(cases)


def test_prior_treatments_use_canonical_names() -> None:
    for data in synthetic_cases(200, seed=2):
        case = parse_case(data)
        for prior in case.prior_treatment:
            assert prior.drug == prior.drug.lower()
        assert [p.drug for p in case.prior_treatment] == [p["drug"] for p in data["prior_treatment"]]


def test_km_cli_on_synthetic_dataset() -> None:
    result = CliRunner().invoke(
        app, ["analytics", "km", "--dataset", "synthetic", "--by", "subtype", "--json"]
    )
    assert result.exit_code == 0, result.output
    groups = {g["group"]: g for g in json.loads(result.stdout)["groups"]}
    assert groups["TNBC"]["median"] < groups["HR+/HER2-"]["median"]


def _subtype_of(tumor: dict) -> str:
    hr = (tumor.get("er_percent") or 0) >= 1 or (tumor.get("pr_percent") or 0) >= 1
    her2 = tumor.get("her2_ihc") == "3+" or tumor.get("her2_ish") == "amplified"
    return {(True, False): "HR+/HER2-", (True, True): "HR+/HER2+", (False, True): "HR-/HER2+"}.get(
        (hr, her2), "TNBC"
    )
