"""SYNTHETIC data: a simulated metastatic cohort for survival demos, and simulated Case dicts for batch
runs and benchmarks. None of it describes a real person.

The cohort's subtype mix and survival come from knowledge-base items named in ``synthetic.yaml``
(which carry the sources), so the demo curves move when the cited figures are updated, and no
clinical number is typed into this module. Case generation mixes routine cases with red-flag
phrasings and abnormal labs in fixed proportions (a design choice for exercising the engine, not
an estimate of how often these happen).
"""

from __future__ import annotations

import functools
import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mbcnav.analytics.datasets import Dataset
from mbcnav.errors import KnowledgeError
from mbcnav.yamlfile import load_yaml

CONFIG_PATH = Path(__file__).with_name("synthetic.yaml")
SUBTYPES: tuple[str, ...] = ("HR+/HER2-", "HR+/HER2+", "HR-/HER2+", "TNBC")
_FIVE_YEARS_MONTHS = 60.0
_MONTHS_PER = {"months": 1.0, "month": 1.0, "years": 12.0, "year": 12.0}


@dataclass(frozen=True)
class SubtypeParameters:
    subtype: str
    share: float
    #: median overall survival in months implied by the cited figure under the Weibull model
    median_months: float
    #: Weibull scale (months) and shape
    scale: float
    shape: float
    #: knowledge-base item ids the figures came from
    items: tuple[str, ...]


@dataclass(frozen=True)
class CohortParameters:
    subtypes: tuple[SubtypeParameters, ...]
    accrual_months: float
    followup_months: float
    time_unit: str

    def by_subtype(self) -> dict[str, SubtypeParameters]:
        return {p.subtype: p for p in self.subtypes}


def _item_text(item: Any) -> str:
    parts = [
        str(getattr(item, name, "") or "") for name in ("frequency", "population", "clinician", "public")
    ]
    return " ".join(parts)


def _quoted(item: Any, quote: str) -> float:
    """A figure stated in an item's text: it must really be there, so the YAML cannot drift from it."""
    pattern = rf"(?<![\d.]){re.escape(quote)}(?![\d])"
    if not re.search(pattern, _item_text(item)):
        raise KnowledgeError(f"synthetic.yaml: figure {quote} is not stated in knowledge item '{item.id}'")
    return float(quote)


def _lookup(items: dict[str, Any], item_id: str) -> Any:
    item = items.get(item_id)
    if item is None:
        raise KnowledgeError(f"synthetic.yaml: knowledge item '{item_id}' does not exist")
    return item


def _survival_months(spec: dict[str, Any], items: dict[str, Any], shape: float) -> tuple[float, float]:
    """(median months, Weibull scale months) from a cited median or a cited 5-year survival."""
    item = _lookup(items, spec["statistic"])
    if getattr(item, "kind", None) != "statistic":
        raise KnowledgeError(f"synthetic.yaml: '{item.id}' is not a statistic item")
    value = _quoted(item, spec["quote"]) if "quote" in spec else float(item.value)
    how = spec.get("as")
    if how == "median_os":
        factor = _MONTHS_PER.get(str(item.unit).lower())
        if factor is None:
            raise KnowledgeError(f"synthetic.yaml: '{item.id}' unit {item.unit!r} is not months or years")
        median = value * factor
        scale = median / math.log(2) ** (1 / shape)
    elif how == "five_year_survival":
        if not 0 < value < 100:
            raise KnowledgeError(f"synthetic.yaml: '{item.id}' value {value} is not a percent in (0, 100)")
        # S(t) = exp(-(t/scale)^shape) = p at t = 60 months
        scale = _FIVE_YEARS_MONTHS / (-math.log(value / 100)) ** (1 / shape)
        median = scale * math.log(2) ** (1 / shape)
    else:
        raise KnowledgeError(
            f"synthetic.yaml: survival 'as' must be median_os or five_year_survival, not {how!r}"
        )
    return median, scale


