"""The index is cached on disk, keyed by the knowledge files, and survives an unwritable cache."""

from __future__ import annotations

import shutil
from pathlib import Path

from mbcnav.search import ask
from mbcnav.search.index import load_or_build

from .conftest import FIXTURE_KB


def _copy_kb(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURE_KB, target)
    return target


def test_second_load_comes_from_cache_and_answers_the_same(tmp_path: Path) -> None:
    data, cache = _copy_kb(tmp_path, "kb"), tmp_path / "cache"
    built, how = load_or_build(data, cache)
    assert how == "built"
    cached, how = load_or_build(data, cache)
    assert how == "cache"
    question = "ibrance side efects"
    assert ask(question, index=cached).model_dump() == ask(question, index=built).model_dump()


def test_changing_the_knowledge_base_rebuilds(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first, _ = load_or_build(_copy_kb(tmp_path, "kb1"), cache)
    changed = _copy_kb(tmp_path, "kb2")
    items = changed / "items.yaml"
    items.write_text(items.read_text().replace("title: Palbociclib", "title: Palbociclib capsules"))
    second, how = load_or_build(changed, cache)
    assert how == "built"
    assert second.key != first.key
    assert "Palbociclib capsules" in [d["title"] for d in second.docs]
    assert len(list(cache.glob("qa-index-*"))) == 1, "stale indexes are removed"


def test_unwritable_cache_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    index, how = load_or_build(_copy_kb(tmp_path, "kb"), blocker / "cache")
    assert how == "memory"
    assert ask("ibrance", index=index).answers[0].id == "drug-palbociclib"


def test_corrupt_cache_is_rebuilt(tmp_path: Path) -> None:
    data, cache = _copy_kb(tmp_path, "kb"), tmp_path / "cache"
    index, _ = load_or_build(data, cache)
    (cache / f"qa-index-{index.key}" / "meta.json").write_text("{not json")
    _, how = load_or_build(data, cache)
    assert how == "built"


def test_index_is_built_from_the_files_not_a_stale_in_memory_knowledge_base(tmp_path: Path) -> None:
    """sweep 5: a process that loaded the knowledge base before an edit saved its old content
    under the new key, and every later process reused it."""
    from mbcnav.knowledge.loader import load_knowledge_base

    data, cache = _copy_kb(tmp_path, "kb"), tmp_path / "cache"
    load_knowledge_base(data)  # loaded (and cached in this process) before the edit
    items = data / "items.yaml"
    items.write_text(items.read_text().replace("title: Palbociclib", "title: Palbociclib zanzibarquux"))
    built, how = load_or_build(data, cache)
    assert how == "built"
    assert "Palbociclib zanzibarquux" in [d["title"] for d in built.docs]
    again, how = load_or_build(data, cache)
    assert how == "cache"
    assert ask("zanzibarquux", index=again).answers[0].id == "drug-palbociclib"
