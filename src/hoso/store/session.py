"""`SqlSession`: the store contract's `Session` on one connection inside one transaction.

The records' interactions are here; what hangs off the session by concern (the audit
chain, the access tables, the MPI's queue, bulk work, data quality) lives in its own
module, built on the same connection when first used.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl

import sqlalchemy as sa

from hoso.core.errors import InvalidRequest, InvalidResource, Issue, PreconditionFailed
from hoso.core.settings import Settings
from hoso.fhir.outcomes import check_version, unresolved_references
from hoso.fhir.repository import (
    HistoryPage,
    Hit,
    SearchPage,
    StoredResource,
    WriteResult,
    is_relative_reference,
    iter_references,
)
from hoso.fhir.search.ir import SearchLimits
from hoso.fhir.search.parse import parse_search
from hoso.fhir.store import StoreHooks
from hoso.fhir.visibility import Visibility
from hoso.store import history, reads
from hoso.store.access_tables import SqlAccessTables
from hoso.store.audit_log import SqlAuditTables
from hoso.store.booking_seats import SqlBookingTables
from hoso.store.bulk_write import SqlBulkTables
from hoso.store.change_feed import SqlChangeFeed, publish_changes
from hoso.store.compartment import compartment_state, read_compartment
from hoso.store.dialect import Dialect
from hoso.store.mpi_rows import SqlMatchQueue
from hoso.store.pseudonym_rows import SqlPseudonymAliases
from hoso.store.quality_batch import SqlQualityTables
from hoso.store.sql.search.execute import execute_any, execute_search
from hoso.store.write import (
    Current,
    check_id,
    lock_current,
    new_id,
    prepare,
    write_deletion,
    write_version,
)

__all__ = ["SqlSession"]


class SqlSession:
    """One unit of work. References are checked when it ends (`verify_references`), so
    a transaction Bundle may create resources that point at each other in any order."""

    def __init__(
        self,
        conn: sa.Connection,
        settings: Settings,
        dialect: Dialect,
        hooks: StoreHooks,
        *,
        check_references: bool = True,
        reference_visibility: Visibility | None = None,
    ) -> None:
        self.conn = conn
        self.settings = settings
        self.dialect = dialect
        self.hooks = hooks
        self._check_references = check_references and settings.check_references
        # Whose view a written reference must resolve in (the access layer gives the
        # caller's): a target the caller may not see is as unresolved as a missing one.
        self._reference_visibility = reference_visibility
        self._limits = SearchLimits(
            settings.max_search_parameters, settings.max_search_values, settings.max_sort_keys
        )
        self._pending_refs: list[tuple[str, str]] = []
        # What this unit wrote, for the change feed: appended when it ends.
        self._changes: list[tuple[Any, ...]] = []

    @contextmanager
    def unit_of_work(self) -> Iterator[SqlSession]:
        """Already one: code written against `Repository` runs inside it unchanged."""
        yield self

    # -- what hangs off the session by concern ----------------------------------------
    @cached_property
    def audit(self) -> SqlAuditTables:
        return SqlAuditTables(self.conn, self.dialect, self.settings.audit_key)

    @cached_property
    def access(self) -> SqlAccessTables:
        return SqlAccessTables(self.conn, self.dialect)

    @cached_property
    def matches(self) -> SqlMatchQueue:
        return SqlMatchQueue(self.conn)

    @cached_property
    def bulk(self) -> SqlBulkTables:
        return SqlBulkTables(self.conn, self.dialect, self._changes)

    @cached_property
    def feed(self) -> SqlChangeFeed:
        return SqlChangeFeed(self.conn)

    @cached_property
    def quality(self) -> SqlQualityTables:
        return SqlQualityTables(self.conn)

    @cached_property
    def aliases(self) -> SqlPseudonymAliases:
        return SqlPseudonymAliases(self.conn)

    @cached_property
    def booking(self) -> SqlBookingTables:
        return SqlBookingTables(self.conn, self.dialect)

    # -- reads -----------------------------------------------------------------------
    def read(self, resource_type: str, id: str, *, visibility: Visibility | None = None
             ) -> StoredResource:  # fmt: skip
        return reads.read(self.conn, resource_type, id, visibility)

    def vread(self, resource_type: str, id: str, version: int, *,
              visibility: Visibility | None = None) -> StoredResource:  # fmt: skip
        return reads.vread(self.conn, resource_type, id, version, visibility)

    def visible(self, resource_type: str, id: str, visibility: Visibility | None, *,
                live: bool = False) -> bool:  # fmt: skip
        return reads.visible(self.conn, resource_type, id, visibility, live=live)

    def search(self, resource_type: str | None, params: list[tuple[str, str]], *,
               lenient: bool | None = False, cursor: str | None = None,
               visibility: Visibility | None = None) -> SearchPage:  # fmt: skip
        query = parse_search(resource_type, params, lenient=lenient, limits=self._limits)
        return execute_search(self.conn, query, cursor=cursor,
                              default_count=self.settings.default_page_size,
                              max_count=self.settings.max_page_size,
                              visibility=visibility)  # fmt: skip

    def search_any(self, resource_type: str, searches: Sequence[list[tuple[str, str]]], *,
                   visibility: Visibility | None = None) -> list[Hit]:  # fmt: skip
        queries = [parse_search(resource_type, params, limits=self._limits) for params in searches]
        return execute_any(self.conn, queries, default_count=self.settings.default_page_size,
                           max_count=self.settings.max_page_size,
                           visibility=visibility)  # fmt: skip

    def compartment(self, patient_id: str, types: Sequence[str], *, since_us: int | None = None,
                    count: int = 50, cursor: str | None = None,
                    visibility: Visibility | None = None) -> SearchPage:  # fmt: skip
        return read_compartment(self.conn, patient_id, types, since_us=since_us, count=count,
                                cursor=cursor, visibility=visibility)  # fmt: skip

    def compartment_state(self, patient_id: str) -> tuple[int, int]:
        return compartment_state(self.conn, patient_id)

    def history(self, resource_type: str | None, id: str | None, *,
                since_us: int | None = None, count: int | None = None,
                cursor: str | None = None, visibility: Visibility | None = None
                ) -> HistoryPage:  # fmt: skip
        size = min(count or self.settings.default_page_size, self.settings.max_page_size)
        return history.read_history(self.conn, resource_type, id, since_us, size, cursor,
                                    visibility)  # fmt: skip

    # -- writes ----------------------------------------------------------------------
    def create(self, resource: dict[str, Any], *, if_none_exist: str | None = None,
               id: str | None = None, match_visibility: Visibility | None = None
               ) -> WriteResult:  # fmt: skip
        """`if_none_exist` is searched within `match_visibility` (the caller's view)."""
        resource_type = _resource_type(resource)
        if if_none_exist:
            self.lock(f"{resource_type}?{if_none_exist}")
            existing = self._match_one(resource_type, if_none_exist, match_visibility)
            if existing is not None:
                return WriteResult(existing, created=False, matched_existing=True)
        if id is not None:
            check_id(resource_type, id)
        resource = {**resource, "id": id or new_id()}
        index = self.hooks.patient_index
        if resource_type == "Patient" and index is not None:
            # Invalid input is refused by validation before the MPI looks at it; then the
            # master patient index decides: the resident already stored, or a new one.
            warnings = prepare(resource, self.settings, self.hooks)

            def write(patient: dict[str, Any]) -> WriteResult:
                return self._write(patient, None, "POST", warnings)

            return index.create_patient(self, resource, write)
        return self._write(resource, None, "POST")

    def update(self, resource_type: str, id: str, resource: dict[str, Any], *,
               if_match: int | None = None, method: str = "PUT") -> WriteResult:  # fmt: skip
        """`method` is what history records: PUT, or PATCH for a patched version."""
        _check_envelope(resource, resource_type, id)
        check_id(resource_type, id)
        current = lock_current(self.conn, resource_type, id)
        if current is None:
            # Concurrent creates of one new id: the first inserts, the others wait here
            # and then find its row to update (PostgreSQL; SQLite holds its write lock).
            self.lock(f"{resource_type}/{id}")
            current = lock_current(self.conn, resource_type, id)
        check_version(resource_type, id, current.version if current else None, if_match)
        if current is None and resource_type == "Patient" and self.hooks.patient_index:
            return self._create_patient_at(resource, method)
        return self._write(resource, current, method)

    def _create_patient_at(self, resource: dict[str, Any], method: str) -> WriteResult:
        """A Patient created at the caller's id (PUT, or a conditional update that
        matched nothing) passes the MPI as a POST does, except that the caller's id is
        kept: another person on a CCCD on file is a 409; a record the MPI takes for a
        resident on file is written and queued for a steward (a HIS's own record of
        that person, as the bulk paths store them), never silently joined."""
        assert self.hooks.patient_index is not None
        warnings = prepare(resource, self.settings, self.hooks)

        def write(patient: dict[str, Any]) -> WriteResult:
            return self._write(patient, None, method, warnings)

        return self.hooks.patient_index.create_patient(self, resource, write, attach=False)

    def conditional_update(self, resource_type: str, criteria: str, resource: dict[str, Any],
                           *, match_visibility: Visibility | None = None,
                           client_id_allowed: bool = True) -> WriteResult:  # fmt: skip
        """Update the one match of `criteria` within `match_visibility`, or create; the
        body's id names the new resource only where `client_id_allowed`."""
        self.lock(f"{resource_type}?{criteria}")
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

    def delete(self, resource_type: str, id: str) -> StoredResource | None:
        current = lock_current(self.conn, resource_type, id)
        if current is None or current.deleted:
            return None
        stored = write_deletion(self.conn, resource_type, id, current)
        self._changed(stored)
        return stored

    def lock(self, *keys: str) -> None:
        """Serialise this transaction with others that lock any of the same keys."""
        self.dialect.lock_keys(self.conn, keys)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the unit of work that rolls back alone when its block raises: its
        rows, and the references it wrote, which the unit no longer has to resolve."""
        kept, changed = len(self._pending_refs), len(self._changes)
        try:
            with self.conn.begin_nested():
                yield
        except BaseException:
            del self._pending_refs[kept:]
            del self._changes[changed:]
            raise

    def publish_changes(self) -> None:
        """Append this unit's writes to the change feed: the unit's last statement."""
        publish_changes(self.conn, self._changes)
        self._changes.clear()

    def verify_references(self) -> None:
        """Every relative reference written in this unit must name a live resource that
        the reference visibility shows (the store calls this as the unit ends)."""
        pending, self._pending_refs = self._pending_refs, []
        missing = [(path, ref) for path, ref in dict.fromkeys(pending)
                   if not self._resolves(ref)]  # fmt: skip
        if missing:
            raise unresolved_references(missing)

    # -- internals -------------------------------------------------------------------
    def _write(self, resource: dict[str, Any], current: Current | None, method: str,
               warnings: list[Issue] | None = None) -> WriteResult:  # fmt: skip
        if warnings is None:  # else from prepare(), when the caller ran it
            warnings = prepare(resource, self.settings, self.hooks)
        stored = write_version(self.conn, self.settings, self.hooks, resource, current=current,
                               method=method, warnings=warnings)  # fmt: skip
        self._changed(stored)
        if self._check_references:
            self._pending_refs.extend(
                (path, ref)
                for path, ref in iter_references(resource, resource["resourceType"])
                if is_relative_reference(ref)
            )
        created = current is None or current.deleted
        return WriteResult(stored, created=created, warnings=tuple(warnings))

    def _changed(self, stored: StoredResource) -> None:
        self._changes.append((stored.resource_type, stored.id, stored.version, stored.deleted,
                              stored.patient_id, stored.last_updated_us))  # fmt: skip

    def _match_one(self, resource_type: str, criteria: str, visibility: Visibility | None
                   ) -> StoredResource | None:  # fmt: skip
        params = parse_qsl(criteria.lstrip("?"), keep_blank_values=True)
        if not params:
            raise InvalidRequest("Điều kiện tìm kiếm rỗng / Empty conditional criteria")
        page = self.search(resource_type, [*params, ("_count", "2"), ("_total", "none")],
                           visibility=visibility)  # fmt: skip
        if len(page.matches) > 1:
            raise PreconditionFailed(
                f"Điều kiện '{criteria}' khớp nhiều tài nguyên / "
                f"Criteria '{criteria}' matched more than one resource",
                code="multiple-matches",
            )
        if not page.matches:
            return None
        return self.read(resource_type, page.matches[0].id)

    def _resolves(self, reference: str) -> bool:
        parts = reference.split("/")
        return self.visible(parts[0], parts[1], self._reference_visibility, live=True)


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
