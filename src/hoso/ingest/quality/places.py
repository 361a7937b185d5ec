"""Where a finding counts on the scorecard: the record's facility and the resident's ward.

Facility: the facility that wrote the record (`meta.source`, which the access layer
stamps on every facility write, `hoso.fhir.care_links.facility_source`), else the
organisation the record itself names (Patient.managingOrganization,
Encounter.serviceProvider), else the resident's own facility (the ward health station
that manages their record). It is reported by its mã CSKCB when the Organization has
one, else as the Organization reference. Ward: the NSO code of the resident's home
address, resolved by `hoso.identity.addresses`.
"""

from __future__ import annotations

from typing import Any

from hoso.fhir.care_links import FACILITY_SOURCE_PREFIX
from hoso.identity.addresses import normalise_address

__all__ = ["facility_of", "home_ward", "organization_code"]

_OWN_ORGANIZATION = ("managingOrganization", "serviceProvider")
MAX_FACILITY = 64  # quality_score.facility; also what the scorecard filter accepts


def _fit(facility: str) -> str:
    """A facility key the scorecard can store and be asked for: "Organization/<id>"
    of a 52–64 character id becomes the id alone (a FHIR id has at most 64)."""
    if len(facility) <= MAX_FACILITY:
        return facility
    return facility.removeprefix("Organization/")[:MAX_FACILITY]


def organization_code(organization: dict[str, Any], facility_system: str) -> str | None:
    """The mã CSKCB (facility code) of an Organization, if it has one."""
    for ident in organization.get("identifier") or []:
        if isinstance(ident, dict) and ident.get("system") == facility_system:
            value = ident.get("value")
            if isinstance(value, str) and value:
                return value
    return None


def facility_of(
    resource: dict[str, Any], codes: dict[str, str], resident_facility: str | None
) -> str:
    """The facility code a record counts for ("" when nothing names one)."""
    source = (resource.get("meta") or {}).get("source")
    if isinstance(source, str) and source.startswith(FACILITY_SOURCE_PREFIX):
        return _fit(source.removeprefix(FACILITY_SOURCE_PREFIX))
    for key in _OWN_ORGANIZATION:
        value = resource.get(key)
        ref = value.get("reference") if isinstance(value, dict) else None
        if isinstance(ref, str) and ref.startswith("Organization/"):
            return _fit(codes.get(ref, ref))
    return resident_facility or ""


def home_ward(patient: dict[str, Any]) -> str:
    """NSO code of the ward of the Patient's home address ("" when unresolved)."""
    addresses = [a for a in patient.get("address") or [] if isinstance(a, dict)]
    if not addresses:
        return ""
    home = next((a for a in addresses if a.get("use") == "home"), addresses[0])
    return normalise_address(home).ward_code or ""
