"""Assembling the parts: what both composition roots (`hoso.api`, `hoso.cli`) build the
same way, so that neither can build them differently.

- `audit_sink`: where the audit entries of reads go (a local spool, or the chain);
- `open_store`: the SQL store with its hooks (the MPI on every Patient create, the
  identifier and data-quality rules on every write) given to its constructor;
- `operation_registry`: every `$operation` this server serves, one registry per app;
- `repository_for`: a caller's access-wrapped repository, the only handle the rest of
  the system gets on the records.

Nothing imports this module but the composition roots; it imports every package.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hoso.access import claims as roles
from hoso.access.audit import AuditSink
from hoso.access.claims import AccessClaims
from hoso.access.operations import ACCESS_OPERATIONS
from hoso.access.principal import Principal, operator_principal
from hoso.access.repository import AccessRepository
from hoso.access.resolve import PrincipalResolver
from hoso.core.settings import Settings
from hoso.fhir.operations import OperationRegistry
from hoso.fhir.store import StoreHooks
from hoso.identity.cccd import current_cccds
from hoso.identity.identifiers import check_patient_identifiers
from hoso.identity.merge_operations import MERGE_OPERATIONS
from hoso.identity.mpi.match_operation import PatientMatch
from hoso.identity.mpi.model import MatchModel, load_model
from hoso.identity.mpi.patient_index import OnlinePatientIndex
from hoso.ingest.quality import make_checker
from hoso.ingest.quality.operation import QualityOperation
from hoso.store.audit_spool import AuditSpool
from hoso.store.secrets import server_secret
from hoso.store.sql_store import SqlAuditLog, SqlStore, make_store

__all__ = [
    "audit_sink",
    "case_access",
    "case_detector",
    "disease_catalogue",
    "facility_repository",
    "match_model",
    "national_feed",
    "national_sync",
    "open_store",
    "operation_registry",
    "operator_repository",
    "pseudonym_key",
    "repository_for",
    "store_hooks",
    "subscription_worker",
]


def store_hooks(settings: Settings, model: MatchModel | None = None) -> StoreHooks:
    """The rules the store may not import, plugged into it."""
    return StoreHooks(
        patient_index=OnlinePatientIndex(model or load_model(), settings.cccd_system),
        quality=make_checker(settings),
        identifier_rules=check_patient_identifiers,
        cccds=current_cccds,
    )


def open_store(database_url: str | None = None, settings: Settings | None = None) -> SqlStore:
    """The store, migrated, with its hooks."""
    settings = settings or Settings.from_env(database_url)
    return make_store(database_url or settings.database_url, settings, store_hooks(settings))


def match_model(store: SqlStore) -> MatchModel:
    """The MPI's model: the one the store's hook scores with."""
    index = store.hooks.patient_index
    return index.model if isinstance(index, OnlinePatientIndex) else load_model()


def operation_registry(store: SqlStore) -> OperationRegistry:
    """Every `$operation`: the built-ins, the access layer's, identity's, data quality."""
    from hoso.booking.operations import booking_operations

    return OperationRegistry(
        *ACCESS_OPERATIONS,
        *MERGE_OPERATIONS,
        QualityOperation(),
        PatientMatch(match_model(store), store.settings.cccd_system),
        *booking_operations(booking_service),
    )


def pseudonym_key(store: SqlStore) -> bytes:
    """The key of de-identified views' pseudonyms: HOSO_AUDIT_KEY when set; otherwise one
    generated once and kept in the database, so that every process of one deployment
    (`hoso serve --workers N`) and every restart gives one resident one pseudonym."""
    if store.settings.audit_key is not None:
        return store.settings.audit_key
    return server_secret(store.engine, "pseudonym-key", lambda: secrets.token_bytes(32))


def audit_sink(store: SqlStore) -> AuditSink:
    """Where a server's audit entries outside a write go: the local spool, chained into
    the database by a thread (`Settings.audit_spool_dir`), or straight to the chain."""
    if store.settings.audit_spool_dir:
        return AuditSpool(store, Path(store.settings.audit_spool_dir),
                          interval=store.settings.audit_chain_interval)  # fmt: skip
    return SqlAuditLog(store)


def repository_for(store: SqlStore, principal: Principal, trail: Any, *, key: bytes,
                   receipts: list[Any] | None = None) -> AccessRepository:  # fmt: skip
    """`principal`'s repository over `store`, auditing into `trail`; `key` is the
    deployment's `pseudonym_key`, read once per app or command."""
    return AccessRepository.for_principal(store, principal, trail, pseudonym_key=key,
                                          receipts=receipts)  # fmt: skip


