"""Second pharmacist sweep (H1, H2, H3, M1): the order check holds an order to the dose its weight, its
partner drug, its liver class or its interaction sets, and pamidronate gets the label's renal rules.
Cases are the pharmacist's probes (scratch-pharm2), cut down to what each check reads."""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import alerts_by_pair as _alerts

from mbcnav.case import parse_case
from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, reading_grade
from mbcnav.reasoning import doses
from mbcnav.reasoning.doses import dose_table

HR_POS = {"er_percent": 95, "pr_percent": 60, "her2_ihc": "1+"}
HER2_POS = {"er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"}


def _case(
    orders: list[dict[str, Any]], weight: float = 70, tumor: dict[str, Any] = HR_POS, **extra: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "patient": {
            "age": 60,
            "sex": "F",
            "weight_kg": weight,
            "height_cm": 165,
            "menopausal": "post",
            "ecog": 1,
        },
        "tumor": tumor,
        "metastatic_sites": ["bone"],
        "labs": {"creatinine_mg_dl": 0.8},
        "proposed_treatment": orders,
        "line": 2,
    }
    data.update(extra)
    return data


# ---------------------------------------------------------------- H1: weight cap and partner drug


def test_datopotamab_deruxtecan_660_mg_at_110_kg_is_above_the_540_mg_cap() -> None:
    alerts = _alerts(_case([{"drug": "Datroway", "dose_mg": 660}], weight=110))
    alert = alerts[("dose_above_label", "datopotamab deruxtecan")]
    assert "ordered 660 mg" in alert.clinician and "540 mg" in alert.clinician


def test_datopotamab_deruxtecan_6_mg_kg_at_110_kg_converts_above_the_cap() -> None:
    alerts = _alerts(_case([{"drug": "datopotamab deruxtecan", "dose_mg_kg": 6}], weight=110))
    assert "(= 660 mg)" in alerts[("dose_above_label", "datopotamab deruxtecan")].clinician


def test_datopotamab_deruxtecan_540_mg_at_110_kg_and_6_mg_kg_at_70_kg_pass() -> None:
    for order, weight in (
        ({"drug": "datopotamab deruxtecan", "dose_mg": 540}, 110),
        ({"drug": "datopotamab deruxtecan", "dose_mg_kg": 6}, 70),
    ):
        alerts = _alerts(_case([order], weight=weight))
        assert not [k for k in alerts if k[0].startswith("dose_")], (order, weight)


def test_abemaciclib_200_mg_with_anastrozole_is_above_the_150_mg_combination_dose() -> None:
    alerts = _alerts(_case([{"drug": "abemaciclib", "dose_mg": 200}, {"drug": "anastrozole", "dose_mg": 1}]))
    alert = alerts[("dose_above_label", "abemaciclib")]
    assert "150 mg" in alert.clinician and "anastrozole" in alert.clinician


def test_abemaciclib_200_mg_with_current_fulvestrant_is_flagged_and_alone_passes() -> None:
    with_fulv = _case([{"drug": "abemaciclib", "dose_mg": 200}], current_treatment=[{"drug": "Faslodex"}])
    assert ("dose_above_label", "abemaciclib") in _alerts(with_fulv)
    alone = _alerts(_case([{"drug": "abemaciclib", "dose_mg": 200}]))
    assert ("dose_above_label", "abemaciclib") not in alone
    at_150 = _alerts(_case([{"drug": "abemaciclib", "dose_mg": 150}, {"drug": "letrozole", "dose_mg": 2.5}]))
    assert ("dose_above_label", "abemaciclib") not in at_150


def test_lapatinib_1500_mg_with_capecitabine_is_above_1250_mg_but_passes_with_letrozole() -> None:
    cape = _case(
        [{"drug": "Tykerb", "dose_mg": 1500}, {"drug": "capecitabine", "dose_mg_m2": 1000}], tumor=HER2_POS
    )
    alert = _alerts(cape)[("dose_above_label", "lapatinib")]
    assert "1250 mg" in alert.clinician and "capecitabine" in alert.clinician
    letro = _case([{"drug": "lapatinib", "dose_mg": 1500}, {"drug": "letrozole", "dose_mg": 2.5}])
    assert ("dose_above_label", "lapatinib") not in _alerts(letro)


# ---------------------------------------------------------------- H2: elacestrant and Child-Pugh


def test_elacestrant_child_pugh_b_states_258_mg_and_flags_a_345_mg_order() -> None:
    data = _case([{"drug": "Orserdu", "dose_mg": 345}])
    data["patient"]["child_pugh"] = "B"
    alerts = _alerts(data)
    assert "258 mg" in alerts[("hepatic_dose_adjustment", "elacestrant")].clinician
    order = alerts[("dose_above_adjusted", "elacestrant")]
    assert "ordered 345 mg" in order.clinician and "258 mg" in order.clinician


