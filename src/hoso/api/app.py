"""The HTTP application: the composition root of the API.

`create_app` gets a store built with its hooks (`hoso.assembly.open_store`) and gives the
handlers no handle on it: they reach records only through `deps.get_repository`, the
caller's `AccessRepository`. Built in named steps: the app's state, its routers, its
middleware (outermost last) and its one error renderer (`hoso.api.errors`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig

from hoso.access.audit import GroupCommitAuditTrail
from hoso.access.resolve import PrincipalResolver
from hoso.api import (
    audit_routes,
    auth_routes,
    book_pdf_routes,
    book_rights_routes,
    book_routes,
    booking_numbers_routes,
    booking_portal_api,
    booking_portal_callcentre,
    booking_portal_pages,
    booking_queue_pages,
    booking_queue_routes,
    booking_reminders_routes,
    bulk_routes,
    docs_routes,
    elderly_register_routes,
    fhir_routes,
    gateway_routes,
    health_book_routes,
    home_routes,
    import_routes,
    login_routes,
    metrics_routes,
    operation_routes,
    programme_cohort_pages,
    programme_cohort_routes,
    programme_eyes_pages,
    programme_eyes_rosters,
    programme_eyes_routes,
    programme_immunisation_pages,
    programme_immunisation_routes,
    programme_pages,
    programme_report_routes,
    programme_routes,
    publichealth_case_pages,
    publichealth_case_routes,
    publichealth_dashboard_routes,
    publichealth_signal_pages,
    publichealth_signal_routes,
    publichealth_tracing_routes,
    quality_routes,
    review_routes,
    rights_routes,
    share_routes,
    status_routes,
    warehouse_licence_routes,
    warehouse_pages,
    warehouse_routes,
    warehouse_sql_routes,
    warehouse_supply_pages,
    warehouse_supply_routes,
    xml130_routes,
)
from hoso.api.access_log import AccessLog
from hoso.api.audit_barrier import AuditBarrier
from hoso.api.errors import install_error_handlers
from hoso.api.page_session import SessionCookieRotation
from hoso.api.rate_limit import RateLimit, RateLimiter
from hoso.api.request_guards import BodyDeadline, BodyLimit, FhirUrl, HeadAsGet
from hoso.api.security_headers import SecurityHeaders
from hoso.assembly import (
    audit_sink,
    match_model,
    open_store,
    operation_registry,
    pseudonym_key,
)
from hoso.core.settings import Settings
from hoso.store.engine import POOL_SIZE, install_statement_timeout
from hoso.store.sql_store import SqlStore
from hoso.warehouse.indicators.snapshot_source import SnapshotSource

__all__ = ["app_from_env", "create_app"]


def app_from_env() -> FastAPI:
    """The app of one of several server processes (`hoso serve --workers N`)."""
    settings = Settings.from_env()
    return create_app(open_store(settings.database_url, settings), settings)


# FastAPI's built-in OpenTelemetry hooks, off: its logs would carry exception messages
# (which may quote record content) to whatever provider is configured, and checking
# whether one is, on every request, cost a few per cent of a read.
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False,
                                 "operation_spans": False}  # fmt: skip


def create_app(store: SqlStore, settings: Settings) -> FastAPI:
    """The API over `store` (built with its hooks: `hoso.assembly.open_store`)."""
    trail = GroupCommitAuditTrail(audit_sink(store))
    if settings.audit_key is None:
        logging.getLogger("hoso.audit").warning(
            "HOSO_AUDIT_KEY chưa đặt: chuỗi nhật ký chỉ dùng SHA-256, bút danh lưu trong cơ "
            "sở dữ liệu (chỉ dùng thử) / HOSO_AUDIT_KEY unset: the audit chain is plain "
            "SHA-256 and pseudonyms use a key kept in the database (demo only)"
        )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Requests run on at most as many threads as the store keeps connections.
        anyio.to_thread.current_default_thread_limiter().total_tokens = POOL_SIZE
        async with bulk_routes.lifespan(_app):
            yield
        trail.close()

    app = FastAPI(title="Hồ Sơ FHIR API", version="0.1.0", docs_url=None, redoc_url=None,
                  lifespan=lifespan, telemetry=NO_TELEMETRY)  # fmt: skip
    _state(app, store, settings, trail)
    _routers(app)
    _middleware(app, settings)
    install_error_handlers(app)
    return app


def _state(app: FastAPI, store: SqlStore, settings: Settings,
           trail: GroupCommitAuditTrail) -> None:  # fmt: skip
    # One request may not hold the database for minutes (docs/api.md, limits).
    install_statement_timeout(store.engine, settings.statement_timeout_ms)
    state = app.state
    state.store = store  # read by `deps` and the routes' runners only, never by handlers
    state.settings = settings
    state.audit_trail = trail
    state.operations = operation_registry(store)
    state.match_model = match_model(store)  # the MPI's, for the stewards' review pages
    state.principals = PrincipalResolver(store, settings)
    # Pseudonyms of de-identified views: one key per deployment, every process, restart.
    state.pseudonym_key = pseudonym_key(store)
    state.rate_limiter = RateLimiter.from_settings(settings)  # deps: per client and role
    # The warehouse's indicators: computed once per published snapshot (issue 20).
    state.warehouse_source = SnapshotSource(settings.warehouse_dir)
    # /auth and discovery; puts the TokenService on state.tokens (and state.auth).
    auth_routes.install(app)
    login_routes.install(app)  # the pages' sessions: state.web_sessions
    gateway_routes.install(app)  # facilities' gateway logins: state.gateway_login
    share_routes.install(app)  # the health book's share links: state.share_links
    booking_portal_pages.install(app)  # one-time codes for booking: state.booking_codes
    # Surveillance: state.ph_series_rows, ph_gate, ph_catalogue, ph_rt_estimator.
    publichealth_dashboard_routes.install(app)


ROUTERS = (
    auth_routes.router,  # first: /fhir/.well-known is not a FHIR type
    login_routes.router,  # /login, /logout, /lang: the pages' sessions
    home_routes.router,  # /
    status_routes.router,  # /status
    docs_routes.router,  # /docs, offline
    rights_routes.router,  # before the generic $operation routes
    bulk_routes.router,  # $export, before the generic $operation routes
    import_routes.router,  # $import
    xml130_routes.router,  # /api/xml130: hospitals' XML 130 files
    gateway_routes.router,  # /api/token/take, /api/qd130/…: the BHXH gateway's shape
    quality_routes.router,  # /api/quality: the scorecard
    review_routes.router,  # /api/mpi: the steward's review queue
    audit_routes.router,  # /api/audit: the DPO's anomalies
    metrics_routes.router,  # /api/metrics: the national sync's queue
    health_book_routes.router,  # /api/health-book: the resident's book for apps
    booking_portal_api.router,  # /api/booking: booking for the mobile app (issue 21)
    # Before the portal's: /booking/call-centre is not one of its pages.
    booking_portal_callcentre.router,  # /booking/call-centre: the agents' screen
    booking_portal_pages.router,  # /booking/: the residents' booking portal (issue 21)
    # Before the pages: their /book/{patient}/episodes/{encounter} would take "….pdf".
    book_pdf_routes.router,  # /book/…pdf, /verify: the book as PDF and its QR's page
    book_rights_routes.router,  # /book/{id}/access|consent|requests
    book_routes.router,  # /book: the same book as pages
    share_routes.router,  # its share links: /api/health-book/…/share-links, /book, /share
    publichealth_case_routes.router,  # /api/publichealth: diseases, cases
    publichealth_case_pages.router,  # /publichealth/cases: the same as pages
    publichealth_signal_routes.router,  # /api/publichealth/signals|foci|population
    publichealth_signal_pages.router,  # /publichealth/signals|foci|population
    publichealth_dashboard_routes.router,  # /api/publichealth/surveillance, /publichealth/
    publichealth_tracing_routes.router,  # /api/publichealth contacts, follow-ups, chains
    # Before the programmes' own routes: /api/programmes/{code} would take "cohorts".
    programme_cohort_routes.router,  # /api/programmes/cohorts: at-risk groups (issue 19)
    programme_cohort_pages.router,  # /programmes/cohorts: their counts as a page
    # Before /api/programmes/{code} and /programmes/{code}: "eyes" is no programme code.
    programme_eyes_routes.router,  # /api/programmes/eyes: school eye screening
    programme_eyes_rosters.router,  # /api/programmes/eyes/rosters: class rosters (CSV)
    programme_eyes_pages.router,  # /programmes/eyes: the station's school eye pages
    programme_report_routes.router,  # /api/programmes/reports: MeasureReport and .xlsx
    programme_immunisation_routes.router,  # /api/programmes/immunisation: doses, coverage
    programme_immunisation_pages.router,  # /programmes/immunisation: the session, coverage
    elderly_register_routes.router,  # /api/programmes/elderly/register (before {code}/…)
    elderly_register_routes.pages,  # /programmes/elderly/register: home-visit register
    programme_routes.router,  # /api/programmes: registers, due lists, visits (issue 19)
    programme_pages.router,  # /programmes/: the ward health station's pages
    warehouse_sql_routes.router,  # /api/warehouse/sql: officers' read-only SQL (issue 20)
    warehouse_routes.router,  # /api/warehouse: indicators, MeasureReports, DHIS2 (issue 20)
    warehouse_pages.router,  # /warehouse/: the warehouse's pages (issue 20)
    warehouse_supply_routes.router,  # /api/warehouse/supply: workforce, devices, stock
    warehouse_supply_pages.router,  # /warehouse/supply/: the same as a page
    warehouse_licence_routes.router,  # /api/licences/verify, /warehouse/licences/ (issue 20)
    booking_reminders_routes.router,  # /api/booking/waitlist|messages (issue 21 point 5)
    booking_queue_routes.router,  # /api/booking/queue/{room}: board, walk-in, check-in, call
    booking_numbers_routes.router,  # /api/booking/numbers: no-shows, lead time, utilisation
    booking_queue_pages.router,  # /booking/queue/{room}: the display, /counter (issue 21)
    operation_routes.router,
    fhir_routes.router,
)


def _routers(app: FastAPI) -> None:
    """Every router's routes straight on the app's own list, in this order. Not
    `include_router`: FastAPI keeps an included router as one nested route that matches
    each request twice over all its routes (150 µs to reach a read, the last router's,
    a tenth of its time). The routers carry no dependencies or handlers of their own;
    the bulk runner's lifespan is entered by the app's (`create_app`)."""
    for router in ROUTERS:
        app.router.routes.extend(router.routes)
    docs_routes.install(app)  # /static: the pages' stylesheet, Swagger UI's files


def _middleware(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(AuditBarrier)  # innermost: it sees the final response
    app.add_middleware(SessionCookieRotation, settings=settings)
    app.add_middleware(BodyDeadline, idle_seconds=settings.body_idle_seconds,
                       total_seconds=settings.body_timeout_seconds)  # fmt: skip
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes,
                       max_import_bytes=settings.max_import_bytes)  # fmt: skip
    app.add_middleware(HeadAsGet)
    app.add_middleware(FhirUrl)
    # Outermost last: the access log sees 429s, and every answer (413, 429) gets headers.
    app.add_middleware(RateLimit, limiter=app.state.rate_limiter)
    app.add_middleware(SecurityHeaders, trust_proxy_headers=settings.trust_proxy_headers)
    app.add_middleware(AccessLog)
