"""CDS feedback limits (security review scratch-sec/report.md, defect 2): a POST carries at most
MAX_FEEDBACK_ITEMS items (the spec sends one per card action), a userComment is bounded, and the items
of one POST are stored in one transaction: all of them or none."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from interop.test_cds_hooks import spec, spec_card_offers
from mbcnav.interop.cds_hooks import MAX_FEEDBACK_ITEMS, MAX_USER_COMMENT_CHARS
from mbcnav.web.app import create_app
from mbcnav.web.config import Settings
from mbcnav.web.store import AssessmentStore

PATH = "/cds-services/mbcnav-patient-view/feedback"


@pytest.fixture()
def web(tmp_path: Path) -> Any:
    app = create_app(Settings(data_dir=tmp_path, database_url=""))
    app.state.store.remember_cards("mbcnav-patient-view", spec_card_offers())
    with TestClient(app, raise_server_exceptions=False) as client:
        yield app, client
    app.state.store.dispose()


def _items(n: int) -> dict[str, Any]:
    item = spec("20-example")["feedback"][0]
    return {"feedback": [copy.deepcopy(item) for _ in range(n)]}


def test_feedback_over_the_item_cap_is_refused_naming_feedback_and_stores_nothing(web: Any) -> None:
    app, client = web
    resp = client.post(PATH, json=_items(MAX_FEEDBACK_ITEMS + 1))
    assert resp.status_code == 413
    assert resp.headers["content-type"].startswith("application/problem+json")
    detail = resp.json()["detail"]
    assert detail.startswith("feedback:") and str(MAX_FEEDBACK_ITEMS) in detail
    assert app.state.store.feedback("mbcnav-patient-view") == []


def test_feedback_at_the_item_cap_is_stored_whole(web: Any) -> None:
    app, client = web
    resp = client.post(PATH, json=_items(MAX_FEEDBACK_ITEMS))
    assert resp.status_code == 200, resp.text
    assert len(app.state.store.feedback("mbcnav-patient-view", limit=1000)) == MAX_FEEDBACK_ITEMS


def test_a_user_comment_over_the_cap_is_a_bad_request_naming_it(web: Any) -> None:
    app, client = web
    body = _items(1)
    body["feedback"][0]["overrideReason"]["userComment"] = "x" * (MAX_USER_COMMENT_CHARS + 1)
    resp = client.post(PATH, json=body)
    assert resp.status_code == 400
    assert resp.json()["detail"].startswith("feedback[0].overrideReason.userComment:")
    assert f"{MAX_USER_COMMENT_CHARS:,}" in resp.json()["detail"]
    assert app.state.store.feedback("mbcnav-patient-view") == []


def test_the_items_of_one_post_are_stored_in_one_transaction(tmp_path: Path) -> None:
    store = AssessmentStore(f"sqlite:///{tmp_path}/db.sqlite")
    good = spec("20-example")["feedback"][0]
    unstorable = {**good, "extra": {1, 2}}  # not JSON: its write fails after the first item's
    with pytest.raises(TypeError):
        store.add_feedback_items("mbcnav-patient-view", [good, unstorable], client=None)
    assert store.feedback("mbcnav-patient-view") == []
    store.add_feedback_items("mbcnav-patient-view", [good, good], client="https://ehr.example")
    assert len(store.feedback("mbcnav-patient-view")) == 2
    store.dispose()
