"""Red flags in the words when a number beside them is refused.

A wrong unit in one lab field (98.6 in a °C box, calcium 2.4 in mmol/L), a hidden character in a note
or a typed-out age must not hide an emergency the rest already shows ("my legs are weak and I can't
pee"; chills and 101.5 °F on paclitaxel). The input is still refused and nothing is stored; these helpers
read what is valid, without the refused values, so every shell can show the red flags first and the
field error after them.
"""

from __future__ import annotations

from typing import Any

from mbcnav.case import HIDDEN_CHARS, parse_case
from mbcnav.errors import CaseValidationError, MbcnavError
from mbcnav.reasoning.triage import TriageResult, triage, triage_case

#: the longest symptom text the web form and the API take (both read this limit)
MAX_TEXT_CHARS = 5000


def words_triage(text: object) -> TriageResult | None:
    """Triage of the words alone, or None when the text is unusable or shows no red flag."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_CHARS:
        return None
    # a hidden character refuses the text, but its words still count: read with each one as a space
    # (the answer's red flags are rule texts, so none of it is shown back)
    result = triage(HIDDEN_CHARS.sub(" ", text))
    return result if result.red_flags else None


def case_words_triage(data: object) -> TriageResult | None:
    """Triage of a refused case's valid parts (symptoms, notes, labs, current treatment, sites), or
    None when they are unusable or show no red flag (see case_words_reading)."""
    reading = case_words_reading(data)
    return reading[0] if reading is not None else None


#: a bare number in this range in a °C temperature field is °F: no body is at 95-110 °C
FAHRENHEIT_RANGE = (95.0, 110.0)


def fahrenheit_reading(value: object) -> tuple[float, float] | None:
    """(°F, °C) for a bare 95-110 given as °C, else None. The field stays refused (no guessing what was
    meant); the °C reading is used for the warning alone, so a fever typed in °F never hides."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        low, high = FAHRENHEIT_RANGE
        if low <= value <= high:
            return float(value), round((value - 32) * 5 / 9, 1)
    return None


#: the parts of a case its triage reads (triage_case); the rest (patient, tumor, other drugs) raises no
#: red flag, so a typo there never lowers one
_WORD_PARTS = ("symptoms", "notes", "labs", "current_treatment", "metastatic_sites", "bone_lesions")
#: how often a part is trimmed and read again: a case's validators report in stages (field errors, then
#: the totals and cross-field checks), so a second refusal can follow the first
_TRIES = 4


def case_words_reading(data: object) -> tuple[TriageResult, tuple[float, float] | None] | None:
    """The red flags of a refused case's valid parts, and the (°F, °C) reading of its temperature when
    one was used; None when no part is usable or they show no red flag.

    One path for every shell (case form, API problem members), whatever was refused: each refused
    symptom, note, lab or treatment row is left out on its own and the rest is read, so a hidden
    character in a note or a typed-out age cannot hide the fever on chemotherapy that the symptoms, the
    temperature and the treatment show. A bare °F temperature in the °C field is read as °F.
    """
    if not isinstance(data, dict):
        return None
    words: dict[str, Any] = {k: data[k] for k in _WORD_PARTS if k in data}
    fahrenheit: tuple[float, float] | None = None
    labs = words.get("labs")
    if isinstance(labs, dict) and (fahrenheit := fahrenheit_reading(labs.get("temp_c"))) is not None:
        words["labs"] = {**labs, "temp_c": fahrenheit[1]}
    for _ in range(_TRIES):
        if not words:
            return None
        try:
            case = parse_case(words)
        except CaseValidationError as exc:
            trimmed = _without_refused(words, [field for field, _ in exc.problems])
            if trimmed == words:
                return None
            words = trimmed
            continue
        except MbcnavError:
            return None
        if not (case.symptoms or case.notes or case.labs.model_fields_set):
            return None
        result = triage_case(case)
        if not result.red_flags:
            return None
        used = fahrenheit is not None and "temp_c" in words.get("labs", {})
        return result, fahrenheit if used else None
    return None


def _without_refused(words: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """The parts with each refused entry left out: `notes.1` drops that note, `labs.calcium_mg_dl` that
    lab, `current_treatment.0.drug` that row; a problem with the part as a whole drops the part."""
    out = dict(words)
    drop: dict[str, set[str]] = {}
    for field in fields:
        part, _, rest = field.partition(".")
        if part not in out:
            continue
        key = rest.partition(".")[0]
        if not key:
            out.pop(part)
        else:
            drop.setdefault(part, set()).add(key)
    for part, keys in drop.items():
        value = out.get(part)
        if isinstance(value, dict):
            out[part] = {k: v for k, v in value.items() if k not in keys}
        elif isinstance(value, list | tuple):
            out[part] = [v for i, v in enumerate(value) if str(i) not in keys]
        else:
            out.pop(part, None)
    return {k: v for k, v in out.items() if v not in ({}, [], ())}
