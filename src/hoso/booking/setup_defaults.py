"""A small built-in stand-in for the booking catalogue (`hoso.booking.catalogue`, written
in parallel by another helper): the same four functions — `services()`,
`offered_at(level, speciality)`, `opening_hours(level)`, `healthcare_service(kind,
org_ref, loc_ref)` — so `hoso.booking.setup` swaps to the real catalogue by changing one
import when both are merged.

Everything here is HOUSE (no official list of which facility offers what was found):
ward health stations examine and vaccinate (Thông tư 43/2013/TT-BYT lists the station's
technical scope only in general terms); hospitals open their outpatient departments
Monday to Saturday morning, private clinics also in the evening.
"""

from __future__ import annotations

from typing import Any

from hoso.booking.model import SERVICE_TYPE

__all__ = ["healthcare_service", "offered_at", "opening_hours", "services"]

WORKDAYS = ["mon", "tue", "wed", "thu", "fri"]

# kind -> Vietnamese display name (HOUSE codes in SERVICE_TYPE)
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


def services() -> dict[str, str]:
    """Every kind of bookable service: code → Vietnamese name."""
    return dict(_SERVICES)


def offered_at(level: str, speciality: str) -> tuple[str, ...]:
    """The kinds a facility of `level` (city | area | station | clinic) and `speciality`
    (general | children | obstetric | tropical) offers for booking."""
    return _OFFERED.get((level, speciality)) or _OFFERED.get((level, "general"), ())


def opening_hours(level: str) -> list[dict[str, Any]]:
    """HealthcareService.availableTime of a facility of `level`."""
    return [dict(w) for w in _HOURS["hospital" if level in ("city", "area") else level]]


def healthcare_service(kind: str, org_ref: str, loc_ref: str) -> dict[str, Any]:
    """A HealthcareService of `kind` provided by `org_ref` in the room `loc_ref` (no id,
    no opening hours: the caller gives both)."""
    return {
        "resourceType": "HealthcareService", "active": True, "name": _SERVICES[kind],
        "providedBy": {"reference": org_ref},
        "type": [{"coding": [{"system": SERVICE_TYPE, "code": kind,
                              "display": _SERVICES[kind]}]}],
        "location": [{"reference": loc_ref}],
    }  # fmt: skip
