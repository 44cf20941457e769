"""The Case: one person's situation, as the public JSON format of design/case-format.md defines it.

Validation lives here, at the edge: unknown fields are errors, values outside physiological range
are errors that name the field, and values that look like another unit (calcium in mmol/L, a
temperature in °F) are errors that say which unit the field wants. Drug names (generic or brand)
are resolved to generic names here, so the reasoning core only ever sees canonical names.
"""

from __future__ import annotations

import difflib
import functools
import re
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    Strict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from mbcnav.assessment import NameReadingNote
from mbcnav.drugnames import NameReading, known_generic, read_drug_name, reading_texts, treatment_generics
from mbcnav.errors import CaseValidationError, UnknownDrugError
from mbcnav.yamlfile import read_yaml

SiteCode = Literal[
    "bone", "liver", "lung", "brain", "lymph_node", "pleura", "leptomeninges", "peritoneum",
    "skin", "other",
]
SITE_CODES: tuple[str, ...] = SiteCode.__args__  # type: ignore[attr-defined]
Mutation = Literal["mutant", "wildtype", "unknown"]
#: untreated: no local therapy yet; progressing: grew (or new lesions) after surgery or radiotherapy;
#: stable: treated and not growing. "Active" in trials (HER2CLIMB, DESTINY-Breast12) = untreated or
#: progressing.
BrainMetsStatus = Literal["untreated", "progressing", "stable"]

# Numbers and yes/no answers are taken as JSON types them: text ("90") or true where a number belongs,
# or 1 / "yes" where true/false belongs, is an error naming the field, never a silent 90, 1 or True.
# pydantic's per-field strict mode does this in its Rust core (no Python call per field); an integer
# still counts as a float, but a count (age, ECOG, line) must be a whole JSON integer.
Number = Annotated[float, Strict()]
Count = Annotated[int, Strict()]
YesNo = Annotated[bool, Strict()]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _drug(value: str) -> str:
    """Resolve a generic or brand name, also as written on a medicine list ("metoprolol succinate ER",
    "aspirin 81": drugnames.read_drug_name); unknown names are errors (no silent guessing)."""
    generic = known_generic(value)
    if generic is not None:
        return generic
    try:
        return read_drug_name(value).generic
    except UnknownDrugError as exc:
        raise ValueError(exc.message) from None


#: C0 controls but tab, line feed and carriage return (NUL first), DEL, C1 controls, and the bidi
#: embeddings, overrides and isolates (U+202A-202E, U+2066-2069: "Trojan Source", CVE-2021-42574)
HIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _plain_text(value: str) -> str:
    """Refuse characters that are invisible or reorder what is shown: a NUL reached the page and PDF,
    and U+202E showed "evil" as "live". Refused rather than stripped, so nothing is changed silently;
    the left-to-right and right-to-left marks (U+200E/200F) that Hebrew or Arabic text needs stay."""
    message = hidden_char_problem(value)
    if message is not None:
        raise ValueError(message)
    return value


def hidden_char_problem(value: str) -> str | None:
    """The refusal message for text with a hidden character, or None; one wording for every input."""
    found = HIDDEN_CHARS.search(value)
    if found is None:
        return None
    return (
        f"contains the invisible control character U+{ord(found[0]):04X}; remove it (it can hide or "
        "reorder what is shown)"
    )


#: every free text of a Case (id, symptoms, notes, drug names, reactions, toxicities, conditions) and of
#: the triage and ask inputs: no control or direction-override characters
PlainText = AfterValidator(_plain_text)

DrugName = Annotated[str, Field(min_length=1, max_length=120), PlainText]
#: one entry of current_meds: resolved on its own, so every unknown name is reported at its place
#: (current_meds.3), all at once
MedName = Annotated[str, Field(min_length=1, max_length=120), PlainText, AfterValidator(_drug)]


@functools.cache
def _comorbidity_names() -> dict[str, str]:
    """Every accepted way of writing a condition → the name the rules read (reasoning/rules/
    comorbidities.yaml)."""
    rows = read_yaml(Path(__file__).parent / "reasoning" / "rules" / "comorbidities.yaml")
    out: dict[str, str] = {}
    for row in rows:
        for written in (row["name"], *row.get("aliases", ())):
            out[_condition_key(written)] = row["name"]
    return out


def _condition_key(value: str) -> str:
    return value.strip().lower().replace(" ", "_").replace("-", "_")


def _comorbidity(value: str) -> str:
    """A condition as the rules name it. An unknown word is an error rather than dropped: a rule for
    myasthenia gravis that never sees it would say nothing, which reads as "no problem"."""
    names = _comorbidity_names()
    name = names.get(_condition_key(value))
    if name is None:
        known = ", ".join(sorted(set(names.values())))
        raise PydanticCustomError(
            "unknown_comorbidity",
            "unknown condition {value}; known conditions: {known}",
            {"value": repr(value), "known": known},
        )
    return name


Comorbidity = Annotated[str, Field(min_length=1, max_length=120), PlainText, AfterValidator(_comorbidity)]

_DOSE_FIELDS = ("dose_mg", "dose_mg_m2", "dose_mg_kg")
#: a written dose: its number and the unit after it ("4 mL" -> "4", "mL")
_WRITTEN_DOSE = re.compile(r"^\s*([\d.,]+)\s*(.*)$")
#: units mbcnav reads (or converts) that must go in a dose field, not in dose_as_written
_READ_UNITS = {
    "mg": "dose_mg",
    "mg/m2": "dose_mg_m2",
    "mg/m^2": "dose_mg_m2",
    "mg/kg": "dose_mg_kg",
    "g": "dose_mg",
    "mcg": "dose_mg",
    "ug": "dose_mg",
    "µg": "dose_mg",
}


def _reading(value: Any) -> NameReading | None:
    """How a written name was read, when reading changed it (None for known names and unknown ones:
    the field validators report those)."""
    if not isinstance(value, str) or known_generic(value) is not None:
        return None
    try:
        reading = read_drug_name(value.strip())
    except UnknownDrugError:
        return None
    return reading if reading.changed else None


