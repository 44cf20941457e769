"""`mbcnav analytics km|cox|datasets`: survival analysis on public datasets or your own table."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from mbcnav.cli.common import console, print_json

DATASET = typer.Option("gbsg2", "--dataset", "-d", help="gbsg2, desmedt2007 or synthetic.")
FILE = typer.Option(None, "--file", "-f", help="Your own CSV/Parquet instead of a dataset.")
TIME = typer.Option("time", "--time", help="Column with follow-up time (numbers >= 0).")
EVENT = typer.Option("event", "--event", help="Column with the event indicator (1 = event, 0 = censored).")
TIME_UNIT = typer.Option(None, "--time-unit", help="Unit of the time column, for labels (e.g. months).")


def _frame(dataset: str, file: Path | None, time: str, event: str):  # type: ignore[no-untyped-def]
    from mbcnav.analytics.datasets import load_dataset, read_table, survival_frame

    if file is not None:
        return survival_frame(read_table(file), time, event), None
    frame, meta = load_dataset(dataset)
    return survival_frame(frame, "time", "event"), meta


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


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
        from mbcnav.analytics.plots import save_km_plot
        from mbcnav.analytics.survival import kaplan_meier

        frame, meta = _frame(dataset, file, time, event)
        unit = time_unit or (meta.time_unit if meta else "time units")
        result = kaplan_meier(frame, by, time_unit=unit)
        if plot is not None:
            save_km_plot(frame, by, plot, title=meta.title if meta else file.name, time_unit=unit)
        if as_json:
            print_json(result.model_dump(mode="json"))
            return
        table = Table(title=f"Kaplan-Meier ({unit})")
        for column in ("group", "n", "events", "median", "95% CI", *result.groups[0].at_risk):
            table.add_column(column, justify="right")
        for g in result.groups:
            table.add_row(
                g.group,
                str(g.n),
                str(g.events),
                _fmt(g.median),
                f"{_fmt(g.median_ci[0])}–{_fmt(g.median_ci[1])}",
                *map(str, g.at_risk.values()),
            )
        console.print(table)
        console.print("[dim]Columns after the CI: numbers at risk at each time.[/]")
        if result.logrank:
            lr = result.logrank
            console.print(f"Log-rank: χ² = {lr['chisq']:.2f}, df = {lr['df']:.0f}, p = {lr['p']:.3g}")
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
        from mbcnav.analytics.survival import cox

        frame, meta = _frame(dataset, file, time, event)
        order: dict[str, tuple[str, ...]] = dict(meta.ordered) if meta else {}
        for spec in ordered:
            if "=" not in spec:
                raise DatasetError(f"--ordered '{spec}': write COLUMN=LEVEL1,LEVEL2,...", field="ordered")
            column, levels = spec.split("=", 1)
            order[column] = tuple(level.strip() for level in levels.split(","))
        if covariates:
            names = [c.strip() for c in covariates.split(",") if c.strip()]
        elif meta:
            names = list(meta.default_covariates)
        else:
            raise DatasetError("name the covariates with --covariates for your own file", field="covariates")
        result = cox(frame, names, ordered={k: v for k, v in order.items() if k in names})
        if as_json:
            print_json(result.model_dump(mode="json"))
            return
        table = Table(title=f"Cox model (n={result.n}, events={result.events}, Efron ties)")
        for column in ("term", "coef", "HR", "95% CI", "p", "PH test p"):
            table.add_column(column, justify="right")
        for t in result.terms:
            table.add_row(
                t.term,
                f"{t.coef:.4f}",
                f"{t.hazard_ratio:.3f}",
                f"{t.hr_lower_95:.3f}–{t.hr_upper_95:.3f}",
                f"{t.p:.3g}",
                f"{result.ph_test.get(t.term, float('nan')):.3g}",
            )
        console.print(table)
        lr = result.log_likelihood_ratio
        console.print(
            f"Likelihood ratio test: χ² = {lr['chisq']:.1f} on {lr['df']:.0f} df, p = {lr['p']:.3g}; "
            f"concordance {result.concordance:.3f}"
        )
        if result.ph_violations:
            console.print(
                f"[yellow]Proportional hazards may not hold for: {', '.join(result.ph_violations)} "
                "(Schoenfeld residual test p < 0.05).[/]"
            )
