"""Password hashes (argon2id) and TOTP second factors (RFC 6238).

Checking a login against a missing account still verifies a hash, so that the time a
refusal takes does not tell whether the username exists.
"""

from __future__ import annotations

import time

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "check_password_policy",
    "hash_password",
    "new_totp_secret",
    "totp_step",
    "totp_uri",
    "verify_password",
    "verify_password_of_nobody",
]

MIN_PASSWORD_LENGTH = 10
TOTP_ISSUER = "Hồ Sơ TP.HCM"
TOTP_PERIOD = 30

_hasher = PasswordHasher()  # argon2id, library defaults (RFC 9106 second choice)
_NOBODY = _hasher.hash("không có tài khoản / no such account")


def check_password_policy(password: str) -> None:
    """`ValueError` with a bilingual message when the password is too weak to store."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(
            f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự / "
            f"Password needs at least {MIN_PASSWORD_LENGTH} characters"
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password_of_nobody(password: str) -> None:
    """Spend the time a real check takes (see the module docstring)."""
    verify_password(_NOBODY, password)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, account_name: str) -> str:
    """otpauth:// URI for authenticator apps (shown once, as a QR code or text)."""
    return pyotp.TOTP(secret, interval=TOTP_PERIOD).provisioning_uri(
        name=account_name, issuer_name=TOTP_ISSUER
    )


def totp_step(secret: str, code: str, *, now: float | None = None) -> int | None:
    """The time step whose code this is (current one or one either side, for clock
    drift), or None. The caller refuses a step already used, so a code works once."""
    code = code.strip()
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret, interval=TOTP_PERIOD)
    at = time.time() if now is None else now
    current = int(at // TOTP_PERIOD)
    for step in (current, current - 1, current + 1):
        if pyotp.utils.strings_equal(totp.at(step * TOTP_PERIOD), code):
            return step
    return None
