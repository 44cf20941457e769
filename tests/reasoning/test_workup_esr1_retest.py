"""ESR1 ctDNA is repeated at each progression, even after an earlier wildtype result (sweep4b defect 13).

ASCO 2023 rapid update (asco-esr1-2023): ESR1 mutations are acquired under endocrine therapy, so test
at each progression; the rule's own text says so. A wildtype result at first line says nothing about
the cancer after the next progression.
"""

from __future__ import annotations

from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess


def _workup(esr1: str | None, prior: list[dict], line: int) -> list[str]:
    tumor = {"er_percent": 90, "pr_percent": 40, "her2_ihc": "0", "pik3ca": "wildtype"}
    if esr1:
        tumor["esr1"] = esr1
    case = {"tumor": tumor, "metastatic_sites": ["bone"], "line": line, "prior_treatment": prior}
    return [w.code for w in assess(parse_case(case)).workup]


AFTER_TWO_LINES = [
    {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 22},
    {"drug": "palbociclib", "setting": "metastatic", "progressed": True, "months": 22},
    {"drug": "fulvestrant", "setting": "metastatic", "progressed": True, "months": 6},
    {"drug": "everolimus", "setting": "metastatic", "progressed": True, "months": 6},
]


def test_wildtype_esr1_is_retested_after_a_new_progression_on_endocrine_therapy() -> None:
    assert "esr1_ctdna_test" in _workup("wildtype", AFTER_TWO_LINES, 3)


def test_known_esr1_mutation_needs_no_retest_and_first_line_needs_none() -> None:
    assert "esr1_ctdna_test" not in _workup("mutant", AFTER_TWO_LINES, 3)
    assert "esr1_ctdna_test" not in _workup("wildtype", [], 1)
