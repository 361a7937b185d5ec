"""The booking numbers (issue 21 point 6): per facility, service and day — utilisation,
bookings by channel, lead time and the no-show rate — from the seats and queue tickets
(`bk_slot`, `bk_seat`, `bk_queue_ticket`) and the Appointments, through the booking door.

What each figure means (docs/booking-queue.md "Số liệu"):
- utilisation = seats booked now / capacity, over the Slots of the day (an overbooked
  seat counts, so it may pass 100 %; a cancelled booking gave its seat back).
- bookings = every booking that took a queue number for the day (booked tickets),
  cancelled ones included; `channels` splits them by the Appointment's channel
  extension (web | app | call-centre | counter). A reschedule is a new booking and a
  cancelled one.
- lead time = the slot's start − the moment the booking was made (the queue ticket is
  issued in the booking's own transaction), in minutes, over bookings not cancelled:
  median and 90th percentile by the nearest-rank method (HOUSE: no interpolation, so
  each figure is a lead time that happened).
- no-show rate = no-shows / (no-shows + attended), attended = checked in (arrived,
  called or done); bookings still waiting or cancelled are in neither, so a day in
  progress is not counted as missed before the sweep has judged it.
Who: a public-health officer and the operator see every facility; facility staff
(clinician, the facility's system) their own facility only; anyone else 403. Aggregates
only: no resident is named in what it answers; the computation is audited once.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from hoso.booking.model import CHANNEL, SERVICE_TYPE, extension_value
from hoso.booking.service import Tx
from hoso.core.errors import InvalidRequest

__all__ = ["CSV_COLUMNS", "BookingNumbers", "NumbersRow", "csv_text", "nearest_rank"]

MAX_DAYS = 92  # HOUSE: a quarter at most per request (each booking's Appointment is read)
CHUNK = 200  # Appointments per search (the store's largest page is 1000)
ATTENDED = ("arrived", "called", "done")
SEE_ALL = ("officer", "operator")
STAFF = ("clinician", "facility-system")
CSV_COLUMNS = ("facility", "service_type", "day", "capacity", "booked_seats", "utilisation",
               "bookings", "cancelled", "attended", "noshow", "noshow_rate",
               "lead_median_minutes", "lead_p90_minutes", "web", "app", "call-centre",
               "counter")  # fmt: skip


def nearest_rank(values: Sequence[float], q: float) -> float | None:
    """The q-quantile by the nearest-rank method (the ⌈q·n⌉-th smallest); None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


@dataclass
class NumbersRow:
    facility: str
    service_type: str
    day: str  # ISO, or "" for a facility's total over the period
    capacity: int = 0
    booked_seats: int = 0
    bookings: int = 0
    cancelled: int = 0
    attended: int = 0
    noshow: int = 0
    channels: Counter[str] = field(default_factory=Counter)
    leads: list[float] = field(default_factory=list)  # minutes, bookings not cancelled

    @property
    def utilisation(self) -> float | None:
        return round(self.booked_seats / self.capacity, 4) if self.capacity else None

    @property
    def noshow_rate(self) -> float | None:
        judged = self.noshow + self.attended
        return round(self.noshow / judged, 4) if judged else None

    def to_json(self) -> dict[str, Any]:
        median, p90 = nearest_rank(self.leads, 0.5), nearest_rank(self.leads, 0.9)
        return {"facility": self.facility, "service_type": self.service_type, "day": self.day,
                "capacity": self.capacity, "booked_seats": self.booked_seats,
                "utilisation": self.utilisation, "bookings": self.bookings,
                "cancelled": self.cancelled, "attended": self.attended, "noshow": self.noshow,
                "noshow_rate": self.noshow_rate,
                "lead_median_minutes": round(median) if median is not None else None,
                "lead_p90_minutes": round(p90) if p90 is not None else None,
                "channels": dict(sorted(self.channels.items()))}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Booking:
    facility: str
    service_type: str
    day: str
    state: str
    channel: str
    lead_minutes: float | None


class NumbersDoor(Protocol):
    """`hoso.access.booking.BookingAccess`."""

    @property
    def role(self) -> str: ...
    @property
    def facility(self) -> str | None: ...
    def require_any(self, allowed: tuple[str, ...], what: str) -> None: ...
    def require_staff(self, facility: str, what: str) -> None: ...
    def transaction(self, operation: str, entity: str) -> AbstractContextManager[Tx]: ...


