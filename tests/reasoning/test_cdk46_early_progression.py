"""Early progression on first-line endocrine therapy + a CDK4/6 inhibitor, and INAVO120's population.

ABC 4 (Cardoso, Ann Oncol 2018; kept in ABC 5) calls progression within the first 6 months of first-line
endocrine therapy for advanced disease primary endocrine resistance. DESTINY-Breast06 (Bardia, NEJM 2024)
enrolled exactly that group after one endocrine line; EMERALD's elacestrant benefit was concentrated after
>= 12 months of prior endocrine therapy + CDK4/6 inhibitor (Bardia, Clin Cancer Res 2024, post hoc).
INAVO120 (Turner, NEJM 2024) was first line after adjuvant relapse, and 98.8% of its patients had never
had a CDK4/6 inhibitor. Every test goes through parse_case and assess, as a user's case would.
"""

from __future__ import annotations

from typing import Any

import pytest

from mbcnav.assessment import Assessment, TherapyOption
from mbcnav.case import parse_case
from mbcnav.reasoning.assess import assess

_LABS = {
    "creatinine_mg_dl": 0.8,
    "calcium_mg_dl": 9.4,
    "albumin_g_dl": 4.0,
    "bilirubin_mg_dl": 0.6,
    "alt_u_l": 22,
    "ast_u_l": 24,
    "anc_per_ul": 3500,
    "platelets_per_ul": 240000,
    "lvef_percent": 62,
    "qtcf_ms": 420,
    "glucose_mg_dl": 92,
    "hba1c_percent": 5.3,
}


def _case(months: float | None, **tumor: Any) -> dict[str, Any]:
    """Postmenopausal HR+/HER2- cancer that grew on first-line letrozole + palbociclib after `months`."""
    base_tumor = {
        "er_percent": 90,
        "her2_ihc": "0",
        "pik3ca": "wildtype",
        "akt1": "wildtype",
        "pten": "wildtype",
        "esr1": "wildtype",
        "gbrca": "negative",
    }
    base_tumor.update(tumor)
    prior = [
        {"drug": drug, "setting": "metastatic", "progressed": True, "months": months}
        for drug in ("letrozole", "palbociclib")
    ]
    return {
        "patient": {"age": 60, "sex": "F", "menopausal": "post", "ecog": 1, "weight_kg": 68},
        "tumor": base_tumor,
        "metastatic_sites": ["bone", "liver"],
        "labs": _LABS,
        "line": 2,
        "prior_treatment": [{k: v for k, v in p.items() if v is not None} for p in prior],
    }


def _assess(data: dict[str, Any]) -> Assessment:
    return assess(parse_case(data))


def _first(result: Assessment) -> TherapyOption:
    return next(o for o in result.therapy_options if not o.flagged)


def _option(result: Assessment, drug: str) -> TherapyOption:
    return next(o for o in result.therapy_options if drug in o.drugs and not o.flagged)


def _rank(result: Assessment, drug: str) -> int:
    return _option(result, drug).rank


def test_her2_low_early_progression_puts_tdxd_first_per_destiny_breast06() -> None:
    result = _assess(_case(4, her2_ihc="1+"))
    top = _first(result)
    assert top.drugs == ("trastuzumab deruxtecan",)
    assert "DESTINY-Breast06" in top.rationale and "primary endocrine resistance" in top.rationale
    assert "destiny-breast06" in top.sources
    assert top.rank < _rank(result, "capecitabine") < _rank(result, "abemaciclib")


@pytest.mark.parametrize(
    ("months", "first_drug"),
    [
        (4, "capecitabine"),
        (5.9, "capecitabine"),
        (6, "abemaciclib"),  # ABC 4: "within the first 6 months"; 6 months on treatment is not early
        (14, "abemaciclib"),
        (None, "abemaciclib"),  # duration unknown: no claim of primary resistance
    ],
)
def test_primary_resistance_is_progression_within_6_months_per_abc4(
    months: float | None, first_drug: str
) -> None:
    """HER2 0, no targetable alteration: chemotherapy first only after early progression; otherwise the
    postMONARCH switch to fulvestrant + abemaciclib keeps its place."""
    assert first_drug in _first(_assess(_case(months))).drugs


