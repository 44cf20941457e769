"""CDS Hooks: the integrator sweep of interop8. A long record is read to its end (or the cards say what
was not read), each dose suggestion acts on the draft its card is about, a null prefetch key means "no
data", a changed dose keeps the order's timing, and a safety alert about a mere option is not critical."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from interop import mcode as M
from interop.test_cds_hooks import (
    TOKEN,
    FhirServer,
    authorization,
    call,
    hook_request,
    needs_assess,
    prefetch_from,
)
from mbcnav.interop.cds_hooks import CdsSettings

PATIENT_VIEW = "/cds-services/mbcnav-patient-view"
ORDER_SIGN = "/cds-services/mbcnav-order-sign"
NOT_READ = "Part of this record was not read"
HYPERCALCAEMIA = "Red flag: High calcium (hypercalcemia) - act now"


def long_record() -> dict[str, Any]:
    """The HR+ renal record with twelve old normal calciums listed first and, last, a new calcium of
    14.2 mg/dL (albumin 4.0: the hypercalcaemia red flag). The loopback server pages by 3, so the
    observations take 8 pages and the high calcium is on the last one."""
    record = copy.deepcopy(M.hr_positive_renal_record())
    old = [M.lab(f"ca-old-{n}", "17861-6", 9.4, "mg/dL", f"2020-{n + 1:02d}-01") for n in range(12)]
    patient, *rest = record["entry"]
    record["entry"] = [
        patient,
        *({"resource": r} for r in old),
        *rest,
        {"resource": M.lab("ca-high", "17861-6", 14.2, "mg/dL", "2024-06-01")},
    ]
    return record


@pytest.fixture
def long_server() -> Iterator[FhirServer]:
    with FhirServer(long_record()) as server:
        yield server


def fetched_patient_view(server: FhirServer, settings: CdsSettings | None = None) -> list[dict[str, Any]]:
    body = hook_request("patient-view", fhirServer=server.base, fhirAuthorization=authorization(TOKEN))
    kwargs = {"settings": settings} if settings is not None else {}
    resp = call("POST", PATIENT_VIEW, json=body, **kwargs)
    assert resp.status_code == 200, resp.text
    return resp.json()["cards"]


def summaries(cards: list[dict[str, Any]]) -> list[str]:
    return [c["summary"] for c in cards]


# ------------------------------------------------------------------- 1. paging to the end, or saying so


@needs_assess
def test_a_search_of_eight_pages_is_read_to_its_end_so_the_latest_calcium_counts(
    long_server: FhirServer,
) -> None:
    """Before: paging stopped after 5 pages without a word; the calcium of 14.2 on page 8 was never
    read and the old 9.6 counted as the latest, so no hypercalcaemia card."""
    cards = fetched_patient_view(long_server)
    assert HYPERCALCAEMIA in summaries(cards)
    assert not any(s.startswith(NOT_READ) for s in summaries(cards))
    assert any("page=7" in url for url, _ in long_server.seen)


@needs_assess
def test_a_search_cut_off_by_the_page_budget_gets_a_warning_card_naming_it(long_server: FhirServer) -> None:
    settings = CdsSettings(base_url="https://mbcnav.example", fetch_max_pages=2)
    cards = fetched_patient_view(long_server, settings)
    warning = [c for c in cards if c["summary"].startswith(NOT_READ)]
    assert len(warning) == 1, summaries(cards)
    (card,) = warning
    assert card["indicator"] == "warning"
    assert "not evidence of safety" in card["summary"]
    assert "observations" in card["detail"] and "2 pages" in card["detail"]
    # read first among the warnings: right after the critical cards
    indicators = [c["indicator"] for c in cards]
    assert cards.index(card) == indicators.count("critical")


def test_a_time_budget_too_short_for_the_first_page_is_a_412(long_server: FhirServer) -> None:
    """The budget is a deadline on every GET, the first page too (security review item 4: a server
    trickling its first page held the call for minutes); a search cut off after some pages still gives
    the warning card (test_cds_fetch_limits)."""
    settings = CdsSettings(base_url="https://mbcnav.example", fetch_budget_s=1e-9)
    body = hook_request("patient-view", fhirServer=long_server.base, fhirAuthorization=authorization(TOKEN))
    resp = call("POST", PATIENT_VIEW, json=body, settings=settings)
    assert resp.status_code == 412, resp.text
    assert "could not fetch the record from fhirServer" in resp.json()["detail"]


@needs_assess
def test_a_next_link_to_another_server_is_not_followed_and_the_cards_say_so(long_server: FhirServer) -> None:
    """The token must not go elsewhere, but the record is then incomplete: before, this was only logged."""
    called = long_server.base
    long_server.base = called.replace("127.0.0.1", "localhost")  # the next links now name another origin
    body = hook_request("patient-view", fhirServer=called, fhirAuthorization=authorization(TOKEN))
    resp = call("POST", PATIENT_VIEW, json=body)
    assert resp.status_code == 200, resp.text
    (card,) = [c for c in resp.json()["cards"] if c["summary"].startswith(NOT_READ)]
    assert "another server" in card["detail"]
    assert not any(url.startswith("http://localhost") for url, _ in long_server.seen)


def test_budgets_that_would_read_nothing_are_refused_up_front() -> None:
    with pytest.raises(ValueError, match="fetch_max_pages"):
        CdsSettings(fetch_max_pages=0)
    with pytest.raises(ValueError, match="fetch_budget_s"):
        CdsSettings(fetch_budget_s=0)


# --------------------------------------------------------- 2. two drafts of one drug, keyed by their id


def zoledronic_draft(rid: str, dose: float) -> dict[str, Any]:
    order = M.med_request(rid, "zoledronic acid 4 MG/5ML Injection", status="draft", dose=dose)
    order["dosageInstruction"][0].update(
        text=f"{dose:g} mg IV over 15 minutes every 4 weeks",
        route={"text": "Intravenous"},
        timing={"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk"}},
    )
    return order


def order_sign(*drafts: dict[str, Any], prefetch: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    body = hook_request("order-sign", prefetch=prefetch or prefetch_from(M.hr_positive_renal_record()))
    body["context"]["draftOrders"] = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": d} for d in drafts],
    }
    resp = call("POST", ORDER_SIGN, json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()["cards"]


def acted_on(cards: list[dict[str, Any]]) -> list[str]:
    return [
        a["resourceId"]
        for c in cards
        for s in c.get("suggestions", ())
        for a in s["actions"]
        if a["type"] == "delete"
    ]


@needs_assess
@pytest.mark.parametrize("first", ["d1", "d2"])
def test_the_dose_suggestion_replaces_the_4mg_draft_not_the_3mg_one(first: str) -> None:
    """CrCl about 35 mL/min: zoledronic acid 3 mg. Before, drafts were keyed by drug name, so the last
    draft won and the suggestion deleted the correct 3 mg order, leaving the overdose."""
    drafts = {"d1": zoledronic_draft("d1", 4), "d2": zoledronic_draft("d2", 3)}
    order = [drafts[first], drafts["d2" if first == "d1" else "d1"]]
    cards = order_sign(*order)
    assert acted_on(cards) == ["MedicationRequest/d1"], summaries(cards)


@needs_assess
def test_two_drafts_above_the_adjusted_dose_each_get_their_own_suggestion() -> None:
    cards = order_sign(zoledronic_draft("d1", 4), zoledronic_draft("d2", 4))
    assert sorted(acted_on(cards)) == ["MedicationRequest/d1", "MedicationRequest/d2"]
    suggestions = [s for c in cards for s in c.get("suggestions", ())]
    assert len({s["uuid"] for s in suggestions}) == len(suggestions)
    for card in cards:
        if len(card.get("suggestions", ())) > 1:
            assert card["selectionBehavior"] == "any"  # replacing one draft does not exclude the other


# --------------------------------------------------------------- 4. the new order keeps its timing


@needs_assess
def test_the_changed_dose_keeps_the_route_timing_and_text_of_the_draft() -> None:
    (create,) = [
        a
        for c in order_sign(zoledronic_draft("d1", 4))
        for s in c.get("suggestions", ())
        for a in s["actions"]
        if a["type"] == "create"
    ]
    (instruction,) = create["resource"]["dosageInstruction"]
    assert instruction["text"] == "3 mg IV over 15 minutes every 4 weeks"
    assert instruction["timing"] == {"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk"}}
    assert instruction["route"] == {"text": "Intravenous"}
    assert instruction["doseAndRate"][0]["doseQuantity"]["value"] == 3.0


# ---------------------------------------------------------------- 3. a null prefetch key means no data


@needs_assess
def test_null_prefetch_keys_mean_no_data_and_the_cards_come_from_the_rest() -> None:
    """CDS Hooks 2.0: a prefetch template with no data is sent as null. Before: 412."""
    prefetch = prefetch_from(M.hr_positive_renal_record())
    for key in ("allergies", "procedures", "medicationAdministrations", "medicationStatements"):
        prefetch[key] = None
    resp = call("POST", PATIENT_VIEW, json=hook_request("patient-view", prefetch=prefetch))
    assert resp.status_code == 200, resp.text
    assert resp.json()["cards"]


def test_a_null_patient_is_still_a_412_naming_the_patient() -> None:
    prefetch = prefetch_from(M.hr_positive_renal_record())
    prefetch["patient"] = None
    resp = call("POST", PATIENT_VIEW, json=hook_request("patient-view", prefetch=prefetch))
    assert resp.status_code == 412, resp.text
    assert "Patient" in resp.json()["detail"]


# ------------------------------------------- 5. the FHIR export: the whole dose limit, the draft order


def test_the_exported_dose_issue_carries_kind_and_rule_and_implicates_the_draft_order(tmp_path: Any) -> None:
    import json

    from fhir.resources.R4B.bundle import Bundle
    from typer.testing import CliRunner

    from mbcnav.cli import app
    from mbcnav.interop.fhir_export import DOSE_LIMIT_DETAIL_EXTENSION

    record = M.hr_positive_renal_record()
    record["entry"].append({"resource": zoledronic_draft("d1", 4)})
    source, out = tmp_path / "record.json", tmp_path / "out.json"
    source.write_text(json.dumps(record), encoding="utf-8")
    result = CliRunner().invoke(app, ["assess", "--fhir", str(source), "--fhir-out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    bundle = json.loads(out.read_text(encoding="utf-8"))
    Bundle.model_validate(bundle)
    (issue,) = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "DetectedIssue"
        and e["resource"]["code"]["coding"][0]["code"] == "dose_above_adjusted"
    ]
    (detail,) = [x for x in issue["extension"] if x["url"] == DOSE_LIMIT_DETAIL_EXTENSION]
    parts = {x["url"]: x for x in detail["extension"]}
    assert parts["kind"]["valueCode"] == "adjusted"
    assert parts["neverExceed"]["valueBoolean"] is False
    assert parts["rule"]["valueString"]
    assert issue["implicated"] == [
        {"reference": "MedicationRequest/d1", "display": "draft order: zoledronic acid"}
    ]


# ---------------------------------------------------------------- 6. cards about options, sources, words


def option_alert(
    drug: str, sources: tuple[str, ...] = ("fda-label-docetaxel", "fda-label-paclitaxel")
) -> Any:
    from mbcnav.assessment import SafetyAlert

    return SafetyAlert(
        code="neutrophils_low",
        drug=drug,
        severity="contraindication",
        public="p",
        clinician="ANC 1400/µL (< 1500): do not give myelosuppressive chemotherapy today.",
        sources=sources,
    )


def patient_view_cards(*alerts: Any, taken: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    from interop.test_cds_hooks import SETTINGS, _assessment
    from mbcnav.interop.cds_hooks import cards_for

    assessment = _assessment().model_copy(update={"red_flags": [], "safety_alerts": list(alerts)})
    return cards_for(assessment, hook="patient-view", hook_instance="h", settings=SETTINGS, taken=set(taken))


def test_a_contraindication_on_a_mere_option_is_a_warning_naming_it_as_an_option() -> None:
    """Issue 7: red flags critical, safety alerts warning. Before: the ANC 1400 contraindication on
    paclitaxel, only a therapy option, was a critical card in the chart banner like a red flag."""
    (card,) = [c for c in patient_view_cards(option_alert("paclitaxel")) if c["summary"].startswith("Contra")]
    assert card["indicator"] == "warning"
    assert card["summary"] == "Contraindication: Low neutrophil count (paclitaxel, as a therapy option)"


def test_a_contraindication_on_what_is_given_now_stays_critical() -> None:
    cards = patient_view_cards(option_alert("paclitaxel"), taken=("paclitaxel",))
    (card,) = [c for c in cards if c["summary"].startswith("Contra")]
    assert card["indicator"] == "critical"


def test_a_card_cites_the_label_of_its_own_drug_first() -> None:
    (card,) = [c for c in patient_view_cards(option_alert("paclitaxel")) if c["summary"].startswith("Contra")]
    assert "paclitaxel" in card["source"]["label"].lower(), card["source"]


def test_a_null_number_is_named_as_null_once() -> None:
    from mbcnav.errors import FhirMappingError
    from mbcnav.interop.fhir.values import number

    with pytest.raises(FhirMappingError) as caught:
        number(None, "Observation/cr", "valueQuantity.value")
    assert "got null" in str(caught.value) and "None" not in str(caught.value)


def test_the_fever_red_flag_does_not_call_an_anc_of_1400_normal() -> None:
    """It fires at ANC >= 1000/uL (not febrile neutropenia by IDSA), which includes counts below normal."""
    from mbcnav.case import parse_case
    from mbcnav.reasoning.assess import assess

    case = parse_case(
        {
            "patient": {"age": 60, "sex": "F"},
            "tumor": {"er_percent": 90, "pr_percent": 50, "her2_ihc": "0"},
            "labs": {"anc_per_ul": 1400, "temp_c": 38.6},
        }
    )
    (flag,) = [f for f in assess(case).red_flags if f.code == "fever_on_treatment"]
    assert "normal" not in (flag.title or "").lower() and "fine" not in flag.public
