"""The tracing indicators of issue 18 point 5, over plain rows (no SQL here).

- seen daily: of the contacts with a visit due on a day, the share seen that day;
- completing / lost: of the closed follow-ups (completed, lost), each share;
  those that became cases are counted apart (their follow-up ended by illness);
- known contacts: of the cases reported in the period, the share already registered as
  a contact (target of an edge with an exposure on or before their report day);
- cases with fewer than N contacts listed (N = 2 unless asked);
- onset → report and onset → isolation delays, in days;
- serial intervals: onset of the target case − onset of its source case, per linked pair;
- secondary attack rate per setting: of the persons exposed to a case in a setting, the
  share who became cases.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = ["CaseRow", "EdgeRow", "FollowupDay", "tracing_indicators"]


@dataclass(frozen=True, slots=True)
class CaseRow:
    patient_id: str
    onset: str
    report: str
    isolation: str | None


@dataclass(frozen=True, slots=True)
class EdgeRow:
    source_patient: str | None  # None: an event
    target_patient: str
    setting: str
    first_exposure: str


@dataclass(frozen=True, slots=True)
class FollowupDay:
    due: int  # contacts with a visit due that day
    seen: int  # of them, seen that day


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _delays(pairs: Iterable[tuple[str, str | None]]) -> dict[str, Any]:
    days = [(date.fromisoformat(b) - date.fromisoformat(a)).days for a, b in pairs if b]
    return _summary(days)


def _summary(values: list[int]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "mean": None, "median": None, "sd": None, "min": None, "max": None}
    return {"n": len(values), "mean": round(statistics.fmean(values), 3),
            "median": statistics.median(values),
            "sd": round(statistics.stdev(values), 3) if len(values) > 1 else None,
            "min": min(values), "max": max(values)}  # fmt: skip


def tracing_indicators(*, cases: list[CaseRow], edges: list[EdgeRow],
                       statuses: dict[str, int], days: dict[str, FollowupDay],
                       period: tuple[str, str], few_contacts: int = 2
                       ) -> dict[str, Any]:  # fmt: skip
    """Every indicator for one disease; `period` (first, last ISO day) bounds "new
    cases" and the daily follow-up figures."""
    first, last = period
    onset = {c.patient_id: c.onset for c in cases}
    new = [c for c in cases if first <= c.report <= last]
    exposed_before: dict[str, str] = {}
    for e in edges:
        known = exposed_before.get(e.target_patient)
        if known is None or e.first_exposure < known:
            exposed_before[e.target_patient] = e.first_exposure
    known_contacts = sum(1 for c in new if exposed_before.get(c.patient_id, "9999") <= c.report)
    listed: dict[str, int] = {}
    for e in edges:
        if e.source_patient is not None:
            listed[e.source_patient] = listed.get(e.source_patient, 0) + 1
    few = sum(1 for c in cases if listed.get(c.patient_id, 0) < few_contacts)
    serial = [(date.fromisoformat(onset[e.target_patient])
               - date.fromisoformat(onset[e.source_patient])).days
              for e in edges if e.source_patient in onset and e.target_patient in onset]
    sar: dict[str, list[int]] = {}
    for e in edges:
        if e.source_patient in onset:
            counts = sar.setdefault(e.setting, [0, 0])
            counts[0] += 1
            counts[1] += e.target_patient in onset
    in_period = [d for day, d in days.items() if first <= day <= last]
    due, seen = sum(d.due for d in in_period), sum(d.seen for d in in_period)
    closed = statuses.get("completed", 0) + statuses.get("lost", 0)
    return {
        "period": {"first": first, "last": last},
        "seen_daily": {"due": due, "seen": seen, "share": _share(seen, due),
                       "by_day": {k: {"due": v.due, "seen": v.seen, "share": _share(v.seen, v.due)}
                                  for k, v in sorted(days.items()) if first <= k <= last}},
        "followups": {**statuses, "completing_share": _share(statuses.get("completed", 0), closed),
                      "lost_share": _share(statuses.get("lost", 0), closed)},
        "new_cases": {"n": len(new), "known_contacts": known_contacts,
                      "share": _share(known_contacts, len(new))},
        "few_contacts": {"threshold": few_contacts,
                         "cases": few},
        "delays": {"onset_to_report": _delays((c.onset, c.report) for c in cases),
                   "onset_to_isolation": _delays((c.onset, c.isolation) for c in cases)},
        "serial_interval": _summary(serial),
        "secondary_attack_rate": {s: {"exposed": n, "cases": k, "rate": _share(k, n)}
                                  for s, (n, k) in sorted(sar.items())},
    }  # fmt: skip
