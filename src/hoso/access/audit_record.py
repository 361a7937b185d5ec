"""One audit entry as the rest of the system describes it; `audit` turns it into a FHIR
AuditEvent (https://hl7.org/fhir/R4/auditevent.html) and appends it to the chain."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol

from hoso.fhir.audit_row import (
    CREATE,
    DELETE,
    EXECUTE,
    MAJOR_FAILURE,
    MINOR_FAILURE,
    READ,
    SERIOUS_FAILURE,
    SUCCESS,
    UPDATE,
)

__all__ = [
    "CREATE", "DELETE", "EXECUTE", "MAJOR_FAILURE", "MINOR_FAILURE", "READ", "SERIOUS_FAILURE",
    "SUCCESS", "UPDATE", "AuditRecord", "AuditTrail",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class AuditRecord:
    action: str  # C R U D E
    subtype: str  # FHIR interaction (read, search-type, create…) or login, token, break-glass
    outcome: str  # 0 success, 4 refused or invalid, 8 server failure
    agent: str  # the subject of the token, or the account name that tried to log in
    role: str
    facility: str | None = None
    client_id: str | None = None
    patients: tuple[str, ...] = ()  # Patient ids whose records were touched
    entities: tuple[str, ...] = ()  # "Type/id" of what was read or changed
    purpose: str | None = None  # v3 PurposeOfUse: TREAT, ETREAT, PUBHLTH, PATRQT, SYSADMIN…
    source_ip: str | None = None
    description: str | None = None  # why it failed, the break-the-glass reason…
    break_glass: bool = False
    query: str | None = None  # search parameters as sent (the trail is protected data)


class AuditTrail(Protocol):
    def record(self, entry: AuditRecord) -> None:
        """Append `entry`; when this returns the entry is durable (committed)."""
        ...

    def submit(self, entry: AuditRecord) -> Future[None]:
        """Append `entry` without waiting; the future is done once it is durable."""
        ...
