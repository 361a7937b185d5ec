"""The one policy decision: which interactions a caller may attempt, which records they
see (a `Visibility` the store enforces in SQL) and what they may write.

- resident: their own record and their children's, sensitive parts included; writes
  Consent, Observation, Task, QuestionnaireResponse there.
- clinician: the whole record of a patient in care at their facility (or under a
  break-the-glass grant), otherwise the emergency summary; sensitive categories only
  as their author, by Consent or by break-the-glass; writes for patients in their care.
- facility system: its facility's patients and what it wrote; writes stamped with it.
- public-health officer: everything de-identified, except the persons of the cases
  linked to them and their contacts (the case link); writes nothing but a new Patient
  (a traced contact not yet on file).
- data steward: demographics of everyone; writes demographics.
- call-centre agent: demographics of everyone (to find a caller); writes nothing itself
  (it books through the booking service, `hoso.access.booking`).
- data-protection officer: residents' requests (Task) and Consents, no records.
- administrator: no records.
- operator: everything (scripts on the server's machine), audited like anyone.
- share link: the one resident's record it was made for, read only; sensitive
  categories only when the resident included them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hoso.access import claims as roles
from hoso.access.principal import Principal
from hoso.access.scopes import ScopeSet
from hoso.core.errors import Forbidden
from hoso.fhir.care_links import care_links
from hoso.fhir.security_labels import SENSITIVE, resource_labels, with_inferred_labels
from hoso.fhir.visibility import Visibility

EMERGENCY_SUMMARY = frozenset(
    {
        "Patient",
        "AllergyIntolerance",
        "Condition",
        "MedicationStatement",
        "MedicationRequest",
        "Immunization",
    }
)
DEMOGRAPHIC_TYPES = frozenset(
    {
        "Patient",
        "RelatedPerson",
        "Person",
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "Location",
        "HealthcareService",
        "Endpoint",
    }
)
RESIDENT_WRITABLE = frozenset({"Consent", "Observation", "Task", "QuestionnaireResponse"})
# The data-protection officer handles residents' requests (Task) and consents, not records.
DPO_TYPES = frozenset({"Task", "Consent"})
CLINICAL_ROLES = (roles.CLINICIAN, roles.FACILITY_SYSTEM)
# Whose reach is every record: the operator, and a peer record system, which sends the
# records of every facility of its province (within the scopes it was registered for,
# never the server-written types). Both keep the `meta.source` they send.
FULL_REACH = (roles.OPERATOR, roles.RECORD_SYSTEM)
# The audit trail and provenance are the server's account of what happened.
SERVER_WRITTEN = frozenset({"AuditEvent", "Provenance"})
_DAY_US = 86_400 * 1_000_000
# A facility's clock may run ahead of ours: its claimed care opens a day before it began.
CLAIM_GRACE_US = _DAY_US


def denied(role: str, what: str) -> Forbidden:
    return Forbidden(f"Vai trò '{role}' không được phép {what} / Role '{role}' may not {what}")


def authorize(principal: Principal, resource_type: str, permission: str) -> None:
    """Refuse an interaction the scopes or the role never allow, before any data is read."""
    principal.scopes.require(resource_type, permission)
    role = principal.role
    writing = permission in "cud"
    if writing and resource_type in SERVER_WRITTEN and role != roles.OPERATOR:
        raise denied(role, f"ghi {resource_type} (do máy chủ ghi) / write {resource_type} "
                     "(the server writes them)")  # fmt: skip
    if role == roles.ADMIN or (role == roles.DPO and resource_type not in DPO_TYPES):
        raise denied(role, f"truy cập hồ sơ {resource_type} / access {resource_type} records")
    if role == roles.DPO and permission in "cd":
        raise denied(role, f"tạo hay xoá {resource_type} / create or delete {resource_type}")
    # An officer writes no record, with one exception: registering a contact who has no
    # record yet creates their Patient (through the MPI, which attaches it to the resident
    # on file when there is one) — issue 18 point 5. Never an update or a delete.
    if writing and role == roles.OFFICER and (resource_type, permission) != ("Patient", "c"):
        raise denied(role, f"ghi {resource_type} / write {resource_type}")
    if role in (roles.STEWARD, roles.CALL_CENTRE) and resource_type not in DEMOGRAPHIC_TYPES:
        raise denied(role, f"truy cập {resource_type} / access {resource_type}")
    # A call-centre agent finds callers and books through the booking service only.
    if writing and role == roles.CALL_CENTRE:
        raise denied(role, f"ghi {resource_type} / write {resource_type}")
    if writing and role == roles.SHARE_LINK:
        raise denied(role, f"ghi {resource_type} / write {resource_type}")
    if writing and role == roles.RESIDENT and resource_type not in RESIDENT_WRITABLE:
        raise denied(role, f"ghi {resource_type} / write {resource_type}")
    if role == roles.RESIDENT and permission == "d" and resource_type == "Consent":
        # A Consent is withdrawn (status inactive), never erased: the consent log keeps it.
        raise denied(role, "xoá Consent, hãy thu hồi / delete a Consent; withdraw it instead")


def visibility_for(
    principal: Principal,
    *,
    now_us: int,
    care_window_days: int,
    break_glass: frozenset[str] = frozenset(),
    permission: str = "r",
) -> Visibility:
    types = principal.scopes.types(permission)
    role = principal.role
    if role == roles.RESIDENT:
        return Visibility(
            patients=principal.patients,
            label_exempt_patients=principal.patients,
            authored_source=principal.source,
            types=types,
            now_us=now_us,
        )
    if role == roles.SHARE_LINK:
        return _shared_view(principal, types, now_us)
    if principal.patient_context_only:
        # An app launched for one patient: the holder's own view, narrowed to that
        # record (never widened to it), and not to what the holder wrote elsewhere.
        own = visibility_for(
            replace(principal, scopes=ScopeSet(())),
            now_us=now_us,
            care_window_days=care_window_days,
            break_glass=break_glass,
        )
        return replace(
            own, authored_source=None, types=types, within_patients=principal.patients
        )
    if role in FULL_REACH:
        return Visibility(unrestricted=True, types=types)
    if role in CLINICAL_ROLES:
        keys = principal.facility_keys
        clinician = role == roles.CLINICIAN
        return Visibility(
            patients=break_glass if clinician else frozenset(),
            care_facilities=keys,
            care_since_us=now_us - care_window_days * _DAY_US,
            claim_begun_us=now_us + CLAIM_GRACE_US,
            summary_types=EMERGENCY_SUMMARY if clinician else frozenset(),
            authored_source=principal.source,
            consent_actors=keys,
            hidden_labels=SENSITIVE,
            label_exempt_patients=break_glass,
            types=types,
            now_us=now_us,
        )
    if role == roles.OFFICER:
        return Visibility(all_patients=True, hidden_labels=SENSITIVE, types=types, now_us=now_us)
    if role in (roles.STEWARD, roles.DPO, roles.CALL_CENTRE):
        own = DPO_TYPES if role == roles.DPO else DEMOGRAPHIC_TYPES
        allowed = own if types is None else types & own
        return Visibility(all_patients=True, hidden_labels=SENSITIVE, types=allowed, now_us=now_us)
    return Visibility(nothing=True)


def _shared_view(principal: Principal, types: frozenset[str] | None, now_us: int
                 ) -> Visibility:  # fmt: skip
    """A share link's: the resident's record and nothing else, its sensitive categories
    hidden unless the resident included them (no Consent widens it: it names no actor)."""
    shown = principal.shows_sensitive
    return Visibility(
        patients=principal.patients,
        within_patients=principal.patients,
        hidden_labels=frozenset() if shown else SENSITIVE,
        label_exempt_patients=principal.patients if shown else frozenset(),
        types=types,
        now_us=now_us,
    )


def without_summary(v: Visibility) -> Visibility:
    """The whole-record part of a clinician's view: what changing a record needs."""
    return replace(v, summary_types=frozenset())


