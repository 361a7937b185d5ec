"""The warehouse's `appointment` table (views/appointment.json, issue 21 point 6) and
the documented query of the no-show rate by facility over a snapshot, as officers run it
through `/api/warehouse/sql` (docs/booking-queue.md "Trong kho dữ liệu").

No-show rate = no-shows / (no-shows + attended), attended = Appointments `arrived` or
`fulfilled`; booked (not yet judged), cancelled and pending holds are in neither — the
same reading as `hoso.booking.numbers`, so the API and the warehouse agree.
"""

from __future__ import annotations

__all__ = ["NOSHOW_BY_FACILITY"]

NOSHOW_BY_FACILITY = """\
SELECT facility,
       count(*) FILTER (WHERE status = 'noshow') AS noshow,
       count(*) AS judged,
       round(count(*) FILTER (WHERE status = 'noshow') / count(*), 4) AS noshow_rate
FROM appointment
WHERE status IN ('arrived', 'fulfilled', 'noshow')
GROUP BY facility
ORDER BY facility"""
