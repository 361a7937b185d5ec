"""Field formats of QĐ 130/4750: dates, decimals, code lists, mandatory fields.

Dates are local time in Ho Chi Minh City (+07:00, no daylight saving): `yyyyMMddHHmm`
for date-times, `yyyyMMdd` for dates. A HIS that exports `dd/MM/yyyy` (a spreadsheet
habit) is refused with a message naming the field, not guessed at: a swapped day and
month would silently move an admission.

Mandatory fields: the check sheet marks many fields "Bắt buộc" (spec.py); those
mandatory only under a condition, and the sheet's other checks, are spec_conditions.py. Only those a
record cannot be stored without reject it (`CRITICAL`); a missing one of the others is
a warning, because the clinical content is still worth keeping. MAHUYEN_CU_TRU is never
asked for: districts were abolished on 01/07/2025. A value longer than the table allows
is a warning too: it is kept whole rather than cut. Payment fields (totals, prices,
rates) are not checked: they are for BHXH's assessment, not for the health record.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import InvalidOperation

from hoso.core.jsonx import FhirDecimal
from hoso.ingest.xml130.messages import Findings
from hoso.ingest.xml130.spec import TABLES
from hoso.ingest.xml130.wrapper import Row

OFFSET = "+07:00"
CRITICAL = {
    "XML0": ("MA_LK", "HO_TEN", "NGAY_SINH", "GIOI_TINH", "NGAY_VAO", "MA_CSKCB"),
    "XML1": ("MA_LK", "HO_TEN", "NGAY_SINH", "GIOI_TINH", "NGAY_VAO", "MA_LOAI_KCB"),
    "XML2": ("MA_LK", "STT"),
    "XML3": ("MA_LK", "STT"),
    "XML4": ("MA_LK", "STT", "TEN_CHI_SO"),
    "XML5": ("MA_LK", "STT", "DIEN_BIEN_LS"),
    # The papers: a row of another episode must not be filed here, so MA_LK is needed;
    # an appointment without its moment is not an appointment.
    **{t: ("MA_LK",) for t in ("XML6", "XML7", "XML8", "XML9", "XML10", "XML11", "XML13", "XML15")},
    "XML14": ("MA_LK", "NGAY_HEN_KL"),
}
_NEVER_ASKED = {"MAHUYEN_CU_TRU"}
# Payment fields are BHXH's business, not the health record's: not asked for here.
_BILLING = ("T_", "THANH_TIEN", "DON_GIA", "TYLE_", "MUC_HUONG", "PHAM_VI", "NGUON_CTRA",
            "MA_PTTT", "NAM_QT", "THANG_QT", "MA_NHOM")  # fmt: skip
_DAY_FIRST = re.compile(r"\d{1,2}[/-]\d{1,2}[/-]\d{4}")
_DECIMAL = re.compile(r"-?\d+(\.\d+)?")


def check_row(table: str, number: int, row: Row, findings: Findings) -> None:
    """Mandatory fields and maximum sizes of one row."""
    mandatory, sizes = TABLES.get(table, (frozenset(), {}))
    critical = CRITICAL.get(table, ())
    for name in critical:
        if name not in row:
            findings.error(table, number, name, "thiếu trường bắt buộc", "mandatory field missing")
    for name in sorted(mandatory - set(critical) - _NEVER_ASKED):
        if name not in row and not name.startswith(_BILLING):
            findings.warning(table, number, name, "thiếu trường bắt buộc theo QĐ 4750",
                             "field mandatory under QĐ 4750 is missing")  # fmt: skip
    for name, value in row.items():
        limit = sizes.get(name)
        if limit and len(value) > limit:
            findings.warning(table, number, name,
                             f"dài {len(value)} ký tự, tối đa {limit}",
                             f"{len(value)} characters long, at most {limit}")  # fmt: skip


class Place:
    """Where a value sits, so that every parse failure names table, row and field."""

    def __init__(self, table: str, row: int | None, findings: Findings) -> None:
        self.table, self.row, self.findings = table, row, findings

    def error(self, name: str, vi: str, en: str) -> None:
        self.findings.error(self.table, self.row, name, vi, en)

    def warning(self, name: str, vi: str, en: str) -> None:
        self.findings.warning(self.table, self.row, name, vi, en)


def _bad_date(place: Place, name: str, value: str, expected: str) -> None:
    if _DAY_FIRST.fullmatch(value):
        place.error(name, f"ngày '{value}' theo dạng dd/MM/yyyy, phải là {expected}",
                    f"date '{value}' is dd/MM/yyyy, must be {expected}")  # fmt: skip
    else:
        place.error(name, f"ngày giờ '{value}' không đúng định dạng {expected}",
                    f"date '{value}' does not match {expected}")  # fmt: skip


def date_time(place: Place, row: Row, name: str) -> str | None:
    """FHIR dateTime of a `yyyyMMddHHmm` field (an 8-digit date is taken as a day)."""
    value = row.get(name)
    if value is None:
        return None
    try:
        if re.fullmatch(r"\d{12}", value):
            moment = datetime.strptime(value, "%Y%m%d%H%M")
            return moment.strftime("%Y-%m-%dT%H:%M:00") + OFFSET
        if re.fullmatch(r"\d{8}", value):
            return datetime.strptime(value, "%Y%m%d").strftime("%Y-%m-%d")
    except ValueError:
        pass
    _bad_date(place, name, value, "yyyyMMddHHmm")
    return None


def day(place: Place, row: Row, name: str, value: str | None = None) -> str | None:
    """FHIR date of a `yyyyMMdd` field (or of `value`, one part of a `;` list)."""
    value = row.get(name) if value is None else value
    if value is None:
        return None
    if re.fullmatch(r"\d{8}", value):
        try:
            return datetime.strptime(value, "%Y%m%d").date().isoformat()
        except ValueError:
            pass
    _bad_date(place, name, value, "yyyyMMdd")
    return None


def birth(place: Place, row: Row, name: str = "NGAY_SINH") -> tuple[str | None, str | None]:
    """(birthDate, birth time) of NGAY_SINH: unknown parts are zeros and lower the
    precision: `yyyy00000000` is a year, `yyyyMM000000` a month, `…0000` a day."""
    value = row.get(name)
    if value is None:
        return None, None
    if not re.fullmatch(r"\d{12}", value):
        _bad_date(place, name, value, "yyyyMMddHHmm")
        return None, None
    year, month, dom, clock = value[:4], value[4:6], value[6:8], value[8:]
    try:
        if month == "00":
            return year, None
        if dom == "00":
            date(int(year), int(month), 1)
            return f"{year}-{month}", None
        when = datetime.strptime(value, "%Y%m%d%H%M")
    except ValueError:
        _bad_date(place, name, value, "yyyyMMddHHmm")
        return None, None
    iso_day = when.date().isoformat()
    if clock == "0000":
        return iso_day, None
    return iso_day, when.strftime("%Y-%m-%dT%H:%M:00") + OFFSET


def decimal(place: Place, row: Row, name: str) -> FhirDecimal | None:
    """A quantity or amount with its digits as written ("1.500" stays "1.500")."""
    value = row.get(name)
    if value is None:
        return None
    if _DECIMAL.fullmatch(value):
        try:
            return FhirDecimal(value)
        except InvalidOperation:
            pass
    place.error(name, f"'{value}' không phải số (dấu thập phân là '.')",
                f"'{value}' is not a number (decimal separator is '.')")  # fmt: skip
    return None


def split_codes(value: str | None) -> list[str]:
    """The `;`-separated codes of a field, empty parts dropped, order and duplicates kept
    out (a code listed twice is one diagnosis)."""
    seen: list[str] = []
    for part in (value or "").split(";"):
        code = part.strip()
        if code and code not in seen:
            seen.append(code)
    return seen
