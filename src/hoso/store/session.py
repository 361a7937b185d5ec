"""`StoreSession`: the Repository contract on one connection inside one transaction."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

import sqlalchemy as sa

from hoso.core import jsonx
from hoso.core.errors import (
    InvalidRequest,
    InvalidResource,
    Issue,
    PreconditionFailed,
    ResourceGone,
    ResourceNotFound,
)
from hoso.core.settings import Settings
from hoso.fhir.audit_row import AuditRow
from hoso.fhir.outcomes import check_version, not_found, unresolved_references
from hoso.fhir.patch import Patch
from hoso.fhir.quality import QualityCheck
from hoso.fhir.repository import (
    HistoryPage,
    SearchPage,
    StoredResource,
    WriteResult,
    is_relative_reference,
    iter_references,
)
from hoso.fhir.search.ir import SearchLimits
from hoso.fhir.search.parse import parse_search
from hoso.fhir.visibility import Visibility
from hoso.store import audit_log, break_glass, care_claims, dialect, history, mpi_rows, schema
from hoso.store.compartment import read_compartment
from hoso.store.patient_index import PatientIndex
from hoso.store.sql.search.execute import execute_search
from hoso.store.sql.visibility import visibility_predicates
from hoso.store.write import (
    check_id,
    lock_current,
    new_id,
    prepare,
    write_deletion,
    write_version,
)


class StoreSession:
    """One unit of work. References are checked when it ends, so a transaction Bundle
    may create resources that point at each other in any order."""

    def __init__(
        self,
        conn: sa.Connection,
        settings: Settings,
        *,
        check_references: bool = True,
        patient_index: PatientIndex | None = None,
        quality: QualityCheck | None = None,
    ) -> None:
        self.conn = conn
        self.settings = settings
        self.patient_index = patient_index
        self.quality = quality  # data-quality rules: findings refreshed by every write
        self.check_references = check_references and settings.check_references
        # Whose view a written reference must resolve in (the access layer sets the
        # caller's): a target the caller may not see is as unresolved as a missing one.
        self.reference_visibility: Visibility | None = None
        self._limits = SearchLimits(
            settings.max_search_parameters, settings.max_search_values, settings.max_sort_keys
        )
        self._pending_refs: list[tuple[str, str]] = []

    @contextmanager
    def unit_of_work(self) -> Iterator[StoreSession]:
        yield self  # already inside this session's transaction

    # -- reads -----------------------------------------------------------------------
    def read(
        self, resource_type: str, id: str, *, visibility: Visibility | None = None
    ) -> StoredResource:
        row = self.conn.execute(
            _read_statement(visibility), {"resource_type": resource_type, "id": id}
        ).first()
        if row is None:
            raise not_found(resource_type, id)
        stored = StoredResource(
            resource_type,
            id,
            row.version,
            row.last_updated,
            row.deleted,
            row.content,
            row.patient_id,
        )
        if stored.deleted:
            raise ResourceGone(f"{resource_type}/{id} đã bị xoá / {resource_type}/{id} was deleted")
        return stored

    def visible(
        self, resource_type: str, id: str, visibility: Visibility | None, *, live: bool = False
    ) -> bool:
        """Whether the current row of `resource_type/id` exists (`live`: and is not a
        deletion) and `visibility` shows it."""
        statement = _live_statement(visibility) if live else _visible_statement(visibility)
        return (
            self.conn.execute(statement, {"resource_type": resource_type, "id": id}).first()
            is not None
        )

    def vread(
        self,
        resource_type: str,
        id: str,
        version: int,
        *,
        visibility: Visibility | None = None,
    ) -> StoredResource:
        if visibility is not None and not self.visible(resource_type, id, visibility):
            raise not_found(resource_type, id)
        stored = history.read_version(self.conn, resource_type, id, version)
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

    def search(
        self,
        resource_type: str | None,
        params: list[tuple[str, str]],
        *,
        lenient: bool | None = False,
        cursor: str | None = None,
        visibility: Visibility | None = None,
    ) -> SearchPage:
        query = parse_search(resource_type, params, lenient=lenient, limits=self._limits)
        return execute_search(
            self.conn,
            query,
            cursor=cursor,
            default_count=self.settings.default_page_size,
            max_count=self.settings.max_page_size,
            visibility=visibility,
        )

    def compartment(
        self,
        patient_id: str,
        types: Sequence[str],
        *,
        since_us: int | None = None,
        count: int = 50,
        cursor: str | None = None,
        visibility: Visibility | None = None,
    ) -> SearchPage:
        return read_compartment(
            self.conn,
            patient_id,
            types,
            since_us=since_us,
            count=count,
            cursor=cursor,
            visibility=visibility,
        )

    def history(
        self,
        resource_type: str | None,
        id: str | None,
        *,
        since_us: int | None = None,
        count: int | None = None,
        cursor: str | None = None,
        visibility: Visibility | None = None,
    ) -> HistoryPage:
        size = min(count or self.settings.default_page_size, self.settings.max_page_size)
        return history.read_history(
            self.conn, resource_type, id, since_us, size, cursor, visibility
        )

    # -- audit -----------------------------------------------------------------------
    def append_audit(self, rows: Sequence[AuditRow]) -> None:
        """Append to the audit chain in this unit of work: committed with the change."""
        audit_log.append(self.conn, rows, self.settings.audit_key)

    def grant_break_glass(
        self,
        *,
        agent: str,
        facility: str | None,
        patient_id: str,
        reason: str,
        started: int,
        expires: int,
    ) -> str:
        return break_glass.grant(
            self.conn,
            agent=agent,
            facility=facility,
            patient_id=patient_id,
            reason=reason,
            started=started,
            expires=expires,
        )

    def break_glass_patients(self, agent: str, now_us: int) -> frozenset[str]:
        return break_glass.active_patients(self.conn, agent, now_us)

    # -- writes ----------------------------------------------------------------------
    def create(
        self,
        resource: dict[str, Any],
        *,
        if_none_exist: str | None = None,
        id: str | None = None,
        match_visibility: Visibility | None = None,
    ) -> WriteResult:
        """`if_none_exist` is searched within `match_visibility` (the caller's view)."""
        resource_type = _resource_type(resource)
        if if_none_exist:
            dialect.lock_key(self.conn, f"{resource_type}?{if_none_exist}")
            existing = self._match_one(resource_type, if_none_exist, match_visibility)
            if existing is not None:
                return WriteResult(existing, created=False, matched_existing=True)
        if id is not None:
            check_id(resource_type, id)
        resource = {**resource, "id": id or new_id()}
        if resource_type == "Patient" and self.patient_index is not None:
            # Invalid input is refused by validation before the MPI looks at it; then the
            # master patient index decides: the resident already stored, or a new one.
            warnings = prepare(resource, self.settings)
            return self.patient_index.create_patient(
                self, resource, lambda r: self._write(r, None, "POST", warnings)
            )
        return self._write(resource, None, "POST")

    def lock(self, key: str) -> None:
        """Serialise this transaction with others that lock the same key."""
        dialect.lock_key(self.conn, key)

    def add_match_candidates(self, rows: list[dict[str, Any]]) -> int:
        return mpi_rows.add_candidates(self.conn, rows)

    def update(
        self,
        resource_type: str,
        id: str,
        resource: dict[str, Any],
        *,
        if_match: int | None = None,
        method: str = "PUT",
    ) -> WriteResult:
        """`method` is what history records: PUT, or PATCH when `patch` delegates here."""
        _check_envelope(resource, resource_type, id)
        check_id(resource_type, id)
        current = lock_current(self.conn, resource_type, id)
        if current is None:
            # Concurrent creates of one new id: the first inserts, the others wait here
            # and then find its row to update (PostgreSQL; SQLite holds its write lock).
            dialect.lock_key(self.conn, f"{resource_type}/{id}")
            current = lock_current(self.conn, resource_type, id)
        check_version(resource_type, id, current.version if current else None, if_match)
        return self._write(resource, current, method)

    def conditional_update(
        self,
        resource_type: str,
        criteria: str,
        resource: dict[str, Any],
        *,
        match_visibility: Visibility | None = None,
        client_id_allowed: bool = True,
    ) -> WriteResult:
        """Update the one match of `criteria` within `match_visibility`, or create; the
        body's id names the new resource only where `client_id_allowed`."""
        dialect.lock_key(self.conn, f"{resource_type}?{criteria}")
        existing = self._match_one(resource_type, criteria, match_visibility)
        if existing is None:
            given = resource.get("id")
            if given is not None and not client_id_allowed:
                raise InvalidRequest(
                    "Không có tài nguyên khớp điều kiện: tạo mới thì bỏ id trong nội dung (máy "
                    "chủ cấp id) / No resource matches the criteria: to create, leave the id "
                    "out of the body (the server assigns it)",
                    expression=[f"{resource_type}.id"],
                )
            resource = {**resource, "id": given or new_id()}
            return self.update(resource_type, resource["id"], resource)
        if resource.get("id") not in (None, existing.id):
            raise InvalidRequest(
                "id trong nội dung khác tài nguyên tìm thấy / "
                "Body id differs from the resource the criteria matched",
                expression=[f"{resource_type}.id"],
            )
        return self.update(resource_type, existing.id, {**resource, "id": existing.id})

    def patch(
        self, resource_type: str, id: str, patch: Patch, *, if_match: int | None = None
    ) -> WriteResult:
        current = self.read(resource_type, id)
        check_version(resource_type, id, current.version, if_match)
        patched = patch.apply(jsonx.loads(current.content))
        return self.update(resource_type, id, patched, if_match=current.version, method="PATCH")

    def delete(self, resource_type: str, id: str) -> StoredResource | None:
        current = lock_current(self.conn, resource_type, id)
        if current is None or current.deleted:
            return None
        return write_deletion(self.conn, resource_type, id, current)

    def verify_references(self) -> None:
        """Every relative reference written in this unit must name a live resource that
        `reference_visibility` shows."""
        pending, self._pending_refs = self._pending_refs, []
        missing = [(path, ref) for path, ref in dict.fromkeys(pending) if not self.exists(ref)]
        if missing:
            raise unresolved_references(missing)

    # -- internals -------------------------------------------------------------------
    def _write(
        self,
        resource: dict[str, Any],
        current: Any,
        method: str,
        warnings: list[Issue] | None = None,  # from prepare(), when the caller ran it
    ) -> WriteResult:
        if warnings is None:
            warnings = prepare(resource, self.settings)
        stored = write_version(
            self.conn,
            self.settings,
            resource,
            current=current,
            method=method,
            warnings=warnings,
            quality=self.quality,
        )
        if self.check_references:
            self._pending_refs.extend(
                (path, ref)
                for path, ref in iter_references(resource, resource["resourceType"])
                if is_relative_reference(ref)
            )
        created = current is None or current.deleted
        return WriteResult(stored, created=created, warnings=tuple(warnings))

    def _match_one(
        self, resource_type: str, criteria: str, visibility: Visibility | None
    ) -> StoredResource | None:
        params = parse_qsl(criteria.lstrip("?"), keep_blank_values=True)
        if not params:
            raise InvalidRequest(
                "Điều kiện tìm kiếm rỗng / Empty conditional criteria", code="invalid"
            )
        page = self.search(resource_type, [*params, ("_count", "2")], visibility=visibility)
        if len(page.matches) > 1:
            raise PreconditionFailed(
                f"Điều kiện '{criteria}' khớp nhiều tài nguyên / "
                f"Criteria '{criteria}' matched more than one resource",
                code="multiple-matches",
            )
        if not page.matches:
            return None
        return self.read(resource_type, page.matches[0].id)

    def exists(self, reference: str) -> bool:
        """Whether a relative reference names a live (not deleted) resource in
        `reference_visibility`."""
        parts = reference.split("/")
        return (
            self.conn.execute(
                _live_statement(self.reference_visibility),
                {"resource_type": parts[0], "id": parts[1]},
            ).first()
            is not None
        )

    # -- the watch on self-claimed care (hoso.access.care_claims) --------------------
    def count_care_claim(
        self, agent: str, facility: str | None, hour_us: int, now_us: int
    ) -> tuple[int, int | None]:
        return care_claims.count_opening(self.conn, agent, facility, hour_us, now_us)

    def busiest_care_claim_hour(self, agent: str, since_us: int, before_us: int) -> int:
        return care_claims.busiest_hour(self.conn, agent, since_us, before_us)

    def flag_anomaly(self, anomaly: dict[str, Any]) -> bool:
        return care_claims.flag(self.conn, anomaly)

    def anomalies(self, since_us: int) -> list[dict[str, Any]]:
        return care_claims.anomalies(self.conn, since_us)


def _resource_type(resource: Any) -> str:
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        raise InvalidResource(
            "Thiếu resourceType / Missing resourceType", expression=["resourceType"]
        )
    return resource["resourceType"]


def _check_envelope(resource: Any, resource_type: str, id: str) -> None:
    """The body must be the resource the URL names (https://hl7.org/fhir/R4/http.html#update)."""
    if _resource_type(resource) != resource_type:
        raise InvalidResource(
            f"resourceType '{resource['resourceType']}' khác loại trong URL '{resource_type}' / "
            f"resourceType '{resource['resourceType']}' does not match the URL's '{resource_type}'",
            expression=["resourceType"],
        )
    if resource.get("id") != id:
        raise InvalidResource(
            f"id trong nội dung ('{resource.get('id')}') khác id trong URL ('{id}') / "
            f"Body id ('{resource.get('id')}') does not match the URL id ('{id}')",
            expression=[f"{resource_type}.id"],
        )


# One statement object per caller's view: SQLAlchemy memoises a statement's cache key on
# the object, so reusing it skips walking the visibility predicates on every read.
@lru_cache(maxsize=512)
def _read_statement(visibility: Visibility | None) -> sa.Select:
    r = schema.resource
    return sa.select(r.c.version, r.c.last_updated, r.c.deleted, r.c.content, r.c.patient_id).where(
        r.c.resource_type == sa.bindparam("resource_type"),
        r.c.id == sa.bindparam("id"),
        *visibility_predicates(visibility, r),
    )


@lru_cache(maxsize=512)
def _live_statement(visibility: Visibility | None) -> sa.Select:
    r = schema.resource
    return sa.select(r.c.seq).where(
        r.c.resource_type == sa.bindparam("resource_type"),
        r.c.id == sa.bindparam("id"),
        r.c.deleted.is_(False),
        *visibility_predicates(visibility, r),
    )


@lru_cache(maxsize=512)
def _visible_statement(visibility: Visibility | None) -> sa.Select:
    r = schema.resource
    return sa.select(r.c.seq).where(
        r.c.resource_type == sa.bindparam("resource_type"),
        r.c.id == sa.bindparam("id"),
        *visibility_predicates(visibility, r),
    )
