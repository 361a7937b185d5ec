"""Visual acuity as typed at a school screening, read into logMAR.

Accepted forms (docs/programmes-eyes.md):
- a Snellen fraction `a/b` — metric `6/9`, imperial `20/40`, or the Vietnamese `x/10`
  (`5/10` is decimal 0.5): logMAR = log10(b / a), whatever the units, so every chart's
  fraction reads alike;
- a decimal acuity `0.5`, `1.0`, `1,2` (the Vietnamese decimal comma): logMAR = −log10(d);
- logMAR itself, marked so (`logMAR 0.3`, `0.3L`) — or unmarked when the caller says the
  column is logMAR (`notation="logmar"`): a bare number is otherwise decimal, because
  `0.5` on a Vietnamese chart means decimal 0.5, never logMAR 0.5.
Values are rounded to two decimals, the resolution of a logMAR chart's letters (0.02);
6/9 = 0.176 is stored as 0.18, so "worse than 6/9" is exactly "logMAR > 0.18".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from hoso.core.errors import InvalidRequest

__all__ = ["Acuity", "AcuityError", "parse_acuity", "snellen_of"]

MIN_LOGMAR, MAX_LOGMAR = -0.3, 3.0  # 6/3 (better than any chart line) … light perception
_FRACTION = re.compile(r"^(\d{1,2}(?:[.,]\d{1,2})?)\s*/\s*(\d{1,3}(?:[.,]\d{1,2})?)$")
_NUMBER = re.compile(r"^[+-]?\d{1,2}(?:[.,]\d{1,3})?$|^[+-]?[.,]\d{1,3}$")
_LOGMAR = re.compile(r"^(?:log\s*mar\s*)?([+-]?\d?[.,]?\d{0,3})\s*(?:l|log\s*mar)?$")
NOTATIONS = ("auto", "logmar")


class AcuityError(InvalidRequest):
    """A visual acuity that cannot be read; the message quotes it."""


@dataclass(frozen=True, slots=True)
class Acuity:
    logmar: float
    typed: str
    notation: str  # snellen | decimal | logmar


def _bad(text: str) -> AcuityError:
    return AcuityError(f"Thị lực không đọc được / unreadable visual acuity {text[:20]!r}: "
                       "ghi 6/9, 20/40, 5/10, 0.5 hoặc logMAR 0.2")  # fmt: skip


def _float(text: str) -> float:
    return float(text.replace(",", "."))


def _checked(value: float, typed: str, notation: str) -> Acuity:
    value = round(value + 0.0, 2) + 0.0  # -0.0 → 0.0
    if not MIN_LOGMAR <= value <= MAX_LOGMAR:
        raise AcuityError(f"Thị lực ngoài khoảng / visual acuity out of range {typed[:20]!r} "
                          f"(logMAR {value:+.2f}; {MIN_LOGMAR}…{MAX_LOGMAR})")  # fmt: skip
    return Acuity(value, typed, notation)


def parse_acuity(text: str, notation: str = "auto") -> Acuity:
    """The acuity typed as `text`, in logMAR (AcuityError names what is wrong)."""
    if notation not in NOTATIONS:
        raise AcuityError(f"notation: {' | '.join(NOTATIONS)}")
    if not isinstance(text, str) or not text.strip() or len(text) > 20:
        raise _bad(str(text)[:20] if text is not None else "")
    typed = " ".join(text.strip().split())
    folded = typed.lower()
    fraction = _FRACTION.match(folded)
    if fraction:
        top, bottom = _float(fraction.group(1)), _float(fraction.group(2))
        if top <= 0 or bottom <= 0:
            raise _bad(typed)
        return _checked(math.log10(bottom / top), typed, "snellen")
    marked = "l" in folded or "log" in folded
    if marked or notation == "logmar":
        found = _LOGMAR.match(folded)
        if not found or not re.search(r"\d", found.group(1)):
            raise _bad(typed)
        try:
            return _checked(_float(found.group(1)), typed, "logmar")
        except ValueError:
            raise _bad(typed) from None
    if not _NUMBER.match(folded):
        raise _bad(typed)
    decimal = _float(folded)
    if not 0.0 < decimal <= 2.0:
        raise AcuityError(f"Thị lực thập phân phải trong 0,01–2,0 / decimal acuity must be "
                          f"0.01–2.0: {typed!r}")  # fmt: skip
    return _checked(-math.log10(decimal), typed, "decimal")


def snellen_of(logmar: float) -> str:
    """The metric Snellen fraction of a logMAR value, for display: the denominator to
    the half below 10 (the chart's 6/7.5, 6/9.5 lines), whole above (6/12, 6/19)."""
    d = 6 * 10 ** float(logmar)
    d = round(d * 2) / 2 if d < 10 else round(d)
    return f"6/{d:g}"