@functools.cache
def cohort_parameters(config_path: Path = CONFIG_PATH) -> CohortParameters:
    """Read synthetic.yaml and resolve every figure against the knowledge base (once per process)."""
    from mbcnav.knowledge.loader import load_knowledge_base

    config = load_yaml(config_path.read_text(encoding="utf-8"))
    kb = load_knowledge_base()
    items = {item.id: item for kind in ("statistic", "subtype") for item in kb.of_kind(kind)}
    shape = float(config["weibull_shape"])
    params: list[SubtypeParameters] = []
    for subtype in SUBTYPES:
        spec = config["subtypes"].get(subtype)
        if spec is None:
            raise KnowledgeError(f"synthetic.yaml: subtype {subtype} is missing")
        share_item = _lookup(items, spec["share"]["item"])
        share = _quoted(share_item, spec["share"]["quote"])
        median, scale = _survival_months(spec["survival"], items, shape)
        params.append(
            SubtypeParameters(
                subtype=subtype,
                share=share,
                median_months=median,
                scale=scale,
                shape=shape,
                items=(share_item.id, spec["survival"]["statistic"]),
            )
        )
    total = sum(p.share for p in params)
    params = [SubtypeParameters(**{**p.__dict__, "share": p.share / total}) for p in params]
    return CohortParameters(
        subtypes=tuple(params),
        accrual_months=float(config["accrual_months"]),
        followup_months=float(config["followup_months"]),
        time_unit=str(config["time_unit"]),
    )


