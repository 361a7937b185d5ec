"""Reminders of booked visits, 72 hours and 2 hours before (issue 21 point 5), planned
from the change feed (consumer `booking-reminders`, `hoso.booking.appointment_feed`):

- an Appointment version `booked` queues its reminders in the outbox, each due at its
  instant, keyed `reminder:<appointment>:<72h|2h>:<start>` — planning twice is one row,
  and a booking moved to another start gets new ones;
- `cancelled`, `noshow`, `entered-in-error`, `arrived`, `fulfilled` or a deletion voids
  its reminders still pending (nothing left to remind of).

A reminder due in the night (22:00–07:00) is sent at 21:00 the evening before
(`awake`). A reminder whose instant had passed when the visit was booked is not sent
(booked 10 hours ahead: only the 2-hour one). One whose instant passed while this
consumer lagged is still sent unless a later reminder is due as well, so a lagging
worker sends the latest reminder once, not a late burst. The phone is the Patient's
(`telecom` phone, a mobile one first); a resident with no phone gets no reminder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from typing import Any

from hoso.booking.appointment_feed import AppointmentVersion
from hoso.booking.messages import PlaceNames, Visit, phone_of, reminder_body, visit_of
from hoso.booking.outbox import Door
from hoso.booking.sender import Message
from hoso.core.clock import VN_TZ

__all__ = ["CONSUMER", "LEADS", "ReminderPlanner", "awake", "plan_reminders"]

CONSUMER = "booking-reminders"
_HOUR = 3_600_000_000
# HOUSE: the example ("e.g. 72 h and 2 h before"): three days leave time to
# cancel and free the seat for the waitlist; two hours is the journey's reminder.
LEADS = (("72h", 72 * _HOUR), ("2h", 2 * _HOUR))
QUIET_FROM, QUIET_UNTIL = 22, 7  # local hours with no reminders (see `awake`)
ENDED = ("cancelled", "noshow", "entered-in-error", "arrived", "fulfilled", "deleted")


def awake(at_us: int) -> int:
    """`at_us`, or 21:00 the evening before when it falls in the night (22:00–07:00 in
    Ho Chi Minh City): a 2-hour reminder of a 07:00 visit is not sent at 05:00.
    HOUSE, after the hours Nghị định 91/2020/NĐ-CP allows advertising messages in —
    a reminder is a service message, not advertising, but wakes people all the same."""
    local = datetime.fromtimestamp(at_us / 1_000_000, UTC).astimezone(VN_TZ)
    if QUIET_UNTIL <= local.hour < QUIET_FROM:
        return at_us
    evening = local.date() if local.hour >= QUIET_FROM else local.date() - timedelta(days=1)
    return int(datetime.combine(evening, dt_time(21, 0), VN_TZ).timestamp() * 1_000_000)


def plan_reminders(visit: Visit, phone: str, body: str, *, booked_us: int, now_us: int
                   ) -> list[Message]:  # fmt: skip
    """The reminders of `visit` still worth sending (see the module's note)."""
    due = [(label, awake(visit.start_us - lead)) for label, lead in LEADS]
    due = [(label, at) for label, at in due if at >= booked_us and visit.start_us > now_us]
    overdue = [d for d in due if d[1] <= now_us]
    due = [d for d in due if d[1] > now_us] + overdue[-1:]  # the latest overdue one only
    return [Message("reminder", phone, body, visit.patient_id, visit.appointment_id, at,
                    f"reminder:{visit.appointment_id}:{label}:{visit.start_us}")
            for label, at in sorted(due, key=lambda d: d[1])]  # fmt: skip


@dataclass
class ReminderPlanner:
    """The `booking-reminders` consumer's handler: one door transaction per batch,
    audited as the server's job naming the residents whose records it read."""

    door: Door
    now: Callable[[], int]
    planned: int = 0
    voided: int = 0

    def __call__(self, versions: list[AppointmentVersion]) -> None:
        if not versions:
            return
        with self.door.transaction("remind", f"feed:{CONSUMER}") as tx:
            names = PlaceNames(tx.read)
            now = self.now()
            patients: set[str] = set()
            planned = voided = 0
            for version in versions:
                visit = visit_of(version.appointment)
                if visit is None:
                    continue
                if version.status in ENDED:
                    voided += tx.tables.void_for(visit.appointment_id)
                elif version.status == "booked":
                    messages = self._plan(tx, visit, names, version.committed_us, now)
                    planned += tx.tables.enqueue(messages, now) if messages else 0
                else:
                    continue
                patients.add(visit.patient_id)
            if patients:
                tx.audit("remind", patients=tuple(sorted(patients)),
                         entities=(f"feed:{CONSUMER}",),
                         description=f"{planned} nhắc lịch mới / reminders queued, "
                                     f"{voided} hủy / voided")  # fmt: skip
        self.planned, self.voided = self.planned + planned, self.voided + voided

    def _plan(self, tx: Any, visit: Visit, names: PlaceNames, booked_us: int, now: int
              ) -> Sequence[Message]:  # fmt: skip
        if visit.start_us <= now:
            return ()
        phone = phone_of(tx.read("Patient", visit.patient_id))
        if phone is None:
            return ()
        body = reminder_body(visit, names)
        return plan_reminders(visit, phone, body, booked_us=booked_us, now_us=now)
