"""CDS Hooks 2.0 "Trusting CDS Clients": signed JWTs checked against trusted issuers and their JWK Sets.

Real keys (EC P-384, RSA 2048) made here, real JWTs signed with PyJWT, JWK Sets served over real HTTP
from a loopback server; expiry is tested with tokens that are already expired (no sleeps).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import logging
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response

from interop import mcode as M
from interop.loopback import LoopbackServer
from interop.test_cds_hooks import HAS_ASSESS, hook_request, prefetch_from, spec, spec_card_offers, spec_cards
from mbcnav.interop.cds_auth import (
    CdsAuthConfig,
    CdsAuthConfigError,
    CdsAuthError,
    JwksCache,
    load_trusted_clients,
    parse_trusted_clients,
)
from mbcnav.interop.cds_hooks import FEEDBACK, CdsSettings, build_cds_router

BASE = "https://mbcnav.example"
PV = "mbcnav-patient-view"
AUD_PV = f"{BASE}/cds-services/{PV}"
AUD_FEEDBACK = f"{AUD_PV}/feedback"
ISS = "https://ehr.example.org/"
ORIGIN = "https://ehr.example"

EC_KEY = ec.generate_private_key(ec.SECP384R1())
EC_OTHER = ec.generate_private_key(ec.SECP384R1())  # an attacker's key, never published
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_NEXT = ec.generate_private_key(ec.SECP384R1())  # published later (key rotation)


def public_jwk(private: Any, kid: str, alg: str) -> dict[str, Any]:
    algo = jwt.algorithms.ECAlgorithm if alg.startswith("ES") else jwt.algorithms.RSAAlgorithm
    jwk = algo.to_jwk(private.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "use": "sig", "alg": alg}


EC_JWK = public_jwk(EC_KEY, "ec-1", "ES384")
RSA_JWK = public_jwk(RSA_KEY, "rsa-1", "RS384")
NEXT_JWK = public_jwk(EC_NEXT, "ec-2", "ES384")


def make_token(
    *,
    key: Any = EC_KEY,
    alg: str = "ES384",
    kid: str | None = "ec-1",
    jku: str | None = None,
    drop: tuple[str, ...] = (),
    typ: str | None = "JWT",
    **claims: Any,
) -> str:
    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": ISS,
        "sub": "ehr-client",
        "aud": AUD_PV,
        "iat": now,
        "exp": now + 120,
        "jti": str(uuid.uuid4()),
        "tenant": "2ddd6c3a-8e9a-44c6-a305-52111ad302a2",
    }
    payload.update(claims)
    for name in drop:
        payload.pop(name)
    headers: dict[str, Any] = {"typ": typ}  # PyJWT leaves typ out when it is None
    if kid is not None:
        headers["kid"] = kid
    if jku is not None:
        headers["jku"] = jku
    return jwt.encode(payload, key, algorithm=alg, headers=headers)


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unsigned_token() -> str:
    """alg 'none': header and payload, empty signature (PyJWT will not make one on purpose)."""
    now = int(time.time())
    header = {"alg": "none", "typ": "JWT", "kid": "ec-1"}
    payload = {"iss": ISS, "aud": AUD_PV, "iat": now, "exp": now + 60, "jti": str(uuid.uuid4())}
    return f"{b64(header)}.{b64(payload)}."


def tampered_token() -> str:
    """A validly signed token whose payload was then changed (the tenant), signature kept."""
    header, _, signature = make_token().split(".")
    now = int(time.time())
    payload = {"iss": ISS, "aud": AUD_PV, "iat": now, "exp": now + 60, "jti": "x", "tenant": "other"}
    return f"{header}.{b64(payload)}.{signature}"


# ------------------------------------------------------------------------------ a loopback JWKS host


class JwksServer(LoopbackServer):
    """Serves JWK Sets on 127.0.0.1 (same pattern as the loopback FHIR server in test_cds_hooks)."""

    def __init__(self) -> None:
        self.sets: dict[str, dict[str, Any]] = {
            "jwks.json": {"keys": [EC_JWK, RSA_JWK]},
            "jwks-b.json": {"keys": [NEXT_JWK]},
        }
        self.hits: dict[str, int] = {}
        api = FastAPI()

        @api.get("/{name}")
        async def jwks(name: str) -> Response:
            self.hits[name] = self.hits.get(name, 0) + 1
            if name == "huge.json":
                return Response(b'{"keys": [' + b" " * 400_000 + b"]}", media_type="application/json")
            if name not in self.sets:
                return JSONResponse({"error": "not found"}, status_code=404)
            return JSONResponse(self.sets[name])

        super().__init__(api, "", "loopback JWKS server")

    def url(self, name: str = "jwks.json") -> str:
        return f"{self.base}/{name}"



@pytest.fixture(scope="module")
def jwks_server() -> Iterator[JwksServer]:
    with JwksServer() as server:
        yield server


@pytest.fixture
def own_jwks_server() -> Iterator[JwksServer]:
    """A server this test may change (key rotation)."""
    with JwksServer() as server:
        yield server


# ------------------------------------------------------------------------------ the service under test


def auth_config(jwks_url: str, **client: Any) -> CdsAuthConfig:
    return parse_trusted_clients({"clients": [{"iss": ISS, "jwks_url": jwks_url, **client}]})


class Service:
    """One router (so one JWK Set cache and one jti cache) called over ASGI, like an EHR would."""

    def __init__(self, config: CdsAuthConfig | None) -> None:
        settings = CdsSettings(base_url=BASE, cors_origins=(ORIGIN,), auth=config, trusted_clients_file="")
        self.app = FastAPI()
        # the spec's feedback example names a card: this service has sent it
        self.app.include_router(build_cds_router(settings, card_registry=spec_cards()))

    def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"

        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://cds.test") as client:
                return await client.request(method, path, headers=headers, **kw)

        return asyncio.run(go())

    def patient_view(self, token: str | None, **kw: Any) -> httpx.Response:
        body = hook_request("patient-view", prefetch=prefetch_from(M.hr_positive_renal_record()))
        return self.call("POST", f"/cds-services/{PV}", token, json=body, **kw)

    def feedback(self, token: str | None, **kw: Any) -> httpx.Response:
        return self.call("POST", f"/cds-services/{PV}/feedback", token, json=spec("18-example"), **kw)


@pytest.fixture
def service(jwks_server: JwksServer) -> Service:
    return Service(auth_config(jwks_server.url(), jku=[jwks_server.url("jwks-b.json")]))


def assert_401(resp: httpx.Response, problem: str) -> str:
    assert resp.status_code == 401, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.headers["www-authenticate"].startswith('Bearer realm="cds-services"')
    detail = resp.json()["detail"]
    assert detail.startswith(problem), detail
    return detail


# ------------------------------------------------------------------------------ accepted


@pytest.mark.skipif(not HAS_ASSESS, reason="mbcnav.reasoning.assess not written yet")
def test_a_valid_es384_token_gets_cards(service: Service, jwks_server: JwksServer) -> None:
    resp = service.patient_view(make_token())
    assert resp.status_code == 200, resp.text
    cards = resp.json()["cards"]
    assert cards and all(c["summary"] and c["indicator"] in {"info", "warning", "critical"} for c in cards)


def test_a_valid_rs384_token_and_an_aud_array_are_accepted(service: Service) -> None:
    token = make_token(key=RSA_KEY, alg="RS384", kid="rsa-1", aud=[AUD_FEEDBACK])
    assert service.feedback(token).status_code == 200


def test_feedback_is_recorded_with_the_authenticated_issuer(service: Service) -> None:
    resp = service.feedback(make_token(aud=AUD_FEEDBACK))
    assert resp.status_code == 200, resp.text
    assert FEEDBACK[-1]["service"] == PV and FEEDBACK[-1]["client"] == ISS


def test_feedback_also_accepts_the_service_url_as_aud(service: Service) -> None:
    assert service.feedback(make_token(aud=AUD_PV)).status_code == 200


def test_inline_jwks_config_verifies_without_any_fetch() -> None:
    config = parse_trusted_clients({"clients": [{"iss": ISS, "jwks": {"keys": [RSA_JWK]}}]})
    svc = Service(config)
    assert (
        svc.feedback(make_token(key=RSA_KEY, alg="RS384", kid="rsa-1", aud=AUD_FEEDBACK)).status_code == 200
    )
    assert_401(svc.feedback(make_token(aud=AUD_FEEDBACK)), "unknown kid 'ec-1'")  # EC key not configured


def test_the_spec_example_key_signs_a_token_the_spec_jwks_verifies() -> None:
    private = jwt.PyJWK(spec("24-example")).key
    config = parse_trusted_clients({"clients": [{"iss": ISS, "jwks": spec("23-example")}]})
    token = make_token(key=private, kid="example-kid", aud=AUD_FEEDBACK)
    assert Service(config).feedback(token).status_code == 200


def test_a_listed_jku_is_where_the_keys_come_from(service: Service, jwks_server: JwksServer) -> None:
    before = jwks_server.hits.get("jwks-b.json", 0)
    token = make_token(key=EC_NEXT, kid="ec-2", jku=jwks_server.url("jwks-b.json"), aud=AUD_FEEDBACK)
    assert service.feedback(token).status_code == 200
    assert jwks_server.hits["jwks-b.json"] == before + 1


# ------------------------------------------------------------------------------ refused


def _expired() -> str:
    past = int(time.time()) - 3600
    return make_token(iat=past - 60, exp=past)


REFUSALS: dict[str, tuple[Any, str]] = {
    "not JWT-shaped": (lambda s: "not-a-jwt", "malformed JWT"),
    "typ missing (2.0: REQUIRED)": (lambda s: make_token(typ=None), "malformed JWT: header typ is missing"),
    "typ not JWT": (lambda s: make_token(typ="at+jwt"), "malformed JWT: header typ is 'at+jwt'"),
    "alg none": (lambda s: unsigned_token(), "alg not allowed: 'none' (CDS Hooks forbids"),
    "alg HS256": (
        lambda s: make_token(key="a-shared-secret-of-at-least-32-bytes!!", alg="HS256"),
        "alg not allowed: 'HS256' (CDS Hooks forbids",
    ),
    "no kid": (lambda s: make_token(kid=None), "missing kid"),
    "no iss": (lambda s: make_token(drop=("iss",)), "missing claim: the JWT has no 'iss'"),
    "unknown issuer": (
        lambda s: make_token(iss="https://evil.example/"),
        "unknown issuer: 'https://evil.example/'",
    ),
    "jku not listed": (
        lambda s: make_token(jku="https://evil.example/jwks.json"),
        "jku not allowed for issuer 'https://ehr.example.org/': 'https://evil.example/jwks.json'",
    ),
    "unknown kid": (lambda s: make_token(kid="nobody"), "unknown kid 'nobody'"),
    "signed by another key": (lambda s: make_token(key=EC_OTHER), "bad signature"),
    "payload changed after signing": (lambda s: tampered_token(), "bad signature"),
    "RS384 with the EC key id": (
        lambda s: make_token(key=RSA_KEY, alg="RS384", kid="ec-1"),
        "alg not allowed: the JWT says 'RS384' but key 'ec-1' is for 'ES384'",
    ),
    "wrong aud": (
        lambda s: make_token(aud=f"{BASE}/cds-services/mbcnav-order-sign"),
        f"wrong aud: expected '{AUD_PV}', got '{BASE}/cds-services/mbcnav-order-sign'",
    ),
    "aud of another host": (
        lambda s: make_token(aud=f"https://other.example/cds-services/{PV}"),
        f"wrong aud: expected '{AUD_PV}'",
    ),
    "expired": (lambda s: _expired(), "expired: the JWT expired at"),
    "iat in the future": (
        lambda s: make_token(iat=int(time.time()) + 600, exp=int(time.time()) + 660),
        "iat in the future",
    ),
    "exp too far ahead": (lambda s: make_token(exp=int(time.time()) + 3600), "exp too far ahead"),
    "no jti": (lambda s: make_token(drop=("jti",)), "missing claim: the JWT has no 'jti'"),
    "no exp": (lambda s: make_token(drop=("exp",)), "missing claim: the JWT has no 'exp'"),
    "jti not a string": (lambda s: make_token(jti=42), "malformed JWT"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_each_refusal_is_a_401_naming_the_problem(service: Service, case: str) -> None:
    build, problem = REFUSALS[case]
    resp = service.patient_view(build(service))
    assert_401(resp, problem)


def test_no_token_or_another_scheme_is_a_missing_bearer_token(service: Service) -> None:
    assert_401(service.patient_view(None), "missing bearer token")
    resp = service.patient_view(None, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert_401(resp, "missing bearer token")
    assert "error=" not in resp.headers["www-authenticate"]  # RFC 6750: no token, no error code
    bad = service.patient_view("not-a-jwt")
    assert 'error="invalid_token"' in bad.headers["www-authenticate"]


def test_an_algorithm_the_issuer_is_not_allowed_is_refused(jwks_server: JwksServer) -> None:
    svc = Service(auth_config(jwks_server.url(), algorithms=["ES384"]))
    token = make_token(key=RSA_KEY, alg="RS384", kid="rsa-1", aud=AUD_FEEDBACK)
    assert_401(svc.feedback(token), "alg not allowed: 'RS384' for issuer 'https://ehr.example.org/'")


def test_a_reused_jti_is_refused(service: Service) -> None:
    token = make_token(aud=AUD_FEEDBACK)
    assert service.feedback(token).status_code == 200
    assert_401(service.feedback(token), "jti reused")
    # the same jti in a new token (new exp) is a replay too
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    assert_401(service.feedback(make_token(aud=AUD_FEEDBACK, jti=jti)), "jti reused")
    # a refused token does not use up its jti
    fresh = str(uuid.uuid4())
    assert_401(service.feedback(make_token(aud="https://nope.example/", jti=fresh)), "wrong aud")
    assert service.feedback(make_token(aud=AUD_FEEDBACK, jti=fresh)).status_code == 200


def test_feedback_needs_a_token_when_clients_are_configured(service: Service) -> None:
    before = len(FEEDBACK)
    assert_401(service.feedback(None), "missing bearer token")
    assert_401(service.feedback(make_token(aud=AUD_FEEDBACK, iss="https://evil.example/")), "unknown issuer")
    assert len(FEEDBACK) == before


def test_an_unreachable_jwks_url_is_a_401_that_says_so() -> None:
    svc = Service(auth_config("http://127.0.0.1:9/jwks.json"))  # nothing listens on the discard port
    assert_401(
        svc.feedback(make_token(aud=AUD_FEEDBACK)), "JWK Set unavailable: http://127.0.0.1:9/jwks.json"
    )


def test_an_oversized_or_missing_jwks_is_refused(jwks_server: JwksServer) -> None:
    svc = Service(auth_config(jwks_server.url("huge.json")))
    assert_401(svc.feedback(make_token(aud=AUD_FEEDBACK)), "JWK Set unavailable")
    svc = Service(auth_config(jwks_server.url("gone.json")))
    assert_401(svc.feedback(make_token(aud=AUD_FEEDBACK)), "JWK Set unavailable")


# ------------------------------------------------------------------------------ the JWK Set cache


def test_keys_are_cached_and_an_unknown_kid_triggers_one_refetch(own_jwks_server: JwksServer) -> None:
    server = own_jwks_server
    svc = Service(
        parse_trusted_clients({"clients": [{"iss": ISS, "jwks_url": server.url()}], "jwks_min_refetch_s": 0})
    )
    assert svc.feedback(make_token(aud=AUD_FEEDBACK)).status_code == 200
    assert svc.feedback(make_token(aud=AUD_FEEDBACK)).status_code == 200
    assert server.hits["jwks.json"] == 1  # cached
    server.sets["jwks.json"] = {"keys": [EC_JWK, NEXT_JWK]}  # the EHR rotates in a new key
    assert svc.feedback(make_token(key=EC_NEXT, kid="ec-2", aud=AUD_FEEDBACK)).status_code == 200
    assert server.hits["jwks.json"] == 2  # fetched again once for the new kid
    assert_401(svc.feedback(make_token(kid="nobody", aud=AUD_FEEDBACK)), "unknown kid 'nobody'")
    assert server.hits["jwks.json"] == 3  # one refetch per unknown kid, not a retry loop


def test_random_kids_cannot_make_the_service_refetch_all_the_time(own_jwks_server: JwksServer) -> None:
    server = own_jwks_server
    svc = Service(auth_config(server.url()))  # default: at most one refetch per URL every 10 s
    assert svc.feedback(make_token(aud=AUD_FEEDBACK)).status_code == 200
    for n in range(3):
        assert_401(svc.feedback(make_token(kid=f"random-{n}", aud=AUD_FEEDBACK)), "unknown kid")
    assert server.hits["jwks.json"] == 1


def test_keys_stay_in_use_while_the_key_host_is_down_until_they_are_too_old(
    own_jwks_server: JwksServer, caplog: pytest.LogCaptureFixture
) -> None:
    server = own_jwks_server
    now = [1000.0]
    cache = JwksCache(ttl_s=300, min_refetch_s=10, max_stale_s=3600, clock=lambda: now[0])

    def key() -> Any:
        return asyncio.run(cache.key(server.url(), "ec-1"))

    assert key()["kid"] == "ec-1"
    server.sets.pop("jwks.json")  # the EHR's key host now answers 404
    now[0] += 301  # the cached set is due for a refetch
    with caplog.at_level(logging.WARNING, logger="mbcnav.interop.cds_auth"):
        assert key()["kid"] == "ec-1"  # the refetch failed; the keys fetched 301 s ago still serve
    assert "refetch failed" in caplog.text and "HTTP 404" in caplog.text
    assert server.hits["jwks.json"] == 2
    now[0] += 5
    assert key()["kid"] == "ec-1"
    assert server.hits["jwks.json"] == 2  # no new attempt within min_refetch_s of the failure
    now[0] += 3600  # past max_stale_s: the old keys are no longer trusted
    with pytest.raises(CdsAuthError, match=r"JWK Set unavailable: .* HTTP 404"):
        key()
    server.sets["jwks.json"] = {"keys": [EC_JWK]}  # the host is back
    assert key()["kid"] == "ec-1"


def test_jwks_max_stale_s_is_a_setting() -> None:
    clients = [{"iss": ISS, "jwks_url": "https://ehr.example.org/jwks.json"}]
    config = parse_trusted_clients({"clients": clients, "jwks_max_stale_s": 60})
    assert config.jwks_max_stale_s == 60
    with pytest.raises(CdsAuthConfigError, match="jwks_max_stale_s: must be a number of seconds"):
        parse_trusted_clients({"clients": clients, "jwks_max_stale_s": "x"})


# ------------------------------------------------------------------------------ what stays open


def test_discovery_and_cors_preflight_stay_open(service: Service) -> None:
    resp = service.call("GET", "/cds-services", headers={"Origin": ORIGIN})
    assert resp.status_code == 200 and resp.json()["services"]
    assert resp.headers["access-control-allow-origin"] == ORIGIN
    pre = service.call(
        "OPTIONS",
        f"/cds-services/{PV}",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert pre.status_code == 204
    assert "authorization" in pre.headers["access-control-allow-headers"].lower()


def test_a_401_carries_cors_headers_so_a_browser_client_can_read_it(service: Service) -> None:
    resp = service.patient_view(None, headers={"Origin": ORIGIN})
    assert resp.status_code == 401
    assert resp.headers["access-control-allow-origin"] == ORIGIN


def test_without_trusted_clients_the_service_is_open_and_warns_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("MBCNAV_CDS_TRUSTED_CLIENTS", raising=False)
    caplog.set_level(logging.WARNING, logger="mbcnav.cds")
    app = FastAPI()
    app.include_router(build_cds_router(CdsSettings(base_url=BASE), card_registry=spec_cards()))
    warnings = [r for r in caplog.records if "development mode" in r.getMessage()]
    assert len(warnings) == 1
    resp = asyncio.run(_post(app, f"/cds-services/{PV}/feedback", spec("18-example")))
    assert resp.status_code == 200
    assert "client" not in FEEDBACK[-1]


async def _post(app: FastAPI, path: str, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cds.test") as client:
        return await client.post(path, json=body, headers=headers or {})


def test_tokens_are_never_logged(service: Service, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    good, bad, forged = make_token(aud=AUD_FEEDBACK), make_token(kid="nobody"), make_token(key=EC_OTHER)
    assert service.feedback(good).status_code == 200
    assert service.patient_view(bad).status_code == 401
    assert service.patient_view(forged).status_code == 401
    assert "refused" in caplog.text  # the refusals are logged...
    for token in (good, bad, forged):  # ...but no token, nor its signature
        assert token not in caplog.text and token.split(".")[2] not in caplog.text


# ------------------------------------------------------------------------------ configuration


def test_the_web_app_reads_the_trusted_clients_file(tmp_path: Path, jwks_server: JwksServer) -> None:
    from mbcnav.web.app import create_app
    from mbcnav.web.config import Settings

    (tmp_path / "ehr.jwks.json").write_text(json.dumps({"keys": [RSA_JWK]}), encoding="utf-8")
    file = tmp_path / "cds-clients.yaml"
    file.write_text(
        yaml.safe_dump(
            {
                "clients": [
                    {"iss": ISS, "jwks_url": jwks_server.url()},
                    {"iss": "https://other-ehr.example/", "jwks_file": "ehr.jwks.json"},
                ]
            }
        ),
        encoding="utf-8",
    )
    app = create_app(Settings(data_dir=tmp_path, base_url=BASE, cds_trusted_clients=str(file)))
    assert asyncio.run(_get(app, "/cds-services")).status_code == 200
    app.state.store.remember_cards(PV, spec_card_offers())  # the card the spec's feedback names was sent
    refused = asyncio.run(_post(app, f"/cds-services/{PV}/feedback", spec("18-example")))
    assert_401(refused, "missing bearer token")
    ok = make_token(aud=AUD_FEEDBACK)
    resp = asyncio.run(
        _post(app, f"/cds-services/{PV}/feedback", spec("18-example"), {"Authorization": f"Bearer {ok}"})
    )
    assert resp.status_code == 200, resp.text
    other = make_token(
        key=RSA_KEY, alg="RS384", kid="rsa-1", iss="https://other-ehr.example/", aud=AUD_FEEDBACK
    )
    resp = asyncio.run(
        _post(app, f"/cds-services/{PV}/feedback", spec("18-example"), {"Authorization": f"Bearer {other}"})
    )
    assert resp.status_code == 200, resp.text


async def _get(app: FastAPI, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cds.test") as client:
        return await client.get(path)


def test_the_env_var_names_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    file = tmp_path / "clients.json"
    file.write_text(json.dumps({"clients": [{"iss": ISS, "jwks": {"keys": [EC_JWK]}}]}), encoding="utf-8")
    monkeypatch.setenv("MBCNAV_CDS_TRUSTED_CLIENTS", str(file))
    settings = CdsSettings(base_url=BASE)
    assert settings.trusted_clients_file == str(file)
    app = FastAPI()
    app.include_router(build_cds_router(settings))
    assert_401(asyncio.run(_post(app, f"/cds-services/{PV}/feedback", spec("18-example"))), "missing bearer")


GOOD_JWKS = {"keys": [EC_JWK]}
CONFIG_ERRORS: list[tuple[Any, str]] = [
    ({}, "clients: a non-empty list"),
    ({"clients": []}, "clients: a non-empty list"),
    ({"clients": [{"jwks": GOOD_JWKS}]}, "clients[0].iss"),
    ({"clients": [{"iss": ISS}]}, "clients[0]: no keys"),
    ({"clients": [{"iss": ISS, "jwks_url": "http://ehr.example.org/jwks"}]}, "must be an https URL"),
    ({"clients": [{"iss": ISS, "jwks_url": "file:///etc/jwks.json"}]}, "must be an https URL"),
    ({"clients": [{"iss": ISS, "jwks": GOOD_JWKS, "jku": ["http://10.0.0.5/jwks"]}]}, "clients[0].jku[0]"),
    (
        {"clients": [{"iss": ISS, "jwks": GOOD_JWKS, "jwks_url": "https://ehr.example.org/jwks"}]},
        "give one of jwks_url, jwks, jwks_file",
    ),
    ({"clients": [{"iss": ISS, "jwks": GOOD_JWKS, "algorithms": ["HS256"]}]}, "'HS256' is not allowed"),
    ({"clients": [{"iss": ISS, "jwks": GOOD_JWKS, "algorithms": ["none"]}]}, "'none' is not allowed"),
    (
        {"clients": [{"iss": ISS, "jwks": {"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "s"}]}}]},
        "no usable",
    ),
    ({"clients": [{"iss": ISS, "jwks": [EC_JWK]}]}, "'keys' list"),
    ({"clients": [{"iss": ISS, "jwks": GOOD_JWKS}, {"iss": ISS, "jwks": GOOD_JWKS}]}, "listed twice"),
    ({"clients": [{"iss": ISS, "jwks": GOOD_JWKS, "jwks_uri": "x"}]}, "clients[0].jwks_uri: unknown field"),
    ({"clients": [{"iss": ISS, "jwks": GOOD_JWKS}], "leeway_s": -1}, "leeway_s"),
    ({"clients": [{"iss": ISS, "jwks": GOOD_JWKS}], "leeway": 5}, "leeway: unknown setting"),
]


@pytest.mark.parametrize(("data", "message"), CONFIG_ERRORS)
def test_a_bad_trusted_clients_config_names_the_field(data: Any, message: str) -> None:
    with pytest.raises(CdsAuthConfigError) as err:
        parse_trusted_clients(copy.deepcopy(data), source="clients.yaml")
    assert message in str(err.value) and str(err.value).startswith("clients.yaml: ")


def test_loopback_http_and_https_urls_are_allowed() -> None:
    config = parse_trusted_clients(
        {
            "clients": [
                {"iss": "a", "jwks_url": "http://127.0.0.1:8080/jwks", "jku": ["https://a.example/jwks"]},
                {"iss": "b", "jwks_url": "http://localhost/jwks"},
                {"iss": "c", "jwks_url": "http://[::1]:9/jwks"},
            ],
            "leeway_s": 10,
        }
    )
    assert [c.iss for c in config.clients] == ["a", "b", "c"] and config.leeway_s == 10
    assert config.clients[0].allowed_jku == ("http://127.0.0.1:8080/jwks", "https://a.example/jwks")


def test_an_unreadable_or_broken_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(CdsAuthConfigError, match="cannot read"):
        load_trusted_clients(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("clients: [\n", encoding="utf-8")
    with pytest.raises(CdsAuthConfigError, match="neither JSON nor YAML"):
        load_trusted_clients(broken)
    missing_keys = tmp_path / "clients.yaml"
    missing_keys.write_text(f"clients:\n  - iss: {ISS}\n    jwks_file: nowhere.json\n", encoding="utf-8")
    with pytest.raises(CdsAuthConfigError, match=r"clients\[0\]\.jwks_file: cannot read"):
        load_trusted_clients(missing_keys)


def test_a_bad_file_stops_the_router_from_being_built(tmp_path: Path) -> None:
    file = tmp_path / "clients.yaml"
    file.write_text("clients: []\n", encoding="utf-8")
    with pytest.raises(CdsAuthConfigError):
        build_cds_router(CdsSettings(base_url=BASE, trusted_clients_file=str(file)))


def test_cds_hooks_module_has_no_router_built_at_import() -> None:
    # the router reads its settings (and the trusted-clients file) when the app is created, not on
    # import; the old module-level name is built only when someone asks for it
    import subprocess
    import sys

    probe = (
        "import mbcnav.interop.cds_hooks as m; assert 'cds_router' not in vars(m); "
        "m.cds_router; assert 'cds_router' in vars(m)"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, timeout=120)
