"""The booking service's tables as the store's `Session` offers them (`session.booking`;
`hoso.store.booking_seats.SqlBookingTables` on SQLite and PostgreSQL): the seats a
Slot's capacity is made of, the queue numbers and the single use of a slip. Only the
access layer's booking door (`hoso.access.booking`) calls them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from hoso.fhir.booking_code_tables import BookingCodeTables

__all__ = ["BookingTables"]


class BookingTables(Protocol):
    def add_slots(self, slots: Sequence[Any], now_us: int) -> list[str]: ...
    def slot(self, slot_id: str) -> Any | None: ...
    def available(self, *, start_us: int, end_us: int, now_us: int,
                  service_types: Sequence[str] = (), facilities: Sequence[str] = (),
                  service_points: Sequence[str] = (), per_facility: int = 1,
                  limit: int = 2000) -> list[tuple[Any, int]]: ...  # fmt: skip
    def free_seats(self, slot_id: str, now_us: int) -> int: ...
    def claim(self, slot_id: str, appointment_id: str, patient_id: str, now_us: int,
              hold_until_us: int | None = None) -> int | None: ...  # fmt: skip
    def overbook(self, slot_id: str, appointment_id: str, patient_id: str, now_us: int
                 ) -> int: ...  # fmt: skip
    def confirm_hold(self, appointment_id: str, now_us: int) -> bool: ...
    def seat_of(self, appointment_id: str) -> Any | None: ...
    def release(self, appointment_id: str, now_us: int) -> Any | None: ...
    def patient_seats(self, patient_id: str, now_us: int, *, from_us: int
                      ) -> list[tuple[Any, Any]]: ...  # fmt: skip
    def expired_holds(self, now_us: int, limit: int = 1000) -> list[str]: ...
    def issue_ticket(self, *, service_point: str, day: str, kind: str, facility: str,
                     now_us: int, appointment_id: str | None = None,
                     patient_id: str | None = None, start_us: int | None = None
                     ) -> int: ...  # fmt: skip
    def ticket_of(self, appointment_id: str) -> Any | None: ...
    def ticket(self, service_point: str, day: str, number: int) -> Any | None: ...
    def set_ticket_state(self, service_point: str, day: str, number: int, state: str,
                         now_us: int, *, expect: Sequence[str] = ()) -> bool: ...  # fmt: skip
    def queue(self, service_point: str, day: str) -> list[Any]: ...
    def overdue_tickets(self, before_us: int, limit: int = 1000) -> list[Any]: ...
    def use_slip(self, slip: str, appointment_id: str, now_us: int) -> bool: ...
    def free_slip(self, appointment_id: str) -> None: ...

    # -- portal (helper C) --
    @property
    def codes(self) -> BookingCodeTables: ...