def write_reach(v: Visibility) -> Visibility:
    """Whose records the caller may add to, applied to the Patient resource: having
    written something for a patient is no authority over them (else anyone could
    write into any record), and labels are about the record, not the person."""
    return replace(
        v, summary_types=frozenset(), authored_source=None, types=None, hidden_labels=frozenset()
    )


def stamp(
    principal: Principal, resource: dict[str, Any], current_source: str | None = None
) -> dict[str, Any]:
    """What the caller writes, as stored: labelled for its sensitive codes and, unless
    an operator loads it, marked with the writer as `meta.source`, whatever it said. A
    role that writes for no one (DPO, steward) keeps the current author."""
    resource = with_inferred_labels(resource)
    source = principal.source or current_source
    if not isinstance(resource.get("meta") or {}, dict):
        return resource  # validation refuses it with the element path `meta`
    if principal.role not in FULL_REACH:
        meta = {k: v for k, v in (resource.get("meta") or {}).items() if k != "source"}
        if source:
            meta["source"] = source
        resource = (
            {**resource, "meta": meta}
            if meta
            else {k: v for k, v in resource.items() if k != "meta"}
        )
    return resource


def check_care_links(principal: Principal, resource: dict[str, Any]) -> None:
    """A facility may open care relationships only at itself: an Encounter naming another
    facility as provider would otherwise hand that facility's view to the writer."""
    if principal.role in FULL_REACH:
        return
    keys = set(principal.facility_keys)
    for link in care_links(resource):
        if link.facility_ref not in keys:
            raise Forbidden(
                f"Không thể ghi nhận quan hệ điều trị tại cơ sở khác ({link.facility_ref}) / "
                f"Cannot record a care relationship at another facility ({link.facility_ref})",
                expression=[resource.get("resourceType", "Resource")],
            )


def version_hidden(
    principal: Principal, v: Visibility, content: dict[str, Any], patient_id: str | None
) -> bool:
    """An old version's own labels (the index only knows the current version's)."""
    if v.unrestricted or patient_id in v.label_exempt_patients:
        return False
    labels = resource_labels(content) & v.hidden_labels
    if not labels:
        return False
    source = (content.get("meta") or {}).get("source")
    return source != principal.source