def test_early_progression_rationale_names_the_definition_and_its_sources() -> None:
    chemo = _option(_assess(_case(4)), "capecitabine")
    assert "ABC 4/5" in chemo.rationale and "6 months" in chemo.rationale
    assert {"abc4", "abc5", "destiny-breast06"} <= set(chemo.sources)
    # the clinician text says where the definitions part ways
    for name in ("DESTINY-Breast06", "EMERALD", "INAVO120", "67% consensus"):
        assert name in chemo.clinician


def test_endocrine_therapy_moves_below_chemotherapy_only_after_early_progression() -> None:
    early, late = _assess(_case(4)), _assess(_case(14))
    chemo_early, chemo_late = _rank(early, "capecitabine"), _rank(late, "capecitabine")
    for regimen in ("fulvestrant alone", "fulvestrant + everolimus", "fulvestrant + abemaciclib"):
        early_option = next(o for o in early.therapy_options if o.regimen.startswith(regimen))
        late_option = next(o for o in late.therapy_options if o.regimen.startswith(regimen))
        assert early_option.rank > chemo_early, regimen
        assert late_option.rank < chemo_late, regimen
        assert "primary endocrine resistance" in early_option.rationale
        assert "primary endocrine resistance" not in late_option.rationale


def test_elacestrant_after_early_progression_is_offered_but_not_first_per_emerald_duration_subgroup() -> None:
    early = _assess(_case(4, esr1="mutant"))
    elacestrant = _option(early, "elacestrant")
    assert _first(early) is not elacestrant and elacestrant.rank > _rank(early, "capecitabine")
    assert "8.6 vs 1.9 months" in elacestrant.rationale and "12 months" in elacestrant.rationale
    assert "emerald-cdk46-duration-2024" in elacestrant.sources
    # after 14 months on the first line, the ESR1-directed oral SERD leads again
    assert _first(_assess(_case(14, esr1="mutant"))).drugs == ("elacestrant",)


def test_biomarker_directed_therapy_stays_first_after_early_progression_per_capitello_291() -> None:
    top = _first(_assess(_case(4, pik3ca="mutant")))
    assert "capivasertib" in top.drugs


def _adjuvant(cdk46_relapse_after_end: float) -> dict[str, Any]:
    """PIK3CA-mutated relapse while still on adjuvant letrozole, after adjuvant abemaciclib."""
    data = _case(None, pik3ca="mutant")
    data["line"] = 1
    data["prior_treatment"] = [
        {"drug": "letrozole", "setting": "adjuvant", "months": 50, "relapse_after_end_months": 0},
        {
            "drug": "abemaciclib",
            "setting": "adjuvant",
            "months": 24,
            "relapse_after_end_months": cdk46_relapse_after_end,
        },
    ]
    return data


def test_no_inavolisib_triplet_after_relapse_within_12_months_of_adjuvant_cdk46_per_inavo120() -> None:
    result = _assess(_adjuvant(0))
    offered = {d for o in result.therapy_options if not o.flagged for d in o.drugs}
    assert "inavolisib" not in offered and "palbociclib" not in offered
    assert "capivasertib" in _first(result).drugs
    assert "capecitabine" in offered  # chemotherapy is open after relapse on an adjuvant CDK4/6 inhibitor


def test_inavolisib_triplet_stays_when_adjuvant_cdk46_ended_long_before_the_relapse_per_inavo120() -> None:
    """Relapse on adjuvant endocrine therapy 26 months after adjuvant abemaciclib ended: still INAVO120's
    population (relapse during adjuvant endocrine therapy), and not resistance to the CDK4/6 inhibitor."""
    top = _first(_assess(_adjuvant(26)))
    assert top.drugs == ("inavolisib", "palbociclib", "fulvestrant")
    assert "98.8%" in top.rationale
