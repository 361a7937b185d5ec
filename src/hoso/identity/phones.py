"""Vietnamese phone numbers in one national form, so two records of a person compare.

People write the same number as "+84 90 123 4567", "84901234567", "0901.234.567" or, from
before 2018, with an 11-digit mobile prefix. All become "0901234567":

- mobiles: 10 digits, "0" then 3, 5, 7, 8 or 9 (the ranges left to mobile networks after
  the conversions of 2017–2018);
- landlines: 11 digits, "0" then an area code starting with 2 (028 for Ho Chi Minh City,
  024 for Hà Nội, 02xx elsewhere) and the subscriber number;
- old 11-digit mobiles: converted by the 2018 table below.

Numbers written with the pre-2017 landline codes (08 for the city) are not rewritten:
"08 3822 1234" is indistinguishable from a mobile on 083 and is kept as such.
"""

from __future__ import annotations

import re

__all__ = ["MOBILE_PREFIXES_2018", "normalise_phone", "phone_problem"]

# 11-digit mobile prefix → 10-digit prefix. Plan of the Ministry of Information and
# Communications (Bộ Thông tin và Truyền thông), Quyết định 798/QĐ-BTTTT of 25/05/2018
# "Kế hoạch chuyển đổi mã mạng", carried out 15/09/2018 – 30/06/2019; table as published
# by the ministry on 29/05/2018 and repeated in provincial notices (e.g. Cầu Giấy district,
# Hà Nội, 15/09/2018). The last 7 digits are kept.
MOBILE_PREFIXES_2018: dict[str, str] = {
    # MobiFone
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
    # VinaPhone
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
    # Viettel
    "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036",
    "0167": "037", "0168": "038", "0169": "039",
    # Vietnamobile
    "0186": "056", "0188": "058",
    # Gmobile
    "0199": "059",
}  # fmt: skip

_SEPARATORS = re.compile(r"[\s.\-()/]+")
_DIGITS = re.compile(r"\+?[0-9]+")  # ASCII only
_MOBILE = re.compile(r"0[35789][0-9]{8}")
_LANDLINE = re.compile(r"02[0-9]{9}")
_OLD_MOBILE = re.compile(r"01[0-9]{9}")


def _msg(vi: str, en: str) -> str:
    return f"{vi} / {en}"


def normalise_phone(text: str) -> str | None:
    """The national form "0xxxxxxxxx" (10 digits, mobile) or "02xxxxxxxxx" (11, landline);
    None when `text` is not a Vietnamese phone number."""
    national = _national(text)
    if national is None:
        return None
    if len(national) == 11 and _OLD_MOBILE.fullmatch(national):
        new = MOBILE_PREFIXES_2018.get(national[:4])
        return new + national[4:] if new else None
    if _MOBILE.fullmatch(national) or _LANDLINE.fullmatch(national):
        return national
    return None


def phone_problem(text: str) -> str | None:
    """Why `text` is not a Vietnamese phone number (Vietnamese / English), or None when
    `normalise_phone` accepts it."""
    if normalise_phone(text) is not None:
        return None
    compact = _SEPARATORS.sub("", text) if isinstance(text, str) else ""
    if not compact:
        return _msg("Số điện thoại trống", "The phone number is empty")
    if not _DIGITS.fullmatch(compact):
        return _msg(
            f"Số điện thoại '{text}' chỉ được có chữ số, dấu + ở đầu, dấu cách, dấu chấm, "
            "gạch ngang và ngoặc",
            f"Phone number '{text}' may contain only digits, a leading +, spaces, dots, "
            "hyphens and brackets")
    foreign_plus = compact.startswith("+") and not compact.startswith("+84")
    if foreign_plus or (compact.startswith("00") and not compact.startswith("0084")):
        return _msg(
            f"Số điện thoại '{text}' không có mã quốc gia Việt Nam (+84)",
            f"Phone number '{text}' does not have Vietnam's country code (+84)")
    national = _national(text) or compact
    if len(national) == 11 and national.startswith("01"):
        return _msg(
            f"Đầu số {national[:4]} không có trong bảng chuyển đổi thuê bao 11 số sang 10 số "
            "năm 2018",
            f"Prefix {national[:4]} is not in the 2018 table converting 11-digit mobiles to "
            "10 digits")
    if len(national) not in (10, 11):
        return _msg(
            f"Số điện thoại Việt Nam có 10 chữ số (di động) hoặc 11 chữ số (cố định), nhận "
            f"được {len(national)}",
            f"A Vietnamese phone number has 10 digits (mobile) or 11 (landline), got "
            f"{len(national)}")
    return _msg(
        f"Đầu số {national[:3]} không phải đầu số di động (03, 05, 07, 08, 09) hay mã vùng "
        "cố định (02)",
        f"Prefix {national[:3]} is neither a mobile prefix (03, 05, 07, 08, 09) nor a "
        "landline area code (02)")


def _national(text: str) -> str | None:
    """Digits in national form (leading 0), country code +84 / 0084 / 84 removed; None
    for a foreign country code or characters that are not part of a number."""
    if not isinstance(text, str):
        return None
    compact = _SEPARATORS.sub("", text)
    if not _DIGITS.fullmatch(compact):
        return None
    if compact.startswith("+"):
        if not compact.startswith("+84"):
            return None
        rest = compact[3:]
    elif compact.startswith("0084"):
        rest = compact[4:]
    elif compact.startswith("00"):
        return None  # international prefix of another country
    elif compact.startswith("84") and len(compact) in (11, 12):
        rest = compact[2:]  # "84901234567": country code without +
    else:
        return compact
    return rest if rest.startswith("0") else "0" + rest  # "+84 (0) 90…" keeps its 0
