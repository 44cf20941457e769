"""`mbcnav kb check|stats|export`: keep the knowledge base honest and hand it to other tools."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from mbcnav.cli.common import console, err_console, print_json
from mbcnav.errors import KnowledgeError
from mbcnav.knowledge.check import CheckReport, run_check, stats
from mbcnav.knowledge.loader import DATA_DIR


class ExportFormat(StrEnum):
    json = "json"


DATA_DIR_OPTION = typer.Option(
    DATA_DIR, "--data-dir", help="Check another copy of the knowledge data (default: the shipped one).",
    exists=True, file_okay=False,
)


def _checked(data_dir: Path) -> CheckReport:
    """The check's report, or a KnowledgeError (exit 2) when the base fails it: a count or an export
    of a broken base would look complete to the tool that reads it."""
    report = run_check(data_dir)
    if report.problems:
        raise KnowledgeError(
            f"the knowledge base fails `mbcnav kb check` ({len(report.problems)} problem(s)). "
            f"First: {report.problems[0]}"
        )
    return report


def register(app: typer.Typer) -> None:
    kb_app = typer.Typer(help="Check, count and export the knowledge base.", no_args_is_help=True)
    app.add_typer(kb_app, name="kb")

    @kb_app.command("check")
    def check(data_dir: Path = DATA_DIR_OPTION) -> None:
        """Fail (exit 1) on schema errors, duplicate or dangling ids, missing sources, hard public text."""
        report = run_check(data_dir)
        if report.problems:
            for problem in report.problems:
                err_console.print(f"[red]✗[/] {problem}", highlight=False, soft_wrap=True)
            err_console.print(f"[bold red]{len(report.problems)} problem(s)[/]")
            raise typer.Exit(1)
        for warning in report.warnings:
            err_console.print(f"[yellow]![/] {warning}", highlight=False, soft_wrap=True)
        console.print(
            f"[green]✓[/] knowledge base OK: {len(report.kb.items)} items, {len(report.kb.sources)} sources"
        )

    @kb_app.command("stats")
    def kb_stats(
        as_json: bool = typer.Option(False, "--json", help="Print JSON."), data_dir: Path = DATA_DIR_OPTION
    ) -> None:
        """Counts by kind and the reading grade of the public text (exit 2 if the base fails the check)."""
        report = _checked(data_dir)
        figures = stats(report.kb)
        if as_json:
            print_json(figures)
            return
        table = Table(title="mbcnav knowledge base")
        table.add_column("kind")
        table.add_column("items", justify="right")
        for kind, count in figures["by_kind"].items():  # type: ignore[union-attr]
            table.add_row(kind, str(count))
        console.print(table)
        console.print(f"items: {figures['items']}   sources: {figures['sources']}")
        console.print(f"symptom phrasings: {figures['symptom_phrasings']}")
        console.print(
            f"public text reading grade (Flesch-Kincaid, {figures['public_texts_graded']} texts): "
            f"median {figures['public_grade_median']}, max {figures['public_grade_max']}"
        )

    @kb_app.command("export")
    def export(
        fmt: ExportFormat = typer.Option(ExportFormat.json, "--format", help="Output format."),
        data_dir: Path = DATA_DIR_OPTION,
    ) -> None:
        """The whole knowledge base (items and sources) as one JSON document; exit 2 if it fails the check."""
        report = _checked(data_dir)
        kb = report.kb
        print_json(
            {
                "items": [item.model_dump(mode="json") for item in kb.items],
                "sources": {sid: s.model_dump(mode="json") for sid, s in kb.sources.items()},
            }
        )
