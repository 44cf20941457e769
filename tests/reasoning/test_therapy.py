"""Data invariants of the treatment options (reasoning/therapy.py reading rules/therapy.yaml)."""

from __future__ import annotations

import re

import pytest

from mbcnav.drugnames import name_index, normalise
from mbcnav.reasoning.therapy import Regimen, regimens


def _named_drugs(text: str) -> set[str]:
    """Generic names of the drugs a text names (generic, brand or alias, via the project's index).

    Longer names win over the names inside them ("nab-paclitaxel" is not also "paclitaxel";
    "trastuzumab deruxtecan" is not also "trastuzumab"); a hyphen separates two names
    ("gemcitabine-carboplatin") unless the hyphenated whole is itself a name."""
    index = name_index()
    text = normalise(text)
    taken: list[tuple[int, int]] = []
    found: set[str] = set()
    for name in sorted(index, key=len, reverse=True):
        for match in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            taken.append((match.start(), match.end()))
            found.add(index[name])
    return found


def test_the_name_finder_reads_brands_hyphens_and_longest_names() -> None:
    assert _named_drugs(
        "pembrolizumab + chemotherapy (nab-paclitaxel, paclitaxel or gemcitabine-carboplatin)"
    ) == {
        "pembrolizumab",
        "nab-paclitaxel",
        "paclitaxel",
        "gemcitabine",
        "carboplatin",
    }
    assert _named_drugs("trastuzumab deruxtecan (T-DXd)") == {"trastuzumab deruxtecan"}
    assert _named_drugs("Ibrance with Faslodex") == {"palbociclib", "fulvestrant"}


def _texts(reg: Regimen) -> list[tuple[str, str, frozenset[str]]]:
    """(where, text, drugs that text may name) for an option's display name and its add labels."""
    out = [("regimen", reg.regimen, frozenset(reg.drugs))]
    out += [(f"add label {a.label!r}", a.label, frozenset((*reg.drugs, *a.drugs))) for a in reg.add]
    return out


@pytest.mark.parametrize("reg", regimens(), ids=lambda r: r.id)
def test_every_drug_an_option_names_is_in_its_drugs_list(reg: Regimen) -> None:
    """A drug named in an option's text but missing from `drugs` is never safety-checked, so an
    "A or B" option could be offered unflagged when B is contraindicated (e.g. nab-paclitaxel)."""
    for where, text, drugs in _texts(reg):
        missing = _named_drugs(text) - drugs
        assert not missing, f"{reg.id}: {where} names {sorted(missing)} but drugs lists {sorted(drugs)}"
