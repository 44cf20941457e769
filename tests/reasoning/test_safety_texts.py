"""Safety alert texts show the values of the case they are about (alerts are memoised per process)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from mbcnav.case import parse_case
from mbcnav.reasoning import flags, safety
from mbcnav.reasoning.assess import assess


def _docetaxel_alert(bilirubin: float, uln: float) -> str:
    case = parse_case(
        {
            "patient": {"age": 58, "sex": "F", "weight_kg": 65, "height_cm": 165},
            "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0"},
            "metastatic_sites": ["liver"],
            "labs": {"bilirubin_mg_dl": bilirubin, "bilirubin_uln_mg_dl": uln},
            "proposed_treatment": [{"drug": "docetaxel"}],
        }
    )
    alerts = assess(case).safety_alerts
    (alert,) = [a for a in alerts if a.drug == "docetaxel" and a.code == "hepatic_contraindication"]
    return alert.clinician


def test_two_cases_with_the_same_x_uln_but_other_values_each_see_their_own_text_docetaxel_label() -> None:
    """Before: the text showed mg/dL while the memo key held only the x ULN value, so the second case
    (1.25 mg/dL, ULN 1.0) was shown the first case's 'Bilirubin 1.5 mg/dL'."""
    first = _docetaxel_alert(1.5, 1.2)
    second = _docetaxel_alert(1.25, 1.0)
    assert "1.5 mg/dL" not in second
    assert first == second  # the same x ULN (1.25), so the same text, and it says x ULN
    assert "x ULN" in second


def test_a_rule_text_showing_a_value_it_does_not_test_is_refused_at_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("safety.yaml", "interactions.yaml", "comedications.yaml", "drug_groups.yaml"):
        shutil.copy(flags.RULES_DIR / name, tmp_path / name)
    data = yaml.safe_load((tmp_path / "safety.yaml").read_text(encoding="utf-8"))
    rule = next(r for r in data["rules"] if r.get("tests", {}).get("crcl_ml_min"))
    rule["clinician"] += " Bilirubin {bilirubin_mg_dl:.1f} mg/dL."
    (tmp_path / "safety.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setattr(flags, "RULES_DIR", tmp_path)
    flags.rules_file.cache_clear()
    safety.safety_rules.cache_clear()
    try:
        shown = r"the text shows \['bilirubin_mg_dl'\], which the rule does not test"
        with pytest.raises(ValueError, match=shown):
            safety.safety_rules()
    finally:
        monkeypatch.undo()
        flags.rules_file.cache_clear()
        safety.safety_rules.cache_clear()
