"""The general part of the knowledge base: topics, subtypes, risk factors, sites, tests, statistics
and resources. Golden tests compare figures with the cited publication, named in the test."""

from __future__ import annotations

import re

import pytest

from mbcnav.knowledge import schema
from mbcnav.knowledge.check import check_items
from mbcnav.knowledge.loader import read_all
from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, reading_grade
from mbcnav.knowledge.schema import ItemBase, KnowledgeBase, RiskFactor, Site, Statistic, Subtype

GENERAL_FILES = (
    "topics.yaml",
    "subtypes.yaml",
    "risk_factors.yaml",
    "sites.yaml",
    "tests.yaml",
    "statistics.yaml",
    "resources.yaml",
)


def _item(kb: KnowledgeBase, item_id: str) -> ItemBase:
    item = kb.get(item_id)
    assert item is not None, f"missing item {item_id}"
    return item


def _from(kb: KnowledgeBase, filename: str) -> list[ItemBase]:
    return [item for item in kb.items if kb.origins.get(item.id) == filename]


def test_general_files_have_no_problems() -> None:
    base, load_problems = read_all()
    mine = [p for p in [*load_problems, *check_items(base)] if p.split(":")[0] in GENERAL_FILES]
    assert not mine, mine
    for name in GENERAL_FILES:
        assert _from(base, name), f"{name} holds no valid item"


def test_general_sources_file_loads_without_problems() -> None:
    _, problems = read_all()
    assert not [p for p in problems if p.startswith("general.yaml")]


@pytest.mark.parametrize(
    ("filename", "kind", "minimum"),
    [
        ("topics.yaml", "topic", 12),
        ("subtypes.yaml", "subtype", 9),
        ("risk_factors.yaml", "risk_factor", 15),
        ("sites.yaml", "site", 10),
        ("tests.yaml", "test", 18),
        ("statistics.yaml", "statistic", 5),
        ("resources.yaml", "resource", 12),
    ],
)
def test_each_general_file_covers_its_minimum(
    kb: KnowledgeBase, filename: str, kind: str, minimum: int
) -> None:
    items = _from(kb, filename)
    assert all(item.kind == kind for item in items)
    assert len(items) >= minimum


def test_general_public_text_reads_at_grade_8_or_below(kb: KnowledgeBase) -> None:
    items = [item for name in GENERAL_FILES for item in _from(kb, name)]
    too_hard = {item.id: grade for item in items if (grade := reading_grade(item.public)) > MAX_PUBLIC_GRADE}
    assert not too_hard


def test_every_general_item_has_lay_aliases(kb: KnowledgeBase) -> None:
    missing = [item.id for name in GENERAL_FILES for item in _from(kb, name) if not item.aliases]
    assert not missing


def test_topics_cover_the_issue_list(kb: KnowledgeBase) -> None:
    for item_id in (
        "what-is-mbc",
        "staging-stage-iv",
        "de-novo-vs-recurrent-mbc",
        "how-breast-cancer-spreads",
        "treatable-not-curable",
        "living-with-mbc",
        "local-recurrence-not-metastatic",
        "men-with-mbc",
        "pregnancy-fertility-mbc",
        "clinical-trials-basics",
        "palliative-care-basics",
        "how-to-get-help-today",
    ):
        assert _item(kb, item_id).kind == "topic"


def test_dcis_is_not_invasive_and_cannot_spread(kb: KnowledgeBase) -> None:
    dcis = _item(kb, "subtype-dcis")
    assert isinstance(dcis, Subtype) and dcis.invasive is False
    assert "cannot spread" in dcis.public


def test_her2_ish_groups_against_asco_cap_2018(kb: KnowledgeBase) -> None:
    text = _item(kb, "subtype-her2-positive").clinician
    for group in ("group 1", "group 2", "group 3", "group 4", "group 5"):
        assert group in text
    assert "concurrent IHC review" in text
    assert ">= 2.0 and mean HER2 >= 4.0" in text
    assert "asco-cap-her2-2018" in _item(kb, "subtype-her2-positive").sources


def test_her2_low_and_ultralow_are_not_asco_cap_categories(kb: KnowledgeBase) -> None:
    for item_id in ("subtype-her2-low", "subtype-her2-ultralow"):
        assert "not an ASCO/CAP" in _item(kb, item_id).clinician


def test_er_low_range_against_asco_cap_2020(kb: KnowledgeBase) -> None:
    item = _item(kb, "subtype-er-low")
    assert "1-10%" in item.clinician and "asco-cap-er-pr-2020" in item.sources


def test_brain_frequency_against_kuksis_2021(kb: KnowledgeBase) -> None:
    brain = _item(kb, "site-brain")
    assert isinstance(brain, Site)
    for figure in ("31%", "32%", "15%"):
        assert figure in brain.frequency
    assert "kuksis-2021-brain-mets" in brain.sources


def test_liver_frequency_against_mathew_2017(kb: KnowledgeBase) -> None:
    liver = _item(kb, "site-liver")
    assert isinstance(liver, Site)
    assert "49.0%" in liver.frequency and "11.4%" in liver.frequency
    assert "50-60%" not in liver.frequency  # the outdated explainer figure
    assert "mathew-2017-ilc-pattern" in liver.sources


def test_bone_frequency_against_gong_2018(kb: KnowledgeBase) -> None:
    bone = _item(kb, "site-bone")
    assert isinstance(bone, Site)
    assert "65.1%" in bone.frequency and "gong-2018-bone-mets-seer" in bone.sources


