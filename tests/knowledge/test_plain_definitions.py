"""Jargon in the public voice (medical editor's review, item 6): the terms patients meet most in drug
and treatment items are explained where they appear, and the pasted HER2 definition is gone from items
that are not about HER2."""

from __future__ import annotations

from pathlib import Path

import pytest

from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.yamlfile import load_yaml

HER2_BOILERPLATE = "HER2 is a protein that can help cancer cells grow."
RULES = Path(__file__).resolve().parents[2] / "src" / "mbcnav" / "reasoning" / "rules"


def _public(item_id: str) -> str:
    item = load_knowledge_base().get(item_id)
    assert item is not None, item_id
    return " ".join(item.public.split())


@pytest.mark.parametrize("item_id", [
    "palbociclib", "ribociclib", "abemaciclib", "faq-cdk46-inhibitor", "treatment-cdk46", "treatment-parp",
    "regimen-letrozole-palbociclib", "regimen-olaparib", "test-pik3ca-akt1-pten", "test-echocardiogram",
    "symptom-morning-headache",
])
def test_her2_definition_is_not_pasted_where_her2_is_not_the_subject(item_id: str) -> None:
    assert HER2_BOILERPLATE not in _public(item_id)


@pytest.mark.parametrize("item_id", ["trastuzumab", "pertuzumab", "subtype-her2-low"])
def test_her2_is_still_defined_where_it_is_the_subject(item_id: str) -> None:
    assert HER2_BOILERPLATE in _public(item_id)


@pytest.mark.parametrize(("item_id", "term", "plain"), [
    ("treatment-endocrine", "aromatase inhibitor", "stop the body from making estrogen"),
    ("treatment-endocrine", "CDK4/6 inhibitor", "proteins that cancer cells use to divide"),
    ("treatment-cdk46", "CDK4/6", "help cells divide"),
    ("anastrozole", "CDK4/6", "cancer cells use to divide"),
    ("faq-why-not-tamoxifen", "CDK4/6", "cancer cells use to divide"),
    ("faq-men-with-mbc", "aromatase inhibitor", "stops the body making estrogen"),
    ("elacestrant", "ESR1", "the gene for the estrogen receptor"),
    ("treatment-oral-serd", "ESR1", "makes the estrogen receptor"),
    ("test-esr1-ctdna", "ESR1", "the gene for the estrogen receptor"),
    ("test-pdl1-cps", "PD-L1", "hide from the immune system"),
    ("oligometastatic-disease", "oligometastatic", "only a few small spots"),
])
def test_jargon_is_explained_in_plain_words(item_id: str, term: str, plain: str) -> None:
    text = _public(item_id)
    assert term in text and plain in text


def test_vaginal_dryness_advice_agrees_with_the_safety_rules() -> None:
    """The item names the hormone-containing products that the safety rules flag, and puts
    non-hormonal care first, as the rules' alert text does."""
    rows = load_yaml((RULES / "comedications.yaml").read_text(encoding="utf-8"))
    meds = {row["name"]: row for row in rows}
    text = _public("symptom-vaginal-dryness")
    assert "no hormones" in text and "moisturizer" in text
    for name in ("prasterone", "ospemifene"):
        assert name in text
        assert "not_for_breast_cancer" in meds[name]["classes"]
    assert "estrogen creams" in text
