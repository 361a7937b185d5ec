"""Audit entries as FHIR AuditEvents, appended to the hash chain.

Writes append their entry in their own transaction (`audit_row` + the unit of work).
Everything else goes through `GroupCommitAuditTrail`: callers block until their entry
is committed, and entries that arrive while a commit is running share the next one, so
that under load one commit (one fsync) serves many requests.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any, Protocol

from hoso.access.audit_record import AuditRecord
from hoso.core import clock, jsonx
from hoso.core.settings import DEFAULT_FACILITY_SYSTEM
from hoso.fhir.audit_row import AuditRow

AUDIT_EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
DCM = "http://dicom.nema.org/resources/ontology/DCM"
RESTFUL = "http://hl7.org/fhir/restful-interaction"
HOSO_EVENTS = "https://fhir.hoso.hochiminhcity.gov.vn/CodeSystem/audit-event"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
HOSO_ROLES = "https://fhir.hoso.hochiminhcity.gov.vn/CodeSystem/role"
_REST = {
    "read", "vread", "update", "patch", "delete", "history", "history-instance",
    "history-type", "history-system", "create", "search", "search-type", "search-system",
    "capabilities", "transaction", "batch", "operation",
}  # fmt: skip
_LOGIN = {"login", "logout", "session", "lockout", "token", "refresh", "revoke"}


class AuditSink(Protocol):
    def append(self, rows: Sequence[AuditRow]) -> None: ...


def audit_event(entry: AuditRecord, recorded_us: int) -> dict[str, Any]:
    """`entry` as an R4 AuditEvent (https://hl7.org/fhir/R4/auditevent.html)."""
    if entry.subtype in _LOGIN:
        kind = {"system": DCM, "code": "110114", "display": "User Authentication"}
    else:
        kind = {"system": AUDIT_EVENT_TYPE, "code": "rest"}
    subtype_system = RESTFUL if entry.subtype in _REST else HOSO_EVENTS
    agent: dict[str, Any] = {
        "type": {"coding": [{"system": HOSO_ROLES, "code": entry.role}]},
        "who": {"identifier": {"value": entry.agent}},
        "requestor": True,
    }
    if entry.client_id:
        agent["altId"] = entry.client_id
    if entry.source_ip:
        agent["network"] = {"address": entry.source_ip, "type": "2"}
    reasons = [entry.purpose] if entry.purpose else []
    if entry.break_glass:
        reasons.append("BTG")
    if reasons:
        agent["purposeOfUse"] = [{"coding": [{"system": ACT_REASON, "code": r}]} for r in reasons]
    agents = [agent]
    if entry.facility:
        agents.append(
            {
                "type": {"text": "cơ sở khám chữa bệnh / facility"},
                "who": {"identifier": {"system": DEFAULT_FACILITY_SYSTEM, "value": entry.facility}},
                "requestor": False,
            }
        )
    entities: list[dict[str, Any]] = [
        {
            "what": {"reference": f"Patient/{p}"},
            "type": {
                "code": "1",
                "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
            },
            "role": {"code": "1", "system": "http://terminology.hl7.org/CodeSystem/object-role"},
        }
        for p in entry.patients
    ]
    entities += [{"what": {"reference": ref}} for ref in entry.entities]
    if entry.query:
        entities.append({"type": {"code": "2"}, "description": entry.query})
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": str(uuid.uuid4()),
        "type": kind,
        "subtype": [{"system": subtype_system, "code": entry.subtype}],
        "action": entry.action,
        "recorded": clock.fhir_instant(clock.from_us(recorded_us)),
        "outcome": entry.outcome,
        "agent": agents,
        "source": {"observer": {"display": "Hồ Sơ FHIR server"}},
    }
    if entry.description:
        event["outcomeDesc"] = entry.description
    if reasons:
        event["purposeOfEvent"] = [{"coding": [{"system": ACT_REASON, "code": r}]} for r in reasons]
    if entities:
        event["entity"] = entities
    return event


def audit_row(entry: AuditRecord) -> AuditRow:
    recorded = clock.now_us()
    return AuditRow(
        recorded=recorded,
        action=entry.action,
        subtype=entry.subtype,
        outcome=entry.outcome,
        agent=entry.agent,
        role=entry.role,
        facility=entry.facility,
        break_glass=entry.break_glass,
        content=jsonx.dumps_str(audit_event(entry, recorded)),
        patients=tuple(dict.fromkeys(entry.patients)),
    )


class GroupCommitAuditTrail:
    """Appends entries so that concurrent requests share commits (group commit).

    The first request to find no commit in flight commits at once, in its own thread,
    everything pending: no hand-off to another thread, which on a small virtual machine
    costs as much as the commit. Requests arriving meanwhile queue and get a future;
    once the committing request's own entry is durable, whatever queued after it goes
    to a helper thread, so that no request waits for later ones.
    """

    def __init__(self, sink: AuditSink, max_batch: int = 500) -> None:
        self._sink = sink
        self._max_batch = max_batch
        self._pending: list[tuple[AuditRow, Future[None]]] = []
        self._lock = threading.Lock()
        self._committing = False

    def record(self, entry: AuditRecord) -> None:
        self.submit(entry).result()  # re-raises the commit's error: no answer without it

    def submit(self, entry: AuditRecord) -> Future[None]:
        """Queue `entry`; the future is done once it is committed (often already on
        return). Nothing may be sent before it is done (`hoso.api.audit_barrier`)."""
        done: Future[None] = Future()
        with self._lock:
            self._pending.append((audit_row(entry), done))
            if self._committing:
                return done  # the commit in flight takes it next
            self._committing = True
        self._commit_until(done)
        return done

    def _commit_until(self, own: Future[None] | None) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._committing = False
                    return
                if own is not None and own.done():
                    threading.Thread(
                        target=self._commit_until, args=(None,), name="hoso-audit", daemon=True
                    ).start()
                    return
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
            try:
                self._sink.append([row for row, _ in batch])
            except Exception as exc:  # every waiter learns its entry was not written
                for _, done in batch:
                    done.set_exception(exc)
            else:
                for _, done in batch:
                    done.set_result(None)

    def close(self) -> None:
        """Let the sink release its connection (a later entry reopens one)."""
        close_sink = getattr(self._sink, "close", None)
        if close_sink is not None:
            close_sink()
