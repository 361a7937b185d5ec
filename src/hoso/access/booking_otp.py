"""One-time codes for the booking portal (issue 21 point 5): what a code is, how it is
kept and how its message reads — pure functions of the access layer's authentication
(`hoso.access.booking_codes`); the message goes out through `hoso.booking.codes.send_code`,
which the composition root hands to it.

A code is 6 digits from `secrets` (10⁶ values; with 5 attempts per code and 3 codes per
CCCD per 15 minutes a guesser has 15 tries in 10⁶ per quarter hour). It is kept as an
HMAC-SHA256 under the server's secret, never in clear: a copy of the database cannot
be replayed (OWASP Authentication Cheat Sheet, "one-time passwords"; NIST SP 800-63B
§5.1.3.2 out-of-band authenticators: 10 minutes at most, rate-limited — we take 5).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

__all__ = ["CODE_DIGITS", "code_message", "keyed_hash", "new_code", "phone_digits", "valid_cccd"]

CODE_DIGITS = 6


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def keyed_hash(key: bytes, purpose: str, value: str) -> str:
    """HMAC-SHA256 of `value` for one purpose (a CCCD's hash is not a code's)."""
    return hmac.new(key, f"{purpose}\x1f{value}".encode(), hashlib.sha256).hexdigest()


def valid_cccd(text: str) -> bool:
    """A CCCD number: 12 digits (Luật Căn cước 2023, Điều 12; Thông tư 59/2021/TT-BCA)."""
    return re.fullmatch(r"[0-9]{12}", text) is not None


def phone_digits(text: str) -> str | None:
    """A Vietnamese mobile number as 10 digits starting 0, whether written +84 9…, 84 9…
    or 09…; None when it is not one (Thông tư 22/2014/TT-BTTTT numbering plan)."""
    digits = re.sub(r"[\s.\-()]", "", text or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if re.fullmatch(r"0[0-9]{9}", digits) else None


def code_message(code: str, minutes: int) -> str:
    return (
        f"Mã đặt lịch Hồ Sơ của bạn: {code} (hiệu lực {minutes} phút). Không đưa mã này "
        f"cho ai. / Your Hồ Sơ booking code: {code} (valid {minutes} minutes)."
    )
