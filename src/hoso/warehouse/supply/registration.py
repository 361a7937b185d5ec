"""Drug registration numbers (số đăng ký lưu hành, SĐK; XML 130's XML2 `SO_DANG_KY`):
parsed into (kind, domestic or imported, sequence, year), or refused with a message
naming the formats that exist (docs/warehouse-supply.md, "Số đăng ký").

Two families are in circulation at once, since a registration stays valid for its
term (5 years) after the format changed:

- the old prefixed numbers, `<prefix>-<sequence>-<yy>`: `VD-12345-19` (a drug made in
  Viet Nam), `VN-12345-19` (a foreign drug), `VN2-…`/`VN3-…`, `QLĐB-…` (drugs under
  special control, e.g. new active ingredients), `QLSP-…` (biologicals), `QLVX-…`
  (vaccines), `GC-…` (contract manufacturing in Viet Nam), `VS-…`, `VD2-`/`VD3-`…;
- the new 12-digit numbers of Thông tư 08/2022/TT-BYT (05/09/2022, drug and
  ingredient registration): three digits for the country of manufacture (its GS1
  prefix, 893 for Viet Nam), then a digit for the kind of product, a digit for the
  registration procedure, a five-digit sequence and the last two digits of the year.
  The country prefix and the year are what the warehouse reads; the meaning of the two
  middle digits is kept as a code (HOUSE: their table was not found in a source we
  could read, so they are not interpreted).

Where a prefix's origin is not settled by a source (QLĐB, QLSP, QLVX: both domestic and
foreign products carry them), `domestic` is None rather than a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hoso.core.errors import InvalidRequest

__all__ = ["NEW_FORMAT", "OLD_PREFIXES", "Registration", "parse_registration"]

VIET_NAM_GS1 = "893"
NEW_FORMAT = "tt08-2022"
MAX_CHARS = 64  # XML2 allows 255; no real number is longer than about 20
# prefix → (Vietnamese description, made in Viet Nam? None: either)
OLD_PREFIXES: dict[str, tuple[str, bool | None]] = {
    "VD": ("thuốc sản xuất trong nước", True),
    "VD2": ("thuốc sản xuất trong nước (cấp lần 2)", True),  # HOUSE: the digit's meaning
    "VD3": ("thuốc sản xuất trong nước (cấp lần 3)", True),  # HOUSE
    "VN": ("thuốc nước ngoài (nhập khẩu)", False),
    "VN2": ("thuốc nước ngoài (nhập khẩu)", False),
    "VN3": ("thuốc nước ngoài (nhập khẩu)", False),
    "VNA": ("thuốc nước ngoài (nhập khẩu)", False),  # HOUSE
    "VNB": ("thuốc nước ngoài (nhập khẩu)", False),  # HOUSE
    "GC": ("thuốc gia công tại Việt Nam", True),
    "QLĐB": ("thuốc quản lý đặc biệt", None),
    "QLSP": ("sinh phẩm", None),
    "QLVX": ("vắc xin", None),
    "VS": ("vắc xin, sinh phẩm sản xuất trong nước", True),  # HOUSE
}
_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-"})
_OLD = re.compile(r"([A-ZĐ]{2,4}[0-9]?)-([0-9]{1,6})-([0-9]{2})")
_NEW = re.compile(r"([0-9]{3})([0-9])([0-9])([0-9]{5})([0-9]{2})")


@dataclass(frozen=True, slots=True)
class Registration:
    number: str  # normalised: upper case, ASCII dashes, no spaces, "QLĐB" with Đ
    kind: str  # the old prefix ("VD", "QLĐB"…) or NEW_FORMAT
    domestic: bool | None
    sequence: str  # digits as written (leading zeros kept)
    year: int  # four digits
    country: str | None = None  # new format: the GS1 prefix of the country of manufacture
    product_digit: str | None = None  # new format: digits 4 and 5, uninterpreted (HOUSE)
    procedure_digit: str | None = None

    @property
    def description_vi(self) -> str:
        if self.kind == NEW_FORMAT:
            return "số đăng ký 12 chữ số (TT 08/2022/TT-BYT)"
        return OLD_PREFIXES[self.kind][0]


def _bad(raw: str, why_vi: str, why_en: str) -> InvalidRequest:
    shown = raw[:MAX_CHARS]
    return InvalidRequest(
        f"Số đăng ký thuốc '{shown}' không hợp lệ: {why_vi}. Định dạng đúng: VD-12345-19, "
        f"VN-12345-19, QLĐB-123-19, GC-123-19… hoặc 12 chữ số theo Thông tư 08/2022/TT-BYT "
        f"(ví dụ 893110012323) / drug registration number '{shown}' is invalid: {why_en}",
        expression=["SO_DANG_KY"],
    )


def _year(two: str) -> int:
    # Registration began in the 1990s: "95" is 1995, "19" is 2019.
    return (1900 if int(two) >= 90 else 2000) + int(two)


def normalise(raw: str) -> str:
    text = "".join(raw.translate(_DASHES).split()).upper()
    # "QLDB" is how an ASCII-only system writes QLĐB.
    return re.sub(r"^QLDB(?=-)", "QLĐB", text)


def parse_registration(raw: str) -> Registration:
    """The number's parts, or InvalidRequest (400) saying in Vietnamese what is wrong."""
    if not isinstance(raw, str) or not raw.strip():
        raise _bad("", "trống", "empty")
    if len(raw) > MAX_CHARS:
        raise _bad(raw, f"dài quá {MAX_CHARS} ký tự", f"longer than {MAX_CHARS} characters")
    text = normalise(raw)
    new = _NEW.fullmatch(text)
    if new:
        country, product, procedure, sequence, yy = new.groups()
        if int(yy) < 22:  # the format exists from Thông tư 08/2022 on
            raise _bad(raw, f"năm cấp 20{yy} trước khi có định dạng 12 chữ số (2022)",
                       f"year 20{yy} is before the 12-digit format (2022)")  # fmt: skip
        return Registration(text, NEW_FORMAT, country == VIET_NAM_GS1, sequence, 2000 + int(yy),
                            country, product, procedure)  # fmt: skip
    if text.isdigit():
        raise _bad(raw, f"số mới phải có đúng 12 chữ số (có {len(text)})",
                   f"a new-format number has exactly 12 digits (got {len(text)})")  # fmt: skip
    old = _OLD.fullmatch(text)
    if old is None:
        raise _bad(raw, "không đúng dạng <ký hiệu>-<số thứ tự>-<năm>",
                   "not <prefix>-<sequence>-<yy>")  # fmt: skip
    prefix, sequence, yy = old.groups()
    if prefix not in OLD_PREFIXES:
        raise _bad(raw, f"ký hiệu '{prefix}' không có trong danh mục",
                   f"unknown prefix '{prefix}'")  # fmt: skip
    return Registration(text, prefix, OLD_PREFIXES[prefix][1], sequence, _year(yy))
