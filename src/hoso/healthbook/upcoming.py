"""The health book's "Lịch hẹn sắp tới" (issue 21 point 5): the resident's booked
Appointments from now on, soonest first — when, where, which service, the queue number.

The Appointments are searched through the caller's repository (their own view,
audited, as every other section), and so are the names of the places (service, room,
facility: directory resources outside any patient's compartment, in every caller's
reach); a name the caller may not read is shown as its reference.
"""

from __future__ import annotations

from typing import Any

from hoso.booking.model import iso_instant
from hoso.booking.visits import Names, actor_of, visit_of
from hoso.core import clock, jsonx
from hoso.core.errors import FhirError
from hoso.fhir.repository import Repository

__all__ = ["TITLE", "upcoming_section"]

TITLE = ("Lịch hẹn sắp tới", "Upcoming visits")
EMPTY = {"vi": "Chưa có lịch hẹn nào", "en": "No visits booked"}
MAX_SHOWN = 20


def upcoming_section(repo: Repository, patient_id: str, lang: str,
                     now_us: int | None = None) -> dict[str, Any]:  # fmt: skip
    now = clock.now_us() if now_us is None else now_us
    page = repo.search("Appointment", [
        ("patient", f"Patient/{patient_id}"), ("status", "booked"),
        ("date", f"ge{iso_instant(now)}"), ("_sort", "date"),
        ("_count", str(MAX_SHOWN))])  # fmt: skip
    found = [jsonx.loads(hit.content) for hit in page.matches]
    names = _names(repo, found) if found else Names({}, {}, {}, {})
    items = [{"id": v.id, "start": v.start, "end": v.end, "queue": v.queue,
              "service": v.service, "room": v.room, "facility": v.facility}
             for v in (visit_of(a, names) for a in found)]  # fmt: skip
    section: dict[str, Any] = {"key": "upcoming", "title": TITLE[1 if lang == "en" else 0],
                               "count": len(items), "items": items}  # fmt: skip
    if not items:
        section["empty"] = EMPTY["en" if lang == "en" else "vi"]
    return section


def _read(repo: Repository, resource_type: str, id: str) -> dict[str, Any] | None:
    try:
        return jsonx.loads(repo.read(resource_type, id).content)
    except FhirError:  # not readable by this caller, or gone: the reference is shown
        return None


def _names(repo: Repository, appointments: list[dict[str, Any]]) -> Names:
    out = Names({}, {}, {}, {})
    for sid in sorted({s for a in appointments if (s := actor_of(a, "HealthcareService"))}):
        service = _read(repo, "HealthcareService", sid)
        if service is None:
            continue
        out.services[sid] = str(service.get("name") or sid)
        org = ((service.get("providedBy") or {}).get("reference") or "").split("/")[-1]
        named = _read(repo, "Organization", org) if org else None
        if named:
            out.facility_of_service[sid] = str(named.get("name") or org)
    for rid in sorted({r for a in appointments if (r := actor_of(a, "Location"))}):
        room = _read(repo, "Location", rid)
        if room:
            out.rooms[rid] = str(room.get("name") or rid)
    return out
