"""CDS Hooks: a record with one malformed element still gets its red-flag cards, plus a card naming what
was left out unread; only a record strict import cannot read either (or whose Patient it leaves out) is
still a 422."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import httpx
import orjson
import pytest

from interop import mcode as M
from interop.test_cds_hooks import _STAMP, call, hook_request, needs_assess, prefetch_from, zoledronic_order
from interop.test_cds_override_reasons import FEEDBACK_PATH, first_card, ours, overridden, session
from mbcnav.errors import FhirMappingError
from mbcnav.interop import cds_hooks
from mbcnav.interop.cds_hooks import FEEDBACK, import_readable_part
from mbcnav.interop.fhir import case_from_fhir

PATIENT_VIEW = "/cds-services/mbcnav-patient-view"
PARTIAL = "Part of this record could not be read"


def hot_record(*extra: dict[str, Any]) -> dict[str, Any]:
    """The HR+ renal record with a corrected calcium far above 12 mg/dL (calcium 14.2, albumin 4.0):
    the hypercalcaemia red flag."""
    record = copy.deepcopy(M.hr_positive_renal_record())
    record["entry"].append({"resource": M.lab("ca-high", "17861-6", 14.2, "mg/dL", "2024-06-01")})
    record["entry"].extend({"resource": r} for r in extra)
    return record


def unrelated_glucose(**damage: Any) -> dict[str, Any]:
    """A glucose Observation (LOINC 2345-7) that has nothing to do with calcium, damaged as given."""
    return {**M.lab("glu-bad", "2345-7", 98, "mg/dL", "2024-06-01"), **damage}


def patient_view(record: dict[str, Any]) -> httpx.Response:
    return call("POST", PATIENT_VIEW, json=hook_request("patient-view", prefetch=prefetch_from(record)))


def partial_card(cards: list[dict[str, Any]]) -> dict[str, Any]:
    found = [c for c in cards if c["summary"].startswith(PARTIAL)]
    assert len(found) == 1, [c["summary"] for c in cards]
    return found[0]


@needs_assess
@pytest.mark.parametrize(
    ("damage", "element"),
    [
        ({"effectiveDateTime": "2024-13-45"}, "effectiveDateTime"),  # an impossible date
        ({"code": 5}, "code"),  # a number where FHIR has a CodeableConcept
        ({"valueQuantity": [98]}, "valueQuantity"),  # a list where FHIR has a Quantity
    ],
)
def test_one_malformed_observation_still_gives_the_hypercalcaemia_card_and_a_partial_record_warning(
    damage: dict[str, Any], element: str
) -> None:
    resp = patient_view(hot_record(unrelated_glucose(**damage)))
    assert resp.status_code == 200, resp.text  # before: 422 "the FHIR record could not be read", no cards
    cards = resp.json()["cards"]
    red = [c for c in cards if c["summary"].startswith("Red flag") and "hypercalc" in c["summary"].lower()]
    assert len(red) == 1 and red[0]["indicator"] == "critical"
    card = partial_card(cards)
    assert card["indicator"] == "warning"
    # red flags stay first; the partial-record card is the first card after the critical ones
    indicators = [c["indicator"] for c in cards]
    assert cards.index(card) == indicators.count("critical")
    assert indicators == sorted(indicators, key=["critical", "warning", "info"].index)
    assert "1 resource left out" in card["summary"] and len(card["summary"]) < 140
    assert "Observation/glu-bad" in card["detail"] and element in card["detail"]
    assert "not evidence of safety" in card["detail"]
    assert "overrideReasons" not in card and "suggestions" not in card
    # the left-out resource is named once, on its own card, not again on the record-check card
    assert sum("glu-bad" in c["detail"] for c in cards) == 1


@needs_assess
def test_the_partial_record_card_names_elements_not_the_values_of_the_record() -> None:
    """The validator's message may quote the value; the card names resource and element only, and
    escapes them like every card detail that carries record text."""
    odd = unrelated_glucose(effectiveDateTime="2024-13-45 [click](http://evil.example)")
    odd["id"] = "glu<b>"
    card = partial_card(patient_view(hot_record(odd)).json()["cards"])
    assert "evil.example" not in card["detail"] and "2024-13-45" not in card["detail"]
    assert "Observation/glu\\<b\\>" in card["detail"] and "<b>" not in card["detail"]


@needs_assess
def test_each_left_out_resource_is_named_once_with_its_elements() -> None:
    two = unrelated_glucose(effectiveDateTime="2024-13-45", status=7)
    other = {**M.lab("hb-bad", "718-7", 11.9, "g/dL", "2024-06-01"), "effectiveDateTime": "2024-02-30"}
    card = partial_card(patient_view(hot_record(two, other)).json()["cards"])
    assert "2 resources left out" in card["summary"]
    assert card["detail"].count("Observation/glu-bad") == 1
    line = next(x for x in card["detail"].splitlines() if "glu-bad" in x)
    assert "effectiveDateTime" in line and "status" in line
    assert "Observation/hb-bad (element: effectiveDateTime)" in card["detail"]


@needs_assess
def test_a_well_formed_record_gets_no_partial_record_card() -> None:
    resp = patient_view(hot_record(unrelated_glucose()))
    assert resp.status_code == 200
    assert not [c for c in resp.json()["cards"] if c["summary"].startswith(PARTIAL)]


@needs_assess
@pytest.mark.parametrize(
    ("damage", "named"),
    [
        ({"birthDate": "1964-13-45"}, "birthDate"),
        # a refusal of the fast import that strict validation would only see as an unknown element
        ({"animal": {"species": {"text": "dog"}}}, "animal patient"),
    ],
)
def test_a_record_whose_patient_is_malformed_is_still_a_422(damage: dict[str, Any], named: str) -> None:
    """Strict import would leave the Patient out and go on (checked: age and sex unknown, other
    resources no longer checked against the patient, an animal patient assessed as a person), so the
    cards would be built for someone the record does not describe: 422 naming the element, as before."""
    record = hot_record()
    record["entry"][0]["resource"].update(damage)
    resp = patient_view(record)
    assert resp.status_code == 422
    assert resp.headers["content-type"] == "application/problem+json"
    detail = resp.json()["detail"]
    assert detail.startswith("the FHIR record could not be read: ")
    assert "Patient/p1" in detail and named in detail


def test_a_record_strict_import_cannot_read_either_keeps_the_fast_imports_error() -> None:
    """No Patient and valid resources naming two subjects: both imports refuse it, so the 422 stands
    and names what the fast import found (through the service this is a 412 first: no Patient)."""
    resources = [
        M.lab("ca-high", "17861-6", 14.2, "mg/dL", "2024-06-01"),
        {**M.lab("glu", "2345-7", 98, "mg/dL", "2024-06-01"), "subject": {"reference": "Patient/zz"}},
    ]
    with pytest.raises(FhirMappingError) as fast:
        case_from_fhir(resources, as_of=dt.date(2024, 7, 1))
    with pytest.raises(cds_hooks._BadRequest) as refused:
        import_readable_part(resources, fast.value, dt.date(2024, 7, 1))
    assert refused.value.response.status_code == 422
    detail = orjson.loads(bytes(refused.value.response.body))["detail"]
    assert detail == f"the FHIR record could not be read: {fast.value}"
    assert "2 different subjects" in detail


@needs_assess
def test_order_sign_with_a_malformed_observation_still_checks_the_order_and_warns_first() -> None:
    """Zoledronic acid 4 mg at CrCl about 35 mL/min: the renal dose card still comes, after the card
    saying part of the record was not read (so the absence of other alerts is not read as safety)."""
    record = copy.deepcopy(M.hr_positive_renal_record())
    record["entry"].append({"resource": unrelated_glucose(effectiveDateTime="2024-13-45")})
    body = hook_request("order-sign", prefetch=prefetch_from(record))
    body["context"]["draftOrders"] = zoledronic_order(4)
    resp = call("POST", "/cds-services/mbcnav-order-sign", json=body)
    assert resp.status_code == 200, resp.text
    cards = resp.json()["cards"]
    card = partial_card(cards)
    safety = [c for c in cards if c["summary"].startswith("Safety") and "zoledronic acid" in c["summary"]]
    assert safety and all(cards.index(card) < cards.index(s) for s in safety)
    assert "Observation/glu-bad" in card["detail"]


@needs_assess
def test_feedback_on_the_partial_record_card_takes_a_comment_but_no_reason_of_ours() -> None:
    """The card offers no override reasons or suggestions: feedback with a comment (or accepted) is
    stored; one of mbcnav's reasons is a 422 naming what the card offered."""
    record = hot_record(unrelated_glucose(effectiveDateTime="2024-13-45"))
    request = hook_request("patient-view", prefetch=prefetch_from(record))
    feedback = FEEDBACK_PATH.format(service="mbcnav-patient-view")
    before = len(FEEDBACK)
    sent, commented, accepted, refused = session(
        [
            (PATIENT_VIEW, request),
            (feedback, lambda a: overridden(first_card(a, PARTIAL)["uuid"], comment="Glucose checked.")),
            (
                feedback,
                lambda a: {
                    "feedback": [
                        {
                            "card": first_card(a, PARTIAL)["uuid"],
                            "outcome": "accepted",
                            "outcomeTimestamp": _STAMP,
                            "acceptedSuggestions": [],
                        }
                    ]
                },
            ),
            (feedback, lambda a: overridden(first_card(a, PARTIAL)["uuid"], ours("not-applicable"))),
        ]
    )
    assert sent.status_code == 200, sent.text
    assert commented.status_code == 200, commented.text
    assert accepted.status_code == 200, accepted.text
    assert refused.status_code == 422
    assert "it offered: no override reasons" in refused.json()["detail"]
    assert len(FEEDBACK) == before + 2
    assert FEEDBACK[-2]["overrideReason"] == {"userComment": "Glucose checked."}
