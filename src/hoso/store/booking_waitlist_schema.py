"""The booking waitlist's table (issue 21 point 5; `hoso.store.booking_seats` is its
only user), on the store's one `metadata`.

- `bk_waitlist`: a resident waiting for a seat of a service (any facility when
  `facility` is NULL) on a day in [from_day, to_day]. `waiting` → `offered` (a freed
  seat is held for them until `offer_expires_us`, as `offered_appointment_id`) →
  `booked` (they took it); an offer not taken in time makes the entry `expired` and the
  seat goes to the next entry; `withdrawn`: the resident left the list. Offers go in
  the order of `id` (the order residents joined in).
Instants are µs since the epoch; days ISO `YYYY-MM-DD` in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

import sqlalchemy as sa

from hoso.store.schema import metadata

__all__ = ["bk_waitlist"]

bk_waitlist = sa.Table(
    "bk_waitlist",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("patient_id", sa.String(64), nullable=False),
    sa.Column("service_type", sa.String(64), nullable=False),
    sa.Column("facility", sa.String(16)),  # NULL: any facility
    sa.Column("from_day", sa.String(10), nullable=False),
    sa.Column("to_day", sa.String(10), nullable=False),
    sa.Column("phone", sa.String(32), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("offered_appointment_id", sa.String(64)),
    sa.Column("offer_expires_us", sa.BigInteger),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.CheckConstraint(
        "state IN ('waiting', 'offered', 'booked', 'expired', 'withdrawn')",
        name="ck_bk_waitlist_state",
    ),
    sa.CheckConstraint("from_day <= to_day", name="ck_bk_waitlist_days"),
    sa.CheckConstraint(
        "state <> 'offered' OR (offered_appointment_id IS NOT NULL "
        "AND offer_expires_us IS NOT NULL)",
        name="ck_bk_waitlist_offer",
    ),
    sa.Index("ix_bk_waitlist_match", "state", "service_type", "id"),
    sa.Index("ix_bk_waitlist_patient", "patient_id"),
    sa.Index("ix_bk_waitlist_offer", "offered_appointment_id"),
)
