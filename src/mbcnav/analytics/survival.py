"""Kaplan-Meier, log-rank and Cox models through lifelines, returned as plain typed results.

The fitting is lifelines' (a maintained library used in the field); this module only prepares the
design matrix the way R does (so published R tables can be reproduced) and shapes the output.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from mbcnav.analytics.datasets import DatasetError


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True)


class KMGroup(_Result):
    group: str
    n: int
    events: int
    median: float | None
    median_ci: tuple[float | None, float | None]
    timeline: list[float]
    survival: list[float]
    ci_lower: list[float]
    ci_upper: list[float]
    at_risk: dict[str, int]


class KMResult(_Result):
    time_unit: str
    by: str | None
    groups: list[KMGroup]
    logrank: dict[str, float] | None = None
    #: rows left out of the curves and of the log-rank test because their ``by`` value is missing
    excluded: int = 0
    excluded_reason: str | None = None
    #: cautions about the result that do not stop it (e.g. more groups than a plot can show clearly)
    warnings: list[str] = []


class CoxTerm(_Result):
    term: str
    coef: float
    se: float
    hazard_ratio: float
    hr_lower_95: float
    hr_upper_95: float
    p: float


class CoxResult(_Result):
    n: int
    events: int
    terms: list[CoxTerm]
    concordance: float
    log_likelihood_ratio: dict[str, float]
    #: Schoenfeld-residual test of proportional hazards per term (lifelines proportional_hazard_test
    #: with R cox.zph's default "km" time transform): p per term
    ph_test: dict[str, float]
    ph_violations: list[str]
    #: the global test over all terms (chisq, df, p), as R's cox.zph prints on its GLOBAL line
    ph_global: dict[str, float] | None = None
    ph_transform: str = "km"
    #: rows left out of the fit because a covariate has no value in them (R: "deleted due to missingness")
    excluded: int = 0
    excluded_reason: str | None = None
    #: fit problems that do not stop it (non-convergence, separation), one plain line each
    warnings: list[str] = []


def poly_contrasts(n_levels: int) -> np.ndarray:
    """R's ``contr.poly``: orthonormal polynomial contrasts for an ordered factor (n_levels x n-1).

    Hand-written because neither pandas nor lifelines offers it, and R's published Cox tables
    (e.g. GBSG2 in HSAUR2) code ordered factors this way.
    """
    x = np.arange(1, n_levels + 1, dtype=float)
    vander = np.vander(x - x.mean(), n_levels, increasing=True)
    q, r = np.linalg.qr(vander)
    z = q * np.diag(r)
    z = z / np.linalg.norm(z, axis=0)
    return z[:, 1:]


_POLY_NAMES = ("L", "Q", "C")

#: most levels a text covariate (or a KM split) may have: beyond this it is an id or a free-text
#: column, and one dummy per value would make a huge, meaningless model (2000 ids -> 1999 terms)
MAX_LEVELS = 20
#: most groups the web page offers as a split; the CLI warns above it (the plot becomes hard to read)
READABLE_GROUPS = 6


def design_matrix(
    frame: pd.DataFrame, covariates: Sequence[str], ordered: dict[str, Sequence[str]] | None = None
) -> pd.DataFrame:
    """Numeric covariates as they are; ordered factors as polynomial contrasts (``tgrade.L``);
    other categories as treatment dummies against the first level (``horThyes``), as R names them."""
    return _design(frame, covariates, ordered)[0]


def _design(
    frame: pd.DataFrame, covariates: Sequence[str], ordered: dict[str, Sequence[str]] | None = None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The design matrix and, for each of its terms, the covariate it came from (so a problem with
    a term such as ``gradeIII`` can be reported against the column the user named)."""
    ordered = ordered or {}
    columns: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for name in covariates:
        if name not in frame.columns:
            raise DatasetError(f"covariate '{name}' is not a column of the table", field="covariates")
        series = frame[name]
        if name in ordered:
            levels = list(ordered[name])
            missing = series.isna().to_numpy()
            codes = pd.Categorical(series.astype(str), categories=levels, ordered=True).codes
            unknown = (codes < 0) & ~missing
            if unknown.any():
                bad = series[unknown].iloc[0]
                raise DatasetError(f"'{name}' has value {bad!r}, not one of {levels}", field="covariates")
            contrast = poly_contrasts(len(levels))
            for j in range(contrast.shape[1]):
                suffix = _POLY_NAMES[j] if j < len(_POLY_NAMES) else f"^{j + 1}"
                # Missing values stay missing; the model drops those rows, as R's na.omit does.
                columns[f"{name}.{suffix}"] = np.where(missing, np.nan, contrast[codes, j])
                owner[f"{name}.{suffix}"] = name
        elif pd.api.types.is_numeric_dtype(series) and not isinstance(series.dtype, pd.CategoricalDtype):
            columns[name] = series.astype(float).to_numpy()
            owner[name] = name
        else:
            # A missing text value is missing, not a level called "nan"/"None" (nor the reference level).
            missing = series.isna().to_numpy()
            values = series.astype(str)
            if isinstance(series.dtype, pd.CategoricalDtype):
                levels = [str(c) for c in series.cat.categories]  # the data's own level order, as R
            else:
                levels = sorted(values[~missing].unique())
            if len(levels) > MAX_LEVELS:
                raise DatasetError(
                    f"covariate '{name}' has {len(levels)} different text values; at most {MAX_LEVELS} "
                    "can be modelled as groups (an id or free-text column cannot)",
                    field="covariates",
                )
            for level in levels[1:]:
                columns[f"{name}{level}"] = np.where(missing, np.nan, (values == level).astype(float))
                owner[f"{name}{level}"] = name
    return pd.DataFrame(columns, index=frame.index), owner


