"""SQL of the booking portal's one-time codes and booking sessions (issue 21 point 5),
on the connection of the caller's unit of work (`session.booking.codes`): a code, its
outbox message and the audit entry commit together. Only `hoso.access.booking_codes`
calls it; the hashing is done there (this module never sees a code or a CCCD)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from hoso.store.booking_otp_schema import bk_otp_code, bk_otp_session
from hoso.store.booking_schema import bk_outbox

__all__ = ["CodeRow", "OtpSessionRow", "SqlBookingCodes"]

_K, _X, _O = bk_otp_code, bk_otp_session, bk_outbox


@dataclass(frozen=True, slots=True)
class CodeRow:
    id: str
    patient_id: str | None
    code_hash: str | None
    expires_us: int
    attempts: int


@dataclass(frozen=True, slots=True)
class OtpSessionRow:
    id: str
    patient_id: str
    csrf_secret: str
    created_us: int
    expires_us: int


class SqlBookingCodes:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    # -- codes ----------------------------------------------------------------------------
    def add_code(self, *, id: str, cccd_hash: str, ip_hash: str, patient_id: str | None,
                 code_hash: str | None, now_us: int, expires_us: int) -> None:  # fmt: skip
        self.conn.execute(sa.insert(_K).values(
            id=id, cccd_hash=cccd_hash, ip_hash=ip_hash, patient_id=patient_id,
            code_hash=code_hash, created_us=now_us, expires_us=expires_us, attempts=0))  # fmt: skip

    def requests_since(self, *, cccd_hash: str, ip_hash: str, since_us: int) -> tuple[int, int]:
        """How many codes were asked for this CCCD, and from this address, since then."""

        def count(column: sa.Column[str], value: str) -> int:
            query = sa.select(sa.func.count()).select_from(_K).where(
                column == value, _K.c.created_us >= since_us)  # fmt: skip
            return int(self.conn.execute(query).scalar_one())

        return count(_K.c.cccd_hash, cccd_hash), count(_K.c.ip_hash, ip_hash)

    def live_code(self, cccd_hash: str, now_us: int) -> CodeRow | None:
        """The newest code of this CCCD sent, not used and not expired (a later request
        that matched nothing must not shadow the code the resident holds)."""
        row = self.conn.execute(
            sa.select(_K.c.id, _K.c.patient_id, _K.c.code_hash, _K.c.expires_us, _K.c.attempts)
            .where(_K.c.cccd_hash == cccd_hash, _K.c.used_us.is_(None),
                   _K.c.code_hash.is_not(None), _K.c.expires_us > now_us)
            .order_by(_K.c.created_us.desc(), _K.c.id).limit(1)).first()  # fmt: skip
        return CodeRow(*row) if row else None

    def count_attempt(self, code_id: str) -> None:
        self.conn.execute(sa.update(_K).where(_K.c.id == code_id)
                          .values(attempts=_K.c.attempts + 1))  # fmt: skip

    def use_code(self, code_id: str, now_us: int) -> bool:
        """Spend the code; False when another request spent it first."""
        done = self.conn.execute(sa.update(_K).where(_K.c.id == code_id, _K.c.used_us.is_(None))
                                 .values(used_us=now_us))  # fmt: skip
        return done.rowcount == 1

    # -- booking sessions -----------------------------------------------------------------
    def add_session(self, *, id: str, cookie_hash: str, patient_id: str, csrf_secret: str,
                    now_us: int, expires_us: int) -> None:  # fmt: skip
        self.conn.execute(sa.insert(_X).values(
            id=id, cookie_hash=cookie_hash, patient_id=patient_id, csrf_secret=csrf_secret,
            created_us=now_us, expires_us=expires_us, ended_us=None))  # fmt: skip

    def session_by_cookie(self, cookie_hash: str, now_us: int) -> OtpSessionRow | None:
        row = self.conn.execute(
            sa.select(_X.c.id, _X.c.patient_id, _X.c.csrf_secret, _X.c.created_us,
                      _X.c.expires_us)
            .where(_X.c.cookie_hash == cookie_hash, _X.c.ended_us.is_(None),
                   _X.c.expires_us > now_us)).first()  # fmt: skip
        return OtpSessionRow(*row) if row else None

    def end_session(self, session_id: str, now_us: int) -> bool:
        done = self.conn.execute(sa.update(_X).where(_X.c.id == session_id,
                                                     _X.c.ended_us.is_(None))
                                 .values(ended_us=now_us))  # fmt: skip
        return done.rowcount == 1

    # -- the outbox -----------------------------------------------------------------------
    def add_message(self, *, kind: str, recipient: str, patient_id: str | None, body: str,
                    due_us: int, dedupe_key: str, now_us: int) -> int:  # fmt: skip
        """A pending message in `bk_outbox`; its id."""
        done = self.conn.execute(sa.insert(_O).values(
            kind=kind, recipient=recipient[:32], patient_id=patient_id, appointment_id=None,
            body=body[:480], due_us=due_us, status="pending", sent_us=None,
            dedupe_key=dedupe_key[:160], created_us=now_us).returning(_O.c.id))  # fmt: skip
        return int(done.scalar_one())

    def mark_message(self, message_id: int, status: str, now_us: int) -> None:
        self.conn.execute(sa.update(_O).where(_O.c.id == message_id).values(
            status=status, sent_us=now_us if status == "sent" else None))  # fmt: skip
