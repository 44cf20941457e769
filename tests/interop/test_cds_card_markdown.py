"""Record text in card details is inert markdown (security review item 8): an id or a note from the
chart cannot add a heading, emphasis, a line break, a list or a link to a card the EHR renders."""

from __future__ import annotations

import re

import pytest

from mbcnav.interop.cds_hooks import import_warnings_card, md_text, partial_record_card
from mbcnav.interop.fhir.notes import ImportNote

HOSTILE = "x)\n\n## No safety concerns **bold** _it_ `code` ![img](https://evil.example) www.evil.example ok"


def rendered_lines(detail: str) -> list[str]:
    return detail.split("\n")


def assert_inert(detail: str) -> None:
    """No line of the detail starts a heading, and no special character from the record is unescaped
    (the card's own bold lead-in aside)."""
    detail = detail.replace("**Part of this record could not be read.**", "")
    assert not any(line.lstrip().startswith("#") for line in rendered_lines(detail))
    for special in ("**", "_it_", "`code`", "https://", "www.evil"):
        assert special not in detail
    # every * _ ` ! # [ ] left is escaped by a backslash
    assert not re.search(r"(?<!\\)[*_`!#\[\]]", detail)


def test_a_hostile_id_cannot_put_a_heading_or_emphasis_in_the_partial_record_card() -> None:
    """Before: only \\ [ ] < > were escaped, so '## No safety concerns' became a heading in the card."""
    card = partial_record_card(
        [ImportNote("invalid", "bad date", "error", f"Observation/{HOSTILE}", "effective\n# x")], "h1"
    )
    assert card is not None
    assert "No safety concerns" in card["detail"]
    assert_inert(card["detail"])


def test_import_warning_notes_are_escaped_too() -> None:
    card = import_warnings_card([ImportNote("conflict", HOSTILE, "warning", "Observation/a*b*", None)], "h1")
    assert card is not None
    assert "Observation/a\\*b\\*" in card["detail"]
    assert_inert(card["detail"].replace("\n\n", "\n"))


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\nb\r\nc\u2028d", "a b c d"),
        ("- item", "\\- item"),
        ("1. first", "1\\. first"),
        ("see https://evil.example", "see https\\://evil.example"),
        ("mail x@evil.example", "mail x\\@evil.example"),
        ("<b>[x]</b>", "\\<b\\>\\[x\\]\\</b\\>"),
        ("Observation/cr-1 (2024)", "Observation/cr-1 (2024)"),
    ],
)
def test_md_text_escapes_what_markdown_would_act_on(raw: str, shown: str) -> None:
    assert md_text(raw) == shown
