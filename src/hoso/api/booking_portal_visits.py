"""What the portal's and the call-centre's pages show, gathered through the booking
service (issue 21 point 5): the services open in the next fortnight, a service's options
day by day, the upcoming visits and one visit. Run on the thread pool by the pages."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from hoso.booking.find import FindQuery
from hoso.booking.model import local_day_bounds
from hoso.booking.service import BookingRules, BookingService
from hoso.booking.visits import Visit, names_for, option_view, visit_of
from hoso.core import clock
from hoso.core.clock import VN_TZ
from hoso.core.errors import InvalidRequest, ResourceNotFound

__all__ = ["day_options", "one_day", "service_choices", "upcoming_visits", "visit_page", "weekday"]

DAYS_SHOWN = 5  # HOUSE: a phone screen of choices; later days by calling or next week
SERVICES_AHEAD = 14
DAY_HOURS = (6, 21)  # HOUSE: outpatient sessions run within 06:00–21:00
_HOUR = 3_600_000_000
STEP_MINUTES = 15  # HOUSE: the shortest slot templates in use are 15 minutes
_STEP = STEP_MINUTES * 60_000_000


def service_choices(service: BookingService, patient_id: str, with_services: bool = True
                    ) -> tuple[list[dict[str, Any]], list[Visit]]:  # fmt: skip
    """The services with a free seat in the next fortnight (one per code, with its
    soonest time) and the resident's upcoming visits."""
    services: dict[str, dict[str, Any]] = {}
    if with_services:
        first, _ = local_day_bounds(clock.today_vn())
        found = service.find(FindQuery(first, first + SERVICES_AHEAD * 86_400_000_000,
                                       patient_id=patient_id, count=100))  # fmt: skip
        names = names_for(service.door, _facility_system(service), options=found)
        for option in sorted(found, key=lambda o: o.start_us):
            view = option_view(option, names)
            services.setdefault(option.service_type, {"code": option.service_type,
                                                      "name": view["service"],
                                                      "soonest": view["start"]})  # fmt: skip
    return sorted(services.values(), key=lambda s: s["name"]), upcoming_visits(service, patient_id)


def upcoming_visits(service: BookingService, patient_id: str) -> list[Visit]:
    found = service.upcoming(patient_id)
    names = names_for(service.door, _facility_system(service), found)
    return [visit_of(a, names) for a in sorted(found, key=lambda a: a.get("start") or "")]


def day_options(service: BookingService, patient_id: str | None, service_type: str,
                day: date | None = None) -> list[tuple[str, list[dict[str, Any]]]]:  # fmt: skip
    """Day by day (local days from today), the best options of `service_type`; for one
    `day`, every time of the day: `$find` offers each facility's earliest Slot of a
    window, so the day is asked in `STEP_MINUTES` windows (without the resident: their
    record is read once per find, and this view is by time, not distance)."""
    if day is not None:
        first, _ = local_day_bounds(day)
        starts = range(first + DAY_HOURS[0] * _HOUR, first + DAY_HOURS[1] * _HOUR, _STEP)
        found = [o for start in starts for o in service.find(FindQuery(
            start, start + _STEP, service_types=(service_type,), count=20))]  # fmt: skip
        found.sort(key=lambda o: (o.start_us, o.facility, o.slot_id))
        return [(day.isoformat(), _views(service, found))] if found else []
    days = []
    for n in range(DAYS_SHOWN):
        shown = clock.today_vn() + timedelta(days=n)
        first, last = local_day_bounds(shown)
        found = service.find(FindQuery(first, last, service_types=(service_type,),
                                       patient_id=patient_id, count=10))  # fmt: skip
        if found:
            days.append((shown.isoformat(), _views(service, found)))
    return days


def one_day(text: str, rules: BookingRules) -> date | None:
    """`?day=` as a date within the booking horizon (the service's rule); None when
    absent."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        day = None
    horizon = rules.horizon_days
    if day is None or not 0 <= (day - clock.today_vn()).days <= horizon:
        raise InvalidRequest(f"Ngày không hợp lệ (YYYY-MM-DD, trong {horizon} ngày tới) / "
                             f"Invalid day (YYYY-MM-DD, within {horizon} days)",
                             expression=["day"])  # fmt: skip
    return day


def _views(service: BookingService, found: list[Any]) -> list[dict[str, Any]]:
    names = names_for(service.door, _facility_system(service), options=found)
    return [option_view(o, names) for o in found]


def visit_page(service: BookingService, patient_id: str, appointment_id: str) -> Visit:
    """One of the resident's live visits (held or booked); another's or an absent one is
    the same 404."""
    for shown in upcoming_visits(service, patient_id):
        if shown.id == appointment_id:
            return shown
    ref = f"Appointment/{appointment_id[:64]}"
    raise ResourceNotFound(f"Không tìm thấy lịch hẹn {ref} / {ref} not found")


_WEEKDAYS = (("Thứ Hai", "Monday"), ("Thứ Ba", "Tuesday"), ("Thứ Tư", "Wednesday"),
             ("Thứ Năm", "Thursday"), ("Thứ Sáu", "Friday"), ("Thứ Bảy", "Saturday"),
             ("Chủ Nhật", "Sunday"))  # fmt: skip


def weekday(value: str, lang: str = "vi") -> str:
    """The local weekday of a day (YYYY-MM-DD) or an instant: "Thứ Ba"."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    local = moment.astimezone(VN_TZ) if moment.tzinfo else moment
    return _WEEKDAYS[local.weekday()][1 if lang == "en" else 0]


def _facility_system(service: BookingService) -> str:
    return str(service.door.repo.settings.facility_system)  # type: ignore[attr-defined]
