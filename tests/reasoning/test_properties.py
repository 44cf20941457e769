"""Properties that must hold for every valid case (hypothesis): an Assessment always comes out, red
flags sort first, nothing the case's own safety alerts contraindicate is offered unflagged, and the
JSON validates against the published Assessment schema."""

from __future__ import annotations

import functools
from typing import Any

import jsonschema
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mbcnav.assessment import URGENCY_ORDER, Assessment
from mbcnav.case import SITE_CODES, parse_case
from mbcnav.errors import CaseValidationError
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.doses import order_only
from mbcnav.reasoning.flags import drug_groups

DRUGS = sorted(drug_groups().category)
COMEDS = [
    "paroxetine",
    "warfarin",
    "clarithromycin",
    "rifampin",
    "omeprazole",
    "metformin",
    "lisinopril",
    "amiodarone",
    "St John's wort",
    "Zoloft",
    "lorazepam",
    "alendronate",
]
SYMPTOMS = [
    "my back hurts and my legs feel weak",
    "no fever",
    "very thirsty and confused",
    "bad headache and vomiting",
    "I had a seizure",
    "short of breath",
    "yellow eyes",
    "fever 38.9 on chemo",
    "my face is swollen",
    "I feel fine",
    "pain in my hip when I walk",
    "diarrhea 8 times a day",
]


