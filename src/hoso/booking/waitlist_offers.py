"""Offering freed seats to the waitlist, in order, each held 15 minutes (issue 21 point 5).

- From the change feed (consumer `booking-waitlist`): an Appointment version
  `cancelled` (or deleted) freed its seat, so the Slot is offered to the FIRST waiting
  entry (the order residents joined in) whose service, facility and days it suits: the
  server holds the seat for them (`BookingService.hold` with `hold_minutes=15`, acting
  as the operator) and queues an `offer` message. A resident the booking rules refuse
  (already booked that day, too many bookings) is passed over for the next one.
  A version `booked` of an offered Appointment marks the entry `booked`: the resident
  accepted by booking the held Appointment (`book(BookRequest(pid, appointment_id=…))`).
- From a timer (`expire_lapsed`, run by `hoso booking dispatch`): an offer not taken by
  its expiry makes the entry `expired`, and its Slot is offered to the next entry.
  This is a timer, not polling for changes: nothing is written when a hold expires (it
  stops blocking at its instant, `hoso.store.booking_seats`), so no change reaches the
  feed, and only the clock can say the 15 minutes are over. The held Appointment is
  left `pending` (as every expired hold is): cancelling it here could race the
  resident's own booking of it in the last second and cancel a booking just made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from hoso.booking.appointment_feed import AppointmentVersion
from hoso.booking.messages import PlaceNames, offer_body, visit_of
from hoso.booking.model import day_of, iso_instant
from hoso.booking.outbox import Door
from hoso.booking.sender import Message
from hoso.booking.service import BookRequest
from hoso.core.errors import FhirError

__all__ = ["CONSUMER", "OFFER_MINUTES", "WaitlistOffers"]

CONSUMER = "booking-waitlist"
OFFER_MINUTES = 15  # the issue: "with the offer held for 15 minutes"
MAX_TRIES = 20  # residents passed over for one seat before the seat waits for the feed


class Holds(Protocol):
    """`hoso.booking.service.BookingService` built with `hold_minutes=OFFER_MINUTES`."""

    def hold(self, request: BookRequest) -> dict[str, Any]: ...


def _slot_of(appointment: dict[str, Any] | None) -> str | None:
    for ref in (appointment or {}).get("slot") or []:
        text = (ref or {}).get("reference") or ""
        if text.startswith("Slot/"):
            return text.split("/", 1)[1]
    return None


@dataclass
class WaitlistOffers:
    door: Door  # the operator's booking door
    holds: Holds
    now: Callable[[], int]
    offered: int = 0
    expired: int = 0

    # -- the feed -------------------------------------------------------------------------
    def __call__(self, versions: list[AppointmentVersion]) -> None:
        freed: list[str] = []
        with self.door.transaction("waitlist", f"feed:{CONSUMER}") as tx:
            touched: set[str] = set()
            for version in versions:
                entry = tx.tables.waitlist_offer_of(str(version.appointment.get("id")))
                if version.status == "booked" and entry is not None:
                    if tx.tables.set_waitlist_state(entry.id, "booked",
                                                    expect=("offered", "expired")):  # fmt: skip
                        touched.add(entry.patient_id)
                elif version.status in ("cancelled", "deleted"):
                    if entry is not None and tx.tables.set_waitlist_state(
                            entry.id, "expired", expect=("offered",)):  # fmt: skip
                        touched.add(entry.patient_id)
                    slot_id = _slot_of(version.appointment)
                    if slot_id and slot_id not in freed:
                        freed.append(slot_id)
            if touched:
                tx.audit("waitlist", patients=tuple(sorted(touched)),
                         entities=(f"feed:{CONSUMER}",),
                         description="cập nhật danh sách chờ / waitlist updated")  # fmt: skip
        for slot_id in freed:
            self.offer(slot_id)

    # -- the timer ------------------------------------------------------------------------
    def expire_lapsed(self) -> int:
        """Offers past their expiry: the entry expires (or is booked, when the resident
        booked in time) and the Slot goes to the next entry; how many lapsed."""
        slots: list[str] = []
        with self.door.transaction("waitlist-expire", "booking:waitlist") as tx:
            now = self.now()
            tx.tables.close_past_waits(day_of(now))
            lapsed = tx.tables.lapsed_offers(now)
            for entry in lapsed:
                held = tx.read("Appointment", entry.offered_appointment_id)
                if held is not None and held.get("status") == "booked":
                    tx.tables.set_waitlist_state(entry.id, "booked", expect=("offered",))
                    continue
                if not tx.tables.set_waitlist_state(entry.id, "expired", expect=("offered",)):
                    continue  # another server process's timer took it first
                self.expired += 1
                slot_id = _slot_of(held)
                if slot_id and slot_id not in slots:
                    slots.append(slot_id)
            if lapsed:
                tx.audit("waitlist-expire", patients=tuple(sorted({e.patient_id for e in lapsed})),
                         entities=("booking:waitlist",),
                         description=f"{len(lapsed)} lời mời hết hạn / offers lapsed")  # fmt: skip
        for slot_id in slots:
            self.offer(slot_id)
        return len(lapsed)

    # -- one offer ------------------------------------------------------------------------
    def offer(self, slot_id: str) -> bool:
        """Hold a free seat of `slot_id` for the first waiting entry it suits and tell
        them; whether someone was offered it."""
        after = 0
        for _ in range(MAX_TRIES):
            with self.door.transaction("waitlist-match", f"Slot/{slot_id}") as tx:
                now = self.now()
                slot = tx.tables.slot(slot_id)
                if slot is None or slot.start_us <= now or not tx.tables.free_seats(slot_id, now):
                    return False
                entry = tx.tables.first_waiting(service_type=slot.service_type,
                                                facility=slot.facility, day=slot.day,
                                                after_id=after)  # fmt: skip
            if entry is None:
                return False
            after = entry.id
            try:
                held = self.holds.hold(BookRequest(entry.patient_id, slot_id=slot_id,
                                                   channel="web"))  # fmt: skip
            except FhirError:  # the booking rules refuse this resident: the next one
                continue
            self._record(entry, held)
            return True
        return False

    def _record(self, entry: Any, held: dict[str, Any]) -> None:
        visit = visit_of(held)
        with self.door.transaction("waitlist-offer", f"Appointment/{held['id']}") as tx:
            # The seat's own expiry, to the µs (the Appointment's extension is to the second).
            seat = tx.tables.seat_of(held["id"])
            if seat is None or seat.hold_expires_us is None:
                return  # the hold is gone already (never, short of a clock jump)
            expires_us = int(seat.hold_expires_us)
            if not tx.tables.offer_seat(entry.id, held["id"], expires_us):
                return  # withdrawn meanwhile: the hold runs out by itself
            if visit is not None:
                body = offer_body(visit, PlaceNames(tx.read), expires_us)
                tx.tables.enqueue([Message("offer", entry.phone, body, entry.patient_id,
                                           held["id"], self.now(), f"offer:{held['id']}")],
                                  self.now())  # fmt: skip
            tx.audit(
                "waitlist-offer",
                patients=(entry.patient_id,),
                entities=(f"Appointment/{held['id']}", f"waitlist:{entry.id}"),
                description=f"mời giữ chỗ đến / offered until {iso_instant(expires_us)}",
            )
        self.offered += 1
