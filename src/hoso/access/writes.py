"""Writes through the access layer: each one checks that the caller may write this
record for this patient, stamps it with its author, and commits with its audit entry in
one transaction; anything the policy refuses rolls the write back.

What a caller may not see does not exist for its writes either: a reference to it, a
conditional match on it, a DELETE or PUT of it answer exactly as for nothing at all
(docs/security.md §5.6). A create the MPI matches to a resident the caller may not read
names the resident's id and nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl

from hoso.access import care_claims, policy
from hoso.access import claims as roles
from hoso.access.audit_record import CREATE, DELETE, EXECUTE, READ, UPDATE
from hoso.core import clock, jsonx
from hoso.core.errors import Forbidden, InvalidRequest, ResourceNotFound
from hoso.fhir.conditional import resolve_conditional_references
from hoso.fhir.outcomes import check_version, not_found, unresolved_references
from hoso.fhir.patch import Patch
from hoso.fhir.repository import StoredResource, WriteResult, iter_references
from hoso.fhir.store import Session

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["conditional_update", "create", "delete", "patch", "update"]

T = TypeVar("T")


def _in_unit(repo: AccessRepository, action: str, subtype: str, entity: str,
             fn: Callable[[AccessRepository, Session], T]) -> T:  # fmt: skip
    """Run `fn(uow, session)` in one unit of work, audited as refused if it raises."""

    def run() -> T:
        with repo.unit_of_work() as uow, uow.session(write=True) as session:
            return fn(uow, session)

    return repo.guarded(action, subtype, entity, run)


def create(repo: AccessRepository, resource: dict[str, Any], *,
           if_none_exist: str | None = None, id: str | None = None) -> WriteResult:  # fmt: skip
    _require_object(resource)
    rtype = str(resource.get("resourceType", "Resource"))

    def run(uow: AccessRepository, s: Session) -> WriteResult:
        uow.decider.authorize(rtype, "c")
        stamped = _prepared(uow, resource)
        claimed = _claimed(uow, s, stamped)
        result = s.create(stamped, if_none_exist=if_none_exist, id=id,
                          match_visibility=uow.decider.reference_view())  # fmt: skip
        return _checked(uow, s, result, stamped, claimed)

    return _in_unit(repo, CREATE, "create", rtype, run)


def update(repo: AccessRepository, resource_type: str, id: str, resource: dict[str, Any], *,
           if_match: int | None = None) -> WriteResult:  # fmt: skip
    _require_object(resource)

    def run(uow: AccessRepository, s: Session) -> WriteResult:
        uow.decider.authorize(resource_type, "u")
        current = None
        if _seen(uow, s, resource_type, id):
            _writable(uow, s, resource_type, id)
            current = s.read(resource_type, id)
        elif uow.principal.role in policy.FULL_REACH:
            uow.decider.authorize(resource_type, "c")  # update as create
        else:
            # Whether the id is free or a record the caller cannot see: one answer.
            raise _not_found_for_update(resource_type, id)
        stamped = _prepared(uow, resource, current)
        claimed = _claimed(uow, s, stamped)
        result = s.update(resource_type, id, stamped, if_match=if_match)
        return _checked(uow, s, result, stamped, claimed)

    return _in_unit(repo, UPDATE, "update", f"{resource_type}/{id}", run)


def conditional_update(repo: AccessRepository, resource_type: str, criteria: str,
                       resource: dict[str, Any]) -> WriteResult:  # fmt: skip
    _require_object(resource)

    def run(uow: AccessRepository, s: Session) -> WriteResult:
        uow.decider.authorize(resource_type, "u")
        uow.decider.authorize(resource_type, "s")
        # Two matches are enough to refuse; the count the search would add is not needed
        # (one statement per conditional update, as the store's own match leaves it out).
        matches = uow.search(resource_type, [*parse_qsl(criteria, keep_blank_values=True),
                                             ("_count", "2"), ("_total", "none")])  # fmt: skip
        for hit in matches.matches:
            _writable(uow, s, resource_type, hit.id)
        stamped = _prepared(uow, resource)
        claimed = _claimed(uow, s, stamped)
        result = s.conditional_update(
            resource_type, criteria, stamped, match_visibility=uow.decider.reference_view(),
            client_id_allowed=uow.principal.role in policy.FULL_REACH)  # fmt: skip
        return _checked(uow, s, result, stamped, claimed)

    return _in_unit(repo, UPDATE, "update", resource_type, run)


def patch(repo: AccessRepository, resource_type: str, id: str, patch: Patch, *,
          if_match: int | None = None) -> WriteResult:  # fmt: skip
    def run(uow: AccessRepository, s: Session) -> WriteResult:
        uow.decider.authorize(resource_type, "u")
        _writable(uow, s, resource_type, id)
        current = s.read(resource_type, id)
        check_version(resource_type, id, current.version, if_match)  # before patching
        patched = patch.apply(jsonx.loads(current.content))
        _require_object(patched)
        # Stamped as a whole new version, whatever the operations touched.
        stamped = _prepared(uow, patched, current)
        result = s.update(resource_type, id, stamped, if_match=current.version, method="PATCH")
        return _checked(uow, s, result, stamped)

    return _in_unit(repo, UPDATE, "patch", f"{resource_type}/{id}", run)


def delete(repo: AccessRepository, resource_type: str, id: str) -> StoredResource | None:
    def run(uow: AccessRepository, s: Session) -> StoredResource | None:
        uow.decider.authorize(resource_type, "d")
        if not _seen(uow, s, resource_type, id):
            return None  # absent, deleted or hidden: nothing to delete, one answer
        _writable(uow, s, resource_type, id)
        deleted = s.delete(resource_type, id)
        if deleted is not None:
            uow.audit(DELETE, "delete", patients=[deleted.patient_id],
                      entities=[f"{resource_type}/{id}"])  # fmt: skip
        return deleted

    return _in_unit(repo, DELETE, "delete", f"{resource_type}/{id}", run)


# -- the checks every write shares ----------------------------------------------------------
def _seen(repo: AccessRepository, s: Session, resource_type: str, id: str) -> bool:
    """Whether a live current version exists and the caller may see it."""
    return s.visible(resource_type, id, repo.decider.reference_view(), live=True)


def _writable(repo: AccessRepository, s: Session, resource_type: str, id: str) -> None:
    """The current version must be one the caller may change (else the same 404 as a
    missing one); a clinician's emergency-summary view does not let them write."""
    if not s.visible(resource_type, id, repo.decider.whole_record_view()):
        raise not_found(resource_type, id)
    principal = repo.principal
    if principal.role in (roles.RESIDENT, *policy.CLINICAL_ROLES) and resource_type != "Patient":
        source = (jsonx.loads(s.read(resource_type, id).content).get("meta") or {}).get("source")
        if source != principal.source:
            raise Forbidden(
                f"Chỉ nơi tạo ra {resource_type}/{id} mới được sửa / "
                f"Only the author of {resource_type}/{id} may change it"
            )


