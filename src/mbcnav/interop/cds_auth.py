"""Authenticating CDS Clients: the signed JWT of CDS Hooks 2.0 ("Trusting CDS Clients").

Every call to a CDS service (and every feedback POST) carries ``Authorization: Bearer <JWT>``. The JWT
is signed with the client's private key (an asymmetric algorithm: ``none`` and HMAC are forbidden by
the spec); its header names the key (``kid``) and may point to the client's JWK Set (``jku``); its
payload holds ``iss``, ``aud`` (the URL of the endpoint being called), ``exp``, ``iat`` and ``jti``.

This module checks all of that against a list of trusted clients read from a JSON or YAML file
(``MBCNAV_CDS_TRUSTED_CLIENTS``)::

    clients:
      - iss: https://ehr.example.org/
        jwks_url: https://ehr.example.org/.well-known/jwks.json   # or jwks: {keys: [...]} or jwks_file
        jku: [https://ehr.example.org/jwks-2024.json]             # optional: other allowed jku URLs
        algorithms: [ES384, RS384]                                # optional: a subset of ALGORITHMS
    leeway_s: 30            # optional: clock skew tolerated on exp and iat
    max_lifetime_s: 300     # optional: how far ahead exp may lie
    # also optional: jwks_cache_s (300), jwks_min_refetch_s (10), jwks_timeout_s (5),
    #                jwks_max_stale_s (86400)

A client's keys come from the ``jku`` in the token header when that URL is on the client's list
(``jwks_url`` counts as listed), otherwise from its ``jwks_url``, inline ``jwks`` or ``jwks_file`` (read
once at startup; a relative path is taken from the file's folder). Fetched JWK Sets are cached per URL
and fetched again once when a token names a ``kid`` not in the cached set (key rotation), at most
every ``jwks_min_refetch_s`` per URL so random ``kid`` values cannot make us hammer the client's server.
When a due refetch fails (the client's key server is down), the keys already fetched stay in use, with
a warning, until they are ``jwks_max_stale_s`` old: an outage of the EHR's key host should not lock its
clinicians out of the CDS service, and the keys were trusted when fetched. Retries wait
``jwks_min_refetch_s``, so requests do not each sit through a timeout.

Signature and claim checks are PyJWT's; this module picks the key, maps each failure to one named
problem for the 401 answer, and remembers ``(iss, jti)`` until the token expires to stop replays.
Tokens are never logged.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import orjson
import yaml

from mbcnav.errors import MbcnavError
from mbcnav.yamlfile import load_yaml

log = logging.getLogger("mbcnav.cds.auth")

#: asymmetric JWS algorithms PyJWT verifies; CDS Hooks recommends ES384 and RS384
ALGORITHMS: tuple[str, ...] = (
    "ES256",
    "ES384",
    "ES512",
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "EdDSA",
)
#: a JWK Set larger than this is not a JWK Set
MAX_JWKS_BYTES = 256 * 1024
_KTY_FOR_ALG = {"ES": "EC", "RS": "RSA", "PS": "RSA", "Ed": "OKP"}
_CLIENT_FIELDS = ("iss", "jwks_url", "jwks", "jwks_file", "jku", "algorithms")
_ACCEPT_JWKS = {"Accept": "application/jwk-set+json, application/json"}


class CdsAuthConfigError(MbcnavError):
    """The trusted-clients file cannot be used (names the file and the field)."""


class CdsAuthError(Exception):
    """A CDS Client could not be authenticated; ``detail`` names the problem (no token text in it)."""

    def __init__(self, detail: str, *, error: str = "invalid_token") -> None:
        super().__init__(detail)
        self.detail = detail
        #: RFC 6750 error code for ``WWW-Authenticate`` ("" when no token was presented at all)
        self.error = error


# ----------------------------------------------------------------------------------------- config


@dataclass(frozen=True)
class TrustedClient:
    #: the ``iss`` the client puts in its JWTs, compared exactly
    iss: str
    #: where the client publishes its JWK Set (used when the token has no ``jku``)
    jwks_url: str | None = None
    #: the client's JWK Set given out of band ({"keys": [...]}), from the file or inline
    jwks: Mapping[str, Any] | None = None
    #: further URLs the client may name in the ``jku`` header (``jwks_url`` is always allowed)
    jku: tuple[str, ...] = ()
    algorithms: tuple[str, ...] = ALGORITHMS

    @property
    def allowed_jku(self) -> tuple[str, ...]:
        return ((self.jwks_url,) if self.jwks_url else ()) + self.jku


@dataclass(frozen=True)
class CdsAuthConfig:
    clients: tuple[TrustedClient, ...]
    #: seconds of clock skew tolerated on ``exp`` and ``iat``
    leeway_s: float = 30
    #: ``exp`` may lie at most this far ahead (CDS Client JWTs are short-lived; bounds the jti cache)
    max_lifetime_s: float = 300
    #: a fetched JWK Set is used for this long before it is fetched again
    jwks_cache_s: float = 300
    #: an unknown ``kid`` triggers a refetch only if the last fetch of that URL is older than this
    jwks_min_refetch_s: float = 10
    jwks_timeout_s: float = 5
    #: when a refetch fails, fetched keys stay in use until they are this old (then calls get 401)
    jwks_max_stale_s: float = 86_400
    #: (iss, jti) pairs remembered at most (oldest dropped first, with a warning)
    max_replay_entries: int = 100_000
    #: where the file was read from, for messages
    source: str = "<inline>"

    def client(self, iss: str) -> TrustedClient | None:
        return next((c for c in self.clients if c.iss == iss), None)


def url_allowed(url: str) -> bool:
    """https anywhere; plain http only to a loopback address (local tests, a sidecar on the host)."""
    parts = urlsplit(url)
    if not parts.hostname:
        return False
    if parts.scheme == "https":
        return True
    if parts.scheme != "http":
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def load_trusted_clients(path: str | Path) -> CdsAuthConfig:
    """Read the trusted-clients file (JSON or YAML; JSON is YAML). Raises CdsAuthConfigError."""
    file = Path(path)
    try:
        data = load_yaml(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CdsAuthConfigError(f"cannot read {file}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise CdsAuthConfigError(f"{file} is neither JSON nor YAML: {exc}") from None
    return parse_trusted_clients(data, source=str(file), base_dir=file.parent)


def parse_trusted_clients(
    data: Any, *, source: str = "<inline>", base_dir: Path | None = None
) -> CdsAuthConfig:
    def fail(where: str, message: str) -> CdsAuthConfigError:
        return CdsAuthConfigError(f"{source}: {where}: {message}")

    if not isinstance(data, dict) or not isinstance(data.get("clients"), list) or not data["clients"]:
        raise fail("clients", "a non-empty list of trusted CDS Clients is required")
    known = {
        "clients",
        "leeway_s",
        "max_lifetime_s",
        "jwks_cache_s",
        "jwks_min_refetch_s",
        "jwks_timeout_s",
        "jwks_max_stale_s",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise fail(unknown[0], f"unknown setting (known: {', '.join(sorted(known))})")
    numbers: dict[str, float] = {}
    for name in known - {"clients"}:
        if name in data:
            value = data[name]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise fail(name, "must be a number of seconds >= 0")
            numbers[name] = float(value)
    clients: list[TrustedClient] = []
    for n, raw in enumerate(data["clients"]):
        where = f"clients[{n}]"
        if not isinstance(raw, dict):
            raise fail(where, "must be a mapping with 'iss' and a key source")
        extra = sorted(set(raw) - set(_CLIENT_FIELDS))
        if extra:
            raise fail(f"{where}.{extra[0]}", f"unknown field (known: {', '.join(_CLIENT_FIELDS)})")
        iss = raw.get("iss")
        if not isinstance(iss, str) or not iss:
            raise fail(f"{where}.iss", "the issuer is required (a string, compared exactly)")
        if any(c.iss == iss for c in clients):
            raise fail(f"{where}.iss", f"'{iss}' is listed twice")
        sources = [k for k in ("jwks_url", "jwks", "jwks_file") if raw.get(k) is not None]
        if len(sources) > 1:
            raise fail(where, f"give one of jwks_url, jwks, jwks_file (not {' and '.join(sources)})")
        jku = raw.get("jku") or []
        if isinstance(jku, str):
            jku = [jku]
        if not isinstance(jku, list) or not all(isinstance(u, str) for u in jku):
            raise fail(f"{where}.jku", "must be a URL or a list of URLs")
        if not sources and not jku:
            raise fail(where, "no keys: give jwks_url, jwks or jwks_file (or the allowed jku URLs)")
        for i, url in enumerate(jku):
            if not url_allowed(url):
                raise fail(f"{where}.jku[{i}]", f"'{url}' must be an https URL (http only on loopback)")
        jwks_url = raw.get("jwks_url")
        if jwks_url is not None and (not isinstance(jwks_url, str) or not url_allowed(jwks_url)):
            raise fail(f"{where}.jwks_url", f"'{jwks_url}' must be an https URL (http only on loopback)")
        jwks: Any = raw.get("jwks")
        if raw.get("jwks_file") is not None:
            jwks_path = Path(str(raw["jwks_file"]))
            if not jwks_path.is_absolute() and base_dir is not None:
                jwks_path = base_dir / jwks_path
            try:
                jwks = orjson.loads(jwks_path.read_bytes())
            except OSError as exc:
                raise fail(f"{where}.jwks_file", f"cannot read {jwks_path}: {exc.strerror or exc}") from None
            except orjson.JSONDecodeError as exc:
                raise fail(f"{where}.jwks_file", f"{jwks_path} is not JSON: {exc}") from None
        if jwks is not None:
            try:
                usable = keys_by_kid(jwks)
            except ValueError as exc:
                raise fail(f"{where}.{sources[0]}", str(exc)) from None
            if not usable:
                raise fail(f"{where}.{sources[0]}", "no usable public signing key with a 'kid'")
        algorithms = raw.get("algorithms")
        if algorithms is None:
            algs = ALGORITHMS
        else:
            if isinstance(algorithms, str):
                algorithms = [algorithms]
            if not isinstance(algorithms, list) or not algorithms:
                raise fail(f"{where}.algorithms", "must be a non-empty list")
            bad = [a for a in algorithms if a not in ALGORITHMS]
            if bad:
                raise fail(
                    f"{where}.algorithms",
                    f"'{bad[0]}' is not allowed (asymmetric only: {', '.join(ALGORITHMS)})",
                )
            algs = tuple(algorithms)
        clients.append(TrustedClient(iss=iss, jwks_url=jwks_url, jwks=jwks, jku=tuple(jku), algorithms=algs))
    return CdsAuthConfig(clients=tuple(clients), source=source, **numbers)  # type: ignore[arg-type]


def keys_by_kid(jwks: Any) -> dict[str, dict[str, Any]]:
    """The signing keys of a JWK Set by ``kid``. Keys without a kid, symmetric keys (``oct``) and keys
    for another use are left out: a CDS Client's JWT must name its key, and only public keys count."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise ValueError("a JWK Set is a JSON object with a 'keys' list")
    out: dict[str, dict[str, Any]] = {}
    for key in jwks["keys"]:
        if not isinstance(key, dict) or not isinstance(key.get("kid"), str):
            continue
        if key.get("kty") not in {"EC", "RSA", "OKP"} or key.get("use", "sig") != "sig":
            continue
        out.setdefault(key["kid"], key)
    return out


