"""Load the YAML knowledge files into one read-only KnowledgeBase.

Layout: ``data/sources/*.yaml`` hold lists of sources; every other ``data/**/*.yaml`` holds a list
of items. Loading is lenient about nothing: a schema error names the file, the item and the field.
The loaded base is cached per process, so rules and renderers never pay for parsing twice.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from mbcnav.errors import KnowledgeError
from mbcnav.knowledge.schema import KnowledgeBase, KnowledgeItem, Source
from mbcnav.yamlfile import load_yaml

DATA_DIR = Path(__file__).parent / "data"
_ITEM = TypeAdapter(KnowledgeItem)


class LoadProblem(KnowledgeError):
    """One problem found while reading the files; ``kb check`` collects them all."""


def _read_yaml_list(path: Path) -> list[dict[str, Any]]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
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


def _read_rows(
    files: list[Path], data_dir: Path, validate: Callable[[Any], Any], label: str, problems: list[str]
) -> dict[str, tuple[Any, str]]:
    """Validate every row of every file; the first row with an id wins, later ones are reported."""
    found: dict[str, tuple[Any, str]] = {}
    for path in files:
        rel = str(path.relative_to(data_dir))
        try:
            rows = _read_yaml_list(path)
        except LoadProblem as exc:
            problems.append(str(exc))
            continue
        for n, row in enumerate(rows):
            try:
                value = validate(row)
            except ValidationError as exc:
                problems.append(f"{rel}: {label} #{n + 1} ({row.get('id', '?')}): {_describe(exc)}")
                continue
            if value.id in found:
                problems.append(f"{rel}: duplicate {label} id '{value.id}' (first in {found[value.id][1]})")
                continue
            found[value.id] = (value, rel)
    return found


def read_all(data_dir: Path = DATA_DIR) -> tuple[KnowledgeBase, list[str]]:
    """Read every file, returning the base built from the valid rows plus every problem found."""
    problems: list[str] = []
    source_files = sorted((data_dir / "sources").glob("*.yaml"))
    item_files = sorted(p for p in data_dir.rglob("*.yaml") if p.parent.name != "sources")
    sources = _read_rows(source_files, data_dir, Source.model_validate, "source", problems)
    items = _read_rows(item_files, data_dir, _ITEM.validate_python, "item", problems)
    kb = KnowledgeBase(
        items=tuple(item for item, _ in items.values()),
        sources={sid: source for sid, (source, _) in sources.items()},
        origins={iid: origin for iid, (_, origin) in items.items()},
    )
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
