"""Slots from templates (`hoso booking slots --facility F --from --to`).

A Schedule (one per bookable actor: a doctor, a clinic room, a vaccination session, an
eye-screening team) names its HealthcareService and its room (a Location); its
`slot-template` extension gives the slot length and capacity. The HealthcareService's
`availableTime` gives the opening hours by weekday and its `notAvailable` the closures;
public holidays come from the caller's `closed(day)` (the holiday calendar,
`hoso.booking.calendar`), so this module stays a pure function of its inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from hoso.booking.model import CAPACITY, SLOT_TEMPLATE, extension_value
from hoso.core.clock import VN_TZ

__all__ = ["GeneratedSlot", "SlotTemplate", "generate_slots", "slot_template"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class SlotTemplate:
    minutes: int
    capacity: int


@dataclass(frozen=True, slots=True)
class GeneratedSlot:
    id: str
    start: datetime
    end: datetime
    capacity: int
    resource: dict[str, Any]


def slot_template(schedule: dict[str, Any]) -> SlotTemplate:
    """The Schedule's template; ValueError when it has none or a senseless one."""
    ext = next((e for e in schedule.get("extension") or []
                if isinstance(e, dict) and e.get("url") == SLOT_TEMPLATE), None)  # fmt: skip
    parts = {p.get("url"): p.get("valueUnsignedInt", p.get("valuePositiveInt"))
             for p in (ext or {}).get("extension") or [] if isinstance(p, dict)}  # fmt: skip
    minutes, capacity = parts.get("minutes"), parts.get("capacity")
    if not isinstance(minutes, int) or not isinstance(capacity, int) or not (
            5 <= minutes <= 480 and 1 <= capacity <= 500):  # fmt: skip
        raise ValueError(f"Schedule/{schedule.get('id')}: slot-template (minutes 5–480, "
                         "capacity 1–500) missing or out of range")  # fmt: skip
    return SlotTemplate(minutes, capacity)


def template_extension(minutes: int, capacity: int) -> dict[str, Any]:
    return {"url": SLOT_TEMPLATE, "extension": [
        {"url": "minutes", "valueUnsignedInt": minutes},
        {"url": "capacity", "valueUnsignedInt": capacity}]}  # fmt: skip


def _sessions(service: dict[str, Any], weekday: int) -> Iterator[tuple[time, time]]:
    for window in service.get("availableTime") or []:
        if WEEKDAYS[weekday] not in (window.get("daysOfWeek") or []):
            continue
        if window.get("allDay"):
            yield time(0, 0), time(23, 59)
            continue
        start, end = window.get("availableStartTime"), window.get("availableEndTime")
        if isinstance(start, str) and isinstance(end, str):
            yield time.fromisoformat(start), time.fromisoformat(end)


def _unavailable(service: dict[str, Any]) -> list[tuple[datetime, datetime]]:
    spans = []
    for closure in service.get("notAvailable") or []:
        during = closure.get("during") or {}
        if during.get("start"):
            start = datetime.fromisoformat(during["start"])
            end = datetime.fromisoformat(during["end"]) if during.get("end") else datetime.max
            spans.append((_aware(start), _aware(end)))
    return spans


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)


def generate_slots(schedule: dict[str, Any], service: dict[str, Any], first: date, last: date,
                   closed: Callable[[date], bool]) -> list[GeneratedSlot]:  # fmt: skip
    """The Slots of `schedule` from `first` to `last` (inclusive), in local time; a day
    `closed` says is a holiday, and any time in the service's `notAvailable`, has none.
    Ids are `<schedule id>-<yyyymmddHHMM>`: generating a day again gives the same ids."""
    template = slot_template(schedule)
    closures = _unavailable(service)
    step = timedelta(minutes=template.minutes)
    slots = []
    day = first
    while day <= last:
        if not closed(day):
            for open_at, close_at in _sessions(service, day.weekday()):
                start = datetime.combine(day, open_at, VN_TZ)
                close = datetime.combine(day, close_at, VN_TZ)
                while start + step <= close:
                    end = start + step
                    if not any(a < end and start < b for a, b in closures):
                        slots.append(_slot(schedule, service, start, end, template))
                    start = end
        day += timedelta(days=1)
    return slots


def _slot(schedule: dict[str, Any], service: dict[str, Any], start: datetime, end: datetime,
          template: SlotTemplate) -> GeneratedSlot:  # fmt: skip
    slot_id = f"{schedule['id']}-{start.strftime('%Y%m%d%H%M')}"
    resource: dict[str, Any] = {
        "resourceType": "Slot", "id": slot_id,
        "schedule": {"reference": f"Schedule/{schedule['id']}"},
        "status": "free", "start": start.isoformat(timespec="seconds"),
        "end": end.isoformat(timespec="seconds"),
        "extension": [{"url": CAPACITY, "valueUnsignedInt": template.capacity}],
    }  # fmt: skip
    for key in ("serviceType", "specialty"):
        source = service.get("type") if key == "serviceType" else service.get("specialty")
        if source:
            resource[key] = source
    return GeneratedSlot(slot_id, start, end, template.capacity, resource)


def capacity_of(slot: dict[str, Any]) -> int:
    value = extension_value(slot, CAPACITY)
    return value if isinstance(value, int) and value > 0 else 1
