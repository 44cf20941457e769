"""Vignettes written from guidelines and labels (tests/vignettes/*.json), run through the reasoning
core and, for a few, through the CLI. Each file names its rationale and source; the expectations
are what the guideline says, not what the engine happened to print."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mbcnav.assessment import Assessment
from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess

VIGNETTES = sorted((Path(__file__).parents[1] / "vignettes").glob("*.json"))
KNOWN_KEYS = {
    "subtype",
    "er_low",
    "her2_low",
    "urgency",
    "red_flags",
    "must_offer",
    "must_not_offer",
    "top_option_drugs",
    "top_option_regimen_contains",
    "safety_alerts",
    "calculations",
    "workup",
    "must_not_workup",
    "notes_used",
}


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_there_are_at_least_40_vignettes_with_rationale_and_source() -> None:
    assert len(VIGNETTES) >= 40
    for path in VIGNETTES:
        data = _load(path)
        assert data["rationale"].strip() and data["source"].strip(), path.name
        assert set(data["expected"]) <= KNOWN_KEYS, (path.name, set(data["expected"]) - KNOWN_KEYS)


def _offered(result: Assessment) -> set[str]:
    """Drugs in options that are offered without a contraindication flag."""
    return {d for o in result.therapy_options if not o.flagged for d in o.drugs}


def check_expectations(result: Assessment, expected: dict, name: str) -> None:
    if "subtype" in expected:
        assert result.subtype == expected["subtype"], name
    for key in ("er_low", "her2_low"):
        if key in expected:
            assert getattr(result, key) is expected[key], (name, key)
    if "urgency" in expected:
        assert result.urgency == expected["urgency"], (name, result.urgency)
    codes = [f.code for f in result.red_flags]
    for code in expected.get("red_flags", []):
        assert code in codes, (name, code, codes)
    if expected.get("red_flags") == [] and "urgency" in expected and expected["urgency"] == "routine":
        assert not codes, (name, codes)
    offered = _offered(result)
    for drug in expected.get("must_offer", []):
        assert drug in offered, (name, drug, sorted(offered))
    for drug in expected.get("must_not_offer", []):
        assert drug not in offered, (name, drug)
    unflagged = [o for o in result.therapy_options if not o.flagged]
    if expected.get("top_option_drugs"):
        top = unflagged[0]
        for drug in expected["top_option_drugs"]:
            assert drug in top.drugs, (name, drug, top.regimen)
    if "top_option_regimen_contains" in expected:
        assert expected["top_option_regimen_contains"] in unflagged[0].regimen, (name, unflagged[0].regimen)
    alerts = {f"{a.code}:{a.drug}" for a in result.safety_alerts}
    for alert in expected.get("safety_alerts", []):
        assert alert in alerts, (name, alert, sorted(alerts))
    for key, value in expected.get("calculations", {}).items():
        assert result.calculations.get(key) == pytest.approx(value, abs=0.06), (
            name,
            key,
            result.calculations,
        )
    work = [w.code for w in result.workup]
    for code in expected.get("workup", []):
        assert code in work, (name, code, work)
    for code in expected.get("must_not_workup", []):
        assert code not in work, (name, code)
    if "notes_used" in expected:
        assert len(result.notes_used) == expected["notes_used"], name


@pytest.mark.parametrize("path", VIGNETTES, ids=[p.stem for p in VIGNETTES])
def test_vignette(path: Path) -> None:
    data = _load(path)
    result = assess(parse_case(data["case"]))
    check_expectations(result, data["expected"], path.stem)


@pytest.mark.parametrize("path", VIGNETTES, ids=[p.stem for p in VIGNETTES])
def test_vignette_invariants(path: Path) -> None:
    """Red flags sort first; contraindicated options are flagged and ranked after every clear one."""
    result = assess(parse_case(_load(path)["case"]))
    order = {"emergency": 0, "urgent": 1, "routine": 2}
    urgencies = [order[f.urgency] for f in result.red_flags]
    assert urgencies == sorted(urgencies)
    blocked = {a.drug for a in result.safety_alerts if a.severity == "contraindication"}
    seen_flagged = False
    for option in result.therapy_options:
        if blocked & set(option.drugs):
            assert option.flagged
        seen_flagged = seen_flagged or option.flagged
        if seen_flagged:
            assert option.flagged, "an unflagged option ranks below a flagged one"
    assert [o.rank for o in result.therapy_options] == list(range(1, len(result.therapy_options) + 1))


CLI_VIGNETTES = [p for p in VIGNETTES if p.stem.startswith(("v01_", "v29_", "v40_", "v44_"))]


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from mbcnav.cli import main; main()", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_vignettes_through_the_cli_as_json_lines() -> None:
    cases = [_load(p) for p in CLI_VIGNETTES]
    stdin = "".join(json.dumps(c["case"]) + "\n" for c in cases)
    proc = _cli("assess", "-", "--json", stdin=stdin)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == len(cases)
    for line, data, path in zip(lines, cases, CLI_VIGNETTES, strict=True):
        check_expectations(Assessment.model_validate_json(line), data["expected"], path.stem)


def test_cli_report_puts_red_flags_first(tmp_path: Path) -> None:
    path = next(p for p in CLI_VIGNETTES if p.stem.startswith("v40_"))
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(_load(path)["case"]))
    proc = _cli("assess", str(case_file), "--audience", "clinician")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.index("EMERGENCY") < out.index("Subtype")
    assert "dexamethasone" in out


def test_cli_rejects_a_bad_case_in_a_list_naming_index_and_field(tmp_path: Path) -> None:
    good = _load(CLI_VIGNETTES[0])["case"]
    bad = {**good, "labs": {"calcium_mg_dl": 2.4}}
    case_file = tmp_path / "cases.json"
    case_file.write_text(json.dumps([good, bad]))
    proc = _cli("assess", str(case_file), "--json")
    assert proc.returncode == 2
    assert proc.stdout == ""  # nothing half-printed
    assert "case 2" in proc.stderr and "calcium_mg_dl" in proc.stderr  # 1-based, as lines are


def test_cli_rejects_unknown_drug_and_unknown_field() -> None:
    proc = _cli("assess", "-", stdin='{"current_meds": ["parxetine"]}')
    assert proc.returncode == 2 and "current_meds" in proc.stderr and "paroxetine" in proc.stderr
    proc = _cli("assess", "-", stdin='{"id": "a"}\n{"tumour": {}}\n')
    assert proc.returncode == 2 and "line 2" in proc.stderr and "tumour" in proc.stderr


def test_contraindicated_proposed_order_names_alternatives_per_ribociclib_label() -> None:
    """Kisqali label: start only if QTcF < 450 ms; the order is flagged and other options are named."""
    case = parse_case(
        {
            "tumor": {"er_percent": 90, "her2_ihc": "1+"},
            "metastatic_sites": ["bone"],
            "labs": {"qtcf_ms": 470},
            "proposed_treatment": [{"drug": "Kisqali"}],
        }
    )
    alert = next(a for a in assess(case).safety_alerts if a.code == "qtcf_prolonged")
    assert alert.drug == "ribociclib" and alert.severity == "contraindication"
    assert "proposed order" in alert.rationale and "abemaciclib" in alert.rationale