class BookingNumbers:
    def __init__(self, door: NumbersDoor) -> None:
        self.door = door

    def facilities_for(self, asked: Sequence[str]) -> tuple[str, ...]:
        """The facilities the caller may count: as asked (officer, operator; empty =
        all), or their own (staff; another is refused)."""
        self.door.require_any(("officer", *STAFF), "xem số liệu đặt lịch / booking numbers")
        if self.door.role in SEE_ALL:
            return tuple(asked)
        own = self.door.facility or ""
        for code in asked:
            self.door.require_staff(code, "xem số liệu đặt lịch / booking numbers")
        return tuple(asked) or (own,)

    def compute(self, facilities: Sequence[str], day_from: date, day_to: date
                ) -> tuple[list[NumbersRow], list[NumbersRow]]:  # fmt: skip
        """(rows per facility, service and day; totals per facility and service over
        the period), each sorted."""
        if day_to < day_from or (day_to - day_from).days >= MAX_DAYS:
            raise InvalidRequest(f"Khoảng ngày phải từ 1 đến {MAX_DAYS} ngày / The period must "
                                 f"be 1 to {MAX_DAYS} days", expression=["from", "to"])  # fmt: skip
        scope = self.facilities_for(facilities)
        first, last = day_from.isoformat(), day_to.isoformat()
        what = f"facility={','.join(scope) or '*'} {first}..{last}"
        with self.door.transaction("numbers", "Appointment") as tx:
            slots = tx.tables.slot_figures(day_from=first, day_to=last, facilities=scope)
            bookings = list(_bookings(tx, tx.tables.day_tickets(day_from=first, day_to=last,
                                                               facilities=scope)))  # fmt: skip
            tx.audit("numbers", patients=(), entities=("Appointment",),
                     description=f"số liệu đặt lịch {what}")  # fmt: skip
        by_day = _rows(slots, bookings, lambda fac, kind, day: (fac, kind, day))
        totals = _rows(slots, bookings, lambda fac, kind, day: (fac, kind, ""))
        return by_day, totals


def _appointments(tx: Tx, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The Appointments by id, `CHUNK` per search (`_id=a,b,…`), not one read each: a
    quarter of a city's bookings is tens of thousands of them."""
    found: dict[str, dict[str, Any]] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        for resource in tx.search("Appointment", [("_id", ",".join(chunk)),
                                                  ("_count", str(len(chunk)))]):  # fmt: skip
            found[resource["id"]] = resource
    return found


def _bookings(tx: Tx, tickets: Sequence[Any]) -> Iterable[_Booking]:
    booked = [t for t in tickets if t.kind == "booked"]  # a walk-in is no booking
    appointments = _appointments(tx, [t.appointment_id for t in booked if t.appointment_id])
    for ticket in booked:
        appointment = appointments.get(ticket.appointment_id or "") or {}
        codings = [c for s in appointment.get("serviceType") or []
                   for c in s.get("coding") or [] if c.get("system") == SERVICE_TYPE]  # fmt: skip
        channel = extension_value(appointment, CHANNEL) or {}
        lead = None
        if ticket.start_us is not None and ticket.state != "cancelled":
            lead = (ticket.start_us - ticket.issued_us) / 60_000_000
        yield _Booking(ticket.facility, codings[0]["code"] if codings else "?", ticket.day,
                       ticket.state, channel.get("code") or "?", lead)  # fmt: skip


Key = Callable[[str, str, str], tuple[str, str, str]]


def _rows(slots: Sequence[tuple[str, str, str, int, int]], bookings: Sequence[_Booking],
          key: Key) -> list[NumbersRow]:  # fmt: skip
    rows: dict[tuple[str, str, str], NumbersRow] = defaultdict(lambda: NumbersRow("", "", ""))
    for fac, kind, day, capacity, booked in slots:
        row = _row(rows, key(fac, kind, day))
        row.capacity += capacity
        row.booked_seats += booked
    for b in bookings:
        row = _row(rows, key(b.facility, b.service_type, b.day))
        row.bookings += 1
        row.channels[b.channel] += 1
        row.cancelled += b.state == "cancelled"
        row.attended += b.state in ATTENDED
        row.noshow += b.state == "noshow"
        if b.lead_minutes is not None:
            row.leads.append(b.lead_minutes)
    return [rows[k] for k in sorted(rows)]


def _row(rows: dict[tuple[str, str, str], NumbersRow], k: tuple[str, str, str]) -> NumbersRow:
    row = rows[k]
    row.facility, row.service_type, row.day = k
    return row


def csv_text(rows: Sequence[NumbersRow]) -> str:
    """The rows as CSV (`CSV_COLUMNS`: one column per channel), for the API and the CLI."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        shown = row.to_json()
        writer.writerow({**shown, **{c: shown["channels"].get(c, 0) for c in CSV_COLUMNS[-4:]}})
    return out.getvalue()
