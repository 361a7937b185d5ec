"""The access log: one line per request with method, route template, status and time,
never the concrete path, the query string or the body, which hold ids a client chose
(a CCCD, a name) and clinical content."""

from __future__ import annotations

import logging
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hoso.fhir.searchparams import supported_types

__all__ = ["AccessLog", "route_template"]

_KNOWN_TYPES = frozenset(supported_types())
_KNOWN_SEGMENTS = _KNOWN_TYPES | {
    "", "fhir", "auth", "api", "docs", "openapi.json", "metadata", "_history", "_search",
    ".well-known", "smart-configuration", "openid-configuration", "token", "revoke",
    "authorize", "callback", "jwks",
}  # fmt: skip
_OPERATION = re.compile(r"\$[a-z][a-z-]{0,40}")
log = logging.getLogger("hoso.access")


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            log.info("%s %s %d %.1fms", scope["method"], route_template(scope), status,
                     (time.perf_counter() - started) * 1000)  # fmt: skip


def route_template(scope: Scope) -> str:
    """`/fhir/Patient/{id}` for a matched route: the resource type is filled in only when
    it is one the server knows, so a name or CCCD typed as a type never reaches the log.
    A request refused before routing (rate limit, body limit) gets its path with every
    segment that is not a known word replaced by `{id}`."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return "/".join(
            part if part in _KNOWN_SEGMENTS or _OPERATION.fullmatch(part) else "{id}"
            for part in str(scope.get("path", "")).split("/")
        )
    resource_type = scope.get("path_params", {}).get("resource_type")
    if resource_type in _KNOWN_TYPES:
        path = path.replace("{resource_type}", resource_type)
    return path
