"""Vietnamese text normalisation shared by indexing and search.

`fold` makes "Nguyễn Văn Ân", "NGUYEN VAN AN" and "nguyen  van an" compare equal: NFD
decomposition drops the combining marks, and đ/Đ (a separate letter, not a mark) is
folded by hand because Unicode gives it no decomposition.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_D_TABLE = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Case-, diacritic- and whitespace-insensitive form of `text`."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_TABLE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().casefold()


_ASCII_DIGITS = re.compile(r"[0-9]{1,18}")


def whole_number(text: str) -> int | None:
    """`text` as a non-negative integer when it is 1–18 ASCII digits, else None.

    `str.isdigit()` also accepts "²" and "١٢" (which `int()` refuses or reads), and a
    number with thousands of digits would raise in `int()`: a count, a version or an
    ETag from a request goes through here, and anything longer is not a valid one.
    """
    return int(text) if _ASCII_DIGITS.fullmatch(text) else None
