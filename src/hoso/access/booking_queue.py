"""What the waiting-room display of a room reads, with no caller (issue 21 point 3):
the day's queue numbers of ONE room, their kind and state — never the resident, the
Appointment or when anyone booked.

Why public (HOUSE reading): the display hangs in the waiting room and every hospital in
the city shows the same numbers on a paper board or an LED screen. A queue number with
no name, no patient id and no booking time does not identify a person to someone
looking at it, so it is not personal data under Decree 13/2023/NĐ-CP Art. 2(1)
("thông tin … gắn liền với một con người cụ thể hoặc giúp xác định một con người cụ
thể"); a TV in a waiting room cannot log in, and a login it kept would sit on a screen
anyone can reach. So this reads only the columns the display shows, through its own
read-only unit of work, and is not audited (nothing of a resident is read), like the
public licence verification (`hoso.access.warehouse_licences.public_registry`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from hoso.core.errors import FhirError
from hoso.fhir.store import Store

__all__ = ["PublicRoom", "PublicTicket", "public_queue", "public_room"]


@dataclass(frozen=True, slots=True)
class PublicTicket:
    """One number on the board: nothing that names whose it is."""

    number: int
    kind: str  # booked | walk-in (the calling rule needs it)
    state: str
    called_us: int | None


def public_queue(store: Store, service_point: str, day: str) -> list[PublicTicket]:
    """The numbers of `service_point` (a room's Location id) on `day`, by number."""
    with store.unit_of_work(write=False) as session:
        rows = session.booking.queue(service_point[:64], day)
    return [PublicTicket(r.number, r.kind, r.state, r.called_us) for r in rows]


@dataclass(frozen=True, slots=True)
class PublicRoom:
    """What the display shows of a room: the sign on its door and its calling ratio."""

    name: str | None
    extensions: tuple[dict[str, Any], ...]  # the Location's own (its calling rule)


def public_room(store: Store, location_id: str) -> PublicRoom:
    """The room's name ("Phòng khám 1") and its Location's extensions (the calling
    rule); nothing else of the Location is read. An absent room: no name, no rule."""
    with store.unit_of_work(write=False) as session:
        try:
            location = orjson.loads(session.read("Location", location_id[:64]).content)
        except FhirError:  # absent or deleted: the display shows the id
            return PublicRoom(None, ())
    name = location.get("name")
    extensions = tuple(e for e in location.get("extension") or [] if isinstance(e, dict))
    return PublicRoom(name[:80] if isinstance(name, str) else None, extensions)
