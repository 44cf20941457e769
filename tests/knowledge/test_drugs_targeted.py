"""The targeted/endocrine/immunotherapy medicines, their regimens and trial sources, through the
public interfaces: the `mbcnav drug` command, `resolve_drug` and the loaded knowledge base."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from mbcnav.cli import app
from mbcnav.drugnames import resolve_drug
from mbcnav.errors import UnknownDrugError
from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, reading_grade
from mbcnav.knowledge.schema import Drug, Regimen

# Canonical names of common.md, by category: the contract between this file and the reasoning core.
CANONICAL: dict[str, tuple[str, ...]] = {
    "endocrine": (
        "tamoxifen", "toremifene", "anastrozole", "letrozole", "exemestane", "fulvestrant", "elacestrant",
        "imlunestrant", "vepdegestrant", "goserelin", "leuprolide", "megestrol acetate",
    ),
    "cdk46": ("palbociclib", "ribociclib", "abemaciclib"),
    "pi3k_akt_mtor": ("alpelisib", "inavolisib", "capivasertib", "everolimus"),
    "parp": ("olaparib", "talazoparib"),
    "her2": (
        "trastuzumab", "pertuzumab", "pertuzumab-trastuzumab-hyaluronidase", "tucatinib", "lapatinib",
        "neratinib", "margetuximab", "trastuzumab emtansine",
    ),
    "adc": ("trastuzumab deruxtecan", "sacituzumab govitecan", "datopotamab deruxtecan"),
    "immunotherapy": ("pembrolizumab",),
}
ALL_TARGETED = [(cat, name) for cat, names in CANONICAL.items() for name in names]
CHEMOTHERAPY = {
    "paclitaxel", "nab-paclitaxel", "docetaxel", "doxorubicin", "pegylated liposomal doxorubicin",
    "epirubicin", "capecitabine", "gemcitabine", "carboplatin", "cisplatin", "eribulin", "vinorelbine",
    "ixabepilone", "cyclophosphamide", "methotrexate", "fluorouracil",
}
TRIAL_IDS = (
    "monaleesa-2", "monaleesa-3", "monaleesa-7", "paloma-2", "paloma-3", "monarch-2", "monarch-3",
    "solar-1", "inavo120", "capitello-291", "bolero-2", "emerald", "ember-3", "olympiad", "embraca",
    "cleopatra", "destiny-breast03", "destiny-breast04", "destiny-breast06", "destiny-breast09",
    "her2climb", "emilia", "nala", "sophia", "keynote-355", "ascent", "tropics-02", "tropion-breast01",
    "keynote-119", "sperduto-2012-breast-gpa", "sperduto-2020-breast-gpa", "mirels-1989", "recist-1.1",
    "cockcroft-gault-1976", "mosteller-1987", "dubois-1916",
)

runner = CliRunner()


def _drugs() -> dict[str, Drug]:
    return {d.generic: d for d in load_knowledge_base().of_kind("drug") if isinstance(d, Drug)}


@pytest.mark.parametrize("name", ["Ibrance", "ibrance", "IBRANCE", "palbociclib", "PalboCiclib"])
def test_drug_command_finds_palbociclib_by_brand_or_generic_in_any_case(name: str) -> None:
    result = runner.invoke(app, ["drug", name])
    assert result.exit_code == 0, result.output
    assert "Palbociclib" in result.output
    assert "CDK4/6 inhibitor" in result.output


def test_drug_command_kadcyla_shows_trastuzumab_emtansine() -> None:
    result = runner.invoke(app, ["drug", "kadcyla"])
    assert result.exit_code == 0, result.output
    assert "Trastuzumab emtansine" in result.output
    assert "deruxtecan" not in result.output.split("Sources")[0]


def test_drug_command_clinician_voice_shows_trial_numbers() -> None:
    result = runner.invoke(app, ["drug", "Kisqali", "--audience", "clinician"])
    assert result.exit_code == 0, result.output
    assert "63.9" in result.output and "MONALEESA-2" in result.output


def test_unknown_drug_exits_2_with_near_match() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from mbcnav.cli import main; main()", "drug", "palbocyclib"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert "palbociclib" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_drug_error_lists_suggestions() -> None:
    with pytest.raises(UnknownDrugError) as info:
        resolve_drug("abemaciclb")
    assert "abemaciclib" in info.value.suggestions


@pytest.mark.parametrize(
    ("name", "generic"),
    [
        ("Enhertu", "trastuzumab deruxtecan"),
        ("T-DXd", "trastuzumab deruxtecan"),
        ("t-dm1", "trastuzumab emtansine"),
        ("Ogivri", "trastuzumab"),
        ("Kanjinti", "trastuzumab"),
        ("Herceptin Hylecta", "trastuzumab"),
        ("Phesgo", "pertuzumab-trastuzumab-hyaluronidase"),
        ("Dato-DXd", "datopotamab deruxtecan"),
        ("Trodelvy", "sacituzumab govitecan"),
        ("Keytruda", "pembrolizumab"),
        ("Verzenio", "abemaciclib"),
        ("Zoladex", "goserelin"),
        ("Orserdu", "elacestrant"),
        ("Inluriyo", "imlunestrant"),
        ("Veppanu", "vepdegestrant"),
        ("ARV-471", "vepdegestrant"),
        ("Megace", "megestrol acetate"),
    ],
)
def test_brand_and_alias_names_resolve_to_canonical_generic(name: str, generic: str) -> None:
    assert resolve_drug(name) == generic


@pytest.mark.parametrize(("category", "generic"), ALL_TARGETED)
def test_every_canonical_targeted_drug_is_complete(category: str, generic: str) -> None:
    kb = load_knowledge_base()
    drug = _drugs().get(generic)
    assert drug is not None, f"{generic} missing"
    assert drug.category == category
    assert drug.id == generic.replace(" ", "-")
    assert drug.drug_class.strip() and drug.mechanism.strip() and drug.used_when.strip()
    assert drug.common_effects and drug.serious_effects and drug.monitoring
    label = f"fda-label-{generic.replace(' ', '-')}"
    assert label in drug.sources
    assert label in kb.sources and "dailymed.nlm.nih.gov" in str(kb.sources[label].url)
    assert reading_grade(drug.public) <= MAX_PUBLIC_GRADE
    assert drug.clinician.strip()


def test_no_extra_drugs_in_targeted_categories() -> None:
    expected = {name for _, name in ALL_TARGETED}
    found = {g for g, d in _drugs().items() if d.category in CANONICAL}
    assert found == expected


def test_every_trial_and_calculator_source_exists_with_a_paper_link() -> None:
    sources = load_knowledge_base().sources
    for trial_id in TRIAL_IDS:
        assert trial_id in sources, trial_id
        url = str(sources[trial_id].url)
        assert url.startswith(("https://doi.org/", "https://pubmed.ncbi.nlm.nih.gov/")), (trial_id, url)


def test_regimens_name_canonical_drugs_and_their_trials() -> None:
    kb = load_knowledge_base()
    canonical = {name for _, name in ALL_TARGETED} | CHEMOTHERAPY
    regimens = [r for r in kb.of_kind("regimen") if isinstance(r, Regimen)]
    assert len(regimens) >= 13
    for regimen in regimens:
        assert set(regimen.drugs) <= canonical, (regimen.id, set(regimen.drugs) - canonical)
        assert regimen.trials, regimen.id
    by_id = {r.id: r for r in regimens}
    assert by_id["regimen-thp"].trials == ("CLEOPATRA",)
    assert set(by_id["regimen-fulvestrant-inavolisib-palbociclib"].drugs) == {
        "fulvestrant", "inavolisib", "palbociclib",
    }


def test_cleopatra_os_against_swain_2015() -> None:
    """CLEOPATRA final OS is 56.5 vs 40.8 months (NEJM 2015), not the 2020 end-of-study 57.1."""
    kb = load_knowledge_base()
    for item_id in ("pertuzumab", "treatment-her2", "regimen-thp"):
        text = kb.get(item_id).clinician  # type: ignore[union-attr]
        assert "56.5 vs 40.8" in text, item_id


def test_endocrine_overview_puts_ai_plus_cdk46_first_not_tamoxifen() -> None:
    item = load_knowledge_base().get("treatment-endocrine")
    assert item is not None
    assert "fulvestrant plus a CDK4/6 inhibitor" in item.clinician
    assert "not the default" in item.clinician


def test_treatments_cover_every_kind_of_treatment() -> None:
    treatments = load_knowledge_base().of_kind("treatment")
    assert len(treatments) >= 15
    categories = {t.category for t in treatments}  # type: ignore[attr-defined]
    for needed in ("endocrine", "cdk46", "pi3k_akt_mtor", "her2", "adc", "parp", "immunotherapy",
                   "chemotherapy", "local", "bone", "supportive", "palliative", "trial", "overview"):
        assert needed in categories, needed
