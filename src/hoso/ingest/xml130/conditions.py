"""The kinds of check the QĐ 4750 check sheets state beyond "mandatory" and "at most N
characters": a field required when another has a value, all-or-none groups, dates in
order, allowed values, number formats, day counts within a span, "if present, the same
as XML1", a table sent only for some kinds of visit. The rules themselves, transcribed
from the sheets with their own wording, are data in `spec_conditions.py`.

Every finding is a warning, as a missing unconditionally mandatory field is
(`fields.py`): the sheet says what BHXH's assessment expects, and the clinical content
is still worth keeping. Each names table, row and field, Vietnamese then English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from hoso.ingest.xml130.fields import Place
from hoso.ingest.xml130.wrapper import Row

SHEET_VI, SHEET_EN = "bảng kiểm QĐ 4750", "QĐ 4750 check sheet"


def _parts(value: str | None) -> set[str]:
    """The values of a field, a `;` list counting each part (MA_XU_TRI "1;4")."""
    return {p.strip() for p in (value or "").split(";") if p.strip()}


@dataclass(frozen=True)
class Present:
    name: str

    def holds(self, row: Row) -> bool:
        return self.name in row

    @property
    def vi(self) -> str:
        return f"{self.name} có dữ liệu"

    @property
    def en(self) -> str:
        return f"{self.name} is given"


@dataclass(frozen=True)
class Absent:
    names: tuple[str, ...]

    def holds(self, row: Row) -> bool:
        return not any(name in row for name in self.names)

    @property
    def vi(self) -> str:
        return f"{' và '.join(self.names)} để trống"

    @property
    def en(self) -> str:
        return f"{' and '.join(self.names)} are empty"


@dataclass(frozen=True)
class Is:
    """The field (or one part of its `;` list) is one of `values`; with `negate`, the
    field is given and none of its parts is."""

    name: str
    values: tuple[str, ...]
    negate: bool = False

    def holds(self, row: Row) -> bool:
        if self.name not in row:
            return False
        hit = bool(_parts(row[self.name]) & set(self.values))
        return hit != self.negate

    @property
    def vi(self) -> str:
        among = "một trong " if len(self.values) > 1 else ""
        verb = "không là " if self.negate else "là "
        return f"{self.name} {verb}{among}{', '.join(self.values)}"

    @property
    def en(self) -> str:
        among = "one of " if len(self.values) > 1 else ""
        return f"{self.name} is {'not ' if self.negate else ''}{among}{', '.join(self.values)}"


class Condition(Protocol):
    def holds(self, row: Row) -> bool: ...

    @property
    def vi(self) -> str: ...

    @property
    def en(self) -> str: ...


class Rule(Protocol):
    """One check of one table; `sheet` is the check sheet's cell it applies, verbatim."""

    table: str
    field: str
    sheet: str

    def check(self, place: Place, row: Row, summary: Row | None) -> None: ...


@dataclass(frozen=True)
class RequiredWhen:
    table: str
    field: str
    when: Condition
    sheet: str

    def check(self, place: Place, row: Row, summary: Row | None) -> None:
        if self.field not in row and self.when.holds(row):
            place.warning(self.field, f"thiếu trường bắt buộc khi {self.when.vi} ({SHEET_VI})",
                          f"missing, required when {self.when.en} ({SHEET_EN})")  # fmt: skip


@dataclass(frozen=True)
class AllOrNone:
    table: str
    field: str
    others: tuple[str, ...]
    sheet: str

    def check(self, place: Place, row: Row, summary: Row | None) -> None:
        group = (self.field, *self.others)
        given = [name for name in group if name in row]
        if not given or len(given) == len(group):
            return
        for name in group:
            if name not in row:
                place.warning(name, f"thiếu: {', '.join(group)} phải có đủ cả "
                              f"{len(group)} trường hoặc để trống cả ({SHEET_VI})",
                              f"missing: {', '.join(group)} go all {len(group)} together or "
                              f"not at all ({SHEET_EN})")  # fmt: skip


_MOMENT = re.compile(r"\d{8}(\d{4})?")