def _strength_error(reading: NameReading) -> str:
    return (
        f"'{reading.given}' has a strength ({reading.unmapped_strength}) that is not a dose in mg, mg/m2 "
        f"or mg/kg; write the unit (e.g. '{reading.generic} 20 mg') or give the dose of {reading.generic} "
        "as dose_mg, dose_mg_m2 or dose_mg_kg"
    )


def _dose_from_name(data: Any) -> Any:
    """A strength written in a treatment's drug name ("letrozole 2.5 mg") fills its dose field, so a
    dose is never dropped; a different dose in the field, or a strength that is not a dose, is an error."""
    if not isinstance(data, dict):
        return data
    reading = _reading(data.get("drug"))
    if reading is None:
        return data
    if reading.dose is None:
        if reading.unmapped_strength:
            raise ValueError(_strength_error(reading))
        return data
    field, value = reading.dose
    given = {f: data[f] for f in _DOSE_FIELDS if data.get(f) is not None}
    if not given:
        return {**data, field: value}
    if given != {field: value}:
        shown = ", ".join(f"{f} = {v}" for f, v in given.items())
        raise ValueError(
            f"the name '{reading.given}' gives a dose of {value:g} ({field}) but {shown}: give one dose"
        )
    return data


#: readings of the current_meds entries of the case being validated (by position), for moving a
#: strength written on a cancer drug into current_treatment's dose (see Case._move_treatments_out_of_meds)
_MED_READINGS: ContextVar[tuple[NameReading | None, ...]] = ContextVar("_MED_READINGS", default=())


class Patient(_Strict):
    age: Count | None = Field(None, ge=0, le=120, description="Age in years")
    sex: Literal["F", "M"] | None = Field(None, description="Sex recorded at birth: F or M")
    menopausal: Literal["pre", "peri", "post"] | None = None
    weight_kg: Number | None = Field(None, ge=20, le=350, description="Body weight in kg")
    height_cm: Number | None = Field(None, ge=100, le=250, description="Height in cm")

    @model_validator(mode="wrap")
    @classmethod
    def _catch_other_units(cls, data: Any, handler: ModelWrapValidatorHandler[Patient]) -> Patient:
        """A height of 1.65 was given in metres: say so instead of a bare range error."""
        try:
            return handler(data)
        except ValidationError as exc:
            if isinstance(data, dict):
                _raise_unit_traps(data, _PATIENT_UNIT_TRAPS, exc)
            raise
    ecog: Count | None = Field(None, ge=0, le=4, description="ECOG performance status 0-4")
    kps: Count | None = Field(None, ge=0, le=100, description="Karnofsky performance status 0-100")
    pregnant: YesNo | None = None
    gestation_weeks: Number | None = Field(None, ge=0, le=45)
    breastfeeding: YesNo | None = None
    on_dialysis: YesNo | None = None
    # Labels dose eribulin, fulvestrant and the CDK4/6 inhibitors by Child-Pugh class, which needs an
    # examination (ascites, encephalopathy) that labs alone cannot give: so it is recorded, not derived.
    child_pugh: Literal["A", "B", "C"] | None = Field(
        None, description="Liver disease class from the care team (Child-Pugh A, B or C), if known"
    )

    @field_validator("child_pugh", mode="before")
    @classmethod
    def _child_pugh_letter(cls, value: Any) -> Any:
        # "b" and "Child-Pugh B" name the same class; anything else is left for the Literal to refuse.
        if isinstance(value, str):
            text = value.strip().upper().removeprefix("CHILD-PUGH").removeprefix("CHILD PUGH").strip()
            return text if text in {"A", "B", "C"} else value
        return value

    @field_validator("kps")
    @classmethod
    def _kps_in_tens(cls, value: int | None) -> int | None:
        if value is not None and value % 10:
            raise ValueError("Karnofsky score moves in steps of 10 (e.g. 70, 80, 90)")
        return value


class Tumor(_Strict):
    histology: Literal["IDC", "ILC", "mixed", "other"] | None = None
    er_percent: Number | None = Field(None, ge=0, le=100, description="ER-positive nuclei, %")
    pr_percent: Number | None = Field(None, ge=0, le=100, description="PR-positive nuclei, %")
    her2_ihc: Literal["0", "0+ultralow", "1+", "2+", "3+"] | None = None
    her2_ish: Literal["amplified", "not_amplified"] | None = None
    her2_ish_ratio: Number | None = Field(None, ge=0, le=50, description="HER2/CEP17 ratio")
    her2_mean_copy_number: Number | None = Field(None, ge=0, le=100, description="HER2 signals/cell")
    pik3ca: Mutation | None = None
    esr1: Mutation | None = None
    akt1: Mutation | None = None
    pten: Mutation | None = None
    gbrca: Literal["BRCA1", "BRCA2", "negative", "unknown"] | None = None
    gpalb2: Literal["mutant", "negative", "unknown"] | None = None
    pdl1_cps: Number | None = Field(None, ge=0, le=100, description="PD-L1 combined positive score")
    # Reports (and FHIR records) often give only a positive/negative call. These fields keep that
    # call when no percent or IHC score is known; the subtype step uses them and says what is missing.
    er_status: Literal["positive", "negative"] | None = None
    pr_status: Literal["positive", "negative"] | None = None
    her2_status: Literal["positive", "negative", "equivocal"] | None = None

    @model_validator(mode="after")
    def _calls_match_numbers(self) -> Tumor:
        if self.er_status is None and self.pr_status is None:
            return self
        for marker in ("er", "pr"):
            percent = getattr(self, f"{marker}_percent")
            status = getattr(self, f"{marker}_status")
            if percent is not None and status is not None and (percent >= 1) != (status == "positive"):
                raise ValueError(
                    f"{marker}_status is '{status}' but {marker}_percent is {percent:g} "
                    "(positive means >= 1% of nuclei): give one consistent result"
                )
        return self

    @field_validator("her2_ihc", mode="before")
    @classmethod
    def _her2_ihc_as_text(cls, value: Any) -> Any:
        # People write IHC scores as numbers (3) or with a plus (3+); accept both, say nothing.
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 3:
            return "0" if value == 0 else f"{value}+"
        return value


