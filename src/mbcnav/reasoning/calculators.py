"""Clinical calculators: BSA, creatinine clearance, corrected calcium, Breast-GPA (2012, 2020),
Mirels, RECIST 1.1, ECOG/KPS and the carboplatin Calvert dose — each a registered ``Calculator`` with
typed inputs and a result in both voices.

Why a registry: the CLI (`mbcnav calc NAME`), the web form, the API and the assessment all reach
the same formulas through ``CALCULATORS``; a new calculator is one entry, not four. Constants,
point tables and interpretation texts live in ``rules/calculators.yaml`` with their sources.

Inputs are validated by pydantic models whose field descriptions carry the unit and whose bounds
are physiological; a bad input raises ``CalculatorInputError`` naming the field, so every shell
shows the same clear message.

Breast GPA 2020 (Sperduto IJROBP 2020;107:334): the KPS, age, brain-metastasis-count and
extracranial points were confirmed against a secondary implementation (the CRAN package ``cliot``);
the subtype points (TNBC 0, HR+/HER2- 0.5, HR-/HER2+ 1.0, HR+/HER2+ 1.5) and the band medians
(6 / 13 / 24 / 36 months) could NOT be confirmed against the paper in this review and are the best
available reading — results say so (``unverified`` in the YAML and a note in each result).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from mbcnav.case import other_unit_hint
from mbcnav.errors import CalculatorInputError
from mbcnav.yamlfile import load_yaml

RULES_FILE = Path(__file__).parent / "rules" / "calculators.yaml"

GpaSubtype = Literal["TNBC", "HR+/HER2-", "HR-/HER2+", "HR+/HER2+"]
Number = float | int | str | None


@functools.cache
def rules() -> dict[str, Any]:
    """Calculator constants and texts, parsed once per process."""
    return load_yaml(RULES_FILE.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------
# Result and registry
# --------------------------------------------------------------------------------------------


class CalculationResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    title: str
    #: the headline value (e.g. Mosteller BSA, the GPA score, the RECIST category)
    value: Number
    unit: str = ""
    #: every value the calculator produced, by name
    values: dict[str, Number] = Field(default_factory=dict)
    public: str
    clinician: str
    sources: tuple[str, ...]
    notes: tuple[str, ...] = ()


class _Inputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclass(frozen=True)
class Calculator:
    """One calculator: what it is, what it needs, and how it computes."""

    name: str
    title: str
    formula: str
    sources: tuple[str, ...]
    inputs: type[BaseModel]
    fn: Callable[[Any], CalculationResult]

    def parse(self, data: BaseModel | Mapping[str, Any]) -> BaseModel:
        """Validate raw inputs; every problem names its field (CalculatorInputError)."""
        if isinstance(data, self.inputs):
            return data
        raw = data.model_dump() if isinstance(data, BaseModel) else dict(data)
        try:
            return self.inputs.model_validate(raw)
        except ValidationError as exc:
            raise _input_error(exc) from None

    def compute(self, inputs: BaseModel | Mapping[str, Any]) -> CalculationResult:
        return self.fn(self.parse(inputs))


def _input_error(exc: ValidationError) -> CalculatorInputError:
    err = exc.errors(include_url=False)[0]
    field = ".".join(str(p) for p in err["loc"]) or None
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown input for this calculator"
    elif err["type"] == "missing":
        msg = "required input is missing"
    return CalculatorInputError(msg, field=field)


def _validate(model: type[_Inputs], **values: Any) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise _input_error(exc) from None


def _band(bands: list[dict[str, Any]], value: float) -> dict[str, Any]:
    """The first band (sorted high to low by ``min``) whose minimum the value reaches."""
    for band in bands:
        if value >= band["min"]:
            return band
    return bands[-1]


def _points(table: list[dict[str, Any]], value: float) -> float:
    return float(_band(table, value)["points"])


# --------------------------------------------------------------------------------------------
# Body surface area
# --------------------------------------------------------------------------------------------


class BsaInputs(_Inputs):
    height_cm: float = Field(ge=100, le=250, description="Height in cm")
    weight_kg: float = Field(ge=20, le=350, description="Body weight in kg")

    @field_validator("height_cm", mode="before")
    @classmethod
    def _metres(cls, value: Any, info: ValidationInfo) -> Any:
        # 1.65 is a height in metres: the case's own unit message, not a bare range error
        return _same_unit_rule_as_case(value, info)


def _mosteller(height_cm: float, weight_kg: float) -> float:
    return math.sqrt(height_cm * weight_kg / rules()["bsa"]["mosteller_divisor"])


def _dubois(height_cm: float, weight_kg: float) -> float:
    k = rules()["bsa"]["dubois"]
    return k["k"] * height_cm ** k["height_exp"] * weight_kg ** k["weight_exp"]


def bsa_mosteller(height_cm: float, weight_kg: float) -> float:
    """Mosteller BSA in m², rounded to 2 decimals."""
    i = _validate(BsaInputs, height_cm=height_cm, weight_kg=weight_kg)
    return round(_mosteller(i.height_cm, i.weight_kg), 2)


def bsa_dubois(height_cm: float, weight_kg: float) -> float:
    """DuBois & DuBois BSA in m², rounded to 2 decimals."""
    i = _validate(BsaInputs, height_cm=height_cm, weight_kg=weight_kg)
    return round(_dubois(i.height_cm, i.weight_kg), 2)


def _bsa(i: BsaInputs) -> CalculationResult:
    cfg = rules()["bsa"]
    m = round(_mosteller(i.height_cm, i.weight_kg), 2)
    d = round(_dubois(i.height_cm, i.weight_kg), 2)
    return CalculationResult(
        name="bsa",
        title=cfg["title"],
        value=m,
        unit="m2",
        values={"mosteller_m2": m, "dubois_m2": d},
        public=cfg["public"].format(value=f"{m:.2f}"),
        clinician=cfg["clinician"].format(value=f"{m:.2f}", dubois=f"{d:.2f}"),
        sources=tuple(cfg["sources"]),
    )


# --------------------------------------------------------------------------------------------
# Cockcroft-Gault creatinine clearance
# --------------------------------------------------------------------------------------------


def _sex(value: Any) -> Any:
    if isinstance(value, str):
        v = value.strip().lower()
        if v in ("f", "female", "woman"):
            return "F"
        if v in ("m", "male", "man"):
            return "M"
    return value


class CrclInputs(_Inputs):
    age: int = Field(ge=18, le=120, description="Age in years (the formula is for adults)")
    weight_kg: float = Field(ge=20, le=350, description="Actual body weight in kg")
    creatinine_mg_dl: float = Field(ge=0.1, le=25, description="Serum creatinine in mg/dL")
    sex: Literal["F", "M"] = Field(description="Sex recorded at birth: F or M")
    height_cm: float | None = Field(
        None, ge=100, le=250, description="Height in cm (optional): adds ideal- and adjusted-weight CrCl"
    )

    _sex = field_validator("sex", mode="before")(_sex)


def _cg(age: float, weight_kg: float, creatinine_mg_dl: float, sex: str) -> float:
    cfg = rules()["crcl"]
    value = (cfg["age_constant"] - age) * weight_kg / (cfg["creatinine_factor"] * creatinine_mg_dl)
    if sex == "F":
        value *= cfg["female_factor"]
    return value


def crcl_cockcroft_gault(age: int, weight_kg: float, creatinine_mg_dl: float, sex: str) -> float:
    """Cockcroft-Gault creatinine clearance in mL/min (×0.85 for female), rounded to 1 decimal."""
    i = _validate(CrclInputs, age=age, weight_kg=weight_kg, creatinine_mg_dl=creatinine_mg_dl, sex=sex)
    return round(_cg(i.age, i.weight_kg, i.creatinine_mg_dl, i.sex), 1)


def ideal_body_weight(height_cm: float, sex: str) -> float:
    """Devine ideal body weight in kg (45.5 or 50 kg + 2.3 kg per inch over 5 feet)."""
    k = rules()["crcl"]["ibw"]
    base = k["female_kg"] if sex == "F" else k["male_kg"]
    return base + k["kg_per_inch"] * (height_cm / k["cm_per_inch"] - k["base_inches"])


def crcl_weights(height_cm: float, weight_kg: float, sex: str) -> tuple[float, float, float, bool]:
    """(ideal weight, adjusted weight, BMI, obese) for Cockcroft-Gault.

    Why: actual weight counts fat as if it made creatinine, so in obesity the CrCl is too high; the
    adjusted weight moves 40% of the excess over ideal back in, and never rises above actual weight.
    """
    cfg = rules()["crcl"]
    ibw = ideal_body_weight(height_cm, sex)
    adjbw = ibw + cfg["adjbw_factor"] * (weight_kg - ibw) if weight_kg > ibw else weight_kg
    bmi = weight_kg / (height_cm / 100) ** 2
    obese = bmi >= cfg["obesity"]["bmi_min"] or weight_kg > cfg["obesity"]["weight_over_ibw"] * ibw
    return ibw, adjbw, bmi, obese


def _crcl(i: CrclInputs) -> CalculationResult:
    cfg = rules()["crcl"]
    value = round(_cg(i.age, i.weight_kg, i.creatinine_mg_dl, i.sex), 1)
    band = _band(cfg["bands"], value)
    values: dict[str, Number] = {"crcl_ml_min": value}
    public = cfg["public"].format(value=f"{value:.0f}", band=band["public"])
    clinician = cfg["clinician"].format(
        value=f"{value:.1f}", band=band["clinician"], female=", x0.85 for female" if i.sex == "F" else ""
    )
    sources = tuple(cfg["sources"])
    notes: tuple[str, ...] = ()
    if i.height_cm is not None:
        ibw, adjbw, bmi, obese = crcl_weights(i.height_cm, i.weight_kg, i.sex)
        with_ibw = round(_cg(i.age, ibw, i.creatinine_mg_dl, i.sex), 1)
        with_adjbw = round(_cg(i.age, adjbw, i.creatinine_mg_dl, i.sex), 1)
        values.update(
            {
                "ibw_kg": round(ibw, 1),
                "adjbw_kg": round(adjbw, 1),
                "bmi": round(bmi, 1),
                "crcl_ibw_ml_min": with_ibw,
                "crcl_adjbw_ml_min": with_adjbw,
            }
        )
        sources += tuple(cfg["weight_sources"])
        if obese:
            note = cfg["weight_note"]
            fields = {
                "weight": f"{i.weight_kg:g}",
                "pct": f"{100 * i.weight_kg / ibw:.0f}",
                "ibw": f"{ibw:.1f}",
                "adjbw": f"{adjbw:.1f}",
                "bmi": f"{bmi:.1f}",
                "crcl_ibw": f"{with_ibw:.0f}",
                "crcl_adjbw": f"{with_adjbw:.0f}",
            }
            public += " " + note["public"].format(**fields)
            clinician += " " + note["clinician"].format(**fields)
            notes = ("weight > 120% of ideal or BMI >= 30: actual-weight CrCl overstates clearance",)
    return CalculationResult(
        name="crcl",
        title=cfg["title"],
        value=value,
        unit="mL/min",
        values=values,
        public=public,
        clinician=clinician,
        sources=sources,
        notes=notes,
    )


# --------------------------------------------------------------------------------------------
# Corrected calcium
# --------------------------------------------------------------------------------------------


def _same_unit_rule_as_case(value: Any, info: ValidationInfo) -> Any:
    """A calcium of 4.5 "mg/dL" is almost surely 4.5 mmol/L, a severe hypercalcemia read as low: the
    calculator refuses it with the case's own unit message (mbcnav.case, Labs), so the calculator, a case
    and triage agree on what they accept."""
    try:
        number = float(value) if isinstance(value, str) else value
    except ValueError:
        return value
    hint = other_unit_hint(str(info.field_name), number)
    if hint:
        raise ValueError(hint)
    return value


class CorrectedCalciumInputs(_Inputs):
    # the same range as Labs.calcium_mg_dl: below 5 mg/dL is a unit error (mmol/L), not a low calcium
    calcium_mg_dl: float = Field(ge=5, le=25, description="Total serum calcium in mg/dL")
    albumin_g_dl: float = Field(ge=0.5, le=7, description="Serum albumin in g/dL")

    _units = field_validator("calcium_mg_dl", "albumin_g_dl", mode="before")(_same_unit_rule_as_case)


@functools.lru_cache(maxsize=4096)
def _corrected_ca(calcium_mg_dl: float, albumin_g_dl: float) -> float:
    """Memoised: triage and case_calculations both ask for it per case, and round() is slow."""
    cfg = rules()["corrected_calcium"]
    return round(calcium_mg_dl + cfg["factor"] * (cfg["albumin_reference_g_dl"] - albumin_g_dl), 2)


def corrected_calcium(calcium_mg_dl: float, albumin_g_dl: float) -> float:
    """Payne albumin-corrected calcium in mg/dL, rounded to 2 decimals."""
    i = _validate(CorrectedCalciumInputs, calcium_mg_dl=calcium_mg_dl, albumin_g_dl=albumin_g_dl)
    return _corrected_ca(i.calcium_mg_dl, i.albumin_g_dl)


def calcium_level(corrected_mg_dl: float) -> str:
    """severe / high / mild / normal / low, by the bands of calculators.yaml."""
    return str(_band(rules()["corrected_calcium"]["bands"], corrected_mg_dl)["level"])


def _corrected_calcium(i: CorrectedCalciumInputs) -> CalculationResult:
    cfg = rules()["corrected_calcium"]
    value = _corrected_ca(i.calcium_mg_dl, i.albumin_g_dl)
    band = _band(cfg["bands"], value)
    return CalculationResult(
        name="corrected_calcium",
        title=cfg["title"],
        value=value,
        unit="mg/dL",
        values={"corrected_calcium_mg_dl": value, "level": band["level"]},
        public=cfg["public"].format(value=f"{value:.1f}", band=band["public"]),
        clinician=cfg["clinician"].format(
            value=f"{value:.2f}",
            calcium=f"{i.calcium_mg_dl:g}",
            albumin=f"{i.albumin_g_dl:g}",
            band=band["clinician"],
        ),
        sources=tuple(cfg["sources"]),
    )


# --------------------------------------------------------------------------------------------
# Breast-GPA 2012 and 2020
# --------------------------------------------------------------------------------------------


def _kps_steps(value: int | None) -> int | None:
    if value is not None and value % 10:
        raise ValueError("Karnofsky score moves in steps of 10 (e.g. 70, 80, 90)")
    return value


def _gpa_subtype(value: Any) -> Any:
    """The subtype in any of the common ways people write it ("triple-negative", "HR-/HER2-", "ER+ HER2-"),
    as the GPA's own name; the aliases live in calculators.yaml `gpa_subtype_aliases`, so a new spelling
    is a data change. Anything else goes on to the Literal check, which lists the accepted names."""
    if not isinstance(value, str):
        return value
    return _gpa_subtype_names().get(_alias_key(value), value)


def _alias_key(text: str) -> str:
    return "".join(text.lower().replace("_", " ").split())


@functools.cache
def _gpa_subtype_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for subtype, aliases in rules()["gpa_subtype_aliases"].items():
        for alias in (subtype, *aliases):
            names[_alias_key(alias)] = subtype
    return names


class BreastGpa2012Inputs(_Inputs):
    kps: int = Field(ge=0, le=100, description="Karnofsky performance status, 0-100 in steps of 10")
    age: int = Field(ge=18, le=120, description="Age in years")
    subtype: GpaSubtype = Field(
        description="TNBC, HR+/HER2-, HR-/HER2+ or HR+/HER2+ (also 'triple-negative', 'HR-/HER2-', ...)"
    )

    _kps = field_validator("kps")(_kps_steps)
    _subtype = field_validator("subtype", mode="before")(_gpa_subtype)


class BreastGpa2020Inputs(BreastGpa2012Inputs):
    brain_mets_count: int = Field(ge=1, le=1000, description="Number of brain metastases")
    extracranial_mets: bool = Field(description="Metastases outside the brain present (true/false)")


def _gpa2012_points(kps: int, age: int, subtype: str) -> dict[str, float]:
    cfg = rules()["breast_gpa_2012"]
    return {
        "kps": _points(cfg["kps_points"], kps),
        "subtype": float(cfg["subtype_points"][subtype]),
        "age": _points(cfg["age_points"], age),
    }


def _gpa2020_points(kps: int, age: int, subtype: str, count: int, extracranial: bool) -> dict[str, float]:
    cfg = rules()["breast_gpa_2020"]
    return {
        "kps": _points(cfg["kps_points"], kps),
        "subtype": float(cfg["subtype_points"][subtype]),
        "age": _points(cfg["age_points"], age),
        "brain_mets": _points(cfg["brain_mets_points"], count),
        "extracranial": float(cfg["extracranial_points"]["present" if extracranial else "absent"]),
    }


def breast_gpa_2012(kps: int, age: int, subtype: str) -> float:
    """Breast-GPA (Sperduto IJROBP 2012) score, 0-4.0."""
    i = _validate(BreastGpa2012Inputs, kps=kps, age=age, subtype=subtype)
    return sum(_gpa2012_points(i.kps, i.age, i.subtype).values())


def breast_gpa_2020(
    kps: int, age: int, subtype: str, brain_mets_count: int, extracranial_mets: bool
) -> float:
    """Updated Breast GPA (Sperduto IJROBP 2020) score, 0-4.0 (subtype points unverified)."""
    i = _validate(
        BreastGpa2020Inputs,
        kps=kps,
        age=age,
        subtype=subtype,
        brain_mets_count=brain_mets_count,
        extracranial_mets=extracranial_mets,
    )
    return sum(_gpa2020_points(i.kps, i.age, i.subtype, i.brain_mets_count, i.extracranial_mets).values())


def gpa_band(version: Literal["breast_gpa_2012", "breast_gpa_2020"], score: float) -> dict[str, Any]:
    """The score band with its cohort median survival (months)."""
    return _band(rules()[version]["bands"], score)


def _gpa_result(name: str, points: dict[str, float]) -> CalculationResult:
    cfg = rules()[name]
    texts = rules()["gpa_texts"]
    score = sum(points.values())
    band = _band(cfg["bands"], score)
    unverified = cfg.get("unverified", [])
    note = (
        " Subtype points and band medians of the 2020 update are not yet confirmed against the paper."
        if unverified
        else ""
    )
    detail = ", ".join(f"{k} {v:g}" for k, v in points.items())
    return CalculationResult(
        name=name,
        title=cfg["title"],
        value=score,
        unit="points",
        values={
            "score": score,
            "median_survival_months": band["median_months"],
            **{f"points_{k}": v for k, v in points.items()},
        },
        public=texts["public"].format(
            cohort=cfg["cohort"], value=f"{score:g}", median=f"{band['median_months']:g}"
        ),
        clinician=texts["clinician"].format(
            title=cfg["title"],
            value=f"{score:g}",
            points=detail,
            median=f"{band['median_months']:g}",
            band_min=f"{band['min']:g}",
            band_max=f"{band['max']:g}",
            cohort=cfg["cohort"],
            unverified=note,
        ),
        sources=tuple(cfg["sources"]),
        notes=tuple(f"unverified: {u}" for u in unverified),
    )


def _gpa2012(i: BreastGpa2012Inputs) -> CalculationResult:
    return _gpa_result("breast_gpa_2012", _gpa2012_points(i.kps, i.age, i.subtype))


def _gpa2020(i: BreastGpa2020Inputs) -> CalculationResult:
    return _gpa_result(
        "breast_gpa_2020", _gpa2020_points(i.kps, i.age, i.subtype, i.brain_mets_count, i.extracranial_mets)
    )


# --------------------------------------------------------------------------------------------
# Mirels
# --------------------------------------------------------------------------------------------


class MirelsInputs(_Inputs):
    site: Literal["upper_limb", "lower_limb", "peritrochanteric"] = Field(description="Where the lesion is")
    pain: Literal["mild", "moderate", "functional"] = Field(
        description="Pain: mild, moderate, or functional (worse when the limb is used)"
    )
    lesion: Literal["blastic", "mixed", "lytic"] = Field(description="Radiographic lesion type")
    cortex_fraction: float = Field(ge=0, le=1, description="Fraction of the cortical width destroyed, 0-1")


def _mirels_points(site: str, pain: str, lesion: str, cortex_fraction: float) -> dict[str, int]:
    cfg = rules()["mirels"]
    size = cfg["size"]
    if cortex_fraction < size["one_below"]:
        size_points = 1
    elif cortex_fraction <= size["two_up_to"]:
        size_points = 2
    else:
        size_points = 3
    return {
        "site": cfg["site"][site],
        "pain": cfg["pain"][pain],
        "lesion": cfg["lesion"][lesion],
        "size": size_points,
    }


def mirels_score(site: str, pain: str, lesion: str, cortex_fraction: float) -> int:
    """Mirels score 4-12."""
    i = _validate(MirelsInputs, site=site, pain=pain, lesion=lesion, cortex_fraction=cortex_fraction)
    return sum(_mirels_points(i.site, i.pain, i.lesion, i.cortex_fraction).values())


def mirels_level(score: int) -> str:
    """high (>= 9), borderline (8) or low (<= 7)."""
    return str(_band(rules()["mirels"]["bands"], score)["level"])


def _mirels(i: MirelsInputs) -> CalculationResult:
    cfg = rules()["mirels"]
    points = _mirels_points(i.site, i.pain, i.lesion, i.cortex_fraction)
    score = sum(points.values())
    band = _band(cfg["bands"], score)
    detail = ", ".join(f"{k} {v}" for k, v in points.items())
    return CalculationResult(
        name="mirels",
        title=cfg["title"],
        value=score,
        unit="points",
        values={"score": score, "level": band["level"], **{f"points_{k}": v for k, v in points.items()}},
        public=cfg["public"].format(value=score, band=band["public"]),
        clinician=cfg["clinician"].format(value=score, points=detail, band=band["clinician"]),
        sources=tuple(cfg["sources"]),
    )


# --------------------------------------------------------------------------------------------
# RECIST 1.1
# --------------------------------------------------------------------------------------------


class RecistInputs(_Inputs):
    baseline_sum_mm: float = Field(
        ge=10,
        le=3000,
        description="Baseline sum of target-lesion diameters in mm (longest; nodes short axis)",
    )
    current_sum_mm: float = Field(ge=0, le=3000, description="Sum of the same target lesions now, in mm")
    nadir_sum_mm: float | None = Field(
        None, ge=0, le=3000, description="Smallest sum on study so far, in mm (defaults to baseline)"
    )
    new_lesions: bool = Field(False, description="Any unequivocal new lesion")
    non_target_progression: bool = Field(False, description="Unequivocal progression of non-target lesions")
    non_target_present: bool = Field(False, description="Non-target lesions still present (not gone)")
    node_short_axes_mm: tuple[float, ...] = Field(
        (), description="Short axes (mm) of target lymph nodes now; each must be < 10 mm for CR"
    )

    @model_validator(mode="after")
    def _nadir_not_above_baseline(self) -> RecistInputs:
        if self.nadir_sum_mm is not None and self.nadir_sum_mm > self.baseline_sum_mm:
            raise ValueError("nadir_sum_mm: the smallest sum cannot be larger than the baseline sum")
        if any(n < 0 or n > 500 for n in self.node_short_axes_mm):
            raise ValueError("node_short_axes_mm: each short axis must be between 0 and 500 mm")
        if self.current_sum_mm < sum(self.node_short_axes_mm) - 1e-9:
            # a target node is measured by its short axis and counts in the sum (RECIST 1.1), so the sum
            # cannot be smaller than the nodes in it: one of the two numbers is wrong
            raise ValueError(
                f"current_sum_mm, node_short_axes_mm: the current sum ({self.current_sum_mm:g} mm) is "
                f"smaller than the target node short axes it includes ({sum(self.node_short_axes_mm):g} mm); "
                "check both"
            )
        return self


def _recist(i: RecistInputs) -> CalculationResult:
    cfg = rules()["recist"]
    baseline, current = i.baseline_sum_mm, i.current_sum_mm
    nadir = min(baseline, i.nadir_sum_mm) if i.nadir_sum_mm is not None else baseline
    increase_mm = current - nadir
    change_baseline = (current - baseline) / baseline * 100
    change_nadir = (increase_mm / nadir * 100) if nadir > 0 else (math.inf if increase_mm > 0 else 0.0)
    target_pd = (
        increase_mm >= cfg["pd_increase_fraction"] * nadir and increase_mm >= cfg["pd_min_absolute_mm"]
    )
    # CR: every non-nodal target gone and every target node back below 10 mm short axis (RECIST 1.1),
    # so a sum of 0 with a 12 mm node left is not CR
    nodes_small = all(n < cfg["node_normal_short_axis_mm"] for n in i.node_short_axes_mm)
    target_cr = nodes_small and (
        current == 0 or (bool(i.node_short_axes_mm) and current <= sum(i.node_short_axes_mm) + 1e-9)
    )
    target_pr = (baseline - current) >= cfg["pr_decrease_fraction"] * baseline

    why: list[str] = []
    if i.new_lesions:
        why.append("new lesion(s)")
    if i.non_target_progression:
        why.append("unequivocal non-target progression")
    if target_pd:
        why.append(f"target sum up {increase_mm:g} mm ({change_nadir:.1f}%) from the nadir of {nadir:g} mm")
    if target_pd:
        target = "PD"
    elif target_cr:
        target = "CR"
    elif target_pr:
        target = "PR"
    else:
        target = "SD"
    if why:
        overall = "PD"
    elif target == "CR" and i.non_target_present:
        overall = "PR"  # RECIST 1.1 table: target CR with non-CR/non-PD non-target lesions is PR
    else:
        overall = target
    text = cfg["responses"][overall]
    clinician_band = text["clinician"].format(why="; ".join(why))
    nadir_pct = "n/a" if math.isinf(change_nadir) else f"{change_nadir:+.1f}"
    return CalculationResult(
        name="recist",
        title=cfg["title"],
        value=overall,
        unit="",
        values={
            "overall_response": overall,
            "target_response": target,
            "change_from_baseline_percent": round(change_baseline, 1),
            "change_from_nadir_percent": None if math.isinf(change_nadir) else round(change_nadir, 1),
            "change_from_nadir_mm": round(increase_mm, 1),
            "nadir_sum_mm": nadir,
        },
        public=cfg["public"].format(band=text["public"]),
        clinician=cfg["clinician"].format(
            band=clinician_band,
            change_baseline=f"{change_baseline:+.1f}",
            change_nadir=nadir_pct,
            change_nadir_mm=f"{increase_mm:+g}",
        ),
        sources=tuple(cfg["sources"]),
    )


def recist_response(
    baseline_sum_mm: float,
    current_sum_mm: float,
    nadir_sum_mm: float | None = None,
    *,
    new_lesions: bool = False,
    non_target_progression: bool = False,
    non_target_present: bool = False,
    node_short_axes_mm: tuple[float, ...] = (),
) -> str:
    """Overall RECIST 1.1 response: CR, PR, SD or PD."""
    i = _validate(
        RecistInputs,
        baseline_sum_mm=baseline_sum_mm,
        current_sum_mm=current_sum_mm,
        nadir_sum_mm=nadir_sum_mm,
        new_lesions=new_lesions,
        non_target_progression=non_target_progression,
        non_target_present=non_target_present,
        node_short_axes_mm=node_short_axes_mm,
    )
    return str(_recist(i).value)


# --------------------------------------------------------------------------------------------
# ECOG <-> Karnofsky
# --------------------------------------------------------------------------------------------


class EcogKpsInputs(_Inputs):
    ecog: int | None = Field(None, ge=0, le=5, description="ECOG performance status 0-5")
    kps: int | None = Field(None, ge=0, le=100, description="Karnofsky performance status 0-100, steps of 10")

    _kps = field_validator("kps")(_kps_steps)

    @model_validator(mode="after")
    def _exactly_one(self) -> EcogKpsInputs:
        if (self.ecog is None) == (self.kps is None):
            raise ValueError("give exactly one of ecog or kps")
        return self


def ecog_to_kps(ecog: int) -> tuple[int, int]:
    """The conventional KPS range for an ECOG grade (approximate)."""
    i = _validate(EcogKpsInputs, ecog=ecog)
    low, high = rules()["ecog_kps"]["ecog_to_kps"][i.ecog]
    return int(low), int(high)


def _kps_to_ecog(kps: int) -> int:
    for ecog, (low, high) in rules()["ecog_kps"]["ecog_to_kps"].items():
        if low <= kps <= high:
            return int(ecog)
    raise AssertionError("ECOG/KPS table leaves a gap")  # pragma: no cover


def kps_to_ecog(kps: int) -> int:
    """The conventional ECOG grade for a KPS score (approximate)."""
    i = _validate(EcogKpsInputs, kps=kps)
    return _kps_to_ecog(int(i.kps))


def _ecog_kps(i: EcogKpsInputs) -> CalculationResult:
    cfg = rules()["ecog_kps"]
    if i.ecog is not None:
        low, high = cfg["ecog_to_kps"][i.ecog]
        value: Number = f"{low}-{high}" if low != high else str(low)
        text = f"ECOG {i.ecog} ({cfg['ecog_words'][i.ecog]}) is about Karnofsky {value}."
        values: dict[str, Number] = {"ecog": i.ecog, "kps_min": low, "kps_max": high}
    else:
        ecog = _kps_to_ecog(int(i.kps))  # type: ignore[arg-type]
        value = ecog
        text = f"Karnofsky {i.kps} is about ECOG {ecog} ({cfg['ecog_words'][ecog]})."
        values = {"kps": i.kps, "ecog": ecog}
    return CalculationResult(
        name="ecog_kps",
        title=cfg["title"],
        value=value,
        values=values,
        public=cfg["public"].format(text=text),
        clinician=cfg["clinician"].format(text=text),
        sources=tuple(cfg["sources"]),
    )


# --------------------------------------------------------------------------------------------
# Carboplatin dose (Calvert)
# --------------------------------------------------------------------------------------------


class CalvertInputs(_Inputs):
    target_auc: float = Field(gt=0, le=10, description="Target AUC in mg/mL x min (e.g. 5 or 6)")
    gfr_ml_min: float = Field(
        gt=0, le=250, description="GFR in mL/min (measured, or Cockcroft-Gault creatinine clearance)"
    )


def calvert_gfr(gfr_ml_min: float) -> float:
    """The GFR the formula uses: capped, because creatinine-based estimates overstate a high GFR."""
    return min(gfr_ml_min, float(rules()["calvert"]["gfr_cap_ml_min"]))


def calvert_dose(target_auc: float, gfr_ml_min: float) -> float:
    """Carboplatin dose in mg for a target AUC (Calvert 1989, GFR capped), rounded to 1 decimal.

    The cap comes before validation: a GFR the program estimated itself (a Cockcroft-Gault CrCl of 260
    at a low creatinine) is a reason to cap, never an input error that would sink the whole assessment.
    """
    i = _validate(CalvertInputs, target_auc=target_auc, gfr_ml_min=calvert_gfr(gfr_ml_min))
    return round(i.target_auc * (i.gfr_ml_min + rules()["calvert"]["nonrenal_ml_min"]), 1)


def calvert_dialysis_dose(target_auc: float) -> float:
    """Carboplatin dose in mg on haemodialysis: the Calvert formula with GFR taken as 0 (AUC x 25).

    Why not the CrCl: Cockcroft-Gault estimates no GFR between dialysis sessions, so the published
    practice counts only the non-renal clearance, with dialysis soon after the infusion (calculators.yaml).
    """
    return round(target_auc * rules()["calvert"]["nonrenal_ml_min"], 1)


def _calvert(i: CalvertInputs) -> CalculationResult:
    cfg = rules()["calvert"]
    gfr = calvert_gfr(i.gfr_ml_min)
    dose = calvert_dose(i.target_auc, i.gfr_ml_min)
    capped = cfg["capped"].format(given=f"{i.gfr_ml_min:g}") if gfr < i.gfr_ml_min else ""
    return CalculationResult(
        name="calvert",
        title=cfg["title"],
        value=dose,
        unit="mg",
        values={"carboplatin_dose_mg": dose, "gfr_used_ml_min": gfr, "target_auc": i.target_auc},
        public=cfg["public"].format(dose=f"{dose:.0f}"),
        clinician=cfg["clinician"].format(
            auc=f"{i.target_auc:g}", gfr=f"{gfr:g}", dose=f"{dose:g}", capped=capped
        ),
        sources=tuple(cfg["sources"]),
        notes=(capped.strip(" ()"),) if capped else (),
    )


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------


def _calc(name: str, inputs: type[BaseModel], fn: Callable[[Any], CalculationResult]) -> Calculator:
    cfg = rules()[name]
    return Calculator(
        name=name,
        title=cfg["title"],
        formula=cfg["formula"],
        sources=tuple(cfg["sources"]),
        inputs=inputs,
        fn=fn,
    )


CALCULATORS: dict[str, Calculator] = {
    c.name: c
    for c in (
        _calc("bsa", BsaInputs, _bsa),
        _calc("crcl", CrclInputs, _crcl),
        _calc("corrected_calcium", CorrectedCalciumInputs, _corrected_calcium),
        _calc("breast_gpa_2012", BreastGpa2012Inputs, _gpa2012),
        _calc("breast_gpa_2020", BreastGpa2020Inputs, _gpa2020),
        _calc("mirels", MirelsInputs, _mirels),
        _calc("recist", RecistInputs, _recist),
        _calc("ecog_kps", EcogKpsInputs, _ecog_kps),
        _calc("calvert", CalvertInputs, _calvert),
    )
}


# --------------------------------------------------------------------------------------------
# The assessment's `calculations`
# --------------------------------------------------------------------------------------------

_NOT_EXTRACRANIAL = frozenset({"brain", "leptomeninges"})


def _kps_for_points(case: Any, tables: list[list[dict[str, Any]]]) -> int | None:
    """KPS as recorded, or one estimated from ECOG when every end of its KPS range scores the same."""
    patient = case.patient
    if patient.kps is not None:
        return int(patient.kps)
    if patient.ecog is None:
        return None
    low, high = rules()["ecog_kps"]["ecog_to_kps"][patient.ecog]
    if all(_points(t, low) == _points(t, high) for t in tables):
        return int(low)
    return None


@dataclass(frozen=True, slots=True)
class _CaseConstants:
    """The constants ``case_calculations`` reads, pulled out of the rules once (not per case)."""

    mosteller_divisor: float
    dubois_k: float
    dubois_height_exp: float
    dubois_weight_exp: float
    crcl_age_constant: float
    crcl_creatinine_factor: float
    crcl_female_factor: float
    gpa_subtypes: Any
    kps_estimated: dict[int, str]


@functools.cache
def _case_constants() -> _CaseConstants:
    r = rules()
    dubois, crcl = r["bsa"]["dubois"], r["crcl"]
    return _CaseConstants(
        mosteller_divisor=r["bsa"]["mosteller_divisor"],
        dubois_k=dubois["k"],
        dubois_height_exp=dubois["height_exp"],
        dubois_weight_exp=dubois["weight_exp"],
        crcl_age_constant=crcl["age_constant"],
        crcl_creatinine_factor=crcl["creatinine_factor"],
        crcl_female_factor=crcl["female_factor"],
        gpa_subtypes=r["breast_gpa_2012"]["subtype_points"],
        kps_estimated={
            int(ecog): f"{low}-{high}" if low != high else str(low)
            for ecog, (low, high) in r["ecog_kps"]["ecog_to_kps"].items()
        },
    )


def case_calculations(case: Any, subtype_result: Any) -> dict[str, Number]:
    """Every calculation the case's data allows, by the published keys of the Assessment.

    Keys appear only when derivable: bsa_mosteller_m2, bsa_dubois_m2, crcl_ml_min (actual body weight;
    with ibw_kg, adjbw_kg, crcl_ibw_ml_min and crcl_adjbw_ml_min when weight > 120% of ideal or BMI >= 30),
    corrected_calcium_mg_dl, breast_gpa (+ breast_gpa_median_months), breast_gpa_2020
    (+ breast_gpa_2020_median_months), mirels_max, kps_estimated or ecog_estimated.
    Uses the raw formulas (the Case is already validated) with constants read once, to stay cheap
    per case; the arithmetic is written exactly as in the calculators so the numbers are the same.
    """
    c = _case_constants()
    out: dict[str, Number] = {}
    p, labs = case.patient, case.labs
    height, weight, age = p.height_cm, p.weight_kg, p.age
    if height is not None and weight is not None:
        out["bsa_mosteller_m2"] = round(math.sqrt(height * weight / c.mosteller_divisor), 2)
        out["bsa_dubois_m2"] = round(
            c.dubois_k * height**c.dubois_height_exp * weight**c.dubois_weight_exp, 2
        )
    creatinine = labs.creatinine_mg_dl
    if (
        age is not None
        and age >= 18
        and weight is not None
        and p.sex is not None
        and creatinine is not None
        and creatinine >= 0.1
    ):
        crcl = (c.crcl_age_constant - age) * weight / (c.crcl_creatinine_factor * creatinine)
        if p.sex == "F":
            crcl *= c.crcl_female_factor
        out["crcl_ml_min"] = round(crcl, 1)
        if height is not None:
            _obesity_crcl(age, height, weight, creatinine, p.sex, out)
    calcium, albumin = labs.calcium_mg_dl, labs.albumin_g_dl
    if calcium is not None and albumin is not None:
        out["corrected_calcium_mg_dl"] = _corrected_ca(calcium, albumin)  # memoised; triage asked already
    if "brain" in case.metastatic_sites:
        _gpa_calculations(case, subtype_result, out)
    if case.bone_lesions:
        out["mirels_max"] = max(
            sum(_mirels_points(b.site, b.pain, b.type, b.cortex_fraction).values()) for b in case.bone_lesions
        )
    if p.ecog is not None and p.kps is None:
        out["kps_estimated"] = c.kps_estimated[p.ecog]
    elif p.kps is not None and p.ecog is None:
        out["ecog_estimated"] = _kps_to_ecog(p.kps)
    return out


def _obesity_crcl(
    age: int, height: float, weight: float, creatinine: float, sex: str, out: dict[str, Number]
) -> None:
    """Ideal- and adjusted-weight CrCl, only when weight is > 120% of ideal or BMI >= 30.

    Only then, so the renal alerts can say the actual-weight value may overstate clearance while
    other cases' calculations stay as they were; the CrCl the rules test stays the actual-weight one.
    """
    ibw, adjbw, _, obese = crcl_weights(height, weight, sex)
    if obese:
        out["ibw_kg"] = round(ibw, 1)
        out["adjbw_kg"] = round(adjbw, 1)
        out["crcl_ibw_ml_min"] = round(_cg(age, ibw, creatinine, sex), 1)
        out["crcl_adjbw_ml_min"] = round(_cg(age, adjbw, creatinine, sex), 1)


def _gpa_calculations(case: Any, subtype_result: Any, out: dict[str, Number]) -> None:
    """Breast-GPA 2012 and 2020 for a case with brain metastases (when subtype, age and KPS allow)."""
    p = case.patient
    subtype = getattr(subtype_result, "subtype", None)
    if subtype in rules()["breast_gpa_2012"]["subtype_points"] and (p.age is not None and p.age >= 18):
        cfg12, cfg20 = rules()["breast_gpa_2012"], rules()["breast_gpa_2020"]
        kps = _kps_for_points(case, [cfg12["kps_points"]])
        if kps is not None:
            score = sum(_gpa2012_points(kps, p.age, subtype).values())
            out["breast_gpa"] = score
            out["breast_gpa_median_months"] = _band(cfg12["bands"], score)["median_months"]
        kps20 = _kps_for_points(case, [cfg20["kps_points"]])
        if kps20 is not None and case.brain_mets_count:
            extracranial = any(site not in _NOT_EXTRACRANIAL for site in case.metastatic_sites)
            score20 = sum(
                _gpa2020_points(kps20, p.age, subtype, case.brain_mets_count, extracranial).values()
            )
            out["breast_gpa_2020"] = score20
            out["breast_gpa_2020_median_months"] = _band(cfg20["bands"], score20)["median_months"]