def operator_repository(
    store: SqlStore, user: str, trail: Any, scopes: tuple[str, ...] = ("system/*.cruds",)
) -> AccessRepository:
    """The server's operator at its command line (`hoso load`, `hoso demo`, jobs)."""
    principal = operator_principal(user, scopes)
    return repository_for(store, principal, trail, key=pseudonym_key(store))


def facility_repository(store: SqlStore, facility: str, channel: str, trail: Any
                        ) -> AccessRepository:  # fmt: skip
    """A facility's system as a listener acts for it (`hoso mllp --facility`): the role
    and facility of its own client, so the policy and the audit are those of any HIS
    writing through the API (subject `<channel>:<facility>`)."""
    claims = AccessClaims(subject=f"{channel}:{facility}", role=roles.FACILITY_SYSTEM,
                          scopes=("system/*.cruds",), client_id=f"{channel}:{facility}",
                          token_id=f"{channel}-{facility}-{secrets.token_hex(8)}",
                          expires_at=2**31 - 1, facility=facility)  # fmt: skip
    principal = PrincipalResolver(store, store.settings).resolve(claims)
    return repository_for(store, principal, trail, key=pseudonym_key(store))


def national_feed(store: SqlStore, trail: Any) -> Any:
    """The national sync's door to the change feed: the operator `hoso-sync`, reading
    through the access layer (audited), with residents' national-sharing refusals."""
    from hoso.access.feed_access import ConsumerFeed
    from hoso.exchange.national_sync import CONSUMER
    from hoso.fhir.consent_rules import NATIONAL_SHARING

    repo = operator_repository(store, "hoso-sync", trail)
    return ConsumerFeed(repo, CONSUMER, purpose=NATIONAL_SHARING)


def national_sync(store: SqlStore, trail: Any, settings: Settings | None = None,
                  **options: Any) -> Any:  # fmt: skip
    """The national sync worker for `store` (HOSO_NATIONAL_FHIR_URL and its client id
    and key file set, in `settings` or the store's), or a ValueError naming what is
    missing."""
    from hoso.exchange.national_client import NationalClient
    from hoso.exchange.national_sync import NationalSync

    settings = settings or store.settings
    missing = [name for name, value in (
        ("HOSO_NATIONAL_FHIR_URL", settings.national_fhir_url),
        ("HOSO_NATIONAL_KEY_FILE", settings.national_key_file)) if not value]  # fmt: skip
    if missing:
        raise ValueError(f"Thiếu / missing {', '.join(missing)}")
    assert settings.national_fhir_url is not None and settings.national_key_file is not None
    token = national_token_source(settings.national_fhir_url, Path(settings.national_key_file),
                                  settings.national_client_id)  # fmt: skip
    client = NationalClient(settings.national_fhir_url, token)
    return NationalSync(national_feed(store, trail), client, cccd_system=settings.cccd_system,
                        source_base=settings.public_base_url.rstrip("/") + "/fhir",
                        batch_size=settings.sync_batch_size, **options)  # fmt: skip


