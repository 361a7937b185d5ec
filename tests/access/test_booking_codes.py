"""One-time codes of the booking portal on both databases: a code is sent only when the
CCCD's active Patient has that phone, with the same answer either way; it is kept as an
HMAC, lives 5 minutes, allows 5 tries and opens a session acting for that Patient alone;
asking is rate-limited per CCCD and per address; every step is audited."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
import sqlalchemy as sa

from hoso.access import booking_codes as bc
from hoso.access.audit import GroupCommitAuditTrail
from hoso.access.booking_codes import ASKED, BookingCodes
from hoso.booking.codes import send_code
from hoso.booking.sender import LogSender
from hoso.core import clock
from hoso.core.errors import InvalidRequest, TooManyRequests
from hoso.store.booking_otp_schema import bk_otp_code
from hoso.store.sql_store import SqlAuditLog, SqlStore
from tests.booking.portal_world import cccd_of, outbox, phone_of, sent_code, with_cccd
from tests.booking.world import build_world
from tests.callers import audit_subtypes

CCCD, PHONE = cccd_of(0), phone_of(0)
IP = "203.0.113.7"


@pytest.fixture
def codes(store: SqlStore) -> Iterator[BookingCodes]:
    build_world(store, residents=2, days=1)
    with_cccd(store)
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    send = partial(send_code, sender=LogSender())
    yield BookingCodes(store, store.settings.cccd_system, trail, b"k" * 32, send=send)
    trail.close()


def test_a_matching_phone_gets_a_code_that_opens_a_session_for_that_patient(
    codes: BookingCodes, store: SqlStore
) -> None:
    assert codes.request(CCCD, "+84 900 000 000", IP) == ASKED
    message = outbox(store)[-1]
    assert (message.kind, message.recipient, message.patient_id) == ("otp", PHONE, "bk-p0")
    code = sent_code(store)
    opened = codes.verify(CCCD, code, IP)
    assert opened is not None
    cookie, session = opened
    assert codes.session(cookie) == session and session.patient_id == "bk-p0"
    principal = codes.principal(session, IP)
    assert principal.role == "resident" and principal.patients == frozenset({"bk-p0"})
    assert codes.verify(CCCD, code, IP) is None  # spent
    codes.end(session, IP)
    assert codes.session(cookie) is None
    subtypes = audit_subtypes(store)
    assert {"booking-code", "booking-session", "logout"} <= set(subtypes)


def test_no_match_gets_the_same_answer_and_no_message(codes: BookingCodes, store: SqlStore) -> None:
    assert codes.request(CCCD, "0911111111", IP) == ASKED  # another phone
    assert codes.request(cccd_of(99), PHONE, IP) == ASKED  # nobody's CCCD
    assert outbox(store) == []
    with pytest.raises(InvalidRequest):
        codes.request("12345", PHONE, IP)


def test_an_inactive_patient_gets_no_code(codes: BookingCodes, store: SqlStore) -> None:
    with_cccd(store, 0, active=False)
    assert codes.request(CCCD, PHONE, IP) == ASKED
    assert outbox(store) == []


def test_the_code_is_kept_as_an_hmac_and_allows_five_tries(codes: BookingCodes,
                                                           store: SqlStore) -> None:  # fmt: skip
    codes.request(CCCD, PHONE, IP)
    code = sent_code(store)
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(bk_otp_code)).one()
    assert code not in str(tuple(row)) and CCCD not in str(tuple(row)) and IP not in str(tuple(row))
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(bc.MAX_ATTEMPTS):
        assert codes.verify(CCCD, wrong, IP) is None
    assert codes.verify(CCCD, code, IP) is None  # the right code, too late


def test_a_code_expires_after_five_minutes(codes: BookingCodes, store: SqlStore) -> None:
    now = clock.now_us()
    codes.now = lambda: now
    codes.request(CCCD, PHONE, IP)
    code = sent_code(store)
    codes.now = lambda: now + bc.CODE_MINUTES * 60_000_000
    assert codes.verify(CCCD, code, IP) is None


def test_asking_is_limited_per_cccd_and_per_address(codes: BookingCodes) -> None:
    for _ in range(bc.PER_CCCD):
        codes.request(CCCD, PHONE, "198.51.100.1")
    with pytest.raises(TooManyRequests):
        codes.request(CCCD, PHONE, "198.51.100.2")  # another address, the same CCCD
    for n in range(bc.PER_IP):
        codes.request(cccd_of(100 + n), PHONE, IP)  # nobody's: still counted
    with pytest.raises(TooManyRequests):
        codes.request(cccd_of(98), PHONE, IP)


def test_a_request_that_matches_nothing_does_not_shadow_the_sent_code(
    codes: BookingCodes, store: SqlStore
) -> None:
    codes.request(CCCD, PHONE, IP)
    code = sent_code(store)
    codes.request(CCCD, "0911111111", "198.51.100.9")  # someone else tries a wrong phone
    assert codes.verify(CCCD, code, IP) is not None
