"""The part of the access layer every call shares: the caller's `Visibility` (the one
policy decision, computed once per request) and the audit plumbing (entries of writes in
their transaction, of reads through the group-commit trail, of refusals in any case).
`AccessRepository` builds reads and writes on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, Protocol, TypeVar

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.audit import audit_row
from hoso.access.audit_record import MINOR_FAILURE, SUCCESS, AuditRecord, AuditTrail
from hoso.access.principal import Principal
from hoso.core import clock
from hoso.core.errors import FhirError
from hoso.core.settings import Settings
from hoso.fhir.audit_row import AuditRow
from hoso.fhir.repository import HistoryPage, SearchPage, StoredResource, WriteResult
from hoso.fhir.visibility import Visibility

T = TypeVar("T")
_MINUTE_US = 60_000_000


class GuardedStore(Protocol):
    """What the access layer needs of the store: the Repository calls with a
    `visibility`, plus the audit chain and break-the-glass grants."""

    def read(self, resource_type: str, id: str, *, visibility: Visibility | None = None
             ) -> StoredResource: ...  # fmt: skip
    def vread(self, resource_type: str, id: str, version: int, *,
              visibility: Visibility | None = None) -> StoredResource: ...  # fmt: skip
    def visible(self, resource_type: str, id: str, visibility: Visibility | None, *,
                live: bool = False) -> bool: ...  # fmt: skip
    def search(self, resource_type: str | None, params: list[tuple[str, str]], *,
               lenient: bool | None = False, cursor: str | None = None,
               visibility: Visibility | None = None) -> SearchPage: ...  # fmt: skip
    def compartment(self, patient_id: str, types: Sequence[str], *, since_us: int | None = None,
                    count: int = 50, cursor: str | None = None,
                    visibility: Visibility | None = None) -> SearchPage: ...  # fmt: skip
    def history(self, resource_type: str | None, id: str | None, *, since_us: int | None = None,
                count: int | None = None, cursor: str | None = None,
                visibility: Visibility | None = None) -> HistoryPage: ...  # fmt: skip
    def create(self, resource: dict[str, Any], *, if_none_exist: str | None = None,
               id: str | None = None, match_visibility: Visibility | None = None
               ) -> WriteResult: ...  # fmt: skip
    def update(self, resource_type: str, id: str, resource: dict[str, Any], *,
               if_match: int | None = None, method: str = "PUT") -> WriteResult: ...  # fmt: skip
    def conditional_update(self, resource_type: str, criteria: str, resource: dict[str, Any],
                           *, match_visibility: Visibility | None = None,
                           client_id_allowed: bool = True) -> WriteResult: ...  # fmt: skip
    def delete(self, resource_type: str, id: str) -> StoredResource | None: ...
    def break_glass_patients(self, agent: str, now_us: int) -> frozenset[str]: ...
    def append_audit(self, rows: Sequence[AuditRow]) -> None: ...
    def count_care_claim(self, agent: str, facility: str | None, hour_us: int, now_us: int
                         ) -> tuple[int, int | None]: ...  # fmt: skip
    def busiest_care_claim_hour(self, agent: str, since_us: int, before_us: int) -> int: ...
    def flag_anomaly(self, anomaly: dict[str, Any]) -> bool: ...
    def unit_of_work(self) -> Any: ...


class AuditReader(Protocol):
    def for_patient(
        self, patient_id: str, *, before: int | None, count: int
    ) -> list[tuple[int, str]]: ...


class AccessGuard:
    """What every call shares: the caller, their view, and how calls are audited."""

    def __init__(
        self,
        store: GuardedStore,
        principal: Principal,
        trail: AuditTrail,
        settings: Settings,
        *,
        pseudonym_key: bytes,
        audit_receipts: list[Future[None]] | None = None,
        in_transaction: bool = False,
        audit_reader: AuditReader | None = None,
    ) -> None:
        self._store = store
        self._audit_reader = audit_reader
        self.principal = principal
        self._trail = trail
        # Given a list, entries are queued and their futures collected there, for the
        # HTTP layer to wait on before anything is sent; otherwise each append waits.
        self._receipts = audit_receipts
        self._settings = settings
        self._key = pseudonym_key
        self._in_transaction = in_transaction
        self._pending: list[AuditRow] = []
        self._failures: list[AuditRecord] = []
        self._views: dict[str, Visibility] = {}

    # -- the decision ------------------------------------------------------------------
    def visibility(self, permission: str = "r") -> Visibility:
        if permission not in self._views:
            now = clock.now_us()
            grants: frozenset[str] = frozenset()
            if self.principal.role == roles.CLINICIAN:
                grants = self._store.break_glass_patients(self.principal.agent, now)
            self._views[permission] = policy.visibility_for(
                self.principal,
                # To the minute, so that one caller's requests share one view and its
                # SQL (hoso.store.sql.visibility): a Consent's period then starts or ends
                # up to a minute late; consent changes and break-the-glass are exact.
                now_us=now - now % _MINUTE_US,
                care_window_days=self._settings.care_window_days,
                break_glass=grants,
                permission=permission,
            )
        return self._views[permission]

    @property
    def deidentifies(self) -> bool:
        return self.principal.role == roles.OFFICER

    # -- audit -------------------------------------------------------------------------
    def _entry(
        self,
        action: str,
        subtype: str,
        *,
        outcome: str = SUCCESS,
        patients: Sequence[str | None] = (),
        entities: Sequence[str] = (),
        description: str | None = None,
        query: str | None = None,
        purpose: str | None = None,
        break_glass: bool = False,
    ) -> AuditRecord:
        """An audit entry of this caller: who, for whom, from where, why."""
        p = self.principal
        return AuditRecord(
            action=action,
            subtype=subtype,
            outcome=outcome,
            agent=p.agent,
            role=p.role,
            facility=p.facility,
            client_id=p.claims.client_id,
            patients=tuple(dict.fromkeys(x for x in patients if x)),
            entities=tuple(entities),
            purpose=purpose or p.purpose,
            source_ip=p.source_ip,
            description=description,
            break_glass=break_glass,
            query=query,
        )

    def _audit(self, action: str, subtype: str, **details: Any) -> None:
        """Audit a call (`details` as for `_entry`), flagged when it reached a patient
        under this clinician's break-the-glass grant."""
        grants = self._views.get("r", policy.Visibility()).label_exempt_patients
        reached = details.get("patients", ())
        glass = self.principal.role == roles.CLINICIAN and any(x in grants for x in reached)
        entry = self._entry(action, subtype, break_glass=glass, **details)
        if self._in_transaction and entry.outcome == SUCCESS:
            self._pending.append(audit_row(entry))
        else:
            self._record(entry)

    def _record(self, entry: AuditRecord) -> None:
        if self._receipts is None:
            self._trail.record(entry)
        else:
            self._receipts.append(self._trail.submit(entry))

    def _guarded(self, action: str, subtype: str, entity: str, fn: Callable[[], T]) -> T:
        """Run `fn`; a refusal or an error is audited outside any transaction (which the
        error rolls back): at once, or when the enclosing unit of work has ended."""
        try:
            return fn()
        except FhirError as exc:
            failure = self._entry(
                action,
                subtype,
                outcome=MINOR_FAILURE,
                entities=(entity,),
                description=f"{exc.http_status} {type(exc).__name__}",
            )
            if self._in_transaction:
                self._failures.append(failure)
            else:
                self._record(failure)
            raise