def national_token_source(fhir_base: str, key_file: Path, client_id: str | None) -> Any:
    """SMART Backend Services tokens from the national database, signed with the key in
    `key_file` (a JWK as `hoso clients add --generate-key` writes it, the client_id
    beside it unless HOSO_NATIONAL_CLIENT_ID names it)."""
    import json

    from hoso.access.login_client import backend_token

    try:
        jwk = json.loads(key_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"Không đọc được tệp khóa / Cannot read the key file {key_file}: "
                         f"{exc}") from exc  # fmt: skip
    if not isinstance(jwk, dict):
        raise ValueError(f"Tệp khóa không phải một JWK / The key file is not a JWK: {key_file}")
    client = client_id or jwk.pop("client_id", None)
    jwk.pop("client_id", None)
    if not isinstance(client, str) or not client:
        raise ValueError("Thiếu HOSO_NATIONAL_CLIENT_ID / missing HOSO_NATIONAL_CLIENT_ID")

    def token() -> tuple[str, int]:
        answer = backend_token(fhir_base, private_jwk=dict(jwk), client_id=client,
                               scope="system/*.cruds")  # fmt: skip
        return answer.access_token, answer.expires_in

    return token


def subscription_worker(store: SqlStore, trail: Any, settings: Settings | None = None,
                        **options: Any) -> Any:  # fmt: skip
    """The facilities' Subscriptions worker: the feed read as the operator `hoso-sync`,
    each facility's view as its own system (subject `subscription:<facility>`)."""
    import httpx

    from hoso.access.feed_access import ConsumerFeed
    from hoso.access.subscription_access import SubscriptionRecords
    from hoso.exchange.subscriptions import SubscriptionWorker

    operator = operator_repository(store, "hoso-sync", trail)
    records = SubscriptionRecords(
        operator, lambda facility: facility_repository(store, facility, "subscription", trail))
    return SubscriptionWorker(lambda consumer: ConsumerFeed(operator, consumer), records,
                              (settings or store.settings).subscription_endpoints,
                              httpx.Client(timeout=30.0), **options)  # fmt: skip


def case_access(store: SqlStore, repo: AccessRepository) -> Any:
    """Disease definitions and cases for `repo`'s caller (`hoso.access.publichealth_cases`)."""
    from hoso.access.publichealth_cases import CaseAccess
    from hoso.store.publichealth_cases import SqlCaseRegistry

    return CaseAccess(repo, SqlCaseRegistry(store.engine))


def disease_catalogue(store: SqlStore, repo: AccessRepository) -> Any:
    """The diseases in force, read and added as `repo`'s caller."""
    from hoso.publichealth.catalogue import DiseaseCatalogue

    return DiseaseCatalogue(case_access(store, repo))