class Labs(_Strict):
    creatinine_mg_dl: Number | None = Field(None, gt=0, le=25, description="Serum creatinine, mg/dL")
    calcium_mg_dl: Number | None = Field(None, ge=5, le=25, description="Total serum calcium, mg/dL")
    albumin_g_dl: Number | None = Field(None, ge=0.5, le=7, description="Serum albumin, g/dL")
    bilirubin_mg_dl: Number | None = Field(None, ge=0, le=60, description="Total bilirubin, mg/dL")
    alt_u_l: Number | None = Field(None, ge=0, le=20000, description="ALT, U/L")
    ast_u_l: Number | None = Field(None, ge=0, le=20000, description="AST, U/L")
    anc_per_ul: Number | None = Field(None, ge=0, le=150000, description="Neutrophils, cells/µL")
    temp_c: Number | None = Field(None, ge=25, le=45, description="Body temperature, °C")
    lvef_percent: Number | None = Field(None, ge=5, le=90, description="LV ejection fraction, %")
    # the pre-treatment value the HER2-therapy labels measure a fall from (Herceptin 2.2: hold for a fall
    # >= 16 points): without it those holds can only be stated as conditions
    lvef_baseline_percent: Number | None = Field(
        None, ge=5, le=90, description="Baseline (pre-treatment) LV ejection fraction, %"
    )
    qtcf_ms: Number | None = Field(None, ge=250, le=750, description="QTc (Fridericia), ms")
    glucose_mg_dl: Number | None = Field(None, ge=10, le=2500, description="Glucose, mg/dL")
    hba1c_percent: Number | None = Field(None, ge=3, le=20, description="HbA1c, %")
    platelets_per_ul: Number | None = Field(None, ge=0, le=3_000_000, description="Platelets, /µL")
    hemoglobin_g_dl: Number | None = Field(None, ge=1, le=25, description="Hemoglobin, g/dL")
    mcv_fl: Number | None = Field(None, ge=40, le=160, description="MCV, fL")
    inr: Number | None = Field(None, ge=0.5, le=20)
    sodium_mmol_l: Number | None = Field(None, ge=90, le=200, description="Sodium, mmol/L")
    potassium_mmol_l: Number | None = Field(None, ge=1, le=10, description="Potassium, mmol/L")
    magnesium_mg_dl: Number | None = Field(None, ge=0.2, le=10, description="Magnesium, mg/dL")
    phosphate_mg_dl: Number | None = Field(None, ge=0.2, le=20, description="Phosphate, mg/dL")
    alp_u_l: Number | None = Field(None, ge=0, le=10000, description="Alkaline phosphatase, U/L")
    triglycerides_mg_dl: Number | None = Field(None, ge=0, le=10000, description="Triglycerides, mg/dL")
    vitamin_d_25oh_ng_ml: Number | None = Field(None, ge=0, le=300, description="25-OH vitamin D, ng/mL")
    estradiol_pg_ml: Number | None = Field(None, ge=0, le=10000, description="Estradiol, pg/mL")
    fsh_iu_l: Number | None = Field(None, ge=0, le=500, description="FSH, IU/L")
    spo2_percent: Number | None = Field(None, ge=30, le=100, description="Oxygen saturation, %")
    peripheral_blasts_percent: Number | None = Field(None, ge=0, le=100, description="Blasts, %")
    # The laboratory's own upper limits of normal, for the "x ULN" safety rules (labels dose by
    # multiples of the ULN); without them, typical adult limits from rules/safety.yaml are used.
    bilirubin_uln_mg_dl: Number | None = Field(
        None, ge=0.3, le=3, description="Upper limit of normal for total bilirubin at this lab, mg/dL"
    )
    alt_uln_u_l: Number | None = Field(None, ge=10, le=200, description="Upper limit of normal for ALT, U/L")
    ast_uln_u_l: Number | None = Field(None, ge=10, le=200, description="Upper limit of normal for AST, U/L")
    alp_uln_u_l: Number | None = Field(None, ge=30, le=500, description="Upper limit of normal for ALP, U/L")

    @model_validator(mode="wrap")
    @classmethod
    def _catch_other_units(cls, data: Any, handler: ModelWrapValidatorHandler[Labs]) -> Labs:
        """Values that only make sense in another unit get a message naming the unit we want.

        A unit message replaces that field's range error, as if it were checked first; every other
        field's error is still reported (one wrong temperature must not hide an impossible calcium).
        Most trap ranges lie outside the field's valid range, so those traps can only fire when
        validation fails; on success only the traps inside the valid range are checked, which keeps
        the common path short.
        """
        try:
            labs = handler(data)
        except ValidationError as exc:
            if isinstance(data, dict):
                _raise_unit_traps(data, _UNIT_TRAPS, exc)
            raise
        # A cheap screen on the validated numbers (a superset of those two traps' ranges);
        # _raise_unit_traps then judges the raw input exactly as the traps say.
        anc, platelets = labs.anc_per_ul, labs.platelets_per_ul
        if ((anc is not None and anc < 30) or (platelets is not None and platelets < 2000)) and isinstance(
            data, dict
        ):
            _raise_unit_traps(data, _IN_RANGE_TRAPS)
        return labs


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _raise_unit_traps(
    data: dict[Any, Any], traps: tuple[tuple[str, Any, str], ...], failed: ValidationError | None = None
) -> None:
    """Raise one error per field whose value looks like another unit, located at that field, together
    with the other fields' own errors from ``failed`` (the validation that just failed, if any)."""
    details: list[InitErrorDetails] = []
    trapped: set[str] = set()
    for field, test, message in traps:
        value = data.get(field)
        if _is_number(value) and test(value):
            trapped.add(field)
            text = _unit_text(message, value)
            details.append(
                InitErrorDetails(
                    type=PydanticCustomError("unit_mismatch", "{message}", {"message": text}),
                    loc=(field,),
                    input=value,
                )
            )
    if not details:
        return
    if failed is not None:
        for err in failed.errors(include_url=False):
            if err["loc"] and err["loc"][0] in trapped:
                continue
            details.append(
                InitErrorDetails(
                    type=PydanticCustomError(err["type"], "{message}", {"message": err["msg"]}),
                    loc=err["loc"],
                    input=err.get("input"),
                )
            )
    raise ValidationError.from_exception_data("Labs", details)


