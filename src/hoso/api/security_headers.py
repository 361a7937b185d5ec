"""Browser-facing security headers on every response, and `no-store` on health data.

Browsers read these; API clients ignore them, so they cost nothing and close off
sniffing, framing (clickjacking of the web pages), referrer leaks of URLs that hold
search terms, and shared caches keeping health records. A route may set its own
`Content-Security-Policy` (a page with a nonce, say); the middleware fills in only what
is missing, except `Cache-Control` on health-data paths, which is always `no-store`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Paths whose answers hold health records or credentials: no cache may keep them
# (RFC 9111 §5.2.2.5), neither a shared proxy nor the browser's disk.
NO_STORE_PREFIXES = ("/fhir", "/auth", "/api")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'"
)
# The Swagger UI page (`hoso.api.docs_routes`) loads its script and style from this
# server and starts with one inline script; that script is allowed by its hash, computed
# from the page served, so no 'unsafe-inline'. Only the docs paths get this policy.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'{hashes}; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect")

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
HSTS = "max-age=31536000; includeSubDomains"  # one year; no preload: that is for the DNS owner

BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": PERMISSIONS_POLICY,
}

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def is_https(scope: Scope, *, trust_proxy_headers: bool) -> bool:
    """Whether the client reached us over TLS.

    `scope["scheme"]` is https when the ASGI server terminates TLS, or when it trusts
    the proxy (uvicorn `--forwarded-allow-ips`) and rewrote the scheme itself. The
    `X-Forwarded-Proto` header counts only when the operator says a TLS proxy sets it
    (HOSO_TRUST_PROXY_HEADERS): otherwise any client could claim it.
    """
    if scope.get("scheme") == "https":
        return True
    if not trust_proxy_headers:
        return False
    for name, value in scope["headers"]:
        if name == b"x-forwarded-proto":
            # The first proxy's view comes first: "https, http" means the client used TLS.
            return value.split(b",")[0].strip().lower() == b"https"
    return False


def docs_policy(html: bytes) -> str:
    """The docs CSP allowing exactly the page's own inline scripts, by SHA-256."""
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
        for body in _INLINE_SCRIPT.findall(html)
    )
    return DOCS_POLICY.format(hashes=hashes)


class SecurityHeaders:
    """Pure ASGI middleware (no response buffering, except the small docs page)."""

    def __init__(self, app: ASGIApp, *, trust_proxy_headers: bool = False) -> None:
        self.app = app
        self.trust_proxy_headers = trust_proxy_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        no_store = any(path == p or path.startswith(p + "/") for p in NO_STORE_PREFIXES)
        https = is_https(scope, trust_proxy_headers=self.trust_proxy_headers)

        def add_headers(message: Message, policy: str) -> None:
            headers = MutableHeaders(scope=message)
            for name, value in BASE_HEADERS.items():
                headers.setdefault(name, value)
            headers.setdefault("Content-Security-Policy", policy)
            if no_store:
                headers["Cache-Control"] = "no-store"
            if https:
                headers.setdefault("Strict-Transport-Security", HSTS)

        if path in DOCS_PATHS:
            await self._docs(scope, receive, send, add_headers)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_headers(message, CONTENT_SECURITY_POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _docs(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        add_headers: Callable[[Message, str], None],
    ) -> None:
        """Hold the docs page until its end so its inline scripts can be hashed."""
        start: Message | None = None
        body = bytearray()

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                add_headers(start, docs_policy(bytes(body)))
                await send(start)
                await send({"type": "http.response.body", "body": bytes(body)})

        await self.app(scope, receive, hold)