@dataclass(frozen=True)
class NotBefore:
    """`field` >= `other` in the same row, dates or date-times compared on the day
    when one of them is a date (NGAY_CT, yyyyMMdd, against NGAY_VAO, yyyyMMddHHmm)."""

    table: str
    field: str
    other: str
    sheet: str

    def check(self, place: Place, row: Row, summary: Row | None) -> None:
        value, other = row.get(self.field), row.get(self.other)
        if not (value and other and _MOMENT.fullmatch(value) and _MOMENT.fullmatch(other)):
            return  # absent, or a format error the date parser reports
        width = min(len(value), len(other))
        if value[:width] < other[:width]:
            place.warning(self.field, f"'{value}' trước {self.other} '{other}' (phải >= "
                          f"{self.other}, {SHEET_VI})", f"'{value}' is before {self.other} "
                          f"'{other}' (must be >= {self.other}, {SHEET_EN})")  # fmt: skip


@dataclass(frozen=True)
class Allowed:
    table: str
    field: str
    values: tuple[str, ...]
    sheet: str

    def check(self, place: Place, row: Row, summary: Row | None) -> None:
        value = row.get(self.field)
        if value is not None and value not in self.values:
            allowed = " / ".join(self.values)
            place.warning(self.field, f"giá trị '{value[:50]}' không hợp lệ: chỉ được để trống "
                          f"hoặc {allowed} ({SHEET_VI})", f"value '{value[:50]}' not allowed: "
                          f"empty or {allowed} only ({SHEET_EN})")  # fmt: skip


@dataclass(frozen=True)
class Pattern:
    table: str
    field: str
    pattern: str
    vi: str
    en: str
    sheet: str

    def check(self, place: Place, row: Row, summary: Row | None) -> None:
        value = row.get(self.field)
        if value is not None and not re.fullmatch(self.pattern, value):
            place.warning(self.field, f"'{value[:50]}' {self.vi} ({SHEET_VI})",
                          f"'{value[:50]}' {self.en} ({SHEET_EN})")  # fmt: skip


def _day(value: str | None) -> date | None:
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8])) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class AtMostDaysBetween:
    """A number of days no more than the days from `start` to `end` (yyyyMMdd)."""

    table: str
    field: str
    start: str
    end: str
    sheet: str

    def check(self, place: Place, row: Row, summary: Row | None) -> None:
        value = row.get(self.field, "")
        start, end = _day(row.get(self.start)), _day(row.get(self.end))
        if not (value.isdigit() and start and end):
            return
        span = (end - start).days
        if int(value) > span:
            place.warning(self.field, f"{int(value)} ngày, nhiều hơn {span} ngày từ "
                          f"{self.start} đến {self.end} ({SHEET_VI})", f"{int(value)} days, "
                          f"more than the {span} days from {self.start} to {self.end} "
                          f"({SHEET_EN})")  # fmt: skip


@dataclass(frozen=True)
class SameAsSummary:
    """If given, the value XML1 has for the same field."""

    table: str
    field: str
    sheet: str

    def check(self, place: Place, row: Row, summary: Row | None) -> None:
        value = row.get(self.field)
        if value is None or summary is None:
            return
        expected = summary.get(self.field)
        if value == expected:
            return
        if expected is None:
            place.warning(self.field, f"'{value[:60]}' nhưng XML1 để trống ({SHEET_VI})",
                          f"'{value[:60]}' but XML1 has none ({SHEET_EN})")  # fmt: skip
        else:
            place.warning(self.field, f"'{value[:60]}' khác XML1 '{expected[:60]}' ({SHEET_VI})",
                          f"'{value[:60]}' differs from XML1's '{expected[:60]}' "
                          f"({SHEET_EN})")  # fmt: skip


@dataclass(frozen=True)
class OnlyForVisits:
    """The whole table belongs to some kinds of visit (XML1's `summary_field`)."""

    table: str
    field: str
    summary_field: str
    values: tuple[str, ...]
    sheet: str

    def check(self, place: Place, row: Row, summary: Row | None) -> None:
        kind = (summary or {}).get(self.summary_field)
        if summary is not None and kind not in self.values:
            listed = ", ".join(self.values)
            place.warning(self.field, f"bảng {self.table} chỉ có khi {self.summary_field} của "
                          f"XML1 là {listed} (đang là '{kind or ''}', {SHEET_VI})",
                          f"table {self.table} belongs only to visits whose XML1 "
                          f"{self.summary_field} is {listed} (here '{kind or ''}', "
                          f"{SHEET_EN})")  # fmt: skip
