"""The health book's "Lịch hẹn sắp tới" (issue 21 point 5): the resident's booked
Appointments from now on, soonest first — when, where, which service, the queue number.

The Appointments are searched through the caller's repository (their own view,
audited, as every other section). The names of the places (facility, room, service)
are public directory data a resident's view does not hold; they are read with the
booking door's server reach (`hoso.booking.visits.names_for`) when the caller has one,
else the references are shown.
"""

from __future__ import annotations

from typing import Any

from hoso.booking.model import iso_instant
from hoso.booking.visits import Names, names_for, visit_of
from hoso.core import clock, jsonx
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


def _names(repo: Repository, appointments: list[dict[str, Any]]) -> Names:
    from hoso.access.booking import BookingAccess  # the access layer's door, when there is one
    from hoso.access.repository import AccessRepository

    if not isinstance(repo, AccessRepository):
        return Names({}, {}, {}, {})
    return names_for(BookingAccess(repo), repo.settings.facility_system, appointments)