def _unit_text(message: Any, value: float) -> str:
    """A trap's message: fixed text, or a function of the value when the hint converts it."""
    return str(message(value) if callable(message) else message)


def _hba1c_ifcc(value: float) -> str:
    # IFCC-NGSP master equation (ifcc-ngsp-master-equation): NGSP % = 0.0915 x IFCC mmol/mol + 2.15
    return (
        f"looks like mmol/mol (IFCC); give % (NGSP = 0.0915 × mmol/mol + 2.15): "
        f"{value:g} mmol/mol = {0.0915 * value + 2.15:.1f}%"
    )


_UNIT_TRAPS: tuple[tuple[str, Any, str], ...] = (
    ("temp_c", lambda v: 90 <= v <= 115, "looks like °F; give the temperature in °C (e.g. 38.3)"),
    # below 5 mg/dL total calcium is not survivable, while 3-5 mmol/L is severe hypercalcemia: a value
    # there was almost surely sent in mmol/L, and reading it as mg/dL would hide an emergency
    ("calcium_mg_dl", lambda v: 0.5 <= v < 5, "looks like mmol/L; give mg/dL (2.5 mmol/L = 10 mg/dL)"),
    ("creatinine_mg_dl", lambda v: 25 < v <= 2500, "looks like µmol/L; give mg/dL (88.4 µmol/L = 1 mg/dL)"),
    ("albumin_g_dl", lambda v: 10 <= v <= 70, "looks like g/L; give g/dL (40 g/L = 4.0 g/dL)"),
    ("hemoglobin_g_dl", lambda v: 25 < v <= 250, "looks like g/L; give g/dL (121 g/L = 12.1 g/dL)"),
    ("glucose_mg_dl", lambda v: 0 < v < 10, "looks like mmol/L; give mg/dL (5.5 mmol/L = 99 mg/dL)"),
    ("bilirubin_mg_dl", lambda v: 60 < v <= 1000, "looks like µmol/L; give mg/dL (17.1 µmol/L = 1 mg/dL)"),
    (
        "anc_per_ul",
        lambda v: 0 < v < 30 and v != int(v),
        "looks like ×10⁹/L; give cells/µL (1.5 ×10⁹/L = 1500/µL)",
    ),
    (
        "platelets_per_ul",
        lambda v: 0 < v < 2000,
        "looks like ×10⁹/L; give cells/µL (210 ×10⁹/L = 210000/µL)",
    ),
    ("lvef_percent", lambda v: 0 < v < 1, "looks like a fraction; give a percent (0.55 = 55)"),
    ("lvef_baseline_percent", lambda v: 0 < v < 1, "looks like a fraction; give a percent (0.55 = 55)"),
    ("qtcf_ms", lambda v: 0 < v < 1, "looks like seconds; give milliseconds (0.45 s = 450 ms)"),
    # UK and EU reports give HbA1c in mmol/mol (IFCC): 20-200 there is 4-20% (NGSP)
    ("hba1c_percent", lambda v: 20 < v <= 200, _hba1c_ifcc),
)

#: the Patient's own unit traps (checked only when its validation fails: they lie outside the range)
_PATIENT_UNIT_TRAPS: tuple[tuple[str, Any, Any], ...] = (
    ("height_cm", lambda v: 0.5 <= v <= 2.5, "looks like metres; give centimetres (1.65 m = 165 cm)"),
)

#: values that are possible in the field's unit but also typical of another one: kept, with a hint beside
#: them (a bilirubin of 17 mg/dL is severe jaundice, 17 µmol/L is normal); the message converts the value
_SOFT_UNIT_HINTS: tuple[tuple[str, Any, Any], ...] = (
    ("bilirubin_mg_dl", lambda v: 5 <= v <= 60, lambda v: f"if this is µmol/L, it is {v / 17.1:.1f} mg/dL"),
)


def soft_unit_hints(labs: Labs) -> tuple[tuple[str, str], ...]:
    """(field, hint) for each lab value kept as given that is also typical of another unit."""
    hints: list[tuple[str, str]] = []
    for field, test, message in _SOFT_UNIT_HINTS:
        value = getattr(labs, field)
        if value is not None and test(value):
            hints.append((f"labs.{field}", _unit_text(message, value)))
    return tuple(hints)


def other_unit_hint(field: str, value: object) -> str | None:
    """The Labs unit message for a value that looks like another unit ("looks like mmol/L; ..."), or None,
    so the calculators judge a lab number by the same rule and words as a case does."""
    for name, test, message in (*_UNIT_TRAPS, *_PATIENT_UNIT_TRAPS):
        if name == field and _is_number(value) and test(value):
            return _unit_text(message, value)
    return None


#: traps whose range overlaps the field's valid range (the others fail range validation anyway, so
#: Labs checks them only then); tests/reasoning/test_case_validation.py checks that no other trap
#: overlaps its field's range and that Labs._catch_other_units screens these two with bounds that cover them
_IN_RANGE_TRAPS = tuple(trap for trap in _UNIT_TRAPS if trap[0] in ("anc_per_ul", "platelets_per_ul"))


class StoppedFor(_Strict):
    toxicity: Annotated[str, PlainText] = Field(min_length=1, max_length=120)
    grade: Count | None = Field(None, ge=1, le=5, description="CTCAE grade 1-5")


