"""Facilities' logins on the door shaped like the social-insurance (BHXH) gateway, so
a HIS points its existing XML 130 sender at Hồ Sơ by changing only the host
(`POST /api/token/take`, CV 1245/BHXH-CNTT): a username and the upper-case MD5 hex of
the password. That hex string is what the HIS knows and sends, so it is the secret we
hash (argon2id); the password itself is random, made here, shown once.

A good login gives a short-lived access token of the facility's system (role
`facility-system`, that facility): the same token, policy and audit as a facility
client's; five failures lock the account for fifteen minutes; every attempt is audited.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from typing import NoReturn, Protocol

from hoso.access import claims as roles
from hoso.access.audit_record import EXECUTE, MINOR_FAILURE, SUCCESS, AuditRecord, AuditTrail
from hoso.access.passwords import hash_password, verify_password, verify_password_of_nobody
from hoso.access.tokens import IssuedToken, TokenService

__all__ = ["GATEWAY_SCOPES", "GatewayLogin", "GatewayRefused", "md5_upper"]

GATEWAY_SCOPES = ("system/*.cruds",)  # what a facility client gets; the policy decides
MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
ACTIVE = "active"


class GatewayRefused(Exception):
    """Wrong username, password, or a locked account: one answer for all three."""


class GatewayRow(Protocol):
    username: str
    facility: str
    password_hash: str
    failed_attempts: int
    locked_until: int | None
    status: str


class GatewayAccounts(Protocol):
    def add(self, **values: object) -> None: ...
    def get(self, username: str) -> GatewayRow | None: ...
    def failed(self, username: str, *, max_failures: int, lock_until: int) -> None: ...
    def succeeded(self, username: str) -> None: ...


def md5_upper(password: str) -> str:
    """What the BHXH gateway's clients send for a password."""
    return hashlib.md5(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()


class GatewayLogin:
    def __init__(self, accounts: GatewayAccounts, tokens: TokenService, audit: AuditTrail,
                 *, clock: Callable[[], float] = time.time) -> None:  # fmt: skip
        self.accounts = accounts
        self.tokens = tokens
        self.audit = audit
        self.clock = clock

    def create(self, username: str, facility: str) -> str:
        """A new account for `facility`; returns its password, shown once."""
        if not (3 <= len(username) <= 64 and username.isascii() and username.isprintable()):
            raise ValueError("Tên đăng nhập 3–64 ký tự ASCII / Username: 3-64 ASCII characters")
        password = secrets.token_urlsafe(18)
        self.accounts.add(username=username, facility=facility,
                          password_hash=hash_password(md5_upper(password)), failed_attempts=0,
                          locked_until=None, status=ACTIVE, created=int(self.clock()))  # fmt: skip
        return password

    def take_token(self, username: str, password_md5: str, source_ip: str | None) -> IssuedToken:
        now = int(self.clock())
        row = self.accounts.get(username) if username else None
        if row is None:
            verify_password_of_nobody(password_md5)  # the same time as a real check
            self._refuse(username, None, source_ip, "unknown account")
        if row.status != ACTIVE or (row.locked_until or 0) > now:
            self._refuse(username, row, source_ip, "locked or disabled")
        if not verify_password(row.password_hash, password_md5.upper()):
            self.accounts.failed(username, max_failures=MAX_FAILURES,
                                 lock_until=now + LOCK_SECONDS)  # fmt: skip
            self._refuse(username, row, source_ip, "wrong password")
        self.accounts.succeeded(username)
        issued = self.tokens.mint(subject=f"gateway:{username}", role=roles.FACILITY_SYSTEM,
                                  scopes=GATEWAY_SCOPES, client_id=f"gateway:{username}",
                                  facility=row.facility)  # fmt: skip
        self._audit(username, row.facility, source_ip, SUCCESS, "gateway token")
        return issued

    def _refuse(self, username: str, row: GatewayRow | None, source_ip: str | None,
                why: str) -> NoReturn:  # fmt: skip
        self._audit(username, row.facility if row else None, source_ip, MINOR_FAILURE, why)
        raise GatewayRefused(
            "Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đang tạm khóa / Wrong "
            "username or password, or the account is temporarily locked"
        )

    def _audit(self, username: str, facility: str | None, source_ip: str | None,
               outcome: str, why: str) -> None:  # fmt: skip
        self.audit.record(AuditRecord(
            action=EXECUTE, subtype="login", outcome=outcome, agent=f"gateway:{username}"[:80],
            role=roles.FACILITY_SYSTEM, facility=facility, client_id="bhxh-gateway",
            source_ip=source_ip, description=why,
        ))  # fmt: skip
