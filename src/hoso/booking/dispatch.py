"""One run of the booking's background work (`hoso booking dispatch`, issue 21 point 5):
the feed consumers catch up (reminders planned or voided, freed seats offered to the
waitlist), lapsed offers pass to the next resident, and the due messages leave
through the sender. `run` repeats it for a worker thread (as `hoso serve` runs the
other feed consumers).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from hoso.booking.appointment_feed import AppointmentFeed
from hoso.booking.outbox import Door, dispatch_due
from hoso.booking.sender import Sender
from hoso.booking.waitlist_offers import WaitlistOffers

__all__ = ["BookingDispatch", "DispatchReport"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DispatchReport:
    reminder_changes: int  # Appointment versions the reminders consumer read
    waitlist_changes: int  # and the waitlist consumer
    offers_lapsed: int
    sent: int
    failed: int


@dataclass
class BookingDispatch:
    reminders: AppointmentFeed
    waitlist: AppointmentFeed
    offers: WaitlistOffers
    door: Door
    sender: Sender
    now: Callable[[], int]

    def run_once(self) -> DispatchReport:
        reminded = self.reminders.drain()
        waited = self.waitlist.drain()
        lapsed = self.offers.expire_lapsed()
        # The offers just made hold seats (pending Appointments): their versions reach
        # the feed now; reading them again keeps the cursors current for the next run.
        waited += self.waitlist.drain()
        reminded += self.reminders.drain()
        sent, failed = dispatch_due(self.door, self.sender, self.now)
        return DispatchReport(reminded, waited, lapsed, sent, failed)

    def run(self, stop: threading.Event, *, until_idle: bool = False, idle: float = 30.0
            ) -> None:  # fmt: skip
        """Run until `stop` (or once, `until_idle`); a reminder is due to the minute, so
        HOUSE: every 30 seconds."""
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:
                if until_idle:
                    raise
                log.exception("booking dispatch: run failed")  # the store down: try again
            if until_idle:
                return
            stop.wait(idle)
