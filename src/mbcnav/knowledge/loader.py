"""Load the YAML knowledge files into one read-only KnowledgeBase.

Layout: ``data/sources/*.yaml`` hold lists of sources; every other ``data/**/*.yaml`` holds a list
of items. Loading is lenient about nothing: a schema error names the file, the item and the field.
The loaded base is cached per process, so rules and renderers never pay for parsing twice.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from mbcnav.errors import KnowledgeError
from mbcnav.knowledge.schema import KnowledgeBase, KnowledgeItem, Source

DATA_DIR = Path(__file__).parent / "data"
_ITEM = TypeAdapter(KnowledgeItem)


class LoadProblem(KnowledgeError):
    """One problem found while reading the files; ``kb check`` collects them all."""


def _read_yaml_list(path: Path) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LoadProblem(f"{path.name}: not valid YAML: {exc}") from exc
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise LoadProblem(f"{path.name}: the file must hold a list of mappings")
    return data


def _describe(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors(include_url=False)
    )


def read_all(data_dir: Path = DATA_DIR) -> tuple[KnowledgeBase, list[str]]:
    """Read every file, returning the base built from the valid rows plus every problem found."""
    problems: list[str] = []
    sources: dict[str, Source] = {}
    items: list[Any] = []
    origins: dict[str, str] = {}
    source_files = sorted((data_dir / "sources").glob("*.yaml"))
    item_files = sorted(p for p in data_dir.rglob("*.yaml") if p.parent.name != "sources")
    for path in source_files:
        try:
            rows = _read_yaml_list(path)
        except LoadProblem as exc:
            problems.append(str(exc))
            continue
        for n, row in enumerate(rows):
            try:
                source = Source.model_validate(row)
            except ValidationError as exc:
                problems.append(f"{path.name}: source #{n + 1} ({row.get('id', '?')}): {_describe(exc)}")
                continue
            if source.id in sources:
                problems.append(f"{path.name}: duplicate source id '{source.id}'")
                continue
            sources[source.id] = source
    for path in item_files:
        rel = str(path.relative_to(data_dir))
        try:
            rows = _read_yaml_list(path)
        except LoadProblem as exc:
            problems.append(str(exc))
            continue
        for n, row in enumerate(rows):
            try:
                item = _ITEM.validate_python(row)
            except ValidationError as exc:
                problems.append(f"{rel}: item #{n + 1} ({row.get('id', '?')}): {_describe(exc)}")
                continue
            if item.id in origins:
                problems.append(f"{rel}: duplicate item id '{item.id}' (first in {origins[item.id]})")
                continue
            origins[item.id] = rel
            items.append(item)
    kb = KnowledgeBase(items=tuple(items), sources=sources, origins=origins)
    return kb, problems


@functools.cache
def load_knowledge_base(data_dir: Path = DATA_DIR) -> KnowledgeBase:
    """The shipped knowledge base; raises KnowledgeError if any file is broken."""
    kb, problems = read_all(data_dir)
    if problems:
        raise KnowledgeError(
            f"the knowledge base has {len(problems)} problem(s); run `mbcnav kb check`. First: {problems[0]}"
        )
    return kb
