"""Passport numbers: how foreigners (and Vietnamese without a CCCD at hand) are identified.

An identifier is a passport when its system is HL7's passport namespace for the issuing
country, `http://hl7.org/fhir/sid/passport-<ISO 3166 alpha-3>` (the NamingSystems
`passportNumNS-XXX` of terminology.hl7.org), or when its type is `PPN` of
http://terminology.hl7.org/CodeSystem/v2-0203 with a system of the sender's own.

Rules for the number (hard, because a number outside them cannot be a passport):
- Vietnam (`passport-VNM`): one capital letter and 7 digits, e.g. C1234567.
- Any other or unknown country: the ICAO 9303 document-number field holds up to 9
  characters from A–Z and 0–9 (the `<` filler is not part of the number). We accept 5 to
  9, because no issuing state is known to use fewer than 5, and a shorter value is far
  more likely a typing slip than a passport.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "PASSPORT_SYSTEM_PREFIX",
    "VIETNAM",
    "is_passport",
    "parse_passport",
    "passport_country",
    "passport_system",
    "passport_warnings",
]

PASSPORT_SYSTEM_PREFIX = "http://hl7.org/fhir/sid/passport-"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
VIETNAM = "VNM"

_ISO3 = re.compile(r"[A-Z]{3}")
_VIETNAMESE = re.compile(r"[A-Z][0-9]{7}")
_ICAO = re.compile(r"[A-Z0-9]{5,9}")


def _msg(vi: str, en: str) -> str:
    return f"{vi} / {en}"


def passport_system(country: str) -> str:
    """The identifier system for passports issued by `country` (ISO 3166 alpha-3)."""
    return PASSPORT_SYSTEM_PREFIX + country.upper()


def is_passport(identifier: dict[str, Any]) -> bool:
    """HL7 passport system, or type PPN whatever the system."""
    system = identifier.get("system")
    if isinstance(system, str) and system.startswith(PASSPORT_SYSTEM_PREFIX):
        return True
    kind = identifier.get("type")
    codings = kind.get("coding") if isinstance(kind, dict) else None
    return isinstance(codings, list) and any(
        isinstance(c, dict) and c.get("system") == V2_0203 and c.get("code") == "PPN"
        for c in codings
    )


def passport_country(identifier: dict[str, Any]) -> str | None:
    """The issuing country named by the system's suffix, if it is an ISO alpha-3 code."""
    system = identifier.get("system")
    if not isinstance(system, str) or not system.startswith(PASSPORT_SYSTEM_PREFIX):
        return None
    suffix = system[len(PASSPORT_SYSTEM_PREFIX):]
    return suffix if _ISO3.fullmatch(suffix) else None


def parse_passport(value: Any, country: str | None = None) -> str:
    """The number, checked against the rule for `country`; `ValueError` (Vietnamese /
    English) naming what is wrong."""
    if not isinstance(value, str) or not value:
        raise ValueError(_msg("Số hộ chiếu trống", "The passport number is empty"))
    if any(ch.isspace() or ch in ".-_/<" for ch in value):
        raise ValueError(_msg(
            "Số hộ chiếu phải viết liền, không có khoảng trắng, dấu phân cách hay ký tự '<'",
            "A passport number must be written without spaces, separators or '<' fillers"))
    if value != value.upper():
        raise ValueError(_msg(
            f"Số hộ chiếu phải viết chữ in hoa: '{value.upper()}'",
            f"A passport number must be in capital letters: '{value.upper()}'"))
    if country == VIETNAM:
        if not _VIETNAMESE.fullmatch(value):
            raise ValueError(_msg(
                f"Số hộ chiếu Việt Nam gồm 1 chữ cái và 7 chữ số (ví dụ C1234567), nhận "
                f"được '{value}'",
                f"A Vietnamese passport number is one letter and 7 digits (e.g. C1234567), "
                f"got '{value}'"))
        return value
    if not all("A" <= ch <= "Z" or "0" <= ch <= "9" for ch in value):
        raise ValueError(_msg(
            f"Số hộ chiếu chỉ gồm chữ cái A–Z và chữ số 0–9, nhận được '{value}'",
            f"A passport number has only letters A–Z and digits 0–9, got '{value}'"))
    if not _ICAO.fullmatch(value):
        raise ValueError(_msg(
            f"Số hộ chiếu phải dài từ 5 đến 9 ký tự (ICAO 9303), nhận được {len(value)}",
            f"A passport number must be 5 to 9 characters long (ICAO 9303), got "
            f"{len(value)}"))
    return value


def passport_warnings(identifier: dict[str, Any]) -> list[str]:
    """What makes a passport identifier hard to use for matching: no issuing country."""
    system = identifier.get("system")
    if passport_country(identifier) is not None:
        return []
    if isinstance(system, str) and system.startswith(PASSPORT_SYSTEM_PREFIX):
        return [_msg(
            f"Hệ định danh hộ chiếu '{system}' phải kết thúc bằng mã quốc gia ISO 3166 ba "
            f"chữ cái, ví dụ {passport_system(VIETNAM)}",
            f"Passport system '{system}' must end in an ISO 3166 three-letter country "
            f"code, e.g. {passport_system(VIETNAM)}")]
    return [_msg(
        "Không rõ quốc gia cấp hộ chiếu; hãy dùng hệ định danh "
        f"{PASSPORT_SYSTEM_PREFIX}<mã quốc gia>",
        "The issuing country of the passport is unknown; use the system "
        f"{PASSPORT_SYSTEM_PREFIX}<country code>")]
