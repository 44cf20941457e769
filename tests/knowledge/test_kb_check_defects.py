"""`run_check` must fail, naming the item (or file), on each kind of defect in a knowledge data dir.

Each test builds a small, otherwise valid data directory in tmp_path, breaks one thing, and runs
the real check on it. A control test proves the unbroken directory passes, so every failure below
is caused by the one defect it introduces.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mbcnav.knowledge.check import run_check

SOURCE = {
    "id": "src-one",
    "title": "A published reference",
    "publisher": "Some Publisher",
    "year": 2024,
    "url": "https://example.org/reference",
}


def _topic(item_id: str, **changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": item_id,
        "kind": "topic",
        "title": f"Topic {item_id}",
        "public": "This is a short text. It is easy to read. It uses small words.",
        "clinician": "Exact clinical wording with a threshold of 10 mm.",
        "sources": ["src-one"],
        "reviewed": "2026-11-25",
    }
    item.update(changes)
    return item


def _write(data_dir: Path, items: list[dict[str, Any]] | str, name: str = "topics.yaml") -> None:
    (data_dir / "sources").mkdir(parents=True, exist_ok=True)
    (data_dir / "sources" / "core.yaml").write_text(yaml.safe_dump([SOURCE]), encoding="utf-8")
    text = items if isinstance(items, str) else yaml.safe_dump(items, sort_keys=False)
    (data_dir / name).write_text(text, encoding="utf-8")


def _problems_about(data_dir: Path, needle: str) -> list[str]:
    report = run_check(data_dir)
    assert not report.ok
    return [p for p in report.problems if needle in p]


def test_valid_small_data_dir_passes(tmp_path: Path) -> None:
    _write(tmp_path, [_topic("alpha"), _topic("beta", related=["alpha"])])
    report = run_check(tmp_path)
    assert report.ok, report.problems
    assert {item.id for item in report.kb.items} == {"alpha", "beta"}


def test_schema_error_names_item_and_field(tmp_path: Path) -> None:
    broken = _topic("broken")
    del broken["clinician"]
    _write(tmp_path, [_topic("alpha"), broken])
    hits = _problems_about(tmp_path, "broken")
    assert hits and "clinician" in hits[0]


def test_unknown_kind_is_a_schema_error(tmp_path: Path) -> None:
    _write(tmp_path, [_topic("alpha"), _topic("odd", kind="recipe")])
    assert _problems_about(tmp_path, "odd")


def test_duplicate_id_is_reported(tmp_path: Path) -> None:
    _write(tmp_path, [_topic("twin"), _topic("twin", title="Second twin")])
    hits = _problems_about(tmp_path, "duplicate item id 'twin'")
    assert len(hits) == 1


def test_duplicate_id_across_files_is_reported(tmp_path: Path) -> None:
    _write(tmp_path, [_topic("twin")])
    (tmp_path / "sites.yaml").write_text(yaml.safe_dump([_topic("twin")]), encoding="utf-8")
    hits = _problems_about(tmp_path, "duplicate item id 'twin'")
    assert hits and "topics.yaml" in hits[0]


def test_dangling_related_id_names_item(tmp_path: Path) -> None:
    _write(tmp_path, [_topic("alpha", related=["nowhere"])])
    hits = _problems_about(tmp_path, "related id 'nowhere'")
    assert hits and "alpha" in hits[0]


def test_source_not_in_sources_names_item(tmp_path: Path) -> None:
    _write(tmp_path, [_topic("alpha", sources=["src-one", "src-missing"])])
    hits = _problems_about(tmp_path, "source 'src-missing'")
    assert hits and "alpha" in hits[0]


def test_item_without_any_source_fails(tmp_path: Path) -> None:
    _write(tmp_path, [_topic("alpha", sources=[])])
    assert _problems_about(tmp_path, "alpha")


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_clinician_text_names_item(tmp_path: Path, text: str) -> None:
    _write(tmp_path, [_topic("alpha", clinician=text)])
    hits = _problems_about(tmp_path, "clinician text is empty")
    assert hits and "alpha" in hits[0]


def test_public_text_above_grade_8_names_item(tmp_path: Path) -> None:
    hard = (
        "Comprehensive multidisciplinary individualization of pharmacological interventions "
        "necessitates meticulous consideration of heterogeneous pathophysiological characteristics, "
        "concomitant comorbidities, and anticipated toxicological consequences throughout administration."
    )
    _write(tmp_path, [_topic("alpha"), _topic("dense", public=hard)])
    hits = _problems_about(tmp_path, "reads at grade")
    assert len(hits) == 1 and "dense" in hits[0]


def test_bad_yaml_names_the_file(tmp_path: Path) -> None:
    _write(tmp_path, "- id: alpha\n  kind: topic\n  title: [unclosed\n", name="broken.yaml")
    hits = _problems_about(tmp_path, "broken.yaml")
    assert hits and "YAML" in hits[0]


def test_file_that_is_not_a_list_is_reported(tmp_path: Path) -> None:
    _write(tmp_path, "id: alpha\nkind: topic\n", name="mapping.yaml")
    assert _problems_about(tmp_path, "mapping.yaml")


def test_bad_source_entry_is_reported(tmp_path: Path) -> None:
    _write(tmp_path, [_topic("alpha")])
    bad = {**SOURCE, "id": "src-bad", "url": "not a url"}
    (tmp_path / "sources" / "extra.yaml").write_text(yaml.safe_dump([bad]), encoding="utf-8")
    assert _problems_about(tmp_path, "src-bad")
