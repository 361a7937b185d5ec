"""The one clock: UTC instants for storage, Asia/Ho_Chi_Minh for people."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    return datetime.now(UTC)


def today_vn() -> date:
    """Today in Ho Chi Minh City (a day passes at local midnight, not UTC's)."""
    return now().astimezone(VN_TZ).date()


def fhir_instant(moment: datetime) -> str:
    """FHIR `instant` with millisecond precision and an explicit offset (UTC)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def http_date(moment: datetime) -> str:
    """RFC 9110 IMF-fixdate for `Last-Modified`."""
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def now_us() -> int:
    """Microseconds since the epoch: how the store keeps instants."""
    return int(now().timestamp() * 1_000_000)


def from_us(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1_000_000, UTC)


def local_display(moment: datetime) -> str:
    """dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh: how pages and messages show times."""
    return moment.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
