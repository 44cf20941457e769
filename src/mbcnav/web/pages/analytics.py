"""Survival analytics page: Kaplan-Meier curves of a shipped dataset split by a chosen column,
with medians and the log-rank test. The figure is the analytics engineer's SVG; the small
explorer (survival at a chosen time) reads the same numbers from JSON embedded in the page."""

from __future__ import annotations

import functools
from typing import Any

import orjson
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from mbcnav.analytics.survival import READABLE_GROUPS
from mbcnav.web.pages.common import query_string, render

router = APIRouter(include_in_schema=False)

#: a column can split the curves when it has at most this many distinct values (the CLI warns above it)
MAX_GROUPS = READABLE_GROUPS


@functools.cache
def _datasets() -> dict[str, Any]:
    from mbcnav.analytics.datasets import DATASETS
    from mbcnav.analytics.synthetic import SYNTHETIC

    # the synthetic cohort is listed last and its title says SYNTHETIC, as in `mbcnav analytics datasets`
    return {**DATASETS, SYNTHETIC.name: SYNTHETIC}


@functools.cache
def _frame(name: str) -> Any:
    from mbcnav.analytics.datasets import load_dataset

    frame, _ = load_dataset(name)
    return frame


def split_columns(frame: Any) -> list[str]:
    return [
        c
        for c in frame.columns
        if c not in ("time", "event") and 1 < frame[c].nunique(dropna=True) <= MAX_GROUPS
    ]


def _resolve(dataset: str, by: str) -> tuple[str, Any, Any, str | None]:
    datasets = _datasets()
    if dataset not in datasets:
        choices = ", ".join(datasets)
        raise HTTPException(404, f"There is no dataset called '{dataset}'. Choose one of: {choices}.")
    frame = _frame(dataset)
    columns = split_columns(frame)
    if by and by not in columns:
        raise HTTPException(404, f"'{by}' cannot split {dataset}; choose one of: {', '.join(columns)}.")
    return dataset, datasets[dataset], frame, by or None


@router.get("/analytics", response_class=HTMLResponse)
def analytics_page(request: Request, dataset: str = "gbsg2", by: str = "") -> HTMLResponse:
    from mbcnav.analytics.survival import fmt_p, kaplan_meier

    name, info, frame, column = _resolve(dataset, by)
    result = kaplan_meier(frame, column, time_unit=info.time_unit)
    explorer = {
        "time_unit": result.time_unit,
        "groups": [{"group": g.group, "timeline": g.timeline, "survival": g.survival} for g in result.groups],
    }
    # Embedded as data (type application/json is never executed); "</" is escaped so it cannot end the tag.
    explorer_json = Markup(orjson.dumps(explorer).decode().replace("</", "<\\/"))
    return render(
        request,
        "analytics.html",
        title="Survival data",
        datasets=_datasets(),
        dataset=name,
        info=info,
        columns=split_columns(frame),
        by=column or "",
        result=result,
        logrank_p=fmt_p(result.logrank["p"]) if result.logrank else "",
        explorer_json=explorer_json,
        svg_url=f"/analytics/km.svg?{query_string(dataset=name, by=column)}",
        max_time=int(frame["time"].max()),
        n=len(frame),
        events=int(frame["event"].sum()),
    )


@router.get("/analytics/km.svg")
def km_svg(dataset: str = "gbsg2", by: str = "") -> Response:
    name, info, _, column = _resolve(dataset, by)
    svg = _svg(name, column, info.time_unit, info.title)
    return Response(svg, media_type="image/svg+xml", headers={"cache-control": "public, max-age=3600"})


@functools.lru_cache(maxsize=64)
def _svg(name: str, column: str | None, time_unit: str, dataset_title: str) -> bytes:
    from mbcnav.analytics.plots import km_figure_bytes

    # The image is cached and shared on its own: the synthetic one carries its full SYNTHETIC title,
    # as the CLI plot does, so it cannot pass for real patients' curves.
    lead = dataset_title if name == "synthetic" else name
    title = f"{lead}: Kaplan-Meier" + (f" by {column}" if column else "")
    return km_figure_bytes(_frame(name), column, fmt="svg", title=title, time_unit=time_unit)
