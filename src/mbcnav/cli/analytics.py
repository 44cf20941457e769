"""`mbcnav analytics km|cox|datasets`: survival analysis on public datasets or your own table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from mbcnav.cli.common import console, print_json

DATASET = typer.Option(None, "--dataset", "-d", help="gbsg2 (default), desmedt2007 or synthetic.")
FILE = typer.Option(None, "--file", "-f", help="Your own CSV/Parquet instead of a dataset.")
TIME = typer.Option("time", "--time", help="Column with follow-up time (numbers >= 0); with --file.")
EVENT = typer.Option(
    "event", "--event", help="Column with the event indicator (1 = event, 0 = censored); with --file."
)
TIME_UNIT = typer.Option(
    None,
    "--time-unit",
    help="With --file: the unit of your time column (a label). With --dataset: convert its time to "
    "days, weeks, months (30.4375 days) or years (365.25 days).",
)


def _frame(dataset: str | None, file: Path | None, time: str, event: str):  # type: ignore[no-untyped-def]
    from mbcnav.analytics.datasets import DatasetError, load_dataset, read_table, survival_frame

    if file is not None:
        if dataset is not None:
            raise DatasetError("give --dataset or --file, not both", field="dataset")
        return survival_frame(read_table(file), time, event), None
    if (time, event) != ("time", "event"):
        # a shipped dataset has its own columns: silently ignoring the options would mislead
        raise DatasetError(
            "--time and --event name the columns of your own --file; a --dataset has its own", field="time"
        )
    frame, meta = load_dataset(dataset or "gbsg2")
    return survival_frame(frame, "time", "event"), meta


def _km_time(frame, meta: Any, time_unit: str | None):  # type: ignore[no-untyped-def]
    """The frame, its unit, and how it was converted: a --file's unit is a label (only the user knows
    it); a dataset's unit is known, so another --time-unit rescales the times."""
    from mbcnav.analytics.datasets import convert_time, normalise_unit

    if meta is None:
        return frame, time_unit or "time units", None
    known = meta.time_unit
    if time_unit is None or normalise_unit(time_unit) == known:
        return frame, known, None
    frame, unit, factor = convert_time(frame, known, time_unit)
    return frame, unit, {"from": known, "to": unit, "divided_by": factor}


def _conversion_text(conversion: dict[str, object] | None) -> str | None:
    if not conversion:
        return None
    return (
        f"Times converted from {conversion['from']} to {conversion['to']}: "
        f"{conversion['from']} / {conversion['divided_by']:g}."
    )


def _nr(value: float | None) -> str:
    from mbcnav.analytics.survival import fmt_number

    return "NR" if value is None else fmt_number(value)


def _synthetic_note(meta: object) -> str | None:
    """Results from the generated cohort must never pass for real patients' data."""
    if getattr(meta, "name", None) != "synthetic":
        return None
    return "SYNTHETIC data: a generated cohort, not real patients (see `mbcnav analytics datasets`)."


