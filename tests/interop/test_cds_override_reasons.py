"""CDS Hooks 2.0 override reasons: safety cards offer them, feedback is checked against what the card
offered (spec examples 14, 16, 19, 20 and the feedback rules of the 2.0.1 text), no systemActions."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI

from interop import mcode as M
from interop.test_cds_hooks import (
    _STAMP,
    SETTINGS,
    _assessment,
    hook_request,
    needs_assess,
    prefetch_from,
    spec,
    zoledronic_order,
)
from mbcnav.interop import cds_overrides
from mbcnav.interop.cds_hooks import FEEDBACK, build_cds_router, cards_for

REASONS = cds_overrides.override_reasons()
OURS = REASONS.system
FEEDBACK_PATH = "/cds-services/{service}/feedback"


Body = dict[str, Any] | Callable[[list[httpx.Response]], dict[str, Any]]


def session(requests: Sequence[tuple[str, Body]]) -> list[httpx.Response]:
    """POSTs to ONE router (as a CDS Client talks to one service), in order; a body may be made from
    the answers so far (feedback naming a card just sent)."""
    application = FastAPI()
    application.include_router(build_cds_router(SETTINGS))

    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=application)
        answers: list[httpx.Response] = []
        async with httpx.AsyncClient(transport=transport, base_url="http://cds.test") as client:
            for path, body in requests:
                answers.append(await client.post(path, json=body(answers) if callable(body) else body))
        return answers

    return asyncio.run(go())


def first_card(answers: list[httpx.Response], summary: str = "") -> dict[str, Any]:
    return next(c for c in answers[0].json()["cards"] if c["summary"].startswith(summary))


def order_sign_request() -> dict[str, Any]:
    body = hook_request("order-sign", prefetch=prefetch_from(M.hr_positive_renal_record()))
    body["context"]["draftOrders"] = zoledronic_order(4)
    return body


def overridden(card: str, reason: dict[str, Any] | None = None, comment: str | None = None) -> dict[str, Any]:
    """Spec example 20 (overridden guidance with overrideReason), aimed at one of our cards."""
    body = copy.deepcopy(spec("20-example"))
    item = body["feedback"][0]
    item["card"] = card
    if reason is None:
        item["overrideReason"].pop("reason")
    else:
        item["overrideReason"]["reason"] = reason
    if comment is None:
        item["overrideReason"].pop("userComment")
    else:
        item["overrideReason"]["userComment"] = comment
    return body


def ours(code: str) -> dict[str, str]:
    return {"system": OURS, "code": code}


# ------------------------------------------------------------------------------ cards offer reasons


def test_safety_cards_offer_reasons_in_the_shape_of_spec_example_14() -> None:
    cards = cards_for(_assessment(), hook="patient-view", hook_instance="h1", settings=SETTINGS)
    by_summary = {c["summary"].split(":")[0]: c for c in cards}
    example = spec("14-reasons")["overrideReasons"]
    for kind, summary in (("safety-warning", "Safety"), ("contraindication", "Contraindication")):
        card = by_summary[summary]
        reasons = card["overrideReasons"]
        assert all(set(r) == set(example[0]) for r in reasons)  # system, code, display
        assert all(r["system"] == OURS and r["display"].strip() for r in reasons)
        assert [r["code"] for r in reasons] == list(REASONS.offered_by[kind])
    assert {"benefit-outweighs-risk", "not-applicable"} <= {
        r["code"] for r in by_summary["Contraindication"]["overrideReasons"]
    }
    # red flags say what to do now: no ready-made reasons to dismiss them
    assert "overrideReasons" not in by_summary["Red flag"]


@needs_assess
def test_order_sign_safety_cards_offer_reasons_and_the_response_has_no_system_actions() -> None:
    (resp,) = session([("/cds-services/mbcnav-order-sign", order_sign_request())])
    assert resp.status_code == 200, resp.text
    # spec example 15 shows a response with systemActions; ours has none: nothing is applied to the
    # chart without a clinician choosing it
    assert set(spec("15-system")) == {"cards", "systemActions"}
    assert set(resp.json()) == {"cards"}
    safety = [c for c in resp.json()["cards"] if c["summary"].startswith("Safety")]
    assert safety
    for card in safety:
        assert [r["code"] for r in card["overrideReasons"]] == list(REASONS.offered_by["safety-warning"])
    # the reasons come beside the suggestion, not instead of it (one draft: one card suggests its change)
    assert [bool(c.get("suggestions")) for c in safety].count(True) == 1


def test_every_reason_the_cards_offer_is_defined_with_a_display() -> None:
    raw = yaml.safe_load(cds_overrides.OVERRIDE_REASONS_FILE.read_text(encoding="utf-8"))
    assert raw["system"].startswith("https://mbcnav.org/")
    assert set(REASONS.offered_by) == {"safety-warning", "contraindication"}
    for codes in REASONS.offered_by.values():
        assert codes and all(REASONS.reasons[c].display for c in codes)


def test_a_reasons_file_offering_an_undefined_reason_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "reasons.yaml"
    broken.write_text(
        yaml.safe_dump(
            {
                "system": OURS,
                "reasons": [{"code": "a", "display": "A"}],
                "offered_by": {"safety-warning": ["a", "made-up"]},
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(cds_overrides, "OVERRIDE_REASONS_FILE", broken)
    cds_overrides.override_reasons.cache_clear()
    try:
        with pytest.raises(ValueError, match="made-up"):
            cds_overrides.override_reasons()
    finally:
        monkeypatch.undo()
        cds_overrides.override_reasons.cache_clear()
    assert cds_overrides.override_reasons() == REASONS


# ------------------------------------------------------------------------------ feedback against the offer


@needs_assess
def test_feedback_with_a_reason_the_card_offered_is_stored_with_the_reason() -> None:
    before = len(FEEDBACK)
    sent, answer = session(
        [
            ("/cds-services/mbcnav-order-sign", order_sign_request()),
            (
                FEEDBACK_PATH.format(service="mbcnav-order-sign"),
                lambda answers: overridden(
                    first_card(answers, "Safety")["uuid"],
                    ours("already-monitored"),
                    "Creatinine checked weekly.",
                ),
            ),
        ]
    )
    card = first_card([sent], "Safety")
    assert "already-monitored" in {r["code"] for r in card["overrideReasons"]}
    assert answer.status_code == 200, answer.text
    assert len(FEEDBACK) == before + 1
    stored = FEEDBACK[-1]
    assert stored["card"] == card["uuid"] and stored["outcome"] == "overridden"
    assert stored["overrideReason"] == {
        "reason": ours("already-monitored"),
        "userComment": "Creatinine checked weekly.",
    }


@needs_assess
@pytest.mark.parametrize(
    ("reason", "detail"),
    [
        (ours("made-up"), "'made-up' is not an mbcnav override reason"),
        (ours("not-applicable"), "did not offer 'not-applicable' (it offered: no override reasons)"),
    ],
)
def test_a_reason_of_ours_the_card_did_not_offer_is_refused_and_nothing_is_stored(
    reason: dict[str, str], detail: str
) -> None:
    hot = copy.deepcopy(M.hr_positive_renal_record())
    hot["entry"].append({"resource": M.lab("ca-high", "17861-6", 14.2, "mg/dL", "2024-06-01")})

    def feedback(answers: list[httpx.Response]) -> dict[str, Any]:
        red_flag = first_card(answers, "Red flag")
        assert "overrideReasons" not in red_flag
        good = {**spec("19-example")["feedback"][0], "card": red_flag["uuid"]}  # no reason: fine
        return {"feedback": [good, overridden(red_flag["uuid"], reason)["feedback"][0]]}

    before = len(FEEDBACK)
    sent, refused = session(
        [
            ("/cds-services/mbcnav-patient-view", hook_request("patient-view", prefetch=prefetch_from(hot))),
            (FEEDBACK_PATH.format(service="mbcnav-patient-view"), feedback),
        ]
    )
    assert sent.status_code == 200, sent.text
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"].startswith("feedback[1].overrideReason.reason:")
    assert detail in refused.json()["detail"]
    assert len(FEEDBACK) == before  # the good item of the same POST is not stored either


@needs_assess
def test_a_reason_from_the_clients_own_code_system_is_accepted_as_sent() -> None:
    """2.0: 'A CDS Client MAY augment the override reasons presented to the user with its own reasons'."""

    def feedback(answers: list[httpx.Response]) -> dict[str, Any]:
        body = spec("20-example")  # its reason: https://example.com/cds-hooks/override-reason-system
        body["feedback"][0]["card"] = first_card(answers, "Safety")["uuid"]
        return body

    _, answer = session(
        [
            ("/cds-services/mbcnav-order-sign", order_sign_request()),
            (FEEDBACK_PATH.format(service="mbcnav-order-sign"), feedback),
        ]
    )
    assert answer.status_code == 200, answer.text
    assert FEEDBACK[-1]["overrideReason"] == spec("20-example")["feedback"][0]["overrideReason"]


@needs_assess
def test_accepted_suggestions_must_be_suggestions_of_the_card() -> None:
    def accepted(which: Callable[[dict[str, Any]], str]) -> Body:
        def body(answers: list[httpx.Response]) -> dict[str, Any]:
            card = next(c for c in answers[0].json()["cards"] if c.get("suggestions"))
            feedback = spec("18-example")  # spec example: suggestion accepted
            feedback["feedback"][0].update(card=card["uuid"], acceptedSuggestions=[{"id": which(card)}])
            return feedback

        return body

    path = FEEDBACK_PATH.format(service="mbcnav-order-sign")
    _, ok, wrong = session(
        [
            ("/cds-services/mbcnav-order-sign", order_sign_request()),
            (path, accepted(lambda card: card["suggestions"][0]["uuid"])),
            (path, accepted(lambda card: "e56e1945-20b3-4393-8503-a1a20fd73152")),
        ]
    )
    assert ok.status_code == 200, ok.text
    assert wrong.status_code == 422
    assert wrong.json()["detail"].startswith("feedback[0].acceptedSuggestions[0].id:")


@needs_assess
def test_feedback_for_a_card_never_sent_or_sent_by_another_service_is_refused_and_not_stored() -> None:
    never_sent = "11111111-1111-4111-8111-111111111111"
    accepted = {"outcome": "accepted", "acceptedSuggestions": [{"id": "x"}], "outcomeTimestamp": _STAMP}
    before = len(FEEDBACK)
    sent, unknown, unknown_accepted, elsewhere = session(
        [
            # a hook instance of its own: card uuids are made from it, and other tests' calls to
            # order-select (same process memory) must not have sent the same uuid there
            ("/cds-services/mbcnav-patient-view", hook_request("patient-view", prefetch=prefetch_from(
                M.hr_positive_renal_record()), hookInstance="5a6f8d2e-unknown-card-test")),
            (FEEDBACK_PATH.format(service="mbcnav-patient-view"),
             overridden(never_sent, ours("benefit-outweighs-risk"))),
            (FEEDBACK_PATH.format(service="mbcnav-patient-view"),
             {"feedback": [{"card": "22222222-2222-4222-8222-222222222222", **accepted}]}),
            # a patient-view card is not a card of order-select
            (FEEDBACK_PATH.format(service="mbcnav-order-select"),
             lambda answers: overridden(first_card(answers)["uuid"], ours("not-applicable"))),
        ]
    )  # fmt: skip
    assert sent.status_code == 200 and sent.json()["cards"]
    for resp in (unknown, unknown_accepted, elsewhere):
        assert resp.status_code == 422, resp.text
        assert resp.json()["detail"].startswith("feedback[0].card:")
        assert "is not a card" in resp.json()["detail"] and "90 days" in resp.json()["detail"]
    assert "mbcnav-order-select" in elsewhere.json()["detail"]
    assert len(FEEDBACK) == before


def test_a_registry_that_cannot_answer_refuses_feedback_with_503_and_stores_nothing() -> None:
    class Down(cds_overrides.MemoryCards):
        def card_offer(self, service: str, card: str) -> dict[str, Any] | None:
            raise OSError("database gone")

    application = FastAPI()
    application.include_router(build_cds_router(SETTINGS, card_registry=Down()))
    before = len(FEEDBACK)

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application),
                                     base_url="http://cds.test") as client:  # fmt: skip
            return await client.post(FEEDBACK_PATH.format(service="mbcnav-patient-view"),
                                      json=spec("19-example"))  # fmt: skip

    resp = asyncio.run(go())
    assert resp.status_code == 503 and resp.json()["detail"].startswith("feedback[0].card:")
    assert len(FEEDBACK) == before


def test_the_offer_retention_the_message_names_is_the_stores() -> None:
    from mbcnav.web.store import CARD_OFFER_RETENTION

    assert dt.timedelta(days=cds_overrides.OFFER_RETENTION_DAYS) == CARD_OFFER_RETENTION


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({}, "overrideReason must carry a reason"),
        ({"reason": {"code": "x"}}, "overrideReason.reason.system is required"),
        ({"reason": {"system": OURS}}, "overrideReason.reason.code is required"),
    ],
)
def test_an_override_reason_that_is_not_a_2_0_override_reason_is_a_bad_request(
    override: dict[str, Any], problem: str
) -> None:
    item = {"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-11-25T10:05:31Z"}
    path = FEEDBACK_PATH.format(service="mbcnav-patient-view")
    (resp,) = session([(path, {"feedback": [{**item, "overrideReason": override}]})])
    assert resp.status_code == 400
    assert resp.json()["detail"].startswith(f"feedback[0].{problem}")


# ------------------------------------------------------------------------------ the web app's database


@needs_assess
def test_what_a_card_offered_is_kept_in_the_database_and_outlives_a_restart(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from mbcnav.web.app import create_app
    from mbcnav.web.config import Settings

    settings = Settings(data_dir=tmp_path, database_url="")
    first = create_app(settings)
    with TestClient(first) as client:
        resp = client.post("/cds-services/mbcnav-order-sign", json=order_sign_request())
    first.state.store.dispose()
    assert resp.status_code == 200, resp.text
    card = resp.json()["cards"][0]

    second = create_app(settings)  # a restart: process memory is gone, the database is not
    path = FEEDBACK_PATH.format(service="mbcnav-order-sign")
    with TestClient(second) as client:
        kept = client.post(path, json=overridden(card["uuid"], ours("benefit-outweighs-risk")))
        other = client.post(path, json=overridden(card["uuid"], ours("made-up")))
        elsewhere = client.post(
            FEEDBACK_PATH.format(service="mbcnav-patient-view"),
            json=overridden(card["uuid"], ours("benefit-outweighs-risk")),
        )
    stored = second.state.store.feedback()
    second.state.store.dispose()
    assert kept.status_code == 200, kept.text
    assert other.status_code == 422
    assert elsewhere.status_code == 422  # not a card that service sent
    assert stored[-1]["overrideReason"]["reason"] == ours("benefit-outweighs-risk")
    assert dt.datetime.fromisoformat(stored[-1]["outcomeTimestamp"])


def test_card_offers_older_than_the_retention_are_dropped_when_new_cards_are_kept(tmp_path: Path) -> None:
    # Without a retention rule the table grows by every card ever sent.
    from sqlalchemy import update

    from mbcnav.web.store import CARD_OFFER_RETENTION, AssessmentStore, cds_cards

    store = AssessmentStore(f"sqlite:///{tmp_path / 'cards.db'}")
    offer = {"reasons": [], "suggestions": []}
    store.remember_cards("mbcnav-order-sign", {"old-card": offer, "recent-card": offer})
    long_ago = dt.datetime.now(dt.UTC) - CARD_OFFER_RETENTION - dt.timedelta(days=1)
    with store.engine.begin() as conn:
        conn.execute(update(cds_cards).where(cds_cards.c.card == "old-card").values(issued_at=long_ago))
    store.remember_cards("mbcnav-order-sign", {"new-card": offer})
    kept = {card: store.card_offer("mbcnav-order-sign", card)
            for card in ("old-card", "recent-card", "new-card")}
    store.dispose()
    assert kept["old-card"] is None
    assert kept["recent-card"] == offer and kept["new-card"] == offer


def test_feedback_on_a_card_sent_more_than_90_days_ago_is_refused(tmp_path: Path) -> None:
    # the expired offer is still in the table (no card was sent since), but it no longer counts
    from fastapi.testclient import TestClient
    from sqlalchemy import update

    from mbcnav.web.app import create_app
    from mbcnav.web.config import Settings
    from mbcnav.web.store import CARD_OFFER_RETENTION, cds_cards

    application = create_app(Settings(data_dir=tmp_path, database_url=""))
    store = application.state.store
    offer = {"reasons": [], "suggestions": []}
    store.remember_cards("mbcnav-patient-view", {"old-card": offer, "recent-card": offer})
    long_ago = dt.datetime.now(dt.UTC) - CARD_OFFER_RETENTION - dt.timedelta(days=1)
    with store.engine.begin() as conn:
        conn.execute(update(cds_cards).where(cds_cards.c.card == "old-card").values(issued_at=long_ago))
    path = FEEDBACK_PATH.format(service="mbcnav-patient-view")
    with TestClient(application) as client:
        old = client.post(path, json=overridden("old-card", comment="Seen."))
        recent = client.post(path, json=overridden("recent-card", comment="Seen."))
    store.dispose()
    assert old.status_code == 422 and "90 days" in old.json()["detail"]
    assert recent.status_code == 200, recent.text
