"""The knowledge base as the tests of this folder judge it."""

from __future__ import annotations

import pytest

from mbcnav.knowledge.loader import read_all
from mbcnav.knowledge.schema import KnowledgeBase


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    """Every item that reads, read fresh for each module: read_all (not the cached loader) judges the files
    even while another engineer's file is mid-edit, and a test module sees the files as they are now."""
    base, _ = read_all()
    return base
