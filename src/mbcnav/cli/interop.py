"""`mbcnav import`: a FHIR R4 / mCODE record in, a Case out, with every import note shown.

The Case goes to stdout (so it pipes into ``mbcnav assess -``) and the notes to stderr, because the
notes are for the person running the command and the Case is for the next program. ``--json``
puts both (plus where each value came from) in one document instead.

``mbcnav assess --fhir BUNDLE.json`` reads the record the same way (``load_fhir_path`` then
``case_from_fhir``, keeping the Patient for ``--fhir-out``); that option lives in cli/assess.py.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from mbcnav.cli.common import err_console, print_json
from mbcnav.errors import MbcnavError
from mbcnav.interop.fhir import FhirValidationError, ImportNote, case_from_fhir_path

_LEVEL_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}


#: characters a terminal does not show as themselves: controls (NUL, escape sequences, line breaks),
#: bidi marks, embeddings, overrides and isolates, zero-width and other invisible format characters
_UNSHOWN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
    "\U000e0000-\U000e007f]"
)


def as_shown(text: str) -> Text:
    """Record text as the terminal should show it: each invisible or reordering character written as its
    escape (``\\u202e``, ``\\x00``), so "\\u202enefixomat" cannot pass for "tamoxifen", and as plain text,
    never as Rich markup (a resource id like ``[bold]`` stays as written)."""
    return Text(_UNSHOWN.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text))


def print_import_notes(notes: list[ImportNote], *, verbose: bool = False) -> None:
    """A table of import notes on stderr; info-level notes only with ``verbose`` (they can be many)."""
    shown = [n for n in notes if verbose or n.level != "info"]
    hidden = len(notes) - len(shown)
    if shown:
        table = Table(title="FHIR import notes", show_lines=False, expand=False)
        for column in ("level", "kind", "resource", "element", "message"):
            table.add_column(column, overflow="fold")
        for n in shown:
            table.add_row(
                Text(n.level, style=_LEVEL_STYLE[n.level]),
                n.kind,
                as_shown(n.resource or ""),
                as_shown(n.element or ""),
                as_shown(n.message),
            )
        err_console.print(table)
    if hidden:
        err_console.print(f"{hidden} info note(s) not shown (unused resources, conversions); use --verbose.")


def _parse_as_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise MbcnavError(f"--as-of must be a date like 2025-01-31, got '{value}'") from None


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_fhir(
        path: Annotated[
            Path, typer.Argument(help="FHIR Bundle or resource (.json), NDJSON export, or a folder")
        ],
        strict: Annotated[
            bool,
            typer.Option(
                help="Validate every resource with fhir.resources (R4B) first; any defect is an error"
            ),
        ] = False,
        json_out: Annotated[
            bool, typer.Option("--json", help="Print case, notes and provenance as one JSON document")
        ] = False,
        as_of: Annotated[
            str | None,
            typer.Option(help="Date ages and 'current' are reckoned from (YYYY-MM-DD; default today)"),
        ] = None,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also show info-level notes")] = False,
    ) -> None:
        """Read a FHIR R4 / mCODE record into a Case (JSON on stdout; import notes on stderr)."""
        result = case_from_fhir_path(path, strict=strict, as_of=_parse_as_of(as_of), refuse_empty=True)
        defects = [n for n in result.errors if n.kind == "defect"]
        if strict and defects:
            print_import_notes(defects, verbose=True)
            raise FhirValidationError(defects)
        if json_out:
            print_json(result.to_json())
            return
        print_json(result.to_json()["case"])
        print_import_notes(result.import_notes, verbose=verbose)
