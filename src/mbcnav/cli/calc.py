"""`mbcnav calc NAME --args`, `mbcnav triage TEXT` and `mbcnav schema case|assessment|triage`.

`calc` takes each calculator's inputs as options named after its input fields (``--height-cm 170``),
so a new calculator in the registry needs no new CLI code. Bad input exits with code 2 and one line
naming the field; nothing is half-printed (JSON is written in one piece).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import typer
from rich.panel import Panel
from rich.table import Table

from mbcnav.cli.common import Audience, console, err_console, print_json
from mbcnav.errors import CalculatorInputError, MbcnavError


class SchemaName(StrEnum):
    case = "case"
    assessment = "assessment"
    triage = "triage"


_COLOURS = {"emergency": "red", "urgent": "yellow", "routine": "green"}


def _fail(exc: MbcnavError) -> None:
    """Same message as mbcnav.cli.main prints, and exit 2 also under typer's test runner."""
    err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
    raise typer.Exit(2)


def _parse_extra(args: list[str]) -> dict[str, Any]:
    """`--height-cm 170 --new-lesions` -> {"height_cm": "170", "new_lesions": True}."""
    out: dict[str, Any] = {}
    i = 0
    while i < len(args):
        token = args[i]
        if not token.startswith("--") or len(token) < 3:
            raise CalculatorInputError(f"unexpected argument '{token}'; give inputs as --name value")
        key = token[2:]
        value: Any = True
        if "=" in key:
            key, value = key.split("=", 1)
        elif i + 1 < len(args) and not args[i + 1].startswith("--"):
            value = args[i + 1]
            i += 1
        field = key.replace("-", "_")
        if isinstance(value, str) and field.endswith("_mm") and "," in value:
            value = tuple(v.strip() for v in value.split(",") if v.strip())
        out[field] = value
        i += 1
    return out


def _short_names(values: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """Accept an unambiguous short form of a field name (--baseline for --baseline-sum-mm)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in fields:
            matches = [f for f in fields if f.startswith(key + "_")]
            if len(matches) == 1:
                key = matches[0]
        out[key] = value
    return out


def _list_calculators() -> None:
    from mbcnav.reasoning.calculators import CALCULATORS

    table = Table(title="Calculators (mbcnav calc NAME --input value ...)")
    table.add_column("name")
    table.add_column("title")
    table.add_column("inputs")
    for calc in CALCULATORS.values():
        names = " ".join(f"--{f.replace('_', '-')}" for f in calc.inputs.model_fields)
        table.add_row(calc.name, calc.title, names)
    console.print(table)


def register(app: typer.Typer) -> None:
    @app.command(
        "calc",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def calc(
        ctx: typer.Context,
        name: str = typer.Argument(None, help="Calculator name; leave out to list them."),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
        audience: Audience = typer.Option(Audience.public, "--audience", "-a", help="public or clinician."),
    ) -> None:
        """Run a clinical calculator, e.g. `mbcnav calc bsa --height-cm 170 --weight-kg 70`."""
        from mbcnav.reasoning.calculators import CALCULATORS

        if name is None:
            _list_calculators()
            return
        try:
            calculator = CALCULATORS.get(name.replace("-", "_"))
            if calculator is None:
                raise CalculatorInputError(
                    f"unknown calculator '{name}'; choose one of: {', '.join(CALCULATORS)}", field="name"
                )
            result = calculator.compute(
                _short_names(_parse_extra(list(ctx.args)), list(calculator.inputs.model_fields))
            )
        except MbcnavError as exc:
            _fail(exc)
            return
        if as_json:
            print_json(result.model_dump(mode="json"))
            return
        table = Table(show_header=False, box=None)
        for key, value in result.values.items():
            table.add_row(f"[bold]{key}[/]", str(value))
        text = result.public if audience is Audience.public else result.clinician
        console.print(
            Panel(f"[bold]{result.value}[/] {result.unit}\n\n{text}", title=result.title, expand=False)
        )
        console.print(table)
        if audience is Audience.clinician:
            console.print(f"[dim]Formula: {calculator.formula}[/]")
        console.print(f"[dim]Sources: {', '.join(result.sources)}[/]")

    @app.command("triage")
    def triage_cmd(
        text: str = typer.Argument(..., help="Symptoms in everyday words, in quotes."),
        as_json: bool = typer.Option(False, "--json", help="Print the Triage JSON."),
        audience: Audience = typer.Option(Audience.public, "--audience", "-a", help="public or clinician."),
    ) -> None:
        """Check symptoms for red flags: what may be going on and what to do now."""
        from mbcnav.reasoning.triage import triage

        if not text.strip():
            _fail(MbcnavError('give the symptoms as text, e.g. mbcnav triage "my back hurts"', field="text"))
        result = triage(text)
        if as_json:
            print_json(result.model_dump(mode="json"))
            return
        voice = audience.value
        for flag in result.red_flags:
            colour = _COLOURS[flag.urgency]
            body = getattr(flag, voice)
            if audience is Audience.clinician and flag.rationale:
                body += f"\n[dim]Why: {flag.rationale}[/]"
            console.print(
                Panel(
                    body,
                    title=f"[bold]{flag.urgency.upper()}: {flag.title or flag.code}[/]",
                    border_style=colour,
                    expand=False,
                )
            )
        colour = _COLOURS[result.urgency]
        console.print(
            Panel(
                getattr(result.advice, voice),
                title=f"[bold]What to do now ({result.urgency})[/]",
                border_style=colour,
                expand=False,
            )
        )
        if result.suspected_sites:
            console.print("[bold]Places the cancer may be causing this:[/]")
            for site in result.suspected_sites:
                console.print(f"  • {site.site.replace('_', ' ')}: {site.why}")
        if result.negated:
            console.print(f"[dim]Read as 'not present': {', '.join(result.negated)}[/]")

    @app.command("schema")
    def schema(which: SchemaName = typer.Argument(..., help="case, assessment or triage")) -> None:
        """Print the JSON Schema of the Case (input), the Assessment (output) or the Triage result."""
        if which is SchemaName.case:
            from mbcnav.case import Case

            print_json(Case.model_json_schema())
        elif which is SchemaName.assessment:
            from mbcnav.assessment import Assessment

            print_json(Assessment.model_json_schema())
        else:
            from mbcnav.reasoning.triage import TriageResult

            print_json(TriageResult.model_json_schema())
