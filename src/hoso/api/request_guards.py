"""ASGI middleware that shapes a request before any route sees it.

- `BodyLimit`: a declared oversize body is refused before it is read (413).
- `BodyDeadline`: a body that stalls (`Content-Length: 1000` and 10 bytes sent) or
  trickles in answers 408 instead of holding a worker forever.
- `FhirUrl`: `POST /fhir/` and `GET /fhir/Patient/1/` are the URLs without the slash
  (`fhirpy` and `fhirclient` post transactions to `/fhir/`); a NUL anywhere in the URL is
  a 400 (FHIR strings cannot hold it and PostgreSQL refuses it); XML or Turtle asked for
  by `Accept` or `_format` is a 406 with a JSON OperationOutcome, since only JSON is
  written (https://hl7.org/fhir/R4/http.html#mime-type).
- `HeadAsGet`: `HEAD` answers as `GET` without the body (https://hl7.org/fhir/R4/http.html#head).
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hoso.api.body import too_large_message
from hoso.api.responses import fhir_response
from hoso.core.errors import (
    FhirError,
    InvalidRequest,
    NotAcceptable,
    PayloadTooLarge,
    RequestTimeout,
)

__all__ = ["BodyDeadline", "BodyLimit", "FhirUrl", "HeadAsGet"]

IMPORT_PATH = "/fhir/$import"
_JSON_FORMATS = {"json", "application/json", "application/fhir+json", "application/json+fhir"}
_OTHER_FORMATS = {
    "xml", "text/xml", "application/xml", "application/fhir+xml", "application/xml+fhir",
    "ttl", "text/turtle", "application/fhir+turtle",
}  # fmt: skip
_ACCEPTS_JSON = ("json", "*/*", "application/*")


async def _refuse(error: FhirError, scope: Scope, receive: Receive, send: Send) -> None:
    await fhir_response(error.outcome(), error.http_status)(scope, receive, send)


class BodyLimit:
    """Refuse a declared oversize body before reading it (chunked bodies are cut while read)."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_import_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_import_bytes = max_import_bytes  # `$import` bodies: NDJSON files

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            limit = self.max_import_bytes if scope["path"] == IMPORT_PATH else self.max_bytes
            length = dict(scope["headers"]).get(b"content-length")
            if length and length.isdigit() and (len(length) > 18 or int(length) > limit):
                await _refuse(PayloadTooLarge(too_large_message(limit)), scope, receive, send)
                return
        await self.app(scope, receive, send)


class BodyDeadline:
    """Each wait for the next piece of the body is bounded by `idle_seconds`, the whole
    body by `total_seconds`; past either the route's read raises `RequestTimeout` (408).
    Once the body is complete, waiting (for a disconnect) is not bounded."""

    def __init__(self, app: ASGIApp, idle_seconds: float, total_seconds: float) -> None:
        self.app = app
        self.idle = idle_seconds
        self.total = total_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = time.monotonic() + self.total
        complete = False

        async def receive_in_time() -> Message:
            nonlocal complete
            if complete:
                return await receive()
            wait = min(self.idle, deadline - time.monotonic())
            try:
                message = await asyncio.wait_for(receive(), timeout=max(wait, 0.0))
            except TimeoutError:
                raise RequestTimeout(
                    "Nội dung yêu cầu không đến kịp; kết nối đã đóng / The request body did "
                    f"not arrive in time (idle {self.idle:g} s, {self.total:g} s in all)"
                ) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                complete = True
            return message

        await self.app(scope, receive_in_time, send)


class FhirUrl:
    """Trailing slashes, NUL characters and non-JSON formats, before routing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        query: bytes = scope.get("query_string", b"")
        if "\x00" in path or b"\x00" in query or b"%00" in query:
            error = InvalidRequest(
                "URL chứa ký tự NUL / The URL holds a NUL character", expression=["url"]
            )
            await _refuse(error, scope, receive, send)
            return
        if len(path) > 1 and path.endswith("/"):
            # In place, so that the access log (outside) sees the route that matched.
            scope["path"] = path.rstrip("/") or "/"
            raw = scope.get("raw_path")
            if isinstance(raw, bytes):
                scope["raw_path"] = raw.rstrip(b"/") or b"/"
        if scope["path"].startswith("/fhir"):
            refusal = _format_refusal(scope, query)
            if refusal is not None:
                await _refuse(refusal, scope, receive, send)
                return
        await self.app(scope, receive, send)


def _format_refusal(scope: Scope, query: bytes) -> NotAcceptable | None:
    """`_format` wins over `Accept`; only a format we know and do not write is refused
    (an unknown `_format` or an `Accept: text/html` from a browser gets JSON)."""
    formats = [v.strip().lower() for k, v in parse_qsl(query.decode("latin-1")) if k == "_format"]
    if formats:
        asked = next((f for f in formats if f in _OTHER_FORMATS), None)
    else:
        accept = dict(scope["headers"]).get(b"accept", b"").decode("latin-1").lower()
        types = [t.split(";")[0].strip() for t in accept.split(",") if t.strip()]
        if any(any(j in t for j in _ACCEPTS_JSON) for t in types):
            return None
        asked = next((t for t in types if t in _OTHER_FORMATS), None)
    if asked is None:
        return None
    return NotAcceptable(
        f"Máy chủ chỉ trả JSON (application/fhir+json), không trả '{asked}' / The server "
        f"answers in JSON only (application/fhir+json), not '{asked}'",
        expression=["_format" if formats else "Accept"],
    )


class HeadAsGet:
    """Run `HEAD` as `GET` (same status, headers and audit) and drop the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(dict(scope, method="GET"), receive, without_body)
