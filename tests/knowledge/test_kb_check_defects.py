"""`run_check` must fail, naming the item (or file), on each kind of defect in a knowledge data dir.

Each test builds a small, otherwise valid data directory in tmp_path, breaks one thing, and runs
the real check on it. A control test proves the unbroken directory passes, so every failure below
is caused by the one defect it introduces.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from mbcnav.knowledge.check import CheckReport, run_check
from mbcnav.knowledge.loader import DATA_DIR

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


# The small bases below are judged as of one fixed day and without the issue's coverage minimums
# (those get their own test on a copy of the shipped base).
TODAY = dt.date(2026, 11, 26)


def _check(data_dir: Path) -> CheckReport:
    return run_check(data_dir, minimums={}, today=TODAY)


def _problems_about(data_dir: Path, needle: str) -> list[str]:
    report = _check(data_dir)
    assert not report.ok
    return [p for p in report.problems if needle in p]


def test_valid_small_data_dir_passes(tmp_path: Path) -> None:
    _write(tmp_path, [_topic("alpha"), _topic("beta", related=["alpha"])])
    report = _check(tmp_path)
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


# --- kind-specific defects: one valid item of each kind, then one field broken ---------------------

def _base(item_id: str, kind: str, fields: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    return {**_topic(item_id), "kind": kind, **fields, **changes}


def _drug(**changes: Any) -> dict[str, Any]:
    fields = {"generic": "drugone", "brands": ["Brandone"], "drug_class": "a class",
              "category": "chemotherapy", "mechanism": "Stops cells from dividing.",
              "used_when": "Later lines.",
              "common_effects": ["tiredness"], "serious_effects": ["infection"],
              "monitoring": ["blood counts"]}
    return _base("drugone", "drug", fields, changes)


def _site(**changes: Any) -> dict[str, Any]:
    fields = {"site_code": "bone", "frequency": "65.1% (Gong 2018).",
              "frequency_public": "About 2 in 3 people.", "symptoms": ["bone pain"],
              "care": "Rest and drugs."}
    return _base("site-one", "site", fields, changes)


def _regimen(**changes: Any) -> dict[str, Any]:
    return _base("regimen-one", "regimen", {"drugs": ["drugone"], "trials": []}, changes)


def _symptom(**changes: Any) -> dict[str, Any]:
    fields = {"phrasings": ["my back hurts"], "sites": ["bone"], "red_flag": "spinal_cord_compression",
              "level": "emergency", "action_public": "Call 911 now.",
              "action_clinician": "Dexamethasone 16 mg; MRI within 24 h."}
    return _base("symptom-one", "symptom", fields, changes)


def test_valid_item_of_each_checked_kind_passes(tmp_path: Path) -> None:
    _write(tmp_path, [_drug(), _site(), _regimen(), _symptom()])
    report = _check(tmp_path)
    assert report.ok, report.problems


def test_regimen_naming_a_missing_drug_fails(tmp_path: Path) -> None:
    _write(tmp_path, [_drug(), _regimen(drugs=["drugone", "unobtainium"])])
    hits = _problems_about(tmp_path, "'unobtainium'")
    assert hits and "regimen-one" in hits[0]


def test_symptom_red_flag_outside_the_documented_list_fails(tmp_path: Path) -> None:
    _write(tmp_path, [_symptom(red_flag="made_up_flag")])
    hits = _problems_about(tmp_path, "red_flag 'made_up_flag'")
    assert hits and "symptom-one" in hits[0]


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (_drug(mechanism=""), "mechanism"),
        (_drug(used_when="  "), "used_when"),
        (_drug(common_effects=[""]), "common_effects"),
        (_site(frequency=""), "frequency"),
        (_site(care=""), "care"),
        (_symptom(action_public=""), "action_public"),
    ],
)
def test_empty_required_text_field_fails(tmp_path: Path, item: dict[str, Any], field: str) -> None:
    _write(tmp_path, [item])
    hits = _problems_about(tmp_path, f": {field} ")
    assert hits, _check(tmp_path).problems


def test_site_without_plain_frequency_fails(tmp_path: Path) -> None:
    site = _site()
    del site["frequency_public"]
    _write(tmp_path, [site])
    assert _problems_about(tmp_path, "frequency_public")


def test_review_date_in_the_future_fails(tmp_path: Path) -> None:
    _write(tmp_path, [_topic("alpha"), _topic("later", reviewed="2099-01-01")])
    hits = _problems_about(tmp_path, "in the future")
    assert len(hits) == 1 and "later" in hits[0]


def test_review_older_than_two_years_fails(tmp_path: Path) -> None:
    _write(tmp_path, [_topic("alpha", reviewed="2024-11-27"), _topic("stale", reviewed="2024-11-25")])
    hits = _problems_about(tmp_path, "years ago")
    assert len(hits) == 1 and "stale" in hits[0]


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (_site(frequency_public="Osseous dissemination predominates irrespective of immunohistochemical "
                                "phenotype, particularly in hormone-receptor-positive malignancies."),
         "frequency_public"),
        (_base("resource-one", "resource", {"organization": "Org", "url": "https://example.org"},
               {"offers": "Comprehensive multidisciplinary psychosocial interventions, individualized "
                          "informational resources and complimentary accommodation programs."}), "offers"),
        (_base("faq-one", "faq", {}, {"question": "Does immunotherapy necessitate programmed death-ligand "
                                                  "immunohistochemistry beforehand?"}), "question"),
    ],
)
def test_hard_public_field_fails(tmp_path: Path, item: dict[str, Any], field: str) -> None:
    _write(tmp_path, [item])
    hits = _problems_about(tmp_path, f"{field} reads at grade")
    assert hits, _check(tmp_path).problems


def test_statistic_public_text_must_state_its_data_years(tmp_path: Path) -> None:
    stat = _base("stat-one", "statistic", {"value": 31.0, "unit": "percent", "population": "US women",
                                           "years": "diagnosed 2013-2019 (SEER 22)"}, {})
    dated = {**stat, "id": "stat-two",
             "public": "About 31 in 100 lived 5 years. They were found 2013 to 2019."}
    _write(tmp_path, [stat, dated])
    hits = _problems_about(tmp_path, "data years (2013-2019)")
    assert len(hits) == 1 and "stat-one" in hits[0]


def test_shipped_copy_below_the_issue_minimums_fails(tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    (copy / "faqs.yaml").write_text("[]\n", encoding="utf-8")
    report = run_check(copy)
    hits = [p for p in report.problems if p.startswith("coverage:")]
    assert hits == ["coverage: 0 faq, the issue asks for at least 30"], report.problems


def test_two_source_ids_for_one_url_fail(tmp_path: Path) -> None:
    _write(tmp_path, [_topic("alpha")])
    twin = {**SOURCE, "id": "src-twin", "url": "https://example.org/reference/"}
    (tmp_path / "sources" / "extra.yaml").write_text(yaml.safe_dump([twin]), encoding="utf-8")
    hits = _problems_about(tmp_path, "same url")
    assert hits and "src-twin" in hits[0] and "src-one" in hits[0]


def test_source_no_item_or_rule_cites_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    _write(tmp_path, [_topic("alpha")])
    lonely = {**SOURCE, "id": "src-lonely", "url": "https://example.org/lonely"}
    (tmp_path / "sources" / "extra.yaml").write_text(yaml.safe_dump([lonely]), encoding="utf-8")
    report = _check(tmp_path)
    assert report.ok, report.problems
    assert report.warnings == ("source 'src-lonely' is not cited by any item",)


def test_an_alias_that_is_another_drugs_generic_name_fails(tmp_path: Path) -> None:
    """Phesgo once listed "pertuzumab" and "trastuzumab" as aliases: a YAML list split of its full name."""
    other = {**_drug(), "id": "drugtwo", "generic": "drugtwo", "brands": ["Brandtwo"], "aliases": ["drugone"]}
    _write(tmp_path, [_drug(), other])
    hits = _problems_about(tmp_path, "alias 'drugone' is another drug's generic name")
    assert hits and "drugtwo" in hits[0]
