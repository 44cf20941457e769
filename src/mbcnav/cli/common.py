"""What every command shares: consoles, the audience option, JSON output."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Any

import orjson
from rich.console import Console

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


class Audience(StrEnum):
    public = "public"
    clinician = "clinician"


def print_json(data: Any) -> None:
    """Write JSON to stdout in one piece (so an error never leaves half a document behind)."""
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode())
    sys.stdout.write("\n")
