"""Tests reach the records the way every door does: as a caller, through the access
layer (`hoso.assembly.repository_for`), audited. These run the ingest paths so."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from hoso.access.audit import GroupCommitAuditTrail
from hoso.access.bulk_import import BulkImportAccess
from hoso.access.claims import AccessClaims
from hoso.access.principal import Principal, operator_principal
from hoso.access.repository import AccessRepository
from hoso.access.scopes import ScopeSet
from hoso.assembly import pseudonym_key, repository_for
from hoso.ingest.bulk_import import ImportOptions, ImportReport, import_ndjson
from hoso.ingest.fhir_files import LoadReport, load_files
from hoso.store.sql_store import SqlAuditLog, SqlStore

OPERATOR = operator_principal("tests")


def staff(role: str, scopes: tuple[str, ...] = ("user/*.cruds",), *,
          facility: str | None = None) -> Principal:  # fmt: skip
    """A caller of `role` (`test:<role>`), as a verified token would make them."""
    claims = AccessClaims(subject=f"test:{role}", role=role, scopes=scopes, client_id="tests",
                          token_id=f"t-{role}", expires_at=2_000_000_000,
                          facility=facility)  # fmt: skip
    return Principal(claims, ScopeSet.parse(scopes))


def audit_subtypes(store: SqlStore, *, outcome: str | None = None) -> list[str]:
    """The subtype of every audit entry (optionally of one outcome), in order."""
    import orjson
    import sqlalchemy as sa

    from hoso.store import schema

    e = schema.audit_event
    with store.engine.connect() as conn:
        contents = conn.execute(sa.select(e.c.content).order_by(e.c.seq)).scalars()
        events = [orjson.loads(c) for c in contents]
    return [event["subtype"][0]["code"] for event in events
            if outcome is None or event["outcome"] == outcome]  # fmt: skip


@contextmanager
def as_caller(store: SqlStore, principal: Principal = OPERATOR) -> Iterator[AccessRepository]:
    """`principal`'s repository over `store`; its audit trail is closed (every entry
    committed) when the block ends."""
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        yield repository_for(store, principal, trail, key=pseudonym_key(store))
    finally:
        trail.close()


def bulk_import(
    store: SqlStore,
    paths: Sequence[Path],
    principal: Principal = OPERATOR,
    options: ImportOptions | None = None,
) -> ImportReport:
    """`hoso import` / `$import` as `principal`: NDJSON through the bulk import's door."""
    with as_caller(store, principal) as repo:
        importer = BulkImportAccess(repo)
        importer.check_importer()
        return import_ndjson(importer, store.settings, paths, options or ImportOptions(workers=0))


def load(store: SqlStore, paths: Sequence[Path]) -> LoadReport:
    """`hoso load`: files written one resource (or transaction) at a time, as the operator."""
    with as_caller(store) as repo:
        return load_files(repo, list(paths))
