"""ASGI middleware: security headers on every response, a hard limit on request body size, and the
refusal of cross-site form posts (CSRF).

All are plain ASGI (not BaseHTTPMiddleware) so streaming bodies are counted as they arrive and a
too-large body (413) or a cross-site post (403) is refused before the app parses any of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from urllib.parse import urlsplit

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# The interactive API docs (assets served from this app, see web/app.py) start themselves with an
# inline script and style; allow inline code on the docs pages only, and nothing from elsewhere.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; object-src 'none'; frame-ancestors 'none'"
)
# Matplotlib's SVG styles its shapes inline; the plot is served as a standalone image that runs no
# script, so it alone may carry inline styles.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` on our own form
    # posts, which the cross-site check (CrossSiteGuard) could not tell from a sandboxed attacker page.
    # Other sites still get no Referer (permalinks are not guessable and must not leak).
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path.startswith(("/api/docs", "/api/redoc")):
            csp = DOCS_CSP
        elif path.endswith(".svg") and path.startswith("/analytics/"):
            csp = SVG_CSP
        else:
            csp = CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    h for h in message.get("headers", []) if h[0].lower() != b"content-security-policy"
                ]
                existing = {name.lower() for name, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in existing]
                headers.append((b"content-security-policy", csp.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGet:
    """HEAD is GET without the body (RFC 9110 §9.3.2): link checkers and uptime monitors send it, and
    FastAPI's routes answer only the methods they name (HEAD / was 405)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


#: builds the page a too-large post to one page path gets instead of problem+json: (scope, limit)
PageRefusal = Callable[[Scope, int], Response]


class BodySizeLimit:
    """Refuse a request body above ``max_bytes`` with 413 before the app parses it. ``pages``: page
    paths whose too-large post gets that page with a message (a person uploading a file reads a page,
    not JSON); every other path gets problem+json."""

    def __init__(self, app: ASGIApp, max_bytes: int, pages: Mapping[str, PageRefusal] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.pages = dict(pages or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        if declared is None and b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            # A chunked body has no declared length: read it here, up to the limit, then replay it.
            # Raising from inside receive() instead would reach FastAPI's body parser, which answers
            # 400. Requests without a body (GET) are not buffered.
            body = bytearray()
            more = True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    await self.app(scope, _replay([message]), send)
                    return
                body += message.get("body", b"")
                more = bool(message.get("more_body", False))
                if len(body) > self.max_bytes:
                    await self._refuse(scope, send)
                    return
            await self.app(scope, _replay([{"type": "http.request", "body": bytes(body)}], receive), send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        page = self.pages.get(scope.get("path", ""))
        if page is not None:
            await page(scope, self.max_bytes)(scope, _replay([]), send)
            return
        body = orjson.dumps(
            {
                "type": "about:blank",
                "title": "Request body too large",
                "status": 413,
                "detail": f"the request body is larger than {self.max_bytes} bytes",
                "instance": scope.get("path", ""),
            }
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    """A receive() that gives the buffered messages first, then (for disconnects) the real one."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive


#: methods that change something; GET, HEAD and OPTIONS must not (the one GET that sets a cookie, the
#: audience link, is a link on purpose: see README "Cross-site requests")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: CDS Hooks services are called across origins by design (EHR front ends, the CDS Hooks sandbox):
#: they have their own CORS allow-list and JWT authentication (interop/cds_hooks.py)
CROSS_ORIGIN_PATHS = ("/cds-services",)
#: Sec-Fetch-Site values a browser sends for a request the page's own origin (or the person, by typing
#: or a bookmark) started
_OWN_FETCH_SITES = frozenset({"same-origin", "none"})
_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}
CROSS_SITE_DETAIL = (
    "This form was sent from a page on another website, so mbcnav did not act on it. Nothing was saved "
    "or changed. To use mbcnav, open it directly and fill in the form there."
)
CROSS_SITE_API_DETAIL = (
    "cross-site request refused: the browser's Sec-Fetch-Site or Origin header says a page on another "
    "site sent it (CSRF defence); nothing was changed. Programs that send no Origin header are not "
    "affected; a site that may post here goes in MBCNAV_TRUSTED_ORIGINS."
)


def normalize_origin(value: str) -> str | None:
    """`scheme://host[:port]` in lower case without a default port, or None when `value` is no origin
    (`null`, a path, garbage), so `https://Example.org:443` and `https://example.org` compare equal."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is not None and str(port) != _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


def trusted_origins(*values: str) -> frozenset[str]:
    """Origins of the settings (MBCNAV_BASE_URL, comma-separated MBCNAV_TRUSTED_ORIGINS), normalized;
    a base URL with a path counts by its origin."""
    out = set()
    for value in values:
        for item in value.split(","):
            origin = normalize_origin(item)
            if origin:
                out.add(origin)
    return frozenset(out)


def is_cross_site(
    method: str, path: str, headers: dict[str, str], own_origin: str | None, trusted: Iterable[str] = ()
) -> bool:
    """Whether a request is a browser request started by another site, which must not change anything.

    OWASP's CSRF defence for apps without sessions: verify the source with standard headers. A browser
    always labels a state-changing request: Sec-Fetch-Site (every current browser; computed by the
    browser, a page cannot set it) or at least Origin (all browsers for a cross-origin POST). A request
    with neither comes from a program (curl, a script), not from another site's page in someone's
    browser, and is let through so the JSON API keeps working for non-browser clients."""
    if method.upper() not in UNSAFE_METHODS or path.startswith(CROSS_ORIGIN_PATHS):
        return False
    origin_header = headers.get("origin")
    if origin_header is not None:
        origin = normalize_origin(origin_header)
        if origin is not None and (origin == own_origin or origin in set(trusted)):
            return False
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site.strip().lower() not in _OWN_FETCH_SITES
    # No Fetch Metadata (an older browser): its Origin did not match, or it is `null` (sandboxed frame,
    # data: URL, a redirect from elsewhere).
    return origin_header is not None


def request_origin(scope: Scope) -> str | None:
    """The origin this request was addressed to: its scheme and Host header (what the browser saw,
    unless a proxy rewrites Host: then the public origin belongs in MBCNAV_BASE_URL)."""
    host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), "")
    if not host:
        return None
    return normalize_origin(f"{scope.get('scheme', 'http')}://{host}")


class CrossSiteGuard:
    """Refuse (403) state-changing requests that another site's page made a visitor's browser send:
    saving cases through the form, switching the audience cookie. Pages get an HTML page in plain
    words, everything else problem+json; the body is never read."""

    def __init__(self, app: ASGIApp, trusted: Iterable[str] = ()) -> None:
        self.app = app
        self.trusted = frozenset(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        own = request_origin(scope)
        if not is_cross_site(scope["method"], scope.get("path", ""), headers, own, self.trusted):
            await self.app(scope, receive, send)
            return
        from mbcnav.web import problems  # late: problems and pages import the whole web package

        request = Request(scope)
        if problems.wants_html(request):
            from mbcnav.web.pages.common import error_page

            response = error_page(request, 403, CROSS_SITE_DETAIL)
        else:
            response = problems.problem(
                403, CROSS_SITE_API_DETAIL, title="Cross-site request refused", instance=request.url.path
            )
        await response(scope, receive, send)
