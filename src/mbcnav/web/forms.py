"""HTML forms generated from the pydantic models, so the form has every field the format has.

The case form and the calculator forms are built from `Case` and each calculator's input model:
a new field in the format appears in the form without anyone editing a template. Form values go
to pydantic as strings (its lax mode reads "58" as 58), so the edge validation — and its messages
naming the field — is the one the API and CLI use.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

# Units are fixed by the field name (case-format.md); the suffix says which.
UNIT_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_mg_dl", "mg/dL"),
    ("_g_dl", "g/dL"),
    ("_u_l", "U/L"),
    ("_per_ul", "cells/µL"),
    ("_mmol_l", "mmol/L"),
    ("_ng_ml", "ng/mL"),
    ("_pg_ml", "pg/mL"),
    ("_iu_l", "IU/L"),
    ("_mg_m2", "mg/m²"),
    ("_mg_kg", "mg/kg"),
    ("_percent", "%"),
    ("_ms", "ms"),
    ("_fl", "fL"),
    ("_kg", "kg"),
    ("_cm", "cm"),
    ("_mm", "mm"),
    ("_mg", "mg"),
    ("_temp_c", "°C"),
    ("temp_c", "°C"),
    ("_m2", "m²"),
    ("months", "months"),
    ("age", "years"),
    ("gestation_weeks", "weeks"),
)
WORDS = {
    "ecog": "ECOG",
    "kps": "KPS (Karnofsky)",
    "er": "ER",
    "pr": "PR",
    "her2": "HER2",
    "ihc": "IHC",
    "ish": "ISH",
    "pik3ca": "PIK3CA",
    "esr1": "ESR1",
    "akt1": "AKT1",
    "pten": "PTEN",
    "gbrca": "Germline BRCA",
    "gpalb2": "Germline PALB2",
    "pdl1": "PD-L1",
    "cps": "CPS",
    "alt": "ALT",
    "ast": "AST",
    "anc": "ANC",
    "lvef": "LVEF",
    "qtcf": "QTcF",
    "hba1c": "HbA1c",
    "mcv": "MCV",
    "inr": "INR",
    "alp": "ALP",
    "fsh": "FSH",
    "spo2": "SpO2",
    "dpyd": "DPYD",
    "ugt1a1": "UGT1A1",
    "cyp2d6": "CYP2D6",
    "temp": "Temperature",
    "bsa": "BSA",
    "crcl": "CrCl",
    "id": "Case id",
    "25oh": "25-OH",
    "uln": "ULN (upper limit of normal)",
}
_UNIT_WORDS = {
    "mg",
    "dl",
    "g",
    "u",
    "l",
    "per",
    "ul",
    "mmol",
    "ng",
    "ml",
    "pg",
    "iu",
    "m2",
    "kg",
    "cm",
    "mm",
    "ms",
    "fl",
    "percent",
    "c",
    "months",
}


def unit_of(name: str) -> str:
    for suffix, unit in UNIT_SUFFIXES:
        if name.endswith(suffix) or name == suffix:
            return unit
    return ""


def human_label(name: str) -> str:
    unit = unit_of(name)
    parts = name.split("_")
    if unit:
        while len(parts) > 1 and parts[-1] in _UNIT_WORDS:
            parts.pop()
    words = [WORDS.get(p, p) for p in parts]
    text = " ".join(words)
    text = text[0].upper() + text[1:] if text else name
    return f"{text} ({unit})" if unit else text


@dataclass
class FormField:
    name: str  # dotted path, e.g. "labs.calcium_mg_dl" or "prior_treatment.0.drug"
    label: str
    kind: Literal["number", "text", "select", "bool", "checks", "lines", "csv"]
    help: str = ""
    choices: tuple[str, ...] = ()
    required: bool = False
    step: str = "any"


@dataclass
class FormSection:
    name: str
    legend: str
    fields: list[FormField] = field(default_factory=list)
    #: for lists of objects: how many rows, and the fields of row 0 as a template
    rows: int = 0
    row_fields: list[list[FormField]] = field(default_factory=list)
    help: str = ""


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(inner type, optional?) for `X | None`."""
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return (rest[0] if len(rest) == 1 else annotation), True
    return annotation, False


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def field_for(name: str, path: str, info: Any, annotation: Any) -> FormField:
    inner, _optional = _unwrap(_strip_annotated(annotation))
    inner = _strip_annotated(inner)
    help_text = FIELD_HELP.get(name) or info.description or ""
    label = human_label(name)
    required = info.is_required()
    origin = typing.get_origin(inner)
    if origin is Literal:
        return FormField(
            path, label, "select", help_text, tuple(str(a) for a in typing.get_args(inner)), required
        )
    if inner is bool:
        return FormField(path, label, "bool", help_text, required=required)
    if inner in (int, float):
        step = "1" if inner is int else "any"
        return FormField(path, label, "number", help_text, required=required, step=step)
    if origin is tuple:
        return FormField(path, label, "csv", help_text or "Separate values with commas", required=required)
    return FormField(path, label, "text", help_text, required=required)


