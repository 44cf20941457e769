"""Corrections from the medical editor's KB review (scratch-kbrev report, items 1, 2 and 7).

Item 1: the reasoning core already ranks first-line sacituzumab govitecan (ASCENT-03, ASCENT-04) and
datopotamab deruxtecan (TROPION-Breast02) for metastatic TNBC, FDA-approved in May and June 2026, while
the knowledge base still called them later-line drugs; a reader of ``learn``/``ask`` would think the
engine's top option was off-label. Item 2: "rare" lung damage for T-DXd, which inflames the lungs in
about 1 in 8 (label boxed warning, ~12% pooled; 12.1% in DESTINY-Breast04/-09). Item 7: wording.
"""

from __future__ import annotations

import re

import pytest

from mbcnav.knowledge.schema import Drug, ItemBase, KnowledgeBase, Regimen
from mbcnav.reasoning.therapy import regimens

FIRST_LINE_TNBC_SOURCES = {"ascent-03", "ascent-04", "fda-approval-sacituzumab-1l-tnbc-2026",
                           "tropion-breast02", "fda-label-datopotamab-deruxtecan-tnbc-2026"}
TDXD_NAMES = re.compile(r"T-DXd|Enhertu|trastuzumab deruxtecan", re.IGNORECASE)


def _item(kb: KnowledgeBase, item_id: str) -> ItemBase:
    item = kb.get(item_id)
    assert item is not None, item_id
    return item


# ---------------------------------------------------------------- item 1: first-line TNBC ADCs


def test_sacituzumab_states_the_first_line_tnbc_indications_of_ascent_03_and_04(kb: KnowledgeBase) -> None:
    drug = _item(kb, "sacituzumab-govitecan")
    assert isinstance(drug, Drug)
    assert drug.used_when.startswith("First-line")
    assert "ASCENT-03" in drug.used_when and "ASCENT-04" in drug.used_when
    assert "CPS >= 10" in drug.used_when
    assert {"ascent-03", "ascent-04", "fda-approval-sacituzumab-1l-tnbc-2026"} <= set(drug.sources)
    # ASCENT-03 and ASCENT-04 (Cortes NEJM 2025; Tolaney NEJM 2026) as the approval reports quote them.
    assert "PFS 9.7 vs 6.9 mo (HR 0.62)" in drug.clinician
    assert "PFS 11.2 vs 7.8 mo" in drug.clinician
    assert "first treatment" in drug.public


def test_datopotamab_states_the_first_line_tnbc_indication_of_tropion_breast02(kb: KnowledgeBase) -> None:
    drug = _item(kb, "datopotamab-deruxtecan")
    assert isinstance(drug, Drug)
    assert "triple-negative" in drug.used_when and "TROPION-Breast02" in drug.used_when
    assert "22 May 2026" in drug.used_when
    assert {"tropion-breast02", "fda-label-datopotamab-deruxtecan-tnbc-2026"} <= set(drug.sources)
    assert "OS 23.7 vs 18.7 mo (HR 0.79)" in drug.clinician
    assert "triple-negative" in drug.public


TNBC_TREATMENT_ITEMS = ["sacituzumab-govitecan", "regimen-sacituzumab-govitecan", "subtype-triple-negative",
                        "treatment-adc", "treatment-immunotherapy", "faq-immunotherapy-tnbc",
                        "datopotamab-deruxtecan", "regimen-datopotamab-deruxtecan", "treatment-overview",
                        "pembrolizumab", "test-pdl1-cps"]


@pytest.mark.parametrize("item_id", TNBC_TREATMENT_ITEMS)
def test_tnbc_treatment_items_cite_the_2026_first_line_approvals(kb: KnowledgeBase, item_id: str) -> None:
    item = _item(kb, item_id)
    assert FIRST_LINE_TNBC_SOURCES & set(item.sources), item_id
    assert str(item.reviewed) == "2026-11-26"


