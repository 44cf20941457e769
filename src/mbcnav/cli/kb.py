"""`mbcnav kb check|stats|export`: keep the knowledge base honest and hand it to other tools."""

from __future__ import annotations

from enum import StrEnum

import typer
from rich.table import Table

from mbcnav.cli.common import console, err_console, print_json
from mbcnav.knowledge.check import run_check, stats


class ExportFormat(StrEnum):
    json = "json"


def register(app: typer.Typer) -> None:
    kb_app = typer.Typer(help="Check, count and export the knowledge base.", no_args_is_help=True)
    app.add_typer(kb_app, name="kb")

    @kb_app.command("check")
    def check() -> None:
        """Fail (exit 1) on schema errors, duplicate or dangling ids, missing sources, hard public text."""
        report = run_check()
        if report.problems:
            for problem in report.problems:
                err_console.print(f"[red]✗[/] {problem}", highlight=False)
            err_console.print(f"[bold red]{len(report.problems)} problem(s)[/]")
            raise typer.Exit(1)
        console.print(
            f"[green]✓[/] knowledge base OK: {len(report.kb.items)} items, {len(report.kb.sources)} sources"
        )

    @kb_app.command("stats")
    def kb_stats(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """Counts by kind and the reading grade of the public text."""
        report = run_check()
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
            f"public text reading grade (Flesch-Kincaid): median {figures['public_grade_median']}, "
            f"max {figures['public_grade_max']}"
        )

    @kb_app.command("export")
    def export(
        fmt: ExportFormat = typer.Option(ExportFormat.json, "--format", help="Output format."),
    ) -> None:
        """The whole knowledge base (items and sources) as one JSON document."""
        report = run_check()
        kb = report.kb
        print_json(
            {
                "items": [item.model_dump(mode="json") for item in kb.items],
                "sources": {sid: s.model_dump(mode="json") for sid, s in kb.sources.items()},
            }
        )
