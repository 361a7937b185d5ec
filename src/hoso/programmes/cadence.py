"""Recurring activities (a yearly screening, a monthly visit): the day a FHIR date falls
on in Ho Chi Minh City, and the status of an activity due on a day, as the framework's
due lists count it (`hoso.programmes.framework.DUE_STATUSES`)."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Any

from hoso.core.clock import VN_TZ
from hoso.programmes.framework import DUE, MISSED, OVERDUE, UPCOMING

__all__ = ["local_day", "month_start", "status_on"]


def local_day(value: Any) -> date | None:
    """The Asia/Ho_Chi_Minh day of a FHIR date or dateTime (a visit at 23:30 UTC is the
    next local day); None for a partial or malformed date."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        if len(value) == 10 or value.endswith("+07:00"):  # already local: the common case
            return date.fromisoformat(value[:10])
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(VN_TZ).date() if moment.tzinfo else moment.date()


def month_start(day: date) -> date:
    return day.replace(day=1)


def status_on(due: date, today: date, latest: date | None = None) -> str:
    """upcoming: due after this month; due: due in this month (before or after today);
    overdue: due before this month; missed: past its last possible day."""
    if latest is not None and today > latest:
        return MISSED
    last_of_month = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if due > last_of_month:
        return UPCOMING
    return DUE if due >= month_start(today) else OVERDUE
