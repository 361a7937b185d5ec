"""A register's rows as licences, every problem named by line and column.

Columns (HOUSE names, Vietnamese without marks, as the Sở Y tế's published lists are
usually re-keyed; the header's case does not matter):

certificates: `so_giay_phep` (number), `loai` (CCHN | GPHN | CCHND), `ho_ten`,
`ngay_sinh` (optional), `chuc_danh` (a title code, model.TITLES), `pham_vi` (scope
codes, `;` between them; default: the title's own), `ngay_cap` (dd/mm/yyyy),
`ngay_het_han` (optional; a GPHN's default is issue + 5 years), `noi_cap` (issuer),
`trang_thai` (hieu-luc | dinh-chi | thu-hoi | an; default hieu-luc), `ngay_trang_thai`.

facilities: `so_giay_phep`, `ten_co_so`, `ma_co_so` (MA_CSKCB, optional),
`hinh_thuc` (model.FACILITY_KINDS), `pham_vi` (text), `dia_chi`, `so_giuong`,
`ngay_cap`, `ngay_het_han` (optional), `noi_cap`, `trang_thai`, `ngay_trang_thai`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from hoso.warehouse.licences.model import (
    ACTIVE,
    CCHND,
    FACILITY_KINDS,
    GPHN,
    GPHN_YEARS,
    KINDS,
    SCOPES,
    STATUSES,
    TITLES,
    Certificate,
    FacilityLicence,
    add_years,
    normalise_number,
)
from hoso.warehouse.licences.sheets import Row

__all__ = ["CERTIFICATE_COLUMNS", "FACILITY_COLUMNS", "Problem", "parse_certificates",
           "parse_facilities", "source_date"]  # fmt: skip

CERTIFICATE_COLUMNS = ("so_giay_phep", "loai", "ho_ten", "chuc_danh", "ngay_cap", "noi_cap")
FACILITY_COLUMNS = ("so_giay_phep", "ten_co_so", "hinh_thuc", "dia_chi", "ngay_cap", "noi_cap")
STATED_DATE = re.compile(r"\b([0-3]?[0-9])/([01]?[0-9])/((?:19|20)[0-9]{2})\b")
NUMBER = re.compile(r"[0-9A-Z][0-9A-Z/.\-]{2,39}")
# The scope a title practises when the row names none (HOUSE).
TITLE_SCOPE = {
    "bac-si": "y-khoa", "y-si": "y-si-da-khoa", "dieu-duong": "dieu-duong",
    "ho-sinh": "ho-sinh", "ky-thuat-y": "ky-thuat-xet-nghiem", "dinh-duong-lam-sang": "dinh-duong",
    "cap-cuu-ngoai-vien": "cap-cuu-ngoai-vien", "tam-ly-lam-sang": "tam-ly-lam-sang",
    "luong-y": "y-hoc-co-truyen", "bai-thuoc-gia-truyen": "y-hoc-co-truyen", "duoc-si": "duoc",
}  # fmt: skip
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    column: str
    message: str  # Vietnamese / English

    def __str__(self) -> str:
        return f"dòng {self.line}, cột {self.column}: {self.message}"


class _Bad(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def _day(cells: dict[str, str], column: str, *, required: bool) -> date | None:
    text = cells.get(column, "")
    if not text:
        if required:
            raise _Bad(column, "thiếu ngày / date missing")
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise _Bad(column, f"ngày không hợp lệ {text[:20]!r} (dd/mm/yyyy) / invalid date")


def _required(cells: dict[str, str], column: str) -> str:
    value = cells.get(column, "")
    if not value:
        raise _Bad(column, "bắt buộc / required")
    return value


def _choice(cells: dict[str, str], column: str, allowed: Sequence[str], default: str = ""
            ) -> str:  # fmt: skip
    value = cells.get(column, "").strip().lower() or default
    if value not in allowed:
        raise _Bad(column, f"giá trị không hợp lệ {value[:30]!r} / not one of the codes")
    return value


def _number(cells: dict[str, str]) -> str:
    number = normalise_number(_required(cells, "so_giay_phep"))
    if not NUMBER.fullmatch(number):
        raise _Bad("so_giay_phep", "số giấy phép không hợp lệ / malformed licence number")
    return number


def _status(cells: dict[str, str]) -> tuple[str, date | None]:
    status = _choice(cells, "trang_thai", tuple(STATUSES), ACTIVE)
    return status, _day(cells, "ngay_trang_thai", required=False)


def _dates(cells: dict[str, str], default_years: int | None) -> tuple[date, date | None]:
    issued = _day(cells, "ngay_cap", required=True)
    assert issued is not None
    expires = _day(cells, "ngay_het_han", required=False)
    if expires is None and default_years:
        expires = date.fromordinal(add_years(issued, default_years).toordinal() - 1)
    if expires is not None and expires < issued:
        raise _Bad("ngay_het_han", "hết hạn trước ngày cấp / expires before it was issued")
    return issued, expires


def _certificate(cells: dict[str, str]) -> Certificate:
    number = _number(cells)
    kind = _choice(cells, "loai", tuple(k.lower() for k in KINDS)).upper()
    title = _choice(cells, "chuc_danh", tuple(TITLES))
    if (kind == CCHND) != (title == "duoc-si"):
        raise _Bad("loai", "CCHND chỉ cho dược sĩ / CCHND is for pharmacists only")
    written = [s.strip().lower() for s in cells.get("pham_vi", "").split(";") if s.strip()]
    for scope in written:
        if scope not in SCOPES:
            raise _Bad("pham_vi", f"phạm vi không hợp lệ {scope[:30]!r} / unknown scope code")
    scopes = tuple(dict.fromkeys(written)) or (TITLE_SCOPE[title],)
    issued, expires = _dates(cells, GPHN_YEARS if kind == GPHN else None)
    status, status_date = _status(cells)
    return Certificate(number=number, kind=kind, title=title, scopes=scopes, issued=issued,
                       expires=expires, issuer=_required(cells, "noi_cap"), status=status,
                       status_date=status_date,
                       holder=_required(cells, "ho_ten"))  # fmt: skip


def _beds(cells: dict[str, str]) -> int | None:
    text = cells.get("so_giuong", "")
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 6:  # "¹" is a digit, not an int
        raise _Bad("so_giuong", "số giường không hợp lệ / invalid number of beds")
    return int(text)


def _facility(cells: dict[str, str]) -> FacilityLicence:
    number = _number(cells)
    kind = _choice(cells, "hinh_thuc", tuple(FACILITY_KINDS))
    issued, expires = _dates(cells, None)
    status, status_date = _status(cells)
    code = cells.get("ma_co_so", "").strip()
    if code and not re.fullmatch(r"[0-9A-Za-z]{1,20}", code):
        raise _Bad("ma_co_so", "mã cơ sở không hợp lệ / invalid facility code")
    return FacilityLicence(
        number=number, name=_required(cells, "ten_co_so"), kind=kind,
        scope=cells.get("pham_vi", ""), address=_required(cells, "dia_chi"), beds=_beds(cells),
        issued=issued, expires=expires, issuer=_required(cells, "noi_cap"), status=status,
        status_date=status_date, facility_code=code,
    )  # fmt: skip


def _parse(rows: Sequence[Row], columns: Sequence[str], one: Callable[[dict[str, str]], T]
           ) -> tuple[list[tuple[int, T]], list[Problem]]:  # fmt: skip
    problems: list[Problem] = []
    if rows:
        missing = [c for c in columns if c not in rows[0].cells]
        if missing:
            return [], [Problem(1, c, "thiếu cột / column missing") for c in missing]
    parsed: list[tuple[int, T]] = []
    seen: dict[str, int] = {}
    for row in rows:
        try:
            item = one(row.cells)
        except _Bad as bad:
            problems.append(Problem(row.line, bad.column, str(bad)))
            continue
        number = getattr(item, "number")  # noqa: B009 (both kinds have one)
        if number in seen:
            problems.append(Problem(row.line, "so_giay_phep",
                                    f"trùng số với dòng {seen[number]} / same number as line "
                                    f"{seen[number]}"))  # fmt: skip
            continue
        seen[number] = row.line
        parsed.append((row.line, item))
    return parsed, problems


def parse_certificates(rows: Sequence[Row]
                       ) -> tuple[list[tuple[int, Certificate]], list[Problem]]:  # fmt: skip
    return _parse(rows, CERTIFICATE_COLUMNS, _certificate)


def parse_facilities(rows: Sequence[Row]
                     ) -> tuple[list[tuple[int, FacilityLicence]], list[Problem]]:  # fmt: skip
    return _parse(rows, FACILITY_COLUMNS, _facility)


def source_date(source: str) -> date | None:
    """The date a source states ("Sở Y tế TP.HCM, công khai 01/12/2026": 01/12/2026),
    the last one if several; None when it states none or an impossible one."""
    found = STATED_DATE.findall(source)
    if not found:
        return None
    d, mth, y = found[-1]
    try:
        return date(int(y), int(mth), int(d))
    except ValueError:
        return None
