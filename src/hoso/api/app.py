"""The HTTP application: one place turns every error into an OperationOutcome."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from hoso.access import operations as access_operations
from hoso.access.audit import GroupCommitAuditTrail
from hoso.access.resolve import PrincipalResolver
from hoso.api import (
    audit_routes,
    auth_routes,
    bulk_routes,
    fhir_routes,
    import_routes,
    operation_routes,
    quality_routes,
    review_routes,
    rights_routes,
)
from hoso.api.audit_barrier import AuditBarrier
from hoso.api.rate_limit import RateLimit, RateLimiter
from hoso.api.request_guards import BodyDeadline, BodyLimit, FhirUrl, HeadAsGet
from hoso.api.responses import fhir_response
from hoso.api.security_headers import SecurityHeaders
from hoso.core.errors import FhirError, Issue, Unauthorized, operation_outcome
from hoso.core.settings import Settings
from hoso.fhir import operations
from hoso.fhir.searchparams import supported_types
from hoso.identity import merge_operations
from hoso.identity.mpi.match_operation import PatientMatch
from hoso.identity.mpi.patient_index import install_patient_index
from hoso.ingest.quality import install_quality_check
from hoso.ingest.quality.operation import QualityOperation
from hoso.store.engine import install_statement_timeout
from hoso.store.sql_store import SqlAuditLog, SqlStore, make_store

log = logging.getLogger("hoso.api")
_KNOWN_TYPES = frozenset(supported_types())
_KNOWN_SEGMENTS = _KNOWN_TYPES | {
    "", "fhir", "auth", "api", "docs", "openapi.json", "metadata", "_history", "_search",
    ".well-known", "smart-configuration", "openid-configuration", "token", "revoke",
    "authorize", "callback", "jwks",
}  # fmt: skip
_OPERATION = re.compile(r"\$[a-z][a-z-]{0,40}")
access_log = logging.getLogger("hoso.access")

_STATUS_CODES = {404: "not-found", 405: "not-supported", 413: "too-costly", 415: "not-supported"}


def _outcome(status: int, message: str, code: str = "invalid") -> Response:
    return fhir_response(operation_outcome([Issue("error", code, message)]), status)


class AccessLog:
    """One line per request with method, route template and status: never the concrete
    path, the query string or the body, which hold ids a client chose (a CCCD, a name)
    and clinical content."""

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
                _route_template(scope),
                status,
                (time.perf_counter() - started) * 1000,
            )


def _route_template(scope: Scope) -> str:
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


def app_from_env() -> FastAPI:
    """The app of one of several server processes (`hoso serve --workers N`)."""
    settings = Settings.from_env()
    return create_app(make_store(settings.database_url, settings), settings)


def create_app(store: SqlStore, settings: Settings) -> FastAPI:
    """The API over `store`. Handlers reach records only through `deps.get_repository`,
    which wraps the store in the caller's `AccessRepository`."""
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    if settings.audit_key is None:
        logging.getLogger("hoso.audit").warning(
            "HOSO_AUDIT_KEY chưa đặt: chuỗi nhật ký chỉ dùng SHA-256, bút danh đổi khi khởi "
            "động lại (chỉ dùng thử) / HOSO_AUDIT_KEY unset: the audit chain is plain "
            "SHA-256 and pseudonyms change on restart (demo only)"
        )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        trail.close()

    app = FastAPI(
        title="Hồ Sơ FHIR API",
        version="0.1.0",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    # One request may not hold the database for minutes (docs/api.md, limits).
    install_statement_timeout(store.engine, settings.statement_timeout_ms)
    install_patient_index(store)  # every Patient create passes the MPI
    install_quality_check(store)  # every write refreshes its data-quality findings
    app.state.store = store
    app.state.settings = settings
    app.state.audit_trail = trail
    app.state.principals = PrincipalResolver(store, settings)
    # Pseudonyms for de-identified views: stable across restarts only with a set key.
    app.state.pseudonym_key = settings.audit_key or os.urandom(32)
    # /auth and discovery; puts the TokenService on app.state.tokens (and app.state.auth).
    auth_routes.install(app)
    app.state.audit_log = SqlAuditLog(store)
    access_operations.register()
    merge_operations.register()  # Patient/$merge, Patient/$unmerge
    operations.register(QualityOperation.for_store(store))  # {type}/{id}/$quality
    operations.register(PatientMatch(store.patient_index.model, settings.cccd_system))
    app.include_router(auth_routes.router)  # first: /fhir/.well-known is not a FHIR type
    app.include_router(rights_routes.router)  # before the generic $operation routes
    app.include_router(bulk_routes.router)  # $export, before the generic $operation routes
    app.include_router(import_routes.router)  # $import
    app.include_router(quality_routes.router)  # /api/quality: the scorecard
    app.include_router(review_routes.router)  # /api/mpi: the steward's review queue
    app.include_router(audit_routes.router)  # /api/audit: the DPO's anomalies
    app.include_router(operation_routes.router)
    app.include_router(fhir_routes.router)
    app.add_middleware(AuditBarrier)  # innermost: it sees the final response
    app.add_middleware(
        BodyDeadline,
        idle_seconds=settings.body_idle_seconds,
        total_seconds=settings.body_timeout_seconds,
    )
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, max_import_bytes=settings.max_import_bytes
    )
    app.add_middleware(HeadAsGet)
    app.add_middleware(FhirUrl)
    # Outermost last: the access log sees 429s, and every answer (413, 429) gets headers.
    app.state.rate_limiter = RateLimiter.from_settings(settings)  # deps: per client id
    app.add_middleware(RateLimit, limiter=app.state.rate_limiter)
    app.add_middleware(SecurityHeaders, trust_proxy_headers=settings.trust_proxy_headers)
    app.add_middleware(AccessLog)

    @app.exception_handler(FhirError)
    async def fhir_error(_request: Request, exc: FhirError) -> Response:
        response = fhir_response(exc.outcome(), exc.http_status)
        if isinstance(exc, Unauthorized):
            response.headers["WWW-Authenticate"] = 'Bearer realm="hoso", error="invalid_token"'
        # TooManyRequests raised with a wait (hoso.api.rate_limit.RateLimited) tells it.
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        return _outcome(
            exc.status_code, str(exc.detail), _STATUS_CODES.get(exc.status_code, "invalid")
        )

    @app.exception_handler(ClientDisconnect)
    async def client_gone(request: Request, _exc: ClientDisconnect) -> Response:
        # Nobody is left to answer: one line, no traceback (it is not our fault).
        log.info("client disconnected during %s %s", request.method, _route_template(request.scope))
        return _outcome(400, "Máy khách đã ngắt kết nối / The client disconnected")

    @app.exception_handler(RequestValidationError)
    async def request_error(_request: Request, exc: RequestValidationError) -> Response:
        return _outcome(400, f"Yêu cầu không hợp lệ / Invalid request: {exc.errors()}")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # Log the path and type only: never the body, which may hold health data.
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _outcome(500, "Lỗi máy chủ / Internal server error", "exception")

    return app