# ----------------------------------------------------------------------------------------- caches


@dataclass
class _Fetched:
    keys: dict[str, dict[str, Any]]
    at: float
    #: when the last refetch of this URL failed (0: never), so retries wait min_refetch_s
    failed_at: float = 0.0


@dataclass
class JwksCache:
    """JWK Sets fetched over HTTP(S), by URL. One per router (so per app, per process)."""

    ttl_s: float = 300
    min_refetch_s: float = 10
    timeout_s: float = 5
    max_stale_s: float = 86_400
    clock: Callable[[], float] = time.monotonic
    _sets: dict[str, _Fetched] = field(default_factory=dict)
    #: fetches made, by URL (tests and logs)
    fetches: dict[str, int] = field(default_factory=dict)

    async def key(self, url: str, kid: str) -> dict[str, Any] | None:
        now = self.clock()
        cached = self._sets.get(url)
        if cached is None:
            cached = await self._fetch(url)
        elif now - cached.at > self.ttl_s:
            cached = await self._refresh(url, cached, now)
        elif kid not in cached.keys and now - cached.at >= self.min_refetch_s:
            log.info("CDS client JWK Set %s: kid %r not cached, fetching again", url, kid)
            cached = await self._refresh(url, cached, now)
        return cached.keys.get(kid)

    async def _refresh(self, url: str, cached: _Fetched, now: float) -> _Fetched:
        """Fetch again; if that fails, keep the keys we have while they are at most max_stale_s old."""
        fresh_enough = now - cached.at <= self.max_stale_s
        if fresh_enough and now - cached.failed_at < self.min_refetch_s:
            return cached  # a refetch just failed: do not make every request wait on another one
        try:
            return await self._fetch(url)
        except CdsAuthError as exc:
            if not fresh_enough:
                raise
            cached.failed_at = now
            log.warning(
                "CDS client JWK Set %s: refetch failed (%s); using the keys fetched %.0f s ago",
                url,
                exc.detail,
                now - cached.at,
            )
            return cached

    async def _fetch(self, url: str) -> _Fetched:
        if not url_allowed(url):  # checked when the config is read too; never send a request elsewhere
            raise CdsAuthError(f"JWK Set unavailable: '{url}' is not an https URL")
        self.fetches[url] = self.fetches.get(url, 0) + 1
        timeout = httpx.Timeout(self.timeout_s, connect=min(3.0, self.timeout_s))
        try:
            async with (
                httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client,
                client.stream("GET", url, headers=_ACCEPT_JWKS) as resp,
            ):
                if resp.status_code != 200:
                    raise CdsAuthError(f"JWK Set unavailable: {url} answered HTTP {resp.status_code}")
                body = bytearray()
                async for chunk in resp.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_JWKS_BYTES:
                        raise CdsAuthError(
                            f"JWK Set unavailable: {url} sent more than {MAX_JWKS_BYTES} bytes"
                        )
        except httpx.HTTPError as exc:
            log.warning("CDS client JWK Set %s could not be fetched (%s)", url, type(exc).__name__)
            raise CdsAuthError(
                f"JWK Set unavailable: {url} could not be fetched ({type(exc).__name__})"
            ) from None
        try:
            keys = keys_by_kid(orjson.loads(bytes(body)))
        except (orjson.JSONDecodeError, ValueError):
            raise CdsAuthError(f"JWK Set unavailable: {url} did not return a JWK Set") from None
        fetched = _Fetched(keys=keys, at=self.clock())
        self._sets[url] = fetched
        log.info("CDS client JWK Set %s fetched: %d key(s)", url, len(keys))
        return fetched


