"""Writes through the access layer: each one checks that the caller may write this
record for this patient, stamps it with its author, and commits with its audit entry in
one transaction; anything the policy refuses rolls the write back.

What a caller may not see does not exist for its writes either: a reference to it, a
conditional match on it, a DELETE or PUT of it answer exactly as for nothing at all
(docs/security.md, "Existence"). A create the MPI matches to a resident the caller may
not read names the resident's id and nothing more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Self, TypeVar
from urllib.parse import parse_qsl

from hoso.access import care_claims, policy
from hoso.access import claims as roles
from hoso.access.audit import audit_row
from hoso.access.audit_record import CREATE, DELETE, EXECUTE, READ, UPDATE
from hoso.access.guard import AccessGuard
from hoso.core import clock, jsonx
from hoso.core.errors import Forbidden, InvalidRequest, ResourceNotFound
from hoso.fhir.conditional import resolve_conditional_references
from hoso.fhir.outcomes import check_version, not_found, unresolved_references
from hoso.fhir.patch import Patch
from hoso.fhir.repository import StoredResource, WriteResult, iter_references
from hoso.fhir.visibility import Visibility

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
                session.reference_visibility = self._reference_view()
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
        except care_claims.CareClaimThrottled as exc:
            # The write rolled back; the anomaly is flagged all the same.
            with self._store.unit_of_work() as session:
                care_claims.report(exc.anomaly, session.flag_anomaly(exc.anomaly))
            raise
        finally:
            for failure in inner._failures if inner is not None else ():
                self._record(failure)

    def _reference_view(self) -> Visibility | None:
        """Where written references must resolve: the caller's reach, whatever its
        scopes (a lab system with only Observation scopes still names the Patient)."""
        if self.principal.role == roles.OPERATOR:
            return None
        return replace(self.visibility(), types=None)

    def _write(self, action: str, subtype: str, entity: str, fn: Callable[[Self], T]
               ) -> T:  # fmt: skip
        def run() -> T:
            with self.unit_of_work() as uow:
                return fn(uow)

        return self._guarded(action, subtype, entity, run)

    def _seen(self, resource_type: str, id: str) -> bool:
        """Whether a live current version exists and the caller may see it."""
        return self._store.visible(resource_type, id, self._reference_view(), live=True)

    def _writable(self, resource_type: str, id: str) -> None:
        """The current version must be one the caller may change (else the same 404 as a
        missing one); a clinician's emergency-summary view does not let them write."""
        v = policy.without_summary(self.visibility())
        if not self._store.visible(resource_type, id, v):
            raise _not_found(resource_type, id)
        if self.principal.role in (roles.RESIDENT, *policy.CLINICAL_ROLES):
            current = self._store.read(resource_type, id)
            source = (jsonx.loads(current.content).get("meta") or {}).get("source")
            if resource_type != "Patient" and source != self.principal.source:
                raise Forbidden(
                    f"Chỉ nơi tạo ra {resource_type}/{id} mới được sửa / "
                    f"Only the author of {resource_type}/{id} may change it"
                )

    def _prepared(self, resource: dict[str, Any], current: StoredResource | None = None
                  ) -> dict[str, Any]:  # fmt: skip
        """What the caller's body becomes before the store sees it: conditional
        references resolved in the caller's view, then stamped with its author."""
        resolved = resolve_conditional_references(self, resource)
        return policy.stamp(self.principal, resolved, _source(current))

    def _claimed(self, resource: dict[str, Any]) -> str | None:
        """The resident this write opens by claiming care, if it is one the caller
        cannot reach yet (checked before the write)."""
        patient = care_claims.claimed_patient(self.principal, resource)
        if patient is None:
            return None
        reach = policy.write_reach(self.visibility())
        return None if self._store.visible("Patient", patient, reach) else patient

    def _check_result(
        self, result: WriteResult, resource: dict[str, Any] | None, claimed: str | None = None
    ) -> WriteResult:
        """After the write, in its transaction: the record must be one the caller may
        write for; otherwise raising rolls the write back."""
        stored = result.stored
        if resource is not None:
            policy.check_care_links(self.principal, resource)
        if result.matched_existing:
            return self._matched(result)
        new_patient = stored.resource_type == "Patient" and result.created
        checked = self.principal.role != roles.OPERATOR and not new_patient
        if checked and stored.patient_id is not None:
            v = policy.write_reach(self.visibility())
            # A care link at the caller's own facility is how a facility claims care.
            claims = resource is not None and policy.care_links(resource)
            if not self._store.visible("Patient", stored.patient_id, v) and not claims:
                self._refuse_patient(stored.patient_id, resource)
        if claimed is not None and claimed == stored.patient_id:
            self._claim_care(claimed, stored)
        self._audit(
            CREATE if result.created else UPDATE,
            "create" if result.created else "update",
            patients=[stored.patient_id],
            entities=[stored.location],
        )
        return result

    def _matched(self, result: WriteResult) -> WriteResult:
        """A conditional create (or the MPI) found an existing record and wrote nothing:
        a read, which gives back only what the caller could read anyway."""
        stored = result.stored
        readable = self._store.visible(stored.resource_type, stored.id, self.visibility())
        shown = result if readable else result.withhold()
        self._audit(READ, "read", patients=[stored.patient_id], entities=[stored.location],
                    description=None if readable else "matched; content withheld")  # fmt: skip
        return shown

    def _refuse_patient(self, patient_id: str, resource: dict[str, Any] | None) -> None:
        """No care relationship with the resident: to a caller who cannot even see them,
        the same answer as a reference to nobody."""
        if self._seen("Patient", patient_id):
            raise Forbidden(
                "Không có quan hệ điều trị hay ủy quyền với người bệnh này / "
                "No care relationship with, or authority over, this patient",
                expression=[str((resource or {}).get("resourceType", "Resource"))],
            )
        target = f"Patient/{patient_id}"
        rtype = str((resource or {}).get("resourceType", ""))
        paths = [p for p, ref in iter_references(resource or {}, rtype) if ref == target]
        raise unresolved_references([(paths[0] if paths else rtype, target)])

    def _claim_care(self, patient_id: str, stored: StoredResource) -> None:
        """The caller opened a resident's record by recording care itself: counted by
        the watch (which may slow it), flagged when unusual, shown to the resident."""
        watch = care_claims.ClaimWatch.from_settings(self._settings)
        anomaly = watch.opening(self._store, self.principal)
        if anomaly is not None:
            care_claims.report(anomaly, self._store.flag_anomaly(anomaly))
        now = clock.now_us()
        note = care_claims.opening_note(self._facility_name(), self.principal.facility, now)
        self._pending.append(audit_row(self._entry(
            EXECUTE, "care-claim", patients=(patient_id,), entities=(stored.location,),
            description=note)))  # fmt: skip

    def _facility_name(self) -> str | None:
        for org in self.principal.facility_orgs:
            try:
                name = jsonx.loads(self._store.read(*org.split("/", 1)).content).get("name")
            except (ResourceNotFound, ValueError):
                continue
            if isinstance(name, str):
                return name
        return None

    # -- the interactions --------------------------------------------------------------
    def create(
        self, resource: dict[str, Any], *, if_none_exist: str | None = None, id: str | None = None
    ) -> WriteResult:
        _require_object(resource)
        rtype = str(resource.get("resourceType", "Resource"))

        def run(uow: Self) -> WriteResult:
            policy.authorize(self.principal, rtype, "c")
            stamped = uow._prepared(resource)
            claimed = uow._claimed(stamped)
            result = uow._store.create(stamped, if_none_exist=if_none_exist, id=id,
                                       match_visibility=uow._reference_view())  # fmt: skip
            return uow._check_result(result, stamped, claimed)

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
            if uow._seen(resource_type, id):
                uow._writable(resource_type, id)
                current = uow._store.read(resource_type, id)
            elif self.principal.role == roles.OPERATOR:
                policy.authorize(self.principal, resource_type, "c")  # update as create
            else:
                # Whether the id is free or a record the caller cannot see: one answer.
                raise _not_found(resource_type, id, update=True)
            stamped = uow._prepared(resource, current)
            claimed = uow._claimed(stamped)
            result = uow._store.update(resource_type, id, stamped, if_match=if_match)
            return uow._check_result(result, stamped, claimed)

        return self._write(UPDATE, "update", f"{resource_type}/{id}", run)

    def conditional_update(
        self, resource_type: str, criteria: str, resource: dict[str, Any]
    ) -> WriteResult:
        _require_object(resource)

        def run(uow: Self) -> WriteResult:
            policy.authorize(self.principal, resource_type, "u")
            policy.authorize(self.principal, resource_type, "s")
            view = uow._reference_view()
            matches = uow.search(resource_type, [*_criteria(criteria), ("_count", "2")])
            for hit in matches.matches:
                uow._writable(resource_type, hit.id)
            stamped = uow._prepared(resource)
            claimed = uow._claimed(stamped)
            result = uow._store.conditional_update(
                resource_type, criteria, stamped, match_visibility=view,
                client_id_allowed=self.principal.role == roles.OPERATOR)  # fmt: skip
            return uow._check_result(result, stamped, claimed)

        return self._write(UPDATE, "update", resource_type, run)

    def patch(
        self, resource_type: str, id: str, patch: Patch, *, if_match: int | None = None
    ) -> WriteResult:
        def run(uow: Self) -> WriteResult:
            policy.authorize(self.principal, resource_type, "u")
            uow._writable(resource_type, id)
            current = uow._store.read(resource_type, id)
            check_version(resource_type, id, current.version, if_match)  # before patching
            patched = patch.apply(jsonx.loads(current.content))
            _require_object(patched)
            # Stamped as a whole new version, whatever the operations touched.
            stamped = uow._prepared(patched, current)
            result = uow._store.update(
                resource_type, id, stamped, if_match=current.version, method="PATCH"
            )
            return uow._check_result(result, stamped)

        return self._write(UPDATE, "patch", f"{resource_type}/{id}", run)

    def delete(self, resource_type: str, id: str) -> StoredResource | None:
        def run(uow: Self) -> StoredResource | None:
            policy.authorize(self.principal, resource_type, "d")
            if not uow._seen(resource_type, id):
                return None  # absent, deleted or hidden: nothing to delete, one answer
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


def _not_found(resource_type: str, id: str, *, update: bool = False) -> ResourceNotFound:
    if not update:
        return not_found(resource_type, id)
    return ResourceNotFound(
        f"Không tìm thấy {resource_type}/{id}; tạo mới bằng PUT chỉ dành cho quản trị máy "
        f"chủ, hãy dùng POST / {resource_type}/{id} not found; create by PUT is for the "
        "server's operator only, use POST"
    )


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
