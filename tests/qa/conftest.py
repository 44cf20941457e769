"""Shared fixtures: a small fixed knowledge base for engine behaviour, and the shipped one."""

from __future__ import annotations

from pathlib import Path

import pytest

from mbcnav.knowledge.loader import read_all
from mbcnav.search.index import SearchIndex, build_index, load_or_build

FIXTURE_KB = Path(__file__).parent / "fixture_kb"


@pytest.fixture(scope="session")
def fixture_index() -> SearchIndex:
    kb, problems = read_all(FIXTURE_KB)
    assert problems == []
    return build_index(kb, key="fixture")


@pytest.fixture(scope="session")
def kb_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    """The index of the shipped knowledge base, cached in a temporary directory."""
    return load_or_build(directory=tmp_path_factory.mktemp("qa-cache"))[0]
