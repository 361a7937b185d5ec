"""Publishing a facility's Slots (`hoso booking slots --facility F --from --to`): every
Schedule of the facility's HealthcareServices is cut into Slots by its template
(`hoso.booking.slots`), each Slot written as a FHIR resource and projected with its seats
(`bk_slot`, `bk_seat`) in the same transaction — per Schedule, so a failure leaves whole
Schedules published or not. Publishing a window again adds only what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from hoso.booking.model import day_of
from hoso.booking.slots import generate_slots
from hoso.core import clock
from hoso.core.errors import InvalidRequest, ResourceNotFound

__all__ = ["PublishReport", "SlotRow", "publish_slots"]

MAX_DAYS = 92


@dataclass(frozen=True, slots=True)
class SlotRow:
    """A `bk_slot` row (`hoso.store.booking_seats.SlotRow`'s fields)."""

    slot_id: str
    schedule_id: str
    facility: str
    service: str
    service_type: str
    service_point: str
    ward: str | None
    day: str
    start_us: int
    end_us: int
    capacity: int


@dataclass
class PublishReport:
    facility: str
    schedules: int = 0
    created: int = 0
    known: int = 0
    skipped: list[str] = field(default_factory=list)  # why a Schedule gave nothing

    def to_json(self) -> dict[str, Any]:
        return {"facility": self.facility, "schedules": self.schedules,
                "slots_created": self.created, "slots_known": self.known,
                "skipped": self.skipped}  # fmt: skip


class Door(Protocol):
    def require_staff(self, facility: str, what: str) -> None: ...
    def transaction(self, operation: str, entity: str) -> Any: ...


WardOf = Callable[[dict[str, Any]], str | None]


def publish_slots(door: Door, facility_system: str, facility: str, first: date, last: date,
                  closed: Callable[[date], bool], ward_of: WardOf) -> PublishReport:  # fmt: skip
    """Publish `facility`'s Slots from `first` to `last` (local days, inclusive)."""
    if not 0 <= (last - first).days < MAX_DAYS:
        raise InvalidRequest(f"Khoảng ngày phải từ 1 đến {MAX_DAYS} ngày / The range must be "
                             f"1 to {MAX_DAYS} days", expression=["to"])  # fmt: skip
    door.require_staff(facility, f"mở lịch cơ sở {facility[:16]} / publish slots")
    report = PublishReport(facility)
    with door.transaction("slots-read", f"facility:{facility}") as tx:
        found = tx.search("Organization", [("identifier", f"{facility_system}|{facility}")])
        org = found[0] if found else None
        if org is None:
            raise ResourceNotFound(f"Không tìm thấy cơ sở {facility[:16]} / facility not found")
        services = tx.search("HealthcareService", [("organization", f"Organization/{org['id']}"),
                                                    ("_count", "200")])  # fmt: skip
        ward = ward_of(org)
    for service in services:
        with door.transaction("slots-read", f"HealthcareService/{service['id']}") as tx:
            schedules = tx.search("Schedule", [("actor", f"HealthcareService/{service['id']}"),
                                               ("active", "true"), ("_count", "200")])  # fmt: skip
        for schedule in schedules:
            _publish_schedule(door, report, facility, ward, service, schedule, first, last,
                              closed)  # fmt: skip
    return report


def _publish_schedule(door: Door, report: PublishReport, facility: str, ward: str | None,
                      service: dict[str, Any], schedule: dict[str, Any], first: date,
                      last: date, closed: Callable[[date], bool]) -> None:  # fmt: skip
    report.schedules += 1
    refs = [str((a or {}).get("reference", "")) for a in schedule.get("actor") or []]
    point = next((r.split("/", 1)[1] for r in refs if r.startswith("Location/")), None)
    codes = [c.get("code") for t in service.get("type") or [] for c in t.get("coding") or []]
    if point is None or not codes:
        report.skipped.append(f"Schedule/{schedule['id']}: thiếu phòng (Location) hoặc loại "
                              "dịch vụ / no room or service type")  # fmt: skip
        return
    try:
        slots = generate_slots(schedule, service, first, last, closed)
    except ValueError as exc:
        report.skipped.append(str(exc))
        return
    now = clock.now_us()
    rows = [SlotRow(s.id, schedule["id"], facility, service["id"], str(codes[0]), point, ward,
                    day_of(_us(s.start)), _us(s.start), _us(s.end), s.capacity)
            for s in slots]  # fmt: skip
    with door.transaction("slots", f"Schedule/{schedule['id']}") as tx:
        added = set(tx.tables.add_slots(rows, now))
        for s in slots:
            if s.id in added:
                tx.create(s.resource, s.id)
        span = f"{first.isoformat()}…{last.isoformat()}"
        tx.audit("slots", patients=(), entities=(f"Schedule/{schedule['id']}",),
                 description=f"{len(added)} khung giờ {span}")  # fmt: skip
    report.created += len(added)
    report.known += len(slots) - len(added)


def _us(moment: Any) -> int:
    return int(moment.timestamp()) * 1_000_000  # slots start on whole minutes
