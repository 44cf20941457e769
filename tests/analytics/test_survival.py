"""Survival analytics against published reference results."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from mbcnav.analytics.datasets import DatasetError, load_dataset, survival_frame
from mbcnav.analytics.survival import cox, kaplan_meier, poly_contrasts

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "gbsg2_cox_reference.json").read_text())


@pytest.fixture(scope="module")
def gbsg2() -> tuple[pd.DataFrame, object]:
    frame, meta = load_dataset("gbsg2")
    return survival_frame(frame, "time", "event"), meta


def test_poly_contrasts_against_r_contr_poly() -> None:
    # R: contr.poly(3) -> .L = (-0.7071068, 0, 0.7071068); .Q = (0.4082483, -0.8164966, 0.4082483)
    contrasts = poly_contrasts(3)
    assert contrasts[:, 0] == pytest.approx([-0.7071068, 0.0, 0.7071068], abs=1e-7)
    assert contrasts[:, 1] == pytest.approx([0.4082483, -0.8164966, 0.4082483], abs=1e-7)


def test_cox_gbsg2_against_published_table(gbsg2: tuple[pd.DataFrame, object]) -> None:
    """HSAUR2 (Everitt & Hothorn), coxph(Surv(time, cens) ~ ., data = GBSG2), Efron ties."""
    frame, meta = gbsg2
    result = cox(frame, meta.default_covariates, ordered=meta.ordered)  # type: ignore[attr-defined]
    assert result.n == REFERENCE["n"]
    assert result.events == REFERENCE["events"]
    terms = {t.term: t for t in result.terms}
    assert set(terms) == set(REFERENCE["coef"])
    for name, coef in REFERENCE["coef"].items():
        assert terms[name].coef == pytest.approx(coef, abs=5e-6), name
        assert terms[name].se == pytest.approx(REFERENCE["se_coef"][name], abs=5e-6), name
    hr, low, high = REFERENCE["hr_horThyes_95ci"]
    assert terms["horThyes"].hazard_ratio == pytest.approx(hr, abs=1e-5)
    assert terms["horThyes"].hr_lower_95 == pytest.approx(low, abs=1e-5)
    assert terms["horThyes"].hr_upper_95 == pytest.approx(high, abs=1e-5)
    assert result.log_likelihood_ratio["chisq"] == pytest.approx(
        REFERENCE["likelihood_ratio_test"]["chisq"],
        abs=0.1,  # printed to one decimal
    )
    assert result.log_likelihood_ratio["df"] == REFERENCE["likelihood_ratio_test"]["df"]
    assert set(result.ph_test) == set(REFERENCE["coef"])


def test_km_gbsg2_hormonal_therapy_groups(gbsg2: tuple[pd.DataFrame, object]) -> None:
    frame, _ = gbsg2
    result = kaplan_meier(frame, "horTh")
    by_group = {g.group: g for g in result.groups}
    assert by_group["no"].n == 440 and by_group["yes"].n == 246
    assert by_group["no"].events + by_group["yes"].events == 299
    # Treated women relapse later: a longer median and a significant log-rank test.
    assert by_group["yes"].median > by_group["no"].median
    assert result.logrank is not None and result.logrank["p"] < 0.01
    for group in result.groups:
        assert all(
            lo <= s <= hi for lo, s, hi in zip(group.ci_lower, group.survival, group.ci_upper, strict=True)
        )
        assert list(group.at_risk.values()) == sorted(group.at_risk.values(), reverse=True)


def test_desmedt_loads_with_time_and_event() -> None:
    frame, meta = load_dataset("desmedt2007")
    frame = survival_frame(frame, "time", "event")
    assert len(frame) == 198
    assert set(frame["event"].unique()) <= {0, 1}
    result = cox(frame, ["age", "er", "grade", "size"], ordered=meta.ordered)  # type: ignore[attr-defined]
    assert {t.term for t in result.terms} >= {"age", "erpositive", "grade.L", "size"}


@pytest.mark.parametrize(
    ("time", "event", "field", "fragment"),
    [
        ("months", "event", "time", "not found"),
        ("t", "died", "event", "not found"),
        ("t", "event", "time", "numbers >= 0"),
    ],
)
def test_bad_columns_are_named(time: str, event: str, field: str, fragment: str) -> None:
    frame = pd.DataFrame({"t": [1.0, -2.0, 3.0], "event": [1, 0, 1]})
    with pytest.raises(DatasetError) as info:
        survival_frame(frame, time, event)
    assert info.value.field == field
    assert fragment in info.value.message


def test_event_values_must_be_binary() -> None:
    frame = pd.DataFrame({"t": [1.0, 2.0], "event": [1, 2]})
    with pytest.raises(DatasetError, match="0/1"):
        survival_frame(frame, "t", "event")
