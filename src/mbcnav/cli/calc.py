"""`mbcnav calc NAME --args`, `mbcnav triage TEXT` and `mbcnav schema case|assessment|triage`.

`calc` takes each calculator's inputs as options named after its input fields (``--height-cm 170``),
so a new calculator in the registry needs no new CLI code (cli/calc_inputs.py reads them by type: a
list input takes ``--node-short-axes-mm 12`` or ``12,8``). Bad input exits with code 2 and one line
naming the option; nothing is half-printed (JSON is written in one piece).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from mbcnav.cli.calc_inputs import build_inputs, field_kind, option_name
from mbcnav.cli.common import Audience, console, err_console, print_json
from mbcnav.errors import CalculatorInputError, MbcnavError

if TYPE_CHECKING:
    from mbcnav.reasoning.calculators import Calculator
    from mbcnav.reasoning.triage import TriageResult


class SchemaName(StrEnum):
    case = "case"
    assessment = "assessment"
    triage = "triage"
    ask = "ask"


_COLOURS = {"emergency": "red", "urgent": "yellow", "routine": "green"}


def _fail(exc: MbcnavError) -> None:
    """Same message as mbcnav.cli.main prints, and exit 2 also under typer's test runner."""
    err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
    raise typer.Exit(2)


def _list_calculators() -> None:
    from mbcnav.reasoning.calculators import CALCULATORS

    table = Table(title="Calculators (mbcnav calc NAME --input value ...)")
    table.add_column("name")
    table.add_column("title")
    table.add_column("inputs")
    for calc in CALCULATORS.values():
        names = " ".join(
            option_name(f) + (" N[,N...]" if field_kind(info.annotation) == "list" else "")
            for f, info in calc.inputs.model_fields.items()
        )
        table.add_row(calc.name, calc.title, names)
    console.print(table)


_HELP = ("--help", "-h")


def _calculator_help(calculator: Calculator) -> None:
    """`mbcnav calc NAME --help`: the calculator's own inputs, each with its unit and whether required.

    Why by hand: the inputs are not click options (they are read from the inputs model), so click's
    help would only show the generic `calc` options.
    """
    table = Table(title=f"mbcnav calc {calculator.name} — {calculator.title}")
    table.add_column("option")
    table.add_column("required")
    table.add_column("description")
    for field, info in calculator.inputs.model_fields.items():
        many = " N[,N...]" if field_kind(info.annotation) == "list" else ""
        table.add_row(
            option_name(field) + many, "yes" if info.is_required() else "no", info.description or ""
        )
    console.print(table)
    console.print(f"Formula: {calculator.formula}", highlight=False)
    console.print(f"Sources: {', '.join(calculator.sources)}", highlight=False)
    console.print("Also: --json (print JSON), --audience public|clinician.", highlight=False)


