"""Secrets at rest (private signing keys, TOTP secrets) sealed with a key-encryption key.

The key-encryption key comes from the environment (`HOSO_KEY_ENCRYPTION_KEY`, one or
more Fernet keys, comma separated, newest first: older ones still open what they
sealed). Without it, as in the embedded demo, secrets are stored plainly and one
warning is logged per process: anyone who can read the database can then sign tokens.
"""

from __future__ import annotations

import base64
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = ["SealError", "Sealer", "new_key_encryption_key"]

log = logging.getLogger("hoso.access.sealing")
_warned = False

FERNET, PLAIN = "fernet:", "plain:"


class SealError(Exception):
    """A sealed secret cannot be opened: wrong or missing key-encryption key."""


def new_key_encryption_key() -> str:
    """A fresh Fernet key for `HOSO_KEY_ENCRYPTION_KEY` (print it, never commit it)."""
    return Fernet.generate_key().decode()


class Sealer:
    def __init__(self, key_encryption_key: str | None) -> None:
        global _warned
        keys = [k.strip() for k in (key_encryption_key or "").split(",") if k.strip()]
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys]) if keys else None
        if self._fernet is None and not _warned:
            _warned = True
            log.warning(
                "HOSO_KEY_ENCRYPTION_KEY chưa đặt: khóa bí mật lưu không mã hóa (chỉ dùng thử) / "
                "HOSO_KEY_ENCRYPTION_KEY unset: private keys are stored unencrypted (demo only)"
            )

    @property
    def encrypts(self) -> bool:
        return self._fernet is not None

    def seal(self, secret: bytes) -> str:
        if self._fernet is None:
            return PLAIN + base64.b64encode(secret).decode()
        return FERNET + self._fernet.encrypt(secret).decode()

    def unseal(self, stored: str) -> bytes:
        if stored.startswith(PLAIN):
            return base64.b64decode(stored[len(PLAIN) :])
        if not stored.startswith(FERNET):
            raise SealError("Dạng lưu khóa không rõ / Unknown sealed-secret format")
        if self._fernet is None:
            raise SealError(
                "Khóa được mã hóa nhưng HOSO_KEY_ENCRYPTION_KEY chưa đặt / "
                "Secret is encrypted but HOSO_KEY_ENCRYPTION_KEY is not set"
            )
        try:
            return self._fernet.decrypt(stored[len(FERNET) :].encode())
        except InvalidToken as exc:
            raise SealError(
                "HOSO_KEY_ENCRYPTION_KEY không mở được khóa đã lưu / "
                "HOSO_KEY_ENCRYPTION_KEY does not open the stored secret"
            ) from exc
