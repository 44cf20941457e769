"""The `mbcnav` command: a thin shell over the knowledge base and the reasoning core.

Each command group lives in its own module and registers itself on the one Typer app, so a
newcomer finds a command's code from its name. Errors a user can cause become one clear line and
exit code 2; nothing prints a stack trace unless MBCNAV_DEBUG=1.
"""

from __future__ import annotations

import os
import sys
from importlib import metadata

import typer
from typer.core import TyperGroup

from mbcnav import __version__
from mbcnav.cli import analytics, ask, assess, batch, calc, interop, kb, learn, serve
from mbcnav.cli.common import console, err_console
from mbcnav.errors import MbcnavError


class _ErrorsAsMessages(TyperGroup):
    """Turns every user-caused error into one line on stderr and exit code 2, wherever the command
    runs (the installed `mbcnav`, `python -m mbcnav`, or Typer's CliRunner in tests)."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        # Bytes that are not UTF-8 in an argument ("back pain \xff legs weak") arrive as lone surrogates,
        # which JSON output cannot encode: every command gets them as U+FFFD instead, at this one edge.
        return super().parse_args(ctx, [_readable(arg) for arg in args])

    def invoke(self, ctx: typer.Context) -> object:
        try:
            return super().invoke(ctx)
        except MbcnavError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(2) from None


def _readable(arg: str) -> str:
    """The argument with undecodable bytes replaced by U+FFFD (the rest unchanged)."""
    if arg.isascii():
        return arg
    try:
        return arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        return arg.encode("utf-8", "replace").decode("utf-8")


def _version() -> str:
    try:
        return metadata.version("mbcnav")
    except metadata.PackageNotFoundError:  # run from a checkout without installing
        return __version__


def _print_version(value: bool) -> None:
    if value:
        console.print(f"mbcnav {_version()}")
        raise typer.Exit()


app = typer.Typer(
    name="mbcnav",
    cls=_ErrorsAsMessages,
    help="Metastatic breast cancer navigator: cited answers in plain words or clinical detail.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Metastatic breast cancer navigator: cited answers in plain words or clinical detail."""

for module in (kb, learn, calc, assess, ask, serve, interop, analytics, batch):
    module.register(app)


def main() -> None:
    """Entry point: like `app()`, but an unexpected error prints one line, not a stack trace."""
    try:
        app()
    except Exception as exc:
        if os.environ.get("MBCNAV_DEBUG"):
            raise
        err_console.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc}", highlight=False)
        err_console.print("Please report this; set MBCNAV_DEBUG=1 to see the details.")
        sys.exit(1)