def test_no_text_limits_sacituzumab_to_later_lines_in_tnbc(kb: KnowledgeBase) -> None:
    stale = re.compile(r"after two treatments|sacituzumab govitecan\) in later\s+lines"
                       r"|for triple-negative cancer after two", re.IGNORECASE)
    problems = [f"{item.id}.{field}" for item in kb.items for field in ("public", "clinician", "used_when")
                if stale.search(getattr(item, field, "") or "")]
    assert not problems, problems


def test_the_orphan_first_line_sources_are_cited(kb: KnowledgeBase) -> None:
    cited = {source for item in kb.items for source in item.sources}
    assert cited >= FIRST_LINE_TNBC_SOURCES


def test_a_sacituzumab_pembrolizumab_regimen_item_exists(kb: KnowledgeBase) -> None:
    regimen = _item(kb, "regimen-sacituzumab-govitecan-pembrolizumab")
    assert isinstance(regimen, Regimen)
    assert set(regimen.drugs) == {"sacituzumab govitecan", "pembrolizumab"}
    assert "ascent-04" in regimen.sources
    assert "10 or more" in regimen.public


def test_drug_items_cite_the_trials_behind_the_engines_first_line_tnbc_options(kb: KnowledgeBase) -> None:
    """Every first-line TNBC option the reasoning core ranks must be backed by its drugs' KB items."""
    checked = 0
    for rule in regimens():
        if not {"tnbc_like", "line1"} <= rule.when.all:
            continue
        trials = [s for s in rule.sources if s.startswith(("ascent", "tropion"))]
        for drug_name in rule.drugs:
            drug = next(i for i in kb.items if isinstance(i, Drug) and i.generic == drug_name)
            for trial in trials:
                assert trial in drug.sources, f"{rule.id}: {drug.id} does not cite {trial}"
                checked += 1
    assert checked >= 3


# ---------------------------------------------------------------- item 2: T-DXd lung risk


def test_no_public_text_calls_tdxd_lung_damage_rare(kb: KnowledgeBase) -> None:
    problems = []
    for item in kb.items:
        for field in ("public", "action_public"):
            text = getattr(item, field, None) or ""
            for sentence in re.split(r"(?<=[.!?])\s+", text):
                rare = re.search(r"\brare(ly)?\b", sentence, re.IGNORECASE)
                if rare and "lung" in sentence.lower() and TDXD_NAMES.search(text):
                    problems.append(f"{item.id}.{field}: {sentence}")
    assert not problems, problems


@pytest.mark.parametrize("item_id", ["trastuzumab-deruxtecan", "faq-what-is-tdxd", "treatment-adc"])
def test_tdxd_public_text_gives_lung_frequency_and_same_day_call(kb: KnowledgeBase, item_id: str) -> None:
    public = _item(kb, item_id).public
    assert "1 in 8" in public
    assert "same day" in public
    assert "cough" in public and "shortness of breath" in public


# ---------------------------------------------------------------- item 7: wording


def test_her2_positive_subtype_has_no_luminal_b_alias(kb: KnowledgeBase) -> None:
    """Luminal B also covers HER2-negative high-Ki-67 tumours, so it must not route to HER2-positive."""
    aliases = {a.lower() for a in _item(kb, "subtype-her2-positive").aliases}
    assert "luminal b" not in aliases


def test_tamoxifen_is_not_said_to_require_ovarian_suppression_before_menopause(kb: KnowledgeBase) -> None:
    drug = _item(kb, "tamoxifen")
    assert isinstance(drug, Drug)
    assert "it is given with ovarian suppression" not in drug.used_when
    assert "on its own" in drug.used_when
    assert "ovarian" in drug.clinician and "ABC 5" in drug.clinician


@pytest.mark.parametrize("item_id", ["site-bone", "symptom-back-pain"])
def test_cord_compression_mri_timing_follows_nice_ng234(kb: KnowledgeBase, item_id: str) -> None:
    item = _item(kb, item_id)
    text = item.clinician
    assert "within 1 week" in text and "within 24 hours" in text
    assert "immediately if neurological deficit" not in text
    assert "nice-ng234-mscc" in item.sources
