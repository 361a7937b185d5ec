"""CCCD (số định danh cá nhân): the one hard rule, and structure checks that only warn.

Layout `PPP G YY NNNNNN` (NĐ 137/2015 Art. 13, TT 07/2016 and TT 59/2021/TT-BCA): the
province (or country) of birth registration, a century-and-sex digit, the last two digits
of the birth year, and six random digits, with no check digit. Since Luật Căn cước 2023
only "12 digits" is guaranteed, so a number whose structure disagrees with the record is
stored with a warning, never rejected (DOMAIN-VN.md §1.1 and "Decisions").

A number can be cancelled and a new one issued (NĐ 70/2024 Art. 11 §7). The cancelled one
stays on the Patient with `period.end`, so history is kept and only *current* numbers are
unique among active residents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from hoso.core.clock import VN_TZ, now
from hoso.core.errors import Issue

__all__ = [
    "CCCD_PROVINCES",
    "CccdParts",
    "cccd_mismatches",
    "check_patient_cccd",
    "current_cccds",
    "parse_cccd",
]

# The 63 pre-2025 province codes (TT 07/2016, TT 59/2021). Numbers keep them after the 2025
# merger, so the list is closed: a code outside it is a country code or an error.
CCCD_PROVINCES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn",
    "008": "Tuyên Quang", "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu",
    "014": "Sơn La", "015": "Yên Bái", "017": "Hòa Bình", "019": "Thái Nguyên",
    "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang", "025": "Phú Thọ",
    "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định",
    "037": "Ninh Bình", "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh",
    "044": "Quảng Bình", "045": "Quảng Trị", "046": "Thừa Thiên Huế", "048": "Đà Nẵng",
    "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định", "054": "Phú Yên",
    "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng",
    "070": "Bình Phước", "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai",
    "077": "Bà Rịa–Vũng Tàu", "079": "TP. Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang",
    "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long", "087": "Đồng Tháp",
    "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang",
    "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}

_TWELVE_DIGITS = re.compile(r"[0-9]{12}")  # ASCII only: str.isdigit() also takes "١٢"
_YEAR = re.compile(r"[0-9]{4}")


def _msg(vi: str, en: str) -> str:
    return f"{vi} / {en}"


@dataclass(frozen=True, slots=True)
class CccdParts:
    """The four fields of a well-formed number."""

    value: str
    place_code: str  # PPP: province (or country) of birth registration
    century_sex: int  # G: even = male, odd = female; G // 2 = centuries after 1900
    year_digits: str  # YY
    serial: str  # NNNNNN, random

    @property
    def province(self) -> str | None:
        return CCCD_PROVINCES.get(self.place_code)

    @property
    def sex(self) -> str:
        """FHIR AdministrativeGender code implied by G."""
        return "male" if self.century_sex % 2 == 0 else "female"

    @property
    def century_start(self) -> int:
        return 1900 + 100 * (self.century_sex // 2)

    @property
    def birth_year(self) -> int:
        return self.century_start + int(self.year_digits)


def parse_cccd(value: Any) -> CccdParts:
    """Split a CCCD; `ValueError` (Vietnamese / English message) unless exactly 12 digits."""
    if not isinstance(value, str) or not _TWELVE_DIGITS.fullmatch(value):
        raise ValueError(_msg("Số CCCD phải gồm đúng 12 chữ số",
                              "A CCCD number must be exactly 12 digits"))
    return CccdParts(value, value[:3], int(value[3]), value[4:6], value[6:])


def cccd_mismatches(parts: CccdParts, birth_year: int | None, gender: str | None,
                    this_year: int) -> list[str]:
    """What the structure says that the record does not, one message per part."""
    found = []
    if parts.province is None:
        found.append(_msg(
            f"Mã nơi đăng ký khai sinh {parts.place_code} không phải mã tỉnh (có thể là mã "
            "quốc gia)",
            f"Birth-registration code {parts.place_code} is not a province code (perhaps a "
            "country code)"))
    g, first, last = parts.century_sex, parts.century_start, parts.century_start + 99
    if birth_year is not None and not first <= birth_year <= last:
        found.append(_msg(
            f"Chữ số thế kỷ {g} ({first}–{last}) không khớp năm sinh {birth_year}",
            f"Century digit {g} ({first}–{last}) does not match birth year {birth_year}"))
    if birth_year is not None and birth_year % 100 != int(parts.year_digits):
        found.append(_msg(
            f"Hai số năm sinh {parts.year_digits} không khớp năm sinh {birth_year}",
            f"Year digits {parts.year_digits} do not match birth year {birth_year}"))
    if birth_year is None and parts.birth_year > this_year:
        found.append(_msg(
            f"Chữ số thế kỷ và năm sinh cho năm sinh {parts.birth_year} ở tương lai",
            f"Century and year digits give a birth year {parts.birth_year} in the future"))
    if gender in ("male", "female") and parts.sex != gender:
        vi = {"male": "nam", "female": "nữ"}
        found.append(_msg(
            f"Chữ số giới tính {g} ({vi[parts.sex]}) không khớp giới tính {vi[gender]}",
            f"Sex digit {g} ({parts.sex}) does not match gender {gender}"))
    return found


def check_patient_cccd(patient: dict[str, Any], cccd_system: str, *,
                       at: datetime | None = None) -> tuple[list[Issue], list[Issue]]:
    """(errors, warnings) for the Patient's CCCD identifiers.

    Every CCCD must be 12 digits. Structure is checked only on current numbers: a
    cancelled one may have been cancelled for being wrong, and is history now.
    """
    at = at or now()
    errors: list[Issue] = []
    warnings: list[Issue] = []
    birth = patient.get("birthDate")
    birth_year = int(birth[:4]) if isinstance(birth, str) and _YEAR.match(birth) else None
    gender = patient.get("gender")
    current: list[str] = []
    for i, ident in _cccd_identifiers(patient, cccd_system):
        path = f"Patient.identifier[{i}].value"
        try:
            parts = parse_cccd(ident.get("value"))
        except ValueError as exc:
            errors.append(Issue("error", "value", str(exc), (path,)))
            continue
        if not _is_current(ident, at):
            continue
        current.append(path)
        this_year = at.astimezone(VN_TZ).year
        for message in cccd_mismatches(parts, birth_year, gender, this_year):
            warnings.append(Issue("warning", "business-rule", message, (path,)))
    if len(current) > 1:
        warnings.append(Issue("warning", "business-rule", _msg(
            "Có nhiều hơn một số CCCD hiện hành; số đã hủy cần period.end",
            "More than one current CCCD; a cancelled number needs period.end"), tuple(current)))
    return errors, warnings


def current_cccds(patient: dict[str, Any], cccd_system: str, *,
                  at: datetime | None = None) -> list[str]:
    """The CCCD values in force at `at` (default now): what must be unique among residents."""
    at = at or now()
    values: list[str] = []
    for _, ident in _cccd_identifiers(patient, cccd_system):
        value = ident.get("value")
        if isinstance(value, str) and value not in values and _is_current(ident, at):
            values.append(value)
    return values


def _cccd_identifiers(patient: dict[str, Any], system: str) -> list[tuple[int, dict[str, Any]]]:
    identifiers = patient.get("identifier")
    if not isinstance(identifiers, list):
        return []
    return [(i, ident) for i, ident in enumerate(identifiers)
            if isinstance(ident, dict) and ident.get("system") == system]


def _is_current(ident: dict[str, Any], at: datetime) -> bool:
    """No `period.end`, or one still ahead; `use: old` also marks a number out of force."""
    if ident.get("use") == "old":
        return False
    period = ident.get("period")
    end = period.get("end") if isinstance(period, dict) else None
    if not isinstance(end, str):
        return True
    bound = _end_bound(end)
    return bound is None or at < bound  # an unreadable end never frees a number


def _end_bound(end: str) -> datetime | None:
    """First instant after the period: FHIR's end includes the whole of a partial date."""
    try:
        if "T" in end:
            moment = datetime.fromisoformat(end)
            return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)
        year, month, day = ([int(p) for p in end.split("-")] + [0, 0])[:3]
        if day:
            first = date(year, month, day) + timedelta(days=1)
        elif month:
            first = date(year + month // 12, month % 12 + 1, 1)
        else:
            first = date(year + 1, 1, 1)
    except ValueError:
        return None
    return datetime.combine(first, time(), VN_TZ)
