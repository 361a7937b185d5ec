"""Care relationships a resource records: which facility saw, will see or was asked
to see a patient, and when. The policy opens a clinician's view of a resident's whole
record only through one of these at the clinician's facility.

A facility is named by a reference to its Organization (Encounter.serviceProvider,
EpisodeOfCare.managingOrganization, ServiceRequest.performer) or, for an Appointment,
whose R4 participants cannot be Organizations, by the facility that booked it
(`meta.source`, stamped by the access layer on every write).

A link is *self-claimed* when the facility's own software or staff wrote it (the
resource's `meta.source` is a facility): the resident was at its counter, as far as
anyone else knows. Such a link opens the record only once its period has begun (a day's
grace for clocks), is shown to the resident, and is watched (`hoso.access.care_claims`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hoso.core.errors import InvalidRequest
from hoso.fhir.dates import date_range
from hoso.fhir.index_values import DATE_MAX

FACILITY_SOURCE_PREFIX = "urn:hoso:facility:"
CARE_TYPES = frozenset({"Encounter", "EpisodeOfCare", "Appointment", "ServiceRequest"})
_OPEN_STATUSES = {"planned", "arrived", "triaged", "in-progress", "onleave", "active", "booked"}


@dataclass(frozen=True, slots=True)
class CareLink:
    facility_ref: str
    kind: str
    low: int
    high: int
    self_claimed: bool = False


def facility_source(code: str) -> str:
    """The `meta.source` URN the access layer stamps on what a facility writes."""
    return f"{FACILITY_SOURCE_PREFIX}{code}"


def _org(reference: Any) -> str | None:
    ref = reference.get("reference") if isinstance(reference, dict) else None
    return ref if isinstance(ref, str) and ref.startswith("Organization/") else None


def _span(resource: dict[str, Any], start: str | None, end: str | None) -> tuple[int, int] | None:
    try:
        low = date_range(start)[0] if start else None
        high = date_range(end)[1] if end else None
    except (InvalidRequest, ValueError):
        return None
    if low is None and high is None:
        return None
    if high is None:
        high = DATE_MAX if resource.get("status") in _OPEN_STATUSES else date_range(start)[1]
    return (low if low is not None else high, high)


def care_links(resource: dict[str, Any]) -> list[CareLink]:
    kind = resource.get("resourceType")
    if kind not in CARE_TYPES:
        return []
    facilities: list[str] = []
    period: dict[str, Any] = {}
    if kind == "Encounter":
        facilities = [r for r in [_org(resource.get("serviceProvider"))] if r]
        period = resource.get("period") or {}
    elif kind == "EpisodeOfCare":
        facilities = [r for r in [_org(resource.get("managingOrganization"))] if r]
        period = resource.get("period") or {}
    elif kind == "ServiceRequest":
        facilities = [r for r in map(_org, resource.get("performer") or []) if r]
        when = resource.get("occurrenceDateTime") or resource.get("authoredOn")
        period = resource.get("occurrencePeriod") or {"start": when, "end": when}
    elif kind == "Appointment":
        source = (resource.get("meta") or {}).get("source")
        if isinstance(source, str) and source.startswith(FACILITY_SOURCE_PREFIX):
            facilities = [source]
        period = {"start": resource.get("start"), "end": resource.get("end")}
    span = _span(resource, period.get("start"), period.get("end"))
    if span is None or not facilities or resource.get("status") in ("entered-in-error",):
        return []
    source = (resource.get("meta") or {}).get("source")
    claimed = isinstance(source, str) and source.startswith(FACILITY_SOURCE_PREFIX)
    return [CareLink(f, kind, span[0], span[1], claimed) for f in dict.fromkeys(facilities)]


def linked_patient(resource: dict[str, Any]) -> str | None:
    """The Patient id a care resource links to its facility (None if it names none)."""
    kind = resource.get("resourceType")
    refs: list[Any] = []
    if kind in ("Encounter", "ServiceRequest"):
        refs = [resource.get("subject")]
    elif kind == "EpisodeOfCare":
        refs = [resource.get("patient")]
    elif kind == "Appointment":
        refs = [p.get("actor") for p in resource.get("participant") or [] if isinstance(p, dict)]
    for ref in refs:
        text = ref.get("reference") if isinstance(ref, dict) else None
        if isinstance(text, str) and text.startswith("Patient/") and text.count("/") == 1:
            return text.split("/", 1)[1]
    return None
