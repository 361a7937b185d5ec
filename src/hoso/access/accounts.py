"""Accounts of people who log in to the built-in provider, and the login check.

Residents log in with their 12-digit CCCD; every staff role needs a TOTP second factor.
After `max_failures` failed attempts an account is locked for `lockout_minutes`. Every
refusal gives the same message, whether the account exists, the password or code was
wrong or the account is locked; the audit trail records which it was.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from hoso.access import claims as roles
from hoso.access.audit_record import EXECUTE, MINOR_FAILURE, SUCCESS, AuditRecord, AuditTrail
from hoso.access.credential_store import AccountRecord, CredentialStore
from hoso.access.passwords import (
    check_password_policy,
    hash_password,
    new_totp_secret,
    totp_step,
    totp_uri,
    verify_password,
    verify_password_of_nobody,
)
from hoso.access.sealing import Sealer

__all__ = ["PERSON_ROLES", "STAFF_ROLES", "Account", "AccountService", "LoginRefused"]

STAFF_ROLES = (roles.CLINICIAN, roles.OFFICER, roles.STEWARD, roles.DPO, roles.ADMIN)
PERSON_ROLES = (roles.RESIDENT, *STAFF_ROLES)
# id_token `amr` values (RFC 8176) that show a second factor at an external provider.
SECOND_FACTORS = frozenset({"otp", "mfa", "hwk", "swk", "sms", "sc"})
_CCCD = re.compile(r"[0-9]{12}")
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")

LOGIN_REFUSED = (
    "Tên đăng nhập, mật khẩu hoặc mã xác thực không đúng, hoặc tài khoản đang tạm khóa",
    "Wrong username, password or code, or the account is temporarily locked",
)


class LoginRefused(Exception):
    """The one message every failed login shows."""

    def __init__(self) -> None:
        super().__init__(" / ".join(LOGIN_REFUSED))


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    username: str
    role: str
    facility: str | None
    patient_id: str | None
    practitioner_id: str | None
    second_factor: bool = False

    @property
    def subject(self) -> str:
        """Token `sub`: the opaque account id, so CCCDs never travel in tokens or logs."""
        return f"account:{self.id}"

    @property
    def fhir_user(self) -> str | None:
        if self.patient_id:
            return f"Patient/{self.patient_id}"
        if self.practitioner_id:
            return f"Practitioner/{self.practitioner_id}"
        return None


def _account(row: AccountRecord) -> Account:
    return Account(
        row.id,
        row.username,
        row.role,
        row.facility,
        row.patient_id,
        row.practitioner_id,
        row.totp_secret is not None,
    )


class AccountService:
    def __init__(
        self,
        store: CredentialStore,
        sealer: Sealer,
        audit: AuditTrail,
        *,
        max_failures: int = 5,
        lockout_minutes: int = 15,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.sealer = sealer
        self.audit = audit
        self.max_failures = max_failures
        self.lockout_seconds = lockout_minutes * 60
        self.clock = clock

    def create(
        self,
        username: str,
        password: str,
        role: str,
        *,
        facility: str | None = None,
        patient_id: str | None = None,
        practitioner_id: str | None = None,
        with_totp: bool | None = None,
    ) -> tuple[Account, str | None]:
        """The new account and, when it has a second factor, its otpauth:// URI (shown
        once). Staff always get TOTP; residents only when asked."""
        _check_identity(username, role, facility, patient_id, practitioner_id)
        check_password_policy(password)
        totp = with_totp or role in STAFF_ROLES
        secret = new_totp_secret() if totp else None
        account_id = f"acc-{secrets.token_hex(8)}"
        self.store.add_account(
            id=account_id,
            username=username,
            password_hash=hash_password(password),
            role=role,
            facility=facility,
            patient_id=patient_id,
            practitioner_id=practitioner_id,
            totp_secret=self.sealer.seal(secret.encode()) if secret else None,
            totp_last_step=None,
            failed_attempts=0,
            locked_until=None,
            status="active",
            created=int(self.clock()),
        )
        account = Account(
            account_id, username, role, facility, patient_id, practitioner_id, secret is not None
        )
        return account, (totp_uri(secret, username) if secret else None)

    def get(self, account_id: str) -> Account | None:
        row = self.store.account(account_id)
        return _account(row) if row is not None and row.status == "active" else None

    def login(
        self,
        username: str,
        password: str,
        totp_code: str | None,
        *,
        client_id: str | None = None,
        source_ip: str | None = None,
    ) -> Account:
        """The account these credentials open, or `LoginRefused`; audited either way."""
        now = self.clock()
        row = self.store.account_by_username(username.strip())
        if row is None:
            verify_password_of_nobody(password)
            self._audit(
                None,
                MINOR_FAILURE,
                "tài khoản không tồn tại / unknown username",
                client_id,
                source_ip,
            )
            raise LoginRefused()
        if row.locked_until is not None and row.locked_until > now:
            verify_password_of_nobody(password)
            self._audit(
                row, MINOR_FAILURE, "tài khoản đang khóa / account locked", client_id, source_ip
            )
            raise LoginRefused()
        reason = self._check(row, password, totp_code, now)
        if reason is not None:
            self._fail(row, reason, client_id, source_ip, now)
        step = self._step(row, totp_code, now)
        if not self.store.login_succeeded(row.id, step):
            self._fail(row, "mã TOTP đã dùng / TOTP code already used", client_id, source_ip, now)
        self._audit(row, SUCCESS, None, client_id, source_ip)
        return _account(row)

    def external_login(
        self,
        username: str,
        *,
        idp: str,
        allowed_roles: tuple[str, ...],
        amr: list[str],
        client_id: str | None = None,
        source_ip: str | None = None,
    ) -> Account:
        """The account an external provider vouched for (its id_token already checked),
        or `LoginRefused`. Staff need a second factor there too (`amr`)."""
        row = self.store.account_by_username(username)
        reason = None
        if row is None:
            reason = f"{idp}: tài khoản không tồn tại / unknown account"
        elif row.status != "active" or (row.locked_until or 0) > self.clock():
            reason = f"{idp}: tài khoản khóa / account disabled or locked"
        elif row.role not in allowed_roles:
            reason = f"{idp}: vai trò không được phép / role not allowed through this provider"
        elif row.role in STAFF_ROLES and not set(amr) & SECOND_FACTORS:
            reason = f"{idp}: thiếu xác thực hai lớp / no second factor (amr)"
        self._audit(
            row, MINOR_FAILURE if reason else SUCCESS, reason or f"{idp}", client_id, source_ip
        )
        if reason is not None or row is None:
            raise LoginRefused()
        return _account(row)

    def external_failure(
        self, idp: str, reason: str, client_id: str | None, source_ip: str | None
    ) -> None:
        """Audit a login an external provider could not vouch for (no account known)."""
        self._audit(None, MINOR_FAILURE, f"{idp}: {reason}", client_id, source_ip)

    def _check(
        self, row: AccountRecord, password: str, totp_code: str | None, now: float
    ) -> str | None:
        """Why the login fails, or None."""
        if not verify_password(row.password_hash, password):
            return "sai mật khẩu / wrong password"
        if row.status != "active":
            return "tài khoản bị vô hiệu hóa / account disabled"
        if row.totp_secret is None:
            return None
        step = self._step(row, totp_code, now)
        if step is None:
            return "sai mã TOTP / wrong TOTP code"
        if row.totp_last_step is not None and step <= row.totp_last_step:
            return "mã TOTP đã dùng / TOTP code already used"
        return None

    def _step(self, row: AccountRecord, totp_code: str | None, now: float) -> int | None:
        if row.totp_secret is None or not totp_code:
            return None
        secret = self.sealer.unseal(row.totp_secret).decode()
        return totp_step(secret, totp_code, now=now)

    def _fail(
        self,
        row: AccountRecord,
        reason: str,
        client_id: str | None,
        source_ip: str | None,
        now: float,
    ) -> None:
        locked = self.store.count_login_failure(
            row.id, max_failures=self.max_failures, lock_until=int(now) + self.lockout_seconds
        )
        self._audit(row, MINOR_FAILURE, reason, client_id, source_ip)
        if locked:
            self._audit(
                row,
                MINOR_FAILURE,
                "khóa tài khoản sau nhiều lần sai / account locked after repeated failures",
                client_id,
                source_ip,
                subtype="lockout",
            )
        raise LoginRefused()

    def _audit(
        self,
        row: AccountRecord | None,
        outcome: str,
        reason: str | None,
        client_id: str | None,
        source_ip: str | None,
        *,
        subtype: str = "login",
    ) -> None:
        self.audit.record(
            AuditRecord(
                action=EXECUTE,
                subtype=subtype,
                outcome=outcome,
                agent=f"account:{row.id}" if row else "anonymous",
                role=row.role if row else "anonymous",
                facility=row.facility if row else None,
                client_id=client_id,
                patients=(row.patient_id,) if row and row.patient_id else (),
                source_ip=source_ip,
                description=reason,
            )
        )


def _check_identity(
    username: str,
    role: str,
    facility: str | None,
    patient_id: str | None,
    practitioner_id: str | None,
) -> None:
    """`ValueError` (bilingual) when the account would not make sense."""
    if role not in PERSON_ROLES:
        raise ValueError(f"Vai trò không hợp lệ / Unknown role: {role}")
    if role == roles.RESIDENT:
        if not _CCCD.fullmatch(username):
            raise ValueError(
                "Người dân đăng nhập bằng số CCCD 12 chữ số / "
                "Residents log in with their 12-digit CCCD"
            )
        if not patient_id:
            raise ValueError("Tài khoản người dân cần --patient / A resident needs a Patient id")
        return
    if not _USERNAME.fullmatch(username):
        raise ValueError(
            "Tên đăng nhập: 3–64 ký tự a-z 0-9 . _ - / Username: 3-64 characters of a-z 0-9 . _ -"
        )
    if role == roles.CLINICIAN and not facility:
        raise ValueError("Bác sĩ cần mã cơ sở / A clinician needs a facility code")
