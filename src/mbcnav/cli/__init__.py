"""The `mbcnav` command: a thin shell over the knowledge base and the reasoning core.

Each command group lives in its own module and registers itself on the one Typer app, so a
newcomer finds a command's code from its name. Errors a user can cause become one clear line and
exit code 2; nothing prints a stack trace unless MBCNAV_DEBUG=1.
"""

from __future__ import annotations

import os
import sys

import click
import typer

from mbcnav.cli import analytics, ask, assess, calc, interop, kb, learn, serve
from mbcnav.cli.common import err_console
from mbcnav.errors import MbcnavError

app = typer.Typer(
    name="mbcnav",
    help="Metastatic breast cancer navigator: cited answers in plain words or clinical detail.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for module in (kb, learn, calc, assess, ask, serve, interop, analytics):
    module.register(app)


def main() -> None:
    """Entry point: run the app and turn every error into a message and an exit code."""
    try:
        result = app(standalone_mode=False)
    except MbcnavError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)
    except click.exceptions.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        if os.environ.get("MBCNAV_DEBUG"):
            raise
        err_console.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc}", highlight=False)
        err_console.print("Please report this; set MBCNAV_DEBUG=1 to see the details.")
        sys.exit(1)
    sys.exit(result if isinstance(result, int) else 0)
