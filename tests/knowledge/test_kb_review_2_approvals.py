"""Second KB review (drugs, regimens, treatments, tests): the 2025-2026 approvals and the options the
reasoning core proposes must be stated in the knowledge items of the same drugs, each with a source that
resolves. Checked through the public interfaces: `mbcnav drug`, `resolve_drug`, `assess` and the loaded
knowledge base."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from mbcnav.case import parse_case
from mbcnav.cli import app
from mbcnav.drugnames import resolve_drug
from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, reading_grade
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.therapy import regimens

runner = CliRunner()


def _item(item_id: str):
    item = load_knowledge_base().get(item_id)
    assert item is not None, item_id
    return item


def _text(item_id: str) -> str:
    item = _item(item_id)
    parts = [item.public, item.clinician]
    for field in ("used_when", "what_it_changes", "what_it_changes_public"):
        parts.append(getattr(item, field, "") or "")
    return " ".join(parts)


# --- vepdegestrant (Veppanu), FDA approval 1 May 2026 -------------------------------------------------

@pytest.mark.parametrize("name", ["vepdegestrant", "Veppanu", "VEPPANU", "ARV-471", "arv471"])
def test_vepdegestrant_names_resolve(name: str) -> None:
    assert resolve_drug(name) == "vepdegestrant"


def test_drug_command_veppanu_shows_the_item_in_both_voices() -> None:
    public = runner.invoke(app, ["drug", "veppanu"])
    assert public.exit_code == 0, public.output
    assert "Vepdegestrant" in public.output and "ESR1" in public.output
    clinician = runner.invoke(app, ["drug", "Veppanu", "--audience", "clinician"])
    assert clinician.exit_code == 0, clinician.output
    for fact in ("VERITAC-2", "200 mg", "5.0 vs 2.1"):
        assert fact in clinician.output, fact


def test_vepdegestrant_items_cite_the_trial_the_label_and_the_approval() -> None:
    kb = load_knowledge_base()
    for item_id in ("vepdegestrant", "regimen-vepdegestrant"):
        item = _item(item_id)
        needed = {"veritac-2", "fda-label-vepdegestrant", "fda-approval-vepdegestrant-2026"}
        assert needed <= set(item.sources)
        assert reading_grade(item.public) <= MAX_PUBLIC_GRADE
    assert "10.1056/NEJMoa2505725" in str(kb.sources["veritac-2"].url)
    assert "dailymed.nlm.nih.gov" in str(kb.sources["fda-label-vepdegestrant"].url)


def test_vepdegestrant_is_named_in_the_oral_serd_treatment_and_the_esr1_test() -> None:
    for item_id in ("treatment-oral-serd", "test-esr1-ctdna"):
        item = _item(item_id)
        assert "vepdegestrant" in item.public.lower() or "vepdegestrant" in _text(item_id).lower(), item_id
        assert "VERITAC-2" in item.clinician, item_id
        assert "veritac-2" in item.sources, item_id
    assert "Veppanu" in _item("treatment-oral-serd").public


def _case(**tumor: object) -> dict:
    return {
        "id": "veppanu-order",
        "patient": {"age": 60, "sex": "F", "menopausal": "post", "weight_kg": 70, "height_cm": 165},
        "tumor": {"er_percent": 90, "pr_percent": 20, "her2_ihc": "1+", "esr1": "mutant",
                  "pik3ca": "wildtype", **tumor},
        "metastatic_sites": ["bone"],
        "prior_treatment": [
            {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 20},
            {"drug": "palbociclib", "setting": "metastatic", "progressed": True, "months": 20},
        ],
        "line": 2,
    }


def test_assess_accepts_a_proposed_vepdegestrant_order_at_the_label_dose() -> None:
    data = _case()
    data["proposed_treatment"] = [{"drug": "Veppanu", "dose_mg": 200}]
    result = assess(parse_case(data))
    order = result.proposed_orders[0]
    assert order.drug == "vepdegestrant" and order.alerts == ()
    assert any("vepdegestrant" in o.drugs for o in result.therapy_options)


def test_assess_flags_a_vepdegestrant_dose_above_the_label() -> None:
    data = _case()
    data["proposed_treatment"] = [{"drug": "vepdegestrant", "dose_mg": 400}]
    result = assess(parse_case(data))
    assert "dose_above_label" in result.proposed_orders[0].alerts


def test_vepdegestrant_is_contraindicated_in_hr_negative_disease_like_other_er_degraders() -> None:
    data = _case(er_percent=0, pr_percent=0)
    data["proposed_treatment"] = [{"drug": "vepdegestrant", "dose_mg": 200}]
    alerts = {(a.code, a.drug, a.severity) for a in assess(parse_case(data)).safety_alerts}
    assert ("endocrine_in_hr_negative", "vepdegestrant", "contraindication") in alerts


def test_vepdegestrant_ranks_after_the_two_oral_serds_and_before_fulvestrant_alone() -> None:
    options = [o.regimen for o in assess(parse_case(_case())).therapy_options]
    ranks = {name: i for i, name in enumerate(options)}
    assert ranks["elacestrant"] < ranks["vepdegestrant"]
    assert ranks["imlunestrant"] < ranks["vepdegestrant"]
    assert ranks["vepdegestrant"] < ranks["fulvestrant alone"]


# --- T-DXd + pertuzumab first line (FDA 15 December 2025) --------------------------------------------

@pytest.mark.parametrize(
    "item_id",
    ["trastuzumab-deruxtecan", "regimen-trastuzumab-deruxtecan-pertuzumab", "treatment-her2", "pertuzumab"],
)
def test_tdxd_pertuzumab_approval_is_stated_and_cited(item_id: str) -> None:
    item = _item(item_id)
    assert "fda-approval-tdxd-pertuzumab-2025" in item.sources
    assert "2025" in _text(item_id)


def test_her2_public_text_names_tdxd_pertuzumab_as_a_first_treatment() -> None:
    public = _item("treatment-her2").public
    assert "T-DXd (Enhertu) plus pertuzumab" in public
    assert "The usual first treatment is THP" not in public


def test_tdxd_pertuzumab_regimen_states_the_lung_risk_as_the_tdxd_item_does() -> None:
    public = _item("regimen-trastuzumab-deruxtecan-pertuzumab").public
    assert "1 in 8" in public and "deadly" in public and "cough" in public
    assert "1 in 8" in _item("trastuzumab-deruxtecan").public


def test_pertuzumab_used_when_names_both_first_line_partners() -> None:
    used_when = _item("pertuzumab").used_when
    assert "CLEOPATRA" in used_when and "trastuzumab deruxtecan" in used_when


# --- options the core proposes are supported by the drug items --------------------------------------

def test_postmonarch_is_in_abemaciclib_and_its_fulvestrant_regimen() -> None:
    for item_id in ("abemaciclib", "regimen-fulvestrant-abemaciclib"):
        assert "postmonarch" in _item(item_id).sources, item_id
        assert "6.0 vs 5.3" in _item(item_id).clinician, item_id


def test_precog_0102_is_in_everolimus() -> None:
    item = _item("everolimus")
    assert "precog-0102" in item.sources
    assert "PrECOG 0102" in item.used_when and "10.3 vs 5.1" in item.clinician


def test_germline_palb2_olaparib_reads_the_same_in_the_core_and_the_knowledge_base() -> None:
    """The core offers olaparib for gPALB2; the test item must not call it unsupported without saying
    that the sources disagree and which (more recent) guidance mbcnav follows."""
    rule = next(r for r in regimens() if r.id == "olaparib_gpalb2")
    test_item = _item("test-germline-brca-palb2")
    for cited in ("tbcrc-048", "asco-sso-germline-2024", "asco-biomarkers-mbc-2022", "nccn-breast"):
        assert cited in rule.sources and cited in test_item.sources, cited
    for text in (rule.rationale, test_item.clinician):
        assert "ASCO-SSO 2024" in text and "2022" in text and "more recent" in text
    assert "Evidence is insufficient for PALB2-based PARP inhibitor use." not in test_item.clinician
    assert "PALB2" in test_item.what_it_changes and "olaparib" in test_item.what_it_changes


# --- INAVO120 final overall survival (Jhaveri, N Engl J Med 2025) -------------------------------------

@pytest.mark.parametrize(
    "item_id", ["inavolisib", "regimen-fulvestrant-inavolisib-palbociclib", "treatment-pi3k-akt-mtor"]
)
def test_inavo120_final_os_is_stated_and_cited(item_id: str) -> None:
    item = _item(item_id)
    assert "inavo120-os" in item.sources
    assert "34.0 vs 27.0" in item.clinician and "0.67" in item.clinician


# --- wording -----------------------------------------------------------------------------------------

def test_trastuzumab_biosimilars_are_not_called_interchangeable_in_use() -> None:
    used_when = _item("trastuzumab").used_when
    assert "interchangeable-in-use" not in used_when
    assert '"interchangeable" designation' in used_when
    assert "fda-purple-book" in _item("trastuzumab").sources


def test_doxorubicin_weekly_schedule_is_marked_as_practice_not_label() -> None:
    clinician = _item("doxorubicin").clinician
    assert "or 20 mg/m2 weekly" not in clinician
    assert "not a label dose" in clinician
