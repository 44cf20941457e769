"""A value of the wrong JSON type (a number where FHIR R4 JSON has a date string, a string where it has a
number) is never coerced: strict import leaves the resource out with an error note naming resource and
element, and the default import refuses it naming the same resource and element (interop8 report #3).

Before: fhir.resources read the number 20240201 as 1970-08-23 (seconds since 1970), which made adjuvant
tamoxifen "metastatic" and the line 2; it read the string "150" as the number 150; the default import
skipped a numeric date without a word.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from interop import mcode as M
from interop.test_cds_hooks import needs_assess
from interop.test_cds_partial_record import hot_record, partial_card, patient_view
from mbcnav.errors import FhirMappingError
from mbcnav.interop.fhir import case_from_fhir

AS_OF = dt.date(2024, 7, 1)
BONE = M.cc(M.SCT, "94222008", "Secondary malignant neoplasm of bone (disorder)")


def adjuvant_tamoxifen_then_bone(onset: Any) -> dict[str, Any]:
    """Early lobular cancer 2019, adjuvant tamoxifen 2019-2023, bone metastasis (onset as given), letrozole
    now: the interop8 'numdate' record in mCODE shapes."""
    return M.bundle(
        M.patient(birth="1965-04-02"),
        M.primary(
            histology=M.cc("http://terminology.hl7.org/CodeSystem/icd-o-3", "8520/3"), onset="2019-01-10"
        ),
        M.secondary("m-bone", BONE, onset=onset),
        M.marker_percent("er", "40556-3", 90, "2024-02-05"),
        M.med_statement("ms-tam", "tamoxifen", "completed", "2019-06-01", "2023-06-01", rxnorm="10324"),
        M.med_request("mr-let", "letrozole", authored="2024-02-20"),
    )


def _with(record: dict[str, Any], rid: str, **changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(record)
    for entry in record["entry"]:
        if entry["resource"].get("id") == rid:
            entry["resource"].update(changes)
            for key in [k for k, v in changes.items() if v is None]:
                del entry["resource"][key]  # None: leave the element out (onset[x] is a choice)
    return record


def _strict_errors(result: Any) -> list[tuple[str | None, str | None]]:
    return [(n.resource, n.element) for n in result.import_notes if n.kind == "defect" and n.level == "error"]


def test_a_numeric_onset_date_is_not_read_as_1970_in_strict_mode() -> None:
    strict = case_from_fhir(adjuvant_tamoxifen_then_bone(20240201), strict=True, as_of=AS_OF)
    assert _strict_errors(strict) == [("Condition/m-bone", "onsetDateTime")]
    note = next(n for n in strict.import_notes if n.kind == "defect")
    assert "20240201" in note.message and "string" in note.message
    # the metastasis with the broken date is left out, so tamoxifen is not made metastatic (line 2)
    assert "bone" not in strict.case.metastatic_sites
    assert all(p.setting != "metastatic" for p in strict.case.prior_treatment)
    assert strict.case.line != 2


def test_a_numeric_onset_date_is_refused_by_the_default_import_naming_resource_and_element() -> None:
    with pytest.raises(
        FhirMappingError, match=r"onsetDateTime: must be a string.*got a number 20240201"
    ) as e:
        case_from_fhir(adjuvant_tamoxifen_then_bone(20240201), as_of=AS_OF)
    assert e.value.field == "Condition/m-bone"


def test_the_same_record_with_a_string_date_reads_tamoxifen_as_adjuvant() -> None:
    """The control: with the date as FHIR writes it, both modes agree and tamoxifen stays adjuvant."""
    good = adjuvant_tamoxifen_then_bone("2024-02-01")
    lenient = case_from_fhir(good, as_of=AS_OF)
    assert lenient.case == case_from_fhir(good, strict=True, as_of=AS_OF).case
    assert "bone" in lenient.case.metastatic_sites
    assert [p.setting for p in lenient.case.prior_treatment] == ["adjuvant"]


def test_a_creatinine_value_sent_as_a_string_is_an_error_in_strict_mode_too() -> None:
    cr = M.lab("cr", "2160-0", "150", "umol/L", "2024-06-01")
    record = M.bundle(M.patient(), cr)
    strict = case_from_fhir(record, strict=True, as_of=AS_OF)
    assert strict.case.labs.creatinine_mg_dl is None  # before: 1.7 mg/dL from the string "150"
    assert _strict_errors(strict) == [("Observation/cr", "valueQuantity.value")]
    with pytest.raises(FhirMappingError, match=r"valueQuantity.value: must be a number") as e:
        case_from_fhir(record, as_of=AS_OF)
    assert e.value.field == "Observation/cr"


# (resource id, the damage, the element both modes name)
WRONG_TYPES: list[tuple[str, dict[str, Any], str]] = [
    ("primary", {"onsetDateTime": 12345}, "onsetDateTime"),
    ("m-bone", {"onsetDateTime": 20240201}, "onsetDateTime"),
    ("m-bone", {"onsetDateTime": None, "onsetPeriod": {"start": 20240201}}, "onsetPeriod.start"),
    ("er", {"effectiveDateTime": 20240205}, "effectiveDateTime"),
    ("ms-tam", {"effectivePeriod": {"start": 20190601, "end": "2023-06-01"}}, "effectivePeriod.start"),
    ("mr-let", {"authoredOn": 20240220}, "authoredOn"),
]


@pytest.mark.parametrize(
    ("rid", "damage", "element"), WRONG_TYPES, ids=[f"{r}-{e}" for r, _, e in WRONG_TYPES]
)
def test_strict_and_default_name_the_same_resource_and_element_for_a_wrongly_typed_date(
    rid: str, damage: dict[str, Any], element: str
) -> None:
    record = _with(adjuvant_tamoxifen_then_bone("2024-02-01"), rid, **damage)
    strict = case_from_fhir(record, strict=True, as_of=AS_OF)
    errors = _strict_errors(strict)
    assert len(errors) == 1
    resource, strict_element = errors[0]
    assert resource.endswith("/" + rid)
    assert strict_element == element
    with pytest.raises(FhirMappingError) as e:
        case_from_fhir(record, as_of=AS_OF)
    assert e.value.field == resource
    assert e.value.message.startswith(element + ":")


def test_a_string_in_an_integer_element_is_not_coerced_in_strict_mode() -> None:
    """ECOG as valueInteger "1": fhir.resources reads the string as 1; both modes now refuse it."""
    ecog = M.observation("ecog", M.cc(M.LOINC, "89247-1"), "2024-06-01", valueInteger="1")
    record = M.bundle(M.patient(), ecog)
    strict = case_from_fhir(record, strict=True, as_of=AS_OF)
    assert strict.case.patient.ecog is None
    assert _strict_errors(strict) == [("Observation/ecog", "valueInteger")]
    with pytest.raises(FhirMappingError, match="valueInteger: must be a number") as e:
        case_from_fhir(record, as_of=AS_OF)
    assert e.value.field == "Observation/ecog"


@needs_assess
def test_cds_patient_view_names_a_creatinine_sent_as_a_string_on_the_partial_record_card() -> None:
    """Before: 200 with no partial-record card (strict read "150" as 150), so the defect the CLI names was
    invisible in the EHR; now the Observation is left out and named, and the red flag still shows."""
    cards = patient_view(hot_record(M.lab("cr-bad", "2160-0", "150", "umol/L", "2024-06-02"))).json()["cards"]
    card = partial_card(cards)
    assert "Observation/cr-bad" in card["detail"] and "valueQuantity.value" in card["detail"]
    assert any(c["indicator"] == "critical" and "hypercalc" in c["summary"].lower() for c in cards)
