"""Tables of the booking portal's one-time codes (issue 21 point 5; docs/booking-portal.md):
the codes sent to a resident's phone for a first visit without an account, and the
short-lived booking sessions a verified code opens.

Nothing here is readable: the CCCD, the source IP and the code are kept as HMACs under
the server's secret (`booking-otp-key`), the session's cookie value as its SHA-256 — a
copy of the database gives no code, no cookie and no list of who asked.
"""

from __future__ import annotations

import sqlalchemy as sa

from hoso.store.schema import metadata

__all__ = ["bk_otp_code", "bk_otp_session"]

bk_otp_code = sa.Table(
    "bk_otp_code",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("cccd_hash", sa.String(64), nullable=False),  # HMAC of the CCCD asked for
    sa.Column("ip_hash", sa.String(64), nullable=False),  # HMAC of the source address
    sa.Column("patient_id", sa.String(64)),  # None: no match (the row still counts)
    sa.Column("code_hash", sa.String(64)),  # HMAC of the code; None when none was sent
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("expires_us", sa.BigInteger, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("used_us", sa.BigInteger),
    sa.Index("ix_bk_otp_code_cccd", "cccd_hash", "created_us"),
    sa.Index("ix_bk_otp_code_ip", "ip_hash", "created_us"),
)

bk_otp_session = sa.Table(
    "bk_otp_session",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("cookie_hash", sa.String(64), nullable=False),
    sa.Column("patient_id", sa.String(64), nullable=False),
    sa.Column("csrf_secret", sa.String(64), nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("expires_us", sa.BigInteger, nullable=False),
    sa.Column("ended_us", sa.BigInteger),
    sa.Index("ux_bk_otp_session_cookie", "cookie_hash", unique=True),
)
