"""The booking service's tables (issue 21; `hoso.store.booking_seats` is their only
user), on the store's one `metadata`.

The Slots, Schedules and Appointments themselves are FHIR resources in the store; these
tables hold what has no FHIR home — the seats a Slot's capacity is made of, the queue
counters and the single use of a re-examination slip — and `bk_slot`, a projection of
the Slots `$find` reads (rebuildable from the Slot resources).

- `bk_slot`: one row per Slot: where and when, which service, its capacity.
- `bk_seat`: `capacity` rows per Slot, numbered 1…capacity, created with the Slot. A seat
  is `free`, `held` (until `hold_expires_us`: an expired hold is free to the next claim
  with no sweeper involved) or `booked`. Taking one is ONE conditional UPDATE of a free
  (or expired) seat row, so two bookers can never hold the same seat and a Slot can never
  take more than its rows: capacity is a property of the data, not of a Python check.
  A staff overbooking adds a row numbered above the capacity, flagged `overbook`.
- `bk_queue_counter` / `bk_queue_ticket`: the day's gap-free queue numbers per service
  point (số thứ tự), taken in the booking's own transaction (a rolled-back booking
  takes no number), booked and walk-in numbers from one sequence.
- `bk_slip_use`: a re-examination slip (XML14) books once: its key is the primary key.
- `bk_outbox`: messages to residents (one-time codes, reminders, waitlist offers) as the
  pluggable sender will deliver them; `dedupe_key` makes a reminder planned twice one row.
Instants are µs since the epoch; days ISO `YYYY-MM-DD` in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

import sqlalchemy as sa

from hoso.store.schema import metadata

__all__ = ["bk_outbox", "bk_queue_counter", "bk_queue_ticket", "bk_seat", "bk_slip_use", "bk_slot"]

bk_slot = sa.Table(
    "bk_slot",
    metadata,
    sa.Column("slot_id", sa.String(64), primary_key=True),
    sa.Column("schedule_id", sa.String(64), nullable=False),
    sa.Column("facility", sa.String(16), nullable=False),  # mã cơ sở KCB
    sa.Column("service", sa.String(64), nullable=False),  # HealthcareService id
    sa.Column("service_type", sa.String(64), nullable=False),  # catalogue code
    sa.Column("service_point", sa.String(64), nullable=False),  # Location id (room)
    sa.Column("ward", sa.String(8)),  # the facility's ward (NSO code)
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("start_us", sa.BigInteger, nullable=False),
    sa.Column("end_us", sa.BigInteger, nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.CheckConstraint("capacity > 0", name="ck_bk_slot_capacity"),
    sa.Index("ix_bk_slot_type_start", "service_type", "start_us"),
    sa.Index("ix_bk_slot_facility_start", "facility", "start_us"),
    sa.Index("ix_bk_slot_start", "start_us"),
    # $find's earliest free Slot of every service: one short index range each
    # (found by bench.booking; migration 0027).
    sa.Index("ix_bk_slot_type_service_start", "service_type", "service", "start_us"),
)

bk_seat = sa.Table(
    "bk_seat",
    metadata,
    sa.Column("slot_id", sa.String(64), sa.ForeignKey("bk_slot.slot_id"), primary_key=True),
    sa.Column("seat_no", sa.Integer, primary_key=True),
    sa.Column("state", sa.String(8), nullable=False),  # free | held | booked
    sa.Column("appointment_id", sa.String(64)),
    sa.Column("patient_id", sa.String(64)),
    sa.Column("hold_expires_us", sa.BigInteger),
    sa.Column("overbook", sa.Boolean, nullable=False),
    sa.Column("updated_us", sa.BigInteger, nullable=False),
    sa.CheckConstraint("state IN ('free', 'held', 'booked')", name="ck_bk_seat_state"),
    sa.CheckConstraint("seat_no > 0", name="ck_bk_seat_no"),
    sa.CheckConstraint("(state = 'free') = (appointment_id IS NULL)", name="ck_bk_seat_owner"),
    sa.CheckConstraint("state <> 'held' OR hold_expires_us IS NOT NULL", name="ck_bk_seat_hold"),
    # One seat per Appointment; one seat per resident in a Slot.
    sa.Index("ux_bk_seat_appointment", "appointment_id", unique=True),
    sa.Index("ux_bk_seat_patient", "slot_id", "patient_id", unique=True),
    sa.Index("ix_bk_seat_patient", "patient_id"),
)

bk_queue_counter = sa.Table(
    "bk_queue_counter",
    metadata,
    sa.Column("service_point", sa.String(64), primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("last_number", sa.Integer, nullable=False),
)

bk_queue_ticket = sa.Table(
    "bk_queue_ticket",
    metadata,
    sa.Column("service_point", sa.String(64), primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(8), nullable=False),  # booked | walk-in
    sa.Column("appointment_id", sa.String(64)),
    sa.Column("patient_id", sa.String(64)),
    sa.Column("facility", sa.String(16), nullable=False),
    sa.Column("start_us", sa.BigInteger),  # the booked slot's start
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("issued_us", sa.BigInteger, nullable=False),
    sa.Column("arrived_us", sa.BigInteger),
    sa.Column("called_us", sa.BigInteger),
    sa.CheckConstraint("kind IN ('booked', 'walk-in')", name="ck_bk_ticket_kind"),
    sa.CheckConstraint(
        "state IN ('waiting', 'arrived', 'called', 'done', 'noshow', 'cancelled')",
        name="ck_bk_ticket_state",
    ),
    sa.Index("ux_bk_ticket_appointment", "appointment_id", unique=True),
)

bk_slip_use = sa.Table(
    "bk_slip_use",
    metadata,
    sa.Column("slip", sa.String(140), primary_key=True),  # Appointment/<id> of the slip
    sa.Column("appointment_id", sa.String(64), nullable=False),
    sa.Column("used_us", sa.BigInteger, nullable=False),
)

bk_outbox = sa.Table(
    "bk_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),  # otp | reminder | offer | notice
    sa.Column("recipient", sa.String(32), nullable=False),  # a phone number
    sa.Column("patient_id", sa.String(64)),
    sa.Column("appointment_id", sa.String(64)),
    sa.Column("body", sa.String(480), nullable=False),
    sa.Column("due_us", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # pending | sent | failed | void
    sa.Column("sent_us", sa.BigInteger),
    sa.Column("dedupe_key", sa.String(160), nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Index("ux_bk_outbox_dedupe", "dedupe_key", unique=True),
    sa.Index("ix_bk_outbox_due", "status", "due_us"),
)