def _at_risk(durations: np.ndarray, points: Sequence[float]) -> dict[str, int]:
    return {fmt_number(p): int((durations >= p).sum()) for p in points}


def nice_ticks(horizon: float, target: int = 6) -> list[float]:
    """Round tick times from 0 to ``horizon`` on the data's own scale (0, 0.5, 1, ... for years;
    0, 500, 1000, ... for days): a step of 1, 2, 2.5 or 5 times a power of ten, as plot axes use."""
    if not math.isfinite(horizon) or horizon <= 0:
        return [0.0]
    power = 10.0 ** (math.floor(math.log10(horizon / max(1, target - 1))) - 1)
    steps = [m * power * 10**k for k in range(3) for m in (1, 2, 2.5, 5)]
    # the finest round step that gives at most one tick more than ``target``
    step = next(s for s in steps if math.floor(horizon / s + 1e-9) <= target)
    count = math.floor(horizon / step + 1e-9)
    return [float(round(i * step, 12)) for i in range(count + 1)]


def fmt_p(p: float) -> str:
    """A p-value as journals and R print it: 3 significant figures; "< 2e-16" below double
    precision (R's format.pval), where a printed 0 would claim certainty; "> 0.99" near 1."""
    if not math.isfinite(p):
        return "—"
    if p < 2.2e-16:
        return "< 2e-16"
    if p < 0.001:
        return f"{p:.2e}"
    if p > 0.99:
        return "> 0.99"
    return f"{p:.3g}"


def p_text(p: float) -> str:
    """``p = 0.0034`` or ``p < 2e-16`` for a sentence."""
    shown = fmt_p(p)
    return f"p {shown}" if shown[0] in "<>" else f"p = {shown}"