@dataclass
class ReplayCache:
    """(iss, jti) of accepted tokens until they expire.

    In memory, so it protects one process: mbcnav serves CDS Hooks from a single uvicorn process
    (``mbcnav serve``). Behind several workers or hosts this needs a shared store (e.g. Redis SET NX
    with the token's exp as expiry). Bounded: past ``max_entries`` the oldest entries are dropped
    (they expire within ``max_lifetime_s`` anyway), with a warning.
    """

    max_entries: int = 100_000
    _seen: dict[tuple[str, str], float] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self._seen)

    def first_use(self, iss: str, jti: str, exp: float, now: float) -> bool:
        """Record the pair; False if it was already seen and has not expired."""
        self._purge(now)
        key = (iss, jti)
        if key in self._seen:
            return False
        if len(self._seen) >= self.max_entries:
            log.warning("CDS jti replay cache full (%d entries): dropping the oldest", self.max_entries)
            del self._seen[next(iter(self._seen))]
        self._seen[key] = exp
        return True

    def _purge(self, now: float) -> None:
        # insertion order is roughly expiry order (lifetimes are capped), so expired entries sit in front
        while self._seen:
            key, exp = next(iter(self._seen.items()))
            if exp >= now:
                break
            del self._seen[key]


# ----------------------------------------------------------------------------------------- verifying


