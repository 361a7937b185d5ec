"""The one clock: UTC instants for storage, Asia/Ho_Chi_Minh for people."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    return datetime.now(UTC)


def fhir_instant(moment: datetime) -> str:
    """FHIR `instant` with millisecond precision and an explicit offset (UTC)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def http_date(moment: datetime) -> str:
    """RFC 9110 IMF-fixdate for `Last-Modified`."""
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
