"""The booking portal's door for a first visit without an account (issue 21 point 5;
docs/booking-portal.md): CCCD + phone → a one-time code by SMS → a short booking session
that acts as that resident and nobody else.

- The answer to a request is the same whether the CCCD exists, the phone matches or not
  (`ASKED`): the form cannot be used to learn who is in the records (OWASP Forgot
  Password Cheat Sheet, "consistent messages"). A request with no match still writes a
  row (without a code) so it counts against the rate limits like any other.
- Limits (HOUSE): a code lives `CODE_MINUTES` and allows `MAX_ATTEMPTS` tries; at most
  `PER_CCCD` codes per CCCD and `PER_IP` per source address in `WINDOW_MINUTES`.
- The CCCD, the source address and the code are kept as HMACs under the server's
  secret; the session cookie's value as its SHA-256.
- Every request, verification (good or bad) and logout is an audit entry
  (`booking-code`, `booking-session`), like the web logins.
- The session's principal is a `resident` whose `patients` is that one Patient (no
  children: a code proves the phone of one record, not a guardianship).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hoso.access import booking_otp as otp
from hoso.access import claims as roles
from hoso.access.audit_record import EXECUTE, MINOR_FAILURE, SUCCESS, AuditRecord, AuditTrail
from hoso.access.claims import AccessClaims
from hoso.access.principal import Principal
from hoso.access.scopes import ScopeSet
from hoso.core import clock, jsonx
from hoso.core.errors import InvalidRequest, TooManyRequests
from hoso.fhir.booking_code_tables import BookingCodeTables
from hoso.fhir.store import Store

__all__ = ["ASKED", "BookingCodes", "BookingSession"]

CODE_MINUTES = 5
MAX_ATTEMPTS = 5
PER_CCCD, PER_IP, WINDOW_MINUTES = 3, 10, 15  # HOUSE
SESSION_MINUTES = 30  # HOUSE: enough to book, reschedule and cancel
_MINUTE = 60_000_000
SCOPES = ("patient/Patient.r", "patient/Appointment.rs")
CLIENT_ID = "booking-portal"
ASKED = (
    "Nếu thông tin khớp với hồ sơ, mã xác nhận đã được gửi đến số điện thoại đó "
    f"(hiệu lực {CODE_MINUTES} phút) / If the details match a record, a code was sent "
    f"to that phone (valid {CODE_MINUTES} minutes)"
)
WRONG = (
    "Mã không đúng hoặc đã hết hạn; hãy thử lại hoặc xin mã mới / The code is wrong "
    "or has expired; try again or ask for a new one"
)
# `hoso.booking.codes.send_code` with the deployment's sender bound (the composition
# root's): (tables, *, phone, patient_id, body, dedupe_key, now_us) → outbox id.
SendCode = Callable[..., int]


@dataclass(frozen=True, slots=True)
class BookingSession:
    id: str
    patient_id: str
    csrf_secret: str
    expires_us: int


class BookingCodes:
    def __init__(self, store: Store, cccd_system: str, audit: AuditTrail, key: bytes, *,
                 send: SendCode, now: Callable[[], int] = clock.now_us
                 ) -> None:  # fmt: skip
        self.store, self.cccd_system, self.audit, self.key = store, cccd_system, audit, key
        self.send, self.now = send, now

    # -- asking for a code ----------------------------------------------------------------
    def request(self, cccd: str, phone: str, source_ip: str | None) -> str:
        """Send a code when the CCCD's active Patient has that phone; `ASKED` either way
        (a 429 when the CCCD or the address asked too often)."""
        cccd, digits = cccd.strip(), otp.phone_digits(phone)
        if not otp.valid_cccd(cccd) or digits is None:
            raise InvalidRequest("Số CCCD gồm 12 chữ số; số điện thoại gồm 10 chữ số (bắt đầu "
                                 "bằng 0) / A CCCD has 12 digits; a phone number 10 digits "
                                 "starting with 0", expression=["cccd", "phone"])  # fmt: skip
        now = self.now()
        cccd_hash = otp.keyed_hash(self.key, "cccd", cccd)
        ip_hash = otp.keyed_hash(self.key, "ip", source_ip or "-")
        with self.store.unit_of_work(write=True) as s:
            s.lock(f"booking-code:{cccd_hash}")  # two requests at once count as two
            tables: BookingCodeTables = s.booking.codes
            by_cccd, by_ip = tables.requests_since(
                cccd_hash=cccd_hash, ip_hash=ip_hash, since_us=now - WINDOW_MINUTES * _MINUTE
            )
            limited = by_cccd >= PER_CCCD or by_ip >= PER_IP
            patient_id = None if limited else self._match(s, cccd, digits)
            if not limited:
                self._issue(tables, cccd_hash, ip_hash, patient_id, digits, now)
        if limited:  # audited once the unit has ended (SQLite: one writer at a time)
            self._audit("booking-code", MINOR_FAILURE, None, source_ip, "429 quá nhiều yêu cầu")
            raise TooManyRequests(f"Đã xin mã quá nhiều lần; hãy thử lại sau {WINDOW_MINUTES} "
                                  f"phút / Too many codes asked for; try again in "
                                  f"{WINDOW_MINUTES} minutes")  # fmt: skip
        self._audit("booking-code", SUCCESS, patient_id, source_ip,
                    "Gửi mã một lần / one-time code sent" if patient_id else
                    "Không khớp hồ sơ: không gửi mã / no match: no code sent")  # fmt: skip
        return ASKED

    def _issue(self, tables: BookingCodeTables, cccd_hash: str, ip_hash: str,
               patient_id: str | None, phone: str, now: int) -> None:  # fmt: skip
        """The request's row (without a code when nothing matched: it still counts) and,
        on a match, the code's message."""
        code = otp.new_code() if patient_id else None
        code_id = uuid.uuid4().hex
        tables.add_code(id=code_id, cccd_hash=cccd_hash, ip_hash=ip_hash, patient_id=patient_id,
                        code_hash=otp.keyed_hash(self.key, "code", code) if code else None,
                        now_us=now, expires_us=now + CODE_MINUTES * _MINUTE)  # fmt: skip
        if patient_id and code:
            self.send(tables, phone=phone, patient_id=patient_id,
                      body=otp.code_message(code, CODE_MINUTES), dedupe_key=f"otp:{code_id}",
                      now_us=now)  # fmt: skip

    def _match(self, s: Any, cccd: str, phone: str) -> str | None:
        """The active Patient with this CCCD whose telecom has this phone (server's reach:
        the asker is nobody yet; the request's audit entry names the match)."""
        page = s.search("Patient", [("identifier", f"{self.cccd_system}|{cccd}"),
                                    ("_count", "5")])  # fmt: skip
        for hit in page.matches:
            patient = jsonx.loads(hit.content)
            if patient.get("active") is False:
                continue
            phones = {
                otp.phone_digits(str(t.get("value") or ""))
                for t in patient.get("telecom") or []
                if t.get("system") in ("phone", "sms")
            }
            if phone in phones:
                return str(patient["id"])
        return None

    # -- verifying it ---------------------------------------------------------------------
    def verify(self, cccd: str, code: str, source_ip: str | None
               ) -> tuple[str, BookingSession] | None:  # fmt: skip
        """A new booking session (its cookie value) when `code` is this CCCD's live code;
        None otherwise (one attempt spent)."""
        cccd, code = cccd.strip(), code.strip()
        if not otp.valid_cccd(cccd) or not code.isascii() or len(code) != otp.CODE_DIGITS:
            self._audit("booking-session", MINOR_FAILURE, None, source_ip, "mã sai dạng")
            return None
        now = self.now()
        cccd_hash = otp.keyed_hash(self.key, "cccd", cccd)
        opened = None
        with self.store.unit_of_work(write=True) as s:
            s.lock(f"booking-code:{cccd_hash}")
            tables: BookingCodeTables = s.booking.codes
            live = tables.live_code(cccd_hash, now)
            if live is not None and live.attempts < MAX_ATTEMPTS and live.code_hash:
                tables.count_attempt(live.id)
                good = secrets.compare_digest(
                    live.code_hash, otp.keyed_hash(self.key, "code", code)
                )
                if good and live.patient_id and tables.use_code(live.id, now):
                    opened = self._open(tables, live.patient_id, now)
        patient = opened[1].patient_id if opened else None
        self._audit("booking-session", SUCCESS if opened else MINOR_FAILURE, patient,
                    source_ip, "Mở phiên đặt lịch bằng mã một lần / booking session opened"
                    if opened else "Mã sai hoặc hết hạn / wrong or expired code")  # fmt: skip
        return opened

    def _open(self, tables: BookingCodeTables, patient_id: str, now: int
              ) -> tuple[str, BookingSession]:  # fmt: skip
        value = secrets.token_urlsafe(32)
        session = BookingSession(uuid.uuid4().hex, patient_id, secrets.token_urlsafe(32),
                                 now + SESSION_MINUTES * _MINUTE)  # fmt: skip
        tables.add_session(id=session.id, cookie_hash=_sha256(value), patient_id=patient_id,
                           csrf_secret=session.csrf_secret, now_us=now,
                           expires_us=session.expires_us)  # fmt: skip
        return value, session

    # -- the session ----------------------------------------------------------------------
    def session(self, value: str | None) -> BookingSession | None:
        if not value or len(value) > 128:
            return None
        with self.store.unit_of_work(write=False) as s:
            row = s.booking.codes.session_by_cookie(_sha256(value), self.now())
        return BookingSession(row.id, row.patient_id, row.csrf_secret, row.expires_us) \
            if row else None  # fmt: skip

    def end(self, session: BookingSession, source_ip: str | None) -> None:
        with self.store.unit_of_work(write=True) as s:
            ended = s.booking.codes.end_session(session.id, self.now())
        if ended:
            self._audit("logout", SUCCESS, session.patient_id, source_ip,
                        "Kết thúc phiên đặt lịch / booking session ended")  # fmt: skip

    @staticmethod
    def principal(session: BookingSession, source_ip: str | None) -> Principal:
        """A resident acting for `session.patient_id` alone."""
        claims = AccessClaims(
            subject=f"booking-otp:{session.patient_id}", role=roles.RESIDENT, scopes=SCOPES,
            client_id=CLIENT_ID, token_id=f"booking-session:{session.id}",
            expires_at=session.expires_us // 1_000_000, patient=session.patient_id,
            fhir_user=f"Patient/{session.patient_id}")  # fmt: skip
        return Principal(
            claims=claims,
            scopes=ScopeSet.parse(SCOPES),
            patients=frozenset({session.patient_id}),
            source_ip=source_ip,
        )

    def _audit(self, subtype: str, outcome: str, patient_id: str | None,
               source_ip: str | None, why: str) -> None:  # fmt: skip
        self.audit.record(AuditRecord(
            action=EXECUTE, subtype=subtype, outcome=outcome,
            agent=f"booking-otp:{patient_id}" if patient_id else "booking-otp",
            role=roles.RESIDENT, client_id=CLIENT_ID,
            patients=(patient_id,) if patient_id else (), source_ip=source_ip,
            description=why))  # fmt: skip


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
