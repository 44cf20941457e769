"""Structured partners and alternatives on safety alerts (SafetyAlert.partners, SafetyAlert.alternatives).

Before, the order check found an interaction's partner drugs and a blocked order's alternatives by
reading them back out of the alert's rationale text, so rewording that text silently changed the order
rows. Cases: the second pharmacist sweep's p29 (current Nolvadex, proposed anastrozole; tamoxifen label:
no benefit and lower letrozole/anastrozole exposure when combined), the first sweep's t01 (tamoxifen with
paroxetine and bupropion) and r02 (Zometa 4 mg at a Cockcroft-Gault CrCl of 22 mL/min; Zometa label).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from mbcnav.assessment import Assessment, SafetyAlert
from mbcnav.case import parse_case
from mbcnav.cli import app
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.orders import order_checks


def _case(**fields: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "patient": {
            "age": 58,
            "sex": "F",
            "menopausal": "post",
            "weight_kg": 65,
            "height_cm": 165,
            "ecog": 1,
        },
        "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 50, "her2_ihc": "1+"},
        "metastatic_sites": ["bone"],
        "labs": {"creatinine_mg_dl": 0.8},
        "line": 1,
    }
    case.update(fields)
    return case


def _alert(result: Assessment, code: str, drug: str) -> SafetyAlert:
    [alert] = [a for a in result.safety_alerts if (a.code, a.drug) == (code, drug)]
    return alert


TAMOXIFEN_AND_AI = _case(
    current_meds=["Nolvadex"], proposed_treatment=[{"drug": "anastrozole", "dose_mg": 1}]
)
ZOMETA_CRCL_22 = _case(
    patient={"age": 80, "sex": "F", "weight_kg": 50, "height_cm": 155, "ecog": 1, "menopausal": "post"},
    labs={"creatinine_mg_dl": 1.6, "calcium_mg_dl": 9.0, "albumin_g_dl": 3.6},
    current_treatment=[{"drug": "anastrozole"}],
    proposed_treatment=[{"drug": "Zometa", "dose_mg": 4}],
    line=2,
)


def test_an_interaction_alert_names_its_partner_as_data_tamoxifen_label() -> None:
    alert = _alert(assess(parse_case(TAMOXIFEN_AND_AI)), "tamoxifen_with_ai", "tamoxifen")
    assert alert.partners == ("anastrozole",)
    assert alert.alternatives == ()


def test_every_partner_of_an_interaction_is_listed_in_order_tamoxifen_label() -> None:
    """Sweep t01: both CYP2D6 inhibitors, as the rationale names them, brand names read as generics."""
    case = _case(
        patient={"age": 42, "sex": "F", "weight_kg": 61, "height_cm": 163, "ecog": 1, "menopausal": "pre"},
        proposed_treatment=[{"drug": "Nolvadex", "dose_mg": 20}],
        current_meds=["Paxil", "Wellbutrin", "Zoladex", "ibuprofen"],
    )
    alert = _alert(assess(parse_case(case)), "tamoxifen_cyp2d6_inhibitor", "tamoxifen")
    assert alert.partners == ("paroxetine", "bupropion")


def test_a_single_drug_alert_has_no_partners_zometa_label() -> None:
    alert = _alert(assess(parse_case(ZOMETA_CRCL_22)), "renal_not_recommended", "zoledronic acid")
    assert alert.partners == ()


def test_a_blocked_order_carries_its_alternatives_as_data_zometa_label() -> None:
    result = assess(parse_case(ZOMETA_CRCL_22))
    alert = _alert(result, "renal_not_recommended", "zoledronic acid")
    assert alert.severity == "contraindication"
    assert alert.alternatives and alert.alternatives[0].startswith("denosumab")
    assert not any("fulvestrant" in regimen for regimen in alert.alternatives)
    [row] = result.proposed_orders
    assert row.alternatives == alert.alternatives
    # the words for people still say the same
    assert alert.rationale.endswith(
        "Alternatives among this case's options: " + "; ".join(alert.alternatives) + "."
    )


def test_reworded_rationales_still_drive_the_order_rows() -> None:
    """The order check reads partners and alternatives, not the wording of the rationale."""
    for data, blocked_code in (
        (TAMOXIFEN_AND_AI, "tamoxifen_with_ai"),
        (ZOMETA_CRCL_22, "renal_not_recommended"),
    ):
        case = parse_case(data)
        result = assess(case)
        reworded = [a.model_copy(update={"rationale": "worded another way"}) for a in result.safety_alerts]
        rows = order_checks(case, reworded)
        assert rows == result.proposed_orders
        [row] = rows
        assert row.result == "contraindicated" and blocked_code in row.alerts
    assert order_checks(parse_case(ZOMETA_CRCL_22), reworded)[0].alternatives[0].startswith("denosumab")


def test_a_partner_already_taken_is_not_an_order_that_starts_the_combination() -> None:
    """Anastrozole ordered again while it is already a current medicine with tamoxifen: the interaction
    is about what is given today and stays in the safety alerts; the anastrozole order does not carry it."""
    case = parse_case(
        _case(current_meds=["Nolvadex", "anastrozole"], proposed_treatment=[{"drug": "anastrozole"}])
    )
    result = assess(case)
    taken = _alert(result, "tamoxifen_with_ai", "tamoxifen")
    assert "anastrozole" in taken.partners
    [row] = result.proposed_orders
    assert "tamoxifen_with_ai" not in row.alerts


def test_cli_order_row_shows_the_partner_alert_it_counts(tmp_path: Path) -> None:
    """Before, the anastrozole row said "contraindicated" with "-" for its alerts: the report looked
    alert texts up on the ordered drug only, and this one sits on tamoxifen."""
    path = tmp_path / "case.json"
    path.write_text(json.dumps(TAMOXIFEN_AND_AI))
    runner = CliRunner()
    for audience, expected in (("clinician", "tamoxifen_with_ai"), ("public", "Your team should not")):
        result = runner.invoke(app, ["assess", str(path), "--audience", audience], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        title = "Order check" if audience == "clinician" else "Check of the planned treatment"
        row = result.output[result.output.index(title) :]
        row = row[row.index("anastrozole 1 mg") :].splitlines()[0]
        assert expected in row
        assert "Tamoxifen lowers AI" in row if audience == "clinician" else "hormone" in row
