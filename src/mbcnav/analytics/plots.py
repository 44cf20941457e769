"""Kaplan-Meier plots as PNG or SVG (matplotlib, no display needed)."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mbcnav.analytics.datasets import DatasetError

if TYPE_CHECKING:
    from mbcnav.analytics.survival import KMResult

FORMATS = {".png": "png", ".svg": "svg"}


def km_figure_bytes(
    frame: pd.DataFrame,
    by: str | None,
    *,
    fmt: str = "png",
    title: str = "",
    time_unit: str = "days",
    result: KMResult | None = None,
) -> bytes:
    """Curves with 95% confidence bands and a numbers-at-risk table under the axis.

    The at-risk numbers are the ones ``kaplan_meier`` printed (time >= t, as R's summary.survfit):
    lifelines' ``add_at_risk_counts`` drops events at exactly t, so the plot would disagree with the
    table by one wherever an event falls on a tick. Text stays text in SVG so it can be read and
    searched.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from lifelines import KaplanMeierFitter

    from mbcnav.analytics.survival import kaplan_meier

    if result is None:
        result = kaplan_meier(frame, by, time_unit=time_unit)
    groups = [("all", frame)] if by is None else [(str(k), g) for k, g in frame.groupby(by, observed=True)]
    with plt.rc_context({"svg.fonttype": "none"}):
        fig, ax = plt.subplots(figsize=(8, 5.5), dpi=110)
        for label, group in groups:
            kmf = KaplanMeierFitter().fit(
                group["time"], group["event"], label=f"{by}={label}" if by else label
            )
            kmf.plot_survival_function(ax=ax, ci_show=True, show_censors=True, censor_styles={"ms": 4})
        ax.set_xlabel(f"Time ({time_unit})")
        ax.set_ylabel("Probability without event")
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        if title:
            ax.set_title(textwrap.fill(title, 90), fontsize=11)
        _at_risk_rows(ax, result, by)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt)
        plt.close(fig)
    return buffer.getvalue()


def _at_risk_rows(ax: object, result: KMResult, by: str | None) -> None:
    """An "At risk" row per group under the x axis, at the same times as the printed table."""
    import matplotlib.transforms as mtransforms

    points = [float(p) for p in result.groups[0].at_risk] if result.groups else []
    ax.set_xticks(points)  # type: ignore[attr-defined]
    ax.set_xlim(left=min(points, default=0.0))  # type: ignore[attr-defined]
    blend = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)  # type: ignore[attr-defined]
    line = 0.055
    top = -0.17
    ax.text(  # type: ignore[attr-defined]
        -0.06, top, "At risk", transform=ax.transAxes, ha="right", va="top", fontsize=8, weight="bold"
    )
    for i, group in enumerate(result.groups):
        y = top - line * (i + 1)
        label = f"{by}={group.group}" if by else group.group
        ax.text(-0.06, y, label, transform=ax.transAxes, ha="right", va="top", fontsize=8)  # type: ignore[attr-defined]
        for point, count in zip(points, group.at_risk.values(), strict=True):
            ax.text(point, y, str(count), transform=blend, ha="center", va="top", fontsize=8)  # type: ignore[attr-defined]


def check_plot_path(path: Path) -> str:
    """The plot format, once the target is known to be writable: checked before any work is done."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DatasetError(f"{path.name}: the plot file must end in .png or .svg", field="plot")
    folder = path.parent
    if not folder.is_dir():
        raise DatasetError(f"--plot {path}: the folder {folder} does not exist", field="plot")
    if path.is_dir():
        raise DatasetError(f"--plot {path}: this is a folder; give a file name", field="plot")
    return fmt


def save_km_plot(frame: pd.DataFrame, by: str | None, path: Path, **kwargs: Any) -> Path:
    fmt = check_plot_path(path)
    data = km_figure_bytes(frame, by, fmt=fmt, **kwargs)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise DatasetError(f"--plot {path}: cannot write: {exc.strerror or exc}", field="plot") from None
    return path
