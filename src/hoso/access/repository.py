"""`AccessRepository`: the `Repository` every API handler, job and command gets.

It wraps any `Store` (`hoso.fhir.store`) with two parts, composed, not inherited:
a `PolicyDecider` (the caller's rights and view) and an `Auditor` (how their calls become
audit entries). Each call asks the decider whether the interaction is allowed at all,
runs it on the store under the caller's `Visibility` (so a hidden record is simply not
there: 404, no count, no include), and records an AuditEvent: a write's in the write's
own transaction, a read's through the group-commit trail before the response leaves, a
refusal in any case. The interactions themselves live by kind in `hoso.access.reads`,
`hoso.access.writes` and `hoso.access.records`; this class holds the state they share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

from hoso.access import care_claims, reads, records, writes
from hoso.access.audit_record import MINOR_FAILURE
from hoso.access.auditor import Auditor, TransactionAudit
from hoso.access.decider import PolicyDecider
from hoso.access.principal import Principal
from hoso.core.errors import FhirError
from hoso.core.settings import Settings
from hoso.fhir.patch import Patch
from hoso.fhir.repository import HistoryPage, SearchPage, StoredResource, WriteResult
from hoso.fhir.store import BulkRow, MatchQueue, QualityTables, Session, Store

__all__ = ["AccessRepository"]

T = TypeVar("T")


class AccessRepository:
    def __init__(
        self,
        store: Store,
        decider: PolicyDecider,
        auditor: Auditor,
        *,
        pseudonym_key: bytes,
        session: Session | None = None,
        tx: TransactionAudit | None = None,
    ) -> None:
        """`session`/`tx` are given only inside `unit_of_work`: the calls then share that
        transaction and its audit entries."""
        self.store = store
        self.decider = decider
        self.auditor = auditor
        self.pseudonym_key = pseudonym_key
        self._session = session
        self._tx = tx

    @classmethod
    def for_principal(
        cls, store: Store, principal: Principal, trail: Any, *, pseudonym_key: bytes,
        receipts: list[Any] | None = None,
    ) -> AccessRepository:  # fmt: skip
        """The repository of one caller over `store`, auditing into `trail`."""

        def break_glass(agent: str, now_us: int) -> frozenset[str]:
            with store.unit_of_work(write=False) as session:
                return session.access.break_glass_patients(agent, now_us)

        decider = PolicyDecider(principal, store.settings, break_glass)
        return cls(store, decider, Auditor(principal, trail, receipts),
                   pseudonym_key=pseudonym_key)  # fmt: skip

    @property
    def principal(self) -> Principal:
        return self.decider.principal

    @property
    def settings(self) -> Settings:
        return self.decider.settings

    # -- the unit of work ---------------------------------------------------------------
    @contextmanager
    def unit_of_work(self, *, check_references: bool = True) -> Iterator[AccessRepository]:
        """Calls on the yielded repository commit together with their audit entries;
        `check_references=False` leaves the references to `unresolved` (a load checks
        them once every file is in, since files may point at each other)."""
        if self._session is not None:
            yield self
            return
        tx = TransactionAudit()
        try:
            with self.store.unit_of_work(reference_visibility=self.decider.reference_view(),
                                         check_references=check_references) as session:  # fmt: skip
                yield AccessRepository(self.store, self.decider, self.auditor,
                                       pseudonym_key=self.pseudonym_key, session=session,
                                       tx=tx)  # fmt: skip
                if tx.pending:
                    session.audit.append(tx.pending)
        except care_claims.CareClaimThrottled as exc:
            # The write rolled back; the anomaly is flagged all the same.
            with self.store.unit_of_work() as session:
                care_claims.report(exc.anomaly, session.access.flag_anomaly(exc.anomaly))
            raise
        finally:
            for failure in tx.failures:
                self.auditor.record_now(failure)

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """The store session to run one call on: this unit of work's, or a new one."""
        if self._session is not None:
            yield self._session
            return
        with self.store.unit_of_work(write=write,
                                     reference_visibility=self.decider.reference_view()
                                     ) as session:  # fmt: skip
            yield session

    # -- audit --------------------------------------------------------------------------
    def audit(self, action: str, subtype: str, **details: Any) -> None:
        """Audit a call (details as `Auditor.entry`), flagged when it reached a patient
        under this clinician's break-the-glass grant."""
        grants = self.decider.break_glass_patients()
        glass = any(x in grants for x in details.get("patients", ()))
        details.setdefault("break_glass", glass)
        self.auditor.record(self.auditor.entry(action, subtype, **details), self._tx)

    def guarded(self, action: str, subtype: str, entity: str, fn: Callable[[], T]) -> T:
        """Run `fn`; a refusal or an error is audited outside any transaction."""
        try:
            return fn()
        except FhirError as exc:
            failure = self.auditor.entry(action, subtype, outcome=MINOR_FAILURE,
                                         entities=(entity,),
                                         description=f"{exc.http_status} {type(exc).__name__}")
            self.auditor.record(failure, self._tx)  # fmt: skip
            raise

    # -- the FHIR interactions (https://hl7.org/fhir/R4/http.html) ----------------------
    def read(self, resource_type: str, id: str) -> StoredResource:
        return reads.read(self, resource_type, id)

    def vread(self, resource_type: str, id: str, version: int) -> StoredResource:
        return reads.vread(self, resource_type, id, version)

    def search(self, resource_type: str | None, params: list[tuple[str, str]], *,
               lenient: bool | None = False, cursor: str | None = None) -> SearchPage:  # fmt: skip
        return reads.search(self, resource_type, params, lenient=lenient, cursor=cursor)

    def compartment(self, patient_id: str, types: Sequence[str], *, since_us: int | None = None,
                    count: int = 50, cursor: str | None = None) -> SearchPage:  # fmt: skip
        return reads.compartment(self, patient_id, types, since_us=since_us, count=count,
                                 cursor=cursor)  # fmt: skip

    def history(self, resource_type: str | None, id: str | None, *,
                since_us: int | None = None, count: int | None = None,
                cursor: str | None = None) -> HistoryPage:  # fmt: skip
        return reads.history(self, resource_type, id, since_us=since_us, count=count,
                             cursor=cursor)  # fmt: skip

    def create(self, resource: dict[str, Any], *, if_none_exist: str | None = None,
               id: str | None = None) -> WriteResult:  # fmt: skip
        return writes.create(self, resource, if_none_exist=if_none_exist, id=id)

    def update(self, resource_type: str, id: str, resource: dict[str, Any], *,
               if_match: int | None = None) -> WriteResult:  # fmt: skip
        return writes.update(self, resource_type, id, resource, if_match=if_match)

    def conditional_update(self, resource_type: str, criteria: str, resource: dict[str, Any]
                           ) -> WriteResult:  # fmt: skip
        return writes.conditional_update(self, resource_type, criteria, resource)

    def patch(self, resource_type: str, id: str, patch: Patch, *, if_match: int | None = None
              ) -> WriteResult:  # fmt: skip
        return writes.patch(self, resource_type, id, patch, if_match=if_match)

    def delete(self, resource_type: str, id: str) -> StoredResource | None:
        return writes.delete(self, resource_type, id)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside a unit of work: a part that rolls back alone (with its audit entries)
        when its block raises."""
        if self._session is None or self._tx is None:
            raise RuntimeError("savepoint() needs a unit of work")
        kept = len(self._tx.pending)
        try:
            with self._session.savepoint():
                yield
        except BaseException:
            del self._tx.pending[kept:]
            raise

    def unresolved(self, references: Sequence[str]) -> set[str]:
        """Which relative references (`Type/id`) name nothing live in the caller's view."""
        return reads.unresolved(self, references)

    # -- whole records ------------------------------------------------------------------
    def break_glass(self, patient_id: str, reason: str) -> int:
        return records.break_glass(self, patient_id, reason)

    def access_log(self, patient_id: str, *, before: int | None = None, count: int = 50
                   ) -> list[tuple[int, dict[str, Any]]]:  # fmt: skip
        return records.access_log(self, patient_id, before=before, count=count)

    @property
    def deidentifies(self) -> bool:
        """Whether what this caller reads is de-identified (a public-health officer)."""
        return self.decider.deidentifies

    def match_queue(self, *, write: bool = False) -> AbstractContextManager[MatchQueue]:
        return records.match_queue(self, write=write)

    def quality_tables(self, *, write: bool = False) -> AbstractContextManager[QualityTables]:
        return records.quality_tables(self, write=write)

    def anomalies(self, since_us: int) -> list[dict[str, Any]]:
        return records.anomalies(self, since_us)

    def whole_store(self, types: Sequence[str], purpose: str, *, batch: int = 1000
                    ) -> Iterator[BulkRow]:  # fmt: skip
        return records.whole_store(self, types, purpose, batch=batch)

    def quality_findings(self, resource_type: str, id: str) -> list[Any]:
        return records.quality_findings(self, resource_type, id)

    def run_as_server(self, operation: str, entity: str,
                      fn: Callable[[Session, dict[str, Any]], records.R], *,
                      allowed: Sequence[str] | None = None) -> records.R:  # fmt: skip
        return records.run_as_server(self, operation, entity, fn, allowed=allowed)
