"""Server-side sessions for people using the web pages.

A person logs in through the ordinary authorization-code flow (the login form, lockout,
TOTP for staff); the page server redeems the code itself and opens a session here. The
browser holds only a random cookie value; the database holds its SHA-256 and the claims
the pages act with, so a session ends everywhere at once (logout, revocation, a disabled
account) and nothing in the cookie is worth stealing once it has ended.

- idle timeout (default 30 min) and absolute lifetime (default 12 h);
- the cookie value rotates every `rotate_seconds` (default 10 min) of use; the previous
  value stays valid `ROTATION_GRACE` seconds for requests already in flight;
- login and logout (or expiry) are audit entries, like the API's logins;
- the CSRF secret is per session, so a form token dies with its session.

(OWASP Session Management Cheat Sheet; RFC 6265bis for the cookie attributes.)
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from hoso.access import claims as roles
from hoso.access.audit_record import EXECUTE, SUCCESS, AuditRecord, AuditTrail
from hoso.access.claims import AccessClaims

__all__ = ["LANGUAGES", "SessionRow", "SessionStore", "WebSession", "WebSessions"]

ROTATION_GRACE = 30  # seconds a rotated-away cookie value still works
TOUCH_EVERY = 30  # seconds: last_seen is written at most this often
LANGUAGES = ("vi", "en")
# What a person may do through the pages: their role's whole context, as a SMART app of
# their own would be granted; the policy then decides by role, care link and consent.
# (The login itself asks only `openid fhirUser profile`: the web client cannot know the
# role before the person has logged in.) A resident's pages write too — their Consents
# and data requests from their book — and delete nothing (a Consent is withdrawn).
RESIDENT_PAGE_SCOPES = ("patient/*.crus",)
STAFF_PAGE_SCOPES = ("user/*.cruds",)


class SessionRow(Protocol):
    id: str
    account_id: str
    subject: str
    role: str
    scopes: str
    client_id: str
    facility: str | None
    patient_id: str | None
    fhir_user: str | None
    username: str
    csrf_secret: str
    lang: str
    created: int
    last_seen: int
    expires: int
    rotated: int
    ended: int | None
    current: bool  # found by its current cookie value (not the rotated-away one)


class SessionStore(Protocol):
    def add_session(self, values: dict[str, object]) -> None: ...

    def session_by_cookie(self, cookie_hash: str, grace_since: int) -> SessionRow | None:
        """The session whose current value, or previous value rotated after
        `grace_since`, hashes to `cookie_hash`, if its account is active."""
        ...

    def rotate_session(self, session_id: str, old_hash: str, new_hash: str, now: int) -> bool:
        """Swap the cookie value; False when another request rotated it first."""
        ...

    def touch_session(self, session_id: str, now: int) -> None: ...

    def set_session_lang(self, session_id: str, lang: str) -> None: ...

    def end_session(self, session_id: str, now: int) -> bool: ...

    def end_account_sessions(self, account_id: str, now: int) -> int: ...


@dataclass(frozen=True, slots=True)
class WebSession:
    id: str
    account_id: str
    username: str
    claims: AccessClaims
    csrf_secret: str
    lang: str
    created: int
    expires: int


@dataclass(frozen=True, slots=True)
class Found:
    session: WebSession
    new_cookie: str | None  # set when the value was rotated on this request


def cookie_hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class WebSessions:
    def __init__(
        self,
        store: SessionStore,
        audit: AuditTrail,
        *,
        idle_seconds: int = 1800,
        absolute_seconds: int = 12 * 3600,
        rotate_seconds: int = 600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.audit = audit
        self.idle_seconds = idle_seconds
        self.absolute_seconds = absolute_seconds
        self.rotate_seconds = rotate_seconds
        self.clock = clock

    def start(
        self, claims: AccessClaims, *, account_id: str, username: str, lang: str,
        source_ip: str | None,
    ) -> tuple[str, WebSession]:  # fmt: skip
        """A new session (a new id: never one the browser brought) and its cookie value."""
        now = int(self.clock())
        value = secrets.token_urlsafe(32)
        session_id = uuid.uuid4().hex
        csrf = secrets.token_urlsafe(32)
        lang = lang if lang in LANGUAGES else "vi"
        scopes = RESIDENT_PAGE_SCOPES if claims.role == roles.RESIDENT else STAFF_PAGE_SCOPES
        claims = replace(claims, scopes=scopes)
        self.store.add_session({
            "id": session_id, "cookie_hash": cookie_hash(value), "previous_hash": None,
            "rotated": now, "account_id": account_id, "subject": claims.subject,
            "role": claims.role, "scopes": " ".join(claims.scopes),
            "client_id": claims.client_id, "facility": claims.facility,
            "patient_id": claims.patient, "fhir_user": claims.fhir_user,
            "username": username, "csrf_secret": csrf, "lang": lang, "created": now,
            "last_seen": now, "expires": now + self.absolute_seconds, "ended": None,
        })  # fmt: skip
        session = WebSession(session_id, account_id, username,
                             _with_session(claims, session_id, now + self.absolute_seconds),
                             csrf, lang, now, now + self.absolute_seconds)  # fmt: skip
        self._audit("session", session, source_ip, "Mở phiên web / Web session started")
        return value, session

    def find(self, value: str | None, source_ip: str | None) -> Found | None:
        """The live session this cookie value opens, rotating the value when due."""
        if not value or len(value) > 128:
            return None
        now = int(self.clock())
        row = self.store.session_by_cookie(cookie_hash(value), now - ROTATION_GRACE)
        if row is None or row.ended is not None:
            return None
        session = _session(row)
        if row.expires <= now or row.last_seen + self.idle_seconds <= now:
            if self.store.end_session(row.id, now):
                why = "Phiên hết hạn / Session expired"
                self._audit("logout", session, source_ip, why)
            return None
        new_value = None
        if row.current and now - row.rotated >= self.rotate_seconds:
            candidate = secrets.token_urlsafe(32)
            if self.store.rotate_session(row.id, cookie_hash(value), cookie_hash(candidate), now):
                new_value = candidate
        elif now - row.last_seen >= TOUCH_EVERY:
            self.store.touch_session(row.id, now)
        return Found(session, new_value)

    def set_lang(self, session: WebSession, lang: str) -> None:
        if lang in LANGUAGES:
            self.store.set_session_lang(session.id, lang)

    def end(self, session: WebSession, source_ip: str | None) -> None:
        """Logout: the session stops working for every process at once."""
        if self.store.end_session(session.id, int(self.clock())):
            self._audit("logout", session, source_ip, "Đăng xuất / Logged out")

    def end_account(self, account_id: str) -> int:
        """Revocation: every session of an account (disabled, password reset)."""
        return self.store.end_account_sessions(account_id, int(self.clock()))

    def _audit(self, subtype: str, session: WebSession, source_ip: str | None, why: str) -> None:
        claims = session.claims
        self.audit.record(AuditRecord(
            action=EXECUTE, subtype=subtype, outcome=SUCCESS, agent=claims.subject,
            role=claims.role, facility=claims.facility, client_id=claims.client_id,
            patients=(claims.patient,) if claims.patient else (), source_ip=source_ip,
            description=why,
        ))  # fmt: skip


def _with_session(claims: AccessClaims, session_id: str, expires: int) -> AccessClaims:
    """The claims the pages act with: the login's, under this session's id (the audit
    trail names the session, not the redeemed token, which never left the server)."""
    return AccessClaims(
        subject=claims.subject, role=claims.role, scopes=claims.scopes,
        client_id=claims.client_id, token_id=f"session:{session_id}", expires_at=expires,
        facility=claims.facility, patient=claims.patient, fhir_user=claims.fhir_user,
    )  # fmt: skip


def _session(row: SessionRow) -> WebSession:
    claims = AccessClaims(
        subject=row.subject, role=row.role, scopes=tuple(row.scopes.split()),
        client_id=row.client_id, token_id=f"session:{row.id}", expires_at=row.expires,
        facility=row.facility, patient=row.patient_id, fhir_user=row.fhir_user,
    )  # fmt: skip
    return WebSession(row.id, row.account_id, row.username, claims, row.csrf_secret,
                      row.lang, row.created, row.expires)  # fmt: skip
