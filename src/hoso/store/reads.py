"""Reading one resource by id (read, vread, whether it is visible) under a caller's view.

One statement object per caller's view: SQLAlchemy memoises a statement's cache key on
the object, so reusing it skips walking the visibility predicates on every read.
"""

from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa

from hoso.core.errors import ResourceGone, ResourceNotFound
from hoso.fhir.outcomes import not_found
from hoso.fhir.repository import StoredResource
from hoso.fhir.visibility import Visibility
from hoso.store import history, schema
from hoso.store.sql.visibility import visibility_predicates

__all__ = ["read", "visible", "vread"]


def read(
    conn: sa.Connection, resource_type: str, id: str, visibility: Visibility | None
) -> StoredResource:
    """The current version; 404 when absent or out of view, 410 when deleted."""
    row = conn.execute(
        _read_statement(visibility), {"resource_type": resource_type, "id": id}
    ).first()
    if row is None:
        raise not_found(resource_type, id)
    stored = StoredResource(resource_type, id, row.version, row.last_updated, row.deleted,
                            row.content, row.patient_id)  # fmt: skip
    if stored.deleted:
        raise ResourceGone(f"{resource_type}/{id} đã bị xoá / {resource_type}/{id} was deleted")
    return stored


def visible(
    conn: sa.Connection,
    resource_type: str,
    id: str,
    visibility: Visibility | None,
    *,
    live: bool = False,
) -> bool:
    """Whether the current row exists (`live`: and is not a deletion) and `visibility`
    shows it."""
    statement = _live_statement(visibility) if live else _visible_statement(visibility)
    found = conn.execute(statement, {"resource_type": resource_type, "id": id}).first()
    return found is not None


def vread(
    conn: sa.Connection,
    resource_type: str,
    id: str,
    version: int,
    visibility: Visibility | None,
) -> StoredResource:
    """One version: the resource must be in view now (its current version decides)."""
    if visibility is not None and not visible(conn, resource_type, id, visibility):
        raise not_found(resource_type, id)
    stored = history.read_version(conn, resource_type, id, version)
    if stored is None:
        raise ResourceNotFound(
            f"Không có phiên bản {version} của {resource_type}/{id} / "
            f"Version {version} of {resource_type}/{id} not found"
        )
    if stored.deleted:
        raise ResourceGone(
            f"Phiên bản {version} của {resource_type}/{id} là bản xoá / "
            f"Version {version} of {resource_type}/{id} is a deletion"
        )
    return stored


def _by_id(*columns: sa.ColumnElement[object]) -> sa.Select:
    r = schema.resource
    return sa.select(*columns).where(
        r.c.resource_type == sa.bindparam("resource_type"), r.c.id == sa.bindparam("id")
    )


@lru_cache(maxsize=512)
def _read_statement(visibility: Visibility | None) -> sa.Select:
    r = schema.resource
    return _by_id(r.c.version, r.c.last_updated, r.c.deleted, r.c.content, r.c.patient_id).where(
        *visibility_predicates(visibility, r)
    )


@lru_cache(maxsize=512)
def _live_statement(visibility: Visibility | None) -> sa.Select:
    r = schema.resource
    return _by_id(r.c.seq).where(r.c.deleted.is_(False), *visibility_predicates(visibility, r))


@lru_cache(maxsize=512)
def _visible_statement(visibility: Visibility | None) -> sa.Select:
    r = schema.resource
    return _by_id(r.c.seq).where(*visibility_predicates(visibility, r))
