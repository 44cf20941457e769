"""Kaplan-Meier plots as PNG or SVG (matplotlib, no display needed)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from mbcnav.analytics.datasets import DatasetError

FORMATS = {".png": "png", ".svg": "svg"}


def km_figure_bytes(
    frame: pd.DataFrame, by: str | None, *, fmt: str = "png", title: str = "", time_unit: str = "days"
) -> bytes:
    """Curves with 95% confidence bands and a numbers-at-risk table under the axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from lifelines import KaplanMeierFitter
    from lifelines.plotting import add_at_risk_counts

    groups = [("all", frame)] if by is None else [(str(k), g) for k, g in frame.groupby(by, observed=True)]
    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=110)
    fitters = []
    for label, group in groups:
        kmf = KaplanMeierFitter().fit(group["time"], group["event"], label=f"{by}={label}" if by else label)
        kmf.plot_survival_function(ax=ax, ci_show=True, show_censors=True, censor_styles={"ms": 4})
        fitters.append(kmf)
    ax.set_xlabel(f"Time ({time_unit})")
    ax.set_ylabel("Probability without event")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    add_at_risk_counts(*fitters, ax=ax, rows_to_show=["At risk"])
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt)
    plt.close(fig)
    return buffer.getvalue()


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


def save_km_plot(frame: pd.DataFrame, by: str | None, path: Path, **kwargs: str) -> Path:
    fmt = check_plot_path(path)
    data = km_figure_bytes(frame, by, fmt=fmt, **kwargs)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise DatasetError(f"--plot {path}: cannot write: {exc.strerror or exc}", field="plot") from None
    return path