def fmt_number(value: float | None, digits: int = 4) -> str:
    """A number with ``digits`` significant figures and no exponent or trailing zeros: 1528, 1.84,
    0.0375. Fixed decimals would print 1.84 and 1.75 alike on a scale in years."""
    if value is None or not math.isfinite(value):
        return "—"
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _finite(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def kaplan_meier(
    frame: pd.DataFrame,
    by: str | None = None,
    *,
    time_unit: str = "days",
    at_risk_points: int = 6,
    alpha: float = 0.05,
) -> KMResult:
    """Kaplan-Meier curves (with pointwise CIs), medians with CIs, numbers at risk, and the
    log-rank test across groups when ``by`` is given."""
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test
    from lifelines.utils import median_survival_times

    if by is not None and by not in frame.columns:
        raise DatasetError(f"column '{by}' not found for --by", field="by")
    if len(frame) == 0:
        raise DatasetError("the table has no rows", field="file")
    excluded = 0
    if by is not None:
        # A missing group value is no group: lifelines' log-rank test would count NaN as one more
        # group (wrong df and p), while groupby leaves those rows out of the curves. Both leave them out.
        missing = frame[by].isna()
        excluded = int(missing.sum())
        frame = frame[~missing]
        if len(frame) == 0:
            raise DatasetError(f"column '{by}' has no values to split by", field="by")
    groups = [("all", frame)] if by is None else [(str(k), g) for k, g in frame.groupby(by, observed=True)]
    notes: list[str] = []
    if len(groups) > MAX_LEVELS:
        raise DatasetError(
            f"--by '{by}' has {len(groups)} different values; at most {MAX_LEVELS} groups can be "
            "compared (split by a column with few values, e.g. a grade or yes/no)",
            field="by",
        )
    if len(groups) > READABLE_GROUPS:
        notes.append(
            f"'{by}' makes {len(groups)} groups: more than {READABLE_GROUPS} curves are hard to tell apart "
            "(the web page offers at most that many)"
        )
    points = nice_ticks(float(frame["time"].max()), at_risk_points)
    out: list[KMGroup] = []
    for label, group in groups:
        kmf = KaplanMeierFitter(alpha=alpha).fit(group["time"], group["event"], label=label)
        ci = kmf.confidence_interval_survival_function_
        median = _finite(kmf.median_survival_time_)
        median_ci = median_survival_times(kmf.confidence_interval_)
        low, high = (_finite(v) for v in median_ci.iloc[0].tolist())
        out.append(
            KMGroup(
                group=label,
                n=len(group),
                events=int(group["event"].sum()),
                median=median,
                median_ci=(low, high),
                timeline=kmf.survival_function_.index.astype(float).tolist(),
                survival=kmf.survival_function_.iloc[:, 0].astype(float).tolist(),
                ci_lower=ci.iloc[:, 0].astype(float).tolist(),
                ci_upper=ci.iloc[:, 1].astype(float).tolist(),
                at_risk=_at_risk(group["time"].to_numpy(), points),
            )
        )
    logrank = None
    if by is not None and len(groups) > 1:
        test = multivariate_logrank_test(frame["time"], frame[by], frame["event"])
        logrank = {
            "chisq": float(test.test_statistic),
            "df": float(test.degrees_of_freedom),
            "p": float(test.p_value),
        }
    return KMResult(
        time_unit=time_unit,
        by=by,
        groups=out,
        logrank=logrank,
        excluded=excluded,
        excluded_reason=f"no value in '{by}'" if excluded else None,
        warnings=notes,
    )


def cox(
    frame: pd.DataFrame,
    covariates: Sequence[str],
    *,
    ordered: dict[str, Sequence[str]] | None = None,
) -> CoxResult:
    """Cox proportional hazards (Efron ties, as R's coxph) with HRs, 95% CIs and a PH check."""
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError
    from lifelines.statistics import proportional_hazard_test

    unknown = [name for name in (ordered or {}) if name not in covariates]
    if unknown:
        raise DatasetError(
            f"--ordered names '{unknown[0]}', which is not one of the covariates ({', '.join(covariates)})",
            field="ordered",
        )
    design, owner = _design(frame, covariates, ordered)
    full = design.assign(time=frame["time"].to_numpy(), event=frame["event"].to_numpy())
    complete = full.notna().all(axis=1)
    data = full[complete]
    excluded = int((~complete).sum())
    if len(data) == 0:
        raise DatasetError(
            "no row has a value in every covariate: a Cox model cannot be fitted", field="covariates"
        )
    if data["event"].sum() == 0:
        raise DatasetError("no events in the data: a Cox model cannot be fitted", field="event")
    _check_variation(data, owner)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fitter = CoxPHFitter().fit(data, duration_col="time", event_col="event")
        except ConvergenceError as exc:
            raise DatasetError(
                f"the Cox model did not converge: {_first_line(str(exc))}", field="covariates"
            ) from None
        summary = fitter.summary
        lr = fitter.log_likelihood_ratio_test()
        transform = _zph_km_transform(fitter)
        # computed once: both the per-term and the global PH tests use the same residuals
        scaled = fitter.compute_residuals(data, kind="scaled_schoenfeld")
        ph = proportional_hazard_test(fitter, data, time_transform=transform, precomputed_residuals=scaled)
        ph_global = _zph_global(fitter, scaled, transform)
    terms = [
        CoxTerm(
            term=str(term),
            coef=float(row["coef"]),
            se=float(row["se(coef)"]),
            hazard_ratio=float(row["exp(coef)"]),
            hr_lower_95=float(row["exp(coef) lower 95%"]),
            hr_upper_95=float(row["exp(coef) upper 95%"]),
            p=float(row["p"]),
        )
        for term, row in summary.iterrows()
    ]
    ph_p = {str(k if isinstance(k, str) else k[0]): float(v) for k, v in ph.summary["p"].items()}
    return CoxResult(
        n=len(data),
        events=int(data["event"].sum()),
        terms=terms,
        concordance=float(fitter.concordance_index_),
        log_likelihood_ratio={
            "chisq": float(lr.test_statistic),
            "df": float(lr.degrees_freedom),
            "p": float(lr.p_value),
        },
        ph_test=ph_p,
        ph_violations=[term for term, p in ph_p.items() if p < 0.05],
        ph_global=ph_global,
        excluded=excluded,
        excluded_reason=_missing_reason(frame[~complete.to_numpy()], covariates) if excluded else None,
        warnings=_fit_warnings(caught, terms, owner),
    )


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _missing_reason(dropped: pd.DataFrame, covariates: Sequence[str]) -> str:
    """Which covariates were empty in the dropped rows, with counts: "no value in 'age' (5 rows)"."""
    parts = []
    for name in covariates:
        count = int(dropped[name].isna().sum())
        if count:
            parts.append(f"'{name}' ({count} row{'s' if count > 1 else ''})")
    return "no value in " + ", ".join(parts) if parts else "a missing value"


def _check_variation(data: pd.DataFrame, owner: dict[str, str]) -> None:
    """A term that is the same in every row cannot be estimated; lifelines fails with a long text
    about NaN deltas, so name the column here instead."""
    for term, name in owner.items():
        column = data[term]
        if column.nunique(dropna=True) <= 1:
            value = column.iloc[0]
            if term == name:
                detail = f"every row used has the value {fmt_number(float(value))}"
            else:
                detail = f"term '{term}' is {fmt_number(float(value))} in every row used"
            raise DatasetError(f"covariate '{name}' has no variation: {detail}", field="covariates")


def _fit_warnings(
    caught: list[warnings.WarningMessage], terms: list[CoxTerm], owner: dict[str, str]
) -> list[str]:
    """lifelines' ConvergenceWarnings (multi-line, with code samples) as one plain line naming the
    covariates concerned; other warnings go on as they came."""
    from lifelines.exceptions import ConvergenceWarning

    texts: list[str] = []
    for item in caught:
        if issubclass(item.category, ConvergenceWarning):
            texts.append(str(item.message))
        else:
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
    if not texts:
        return []
    named = {
        t.term
        for t in terms
        if any(re.search(rf"(?<![\w.]){re.escape(t.term)}(?![\w.])", text) for text in texts)
        or not math.isfinite(t.hr_upper_95)
        or t.hr_lower_95 == 0
        or not math.isfinite(t.se)
    }
    covariates = sorted({owner.get(term, term) for term in named})
    if covariates:
        return [
            f"the fit did not converge cleanly for {', '.join(covariates)}: possibly complete separation "
            "(the covariate predicts the events almost exactly) or collinearity; their hazard ratios, "
            "CIs and p-values are not reliable"
        ]
    return [
        "the fit did not converge cleanly (possibly separation or collinearity): the hazard ratios "
        f"may not be reliable (lifelines: {_first_line(texts[0])})"
    ]


def _zph_km_transform(fitter: Any) -> Any:
    """R cox.zph's default time scale: 1 - KM(t-), the Kaplan-Meier estimate just *before* each event
    time. lifelines' own ``"km"`` takes KM(t) (just after), which moves p-values a little (GBSG2
    tgrade.L: 0.0295 against R's 0.0277); with KM(t-) the published figures come out exactly."""
    from lifelines import KaplanMeierFitter

    curve = KaplanMeierFitter().fit(fitter.durations, fitter.event_observed).survival_function_.iloc[:, 0]
    knots, values = curve.index.to_numpy(dtype=float), curve.to_numpy(dtype=float)

    def transform(durations: pd.Series, events: pd.Series, weights: pd.Series) -> pd.Series:
        before = np.searchsorted(knots, durations.to_numpy(dtype=float), side="left") - 1
        km_minus = np.where(before >= 0, values[np.maximum(before, 0)], 1.0)
        return pd.Series(1.0 - km_minus, index=durations.index)

    return transform


def _zph_global(fitter: Any, scaled: pd.DataFrame, transform: Any) -> dict[str, float] | None:
    """The GLOBAL line of R's cox.zph (survival < 3.0, the version of the published GBSG2 output):
    U = g'R over the scaled Schoenfeld residuals R and the centred times g, and
    chi2 = U V^-1 U' / (d * sum g^2) on as many df as terms. lifelines gives only the per-term tests."""
    from scipy import stats

    events = fitter.event_observed
    times = transform(fitter.durations, events, fitter.weights)[events.to_numpy(dtype=bool)].to_numpy()
    centred = times - times.mean()
    variance = fitter.variance_matrix_.loc[scaled.columns, scaled.columns].to_numpy()
    score = centred @ scaled.to_numpy()
    denominator = float(events.sum()) * float((centred**2).sum())
    if denominator <= 0:
        return None
    try:
        chisq = float(score @ np.linalg.solve(variance, score)) / denominator
    except np.linalg.LinAlgError:
        return None
    df = variance.shape[0]
    return {"chisq": chisq, "df": float(df), "p": float(stats.chi2.sf(chisq, df))}
