"""Writes through the access layer: each one checks that the caller may write this
record for this patient, stamps it with its author, and commits with its audit entry in
one transaction; anything the policy refuses rolls the write back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Self, TypeVar
from urllib.parse import parse_qsl

import jsonpatch

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.audit_record import CREATE, DELETE, READ, UPDATE
from hoso.access.guard import AccessGuard
from hoso.core import jsonx
from hoso.core.errors import Forbidden, InvalidRequest, ResourceNotFound
from hoso.fhir.repository import StoredResource, WriteResult

T = TypeVar("T")


class GuardedWrites(AccessGuard):
    @contextmanager
    def unit_of_work(self) -> Iterator[Self]:
        """Calls on the yielded repository commit together with their audit entries."""
        if self._in_transaction:
            yield self
            return
        inner: Self | None = None
        try:
            with self._store.unit_of_work() as session:
                inner = type(self)(
                    session,
                    self.principal,
                    self._trail,
                    self._settings,
                    pseudonym_key=self._key,
                    audit_receipts=self._receipts,
                    in_transaction=True,
                )
                inner._views = self._views
                yield inner
                if inner._pending:
                    session.append_audit(inner._pending)
        finally:
            for failure in inner._failures if inner is not None else ():
                self._record(failure)

    def _write(self, action: str, subtype: str, entity: str, fn: Callable[[Self], T]
               ) -> T:  # fmt: skip
        def run() -> T:
            with self.unit_of_work() as uow:
                return fn(uow)

        return self._guarded(action, subtype, entity, run)

    def _writable(self, resource_type: str, id: str) -> None:
        """The current version must be one the caller may change (else the same 404 as a
        missing one); a clinician's emergency-summary view does not let them write."""
        v = policy.without_summary(self.visibility())
        if not self._store.visible(resource_type, id, v):
            raise ResourceNotFound(
                f"Không tìm thấy {resource_type}/{id} / {resource_type}/{id} not found"
            )
        if self.principal.role in (roles.RESIDENT, *policy.CLINICAL_ROLES):
            current = self._store.read(resource_type, id)
            source = (jsonx.loads(current.content).get("meta") or {}).get("source")
            if resource_type != "Patient" and source != self.principal.source:
                raise Forbidden(
                    f"Chỉ nơi tạo ra {resource_type}/{id} mới được sửa / "
                    f"Only the author of {resource_type}/{id} may change it"
                )

    def _check_result(self, result: WriteResult, resource: dict[str, Any] | None) -> WriteResult:
        """After the write, in its transaction: the record must be one the caller may
        write for; otherwise raising rolls the write back."""
        stored = result.stored
        if resource is not None:
            policy.check_care_links(self.principal, resource)
        if result.matched_existing:
            # A conditional create that found its match wrote nothing: a read.
            self._audit(READ, "read", patients=[stored.patient_id], entities=[stored.location])
            return result
        new_patient = stored.resource_type == "Patient" and result.created
        checked = self.principal.role != roles.OPERATOR and not new_patient
        if checked and stored.patient_id is not None:
            v = policy.write_reach(self.visibility())
            if not self._store.visible("Patient", stored.patient_id, v) and not (
                resource is not None and policy.care_links(resource)
            ):
                raise Forbidden(
                    "Không có quan hệ điều trị hay ủy quyền với người bệnh này / "
                    "No care relationship with, or authority over, this patient",
                    expression=[stored.resource_type],
                )
        self._audit(
            CREATE if result.created else UPDATE,
            "create" if result.created else "update",
            patients=[stored.patient_id],
            entities=[stored.location],
        )
        return result

    def create(self, resource: dict[str, Any], *, if_none_exist: str | None = None) -> WriteResult:
        _require_object(resource)
        rtype = str(resource.get("resourceType", "Resource"))

        def run(uow: Self) -> WriteResult:
            policy.authorize(self.principal, rtype, "c")
            stamped = policy.stamp(self.principal, resource)
            result = uow._store.create(stamped, if_none_exist=if_none_exist)
            return uow._check_result(result, stamped)

        return self._write(CREATE, "create", rtype, run)

    def update(
        self,
        resource_type: str,
        id: str,
        resource: dict[str, Any],
        *,
        if_match: int | None = None,
    ) -> WriteResult:
        _require_object(resource)

        def run(uow: Self) -> WriteResult:
            policy.authorize(self.principal, resource_type, "u")
            current = None
            if uow._store.visible(resource_type, id, None):
                uow._writable(resource_type, id)
                current = uow._store.read(resource_type, id)
            else:
                policy.authorize(self.principal, resource_type, "c")  # update as create
            stamped = policy.stamp(self.principal, resource, _source(current))
            result = uow._store.update(resource_type, id, stamped, if_match=if_match)
            return uow._check_result(result, stamped)

        return self._write(UPDATE, "update", f"{resource_type}/{id}", run)

    def conditional_update(
        self, resource_type: str, criteria: str, resource: dict[str, Any]
    ) -> WriteResult:
        _require_object(resource)

        def run(uow: Self) -> WriteResult:
            policy.authorize(self.principal, resource_type, "u")
            policy.authorize(self.principal, resource_type, "s")
            matches = uow.search(resource_type, [*_criteria(criteria), ("_count", "2")])
            for hit in matches.matches:
                uow._writable(resource_type, hit.id)
            stamped = policy.stamp(self.principal, resource)
            result = uow._store.conditional_update(resource_type, criteria, stamped)
            return uow._check_result(result, stamped)

        return self._write(UPDATE, "update", resource_type, run)

    def patch(
        self, resource_type: str, id: str, operations: list[Any], *, if_match: int | None = None
    ) -> WriteResult:
        def run(uow: Self) -> WriteResult:
            policy.authorize(self.principal, resource_type, "u")
            uow._writable(resource_type, id)
            if self.principal.role == roles.OPERATOR:
                result = uow._store.patch(resource_type, id, operations, if_match=if_match)
                return uow._check_result(result, None)
            # Patched as a whole new version so that labels and source are stamped on
            # the result, whatever the operations touched.
            current = uow._store.read(resource_type, id)
            try:
                patched = jsonpatch.apply_patch(jsonx.loads(current.content), operations)
            except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
                raise InvalidRequest(
                    f"JSON Patch không áp dụng được / JSON Patch failed: {exc}"
                ) from None
            stamped = policy.stamp(self.principal, patched, _source(current))
            version = if_match if if_match is not None else current.version
            result = uow._store.update(resource_type, id, stamped, if_match=version)
            return uow._check_result(result, stamped)

        return self._write(UPDATE, "patch", f"{resource_type}/{id}", run)

    def delete(self, resource_type: str, id: str) -> StoredResource | None:
        def run(uow: Self) -> StoredResource | None:
            policy.authorize(self.principal, resource_type, "d")
            if uow._store.visible(resource_type, id, None):
                uow._writable(resource_type, id)
            deleted = uow._store.delete(resource_type, id)
            if deleted is not None:
                uow._audit(
                    DELETE,
                    "delete",
                    patients=[deleted.patient_id],
                    entities=[f"{resource_type}/{id}"],
                )
            return deleted

        return self._write(DELETE, "delete", f"{resource_type}/{id}", run)

    # -- break-the-glass and "who accessed my record" -------------------------------


def _source(stored: StoredResource | None) -> str | None:
    if stored is None or stored.deleted:
        return None
    source = (jsonx.loads(stored.content).get("meta") or {}).get("source")
    return source if isinstance(source, str) else None


def _require_object(resource: Any) -> None:
    """The policy reads the body before the store validates it: refuse a non-object."""
    if not isinstance(resource, dict):
        raise InvalidRequest(
            "Nội dung phải là một tài nguyên FHIR (đối tượng JSON) / "
            "Body must be a FHIR resource (a JSON object)",
            expression=["resourceType"],
        )


def _criteria(criteria: str) -> list[tuple[str, str]]:
    return parse_qsl(criteria, keep_blank_values=True)
