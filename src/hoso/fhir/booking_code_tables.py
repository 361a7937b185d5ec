"""The booking portal's code and session tables as the store's `Session` offers them
(`session.booking.codes`; `hoso.store.booking_codes.SqlBookingCodes`). Only the access
layer's `hoso.access.booking_codes` calls them."""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["BookingCodeTables"]


class BookingCodeTables(Protocol):
    def add_code(self, *, id: str, cccd_hash: str, ip_hash: str, patient_id: str | None,
                 code_hash: str | None, now_us: int, expires_us: int) -> None: ...  # fmt: skip
    def requests_since(self, *, cccd_hash: str, ip_hash: str, since_us: int
                       ) -> tuple[int, int]: ...  # fmt: skip
    def live_code(self, cccd_hash: str, now_us: int) -> Any | None: ...
    def count_attempt(self, code_id: str) -> None: ...
    def use_code(self, code_id: str, now_us: int) -> bool: ...
    def add_session(self, *, id: str, cookie_hash: str, patient_id: str, csrf_secret: str,
                    now_us: int, expires_us: int) -> None: ...  # fmt: skip
    def session_by_cookie(self, cookie_hash: str, now_us: int) -> Any | None: ...
    def end_session(self, session_id: str, now_us: int) -> bool: ...
    def add_message(self, *, kind: str, recipient: str, patient_id: str | None, body: str,
                    due_us: int, dedupe_key: str, now_us: int) -> int: ...  # fmt: skip
    def mark_message(self, message_id: int, status: str, now_us: int) -> None: ...