def case_detector(store: SqlStore, trail: Any, **options: Any) -> Any:
    """The case-detection worker: the feed's Conditions and Observations read as the
    operator `hoso-surveillance` (audited), cases written through the access layer."""
    from hoso.access.feed_access import ConsumerFeed
    from hoso.core import jsonx
    from hoso.publichealth.case_detection import CONSUMER, CaseDetector

    repo = operator_repository(store, "hoso-surveillance", trail)
    step = store.settings.max_search_values

    def patients(ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """One search per `step` ids (audited as the operator's read of them)."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), step):
            chunk = ids[start : start + step]
            page = repo.search("Patient", [("_id", ",".join(chunk)), ("_count", str(len(chunk))),
                                           ("_total", "none")])  # fmt: skip
            for hit in page.matches:
                found[hit.id] = dict(jsonx.loads(hit.content))
        return found

    cases = case_access(store, repo)
    catalogue = disease_catalogue(store, repo)
    return CaseDetector(ConsumerFeed(repo, CONSUMER), catalogue, cases, patients, **options)


def programme_access(store: SqlStore, repo: AccessRepository, stations: Any) -> Any:
    """The programmes' registers for `repo`'s caller (`hoso.access.programmes`)."""
    from hoso.access.programmes import ProgrammeAccess
    from hoso.programmes.wards import home_ward
    from hoso.store.programme_rows import SqlProgrammeRows

    return ProgrammeAccess(repo, SqlProgrammeRows(store.engine), stations, home_ward)


def programme_recompute(store: SqlStore, trail: Any, *, programmes: Any = None,
                        **options: Any) -> Any:  # fmt: skip
    """The registers' recompute: records read as the operator `hoso-programmes`
    (audited), the change feed's consumer `programme-enrolment`."""
    from hoso.access.feed_access import ConsumerFeed
    from hoso.access.programme_records import ProgrammeRecords
    from hoso.programmes.recompute import CONSUMER, READ_TYPES, Recompute
    from hoso.programmes.registry import PROGRAMMES, packaged_rules

    repo = operator_repository(store, "hoso-programmes", trail)
    registers = programme_access(store, repo, stations=None)  # the operator: every ward
    options.setdefault("observers", [cohort_snapshot(store)])  # the cohorts' day (issue 19.6)
    return Recompute(ProgrammeRecords(repo, READ_TYPES), registers,
                     PROGRAMMES if programmes is None else programmes, packaged_rules(),
                     feed=ConsumerFeed(repo, CONSUMER), **options)  # fmt: skip


def warehouse_builder(store: SqlStore, trail: Any, root: str | None = None, *,
                      identified: bool = False, reason: str | None = None,
                      engine: str = "duckdb", progress: Any = None) -> Any:  # fmt: skip
    """A warehouse build as the operator `hoso-warehouse` (audited; issue 20): the
    store through `WarehouseSource`, rows by the SQL-on-FHIR runner, Parquet written by
    DuckDB or Spark (`engine`)."""
    from pathlib import Path

    from hoso.access.warehouse_source import WarehouseSource
    from hoso.warehouse.build import WarehouseBuilder
    from hoso.warehouse.catalog import tables
    from hoso.warehouse.flatten import Deidentify
    from hoso.warehouse.rows import python_rows
    from hoso.warehouse.snapshots import Warehouse

    repo = operator_repository(store, "hoso-warehouse", trail)
    types = sorted({s.resource_type for s in tables()})
    source = WarehouseSource(repo, types, cases=case_access(store, repo))
    deidentify = Deidentify(source.pseudonymiser(identified, reason))
    folder = Path(root or store.settings.warehouse_dir)
    return WarehouseBuilder(Warehouse(folder), source, python_rows, deidentify,
                            progress=progress, writer=engine)  # fmt: skip


def supply_access(store: SqlStore, repo: AccessRepository) -> Any:
    """Group 2's door for `repo`'s caller over the store's stock ledger (issue 20)."""
    from hoso.access.warehouse_supply import SupplyAccess
    from hoso.store.warehouse_supply import SqlStockLedger

    return SupplyAccess(repo, SqlStockLedger(store.engine))


def cohort_snapshot(store: SqlStore) -> Any:
    """The recompute's observer that stores each chunk's cohort memberships of the day
    (`hoso.programmes.cohorts.catalogue.CohortSnapshot`), contact follow-ups read from
    the tracing tables."""
    from hoso.programmes.cohorts.catalogue import CohortSnapshot
    from hoso.store.programme_cohorts import SqlCohorts
    from hoso.store.publichealth_tracing import SqlTracing

    return CohortSnapshot(SqlCohorts(store.engine), SqlTracing(store.engine))


def booking_service(repo: AccessRepository, **options: Any) -> Any:
    """The booking service for `repo`'s caller (issue 21): the access layer's door, the
    residents' wards and the distance between wards for `$find`'s ranking."""
    from hoso.access.booking import BookingAccess
    from hoso.booking.eligibility import bhyt_eligibility
    from hoso.booking.geography import ward_distance_km
    from hoso.booking.residence import ward_of
    from hoso.booking.service import BookingService

    options.setdefault("eligibility", bhyt_eligibility(repo.settings.bhyt_system))
    return BookingService(BookingAccess(repo), ward_of=ward_of, distance=ward_distance_km,
                          **options)  # fmt: skip


def booking_dispatch(store: SqlStore, trail: Any, *, now: Any = None, sender: Any = None
                     ) -> Any:  # fmt: skip
    """The booking's background work (issue 21 point 5) as the operator `hoso-booking`
    (audited): the `booking-reminders` and `booking-waitlist` feed consumers, offers
    held with the waitlist's 15 minutes, the outbox delivered by the sender the
    settings name (HOSO_BOOKING_SENDER)."""
    import os
    import socket

    from hoso.access.booking import BookingAccess
    from hoso.access.feed_access import ConsumerFeed
    from hoso.booking import reminders, waitlist_offers
    from hoso.booking.appointment_feed import AppointmentFeed
    from hoso.booking.dispatch import BookingDispatch
    from hoso.booking.sender import sender_named
    from hoso.booking.service import BookingRules, BookingService
    from hoso.core import clock

    now = now or clock.now_us
    process = f"{socket.gethostname()}:{os.getpid()}"  # the feed's lease owner (one each)
    repo = operator_repository(store, "hoso-booking", trail)
    door = BookingAccess(repo)
    holds = BookingService(door, BookingRules(hold_minutes=waitlist_offers.OFFER_MINUTES),
                           now=now)  # fmt: skip
    offers = waitlist_offers.WaitlistOffers(door, holds, now)
    planner = reminders.ReminderPlanner(door, now)
    return BookingDispatch(
        AppointmentFeed(ConsumerFeed(repo, reminders.CONSUMER), planner,
                        f"{reminders.CONSUMER}@{process}"),
        AppointmentFeed(ConsumerFeed(repo, waitlist_offers.CONSUMER), offers,
                        f"{waitlist_offers.CONSUMER}@{process}"),
        offers, door, sender or sender_named(store.settings.booking_sender), now)  # fmt: skip


def booking_queue(repo: AccessRepository, **options: Any) -> Any:
    """The queue at the rooms for `repo`'s caller (issue 21 point 3): walk-ins, check-in,
    call next, done and the no-show sweep, over the booking door."""
    from hoso.access.booking import BookingAccess
    from hoso.booking.queue import QueueService

    return QueueService(BookingAccess(repo), cccd_system=repo.settings.cccd_system, **options)


def booking_numbers(repo: AccessRepository) -> Any:
    """The booking numbers for `repo`'s caller (issue 21 point 6), over the booking door."""
    from hoso.access.booking import BookingAccess
    from hoso.booking.numbers import BookingNumbers

    return BookingNumbers(BookingAccess(repo))


def booking_codes(store: SqlStore, trail: Any) -> Any:
    """The booking portal's one-time codes (issue 21 point 5), keyed by a secret kept in
    the database once per deployment (every process hashes a CCCD alike)."""
    from functools import partial

    from hoso.access.booking_codes import BookingCodes
    from hoso.booking.codes import send_code
    from hoso.booking.sender import sender_named

    key = server_secret(store.engine, "booking-otp-key", lambda: secrets.token_bytes(32))
    send = partial(send_code, sender=sender_named(store.settings.booking_sender))
    return BookingCodes(store, store.settings.cccd_system, trail, key, send=send)


def booking_setup(repo: AccessRepository, facilities: Any = None, **options: Any) -> Any:
    """Give facilities their bookable services, rooms and Schedules (issue 21), as
    `repo`'s caller, through the booking door (`hoso.booking.setup.setup_facilities`)."""
    from hoso.access.booking import BookingAccess
    from hoso.booking.setup import setup_facilities

    return setup_facilities(repo, BookingAccess(repo), repo.settings.facility_system,
                            facilities, **options)  # fmt: skip