class PriorTreatment(_Strict):
    drug: DrugName
    setting: Literal["metastatic", "adjuvant", "neoadjuvant"] | None = None
    progressed: YesNo | None = None
    months: Number | None = Field(None, ge=0, le=600, description="How long it was given, months")
    stopped_for: StoppedFor | None = None
    relapse_after_end_months: Number | None = Field(
        None,
        ge=0,
        le=600,
        description="(Neo)adjuvant treatment only: months from its end to the relapse (0 = came back while "
        "still on it). A relapse within 12 months counts as resistance to it; a later one does not. It "
        "decides this whatever progressed says (progressed: false = no progression while on it).",
    )

    _resolve = field_validator("drug")(_drug)

    @field_validator("relapse_after_end_months")
    @classmethod
    def _relapse_fits_setting(cls, value: float | None, info: ValidationInfo) -> float | None:
        # Runs only when the field is given, so cases without it pay nothing.
        setting = info.data.get("setting")
        if value is not None and setting not in ("adjuvant", "neoadjuvant"):
            raise ValueError(
                "applies only to adjuvant or neoadjuvant treatment "
                f"(setting is {setting!r}); for metastatic treatment use progressed and months"
            )
        # progressed: false with a later relapse is "did not progress on it, came back N months after it
        # ended" (how a late adjuvant relapse is often recorded), read by the relapse time; only 0 months
        # (back while still on it) contradicts it
        if value == 0 and info.data.get("progressed") is False:
            raise ValueError(
                "records a relapse while still on it (0 months after the end), but progressed is false: "
                "give one consistent account"
            )
        return value


class CurrentTreatment(_Strict):
    drug: DrugName
    dose_mg: Number | None = Field(None, gt=0, le=100000)
    dose_mg_m2: Number | None = Field(None, gt=0, le=10000)
    dose_mg_kg: Number | None = Field(None, gt=0, le=100)
    cycle: Count | None = Field(None, ge=1, le=500)
    day: Count | None = Field(None, ge=1, le=60)

    _resolve = field_validator("drug")(_drug)
    _dose_in_name = model_validator(mode="before")(_dose_from_name)


class ProposedTreatment(_Strict):
    drug: DrugName
    dose_mg: Number | None = Field(None, gt=0, le=100000)
    dose_mg_m2: Number | None = Field(None, gt=0, le=10000)
    dose_mg_kg: Number | None = Field(None, gt=0, le=100)
    target_auc: Number | None = Field(
        None,
        gt=0,
        le=10,
        description="Carboplatin only: the target AUC (mg/mL x min) the dose was worked out for (Calvert)",
    )
    # how the order is given, as written or as a SNOMED CT route code: checked against the label routes
    # (rules/routes.yaml), so an intrathecal vinca alkaloid or an IV fulvestrant is never passed silently
    route: Annotated[str, PlainText] | None = Field(
        None,
        max_length=100,
        description="Route of administration: words (IV, oral, SC, IM, intrathecal) or a SNOMED CT code",
    )
    # a dose in a unit mbcnav does not read ("4 mL", "2 tablets"; a CDS draft's doseQuantity): kept so the
    # order check says it could not check it and names the unit, never a silent pass
    dose_as_written: Annotated[str, PlainText] | None = Field(
        None,
        min_length=1,
        max_length=60,
        description="A dose in a unit mbcnav does not read (4 mL, 2 tablets): reported as not checked",
    )

    _resolve = field_validator("drug")(_drug)
    _dose_in_name = model_validator(mode="before")(_dose_from_name)

    @field_validator("dose_as_written")
    @classmethod
    def _written_unit_not_read(cls, value: str | None) -> str | None:
        # a dose in a unit mbcnav reads belongs in its field, where it is checked against the label
        if value is None:
            return value
        match = _WRITTEN_DOSE.match(value)
        unit = match.group(2).strip().lower().replace("²", "2") if match else ""
        if unit in _READ_UNITS:
            raise ValueError(
                f"'{value}' is in {unit}, which mbcnav reads: give it as {_READ_UNITS[unit]} (mg, mg/m2 or "
                "mg/kg; convert g or micrograms to mg)"
            )
        return value

    @model_validator(mode="after")
    def _one_dose(self) -> ProposedTreatment:
        if self.dose_as_written is not None and any(getattr(self, f) is not None for f in _DOSE_FIELDS):
            raise ValueError(
                "dose_as_written is for a dose in another unit than dose_mg/_m2/_kg: give one dose"
            )
        return self

    @field_validator("target_auc")
    @classmethod
    def _auc_is_for_carboplatin(cls, value: float | None, info: ValidationInfo) -> float | None:
        # Only carboplatin is dosed to a target AUC; on another drug the value would be silently ignored.
        if value is not None and info.data.get("drug") not in (None, "carboplatin"):
            raise ValueError(f"applies only to carboplatin (drug is {info.data.get('drug')!r})")
        return value


class Allergy(_Strict):
    drug: DrugName
    reaction: Annotated[str, PlainText] | None = Field(None, max_length=200)
    grade: Count | None = Field(None, ge=1, le=5)

    _resolve = field_validator("drug")(_drug)


class Pharmacogenomics(_Strict):
    dpyd: Literal["normal", "intermediate", "poor"] | None = None
    ugt1a1: Literal["*1/*1", "*1/*28", "*28/*28"] | None = None
    cyp2d6: Literal["ultrarapid", "normal", "intermediate", "poor"] | None = None


class BoneLesion(_Strict):
    site: Literal["upper_limb", "lower_limb", "peritrochanteric"]
    type: Literal["lytic", "blastic", "mixed"]
    cortex_fraction: Number = Field(ge=0, le=1, description="Fraction of cortical width destroyed")
    pain: Literal["mild", "moderate", "functional"]


# Absent sections share one empty, frozen instance: building a fresh one per case ran a full
# validation each time (a default factory's result is not validated, and frozen models cannot change).
_NO_PATIENT = Patient()
_NO_TUMOR = Tumor()
_NO_LABS = Labs()
_NO_PHARMACOGENOMICS = Pharmacogenomics()


