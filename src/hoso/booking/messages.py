"""What a booking message says (issue 21 point 5): a reminder of a booked visit and the
offer of a freed seat to a waiting resident — Vietnamese first, then English, times in
Ho Chi Minh City's clock (HH:MM dd/mm/yyyy), within the outbox's 480 characters.

The places are named as the resident knows them: the room (Location.name), the
facility (the room's managing Organization.name) and the service
(HealthcareService.name), read once per batch through the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hoso.booking.appointment import queue_label
from hoso.booking.model import QUEUE_NUMBER, extension_value
from hoso.booking.sender import BODY_LIMIT
from hoso.core.clock import VN_TZ

__all__ = ["PlaceNames", "Visit", "instant_us", "local_clock", "offer_body", "phone_of",
           "reminder_body", "visit_of"]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Visit:
    """An Appointment as its messages need it."""

    appointment_id: str
    patient_id: str
    start_us: int
    service: str | None  # HealthcareService id
    room: str | None  # Location id
    queue_number: int | None


def instant_us(text: str) -> int:
    """A FHIR instant (with its offset) in µs since the epoch."""
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1_000_000)


def visit_of(appointment: dict[str, Any]) -> Visit | None:
    """The visit an Appointment describes; None when it names no resident or start."""
    refs = [((p or {}).get("actor") or {}).get("reference") or ""
            for p in appointment.get("participant") or []]  # fmt: skip
    by_type = {ref.split("/", 1)[0]: ref.split("/", 1)[1] for ref in refs if "/" in ref}
    if "Patient" not in by_type or not isinstance(appointment.get("start"), str):
        return None
    try:
        start = instant_us(appointment["start"])
    except ValueError:  # not an instant: nothing to remind of (and no batch stuck on it)
        return None
    number = extension_value(appointment, QUEUE_NUMBER)
    return Visit(appointment["id"], by_type["Patient"], start,
                 by_type.get("HealthcareService"), by_type.get("Location"),
                 number if isinstance(number, int) else None)  # fmt: skip


def phone_of(patient: dict[str, Any] | None) -> str | None:
    """The Patient's phone number: a mobile one first, else the first phone."""
    phones = [t for t in (patient or {}).get("telecom") or []
              if isinstance(t, dict) and t.get("system") == "phone" and t.get("value")
              and t.get("use") != "old"]  # fmt: skip
    phones.sort(key=lambda t: 0 if t.get("use") == "mobile" else 1)
    return str(phones[0]["value"])[:32] if phones else None


def local_clock(us: int) -> tuple[str, str]:
    """(HH:MM, dd/mm/yyyy) of an instant in Ho Chi Minh City."""
    moment = datetime.fromtimestamp(us / 1_000_000, UTC).astimezone(VN_TZ)
    return moment.strftime("%H:%M"), moment.strftime("%d/%m/%Y")


@dataclass
class PlaceNames:
    """Names of services, rooms and facilities, read by `read(type, id)` once each."""

    read: Callable[[str, str], dict[str, Any] | None]
    _seen: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def name(self, resource_type: str, id: str | None) -> str | None:
        if not id:
            return None
        key = (resource_type, id)
        if key not in self._seen:
            found = self.read(resource_type, id) or {}
            self._seen[key] = found.get("name") if isinstance(found.get("name"), str) else None
            if resource_type == "Location":  # remember the room's facility with it
                org = (found.get("managingOrganization") or {}).get("reference") or ""
                self._seen[("Facility", id)] = self.name("Organization", org.partition("/")[2])
        return self._seen[key]

    def place(self, room: str | None) -> str:
        """What is known of the room: "Phòng khám 1, Bệnh viện X"."""
        parts = [self.name("Location", room), self._seen.get(("Facility", room or ""))]
        return ", ".join(p for p in parts if p)[:160]


def _fit(vietnamese: str, english: str) -> str:
    """Both languages when they fit the outbox's limit; Vietnamese alone otherwise."""
    both = f"{vietnamese} / {english}"
    return both if len(both) <= BODY_LIMIT else vietnamese[:BODY_LIMIT]


def reminder_body(visit: Visit, names: PlaceNames) -> str:
    hour, day = local_clock(visit.start_us)
    named = names.name("HealthcareService", visit.service)
    service, service_en = named or "khám bệnh", named or "your visit"
    place = names.place(visit.room)
    where_vi = f" tại {place}" if place else ""
    where_en = f", {place}" if place else ""
    number = queue_label(visit.queue_number) if visit.queue_number is not None else None
    vi = f"Hồ Sơ nhắc lịch hẹn: {service} lúc {hour} ngày {day}{where_vi}."
    en = f"Reminder: {service_en} at {hour} on {day}{where_en}."
    if number:
        vi += f" Số thứ tự của bạn: {number}."
        en += f" Your queue number: {number}."
    vi += " Mang theo CCCD và thẻ BHYT."
    return _fit(vi, en + " Bring your ID and health insurance card.")


def offer_body(visit: Visit, names: PlaceNames, expires_us: int) -> str:
    hour, day = local_clock(visit.start_us)
    until, _ = local_clock(expires_us)
    named = names.name("HealthcareService", visit.service)
    service, service_en = named or "khám bệnh", named or "a visit"
    place = names.place(visit.room)
    where_vi = f" tại {place}" if place else ""
    where_en = f", {place}" if place else ""
    vi = (f"Hồ Sơ: có chỗ trống {service} lúc {hour} ngày {day}{where_vi}. Chỗ được giữ cho "
          f"bạn đến {until}; xác nhận trên cổng đặt lịch hoặc gọi tổng đài "
          f"(mã {visit.appointment_id[:8]}).")  # fmt: skip
    en = (f"A seat is free: {service_en} at {hour} on {day}{where_en}, held for you until "
          f"{until}; confirm on the booking portal or call the centre.")  # fmt: skip
    return _fit(vi, en)
