"""The booking vocabulary in FHIR R4: the extensions and codes a Slot, a Schedule and an
Appointment carry here, and how a booked Appointment is written.

- `Slot.extension[capacity]` (valueUnsignedInt): how many residents one slot takes — a
  Vietnamese outpatient session books N patients per time window, which R4's Slot
  (one `status` for the whole window) cannot say.
- `Schedule.extension[slot-template]`: the slot length (minutes) and capacity the
  generator cuts the HealthcareService's opening hours into.
- `Appointment.extension[channel]` (web | app | call-centre | counter), `[booked-by]`
  (who acted: the resident, an agent), `[queue-number]`, `[hold-expires]`, `[overbook]`,
  `[booking-facility]` (valueCode: the facility's code, mã cơ sở KCB).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from hoso.core.clock import VN_TZ

__all__ = [
    "BOOKED_BY",
    "CAPACITY",
    "CHANNEL",
    "CHANNELS",
    "FACILITY",
    "HOLD_EXPIRES",
    "OVERBOOK",
    "QUEUE_NUMBER",
    "SERVICE_TYPE",
    "SLOT_TEMPLATE",
    "Option",
    "day_of",
    "iso_instant",
    "local_day_bounds",
]

BASE = "https://hoso.vn/fhir/StructureDefinition/"
CAPACITY = BASE + "slot-capacity"
SLOT_TEMPLATE = BASE + "schedule-slot-template"
CHANNEL = BASE + "booking-channel"
BOOKED_BY = BASE + "booking-agent"
QUEUE_NUMBER = BASE + "queue-number"
HOLD_EXPIRES = BASE + "hold-expires"
OVERBOOK = BASE + "overbook"
# The facility (mã cơ sở KCB) the booking is at: R4's participant cannot be an
# Organization, and the warehouse's no-show rate by facility needs it on the Appointment.
FACILITY = BASE + "booking-facility"
REFERRAL_REQUIRED = BASE + "referral-required"
# The catalogue's code system (hoso.booking.catalogue.CODE_SYSTEM).
SERVICE_TYPE = "https://fhir.hoso.hochiminhcity.gov.vn/CodeSystem/booking-service"
CHANNEL_SYSTEM = "https://hoso.vn/fhir/CodeSystem/booking-channel"
CHANNELS = {"web": "Cổng đặt lịch (web)", "app": "Ứng dụng di động",
            "call-centre": "Tổng đài", "counter": "Quầy tiếp đón"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Option:
    """One bookable option `$find` found: a Slot with free seats, where and when."""

    slot_id: str
    schedule_id: str
    facility: str
    service: str
    service_type: str
    service_point: str
    ward: str | None
    start_us: int
    end_us: int
    free: int
    distance_km: float | None


def iso_instant(us: int) -> str:
    """A FHIR instant in Vietnam's offset (+07:00), as residents read it."""
    return datetime.fromtimestamp(us / 1_000_000, UTC).astimezone(VN_TZ).isoformat(
        timespec="seconds")  # fmt: skip


def day_of(us: int) -> str:
    """The local (Asia/Ho_Chi_Minh) day of an instant, ISO."""
    return datetime.fromtimestamp(us / 1_000_000, UTC).astimezone(VN_TZ).date().isoformat()


def local_day_bounds(day: date) -> tuple[int, int]:
    """[00:00, 24:00) of `day` in Ho Chi Minh City, in µs."""
    start = datetime(day.year, day.month, day.day, tzinfo=VN_TZ)
    return int(start.timestamp() * 1_000_000), int(start.timestamp() * 1_000_000) + 86_400_000_000


def extension_value(resource: dict[str, Any], url: str) -> Any:
    for ext in resource.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == url:
            for key, value in ext.items():
                if key.startswith("value"):
                    return value
    return None
