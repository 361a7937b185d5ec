"""A booked visit as a person reads it (issue 21 point 5): the portal, the call-centre
screen, the mobile API and the health book show the same few facts of an Appointment —
when, where (facility, room), which service, the queue number — and of a `$find`
option. The names of places are public directory data (Organization, HealthcareService,
Location), read once per request with the booking door's server reach (a resident's
token may not search Organizations; these names are on every hospital's signboard).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from hoso.booking.appointment import QUEUE_SYSTEM
from hoso.booking.model import HOLD_EXPIRES, Option, extension_value, iso_instant

__all__ = ["Names", "Visit", "actor_of", "names_for", "option_view", "place_names", "visit_of"]


class Door(Protocol):
    def transaction(self, operation: str, entity: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class Names:
    facilities: dict[str, str]  # facility code → Organization name
    services: dict[str, str]  # HealthcareService id → name
    rooms: dict[str, str]  # Location id → name
    facility_of_service: dict[str, str]  # HealthcareService id → its facility's name


@dataclass(frozen=True, slots=True)
class Visit:
    id: str
    status: str
    start: str
    end: str
    queue: str | None
    service: str
    room: str
    facility: str
    slot: str | None
    reason: str | None  # a cancelled visit's
    service_type: str | None  # the code, to offer other times of the same service
    hold_expires: str | None  # a held (pending) visit's

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def actor_of(appointment: dict[str, Any], kind: str) -> str | None:
    for p in appointment.get("participant") or []:
        ref = ((p or {}).get("actor") or {}).get("reference") or ""
        if ref.startswith(f"{kind}/"):
            return ref.split("/", 1)[1]
    return None


def visit_of(appointment: dict[str, Any], names: Names) -> Visit:
    service, room = actor_of(appointment, "HealthcareService"), actor_of(appointment, "Location")
    queue = next((i.get("value") for i in appointment.get("identifier") or []
                  if i.get("system") == QUEUE_SYSTEM), None)  # fmt: skip
    slot = ((appointment.get("slot") or [{}])[0].get("reference") or "").removeprefix("Slot/")
    return Visit(
        id=str(appointment["id"]), status=str(appointment.get("status")),
        start=str(appointment.get("start") or ""), end=str(appointment.get("end") or ""),
        queue=queue, service=names.services.get(service or "", service or "—"),
        room=names.rooms.get(room or "", room or "—"),
        facility=names.facility_of_service.get(service or "", "—"), slot=slot or None,
        reason=(appointment.get("cancelationReason") or {}).get("text"),
        service_type=next((c.get("code") for t in appointment.get("serviceType") or []
                           for c in t.get("coding") or []), None),
        hold_expires=extension_value(appointment, HOLD_EXPIRES))  # fmt: skip


def option_view(option: Option, names: Names) -> dict[str, Any]:
    return {"slot": option.slot_id, "facilityCode": option.facility,
            "facility": names.facilities.get(option.facility, option.facility),
            "serviceType": option.service_type,
            "service": names.services.get(option.service, option.service),
            "room": names.rooms.get(option.service_point, option.service_point),
            "start": iso_instant(option.start_us), "end": iso_instant(option.end_us),
            "free": option.free, "distanceKm": option.distance_km}  # fmt: skip


def place_names(door: Door, facility_system: str, *, services: Iterable[str] = (),
                rooms: Iterable[str] = (), facilities: Iterable[str] = ()) -> Names:  # fmt: skip
    """The names of these places (absent ones are left out: the caller shows the id)."""
    out = Names({}, {}, {}, {})
    with door.transaction("names", "HealthcareService") as tx:
        for sid in sorted(set(services)):
            found = tx.read("HealthcareService", sid)
            if found:
                out.services[sid] = str(found.get("name") or sid)
                org = ((found.get("providedBy") or {}).get("reference") or "").split("/")[-1]
                named = tx.read("Organization", org) if org else None
                if named:
                    out.facility_of_service[sid] = str(named.get("name") or org)
        for rid in sorted(set(rooms)):
            found = tx.read("Location", rid)
            if found:
                out.rooms[rid] = str(found.get("name") or rid)
        for code in sorted(set(facilities)):
            hits = tx.search("Organization", [("identifier", f"{facility_system}|{code}"),
                                              ("_count", "1")])  # fmt: skip
            if hits:
                out.facilities[code] = str(hits[0].get("name") or code)
    return out


def names_for(door: Door, facility_system: str, appointments: Iterable[dict[str, Any]] = (),
              options: Iterable[Option] = ()) -> Names:  # fmt: skip
    """The names every visit and option here needs."""
    appointments, options = list(appointments), list(options)
    services = {actor_of(a, "HealthcareService") or "" for a in appointments} | \
        {o.service for o in options}  # fmt: skip
    rooms = {actor_of(a, "Location") or "" for a in appointments} | \
        {o.service_point for o in options}  # fmt: skip
    return place_names(door, facility_system, services=services - {""}, rooms=rooms - {""},
                       facilities={o.facility for o in options})  # fmt: skip
