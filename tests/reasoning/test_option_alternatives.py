"""'A or B' options (regimen text "X or Y", ``alternatives`` in therapy.yaml): a contraindication on one
alternative flags that alternative, by name, and keeps the option offered with the others."""

from __future__ import annotations

from typing import Any

from _helpers import run as _run

from mbcnav.assessment import Assessment, TherapyOption


def _hr_pos(**extra: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "patient": {"age": 63, "sex": "F", "menopausal": "post", "ecog": 1},
        "tumor": {"er_percent": 90, "pr_percent": 60, "her2_ihc": "1+", "her2_ish": "not_amplified"},
        "metastatic_sites": ["bone"],
        "labs": {"qtcf_ms": 420},
        "line": 1,
    }
    case.update(extra)
    return case


def _tnbc(**extra: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "patient": {"age": 50, "sex": "F", "menopausal": "post", "ecog": 1},
        "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "0", "pdl1_cps": 12, "gbrca": "negative"},
        "metastatic_sites": ["lung"],
        "line": 1,
    }
    case.update(extra)
    return case


def _with(result: Assessment, start: str) -> list[TherapyOption]:
    return [o for o in result.therapy_options if o.regimen.startswith(start)]


def test_letrozole_allergy_keeps_the_ai_option_with_anastrozole() -> None:
    result = _run(_hr_pos(allergies=[{"drug": "letrozole", "reaction": "angioedema", "grade": 3}]))
    usable, blocked = _with(result, "aromatase inhibitor (letrozole or anastrozole) + ribociclib")
    assert not usable.flagged and usable.drugs == ("anastrozole", "ribociclib")
    assert usable.regimen.endswith("with anastrozole, not letrozole")
    assert usable.rank == 1 and usable.alternatives == ()
    assert blocked.flagged and blocked.drugs == ("letrozole", "ribociclib")
    assert blocked.regimen.endswith("with letrozole") and blocked.flags == ("allergy",)
    # the flagged part ranks with the other flagged options, after every usable one
    assert all(o.flagged for o in result.therapy_options if o.rank > blocked.rank)
    # without the allergy the option is one, with both alternatives
    (whole,) = _with(_run(_hr_pos()), "aromatase inhibitor (letrozole or anastrozole) + ribociclib")
    assert whole.alternatives == (("letrozole",), ("anastrozole",)) and not whole.flagged


def test_paclitaxel_allergy_keeps_pembrolizumab_with_nab_paclitaxel_or_gemcitabine_carboplatin() -> None:
    result = _run(_tnbc(allergies=[{"drug": "paclitaxel", "reaction": "anaphylaxis", "grade": 4}]))
    usable, blocked = _with(result, "pembrolizumab + chemotherapy")
    assert not usable.flagged
    assert usable.drugs == ("pembrolizumab", "nab-paclitaxel", "gemcitabine", "carboplatin")
    assert usable.alternatives == (("nab-paclitaxel",), ("gemcitabine", "carboplatin"))
    assert "with nab-paclitaxel or gemcitabine + carboplatin, not paclitaxel" in usable.regimen
    # the warning on the taxane that stays (cross-reactivity) is still shown on the usable part
    assert "allergy_cross_reactivity" in usable.flags
    assert blocked.flagged and blocked.drugs == ("pembrolizumab", "paclitaxel") and "allergy" in blocked.flags


def test_a_contraindicated_drug_outside_the_alternatives_flags_the_whole_option() -> None:
    """QTcF 470 ms rules out ribociclib itself: no alternative helps, so the option is flagged whole."""
    result = _run(_hr_pos(labs={"qtcf_ms": 470}))
    (option,) = _with(result, "aromatase inhibitor (letrozole or anastrozole) + ribociclib")
    assert option.flagged and option.drugs == ("letrozole", "anastrozole", "ribociclib")
    assert "qtcf_prolonged" in option.flags


def test_every_alternative_contraindicated_flags_the_whole_option() -> None:
    allergies = [
        {"drug": "paclitaxel", "reaction": "anaphylaxis", "grade": 4},
        {"drug": "nab-paclitaxel", "reaction": "anaphylaxis", "grade": 4},
    ]
    result = _run(_tnbc(allergies=allergies))
    (option,) = _with(result, "single-agent taxane (paclitaxel or nab-paclitaxel)")
    assert option.flagged and option.drugs == ("paclitaxel", "nab-paclitaxel")


def test_a_blocked_proposed_order_names_the_usable_part_of_an_a_or_b_option() -> None:
    case = _hr_pos(
        allergies=[{"drug": "letrozole", "reaction": "angioedema", "grade": 3}],
        proposed_treatment=[{"drug": "Femara"}],
    )
    alert = next(a for a in _run(case).safety_alerts if a.code == "allergy" and a.drug == "letrozole")
    assert "with anastrozole, not letrozole" in alert.rationale
