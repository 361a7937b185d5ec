"""The audit entries of a bulk import, made the one way for the CLI, `$import` and
each batch: who imported (the principal), what happened, for which residents."""

from __future__ import annotations

from collections.abc import Iterable

from hoso.access.audit import audit_row
from hoso.access.audit_record import CREATE, READ, SUCCESS, AuditRecord
from hoso.access.principal import Principal
from hoso.store.sql_store import SqlStore


def import_entry(
    principal: Principal,
    description: str,
    *,
    outcome: str = SUCCESS,
    subtype: str = "import",
    patients: Iterable[str] = (),
    query: str | None = None,
) -> AuditRecord:
    return AuditRecord(
        action=READ if subtype == "import-download" else CREATE,
        subtype=subtype,
        outcome=outcome,
        agent=principal.agent,
        role=principal.role,
        facility=principal.facility,
        client_id=principal.claims.client_id,
        patients=tuple(dict.fromkeys(patients)),
        purpose=principal.purpose,
        source_ip=principal.source_ip,
        description=description,
        query=query,
    )


def append_entry(store: SqlStore, entry: AuditRecord) -> None:
    """Commit `entry` to the chain in a transaction of its own (durable on return)."""
    with store.unit_of_work(check_references=False) as session:
        session.append_audit([audit_row(entry)])
