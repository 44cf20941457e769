"""The `mbcnav` console script: starts the CLI, and a Ctrl-C at any moment ends it quietly.

It imports next to nothing itself: the CLI's imports (typer, rich, pydantic, the knowledge base) take a
second or two, and a Ctrl-C during them would otherwise print a KeyboardInterrupt traceback, because
`mbcnav.cli.main` cannot catch what happens before it exists.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Run the CLI; Ctrl-C exits 130 (128 + SIGINT, as shells do) with no traceback."""
    try:
        from mbcnav.cli import main as cli_main

        cli_main()
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        sys.exit(130)
