"""Everyday medicines resolve by any of their names, carry the interaction classes their labels (or the
FDA table, or CredibleMeds) support, and those classes give the expected alerts with anticancer drugs.
Also the medicine rule of safety.yaml: teriparatide/abaloparatide with bone metastases (Forteo and
Tymlos labels, Warnings and Precautions 5.1: avoid in people with bone metastases)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from mbcnav.case import parse_case
from mbcnav.drugnames import COMEDICATIONS_FILE, known_generic, resolve_drug
from mbcnav.errors import UnknownDrugError
from mbcnav.reasoning import flags, safety
from mbcnav.reasoning.assess import assess

ROWS: list[dict[str, Any]] = yaml.safe_load(COMEDICATIONS_FILE.read_text(encoding="utf-8"))

#: names people write on real medicine lists that once stopped the assessment (unknown drug)
EVERYDAY_NAMES = {
    "dextroamphetamine": "dextroamphetamine",
    "Adderall": "amphetamine-dextroamphetamine",
    "amphetamine salts": "amphetamine-dextroamphetamine",
    "potassium": "potassium chloride",
    "ergocalciferol": "ergocalciferol",
    "vitamin D2": "ergocalciferol",
    "Vitamin D": "cholecalciferol",
    "propranolol": "propranolol",
    "hydroxyzine": "hydroxyzine",
    "folic acid": "folic acid",
    "Benicar": "olmesartan",
    "Victoza": "liraglutide",
    "Topamax": "topiramate",
    "Abilify": "aripiprazole",
    "Risperdal": "risperidone",
    "nortriptyline": "nortriptyline",
    "Buspar": "buspirone",
    "Ritalin": "methylphenidate",
    "Detrol": "tolterodine",
    "Suboxone": "buprenorphine",
    "Narcan": "naloxone",
    "budesonide": "budesonide",
    "nystatin": "nystatin",
    "sulfamethoxazole-trimethoprim": "trimethoprim-sulfamethoxazole",
    "Bactrim DS": "trimethoprim-sulfamethoxazole",
    "Flagyl": "metronidazole",
    "clindamycin": "clindamycin",
    "Miralax": "polyethylene glycol",
    "Phenergan": "promethazine",
    "lidocaine patch": "lidocaine",
    "Lidoderm": "lidocaine",
    "Prometrium": "progesterone",
    "Depo-Provera": "medroxyprogesterone",
    "Evista": "raloxifene",
    "Forteo": "teriparatide",
    "Tymlos": "abaloparatide",
    "Armour Thyroid": "thyroid",
    "multivitamin": "multivitamin",
    "vitamin B12": "cyanocobalamin",
    "fish oil": "fish oil",
    "omega-3": "fish oil",
    "curcumin": "turmeric",
    "melatonin": "melatonin",
    "ginger": "ginger",
    "probiotic": "probiotics",
    "Norco": "hydrocodone-acetaminophen",
    "Mounjaro": "tirzepatide",
    "Trulicity": "dulaglutide",
    "Zantac 360": "famotidine",
    "CBD": "cannabidiol",
    "medical marijuana": "cannabis",
    "Voltaren Gel": "diclofenac",
}


@pytest.mark.parametrize(("name", "generic"), sorted(EVERYDAY_NAMES.items()))
def test_everyday_medicine_names_resolve(name: str, generic: str) -> None:
    assert resolve_drug(name) == generic


def test_every_name_of_every_comedication_resolves_to_its_own_row() -> None:
    """A name already taken (by an anticancer drug or an earlier row) would silently resolve elsewhere."""
    wrong = [
        (name, row["name"], known_generic(name))
        for row in ROWS
        for name in (row["name"], *row.get("brands", ()), *row.get("aliases", ()))
        if known_generic(name) != row["name"]
    ]
    assert wrong == []


def test_every_comedication_class_is_a_documented_interaction_class() -> None:
    header = COMEDICATIONS_FILE.read_text(encoding="utf-8").split("\n- {", 1)[0]
    documented = set(re.findall(r"[a-z0-9_]+", header))
    used = {cls for row in ROWS for cls in row.get("classes") or ()}
    assert used - documented == set()


def test_an_unknown_name_is_still_an_error() -> None:
    with pytest.raises(UnknownDrugError):
        resolve_drug("notarealmedicine")


def _case(**extra: Any) -> Any:
    data: dict[str, Any] = {
        "patient": {"age": 60, "sex": "F", "menopausal": "post"},
        "tumor": {"er_percent": 90, "pr_percent": 50, "her2_ihc": "0"},
        "metastatic_sites": ["liver"],
    }
    data.update(extra)
    return parse_case(data)


def _alerts(case: Any) -> set[tuple[str, str | None]]:
    return {(a.code, a.drug) for a in assess(case).safety_alerts}


@pytest.mark.parametrize(
    ("medicine", "order", "code"),
    [
        # hydroxyzine and metronidazole labels warn of QT prolongation; ribociclib label: avoid QT drugs
        ("hydroxyzine", "ribociclib", "qt_drug_combination"),
        ("metronidazole", "ribociclib", "qt_drug_combination"),
        ("Geodon", "ribociclib", "qt_drug_combination"),
        ("Multaq", "ribociclib", "qt_drug_combination"),
        # dronedarone: moderate CYP3A inhibitor (FDA table)
        ("dronedarone", "olaparib", "moderate_cyp3a_inhibitor_dose"),
        # lovastatin, colchicine: CYP3A substrates with a narrow margin; tucatinib is a strong inhibitor
        ("lovastatin", "tucatinib", "tucatinib_cyp3a_substrate"),
        ("colchicine", "tucatinib", "tucatinib_cyp3a_substrate"),
        # benazepril is an ACE inhibitor (everolimus label: angioedema)
        ("Lotensin", "everolimus", "everolimus_ace_inhibitor"),
        # dexlansoprazole is a PPI (neratinib label)
        ("Dexilant", "neratinib", "neratinib_acid_suppression"),
    ],
)
def test_a_class_of_an_added_medicine_gives_the_interaction_alert(
    medicine: str, order: str, code: str
) -> None:
    case = _case(current_meds=[medicine], proposed_treatment=[{"drug": order}])
    assert (code, order) in _alerts(case)


@pytest.mark.parametrize("medicine", ["buprenorphine", "Norco", "tizanidine", "promethazine", "Abilify"])
def test_sedating_medicines_with_an_opioid_give_the_boxed_sedation_alert_morphine_label(
    medicine: str,
) -> None:
    case = _case(current_meds=[medicine], current_treatment=[{"drug": "morphine"}])
    assert ("opioid_cns_depressant", "morphine") in _alerts(case)


def test_promethazine_is_not_counted_as_a_qt_drug_its_label_has_no_qt_warning() -> None:
    case = _case(current_meds=["promethazine"], proposed_treatment=[{"drug": "ribociclib"}])
    assert ("qt_drug_combination", "ribociclib") not in _alerts(case)


def test_a_vitamin_or_supplement_gives_no_interaction_alert() -> None:
    case = _case(
        current_meds=["multivitamin", "fish oil", "turmeric", "probiotics", "vitamin d"],
        proposed_treatment=[{"drug": "ribociclib"}],
    )
    found = assess(case).safety_alerts
    assert not [a for a in found if a.rationale.startswith("ribociclib (proposed order) with")]


# ---------------------------------------------------------------- teriparatide / abaloparatide
@pytest.mark.parametrize(("name", "generic"), [("Forteo", "teriparatide"), ("Tymlos", "abaloparatide")])
def test_bone_building_shot_with_bone_metastases_is_flagged_forteo_tymlos_labels(
    name: str, generic: str
) -> None:
    case = _case(metastatic_sites=["bone", "liver"], current_meds=[name])
    (alert,) = [a for a in assess(case).safety_alerts if a.code == "pth_analog_bone_metastases"]
    assert alert.drug == generic
    assert alert.severity == "warning"
    assert {"fda-label-teriparatide", "fda-label-abaloparatide"} <= set(alert.sources)
    assert "bone" in alert.public


def test_bone_building_shot_without_bone_metastases_is_not_flagged() -> None:
    case = _case(metastatic_sites=["liver"], current_meds=["teriparatide"])
    assert "pth_analog_bone_metastases" not in {a.code for a in assess(case).safety_alerts}


def test_the_medicine_rule_fires_with_no_other_drug_in_play() -> None:
    """A single listed medicine and no options: the check used to stop before looking (fewer than two
    medicines and no drug in play)."""
    case = _case(metastatic_sites=["bone"], current_meds=["teriparatide"])
    alerts = safety.check(case, [], {})
    assert [(a.code, a.drug) for a in alerts] == [("pth_analog_bone_metastases", "teriparatide")]


def _load_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Any) -> None:
    for name in ("safety.yaml", "interactions.yaml", "comedications.yaml", "drug_groups.yaml"):
        shutil.copy(flags.RULES_DIR / name, tmp_path / name)
    data = yaml.safe_load((tmp_path / "safety.yaml").read_text(encoding="utf-8"))
    change(data["medicine_rules"][0])
    (tmp_path / "safety.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setattr(flags, "RULES_DIR", tmp_path)
    flags.rules_file.cache_clear()
    safety.safety_rules.cache_clear()
    try:
        safety.safety_rules()
    finally:
        monkeypatch.undo()
        flags.rules_file.cache_clear()
        safety.safety_rules.cache_clear()


def test_a_medicine_rule_with_an_unknown_site_is_refused_at_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match="unknown metastatic site 'site:bones'"):
        _load_with(tmp_path, monkeypatch, lambda rule: rule.update(when=["site:bones"]))


def test_a_medicine_rule_with_a_class_no_medicine_has_is_refused_at_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match="no medicine has the class"):
        _load_with(tmp_path, monkeypatch, lambda rule: rule.update(classes=["pth_analogue"]))
