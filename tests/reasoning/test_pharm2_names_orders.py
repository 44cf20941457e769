"""Second pharmacist sweep (M4, L4): real medicine names that stopped the whole assessment, the
"did you mean" that offered an aspirin product for Tylenol, and the order row of an aromatase
inhibitor proposed beside current tamoxifen that said "no alert"."""

from __future__ import annotations

import pytest
from _helpers import hr_positive_case as _case

from mbcnav.case import parse_case
from mbcnav.drugnames import read_drug_name, resolve_drug
from mbcnav.errors import UnknownDrugError
from mbcnav.reasoning.assess import assess

SWEEP_NAMES = {
    "Reclast": "zoledronic acid (reclast)",
    "Ortho Tri-Cyclen": "norgestimate-ethinyl estradiol",
    "Yaz": "drospirenone-ethinyl estradiol",
    "Duavee": "conjugated estrogens-bazedoxifene",
    "Unisom": "unisom (doxylamine or diphenhydramine)",
    "Tylenol Extra Strength": "acetaminophen",
    "Tylenol 8 HR": "acetaminophen",
    "Prilosec OTC": "omeprazole",
    "Nexium 24HR": "esomeprazole",
    "Claritin-D": "loratadine-pseudoephedrine",
    "Mucinex DM": "guaifenesin-dextromethorphan",
    "Senna-S": "senna-docusate",
    "prenatal vitamins": "multivitamin",
    "calcium carbonate + vitamin D3": "calcium carbonate",
}


@pytest.mark.parametrize(("written", "generic"), sorted(SWEEP_NAMES.items()))
def test_sweep_medicine_names_resolve(written: str, generic: str) -> None:
    assert resolve_drug(written) == generic


def test_whole_sweep_medicine_list_is_assessed() -> None:
    assessment = assess(parse_case(_case(list(SWEEP_NAMES))))
    assert assessment.subtype == "HR+/HER2-"


def test_pack_words_are_reported_as_set_aside() -> None:
    reading = read_drug_name("Tylenol Extra Strength")
    assert (reading.generic, reading.set_aside) == ("acetaminophen", ("Extra Strength",))
    assert read_drug_name("Nexium 24HR").set_aside == ("24HR",)


def test_named_combination_with_pack_words_keeps_its_own_ingredients() -> None:
    """Excedrin Extra Strength holds aspirin: it is listed by its full name and must not lose it."""
    assert resolve_drug("Excedrin Extra Strength") == "aspirin-acetaminophen-caffeine"


@pytest.mark.parametrize(
    "written", ["Tylenol Extra Strength PM", "Tylenol Extr Strength", "Tylenol Extra Strngth"]
)
def test_tylenol_suggestions_never_offer_another_medicine(written: str) -> None:
    with pytest.raises(UnknownDrugError) as caught:
        read_drug_name(written)
    assert not any("excedrin" in s or "aspirin" in s for s in caught.value.suggestions)
    assert all("acetaminophen" in s for s in caught.value.suggestions)


def test_reclast_with_denosumab_is_a_duplicate_bone_agent() -> None:
    assessment = assess(parse_case(_case(["Reclast"], [{"drug": "Xgeva", "dose_mg": 120}])))
    alerts = [a for a in assessment.safety_alerts if a.code == "bone_agent_duplicate"]
    assert alerts and alerts[0].severity == "contraindication"
    assert "zoledronic acid (reclast)" in alerts[0].clinician


@pytest.mark.parametrize("pill", ["Yaz", "Ortho Tri-Cyclen", "Duavee"])
def test_estrogen_products_flag_an_aromatase_inhibitor(pill: str) -> None:
    assessment = assess(parse_case(_case([pill], [{"drug": "letrozole", "dose_mg": 2.5}])))
    assert "ai_estrogen" in {a.code for a in assessment.safety_alerts}


def test_ai_order_row_names_the_tamoxifen_contraindication() -> None:
    """Report p29: current Nolvadex, proposed anastrozole; the alert sits on tamoxifen."""
    case = _case(["Nolvadex"], [{"drug": "anastrozole", "dose_mg": 1}])
    case["patient"]["menopausal"] = "post"
    assessment = assess(parse_case(case))
    [row] = assessment.proposed_orders
    assert row.drug == "anastrozole"
    assert row.result == "contraindicated"
    assert "tamoxifen_with_ai" in row.alerts
    assert row.alternatives == ()
