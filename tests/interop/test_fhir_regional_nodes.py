"""Regional lymph nodes are N, not M (AJCC 8th ed.): ipsilateral axillary, infraclavicular, internal
mammary and supraclavicular nodes do not make a record stage IV; contralateral or other nodes do
(interop8 report #4). mCODE's SecondaryCancerDisorderVS includes ICD-10 C77.x, so regional node
disease arrives as a SecondaryCancerCondition.

Before: C77.3 or SNOMED 94181007 gave metastatic_sites ["lymph_node"], so a stage IIIA record was
assessed as stage IV with first-line metastatic options, and the stage group was ignored without a note.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from interop import mcode as M
from mbcnav.interop.fhir import ImportResult, case_from_fhir

AS_OF = dt.date(2024, 7, 1)
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
LATERALITY = f"{M.MCODE}/mcode-laterality-qualifier"
LEFT = M.cc(M.SCT, "7771000", "Left (qualifier value)")
RIGHT = M.cc(M.SCT, "24028007", "Right (qualifier value)")
AXILLARY_SCT = M.cc(M.SCT, "94181007", "Secondary malignant neoplasm of axillary lymph nodes (disorder)")
AXILLA_C77_3 = M.cc(
    ICD10, "C77.3", "Secondary and unspecified malignant neoplasm of axilla and upper limb lymph nodes"
)
NECK_C77_0 = M.cc(
    ICD10, "C77.0", "Secondary and unspecified malignant neoplasm of lymph nodes of head, face and neck"
)
LEFT_BREAST = M.cc(ICD10, "C50.912", "Malignant neoplasm of unspecified site of left female breast")
BONE = M.cc(M.SCT, "94222008", "Secondary malignant neoplasm of bone (disorder)")


def stage_group(label: str, code: str) -> dict[str, Any]:
    return M.observation(
        "stage",
        M.cc(M.LOINC, "21908-9"),
        "2024-02-05",
        valueCodeableConcept=M.cc("http://cancerstaging.org", code, label),
    )


def node(
    rid: str, code: dict[str, Any], side: dict[str, Any] | None = None, site: dict[str, Any] | None = None
) -> dict[str, Any]:
    res = M.secondary(rid, code, "2024-02-01")
    if side is not None or site is not None:
        body: dict[str, Any] = dict(site or {"text": "lymph node"})
        if side is not None:
            body["extension"] = [{"url": LATERALITY, "valueCodeableConcept": side}]
        res["bodySite"] = [body]
    return res


def imp(*resources: dict[str, Any], primary: dict[str, Any] | None = None) -> ImportResult:
    return case_from_fhir(
        M.bundle(M.patient(), primary or M.primary(onset="2024-01-10"), *resources), as_of=AS_OF
    )


def notes(result: ImportResult, kind: str, resource: str) -> list[str]:
    return [n.message for n in result.import_notes if n.kind == kind and n.resource == resource]


def test_axillary_nodes_c77_3_with_stage_iiia_are_regional_not_stage_iv() -> None:
    """The interop8 repro (axillary-stage3.json): C77.3 without laterality, stage group IIIA."""
    r = imp(node("m-ax", AXILLA_C77_3), stage_group("Stage IIIA", "3A"))
    assert r.case.metastatic_sites == ()
    assert any(
        "regional" in m and "not a distant metastasis" in m for m in notes(r, "info", "Condition/m-ax")
    )
    # laterality is not given: said so, not guessed silently
    review = notes(r, "needs_review", "Condition/m-ax")
    assert any("laterality" in m and "other side" in m for m in review)
    assert not [n for n in r.import_notes if n.kind == "conflict"]


def test_axillary_nodes_on_the_side_of_the_primary_are_regional_without_a_laterality_note() -> None:
    r = imp(node("m-ax", AXILLARY_SCT, side=LEFT), primary=M.primary(code=LEFT_BREAST))
    assert r.case.metastatic_sites == ()
    assert not notes(r, "needs_review", "Condition/m-ax")
    assert any("ipsilateral" in m for m in notes(r, "info", "Condition/m-ax"))


def test_axillary_nodes_on_the_other_side_are_distant_lymph_node_metastases() -> None:
    """Contralateral axillary nodes are M1 (AJCC 8)."""
    r = imp(node("m-ax", AXILLARY_SCT, side=RIGHT), primary=M.primary(code=LEFT_BREAST))
    assert r.case.metastatic_sites == ("lymph_node",)
    assert any("contralateral" in m and "distant" in m for m in notes(r, "info", "Condition/m-ax"))


def test_a_generic_secondary_code_with_an_axillary_lymph_node_body_site_is_regional() -> None:
    secondary = M.cc(M.SCT, "128462008", "Secondary malignant neoplastic disease (disorder)")
    site = M.cc(M.SCT, "68171009", "Axillary lymph node structure (body structure)")
    r = imp(node("m-ax", secondary, side=LEFT, site=site), primary=M.primary(code=LEFT_BREAST))
    assert r.case.metastatic_sites == ()


def test_regional_nodes_beside_a_bone_metastasis_leave_only_bone() -> None:
    r = imp(node("m-ax", AXILLA_C77_3), M.secondary("m-bone", BONE, "2024-03-01"))
    assert r.case.metastatic_sites == ("bone",)


def test_neck_nodes_c77_0_stay_distant_with_a_review_note_and_a_conflict_with_stage_iii() -> None:
    """C77.0 covers supraclavicular nodes (regional, N3c) and cervical nodes (distant): counted as distant,
    flagged for review; a stage group III beside node disease only is a conflict."""
    r = imp(node("m-neck", NECK_C77_0), stage_group("Stage IIIC", "3C"))
    assert r.case.metastatic_sites == ("lymph_node",)
    assert any("supraclavicular" in m for m in notes(r, "needs_review", "Condition/m-neck"))
    conflicts = [n.message for n in r.import_notes if n.kind == "conflict"]
    assert len(conflicts) == 1 and "Stage IIIC" in conflicts[0] and "Condition/m-neck" in conflicts[0]


def test_distant_nodes_beside_stage_iv_are_no_conflict() -> None:
    r = imp(node("m-neck", NECK_C77_0), stage_group("Stage IV", "4"))
    assert r.case.metastatic_sites == ("lymph_node",)
    assert not [n for n in r.import_notes if n.kind == "conflict"]