def register(app: typer.Typer) -> None:
    @app.command(
        "calc",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        add_help_option=False,
    )
    def calc(
        ctx: typer.Context,
        name: str = typer.Argument(None, help="Calculator name; leave out to list them."),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
        audience: Audience = typer.Option(Audience.public, "--audience", "-a", help="public or clinician."),
    ) -> None:
        """Run a clinical calculator, e.g. `mbcnav calc bsa --height-cm 170 --weight-kg 70`."""
        from mbcnav.reasoning.calculators import CALCULATORS

        if name in _HELP or (name is None and any(a in _HELP for a in ctx.args)):
            console.print(ctx.get_help())
            _list_calculators()
            return
        if name is None:
            _list_calculators()
            return
        if any(a in _HELP for a in ctx.args) and name.replace("-", "_") in CALCULATORS:
            _calculator_help(CALCULATORS[name.replace("-", "_")])
            return
        try:
            calculator = CALCULATORS.get(name.replace("-", "_"))
            if calculator is None:
                raise CalculatorInputError(
                    f"unknown calculator '{name}'; choose one of: {', '.join(CALCULATORS)}", field="name"
                )
            result = calculator.compute(build_inputs(calculator.inputs, list(ctx.args), calculator.name))
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
        temp_c: float | None = typer.Option(None, "--temp-c", help="Body temperature, °C."),
        anc_per_ul: float | None = typer.Option(None, "--anc-per-ul", help="Neutrophils, cells/µL."),
        calcium_mg_dl: float | None = typer.Option(None, "--calcium-mg-dl", help="Total calcium, mg/dL."),
        albumin_g_dl: float | None = typer.Option(None, "--albumin-g-dl", help="Albumin, g/dL."),
    ) -> None:
        """Check symptoms for red flags: what may be going on and what to do now.

        Labs can be given as options (the same four as the web symptom checker) or in the text
        ("calcium 11.5 albumin 2.5", "temp 38.5 ANC 300"); an option wins over the text."""
        from mbcnav.case import parse_case
        from mbcnav.reasoning.triage import triage

        if not text.strip():
            _fail(MbcnavError('give the symptoms as text, e.g. mbcnav triage "my back hurts"', field="text"))
        given = {
            name: value
            for name, value in (
                ("temp_c", temp_c),
                ("anc_per_ul", anc_per_ul),
                ("calcium_mg_dl", calcium_mg_dl),
                ("albumin_g_dl", albumin_g_dl),
            )
            if value is not None
        }
        labs = None
        if given:
            try:
                labs = parse_case({"labs": given}).labs
            except MbcnavError as exc:
                # A refused lab must not hide the words' emergency: their red flags first, then the error.
                from mbcnav.reasoning.words_first import words_triage

                words = words_triage(text)
                if words is not None:
                    if as_json:
                        print_json(words.model_dump(mode="json"))
                    else:
                        console.print("[bold]From your words alone (the number below was not used):[/]")
                        _print_triage(words, audience, text)
                _fail(exc)
        result = triage(text, labs)
        if as_json:
            print_json(result.model_dump(mode="json"))
            return
        _print_triage(result, audience, text)

    def _print_triage(result: TriageResult, audience: Audience, text: str) -> None:
        from mbcnav.reasoning.triage import unused_text_labs

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
        # With no red flag the symptom is more often from treatment (numb fingers and toes: chemotherapy
        # nerve damage), so the public voice names no cancer site; the routine advice already says to tell
        # the team at the next visit. The clinician voice keeps the sites, marked as no red flag.
        if result.suspected_sites and (result.red_flags or audience is Audience.clinician):
            heading = (
                "Places the cancer may be causing this:"
                if result.red_flags
                else "Sites these symptoms can point to (no red flag raised):"
            )
            console.print(f"[bold]{heading}[/]")
            for site in result.suspected_sites:
                console.print(f"  • {site.site.replace('_', ' ')}: {escape(site.why)}")
        if result.negated:
            label = (
                "We understood that you do not have"
                if audience is Audience.public
                else "Read as 'not present'"
            )
            console.print(f"[dim]{label}: {escape(', '.join(result.negated))}[/]")
        for note in unused_text_labs(text):
            console.print(f"[dim]Note: {escape(note)}[/]")

    @app.command("schema")
    def schema(which: SchemaName = typer.Argument(..., help="case, assessment, triage or ask")) -> None:
        """Print the JSON Schema of the Case (input), the Assessment (output), or the Triage or Ask result."""
        if which is SchemaName.case:
            from mbcnav.case import Case

            print_json(Case.model_json_schema())
        elif which is SchemaName.assessment:
            from mbcnav.assessment import Assessment

            print_json(Assessment.model_json_schema())
        elif which is SchemaName.ask:
            from mbcnav.search.models import AskResult

            print_json(AskResult.model_json_schema())
        else:
            from mbcnav.reasoning.triage import TriageResult

            print_json(TriageResult.model_json_schema())