def test_every_site_frequency_cites_a_source_and_describes_care(kb: KnowledgeBase) -> None:
    for item in _from(kb, "sites.yaml"):
        assert isinstance(item, Site)
        assert item.sources and item.care.strip() and len(item.symptoms) >= 3


@pytest.mark.parametrize(
    ("site_id", "words"),
    [
        ("site-bone", ("zoledronic acid", "denosumab", "Radiation")),
        ("site-brain", ("radiosurgery", "Whole-brain", "Surgery")),
        ("site-pleura", ("thoracentesis", "pleurodesis", "catheter")),
        ("site-leptomeninges", ("intrathecal",)),
    ],
)
def test_site_care_names_the_standard_options(
    kb: KnowledgeBase, site_id: str, words: tuple[str, ...]
) -> None:
    care = _item(kb, site_id)
    assert isinstance(care, Site)
    for word in words:
        assert word.lower() in care.care.lower()


def test_ebctcg_20_year_risks_against_pan_2017(kb: KnowledgeBase) -> None:
    text = _item(kb, "risk-recurrence-stage-nodes").clinician
    for figure in ("22% (N0)", "31% (N1-3)", "52% (N4-9)", "T1N0 13%", "T2N4-9 41%"):
        assert figure in text


@pytest.mark.parametrize(
    ("item_id", "evidence"),
    [
        ("risk-claim-weak-immune-system", "not_supported"),
        ("risk-claim-environmental-chemicals", "limited"),
        ("risk-claim-antiperspirants-bras", "not_supported"),
        ("risk-inherited-brca", "established"),
        ("risk-chest-radiation", "established"),
    ],
)
def test_popular_claims_and_established_risks_are_graded(
    kb: KnowledgeBase, item_id: str, evidence: str
) -> None:
    item = _item(kb, item_id)
    assert isinstance(item, RiskFactor) and item.evidence == evidence


def test_late_recurrence_applies_to_metastatic_recurrence(kb: KnowledgeBase) -> None:
    item = _item(kb, "late-recurrence-hr-positive")
    assert isinstance(item, RiskFactor) and item.applies_to == "metastatic_recurrence"
    assert "ebctcg-pan-2017" in item.sources


def test_seer_stage_survival_against_seer_statfacts_2013_2019(kb: KnowledgeBase) -> None:
    expected = {
        "seer-distant-5yr-survival": 31.0,
        "seer-localized-5yr-survival": 99.3,
        "seer-regional-5yr-survival": 86.3,
    }
    for item_id, value in expected.items():
        item = _item(kb, item_id)
        assert isinstance(item, Statistic)
        assert item.value == value and item.unit == "percent" and "2013-2019" in item.years


def test_distant_survival_by_subtype_against_seer_subtype_statfacts(kb: KnowledgeBase) -> None:
    expected = {
        "distant-survival-hr-positive-her2-negative": 34.0,
        "distant-survival-her2-positive": 45.6,
        "distant-survival-triple-negative": 12.8,
    }
    for item_id, value in expected.items():
        item = _item(kb, item_id)
        assert isinstance(item, Statistic) and item.value == value


def test_median_os_against_abc5(kb: KnowledgeBase) -> None:
    item = _item(kb, "median-os-mbc-overall")
    assert isinstance(item, Statistic) and item.value == 3 and item.unit == "years"
    assert "abc5" in item.sources


def test_distant_survival_explains_what_it_does_not_mean(kb: KnowledgeBase) -> None:
    text = _item(kb, "seer-distant-5yr-survival").public.lower()
    assert "average" in text and "does not say what will happen to you" in text
    assert "came back" in text  # recurrent MBC is not counted


def test_survival_statistics_are_never_personal_predictions(kb: KnowledgeBase) -> None:
    for item in _from(kb, "statistics.yaml"):
        assert isinstance(item, Statistic)
        text = item.public.lower()
        assert not re.search(r"\byou will (live|die|survive)\b|\byour chance of living\b", text)
        if "survival" in item.title.lower():
            assert "average" in text, item.id


def test_brain_mri_screening_is_not_standard(kb: KnowledgeBase) -> None:
    item = _item(kb, "test-brain-mri")
    assert isinstance(item, schema.Test) and item.category == "imaging"
    assert "not a standard NCCN/ESMO recommendation" in item.clinician
    assert "not a routine test" in item.public


def test_tumor_markers_are_adjuncts_against_asco(kb: KnowledgeBase) -> None:
    item = _item(kb, "test-tumor-markers")
    assert "adjuncts" in item.clinician and "4-6 weeks" in item.clinician
    assert {"asco-biomarkers-mbc-2022", "asco-tumor-markers-2007"} <= set(item.sources)


def test_tests_cover_each_category(kb: KnowledgeBase) -> None:
    categories = {item.category for item in _from(kb, "tests.yaml") if isinstance(item, schema.Test)}
    assert {"history_exam", "imaging", "biopsy", "blood", "genomic", "germline", "other"} <= categories


def test_resources_have_https_urls_and_offers(kb: KnowledgeBase) -> None:
    for item in _from(kb, "resources.yaml"):
        assert str(item.url).startswith("https://"), item.id  # type: ignore[attr-defined]
        assert item.offers.strip()  # type: ignore[attr-defined]


def test_call_to_action_gives_emergency_and_helpline_numbers(kb: KnowledgeBase) -> None:
    text = _item(kb, "how-to-get-help-today").public
    assert "911" in text and "1-800-422-6237" in text
