"""`mbcnav assess-batch` (many cases, Dask scale-out) and `mbcnav cohort query|summary|load` (DuckDB)."""

from __future__ import annotations

import os
import signal
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mbcnav.cli.common import console, err_console, print_json


def _counter_table(title: str, header: str, counts: Counter[str], limit: int = 10) -> Table:
    table = Table(title=title)
    table.add_column(header)
    table.add_column("cases", justify="right")
    from mbcnav.analytics.batch import ranked

    items = ranked(counts, limit)
    for key, value in items:
        table.add_row(str(key), str(value))
    if not items:
        table.add_row("—", "0")
    return table


@contextmanager
def _terminate_as_interrupt() -> Iterator[Callable[[], None]]:
    """SIGTERM (kill, a job scheduler's stop) cleans up as Ctrl-C does: the half-written output and
    the parts folder are removed and the Dask cluster is closed. Exit code 143 = 128 + SIGTERM.

    Yields a check for the progress callback: the handler's SystemExit is lost when the signal lands
    while Python runs a finalizer ("Exception ignored in ..."), and the batch would then run to the end;
    the check raises it again at the next chunk."""
    stopped: list[int] = []

    def check() -> None:
        if stopped:
            raise SystemExit(128 + stopped[0])

    if threading.current_thread() is not threading.main_thread():
        yield check
        return

    def stop(signum: int, frame: Any) -> None:
        stopped.append(signum)
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield check
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _quiet_dask() -> Iterator[None]:
    """Dask's and multiprocessing's housekeeping warnings (a dashboard port in use, semaphores left
    by stopped worker processes) are not the user's business. PYTHONWARNINGS reaches the worker
    processes and multiprocessing's resource tracker, which print them from their own stderr."""
    rule = "ignore::UserWarning"
    saved = os.environ.get("PYTHONWARNINGS")
    os.environ["PYTHONWARNINGS"] = f"{saved},{rule}" if saved else rule
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module=r"distributed(\..*)?")
            warnings.filterwarnings("ignore", message=".*leaked semaphore.*")
            yield
    finally:
        if saved is None:
            os.environ.pop("PYTHONWARNINGS", None)
        else:
            os.environ["PYTHONWARNINGS"] = saved


def _print_summary(summary: Any) -> None:
    console.print(
        f"[bold]{summary.total}[/] cases: {summary.assessed} assessed, "
        f"[{'red' if summary.errors else 'green'}]{summary.errors} error(s)[/] "
        f"on {summary.workers} worker(s) → {summary.output}"
    )
    if summary.skipped:
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(summary.skipped.items()))
        console.print(
            f"Skipped {sum(summary.skipped.values())} resource(s) that belong to no patient: {kinds}."
        )
    console.print(_counter_table("Subtype mix", "subtype", summary.subtypes))
    console.print(_counter_table("Urgency", "urgency", summary.urgency))
    console.print(_counter_table("Red flags", "red flag", summary.red_flags, limit=25))
    console.print(_counter_table("Most common first options", "option ranked first", summary.options))
    console.print(_counter_table("Safety alerts", "alert (cases)", summary.alerts))
    if summary.first_errors:
        table = Table(title=f"Errors (first {len(summary.first_errors)} of {summary.errors})")
        for column in ("source", "line", "case", "field", "message"):
            table.add_column(column)
        for error in summary.first_errors:
            table.add_row(
                error["source"],
                str(error["line"]),
                error["case_id"] or "—",
                error["error_field"] or "—",
                error["error"],
            )
        console.print(table)


def _rows_out(frame: Any, as_json: bool, title: str, max_rows: int) -> None:
    from mbcnav.analytics.cohort import iter_records

    if as_json:
        print_json(list(iter_records(frame)))
        return
    table = Table(title=f"{title} ({len(frame)} row(s))")
    for column in frame.columns:
        table.add_column(str(column))
    for record in list(iter_records(frame.head(max_rows))):
        table.add_row(*("—" if v is None else str(v) for v in record.values()))
    console.print(table)
    if len(frame) > max_rows:
        console.print(f"... {len(frame) - max_rows} more row(s); use --json or --limit to see them")


