"""Accounts: who may log in, the second factor, lockout, and one message for every refusal."""

from __future__ import annotations

import pyotp
import pytest
import sqlalchemy as sa

from hoso.access import claims as roles
from hoso.access.accounts import LOGIN_REFUSED, LoginRefused
from hoso.access.audit_record import MINOR_FAILURE, SUCCESS
from hoso.access.auth_services import AuthServices
from hoso.store import auth_schema
from hoso.store.auth_store import SqlAuthStore
from tests.builders.auth import AuditRecorder, Clock

CCCD = "079090001234"
PASSWORD = "mat-khau-rat-dai-2026"


def totp_secret(uri: str) -> str:
    return pyotp.parse_uri(uri).secret


def refused(auth: AuthServices, username: str, password: str, code: str | None = None) -> str:
    with pytest.raises(LoginRefused) as caught:
        auth.accounts.login(username, password, code)
    return str(caught.value)


def test_resident_logs_in_with_cccd(auth: AuthServices, audit_recorder: AuditRecorder) -> None:
    created, uri = auth.accounts.create(CCCD, PASSWORD, roles.RESIDENT, patient_id="bn-1")
    assert uri is None  # a second factor is optional for residents
    account = auth.accounts.login(CCCD, PASSWORD, None, source_ip="10.0.0.5")
    assert account == created
    assert account.subject == f"account:{account.id}"
    assert CCCD not in account.subject  # CCCDs never travel in tokens
    assert account.fhir_user == "Patient/bn-1"
    [entry] = audit_recorder.of("login")
    assert (entry.outcome, entry.agent, entry.patients) == (SUCCESS, account.subject, ("bn-1",))
    assert entry.source_ip == "10.0.0.5"


def test_password_is_stored_as_argon2id(auth: AuthServices, credential_store: SqlAuthStore) -> None:
    auth.accounts.create(CCCD, PASSWORD, roles.RESIDENT, patient_id="bn-1")
    with credential_store.engine.connect() as conn:
        stored = conn.execute(sa.select(auth_schema.auth_account.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


@pytest.mark.parametrize(
    ("username", "role", "extra", "message"),
    [
        ("07909000123", roles.RESIDENT, {"patient_id": "bn-1"}, "12-digit CCCD"),
        (CCCD, roles.RESIDENT, {}, "needs a Patient id"),
        ("bs.lan", roles.CLINICIAN, {}, "needs a facility code"),
        ("bs.lan", "superuser", {}, "Unknown role"),
        ("Bác Sĩ", roles.OFFICER, {}, "Username"),
    ],
)
def test_accounts_that_make_no_sense_are_refused(
    auth: AuthServices, username: str, role: str, extra: dict, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        auth.accounts.create(username, PASSWORD, role, **extra)


def test_short_password_is_refused(auth: AuthServices) -> None:
    with pytest.raises(ValueError, match="at least 10 characters"):
        auth.accounts.create(CCCD, "ngan", roles.RESIDENT, patient_id="bn-1")


def test_staff_need_their_totp_code(
    auth: AuthServices, auth_clock: Clock, audit_recorder: AuditRecorder
) -> None:
    _, uri = auth.accounts.create(
        "bs.lan", PASSWORD, roles.CLINICIAN, facility="79001", practitioner_id="bs-1"
    )
    assert uri is not None and uri.startswith("otpauth://totp/")
    code = pyotp.TOTP(totp_secret(uri)).at(auth_clock())
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert refused(auth, "bs.lan", PASSWORD, None) == " / ".join(LOGIN_REFUSED)
    assert refused(auth, "bs.lan", PASSWORD, wrong) == " / ".join(LOGIN_REFUSED)
    account = auth.accounts.login("bs.lan", PASSWORD, code)
    assert account.fhir_user == "Practitioner/bs-1"
    reasons = [e.description for e in audit_recorder.of("login") if e.outcome == MINOR_FAILURE]
    assert reasons == ["sai mã TOTP / wrong TOTP code"] * 2


def test_a_totp_code_works_once(auth: AuthServices, auth_clock: Clock) -> None:
    _, uri = auth.accounts.create("bs.lan", PASSWORD, roles.CLINICIAN, facility="79001")
    code = pyotp.TOTP(totp_secret(uri)).at(auth_clock())
    auth.accounts.login("bs.lan", PASSWORD, code)
    refused(auth, "bs.lan", PASSWORD, code)  # replayed (shoulder-surfed, phished)
    auth_clock.advance(30)
    auth.accounts.login("bs.lan", PASSWORD, pyotp.TOTP(totp_secret(uri)).at(auth_clock()))


def test_totp_secret_is_sealed_with_the_key_encryption_key(
    auth: AuthServices, credential_store: SqlAuthStore
) -> None:
    _, uri = auth.accounts.create("cb.an", PASSWORD, roles.OFFICER)
    with credential_store.engine.connect() as conn:
        stored = conn.execute(sa.select(auth_schema.auth_account.c.totp_secret)).scalar_one()
    assert totp_secret(uri) not in stored


def test_lockout_after_five_failures_then_unlock(
    auth: AuthServices, auth_clock: Clock, audit_recorder: AuditRecorder
) -> None:
    auth.accounts.create(CCCD, PASSWORD, roles.RESIDENT, patient_id="bn-1")
    for _ in range(5):
        refused(auth, CCCD, "sai-mat-khau-123")
    # Locked: the right password is refused too, with the same message.
    assert refused(auth, CCCD, PASSWORD) == " / ".join(LOGIN_REFUSED)
    [lockout] = audit_recorder.of("lockout")
    assert lockout.outcome == MINOR_FAILURE
    assert audit_recorder.of("login")[-1].description == "tài khoản đang khóa / account locked"
    auth_clock.advance(14 * 60)
    refused(auth, CCCD, PASSWORD)
    auth_clock.advance(60)
    assert auth.accounts.login(CCCD, PASSWORD, None).patient_id == "bn-1"


def test_unknown_user_gets_the_same_message(
    auth: AuthServices, audit_recorder: AuditRecorder
) -> None:
    auth.accounts.create(CCCD, PASSWORD, roles.RESIDENT, patient_id="bn-1")
    unknown = refused(auth, "079090009999", PASSWORD)
    wrong_password = refused(auth, CCCD, "sai-mat-khau-123")
    assert unknown == wrong_password == " / ".join(LOGIN_REFUSED)
    entry = audit_recorder.of("login")[0]
    assert entry.agent == "anonymous"  # the typed CCCD is not written anywhere
    assert "079090009999" not in repr(audit_recorder.entries)


def test_external_provider_must_show_a_second_factor_for_staff(
    auth: AuthServices, audit_recorder: AuditRecorder
) -> None:
    auth.accounts.create("bs.lan", PASSWORD, roles.CLINICIAN, facility="79001")
    staff = (roles.CLINICIAN,)
    with pytest.raises(LoginRefused):
        auth.accounts.external_login("bs.lan", idp="city", allowed_roles=staff, amr=["pwd"])
    assert "no second factor" in (audit_recorder.entries[-1].description or "")
    account = auth.accounts.external_login(
        "bs.lan", idp="city", allowed_roles=staff, amr=["pwd", "otp"]
    )
    assert account.facility == "79001"
    assert audit_recorder.entries[-1].outcome == SUCCESS
