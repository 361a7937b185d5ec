"""`Auditor`: how one caller's interactions become entries of the audit chain.

- A write's entry is appended in the write's own transaction (`TransactionAudit` collects
  it, the unit of work appends it before commit): no change without its entry.
- A read's entry goes through the group-commit trail: queued, with its future kept in
  `receipts` for the HTTP layer to wait on before anything is sent
  (`hoso.api.audit_barrier`), or waited for at once when there are no receipts (jobs,
  the command line).
- A refusal or failure is recorded outside any transaction (which the error rolls back):
  at once, or when the enclosing unit of work has ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from hoso.access.audit import audit_row
from hoso.access.audit_record import SUCCESS, AuditRecord, AuditTrail
from hoso.access.principal import Principal
from hoso.fhir.audit_row import AuditRow

__all__ = ["Auditor", "TransactionAudit"]


@dataclass
class TransactionAudit:
    """The entries of one unit of work: committed with it, or recorded as failures."""

    pending: list[AuditRow] = field(default_factory=list)
    failures: list[AuditRecord] = field(default_factory=list)


class Auditor:
    def __init__(
        self,
        principal: Principal,
        trail: AuditTrail,
        receipts: list[Future[None]] | None = None,
    ) -> None:
        self.principal = principal
        self._trail = trail
        self._receipts = receipts

    def entry(
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

    def record(self, entry: AuditRecord, tx: TransactionAudit | None = None) -> None:
        """Record `entry`: in the transaction `tx` when it is a success inside one, in
        its failures when it is a refusal inside one, else on the trail now."""
        if tx is not None:
            if entry.outcome == SUCCESS:
                tx.pending.append(audit_row(entry))
            else:
                tx.failures.append(entry)
            return
        self.record_now(entry)

    def record_now(self, entry: AuditRecord) -> None:
        """On the trail, outside any record's transaction."""
        if self._receipts is None:
            self._trail.record(entry)
        else:
            self._receipts.append(self._trail.submit(entry))
