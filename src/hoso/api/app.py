"""The HTTP application: one place turns every error into an OperationOutcome."""

from __future__ import annotations

import logging
import time

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from hoso.api import fhir_routes, operation_routes
from hoso.api.body import too_large_message
from hoso.api.responses import fhir_response
from hoso.core.errors import FhirError, Issue, operation_outcome
from hoso.core.settings import Settings
from hoso.fhir.repository import Repository

log = logging.getLogger("hoso.api")
access_log = logging.getLogger("hoso.access")

_STATUS_CODES = {404: "not-found", 405: "not-supported", 413: "too-costly", 415: "not-supported"}


def _outcome(status: int, message: str, code: str = "invalid") -> Response:
    return fhir_response(operation_outcome([Issue("error", code, message)]), status)


class BodyLimit:
    """Refuse a declared oversize body before reading it (chunked bodies are cut while read)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope["headers"]).get(b"content-length")
            if length and length.isdigit() and int(length) > self.max_bytes:
                response = _outcome(413, too_large_message(self.max_bytes), "too-costly")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class AccessLog:
    """One line per request with method, path and status: never the query string or the
    body, which hold names, CCCDs and clinical content."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: dict) -> None:  # type: ignore[type-arg]
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            access_log.info(
                "%s %s %d %.1fms",
                scope["method"],
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
            )


def create_app(repository: Repository, settings: Settings) -> FastAPI:
    app = FastAPI(title="Hồ Sơ FHIR API", version="0.1.0", docs_url="/docs", redoc_url=None)
    app.state.repository = repository
    app.state.settings = settings
    app.include_router(operation_routes.router)
    app.include_router(fhir_routes.router)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(AccessLog)

    @app.exception_handler(FhirError)
    async def fhir_error(_request: Request, exc: FhirError) -> Response:
        return fhir_response(exc.outcome(), exc.http_status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        return _outcome(
            exc.status_code, str(exc.detail), _STATUS_CODES.get(exc.status_code, "invalid")
        )

    @app.exception_handler(RequestValidationError)
    async def request_error(_request: Request, exc: RequestValidationError) -> Response:
        return _outcome(400, f"Yêu cầu không hợp lệ / Invalid request: {exc.errors()}")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # Log the path and type only: never the body, which may hold health data.
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _outcome(500, "Lỗi máy chủ / Internal server error", "exception")

    return app
