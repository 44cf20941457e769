"""`mbcnav assess CASE.json [--json] [--audience public|clinician] [--fhir-out OUT]`: case(s) → Assessment.

Input: one JSON case, a JSON list of cases, or JSON Lines (one case per line); ``-`` reads stdin;
or ``--fhir`` a FHIR record. Every case is validated before anything is printed, so a bad case
(unknown field, impossible value, wrong unit, unknown drug) stops the run with exit code 2 and a
message naming the field and the case — never half a report. ``--fhir-out`` also writes the
assessment as a FHIR R4 Bundle (cli/fhir_out.py says where several cases go).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.panel import Panel
from rich.table import Table

from mbcnav.assessment import Assessment
from mbcnav.case import Case, parse_case
from mbcnav.cli.common import Audience, console, err_console
from mbcnav.cli.fhir_out import bundles, check_target
from mbcnav.cli.fhir_out import write as write_bundles
from mbcnav.errors import CaseValidationError, MbcnavError
from mbcnav.jsondoc import without_bom
from mbcnav.reasoning.orders import concerns
from mbcnav.reasoning.safety import PUBLIC_NOT_NOW, public_alert_rows, public_option_note


class CaseInputError(MbcnavError):
    """The case file cannot be read, is not JSON / JSON Lines, or a case in it is invalid."""


def read_cases(text: str, source: str = "input") -> tuple[list[Case], str]:
    """Parse and validate every case; returns (cases, format: single|list|lines).

    Raises a message naming the case (1-based position or line, and its id if it has one) and the field.
    """
    stripped = str(without_bom(text)).strip()
    if not stripped:
        raise CaseInputError(f"{source}: no case found (empty input)")
    try:
        data: Any = orjson.loads(stripped)
        records: list[tuple[str, Any]]
        if isinstance(data, list):
            # 1-based, as lines and the FHIR file names (case-1.json) count
            records = [(f"case {i}", row) for i, row in enumerate(data, start=1)]
            fmt = "list"
        else:
            records = [("", data)]
            fmt = "single"
    except orjson.JSONDecodeError:
        records = []
        for lineno, line in enumerate(stripped.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append((f"line {lineno}", orjson.loads(line)))
            except orjson.JSONDecodeError as exc:
                raise CaseInputError(f"{source}: line {lineno} is not valid JSON ({exc})") from None
        fmt = "lines"
    cases: list[Case] = []
    for where, record in records:
        try:
            cases.append(parse_case(record))
        except CaseValidationError as exc:
            case_id = record.get("id") if isinstance(record, dict) else None
            if where and isinstance(case_id, str) and case_id:
                where += f" (id {case_id})"
            prefix = f"{where}: " if where else ""
            text = "; ".join(
                f"{prefix}{loc}: {msg}" if loc else f"{prefix}{msg}" for loc, msg in exc.problems
            )
            # One line naming the case and the field; the field itself is already in the text.
            raise CaseInputError(text) from None
    if not cases:
        raise CaseInputError(f"{source}: no case found")
    return cases, fmt


def _read_source(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    file = Path(path)
    if file.is_dir():
        raise CaseInputError(
            f"{path} is a folder, not a case file; give a case JSON or JSON Lines file "
            "(a folder of FHIR resources goes to --fhir)"
        )
    if not file.is_file():
        raise CaseInputError(f"{path}: no such file")
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseInputError(f"{path}: cannot read ({exc})") from None


_URGENCY_STYLE = {"emergency": "bold red", "urgent": "bold yellow", "routine": "green"}


def render(assessment: Assessment, audience: Audience) -> None:
    """A rich report: red flags first in a red panel, then subtype, workup, options, alerts, numbers."""
    voice = audience.value
    title = f"Case {assessment.case_id}" if assessment.case_id else "Assessment"
    if assessment.red_flags:
        lines = []
        for flag in assessment.red_flags:
            lines.append(f"[bold]{flag.urgency.upper()}[/] — {flag.title or flag.code}")
            lines.append(getattr(flag, voice))
        console.print(Panel("\n".join(lines), title=f"{title}: act now", border_style="red"))
    urgency = assessment.urgency
    console.print(
        f"[bold]{title}[/]  urgency: [{_URGENCY_STYLE[urgency]}]{urgency}[/]"
        f"  stage: {assessment.stage or '?'}"
    )
    # A number that looks like another unit changes red flags and doses: shown before the results
    # that read it (the web page and the PDF show the same hints beside the case as entered).
    for hint in assessment.unit_hints:
        console.print(f"[bold yellow]Check the unit of {hint.field}:[/] {hint.message}")
    subtype = assessment.subtype
    extras = [
        name
        for name, on in (
            ("HER2-low", assessment.her2_low),
            ("HER2-ultralow", assessment.her2_ultralow),
            ("ER-low", assessment.er_low),
        )
        if on
    ]
    console.print(f"[bold]Subtype:[/] {subtype}" + (f" ({', '.join(extras)})" if extras else ""))
    if assessment.subtype_explanation.get(voice):
        console.print(assessment.subtype_explanation[voice])
    if assessment.workup:
        table = Table(title="What is missing (workup)", show_lines=False)
        table.add_column("urgency")
        if voice == "clinician":  # codes are for clinicians and tools; the public text says what the test is
            table.add_column("test")
        table.add_column("why" if voice == "clinician" else "what and why")
        for item in assessment.workup:
            urgency = f"[{_URGENCY_STYLE[item.urgency]}]{item.urgency}[/]"
            if voice == "clinician":
                table.add_row(urgency, item.code, item.clinician)
            else:
                table.add_row(urgency, item.public)
        console.print(table)
    if assessment.therapy_options:
        _render_options(assessment, voice)
    if assessment.safety_alerts:
        _render_alerts(assessment, voice)
    if assessment.proposed_orders:
        _render_orders(assessment, voice)
    if assessment.calculations and voice == "clinician":  # raw keys (kps_estimated) are for the care team
        console.print(
            "[bold]Calculations:[/] " + ", ".join(f"{k} = {v}" for k, v in assessment.calculations.items())
        )
    if assessment.prognosis is not None:
        console.print(
            "[bold]Prognosis (group averages, not a personal prediction):[/] "
            f"{getattr(assessment.prognosis, voice)}"
        )
    if voice == "clinician":  # field paths and trial names; the web page keeps them for the care team too
        for note in assessment.notes_used:
            console.print(f"[dim]note used: {note}[/]")
    for reading in assessment.name_readings:
        console.print(f"[dim]{reading.field}: {getattr(reading, voice)}[/]")
    console.print(f"[italic]{assessment.disclaimer}[/]")


_RESULT_STYLE = {"contraindicated": "bold red", "warning": "yellow", "no alert": "green"}
#: the public voice says who decides: the team, not the tool (the web page's wording)
_NOT_NOW = PUBLIC_NOT_NOW
_ASK_FIRST = "Ask your team about this first"
_RESULT_PUBLIC = {"contraindicated": _NOT_NOW, "warning": _ASK_FIRST, "no alert": "no alert found"}
_SEVERITY_PUBLIC = {"contraindication": _NOT_NOW, "warning": _ASK_FIRST}


def _render_options(assessment: Assessment, voice: str) -> None:
    """Clinicians get the regimen, its trials and alert codes; the public its plain name and no codes,
    under a heading that leaves the choice with the care team."""
    if voice == "clinician":
        table = Table(title="Treatment options (ranked for this case)")
        table.add_column("#", justify="right")
        table.add_column("regimen")
        table.add_column("evidence")
        table.add_column("safety")
        for option in assessment.therapy_options:
            safety = _option_safety(option.flags, option.flagged, voice)
            table.add_row(
                str(option.rank), f"{option.regimen}\n{option.clinician}", ", ".join(option.evidence), safety
            )
        console.print(table)
        return
    table = Table(title="Treatments your team may discuss (most studied first)")
    table.add_column("#", justify="right")
    table.add_column("treatment")
    table.add_column("safety")
    for option in assessment.therapy_options:
        safety = _option_safety(option.flags, option.flagged, voice)
        table.add_row(str(option.rank), f"{option.public_name or option.regimen}\n{option.public}", safety)
    console.print(table)


def _render_alerts(assessment: Assessment, voice: str) -> None:
    clinician = voice == "clinician"
    table = Table(title="Safety alerts" if clinician else "Medicine safety (checks, not a plan)")
    table.add_column("severity" if clinician else "what it means")
    table.add_column("drug" if clinician else "medicine")
    table.add_column("alert" if clinician else "why")
    if clinician:
        for alert in assessment.safety_alerts:
            style = "bold red" if alert.severity == "contraindication" else "yellow"
            text = f"{alert.code}: {alert.clinician}"
            table.add_row(f"[{style}]{alert.severity}[/]", alert.drug or "", text)
    else:  # one line per plain text, naming each drug (the web page and the PDF merge the same way)
        for row in public_alert_rows(assessment.safety_alerts):
            style = "bold red" if row.severity == "contraindication" else "yellow"
            table.add_row(f"[{style}]{_SEVERITY_PUBLIC[row.severity]}[/]", ", ".join(row.drugs), row.public)
    console.print(table)


def _option_safety(flags: tuple[str, ...], flagged: bool, voice: str) -> str:
    """The safety cell of an option: codes for the care team; for the public, plain words (safety.yaml
    flag_labels) where a flag has them, otherwise a pointer to the medicine-safety table, never a code."""
    if voice == "clinician":
        return ("[bold red]NOT ADVISED: [/]" if flagged else "") + ", ".join(flags)
    note = public_option_note(flags, flagged)  # the same rule and words as the web page and the PDF
    return f"[bold red]{note}[/]" if note and flagged else note


def _render_orders(assessment: Assessment, voice: str) -> None:
    """The order check: each proposed order with its alerts and, when it is blocked, the options
    that avoid it (the same alerts as the table above, gathered per order: an interaction alert on
    another drug counts for the order it names as a partner, as in ``reasoning.orders``)."""
    clinician = voice == "clinician"
    table = Table(title="Order check (proposed treatment)" if clinician else "Check of the planned treatment")
    table.add_column("order" if clinician else "planned drug")
    table.add_column("result")
    table.add_column("alerts" if clinician else "why")
    table.add_column("alternatives" if clinician else "other choices in this report")
    for order in assessment.proposed_orders:
        style = _RESULT_STYLE[order.result]
        result = order.result if clinician else _RESULT_PUBLIC[order.result]
        texts = [
            (f"{alert.code}: " if clinician else "") + getattr(alert, voice)
            for alert in assessment.safety_alerts
            if alert.code in order.alerts and concerns(alert, order.drug)
        ]
        table.add_row(
            order.drug + (f" {order.dose}" if order.dose else ""),
            f"[{style}]{result}[/]",
            "\n".join(texts) or "-",
            "\n".join(order.alternatives) or "-",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    @app.command("assess")
    def assess_command(
        case_file: str = typer.Argument(
            None, help="Case JSON file, a JSON list, JSON Lines, or - for stdin."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the JSON Assessment(s)."),
        audience: Audience = typer.Option(Audience.public, "--audience", "-a", help="Voice of the report."),
        fhir: Path = typer.Option(
            None, "--fhir", help="Read the case from a FHIR R4/mCODE Bundle, NDJSON file or folder."
        ),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="With --fhir: show every import note."),
        fhir_out: str = typer.Option(
            None,
            "--fhir-out",
            metavar="FILE|FOLDER/|-",
            help=(
                "Also write the assessment as a FHIR R4 Bundle (DetectedIssue for red flags and safety "
                "alerts, Observation/RiskAssessment for calculations; with --fhir the imported Patient). "
                "A file takes one case; a folder (existing, or ending in /) gets one Bundle per case, "
                "named after the case id, so lists and JSON Lines work; - prints the Bundle on stdout "
                "instead of the report."
            ),
        ),
    ) -> None:
        """Assess a case: red flags, subtype, missing tests, ranked options with safety checks."""
        from mbcnav.reasoning.assess import assess

        if case_file is None and fhir is None:
            raise CaseInputError(
                "give a case to assess: a case file (or - for stdin), or --fhir BUNDLE; "
                "e.g. mbcnav assess case.json"
            )
        if case_file is not None and fhir is not None:
            raise CaseInputError("give either a case file (or - for stdin) or --fhir BUNDLE, not both")
        if fhir is not None:
            from mbcnav.cli.interop import print_import_notes
            from mbcnav.interop.fhir import case_from_fhir, load_fhir_path, resources_of
            from mbcnav.interop.fhir_export import draft_orders

            record = load_fhir_path(fhir)
            imported = case_from_fhir(record, refuse_empty=True)
            print_import_notes(imported.import_notes, verbose=verbose)  # to stderr: stdout stays JSON
            cases, fmt = [imported.case], "single"
            # the EHR's own Patient goes into the exported Bundle, so it files against the right chart
            patient = next((r for r in resources_of(record) if r["resourceType"] == "Patient"), None)
            orders = draft_orders(record)  # the exported DetectedIssues reference the draft orders
        else:
            cases, fmt = read_cases(_read_source(case_file), source=case_file)
            patient, orders = None, []
        if fhir_out is not None:
            check_target(fhir_out, len(cases), as_json=as_json)
        results = [assess(case) for case in cases]  # everything computed before anything is printed
        if fhir_out is not None:
            done = write_bundles(fhir_out, results, bundles(results, patient, orders))
            if fhir_out == "-":
                return
            err_console.print(done, highlight=False)  # on stderr: stdout stays the report or JSON
        if as_json:
            dumped = [r.model_dump(mode="json") for r in results]
            if fmt == "lines":
                out = "".join(orjson.dumps(d).decode() + "\n" for d in dumped)
            elif fmt == "list":
                out = orjson.dumps(dumped, option=orjson.OPT_INDENT_2).decode() + "\n"
            else:
                out = orjson.dumps(dumped[0], option=orjson.OPT_INDENT_2).decode() + "\n"
            sys.stdout.write(out)
            return
        for result in results:
            render(result, audience)