@dataclass(frozen=True)
class CdsClient:
    """An authenticated CDS Client call."""

    iss: str
    kid: str
    jti: str
    claims: dict[str, Any]

    @property
    def tenant(self) -> str | None:
        tenant = self.claims.get("tenant")
        return tenant if isinstance(tenant, str) else None


def _quote(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _utc(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class CdsAuthenticator:
    """Checks the ``Authorization`` header of a CDS Hooks call against the trusted clients."""

    def __init__(self, config: CdsAuthConfig, *, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self.jwks = JwksCache(
            ttl_s=config.jwks_cache_s,
            min_refetch_s=config.jwks_min_refetch_s,
            timeout_s=config.jwks_timeout_s,
            max_stale_s=config.jwks_max_stale_s,
        )
        self.replays = ReplayCache(max_entries=config.max_replay_entries)
        self._inline = {c.iss: keys_by_kid(c.jwks) for c in config.clients if c.jwks is not None}

    async def authenticate(self, authorization: str | None, audiences: Iterable[str]) -> CdsClient:
        """The client behind a valid JWT whose ``aud`` is one of ``audiences``; else CdsAuthError."""
        token = _bearer(authorization)
        header = _header(token)
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ALGORITHMS:
            raise CdsAuthError(
                f"alg not allowed: {_quote(alg)} (CDS Hooks forbids 'none' and symmetric algorithms such as "
                f"HS256; accepted: {', '.join(ALGORITHMS)})"
            )
        typ = header.get("typ")  # 2.0: REQUIRED, fixed value "JWT"
        if not isinstance(typ, str) or typ.upper() != "JWT":
            got = "missing" if typ is None else f"{_quote(typ)}"
            raise CdsAuthError(f"malformed JWT: header typ is {got}, expected 'JWT'")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise CdsAuthError("missing kid: the JWT header must name the signing key ('kid')")
        unverified = _unverified_claims(token)
        iss = unverified.get("iss")
        if not isinstance(iss, str) or not iss:
            raise CdsAuthError("missing claim: the JWT has no 'iss' (issuer)")
        client = self.config.client(iss)
        if client is None:
            raise CdsAuthError(f"unknown issuer: {_quote(iss)} is not a trusted CDS Client")
        if alg not in client.algorithms:
            raise CdsAuthError(
                f"alg not allowed: {_quote(alg)} for issuer {_quote(iss)} "
                f"(accepted: {', '.join(client.algorithms)})"
            )
        jwk = await self._key(client, kid, header.get("jku"))
        if jwk.get("alg") not in (None, alg):
            raise CdsAuthError(
                f"alg not allowed: the JWT says {_quote(alg)} but key {_quote(kid)} "
                f"is for {_quote(jwk['alg'])}"
            )
        family = _KTY_FOR_ALG.get(alg[:2])
        if jwk.get("kty") != family:
            raise CdsAuthError(
                f"alg not allowed: {_quote(alg)} needs a {family} key, "
                f"key {_quote(kid)} is {_quote(jwk.get('kty'))}"
            )
        try:
            public_key = jwt.PyJWK(jwk, algorithm=alg).key
        except jwt.PyJWTError as exc:
            raise CdsAuthError(
                f"unusable key {_quote(kid)} of issuer {_quote(iss)} for {alg}: {exc}"
            ) from None
        expected = tuple(audiences)
        cfg = self.config
        try:
            claims = jwt.decode(
                token,
                key=public_key,
                algorithms=[alg],
                audience=list(expected),
                issuer=iss,
                leeway=cfg.leeway_s,
                options={"require": ["iss", "aud", "exp", "iat", "jti"]},
            )
        except jwt.InvalidSignatureError:
            raise CdsAuthError(
                f"bad signature: the JWT does not verify with key {_quote(kid)} of issuer {_quote(iss)}"
            ) from None
        except jwt.ExpiredSignatureError:
            raise CdsAuthError(
                f"expired: the JWT expired at {_utc(float(unverified['exp']))} "
                f"(now {_utc(self.clock())}, leeway {cfg.leeway_s:g} s)"
            ) from None
        except jwt.ImmatureSignatureError as exc:
            claim = "iat" if "(iat)" in str(exc) else "nbf"
            raise CdsAuthError(
                f"{claim} in the future: the JWT says {_utc(float(unverified[claim]))} "
                f"(now {_utc(self.clock())}, leeway {cfg.leeway_s:g} s)"
            ) from None
        except jwt.InvalidAudienceError:
            raise CdsAuthError(
                f"wrong aud: expected {' or '.join(map(_quote, expected))}, "
                f"got {_quote(unverified.get('aud'))}"
            ) from None
        except jwt.MissingRequiredClaimError as exc:
            raise CdsAuthError(f"missing claim: the JWT has no {_quote(exc.claim)}") from None
        except jwt.InvalidIssuedAtError:
            raise CdsAuthError("malformed JWT: 'iat' must be a number of seconds since the epoch") from None
        except jwt.InvalidTokenError as exc:  # exp or nbf not a number, undecodable payload, jti not a string
            raise CdsAuthError(f"malformed JWT: {exc}") from None
        jti = claims["jti"]
        if not isinstance(jti, str) or not jti:
            raise CdsAuthError("malformed JWT: 'jti' must be a non-empty string")
        now = self.clock()
        exp = float(claims["exp"])
        if exp > now + cfg.max_lifetime_s + cfg.leeway_s:
            raise CdsAuthError(
                f"exp too far ahead: the JWT is valid until {_utc(exp)}, at most {cfg.max_lifetime_s:g} s "
                f"from now ({_utc(now)}) is accepted"
            )
        if not self.replays.first_use(iss, jti, exp + cfg.leeway_s, now):
            raise CdsAuthError(
                f"jti reused: a JWT with jti {_quote(jti)} from {_quote(iss)} was already accepted"
            )
        return CdsClient(iss=iss, kid=kid, jti=jti, claims=claims)

    async def _key(self, client: TrustedClient, kid: str, jku: Any) -> dict[str, Any]:
        if jku is not None:
            if not isinstance(jku, str) or jku not in client.allowed_jku:
                raise CdsAuthError(
                    f"jku not allowed for issuer {_quote(client.iss)}: {_quote(jku)} is not on its list"
                )
            url: str | None = jku
        else:
            url = client.jwks_url
        if url is not None:
            key = await self.jwks.key(url, kid)
            where = url
        elif client.iss in self._inline:
            key = self._inline[client.iss].get(kid)
            where = "the configured JWK Set"
        else:
            raise CdsAuthError(
                f"unknown kid {_quote(kid)} for issuer {_quote(client.iss)}: the JWT has no jku "
                "and no JWK Set is configured for this issuer"
            )
        if key is None:
            raise CdsAuthError(f"unknown kid {_quote(kid)} for issuer {_quote(client.iss)} (not in {where})")
        return key


def _bearer(authorization: str | None) -> str:
    if not authorization or not authorization.strip():
        raise CdsAuthError("missing bearer token: send 'Authorization: Bearer <JWT>'", error="")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise CdsAuthError(
            "missing bearer token: the Authorization header does not use the Bearer scheme", error=""
        )
    return token.strip()


def _header(token: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise CdsAuthError(f"malformed JWT: {exc}") from None
    return header


def _unverified_claims(token: str) -> dict[str, Any]:
    """The payload before the signature is checked: only to find the issuer and to word messages."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise CdsAuthError(f"malformed JWT: {exc}") from None
    return claims
