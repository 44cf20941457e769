"""Per-case limits on free text (security review scratch-sec/report.md, defect 5): notes and symptoms
are capped by count and total characters in the Case model, so the API, forms, CLI and FHIR import all
refuse the same oversized case, naming the field and the limit."""

from __future__ import annotations

import pytest

from mbcnav.case import (
    MAX_NOTES,
    MAX_NOTES_TOTAL_CHARS,
    MAX_SYMPTOMS,
    MAX_SYMPTOMS_TOTAL_CHARS,
    Case,
    parse_case,
)
from mbcnav.errors import CaseValidationError


def _problems(data: dict[str, object]) -> list[tuple[str, str]]:
    with pytest.raises(CaseValidationError) as info:
        parse_case(data)
    return info.value.problems


def test_too_many_notes_is_refused_naming_notes_and_the_limit() -> None:
    [(field, message)] = _problems({"notes": ["stable"] * (MAX_NOTES + 1)})
    assert field == "notes" and str(MAX_NOTES) in message


def test_notes_over_the_total_length_are_refused_naming_notes_and_the_limit() -> None:
    each = MAX_NOTES_TOTAL_CHARS // 5 + 1
    [(field, message)] = _problems({"notes": ["a" * each] * 5})
    assert field == "notes" and f"{MAX_NOTES_TOTAL_CHARS:,}" in message


def test_too_many_symptoms_is_refused_naming_symptoms_and_the_limit() -> None:
    [(field, message)] = _problems({"symptoms": [f"pain {i}" for i in range(MAX_SYMPTOMS + 1)]})
    assert field == "symptoms" and str(MAX_SYMPTOMS) in message


def test_symptoms_over_the_total_length_are_refused() -> None:
    each = MAX_SYMPTOMS_TOTAL_CHARS // 10 + 1
    [(field, message)] = _problems({"symptoms": ["b" * each] * 10})
    assert field == "symptoms" and f"{MAX_SYMPTOMS_TOTAL_CHARS:,}" in message


def test_a_case_at_the_limits_is_accepted() -> None:
    per_note = MAX_NOTES_TOTAL_CHARS // MAX_NOTES
    case = parse_case({"notes": ["c" * per_note] * MAX_NOTES, "symptoms": ["tired"] * MAX_SYMPTOMS})
    assert len(case.notes) == MAX_NOTES and len(case.symptoms) == MAX_SYMPTOMS


def test_the_json_schema_states_the_limits() -> None:
    schema = Case.model_json_schema()
    notes, symptoms = schema["properties"]["notes"], schema["properties"]["symptoms"]
    assert notes["maxItems"] == MAX_NOTES and symptoms["maxItems"] == MAX_SYMPTOMS
    assert f"{MAX_NOTES_TOTAL_CHARS:,}" in notes["description"]
    assert f"{MAX_SYMPTOMS_TOTAL_CHARS:,}" in symptoms["description"]