def _prepared(repo: AccessRepository, resource: dict[str, Any],
              current: StoredResource | None = None) -> dict[str, Any]:  # fmt: skip
    """What the caller's body becomes before the store sees it: conditional references
    resolved in the caller's view, then stamped with its author."""
    resolved = resolve_conditional_references(repo, resource)
    return repo.decider.stamp(resolved, _source(current))


def _claimed(repo: AccessRepository, s: Session, resource: dict[str, Any]) -> str | None:
    """The resident this write opens by claiming care, if it is one the caller cannot
    reach yet (checked before the write)."""
    patient = care_claims.claimed_patient(repo.principal, resource)
    if patient is None or s.visible("Patient", patient, repo.decider.write_reach()):
        return None
    return patient


def _checked(repo: AccessRepository, s: Session, result: WriteResult,
             resource: dict[str, Any], claimed: str | None = None) -> WriteResult:  # fmt: skip
    """After the write, in its transaction: the record must be one the caller may write
    for; otherwise raising rolls the write back."""
    stored = result.stored
    repo.decider.check_care_links(resource)
    if result.matched_existing:
        return _matched(repo, s, result)
    new_patient = stored.resource_type == "Patient" and result.created
    if not repo.decider.writes_for_anyone and not new_patient and stored.patient_id is not None:
        # A care link at the caller's own facility is how a facility claims care.
        claims = bool(policy.care_links(resource))
        if not s.visible("Patient", stored.patient_id, repo.decider.write_reach()) and not claims:
            _refuse_patient(repo, s, stored.patient_id, resource)
    if claimed is not None and claimed == stored.patient_id:
        _claim_care(repo, s, claimed, stored)
    repo.audit(CREATE if result.created else UPDATE, "create" if result.created else "update",
               patients=[stored.patient_id], entities=[stored.location])  # fmt: skip
    return result


def _matched(repo: AccessRepository, s: Session, result: WriteResult) -> WriteResult:
    """A conditional create (or the MPI) found an existing record and wrote nothing:
    a read, which gives back only what the caller could read anyway."""
    stored = result.stored
    readable = s.visible(stored.resource_type, stored.id, repo.decider.visibility())
    repo.audit(READ, "read", patients=[stored.patient_id], entities=[stored.location],
               description=None if readable else "matched; content withheld")  # fmt: skip
    return result if readable else result.withhold()


def _refuse_patient(repo: AccessRepository, s: Session, patient_id: str,
                    resource: dict[str, Any]) -> None:  # fmt: skip
    """No care relationship with the resident: to a caller who cannot even see them,
    the same answer as a reference to nobody."""
    if _seen(repo, s, "Patient", patient_id):
        raise Forbidden(
            "Không có quan hệ điều trị hay ủy quyền với người bệnh này / "
            "No care relationship with, or authority over, this patient",
            expression=[str(resource.get("resourceType", "Resource"))],
        )
    target, rtype = f"Patient/{patient_id}", str(resource.get("resourceType", ""))
    paths = [p for p, ref in iter_references(resource, rtype) if ref == target]
    raise unresolved_references([(paths[0] if paths else rtype, target)])


def _claim_care(repo: AccessRepository, s: Session, patient_id: str,
                stored: StoredResource) -> None:  # fmt: skip
    """The caller opened a resident's record by recording care itself: counted by the
    watch (which may slow it), flagged when unusual, shown to the resident."""
    watch = care_claims.ClaimWatch.from_settings(repo.settings)
    anomaly = watch.opening(s.access, repo.principal)
    if anomaly is not None:
        care_claims.report(anomaly, s.access.flag_anomaly(anomaly))
    note = care_claims.opening_note(_facility_name(repo, s), repo.principal.facility,
                                    clock.now_us())  # fmt: skip
    repo.audit(EXECUTE, "care-claim", patients=(patient_id,), entities=(stored.location,),
               description=note)


def _facility_name(repo: AccessRepository, s: Session) -> str | None:
    for org in repo.principal.facility_orgs:
        try:
            name = jsonx.loads(s.read(*org.split("/", 1)).content).get("name")
        except (ResourceNotFound, ValueError):
            continue
        if isinstance(name, str):
            return name
    return None


def _not_found_for_update(resource_type: str, id: str) -> ResourceNotFound:
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
