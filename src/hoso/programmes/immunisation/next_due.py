"""What the health book shows of the schedule (issue 17): each antigen's next dose with
its due date and status, in the reader's language, from the Patient resource and the
Immunization resources the book already read.

Complete series are left out (the book lists the doses given), and so are series too
late for catch-up: for an adult every childhood series is, and a list of eleven "too
late" lines would bury what is actually due. Programme staff see those through
`due_doses` (issue 19).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from hoso.core import clock
from hoso.programmes.immunisation.due import (
    COMPLETE,
    DUE,
    OVERDUE,
    TOO_LATE,
    UPCOMING,
    DueDose,
    due_doses,
    local_day,
)
from hoso.programmes.immunisation.schedule import Schedule

__all__ = ["STATUS_LABELS", "next_due_items"]

STATUS_LABELS: dict[str, dict[str, str]] = {
    DUE: {"vi": "Đến hạn tiêm", "en": "Due now"},
    OVERDUE: {"vi": "Quá hạn, cần tiêm bù", "en": "Overdue, catch up"},
    UPCOMING: {"vi": "Sắp đến hạn", "en": "Upcoming"},
    COMPLETE: {"vi": "Đã tiêm đủ", "en": "Complete"},
    TOO_LATE: {"vi": "Quá tuổi tiêm bù", "en": "Too late for catch-up"},
}
SHOWN = (OVERDUE, DUE, UPCOMING)


def _item(state: DueDose, lang: str) -> dict[str, Any]:
    def pick(pair: dict[str, str] | None) -> str | None:
        return pair[lang] if pair else None

    return {
        "antigen": state.antigen,
        "name": pick(state.name),
        "dose": state.dose,
        "dose_label": pick(state.label),
        "vaccine": pick(state.given_as),
        "due_date": state.due.isoformat() if state.due else None,
        "earliest": state.earliest.isoformat() if state.earliest else None,
        "latest": state.latest.isoformat() if state.latest else None,
        "status": state.status,
        "status_label": STATUS_LABELS[state.status][lang],
        "schedule_version": state.schedule_version,
    }


def next_due_items(patient: dict[str, Any], immunizations: list[dict[str, Any]],
                   on: date | None = None, lang: str = "vi",
                   schedule: Schedule | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """The next due dose of each antigen for `patient`, soonest first: overdue and due
    now before upcoming. `on` is a day in Asia/Ho_Chi_Minh (today by default); `lang`
    is "vi" or "en". Nothing for a Patient without a full birth date, or deceased."""
    lang = "en" if lang == "en" else "vi"
    birth = local_day(patient.get("birthDate"))
    if birth is None or patient.get("deceasedBoolean") is True or patient.get(
            "deceasedDateTime"):  # fmt: skip
        return []
    on = on or clock.now().astimezone(clock.VN_TZ).date()
    states = [s for s in due_doses(birth, immunizations, on, schedule) if s.status in SHOWN]
    states.sort(key=lambda s: (SHOWN.index(s.status) == 2, s.due or on))
    return [_item(s, lang) for s in states]