def _with_dataset(data: dict[str, object], meta: object) -> dict[str, object]:
    """The JSON output names its dataset (additive keys), and says when it is synthetic."""
    if meta is not None:
        data["dataset"] = getattr(meta, "name", None)
        data["synthetic"] = getattr(meta, "name", None) == "synthetic"
        note = _synthetic_note(meta)
        if note:
            data["note"] = note
    return data


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Survival analytics: Kaplan-Meier, log-rank, Cox.", no_args_is_help=True)
    app.add_typer(group, name="analytics")

    @group.command("datasets")
    def datasets() -> None:
        """The datasets that ship with mbcnav's dependencies, with their provenance."""
        from mbcnav.analytics.datasets import DATASETS
        from mbcnav.analytics.synthetic import SYNTHETIC

        table = Table(title="Datasets")
        for column in ("name", "title", "provenance"):
            table.add_column(column)
        for ds in (*DATASETS.values(), SYNTHETIC):
            table.add_row(ds.name, ds.title, ds.provenance)
        console.print(table)

    @group.command("km")
    def km(
        dataset: str = DATASET,
        file: Path = FILE,
        time: str = TIME,
        event: str = EVENT,
        by: str = typer.Option(None, "--by", help="Column to split the curves by."),
        plot: Path = typer.Option(None, "--plot", help="Write the plot to this .png or .svg file."),
        time_unit: str = TIME_UNIT,
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Kaplan-Meier curves with medians (95% CI), numbers at risk and a log-rank test."""
        from mbcnav.analytics.plots import check_plot_path, save_km_plot
        from mbcnav.analytics.survival import kaplan_meier, p_text

        if plot is not None:
            check_plot_path(plot)  # before the work, so a typo costs nothing
        frame, meta = _frame(dataset, file, time, event)
        frame, unit, conversion = _km_time(frame, meta, time_unit)
        result = kaplan_meier(frame, by, time_unit=unit)
        if plot is not None:
            title = meta.title if meta else file.name
            save_km_plot(
                frame.dropna(subset=[by]) if by else frame,
                by,
                plot,
                title=title,
                time_unit=f"{unit}; {conversion['from']} / {conversion['divided_by']:g}"
                if conversion
                else unit,
                result=result,
            )
        if as_json:
            data = _with_dataset(result.model_dump(mode="json"), meta)
            if conversion:
                data["time_conversion"] = conversion
            print_json(data)
            return
        note = _synthetic_note(meta)
        if note:
            console.print(f"[bold yellow]{note}[/]")
        converted = _conversion_text(conversion)
        if converted:
            console.print(converted)
        # Two narrow tables rather than one wide one: readable at 80 columns and when piped.
        medians = Table(title=f"Kaplan-Meier: median time to event ({unit})")
        medians.add_column("group", overflow="fold")
        for column in ("n", "events", "median"):
            medians.add_column(column, justify="right", no_wrap=True)
        medians.add_column("95% CI", justify="right", no_wrap=True, min_width=9)
        for g in result.groups:
            medians.add_row(
                g.group,
                str(g.n),
                str(g.events),
                _nr(g.median),
                f"{_nr(g.median_ci[0])}–{_nr(g.median_ci[1])}",
            )
        console.print(medians)
        at_risk = Table(title=f"Number at risk at time ({unit})")
        at_risk.add_column("group", overflow="fold")
        for point in result.groups[0].at_risk:
            at_risk.add_column(point, justify="right", overflow="fold")
        for g in result.groups:
            at_risk.add_row(g.group, *map(str, g.at_risk.values()))
        console.print(at_risk)
        if any(None in (g.median, *g.median_ci) for g in result.groups):
            console.print("[dim]NR: not reached (the curve or its CI bound never falls to 50%).[/]")
        if result.excluded:
            console.print(
                f"{result.excluded} row(s) left out of the curves and the log-rank test: "
                f"{result.excluded_reason}."
            )
        if result.logrank:
            lr = result.logrank
            console.print(f"Log-rank: χ² = {lr['chisq']:.2f}, df = {lr['df']:.0f}, {p_text(lr['p'])}")
        for warning in result.warnings:
            console.print(f"[yellow]Note: {warning}.[/]")
        if plot is not None:
            console.print(f"Plot written to {plot}")

    @group.command("cox")
    def cox_command(
        dataset: str = DATASET,
        file: Path = FILE,
        time: str = TIME,
        event: str = EVENT,
        covariates: str = typer.Option(None, "--covariates", "-c", help="Comma-separated columns."),
        ordered: list[str] = typer.Option(
            [], "--ordered", help="Ordered factor as COLUMN=LEVEL1,LEVEL2,... (polynomial contrasts)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Cox proportional hazards: hazard ratios with 95% CIs and a proportional-hazards check."""
        from mbcnav.analytics.datasets import DatasetError
        from mbcnav.analytics.survival import cox, fmt_p, p_text

        frame, meta = _frame(dataset, file, time, event)
        given: dict[str, tuple[str, ...]] = {}
        for spec in ordered:
            if "=" not in spec:
                raise DatasetError(f"--ordered '{spec}': write COLUMN=LEVEL1,LEVEL2,...", field="ordered")
            column, levels = spec.split("=", 1)
            given[column.strip()] = tuple(level.strip() for level in levels.split(","))
        if covariates is not None:
            names = [c.strip() for c in covariates.split(",") if c.strip()]
            if not names:
                raise DatasetError(
                    "--covariates: name at least one column, e.g. -c age,grade", field="covariates"
                )
            outcome = [c for c in names if c in ("time", "event", time, event)]
            if outcome:
                raise DatasetError(
                    f"--covariates: '{outcome[0]}' is the outcome (time or event), not a covariate",
                    field="covariates",
                )
        elif meta:
            names = list(meta.default_covariates)
        else:
            raise DatasetError("name the covariates with --covariates for your own file", field="covariates")
        stray = [column for column in given if column not in names]
        if stray:
            # a typo here would silently change the coding (treatment instead of polynomial contrasts)
            raise DatasetError(
                f"--ordered '{stray[0]}' is not one of the covariates ({', '.join(names)})", field="ordered"
            )
        # a dataset's own level orders apply to the covariates chosen; the user's --ordered wins
        order = {k: v for k, v in (dict(meta.ordered) if meta else {}).items() if k in names} | given
        result = cox(frame, names, ordered=order)
        if as_json:
            print_json(_with_dataset(result.model_dump(mode="json"), meta))
            return
        note = _synthetic_note(meta)
        if note:
            console.print(f"[bold yellow]{note}[/]")
        table = Table(title=f"Cox model (n={result.n}, events={result.events}, Efron ties)")
        for column in ("term", "coef", "HR", "95% CI", "p", "PH test p"):
            table.add_column(column, justify="right")
        for t in result.terms:
            table.add_row(
                t.term,
                f"{t.coef:.4f}",
                f"{t.hazard_ratio:.3f}",
                f"{t.hr_lower_95:.3f}–{t.hr_upper_95:.3f}",
                fmt_p(t.p),
                fmt_p(result.ph_test.get(t.term, float("nan"))),
            )
        console.print(table)
        if result.excluded:
            console.print(f"{result.excluded} row(s) left out of the model: {result.excluded_reason}.")
        for warning in result.warnings:
            console.print(f"[bold yellow]Warning: {warning}.[/]")
        lr = result.log_likelihood_ratio
        console.print(
            f"Likelihood ratio test: χ² = {lr['chisq']:.1f} on {lr['df']:.0f} df, {p_text(lr['p'])}; "
            f"concordance {result.concordance:.3f}"
        )
        if result.ph_global:
            g = result.ph_global
            console.print(
                f"Proportional hazards, global test (Schoenfeld, km time scale as R cox.zph): "
                f"χ² = {g['chisq']:.1f} on {g['df']:.0f} df, {p_text(g['p'])}"
            )
        if result.ph_violations:
            console.print(
                f"[yellow]Proportional hazards may not hold for: {', '.join(result.ph_violations)} "
                "(Schoenfeld residual test p < 0.05).[/]"
            )