def model_fields(model: type[BaseModel], prefix: str = "") -> list[FormField]:
    return [
        field_for(name, f"{prefix}{name}", info, info.annotation) for name, info in model.model_fields.items()
    ]


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def as_number(text: str) -> Any:
    """Numbers typed into a number field become numbers, so the unit checks of the Case format (which
    look at numeric values: 101 °F in a °C field) see them; anything else stays text for pydantic to
    reject with its own message."""
    stripped = text.strip()
    if re.fullmatch(r"-?\d+", stripped):
        return int(stripped)
    if re.fullmatch(r"-?(\d+\.\d*|\.\d+)", stripped):
        return float(stripped)
    return text


_TEMPERATURE = re.compile(r"\s*(?P<num>\d+(?:[.,]\d+)?)\s*°?\s*(?P<unit>[cCfF])\s*")


def read_temperatures(values: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """A temperature typed with its unit ("101.5 F", "98.6°F", "38 C") in a °C field, as °C, with a note
    for each one converted from °F. The site tells people to call 911, so °F readings are common; a bare
    number is never guessed at (the Labs unit check names it)."""
    out = dict(values)
    notes: list[str] = []
    for key, raw in values.items():
        if not key.endswith("temp_c") or not isinstance(raw, str):
            continue
        m = _TEMPERATURE.fullmatch(raw)
        if not m:
            continue
        number = float(m.group("num").replace(",", "."))
        if m.group("unit") in "fF":
            celsius = round((number - 32) * 5 / 9, 1)
            notes.append(f"{number:g} °F was read as {celsius:.1f} °C.")
            number = celsius
        out[key] = f"{number:g}"
    return out, notes


def fahrenheit_note(fahrenheit: float, celsius: float) -> str:
    return (
        f"{fahrenheit:g} °F is {celsius:.1f} °C. The warning above reads your temperature as °F. "
        "Fix the box to check the rest."
    )


def numeric(values: dict[str, str], fields: list[FormField]) -> dict[str, Any]:
    """Form text as the JSON types the Case wants (it refuses "60" where a number belongs): numbers
    become numbers (a whole number typed as 60.0 in a count field becomes 60), yes/no becomes true/false."""
    by_name = {f.name: f for f in fields}
    out: dict[str, Any] = {}
    for k, v in values.items():
        field = by_name.get(k)
        if field is not None and isinstance(v, str):
            if field.kind == "number":
                v = as_number(v)
                if field.step == "1" and isinstance(v, float) and v.is_integer():
                    v = int(v)
            elif field.kind == "bool":
                v = _YES_NO.get(v.strip().lower(), v)
        out[k] = v
    return out


_YES_NO: dict[str, Any] = {"true": True, "false": False}


def form_to_data(
    model: type[BaseModel],
    form: dict[str, Any],
    lists: dict[str, list[str]],
    row_index: dict[str, list[int]] | None = None,
) -> dict[str, Any]:
    """Rebuild nested JSON from flat dotted form names; blanks mean "not given" and are dropped.

    ``lists`` holds fields sent more than once (checkbox groups). ``row_index``, when given, receives
    for each list of rows the form row number of each kept row (so errors point at the right row)."""
    data: dict[str, Any] = {}
    for key, raw in form.items():
        value = raw.strip() if isinstance(raw, str) else raw
        if value in ("", None) or key.startswith("_"):
            continue
        parts = key.split(".")
        cursor: Any = data
        for i, part in enumerate(parts[:-1]):
            nxt = parts[i + 1]
            if part.isdigit():
                continue
            if nxt.isdigit():
                rows = cursor.setdefault(part, {})
                cursor = rows.setdefault(int(nxt), {})
            else:
                cursor = cursor.setdefault(part, {})
        cursor[parts[-1]] = value
    for key, values in lists.items():
        kept = [v.strip() for v in values if v.strip()]
        if kept:
            data[key] = kept
    # Row dicts {0: {...}, 2: {...}} become lists in row order (blank rows already dropped).
    for key, value in list(data.items()):
        if isinstance(value, dict) and value and all(isinstance(k, int) for k in value):
            data[key] = [value[k] for k in sorted(value)]
            if row_index is not None:
                row_index[key] = sorted(value)
    return data


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def csv_values(text: str) -> list[str]:
    return [v for v in re.split(r"[,\s;]+", text.strip()) if v]


class FormValues(dict[str, str]):
    """Submitted values by field name, with every value of repeated fields (checkbox groups)."""

    def __init__(self, items: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.multi: dict[str, list[str]] = {}
        for key, value in items or []:
            self.multi.setdefault(key, []).append(value)
            self[key] = value

    def getlist(self, key: str) -> list[str]:
        return self.multi.get(key, [])


def split_problems(message: str) -> list[str]:
    """ "temp_c: looks like °F; give °C; calcium_mg_dl: ..." → one text per field it names."""
    return re.split(r"; (?=[a-z0-9_]+: )", message)


#: Help in plain words (reading grade <= 8) for fields a patient may not know; it replaces the model's
#: terse description on the forms. Keyed by the field's own name (the last part of its path).
FIELD_HELP: dict[str, str] = {
    "temp_c": "Body temperature in °C. For °F, type F after the number (for example 100.4 F).",
    "id": "Any short name for this case, so you can find it again. Leave it out if you like.",
    "brain_mets_count": "How many spots of cancer the brain scan shows.",
    "brain_mets_status": "Only if cancer is in the brain. Untreated: no surgery or radiation to it yet. "
    "Progressing: it grew or new spots came after that. Stable: treated and not growing.",
    "brain_mets_symptomatic": "Only if cancer is in the brain. Does it cause problems, like headaches, "
    "weakness or fits?",
    "cumulative_doxorubicin_mg_m2": "The total dose of doxorubicin given so far, from your treatment record.",
    "menopausal": "Pre: periods still come. Post: periods have stopped for good. Peri: in between.",
    "pregnant": "Are you pregnant now?",
    "gestation_weeks": "If pregnant: how many weeks along.",
    "breastfeeding": "Are you breastfeeding now?",
    "on_dialysis": "Do you have dialysis for your kidneys?",
    "histology": "The kind of cell the cancer grew from: IDC is ductal, ILC is lobular (biopsy report).",
    "er_percent": "How many cancer cells have the ER hormone receptor, as a percent. See the biopsy report.",
    "pr_percent": "How many cancer cells have the PR hormone receptor, as a percent. See your biopsy report.",
    "er_status": "Only if there is no percent: was ER called positive or negative?",
    "pr_status": "Only if there is no percent: was PR called positive or negative?",
    "her2_ihc": "The HER2 stain score on the biopsy report: 0, 1+, 2+ or 3+.",
    "her2_ish": "A second HER2 test (ISH or FISH). Amplified means too many HER2 genes.",
    "her2_ish_ratio": "The HER2 to CEP17 ratio from the ISH test report.",
    "her2_mean_copy_number": "The mean number of HER2 signals per cell, from the ISH test report.",
    "her2_status": "Only if there is no score: was HER2 called positive or negative?",
    "pik3ca": "A gene change in the tumor. Some drugs work better when it is there.",
    "esr1": "A gene change in the tumor. It can grow after hormone drugs. Some drugs work on it.",
    "akt1": "A gene change in the tumor. Some drugs work better when it is there.",
    "pten": "A gene change in the tumor. Some drugs work better when it is there.",
    "gbrca": "A BRCA gene change you were born with, from a blood or spit test.",
    "gpalb2": "A PALB2 gene change you were born with, from a blood or spit test.",
    "pdl1_cps": "A score from a tumor test. It says if an immune drug may help.",
    "ecog": "How much you can do each day. 0 means all you did before. 4 means in bed all day.",
    "kps": "Another scale of how much you can do, from 100 (all) down to 0.",
    "line": "How many treatments for spread cancer this is: 1 for the first, 2 for the next.",
    "inr": "A blood test of how fast blood clots.",
    "drug": "The name of the medicine. A brand name is fine.",
    "setting": "When it was given. Metastatic: for cancer that has spread. Or before or after surgery.",
    "progressed": "Did the cancer grow while on this medicine?",
    "toxicity": "The side effect that made you stop, in your own words.",
    "dose_mg": "The dose, in mg, from your chart.",
    "dose_mg_m2": "The dose per body size (mg per square meter), from your chart.",
    "dose_mg_kg": "The dose per kg of body weight, from your chart.",
    "cycle": "Which round of treatment this is.",
    "day": "Which day of the round this is.",
    "dpyd": "A gene test. A poor result means some chemo drugs need a lower dose.",
    "ugt1a1": "A gene test. Some results mean a drug needs a lower dose.",
    "cyp2d6": "A gene test. It changes how well tamoxifen works.",
    "reaction": "What happened when you took it, like a rash or trouble breathing.",
    "grade": "How bad it was, from 1 (mild) to 5.",
    "site": "Where the bone lesion is.",
    "type": "What the scan shows: lytic (bone is eaten away), blastic (extra bone) or mixed.",
    "pain": "How much it hurts: mild, moderate, or so bad it stops you using the limb.",
}

#: pydantic's wording → plain words (the field's label is shown next to it)
_PLAIN_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"^Input should be less than or equal to (\S+)$", r"must be \1 or less"),
    (r"^Input should be greater than or equal to (\S+)$", r"must be \1 or more"),
    (r"^Input should be less than (\S+)$", r"must be less than \1"),
    (r"^Input should be greater than (\S+)$", r"must be more than \1"),
    (r"^Input should be a valid (number|integer).*$", r"must be a number"),
    (r"^Input should be a valid boolean.*$", "choose yes or no"),
    (r"^Input should be (.+)$", r"choose one of: \1"),
    (r"^Field required$", "this is needed"),
    (r"^String should have at most (\d+) characters?$", r"keep it to \1 characters or fewer"),
)


def plain_message(message: str) -> str:
    for pattern, replacement in _PLAIN_MESSAGES:
        if re.match(pattern, message):
            return re.sub(pattern, replacement, message)
    return message