def register(app: typer.Typer) -> None:
    @app.command("assess-batch")
    def assess_batch(
        input_path: Path = typer.Argument(
            ..., metavar="INPUT", help="JSONL, Parquet, or a FHIR NDJSON folder."
        ),
        out: Path = typer.Option(..., "--out", "-o", help="Results Parquet file (one row per case)."),
        workers: int = typer.Option(1, "--workers", "-w", help="Dask worker processes (1 = run here)."),
        scheduler: str = typer.Option(None, "--scheduler", help="Address of a running Dask scheduler."),
        chunk_size: int = typer.Option(1000, "--chunk-size", help="Cases per chunk (memory bound)."),
        as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    ) -> None:
        """Assess every case of a file; errors are collected per case and the batch goes on."""
        from mbcnav.analytics.batch import check_batch_args, count_cases, run_batch

        # every argument check first: an error prints one line, with no progress bar drawn before it
        source, _ = check_batch_args(
            input_path, out, workers=workers, scheduler=scheduler, chunk_size=chunk_size
        )
        total = count_cases(source)
        progress = Progress(
            TextColumn("[bold]assessing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            disable=as_json and not err_console.is_terminal,
        )
        with progress, _terminate_as_interrupt() as stop_if_terminated, _quiet_dask():
            task = progress.add_task("assess", total=total)

            def advance(n: int) -> None:
                stop_if_terminated()
                progress.advance(task, n)

            summary = run_batch(
                input_path,
                out,
                workers=workers,
                scheduler=scheduler,
                chunk_size=chunk_size,
                on_progress=advance,
            )
            progress.update(task, total=summary.total, completed=summary.total)
        if as_json:
            print_json(summary.to_json())
        else:
            _print_summary(summary)

    cohort = typer.Typer(
        help="Cohort queries through DuckDB: SQL or a small filter language.", no_args_is_help=True
    )
    app.add_typer(cohort, name="cohort")

    @cohort.command("query")
    def query(
        file: Path = typer.Argument(..., help="CSV/Parquet (e.g. assess-batch results) or a .duckdb store."),
        where: str = typer.Option(None, "--where", help="Filter, e.g. \"subtype = 'TNBC' and age >= 50\"."),
        sql: str = typer.Option(None, "--sql", help="One SELECT over the table `cohort`."),
        table: str = typer.Option("cohort", "--table", help="Table name."),
        columns: str = typer.Option(
            None, "--columns", help="Comma-separated columns to show (with --where)."
        ),
        limit: int = typer.Option(None, "--limit", help="At most this many rows."),
        as_json: bool = typer.Option(False, "--json", help="Print rows as JSON."),
    ) -> None:
        """Rows of a cohort that match a filter (or an SQL query)."""
        from mbcnav.analytics.cohort import CohortError, open_cohort

        if where and sql:
            raise CohortError("give --where or --sql, not both")
        with open_cohort(file, table) as store:
            if sql:
                frame = store.sql(sql)
            else:
                cols = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
                frame = store.where(where or "true", table, columns=cols, limit=limit)
        _rows_out(frame, as_json, f"{file.name}", max_rows=50)

    @cohort.command("summary")
    def summary(
        file: Path = typer.Argument(..., help="CSV/Parquet or a .duckdb store."),
        table: str = typer.Option("cohort", "--table", help="Table name."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Per column: type, missing values, range (numbers) or most common values (text, lists)."""
        from mbcnav.analytics.cohort import open_cohort

        with open_cohort(file, table) as store:
            result = store.summary(table)
        if as_json:
            print_json(result)
            return
        out = Table(title=f"{file.name}: {result['rows']} rows")
        for column in ("column", "type", "missing", "summary"):
            out.add_column(column)
        for col in result["columns"]:
            if "top" in col:
                text = (
                    ", ".join(f"{k} ({v})" for k, v in col["top"].items()) + f"  [{col['distinct']} distinct]"
                )
            else:
                text = f"min {col['min']}  median {col['median']}  mean {_g(col['mean'])}  max {col['max']}"
            out.add_row(col["column"], col["type"], str(col["missing"]), text)
        console.print(out)

    @cohort.command("load")
    def load(
        file: Path = typer.Argument(..., help="CSV/Parquet to store."),
        db: Path = typer.Option(None, "--db", help="DuckDB file (default: $MBCNAV_DATA_DIR/cohorts.duckdb)."),
        table: str = typer.Option("cohort", "--table", help="Table name (replaced if it exists)."),
    ) -> None:
        """Keep a cohort in the embedded DuckDB store, to query it later by --table."""
        from mbcnav.analytics.cohort import CohortStore, default_db_path

        path = db or default_db_path()
        with CohortStore(path) as store:
            rows = store.load(file, table)
        console.print(f"{rows} rows → table '{table}' in {path}")


def _g(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"
