"""The booking bench's reduced catalogue: the same functions as `hoso.booking.catalogue`
(`offered_at`, `healthcare_service`) with 1–3 services per facility and 30–60 minute
slots, so that 14 days of the whole city publish in minutes (about 90,000 Slots).
The full catalogue (`data/services.json`: up to 7 services per facility, 15-minute
slots, clinics open 10 hours) gives about 2 million Slots for 14 days of 999 facilities,
which `publish_slots` at the measured rate would take hours to write (docs/performance.md).

The offer, hours and templates here are the bench's own (HOUSE), not a claim about
what facilities offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hoso.booking.model import SERVICE_TYPE

__all__ = ["BenchService", "healthcare_service", "offered_at", "opening_hours", "services"]

WORKDAYS = ["mon", "tue", "wed", "thu", "fri"]


@dataclass(frozen=True, slots=True)
class BenchService:
    """The fields of `hoso.booking.catalogue.ServiceKind` the setup reads."""

    code: str
    name_vi: str
    slot_minutes: int
    patients_per_slot: int


# kind -> Vietnamese display name (codes in SERVICE_TYPE)
_SERVICES = {
    "kham-noi": "Khám Nội tổng quát",
    "kham-nhi": "Khám Nhi",
    "kham-san": "Khám Sản phụ khoa",
    "kham-truyen-nhiem": "Khám Truyền nhiễm",
    "tiem-chung": "Tiêm chủng",
}

# (level, speciality) -> kinds offered; speciality "general" is the fallback of a level
_OFFERED = {
    ("station", "general"): ("kham-noi", "tiem-chung"),
    ("clinic", "general"): ("kham-noi",),
    ("clinic", "children"): ("kham-nhi",),
    ("area", "general"): ("kham-noi", "kham-nhi", "kham-san"),
    ("city", "general"): ("kham-noi", "kham-san"),
    ("city", "children"): ("kham-nhi", "tiem-chung"),
    ("city", "obstetric"): ("kham-san",),
    ("city", "tropical"): ("kham-truyen-nhiem", "kham-noi"),
}


def _window(days: list[str], start: str, end: str) -> dict[str, Any]:
    return {"daysOfWeek": days, "availableStartTime": start, "availableEndTime": end}


_HOURS = {
    "station": [_window(WORKDAYS, "07:00:00", "11:00:00"),
                _window(WORKDAYS, "13:30:00", "16:30:00")],
    "clinic": [_window([*WORKDAYS, "sat"], "17:00:00", "20:00:00"),
               _window(["sat", "sun"], "07:00:00", "11:00:00")],
    "hospital": [_window(WORKDAYS, "07:00:00", "11:30:00"),
                 _window(WORKDAYS, "13:00:00", "16:30:00"),
                 _window(["sat"], "07:00:00", "11:30:00")],
}  # fmt: skip


# (minutes, residents) of a slot by level: a hospital's outpatient room about 10 residents
# per half hour, a station's one doctor about 6 an hour
_TEMPLATE = {"city": (30, 10), "area": (30, 8), "station": (60, 6), "clinic": (60, 4)}


def services() -> dict[str, str]:
    """Every kind of bookable service: code → Vietnamese name."""
    return dict(_SERVICES)


def offered_at(level: str, speciality: str) -> tuple[BenchService, ...]:
    """The kinds a facility of `level` (city | area | station | clinic) and `speciality`
    (general | children | obstetric | tropical) offers for booking."""
    codes = _OFFERED.get((level, speciality)) or _OFFERED.get((level, "general"), ())
    minutes, residents = _TEMPLATE[level]
    return tuple(BenchService(code, _SERVICES[code], *((30, 10) if code == "tiem-chung"
                                                        else (minutes, residents)))
                 for code in codes)  # fmt: skip


def opening_hours(level: str) -> list[dict[str, Any]]:
    """HealthcareService.availableTime of a facility of `level`."""
    return [dict(w) for w in _HOURS["hospital" if level in ("city", "area") else level]]


def healthcare_service(kind: BenchService, org_ref: str, loc_ref: str, *, level: str
                       ) -> dict[str, Any]:  # fmt: skip
    """A HealthcareService of `kind` provided by `org_ref` in the room `loc_ref`, open
    the level's hours (no id: the caller's)."""
    return {
        "resourceType": "HealthcareService", "active": True, "name": kind.name_vi,
        "providedBy": {"reference": org_ref},
        "type": [{"coding": [{"system": SERVICE_TYPE, "code": kind.code,
                              "display": kind.name_vi}]}],
        "location": [{"reference": loc_ref}], "availableTime": opening_hours(level),
    }  # fmt: skip
