"""A dashboard request's parameters, checked: the period (`from`, `to`: YYYY-MM-DD), the
interval, the basis, the classifications counted and the area. Anything else is a 400
with a bilingual message; a period longer than the limits below too, so that no request
asks the database for decades of days."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from hoso.core.errors import InvalidRequest
from hoso.publichealth.series.counts import BASES, CLASSIFICATIONS, INTERVALS, LEVELS
from hoso.publichealth.series.districts import CITY
from hoso.publichealth.series.weeks import monday, parse_day

__all__ = ["DEFAULT_DAYS", "DEFAULT_WEEKS", "MAX_DAYS", "MAX_WEEKS", "DashboardQuery",
           "parse_query"]  # fmt: skip

DEFAULT_WEEKS, MAX_WEEKS = 26, 5 * 53
DEFAULT_DAYS, MAX_DAYS = 60, 366


@dataclass(frozen=True, slots=True)
class DashboardQuery:
    first: date
    last: date
    interval: str
    basis: str
    kinds: tuple[str, ...]
    level: str
    area: str


def _choice(params: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = params.get(name) or allowed[0]
    if value not in allowed:
        raise InvalidRequest(f"{name} là một trong {', '.join(allowed)} / {name} is one of "
                             f"{', '.join(allowed)}", expression=[name])  # fmt: skip
    return value


def _day(params: Mapping[str, str], name: str, default: date) -> date:
    """YYYY-MM-DD (the API), or dd/mm/yyyy as the page's form writes it."""
    value = (params.get(name) or "").strip()
    if not value:
        return default
    parts = value.split("/")
    if len(parts) == 3 and len(value) == 10:
        value = f"{parts[2]}-{parts[1]}-{parts[0]}"
    try:
        return parse_day(value)
    except ValueError:
        raise InvalidRequest(f"{name} là ngày dd/mm/yyyy hoặc YYYY-MM-DD / {name} is a date "
                             "dd/mm/yyyy or YYYY-MM-DD", expression=[name]) from None  # fmt: skip


def _kinds(text: str | None) -> tuple[str, ...]:
    if not text:
        return CLASSIFICATIONS
    kinds = tuple(dict.fromkeys(k.strip() for k in text.split(",")[:4]))
    if not kinds or any(k not in CLASSIFICATIONS for k in kinds):
        raise InvalidRequest("classification: suspected, probable, confirmed (phân cách bằng "
                             "dấu phẩy / comma-separated)",
                             expression=["classification"])  # fmt: skip
    return kinds


def parse_query(params: Mapping[str, str], today: date) -> DashboardQuery:
    interval = _choice(params, "interval", INTERVALS)
    last = _day(params, "to", today)
    default_first = monday(last) - timedelta(weeks=DEFAULT_WEEKS - 1) if interval == "week" \
        else last - timedelta(days=DEFAULT_DAYS - 1)  # fmt: skip
    first = _day(params, "from", default_first)
    limit = timedelta(weeks=MAX_WEEKS) if interval == "week" else timedelta(days=MAX_DAYS)
    if first > last or last - first > limit:
        raise InvalidRequest(
            f"Khoảng thời gian: từ ≤ đến, tối đa {MAX_WEEKS} tuần hoặc {MAX_DAYS} ngày / The "
            f"period: from ≤ to, at most {MAX_WEEKS} weeks or {MAX_DAYS} days",
            expression=["from"])  # fmt: skip
    level = _choice(params, "level", ("city", *[x for x in LEVELS if x != "city"]))
    area = params.get("area") or CITY
    if len(area) > 80:
        raise InvalidRequest("area quá dài / area too long", expression=["area"])
    return DashboardQuery(first, last, interval, _choice(params, "basis", BASES),
                          _kinds(params.get("classification")), level,
                          CITY if level == "city" else area)  # fmt: skip
