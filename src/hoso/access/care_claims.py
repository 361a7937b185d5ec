"""Self-claimed care: a facility opening a resident's record by recording care itself.

A hospital's software files an Encounter for a resident standing at its counter, and from
then on sees the resident's record: that is how care works, so it stays possible. What
keeps it honest (docs/security.md, "Self-claimed care"):

- the opening is recorded as such: an audit entry the resident reads in their access log
  ("Bệnh viện X mở hồ sơ của bạn lúc …"), beside the `self_claimed` care link;
- it opens the record only once the care has begun, and until the care window after it
  ends (`hoso.fhir.care_links`, `hoso.store.sql.visibility`);
- it is watched: a caller opening more records in an hour than `factor` × its busiest
  hour of the past `history_days` (and at least `floor`) is slowed to one opening per
  `slow_seconds` (429 with Retry-After for the rest) and flagged for the data-protection
  officer (`hoso audit anomalies`, GET /api/audit/anomalies).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any, Protocol

from hoso.access import claims as roles
from hoso.access.principal import Principal
from hoso.core import clock
from hoso.core.errors import TooManyRequests
from hoso.core.settings import Settings
from hoso.fhir.care_links import care_links, linked_patient

__all__ = ["CareClaimThrottled", "ClaimWatch", "claimed_patient", "opening_note", "report"]

log = logging.getLogger("hoso.security")
KIND = "care-claim-rate"
_HOUR_US = 3_600 * 1_000_000
_DAY_US = 24 * _HOUR_US


class ClaimCounter(Protocol):
    """What the watch needs of the store, inside the write's transaction."""

    def count_care_claim(self, agent: str, facility: str | None, hour_us: int, now_us: int
                         ) -> tuple[int, int | None]: ...  # fmt: skip
    def busiest_care_claim_hour(self, agent: str, since_us: int, before_us: int) -> int: ...


class CareClaimThrottled(TooManyRequests):
    """Over its normal rate, a caller opens one record per `slow_seconds`; this refusal
    carries the anomaly, which is flagged even though the write rolls back."""

    def __init__(self, retry_after: int, anomaly: dict[str, Any]) -> None:
        super().__init__(
            "Cơ sở đang mở hồ sơ mới nhanh bất thường nên bị làm chậm; cán bộ bảo vệ dữ liệu "
            f"đã được báo. Thử lại sau {retry_after} giây / This caller is opening new "
            f"records unusually fast and is slowed; the data-protection officer has been "
            f"notified. Retry after {retry_after} seconds"
        )
        self.retry_after = retry_after
        self.anomaly = anomaly


def claimed_patient(principal: Principal, resource: dict[str, Any]) -> str | None:
    """The resident whose record this write would claim care for at the caller's own
    facility (None: not a facility caller, or no care link in it)."""
    if principal.role not in (roles.CLINICIAN, roles.FACILITY_SYSTEM):
        return None
    if not any(link.self_claimed for link in care_links(resource)):
        return None
    return linked_patient(resource)


@dataclass(frozen=True)
class ClaimWatch:
    floor: int = 30
    factor: float = 2.0
    slow_seconds: int = 10
    history_days: int = 30

    @classmethod
    def from_settings(cls, settings: Settings) -> ClaimWatch:
        return cls(settings.care_claim_floor, settings.care_claim_factor,
                   settings.care_claim_slow_seconds)  # fmt: skip

    def opening(self, counter: ClaimCounter, principal: Principal) -> dict[str, Any] | None:
        """Count one opening by `principal`; the anomaly to flag when over the rate, or
        `CareClaimThrottled` when it also came too soon after the previous one."""
        now = clock.now_us()
        hour = now - now % _HOUR_US
        count, previous = counter.count_care_claim(principal.agent, principal.facility, hour, now)
        busiest = counter.busiest_care_claim_hour(
            principal.agent, hour - self.history_days * _DAY_US, hour
        )
        threshold = max(self.floor, math.ceil(self.factor * busiest))
        if count <= threshold:
            return None
        anomaly = {
            "kind": KIND,
            "agent": principal.agent,
            "hour_us": hour,
            "client_id": principal.claims.client_id,
            "facility": principal.facility,
            "count": count,
            "threshold": threshold,
            "detected_us": now,
        }
        wait_us = self.slow_seconds * 1_000_000 - (now - previous) if previous else 0
        if wait_us > 0:
            raise CareClaimThrottled(max(1, math.ceil(wait_us / 1_000_000)), anomaly)
        return anomaly


def report(anomaly: dict[str, Any], newly_flagged: bool) -> None:
    """One log line for the operators' alerting: identifiers and counts, no record."""
    if newly_flagged:
        log.warning(
            "care-claim rate: agent=%s facility=%s opened %d records this hour (threshold %d)",
            anomaly["agent"], anomaly["facility"], anomaly["count"], anomaly["threshold"],
        )  # fmt: skip


def opening_note(facility_name: str | None, facility: str | None, now_us: int) -> str:
    """What the resident reads in their access log."""
    who = " ".join(x for x in (facility_name, f"({facility})" if facility else None) if x)
    when = clock.local_display(clock.from_us(now_us))
    return (
        f"{who or 'Một cơ sở'} mở hồ sơ của bạn lúc {when} (cơ sở tự ghi nhận quan hệ điều trị)"
        f" / {who or 'A facility'} opened your record at {when} (a care relationship the "
        "facility recorded itself)"
    )