def _opt(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


patients = st.builds(
    lambda **kw: _drop_none(kw),
    age=_opt(st.integers(18, 95)),
    sex=_opt(st.sampled_from(["F", "M"])),
    menopausal=_opt(st.sampled_from(["pre", "peri", "post"])),
    weight_kg=_opt(st.floats(35, 150)),
    height_cm=_opt(st.floats(140, 200)),
    ecog=_opt(st.integers(0, 4)),
    pregnant=_opt(st.booleans()),
    gestation_weeks=_opt(st.floats(1, 40)),
    on_dialysis=_opt(st.booleans()),
    breastfeeding=_opt(st.booleans()),
)
mut = _opt(st.sampled_from(["mutant", "wildtype", "unknown"]))
tumors = st.builds(
    lambda **kw: _drop_none(kw),
    er_percent=_opt(st.sampled_from([0, 0.5, 1, 5, 10, 11, 50, 95])),
    pr_percent=_opt(st.sampled_from([0, 5, 60])),
    her2_ihc=_opt(st.sampled_from(["0", "0+ultralow", "1+", "2+", "3+"])),
    her2_ish=_opt(st.sampled_from(["amplified", "not_amplified"])),
    pik3ca=mut,
    esr1=mut,
    akt1=mut,
    pten=mut,
    gbrca=_opt(st.sampled_from(["BRCA1", "BRCA2", "negative", "unknown"])),
    pdl1_cps=_opt(st.sampled_from([0, 5, 10, 30])),
)
labs = st.builds(
    lambda **kw: _drop_none(kw),
    creatinine_mg_dl=_opt(st.floats(0.4, 6)),
    calcium_mg_dl=_opt(st.floats(6, 16)),
    albumin_g_dl=_opt(st.floats(2, 5)),
    bilirubin_mg_dl=_opt(st.floats(0.2, 8)),
    alt_u_l=_opt(st.floats(5, 600)),
    ast_u_l=_opt(st.floats(5, 600)),
    anc_per_ul=_opt(st.sampled_from([200, 800, 1200, 1600, 4000])),
    temp_c=_opt(st.floats(35.5, 40.5)),
    lvef_percent=_opt(st.floats(30, 75)),
    qtcf_ms=_opt(st.floats(380, 520)),
    glucose_mg_dl=_opt(st.floats(60, 400)),
    hba1c_percent=_opt(st.floats(4.5, 11)),
    platelets_per_ul=_opt(st.sampled_from([40000, 90000, 250000])),
    alp_u_l=_opt(st.floats(40, 900)),
    vitamin_d_25oh_ng_ml=_opt(st.floats(5, 60)),
)
priors = st.lists(
    st.builds(
        lambda **kw: _drop_none(kw),
        drug=st.sampled_from(DRUGS),
        setting=_opt(st.sampled_from(["metastatic", "adjuvant", "neoadjuvant"])),
        progressed=_opt(st.booleans()),
        months=_opt(st.floats(0, 60)),
        stopped_for=_opt(
            st.builds(
                lambda t, g: {"toxicity": t, "grade": g},
                st.sampled_from(["pneumonitis", "diarrhea", "ILD"]),
                st.integers(1, 5),
            )
        ),
    ),
    max_size=4,
)
cases = st.builds(
    lambda **kw: _drop_none(kw),
    id=_opt(st.text(max_size=8)),
    patient=_opt(patients),
    tumor=_opt(tumors),
    labs=_opt(labs),
    metastatic_sites=_opt(st.lists(st.sampled_from(SITE_CODES), max_size=4, unique=True)),
    symptoms=_opt(st.lists(st.sampled_from(SYMPTOMS), max_size=2)),
    prior_treatment=_opt(priors),
    current_meds=_opt(st.lists(st.sampled_from(COMEDS), max_size=3)),
    current_treatment=_opt(st.lists(st.builds(lambda d: {"drug": d}, st.sampled_from(DRUGS)), max_size=2)),
    proposed_treatment=_opt(
        st.lists(
            st.builds(
                lambda d, m2: _drop_none({"drug": d, "dose_mg_m2": m2}),
                st.sampled_from(DRUGS),
                _opt(st.floats(10, 100)),
            ),
            max_size=2,
        )
    ),
    cumulative_doxorubicin_mg_m2=_opt(st.floats(0, 700)),
    cumulative_epirubicin_mg_m2=_opt(st.floats(0, 1000)),
    cumulative_pegylated_liposomal_doxorubicin_mg_m2=_opt(st.floats(0, 600)),
    comorbidities=_opt(
        st.lists(
            st.sampled_from(
                ["diabetes", "interstitial_lung_disease", "heart_failure", "autoimmune_disease", "long_qt"]
            ),
            max_size=2,
        )
    ),
    pharmacogenomics=_opt(
        st.builds(
            lambda **kw: _drop_none(kw),
            dpyd=_opt(st.sampled_from(["normal", "intermediate", "poor"])),
            ugt1a1=_opt(st.sampled_from(["*1/*1", "*1/*28", "*28/*28"])),
        )
    ),
    allergies=_opt(st.lists(st.builds(lambda d: {"drug": d}, st.sampled_from(DRUGS)), max_size=1)),
    line=_opt(st.integers(1, 5)),
    notes=_opt(
        st.lists(st.sampled_from(["liver biopsy confirmed metastasis", "biopsy pending"]), max_size=1)
    ),
)


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(Assessment.model_json_schema(mode="serialization"))


def _assess_or_skip(raw: dict[str, Any]) -> Assessment | None:
    try:
        case = parse_case(raw)
    except CaseValidationError:
        return None  # an invalid combination (e.g. pregnant man) is rejected at the edge, not assessed
    return assess(case)


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(cases)
def test_every_valid_case_yields_an_assessment_with_red_flags_first(raw: dict[str, Any]) -> None:
    result = _assess_or_skip(raw)
    if result is None:
        return
    assert isinstance(result, Assessment)
    ranks = [URGENCY_ORDER[f.urgency] for f in result.red_flags]
    assert ranks == sorted(ranks)
    assert result.urgency == (result.red_flags[0].urgency if result.red_flags else "routine")
    work = [URGENCY_ORDER[w.urgency] for w in result.workup]
    assert work == sorted(work)
    assert any(o.category == "palliative" for o in result.therapy_options)
    assert any(o.category == "trial" for o in result.therapy_options)


@SETTINGS
@given(cases)
def test_no_contraindicated_option_is_offered_unflagged(raw: dict[str, Any]) -> None:
    result = _assess_or_skip(raw)
    if result is None:
        return
    # an order dose alert (a gross overdose: eribulin 10 mg/m2) is about the order's dose, not the drug: by
    # design it never flags the options that use the drug (doses.order_only)
    contraindicated = {
        a.drug for a in result.safety_alerts if a.severity == "contraindication" and not order_only(a)
    }
    for option in result.therapy_options:
        if contraindicated & set(option.drugs):
            assert option.flagged, (option.regimen, contraindicated)
    flags = [o.flagged for o in result.therapy_options]
    assert flags == sorted(flags), "flagged options must rank after every unflagged one"


@SETTINGS
@given(cases)
def test_json_validates_against_the_published_schema(raw: dict[str, Any]) -> None:
    result = _assess_or_skip(raw)
    if result is None:
        return
    document = orjson.loads(orjson.dumps(result.model_dump(mode="json")))
    _validator().validate(document)
    assert Assessment.model_validate(document) == result