def synthetic_mbc_cohort(n: int = 2000, seed: int = 20240601) -> pd.DataFrame:
    """A SYNTHETIC metastatic cohort: one row per simulated person, ``synthetic`` is always True.

    Columns: id, synthetic, subtype, time (months from metastatic diagnosis), event (1 = death),
    entry_month (calendar month of entry into the simulated study).
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    params = cohort_parameters()
    rng = np.random.default_rng(seed)
    labels = np.array([p.subtype for p in params.subtypes])
    shares = np.array([p.share for p in params.subtypes])
    which = rng.choice(len(labels), size=n, p=shares)
    scale = np.array([p.scale for p in params.subtypes])[which]
    shape = np.array([p.shape for p in params.subtypes])[which]
    death = scale * rng.weibull(shape)
    entry = rng.uniform(0, params.accrual_months, size=n)
    admin_censor = params.accrual_months + params.followup_months - entry
    time = np.minimum(death, admin_censor)
    return pd.DataFrame(
        {
            "id": [f"SYN-{i:07d}" for i in range(n)],
            "synthetic": True,
            "subtype": pd.Categorical(labels[which], categories=list(SUBTYPES)),
            "time": np.round(time, 3),
            "event": (death <= admin_censor).astype(int),
            "entry_month": np.round(entry, 3),
        }
    )


SYNTHETIC = Dataset(
    name="synthetic",
    title="SYNTHETIC metastatic breast cancer cohort (simulated, not real patients; n=2000)",
    provenance=(
        "mbcnav simulation: subtype mix and Weibull survival from knowledge-base statistics "
        "(SEER subtype Stat Facts via analytics/synthetic.yaml) with administrative censoring"
    ),
    time_unit="months",
    loader=synthetic_mbc_cohort,
    ordered={},
    default_covariates=("subtype",),
)


# --------------------------------------------------------------------------------- synthetic cases

# Everyday phrasings. Red-flag ones follow the triage lexicon's concepts (cord compression, raised
# ICP, seizure, febrile neutropenia, SVC, liver failure, fracture, hypercalcemia, breathlessness).
ROUTINE_SYMPTOMS: tuple[str, ...] = (
    "I feel more tired than usual",
    "mild nausea after my pills",
    "a dull ache in my hip when I walk a lot",
    "hot flashes at night",
    "my joints feel stiff in the morning",
    "some loose stools this week",
    "my appetite is lower",
    "a dry cough for two weeks",
    "no fever and no pain",
    "tingling in my fingertips",
)
RED_FLAG_SYMPTOMS: tuple[str, ...] = (
    "my back hurts and my legs feel weak",
    "I can't feel my legs and I wet myself",
    "worst headache of my life and I keep vomiting in the morning",
    "I had a seizure this morning",
    "fever of 38.6 a week after chemo",
    "my face and arm are swollen and the veins on my chest stand out",
    "my skin and eyes turned yellow and I am confused",
    "I cannot put any weight on my leg, the pain in my thigh is terrible",
    "very thirsty, confused and constipated",
    "short of breath even at rest",
    "sudden chest pain and I can't catch my breath",
    "numb between my legs and I can't pee",
)
SITE_WEIGHTS: dict[str, float] = {  # design: a spread that exercises every site code
    "bone": 0.6,
    "liver": 0.3,
    "lung": 0.3,
    "lymph_node": 0.3,
    "brain": 0.12,
    "pleura": 0.1,
    "skin": 0.05,
    "peritoneum": 0.04,
    "leptomeninges": 0.02,
    "other": 0.03,
}
# Canonical drug names per subtype: what a person may have had before this line (first entry of
# each tuple is given together, e.g. an aromatase inhibitor with a CDK4/6 inhibitor).
PRIOR_BY_SUBTYPE: dict[str, tuple[tuple[str, ...], ...]] = {
    "HR+/HER2-": (
        ("letrozole", "ribociclib"),
        ("anastrozole", "palbociclib"),
        ("fulvestrant", "abemaciclib"),
        ("fulvestrant", "capivasertib"),
        ("exemestane", "everolimus"),
        ("capecitabine",),
        ("paclitaxel",),
        ("elacestrant",),
        ("trastuzumab deruxtecan",),
        ("sacituzumab govitecan",),
    ),
    "HR+/HER2+": (
        ("docetaxel", "trastuzumab", "pertuzumab"),
        ("trastuzumab deruxtecan",),
        ("tucatinib", "trastuzumab", "capecitabine"),
        ("trastuzumab emtansine",),
        ("letrozole", "trastuzumab"),
    ),
    "HR-/HER2+": (
        ("paclitaxel", "trastuzumab", "pertuzumab"),
        ("trastuzumab deruxtecan",),
        ("tucatinib", "trastuzumab", "capecitabine"),
        ("trastuzumab emtansine",),
        ("lapatinib", "capecitabine"),
    ),
    "TNBC": (
        ("nab-paclitaxel", "pembrolizumab"),
        ("gemcitabine", "carboplatin"),
        ("sacituzumab govitecan",),
        ("capecitabine",),
        ("eribulin",),
        ("olaparib",),
    ),
}
ADJUVANT_BY_SUBTYPE: dict[str, tuple[str, ...]] = {
    "HR+/HER2-": ("tamoxifen", "anastrozole", "letrozole"),
    "HR+/HER2+": ("trastuzumab", "tamoxifen"),
    "HR-/HER2+": ("trastuzumab", "pertuzumab"),
    "TNBC": ("doxorubicin", "cyclophosphamide", "paclitaxel"),
}
# Brand names and co-medications are written as people write them; parse_case maps them.
CURRENT_MEDS: tuple[str, ...] = (
    "ondansetron",
    "acetaminophen",
    "paroxetine",
    "warfarin",
    "omeprazole",
    "metformin",
    "denosumab",
    "zoledronic acid",
    "Zometa",
    "oxycodone",
    "senna",
)


def _receptors(subtype: str, rng: random.Random) -> dict[str, Any]:
    hr_pos = subtype.startswith("HR+")
    her2_pos = subtype.endswith("HER2+")
    tumor: dict[str, Any] = {"histology": rng.choice(("IDC", "IDC", "IDC", "ILC", "mixed"))}
    if hr_pos:
        tumor["er_percent"] = rng.choice((15, 40, 70, 90, 95, 100))
        tumor["pr_percent"] = rng.choice((0, 5, 30, 60, 80))
    else:
        tumor["er_percent"] = 0
        tumor["pr_percent"] = 0
    if her2_pos:
        if rng.random() < 0.75:
            tumor["her2_ihc"] = "3+"
        else:
            tumor["her2_ihc"] = "2+"
            tumor["her2_ish"] = "amplified"
    else:
        tumor["her2_ihc"] = rng.choice(("0", "0+ultralow", "1+", "2+"))
        if tumor["her2_ihc"] == "2+":
            tumor["her2_ish"] = "not_amplified"
    if subtype == "HR+/HER2-":
        tumor["pik3ca"] = rng.choice(("mutant", "wildtype", "unknown"))
        tumor["esr1"] = rng.choice(("mutant", "wildtype", "unknown"))
    if subtype == "TNBC":
        tumor["pdl1_cps"] = rng.choice((0, 1, 5, 10, 20, 40))
        tumor["gbrca"] = rng.choice(("BRCA1", "BRCA2", "negative", "negative", "unknown"))
    return tumor


def _labs(rng: random.Random, red_flag: bool) -> dict[str, Any]:
    labs: dict[str, Any] = {
        "creatinine_mg_dl": round(rng.uniform(0.6, 1.4), 2),
        "calcium_mg_dl": round(rng.uniform(8.8, 10.2), 1),
        "albumin_g_dl": round(rng.uniform(3.2, 4.6), 1),
        "bilirubin_mg_dl": round(rng.uniform(0.3, 1.1), 1),
        "alt_u_l": rng.randint(12, 45),
        "ast_u_l": rng.randint(12, 45),
        "anc_per_ul": rng.randint(1800, 6000),
        "temp_c": round(rng.uniform(36.2, 37.2), 1),
        "platelets_per_ul": rng.randint(150_000, 400_000),
        "hemoglobin_g_dl": round(rng.uniform(10.5, 14.0), 1),
    }
    if red_flag:
        pick = rng.randrange(4)
        if pick == 0:  # hypercalcemia
            labs["calcium_mg_dl"] = round(rng.uniform(12.0, 14.5), 1)
        elif pick == 1:  # febrile neutropenia
            labs["anc_per_ul"] = rng.randint(100, 450)
            labs["temp_c"] = round(rng.uniform(38.3, 39.4), 1)
        elif pick == 2:  # liver dysfunction
            labs["bilirubin_mg_dl"] = round(rng.uniform(3.5, 8.0), 1)
            labs["alt_u_l"] = rng.randint(200, 900)
            labs["ast_u_l"] = rng.randint(200, 900)
        else:  # renal impairment
            labs["creatinine_mg_dl"] = round(rng.uniform(2.2, 4.0), 2)
    return labs


def _prior(subtype: str, line: int, rng: random.Random) -> list[dict[str, Any]]:
    prior: list[dict[str, Any]] = []
    if rng.random() < 0.5:
        prior.append(
            {
                "drug": rng.choice(ADJUVANT_BY_SUBTYPE[subtype]),
                "setting": "adjuvant",
                "progressed": False,
                "months": rng.choice((6, 12, 24, 60)),
            }
        )
    for regimen in rng.sample(PRIOR_BY_SUBTYPE[subtype], k=min(line - 1, len(PRIOR_BY_SUBTYPE[subtype]))):
        months = rng.choice((3, 5, 8, 14, 22, 30))
        for drug in regimen:
            prior.append({"drug": drug, "setting": "metastatic", "progressed": True, "months": months})
    return prior


def synthetic_case(
    index: int, rng: random.Random, subtype: str, red_flag_rate: float = 0.2
) -> dict[str, Any]:
    """One SYNTHETIC Case dict (case-format.md) with id ``synthetic-<index>``."""
    age = rng.randint(28, 88)
    red_flag = rng.random() < red_flag_rate
    line = rng.choice((1, 1, 2, 3))
    sites = [site for site, weight in SITE_WEIGHTS.items() if rng.random() < weight] or ["bone"]
    symptoms = rng.sample(ROUTINE_SYMPTOMS, k=rng.randint(0, 2))
    if red_flag:
        symptoms.append(rng.choice(RED_FLAG_SYMPTOMS))
    case: dict[str, Any] = {
        "id": f"synthetic-{index}",
        "patient": {
            "age": age,
            "sex": "F" if rng.random() < 0.99 else "M",
            "weight_kg": round(rng.uniform(48, 105), 1),
            "height_cm": round(rng.uniform(150, 180), 1),
            "ecog": rng.choice((0, 0, 1, 1, 2, 3)),
        },
        "tumor": _receptors(subtype, rng),
        "metastatic_sites": sites,
        "symptoms": symptoms,
        "labs": _labs(rng, red_flag and rng.random() < 0.5),
        "prior_treatment": _prior(subtype, line, rng),
        "line": line,
        "notes": ["SYNTHETIC case generated by mbcnav for testing; not a real person."],
    }
    if case["patient"]["sex"] == "F":
        case["patient"]["menopausal"] = "pre" if age < 45 else ("peri" if age < 52 else "post")
    if "brain" in sites:
        case["brain_mets_count"] = rng.choice((1, 2, 3, 5, 12))
    if rng.random() < 0.4:
        case["current_meds"] = rng.sample(CURRENT_MEDS, k=rng.randint(1, 3))
    return case


def synthetic_cases(n: int, seed: int = 7, *, red_flag_rate: float = 0.2) -> Iterator[dict[str, Any]]:
    """``n`` varied SYNTHETIC Case dicts (every subtype, site, red-flag phrasings, labs, prior lines).

    Subtypes are drawn with the cohort's cited mix; one in ``1/red_flag_rate`` carries a red-flag
    symptom (and half of those a matching abnormal lab).
    """
    params = cohort_parameters().subtypes
    rng = random.Random(seed)
    labels = [p.subtype for p in params]
    weights = [p.share for p in params]
    for index in range(n):
        # the first four cases cover every subtype even when n is tiny
        subtype = labels[index] if index < len(labels) else rng.choices(labels, weights)[0]
        yield synthetic_case(index, rng, subtype, red_flag_rate)