def test_elacestrant_child_pugh_c_is_a_contraindication() -> None:
    data = _case([{"drug": "elacestrant", "dose_mg": 345}])
    data["patient"]["child_pugh"] = "C"
    alert = _alerts(data)[("hepatic_contraindication", "elacestrant")]
    assert alert.severity == "contraindication"
    assert "fda-label-elacestrant" in alert.sources


# ---------------------------------------------------------------- H3: pamidronate and the kidneys


def test_pamidronate_at_creatinine_3_6_is_not_recommended_for_bone_metastases() -> None:
    data = _case([{"drug": "pamidronate", "dose_mg": 90}])
    data["labs"] = {"creatinine_mg_dl": 3.6}
    alert = _alerts(data)[("renal_not_recommended", "pamidronate")]
    assert alert.severity == "contraindication"
    assert "withhold" in alert.clinician.lower()


def test_pamidronate_creatinine_rule_fires_without_a_weight() -> None:
    data = _case([{"drug": "pamidronate", "dose_mg": 90}])
    del data["patient"]["weight_kg"]
    data["labs"] = {"creatinine_mg_dl": 3.4}
    alert = _alerts(data)[("renal_not_recommended", "pamidronate")]
    assert "3.4 mg/dL" in alert.clinician


def test_pamidronate_at_normal_creatinine_has_no_renal_alert() -> None:
    alerts = _alerts(_case([{"drug": "pamidronate", "dose_mg": 90}]))
    assert ("renal_not_recommended", "pamidronate") not in alerts


# ---------------------------------------------------------------- M1: doses the alerts state


@pytest.mark.parametrize(
    ("order", "meds", "stated"),
    [
        ({"drug": "Ibrance", "dose_mg": 125}, ["itraconazole"], "75 mg"),
        ({"drug": "Lynparza", "dose_mg": 300}, ["clarithromycin"], "100 mg"),
        ({"drug": "olaparib", "dose_mg": 300}, ["fluconazole"], "150 mg"),
        ({"drug": "Afinitor", "dose_mg": 10}, ["fluconazole"], "2.5 mg"),
        ({"drug": "Truqap", "dose_mg": 400}, ["diltiazem"], "320 mg"),
    ],
)
def test_an_order_above_the_dose_an_interaction_states_is_flagged(
    order: dict[str, Any], meds: list[str], stated: str
) -> None:
    alerts = _alerts(_case([order], current_meds=meds))
    drug = parse_case(_case([order])).proposed_treatment[0].drug
    alert = alerts[("dose_above_adjusted", drug)]
    assert f"-> {stated}" in alert.clinician
    assert "other medicines" in alert.public


def test_palbociclib_75_mg_with_itraconazole_passes() -> None:
    alerts = _alerts(_case([{"drug": "palbociclib", "dose_mg": 75}], current_meds=["itraconazole"]))
    assert ("dose_above_adjusted", "palbociclib") not in alerts


def test_ribociclib_600_mg_at_crcl_below_30_is_above_the_200_mg_start() -> None:
    data = _case([{"drug": "Kisqali", "dose_mg": 600}])
    data["labs"] = {"creatinine_mg_dl": 2.6}
    assert "-> 200 mg" in _alerts(data)[("dose_above_adjusted", "ribociclib")].clinician


def test_inavolisib_9_mg_at_crcl_42_is_above_6_mg() -> None:
    data = _case([{"drug": "inavolisib", "dose_mg": 9}])
    data["labs"] = {"creatinine_mg_dl": 1.4}
    assert "-> 6 mg" in _alerts(data)[("dose_above_adjusted", "inavolisib")].clinician


def test_capecitabine_1000_mg_m2_for_a_dpyd_intermediate_metabolizer_is_above_half_dose() -> None:
    data = _case([{"drug": "capecitabine", "dose_mg_m2": 1000}], pharmacogenomics={"dpyd": "intermediate"})
    alert = _alerts(data)[("dose_above_adjusted", "capecitabine")]
    assert "625 mg/m2" in alert.clinician and "cpic-dpyd-2017" in alert.sources
    assert "gene test" in alert.public


def test_new_dose_texts_read_at_grade_8_or_below() -> None:
    for kind in ("above_adjusted_medicine", "above_adjusted_gene"):
        text = dose_table().texts[kind]["public"].format(drug="olaparib")
        assert reading_grade(text) <= MAX_PUBLIC_GRADE, kind


def test_an_interaction_band_naming_no_interaction_is_rejected_when_loaded(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    band = "drug: palbociclib, interaction: cdk46_strong_cyp3a_inhibitor"
    for name in ("doses.yaml", "safety.yaml", "interactions.yaml"):
        text = (doses.RULES_DIR / name).read_text(encoding="utf-8")
        if name == "doses.yaml":
            assert band in text
            text = text.replace(band, "drug: palbociclib, interaction: no_such_interaction")
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(doses, "RULES_DIR", tmp_path)
    dose_table.cache_clear()
    try:
        with pytest.raises(ValueError, match="no_such_interaction"):
            dose_table()
    finally:
        monkeypatch.undo()
        dose_table.cache_clear()
    assert dose_table().adjusted["palbociclib"]