#: Per-case limits on free text. The reasoning core reads every character of the notes and symptoms
#: (about 3.6 µs a character), so a 2 MB body cost 20-50 s of CPU (security review defect 5). A real
#: case never comes near: 50 notes or 50,000 characters is some 25 typed pages of reports and letters
#: (the web form and CDS Hooks send far less), and 50 symptoms or 10,000 characters is a long list in
#: everyday words. Enforced here, so the API, web form, CLI and FHIR import refuse the same case.
MAX_NOTES = 50
MAX_NOTES_TOTAL_CHARS = 50_000
MAX_SYMPTOMS = 50
MAX_SYMPTOMS_TOTAL_CHARS = 10_000


def _check_text_totals(case: Case) -> None:
    """Refuse notes or symptoms longer in all than their limit, naming the field and the limit."""
    problems = [
        ((name,), f"{name} are {total:,} characters in all; the limit is {limit:,} per case")
        for name, values, limit in (
            ("notes", case.notes, MAX_NOTES_TOTAL_CHARS),
            ("symptoms", case.symptoms, MAX_SYMPTOMS_TOTAL_CHARS),
        )
        if (total := sum(map(len, values))) > limit
    ]
    if problems:
        _raise_limit(problems)


def _raise_limit(problems: list[tuple[tuple[str | int, ...], str]]) -> None:
    details = [
        InitErrorDetails(
            type=PydanticCustomError("too_long", "{message}", {"message": message}), loc=loc, input=None
        )
        for loc, message in problems
    ]
    raise ValidationError.from_exception_data("Case", details)


