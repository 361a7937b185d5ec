"""The write path: one version row, its history row and its index rows, together.

A single write stores them here, always in the caller's transaction, so a failure
anywhere leaves no partial write; a bulk import stores exactly the same rows, built by
the same functions (`prepare`, `versioned`, `cccd_rows`) in `hoso.store.bulk_rows`.
The identifier rules and the CCCDs of a Patient come from the hooks the composition
root plugged in (`hoso.fhir.store.StoreHooks`): the store may not import `identity`.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hoso.core import clock, jsonx
from hoso.core.errors import Conflict, InvalidResource, Issue
from hoso.core.settings import Settings
from hoso.fhir.conditional import check_no_conditional_references
from hoso.fhir.index_values import IndexValues
from hoso.fhir.indexing import extract_index_values
from hoso.fhir.outcomes import cccd_conflict
from hoso.fhir.repository import StoredResource
from hoso.fhir.store import StoreHooks
from hoso.fhir.validation import validate_resource
from hoso.store import schema
from hoso.store.access_rows import replace_access_rows
from hoso.store.index_rows import replace_index_rows
from hoso.store.quality_rows import delete_quality_rows, replace_quality_rows

ID_PATTERN = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


@dataclass(frozen=True, slots=True)
class Current:
    """The locked current row of a resource, if it exists."""

    seq: int
    version: int
    deleted: bool
    content: str


def new_id() -> str:
    return str(uuid.uuid4())


def check_id(resource_type: str, id: str) -> None:
    if not ID_PATTERN.match(id):
        raise InvalidResource(
            f"Mã định danh tài nguyên không hợp lệ: '{id}' / Invalid resource id: '{id}'",
            expression=[f"{resource_type}.id"],
        )


def lock_current(conn: sa.Connection, resource_type: str, id: str) -> Current | None:
    """Fetch and lock the current row (FOR UPDATE; SQLite's write lock already holds)."""
    r = schema.resource
    row = conn.execute(
        sa.select(r.c.seq, r.c.version, r.c.deleted, r.c.content)
        .where(r.c.resource_type == resource_type, r.c.id == id)
        .with_for_update()
    ).first()
    return Current(row.seq, row.version, row.deleted, row.content) if row else None


def prepare(resource: dict[str, Any], settings: Settings, hooks: StoreHooks) -> list[Issue]:
    """Validate before anything is written; return warnings, raise on errors."""
    check_no_conditional_references(resource)
    warnings = validate_resource(resource)
    if resource.get("resourceType") == "Patient" and hooks.identifier_rules is not None:
        errors, identifier_warnings = hooks.identifier_rules(resource, settings)
        if errors:
            raise InvalidResource(errors[0].diagnostics, issues=errors)
        warnings = [*warnings, *identifier_warnings]
    return warnings


def versioned(
    resource: dict[str, Any], version: int, moment: datetime
) -> tuple[dict[str, Any], IndexValues, StoredResource]:
    """`resource` as stored at `version` (meta stamped), its index values and its row;
    shared by single writes and the bulk importer so both store exactly the same."""
    meta = dict(resource.get("meta") or {})
    meta["versionId"] = str(version)
    meta["lastUpdated"] = clock.fhir_instant(moment)
    resource = {**resource, "meta": meta}
    values = extract_index_values(resource)
    resource_type, id = resource["resourceType"], resource["id"]
    patient_id = id if resource_type == "Patient" else next(iter(values.compartment_patients), None)
    stored = StoredResource(
        resource_type,
        id,
        version,
        int(moment.timestamp() * 1_000_000),
        False,
        jsonx.dumps_str(resource),
        patient_id,
    )
    return resource, values, stored


def write_version(
    conn: sa.Connection,
    settings: Settings,
    hooks: StoreHooks,
    resource: dict[str, Any],
    *,
    current: Current | None,
    method: str,
    warnings: list[Issue],
) -> StoredResource:
    """Store `resource` (already validated, id set) as the next version; the quality
    hook refreshes its data-quality findings."""
    version = (current.version + 1) if current else 1
    resource, values, stored = versioned(resource, version, clock.now())
    resource_type, patient_id = stored.resource_type, stored.patient_id
    seq = _put_row(conn, stored, current, patient_id)
    _append_history(conn, stored, seq, method, patient_id)
    replace_index_rows(conn, seq, resource_type, patient_id, values, fresh=current is None)
    replace_access_rows(conn, seq, resource_type, patient_id, resource, fresh=current is None)
    replace_quality_rows(
        conn, seq, resource_type, patient_id, resource, hooks.quality, fresh=current is None
    )
    if resource_type == "Patient":
        _replace_cccd(conn, settings, hooks, resource, seq, version, warnings,
                      fresh=current is None)  # fmt: skip
    return stored


def write_deletion(
    conn: sa.Connection, resource_type: str, id: str, current: Current
) -> StoredResource:
    """Logical delete: a new version marked deleted; history keeps every earlier one."""
    moment = clock.now()
    version = current.version + 1
    body = {
        "resourceType": resource_type,
        "id": id,
        "meta": {"versionId": str(version), "lastUpdated": clock.fhir_instant(moment)},
    }
    r = schema.resource
    patient_id = conn.execute(sa.select(r.c.patient_id).where(r.c.seq == current.seq)).scalar()
    stored = StoredResource(resource_type, id, version, int(moment.timestamp() * 1_000_000),
                            True, jsonx.dumps_str(body), patient_id)  # fmt: skip
    conn.execute(
        r.update()
        .where(r.c.seq == current.seq)
        .values(
            version=version,
            last_updated=stored.last_updated_us,
            deleted=True,
            content=stored.content,
        )
    )
    _append_history(conn, stored, current.seq, "DELETE", patient_id)
    replace_index_rows(conn, current.seq, resource_type, patient_id, None)
    replace_access_rows(conn, current.seq, resource_type, patient_id, None)
    delete_quality_rows(conn, [current.seq])
    conn.execute(schema.patient_cccd.delete().where(schema.patient_cccd.c.res_seq == current.seq))
    return stored


def _put_row(
    conn: sa.Connection, stored: StoredResource, current: Current | None, patient_id: str | None
) -> int:
    r = schema.resource
    values = {
        "version": stored.version,
        "last_updated": stored.last_updated_us,
        "deleted": False,
        "patient_id": patient_id,
        "content": stored.content,
    }
    if current is not None:
        conn.execute(r.update().where(r.c.seq == current.seq).values(**values))
        return current.seq
    try:
        result = conn.execute(
            r.insert(), {"resource_type": stored.resource_type, "id": stored.id, **values}
        )
    except sa.exc.IntegrityError as exc:
        # Another transaction created the same type/id between our lock and insert; the
        # unit of work rolls back whole, so no savepoint is needed here.
        raise Conflict(
            f"{stored.resource_type}/{stored.id} vừa được tạo đồng thời / "
            f"{stored.resource_type}/{stored.id} was created concurrently"
        ) from exc
    return int(result.inserted_primary_key[0])


def _append_history(
    conn: sa.Connection, stored: StoredResource, seq: int, method: str, patient_id: str | None
) -> None:
    conn.execute(
        schema.resource_history.insert(),
        {
            "res_seq": seq,
            "resource_type": stored.resource_type,
            "id": stored.id,
            "version": stored.version,
            "last_updated": stored.last_updated_us,
            "method": method,
            "deleted": stored.deleted,
            "patient_id": patient_id,
            "content": stored.content,
        },
    )


def cccd_rows(
    settings: Settings,
    hooks: StoreHooks,
    patient: dict[str, Any],
    seq: int,
    version: int,
    warnings: list[Issue],
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The `patient_cccd` rows of an active Patient and its `cccd_warning` row, if any."""
    cccds = hooks.cccds(patient, settings.cccd_system) if hooks.cccds is not None else []
    rows: list[dict[str, Any]] = []
    if patient.get("active", True) is not False:
        rows = [
            {"cccd": c, "res_seq": seq, "patient_id": patient["id"]} for c in dict.fromkeys(cccds)
        ]
    cccd_warnings = [w for w in warnings if any("identifier" in e for e in w.expression)]
    warning = None
    if cccd_warnings and cccds:
        warning = {
            "res_seq": seq,
            "patient_id": patient["id"],
            "version": version,
            "cccd": cccds[0],
            "messages": jsonx.dumps_str([w.diagnostics for w in cccd_warnings]),
        }
    return rows, warning


def _replace_cccd(
    conn: sa.Connection,
    settings: Settings,
    hooks: StoreHooks,
    patient: dict[str, Any],
    seq: int,
    version: int,
    warnings: list[Issue],
    *,
    fresh: bool,
) -> None:
    """Keep `patient_cccd` equal to the current CCCDs of this Patient, if active."""
    table = schema.patient_cccd
    if not fresh:
        conn.execute(table.delete().where(table.c.res_seq == seq))
        conn.execute(schema.cccd_warning.delete().where(schema.cccd_warning.c.res_seq == seq))
    rows, warning = cccd_rows(settings, hooks, patient, seq, version, warnings)
    try:
        if rows:
            conn.execute(table.insert(), rows)
    except sa.exc.IntegrityError as exc:
        # The primary key decides between concurrent creators; the unit of work
        # (or the loader's savepoint) rolls back everything this write did.
        raise cccd_conflict([r["cccd"] for r in rows]) from exc
    if warning is not None:
        conn.execute(schema.cccd_warning.insert(), warning)