class Case(_Strict):
    id: Annotated[str, PlainText] | None = Field(None, max_length=200)
    patient: Patient = Field(default_factory=lambda: _NO_PATIENT)
    tumor: Tumor = Field(default_factory=lambda: _NO_TUMOR)
    metastatic_sites: tuple[SiteCode, ...] = ()
    brain_mets_count: Count | None = Field(None, ge=0, le=1000)
    # Guidelines treat brain metastases by their state, not only by their presence (ASCO 2022 HER2+
    # brain metastases; ASCO-SNO-ASTRO 2022): see BrainMetsStatus and docs/case-format.md.
    brain_mets_status: BrainMetsStatus | None = Field(
        None,
        description="State of the brain metastases: untreated (no surgery or radiation to them yet), "
        "progressing (growing or new after surgery or radiation) or stable (treated, not growing)",
    )
    brain_mets_symptomatic: YesNo | None = Field(
        None, description="Do the brain metastases cause symptoms (headache, weakness, seizures...)?"
    )
    symptoms: tuple[Annotated[str, Field(max_length=2000), PlainText], ...] = Field(
        (),
        max_length=MAX_SYMPTOMS,
        description=f"Symptoms in everyday words, one per entry: at most {MAX_SYMPTOMS} entries of up to "
        f"2,000 characters, {MAX_SYMPTOMS_TOTAL_CHARS:,} characters in all",
    )
    labs: Labs = Field(default_factory=lambda: _NO_LABS)
    prior_treatment: tuple[PriorTreatment, ...] = ()
    cumulative_doxorubicin_mg_m2: Number | None = Field(None, ge=0, le=3000)
    cumulative_epirubicin_mg_m2: Number | None = Field(None, ge=0, le=3000)
    cumulative_pegylated_liposomal_doxorubicin_mg_m2: Number | None = Field(None, ge=0, le=3000)
    current_meds: tuple[MedName, ...] = ()
    current_treatment: tuple[CurrentTreatment, ...] = ()
    proposed_treatment: tuple[ProposedTreatment, ...] = ()
    line: Count | None = Field(None, ge=1, le=20, description="Line of therapy in the metastatic setting")
    pharmacogenomics: Pharmacogenomics = Field(default_factory=lambda: _NO_PHARMACOGENOMICS)
    allergies: tuple[Allergy, ...] = ()
    comorbidities: tuple[Comorbidity, ...] = ()
    bone_lesions: tuple[BoneLesion, ...] = ()
    notes: tuple[Annotated[str, Field(max_length=20000), PlainText], ...] = Field(
        (),
        max_length=MAX_NOTES,
        description=f"Free-text clinical notes (imaging reports, letters): at most {MAX_NOTES} notes of up "
        f"to 20,000 characters, {MAX_NOTES_TOTAL_CHARS:,} characters in all",
    )

    #: how names written with a salt, release form, strength ... were read: (field, reading, dose used)
    _name_readings: tuple[tuple[str, NameReading, bool], ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        if self.notes or self.symptoms:
            _check_text_totals(self)
        sites = self.metastatic_sites
        if len(sites) > 1 and len(set(sites)) < len(sites):
            # Repeated sites count once. Done here rather than in a field validator of its own, which
            # cost a call on every case; the model is not yet handed out, so setting the field is safe.
            self.__dict__["metastatic_sites"] = tuple(dict.fromkeys(sites))
        if self.current_meds:
            self._move_treatments_out_of_meds()
        if (self.brain_mets_count or self.brain_mets_status is not None or self.brain_mets_symptomatic) and (
            "brain" not in self.metastatic_sites
        ):
            _raise_brain_fields_without_site(self)
        if self.patient.sex == "M" and self.patient.pregnant:
            raise ValueError("patient.pregnant is true but patient.sex is M")
        return self

    @model_validator(mode="wrap")
    @classmethod
    def _read_names(cls, data: Any, handler: ModelWrapValidatorHandler[Case]) -> Case:
        """Keeps how each drug name was read, to report it (Assessment.name_readings); names known as
        written (nearly all) cost one cached look-up each. Defined after _consistent so that it wraps
        it: _consistent reads the current_meds readings (_MED_READINGS) while this runs."""
        if not isinstance(data, dict) or not _any_reading(data):
            return handler(data)
        readings = [(f, r) for f, value in _drug_fields(data) if (r := _reading(value)) is not None]
        if not readings:
            return handler(data)
        meds = data.get("current_meds")
        by_field = dict(readings)  # each name is read once; _drug_fields names meds "current_meds.<i>"
        med_readings = (
            tuple(by_field.get(f"current_meds.{i}") for i in range(len(meds)))
            if isinstance(meds, list | tuple)
            else ()
        )
        token = _MED_READINGS.set(med_readings)
        try:
            case = handler(data)
        finally:
            _MED_READINGS.reset(token)
        treatments = treatment_generics()
        case._name_readings = tuple(
            (f, r, r.dose is not None and (not f.startswith("current_meds") or r.generic in treatments))
            for f, r in readings
        )
        return case

    @property
    def name_readings(self) -> tuple[NameReadingNote, ...]:
        """The readings, in both voices, for the Assessment."""
        # read from the private-attribute dict itself: ``self._name_readings`` goes through pydantic's
        # Python-level ``__getattr__`` on every case, and nearly every case has no reading
        rows = self.__pydantic_private__["_name_readings"]  # type: ignore[index]
        if not rows:
            return ()
        texts = reading_texts()
        notes = []
        for field, r, dose_used in rows:
            dose = ""
            if dose_used and r.dose is not None:
                unit = {"dose_mg": "mg", "dose_mg_m2": "mg/m2", "dose_mg_kg": "mg/kg"}[r.dose[0]]
                dose = f", {r.dose[1]:g} {unit}"
            values = {
                "given": r.given, "generic": r.generic, "dose": dose, "set_aside": ", ".join(r.set_aside)
            }
            notes.append(
                NameReadingNote(
                    field=field,
                    given=r.given,
                    read_as=r.generic,
                    set_aside=r.set_aside,
                    public=texts["public"].format(**values),
                    clinician=texts["clinician"].format(**values),
                )
            )
        return tuple(notes)

    def _move_treatments_out_of_meds(self) -> None:
        """A cancer or bone treatment listed among the other medicines is one the person is on now,
        which is what current_treatment means: it is moved there (documented in case-format.md), so
        that it gets the holds and dose checks of current treatment, not only interaction checks."""
        treatments = treatment_generics()
        moved = [name for name in self.current_meds if name in treatments]
        if not moved:
            return
        doses = _med_doses(self.current_meds, treatments)
        # the model is not yet handed out, so setting the fields is safe (as above)
        self.__dict__["current_meds"] = tuple(name for name in self.current_meds if name not in treatments)
        current = list(self.current_treatment)
        for name in dict.fromkeys(moved):
            dose = doses.get(name)
            at = next((i for i, t in enumerate(current) if t.drug == name), None)
            if at is None:
                current.append(CurrentTreatment(drug=name, **dict([dose] if dose else [])))
            elif dose is not None:
                current[at] = _with_listed_dose(current[at], dose, at)
        self.__dict__["current_treatment"] = tuple(current)


def _private_defaults(model: type[BaseModel]) -> dict[str, Any]:
    """The private attributes' defaults, checked to be immutable so every case can start from a copy."""
    out: dict[str, Any] = {}
    for name, attr in model.__private_attributes__.items():
        if attr.default_factory is not None or not isinstance(attr.default, tuple | str | int | float | None):
            raise TypeError(f"{model.__name__}.{name}: _init_private needs an immutable default")
        out[name] = attr.default
    return out


_CASE_PRIVATE = _private_defaults(Case)


def _init_private(self: Case, context: Any, /) -> None:
    """Set the private attributes' defaults on a new Case (what pydantic's ``init_private_attributes``
    does). Why replaced: pydantic's generic version runs per case in Python (an attribute miss through
    ``__getattr__``, a default resolved and copied per attribute); this is one small dict copy."""
    object.__setattr__(self, "__pydantic_private__", _CASE_PRIVATE.copy())


# pydantic-core calls the model's ``model_post_init`` by name after validation (and model_construct
# calls it too); set after the class is built so pydantic does not wrap it in its generic version
Case.model_post_init = _init_private  # type: ignore[method-assign]


def _drug_fields(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """(field, value) of every drug name in a raw case, where the Case format puts them."""
    found: list[tuple[str, Any]] = []
    meds = data.get("current_meds")
    if isinstance(meds, list | tuple):
        found.extend((f"current_meds.{i}", v) for i, v in enumerate(meds))
    for section in _DRUG_SECTIONS:
        rows = data.get(section)
        if isinstance(rows, list | tuple):
            found.extend(
                (f"{section}.{i}.drug", r.get("drug")) for i, r in enumerate(rows) if isinstance(r, dict)
            )
    return found


_DRUG_SECTIONS = ("prior_treatment", "current_treatment", "proposed_treatment", "allergies")


def _any_reading(data: dict[str, Any]) -> bool:
    """Whether some drug name in a raw case is read (not known as written): the common answer, no, costs
    one cached look-up per name and builds none of the field paths ``_drug_fields`` names."""
    meds = data.get("current_meds")
    if isinstance(meds, list | tuple) and any(_reading(v) is not None for v in meds):
        return True
    for section in _DRUG_SECTIONS:
        rows = data.get(section)
        if isinstance(rows, list | tuple) and any(
            _reading(r.get("drug")) is not None for r in rows if isinstance(r, dict)
        ):
            return True
    return False


def _med_doses(meds: tuple[str, ...], treatments: frozenset[str]) -> dict[str, tuple[str, float]]:
    """Doses written on cancer or bone drugs in current_meds ("Xeloda 1500 mg"), by generic. A strength
    that is not a dose in mg, mg/m2 or mg/kg is an error at its entry: it is never dropped."""
    readings = _MED_READINGS.get()
    doses: dict[str, tuple[str, float]] = {}
    problems: list[tuple[int, str]] = []
    for i, name in enumerate(meds):
        reading = readings[i] if i < len(readings) else None
        if reading is None or name not in treatments:
            continue
        if reading.dose is not None:
            if doses.setdefault(name, reading.dose) != reading.dose:
                problems.append((i, f"'{reading.given}' gives another dose of {name} than an earlier entry"))
        elif reading.unmapped_strength:
            problems.append((i, _strength_error(reading)))
    if problems:
        _raise_at([(("current_meds", i), message) for i, message in problems])
    return doses


def _with_listed_dose(listed: CurrentTreatment, dose: tuple[str, float], at: int) -> CurrentTreatment:
    field, value = dose
    given = {f: getattr(listed, f) for f in _DOSE_FIELDS if getattr(listed, f) is not None}
    if not given:
        return listed.model_copy(update={field: value})
    if given != {field: value}:
        message = f"current_meds gives {listed.drug} a dose of {value:g} ({field}), this entry another"
        _raise_at([(("current_treatment", at), message + ": give one dose")])
    return listed


def _raise_at(problems: list[tuple[tuple[str | int, ...], str]]) -> None:
    details = [
        InitErrorDetails(
            type=PydanticCustomError("drug_dose", "{message}", {"message": message}), loc=loc, input=None
        )
        for loc, message in problems
    ]
    raise ValidationError.from_exception_data("Case", details)


def _raise_brain_fields_without_site(case: Case) -> None:
    """The brain fields describe brain metastases, so without the site they contradict the case; the
    error sits at each field given (the web form shows it there), like a range error would."""
    described = "describes brain metastases, but 'brain' is not in metastatic_sites"
    counted = "is above 0, but 'brain' is not in metastatic_sites"
    details = [
        InitErrorDetails(
            type=PydanticCustomError("brain_site_missing", "{message}", {"message": message}),
            loc=(name,),
            input=value,
        )
        for name, value, message in (
            ("brain_mets_count", case.brain_mets_count or None, counted),
            ("brain_mets_status", case.brain_mets_status, described),
            ("brain_mets_symptomatic", case.brain_mets_symptomatic or None, described),
        )
        if value is not None
    ]
    raise ValidationError.from_exception_data("Case", details)


def _format_loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


#: unit endings of field names, said in words for the plain field name in a message
_UNIT_WORDS = (
    ("_mg_dl", " (mg/dL)"), ("_g_dl", " (g/dL)"), ("_per_ul", " (per µL)"), ("_u_l", " (U/L)"),
    ("_ml_min", " (mL/min)"), ("_percent", " (%)"), ("_kg", " (kg)"), ("_cm", " (cm)"), ("_ms", " (ms)"),
    ("_c", " (°C)"), ("_mg", " (mg)"),
)
#: an example whole number to type, where the field's range makes the usual one wrong
_WHOLE_NUMBER_EXAMPLE = {"age": "62", "ecog": "1", "line": "2"}
_TYPE_PROBLEMS = {"int_parsing", "int_type", "int_from_float", "float_parsing", "float_type", "bool_parsing",
                  "bool_type", "literal_error"}


def _field_words(loc: tuple[Any, ...]) -> str:
    """The field in words a reader types by: metastatic_sites.0 -> "metastatic site 1",
    labs.calcium_mg_dl -> "calcium (mg/dL)"; the dotted path stays beside the message."""
    names = [part for part in loc if isinstance(part, str)]
    if not names:
        return "this value"
    name = names[-1]
    unit = ""
    for ending, words in _UNIT_WORDS:
        if name.endswith(ending):
            name, unit = name.removesuffix(ending), words
            break
    words = name.replace("_", " ") + unit
    if isinstance(loc[-1], int):
        return f"{words.removesuffix('s')} {loc[-1] + 1}"
    return words


def _given(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else _json_text(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _json_text(value: Any) -> str:
    """A JSON value as it was typed (true, null, 3), for quoting it back."""
    return "true" if value is True else "false" if value is False else "null" if value is None else str(value)


def _plain_problem(err: Any) -> str:
    """One validation problem in plain words that name the field and say what to type.

    Every message a user sees comes through here (CLI, web API and pages), so pydantic's own wording
    ("Input should be a valid integer") is replaced in one place; the field path stays beside it.
    Range messages keep their wording: they already give the limit, and the web forms reword them.
    """
    kind, loc, value = err["type"], err["loc"], err.get("input")
    if kind == "extra_forbidden":
        return "unknown field (not part of the Case format)"
    if kind == "too_long" and len(loc) == 1 and "actual_length" in (err.get("ctx") or {}):
        ctx = err["ctx"]  # a list field with too many entries (notes, symptoms)
        return f"at most {ctx['max_length']} entries per case, not {ctx['actual_length']}"
    msg = str(err["msg"]).removeprefix("Value error, ")
    if kind not in _TYPE_PROBLEMS:
        return msg
    field = _field_words(loc)
    if kind.startswith("int"):
        example = _WHOLE_NUMBER_EXAMPLE.get(str(loc[-1]), "3")
        return f"{field} must be a whole number in digits, such as {example} (you gave {_given(value)})"
    if kind.startswith("float"):
        return f"{field} must be a number in digits, such as 1.5 (you gave {_given(value)})"
    if kind.startswith("bool"):
        return f"{field} must be true or false, without quotes (you gave {_given(value)})"
    accepted = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
    if not accepted:
        return msg
    near = difflib.get_close_matches(str(value).strip().lower(), accepted, n=1, cutoff=0.6)
    hint = f" Did you mean '{near[0]}'?" if near else ""
    return f"{field}: {_given(value)} is not a value we know.{hint} Type one of: {', '.join(accepted)}"


def parse_case(data: Any) -> Case:
    """Validate one case from parsed JSON; every problem names its field. Raises CaseValidationError."""
    if not isinstance(data, dict):
        raise CaseValidationError([("", "a case must be a JSON object")])
    try:
        # The validator itself: Case.model_validate only adds argument checks that do not apply here.
        return Case.__pydantic_validator__.validate_python(data)
    except ValidationError as exc:
        problems: list[tuple[str, str]] = []
        for err in exc.errors(include_url=False):
            problems.append((_format_loc(err["loc"]), _plain_problem(err)))
        raise CaseValidationError(problems) from None
