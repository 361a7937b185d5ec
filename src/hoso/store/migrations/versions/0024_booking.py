"""booking: slot projection, seats, queue numbers, slip uses (issue 21)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bk_slot",
        sa.Column("slot_id", sa.String(64), primary_key=True),
        sa.Column("schedule_id", sa.String(64), nullable=False),
        sa.Column("facility", sa.String(16), nullable=False),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("service_type", sa.String(64), nullable=False),
        sa.Column("service_point", sa.String(64), nullable=False),
        sa.Column("ward", sa.String(8)),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("start_us", sa.BigInteger, nullable=False),
        sa.Column("end_us", sa.BigInteger, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.CheckConstraint("capacity > 0", name="ck_bk_slot_capacity"),
    )
    op.create_index("ix_bk_slot_type_start", "bk_slot", ["service_type", "start_us"])
    op.create_index("ix_bk_slot_facility_start", "bk_slot", ["facility", "start_us"])
    op.create_index("ix_bk_slot_start", "bk_slot", ["start_us"])
    op.create_table(
        "bk_seat",
        sa.Column("slot_id", sa.String(64), sa.ForeignKey("bk_slot.slot_id"), primary_key=True),
        sa.Column("seat_no", sa.Integer, primary_key=True),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("appointment_id", sa.String(64)),
        sa.Column("patient_id", sa.String(64)),
        sa.Column("hold_expires_us", sa.BigInteger),
        sa.Column("overbook", sa.Boolean, nullable=False),
        sa.Column("updated_us", sa.BigInteger, nullable=False),
        sa.CheckConstraint("state IN ('free', 'held', 'booked')", name="ck_bk_seat_state"),
        sa.CheckConstraint("seat_no > 0", name="ck_bk_seat_no"),
        sa.CheckConstraint("(state = 'free') = (appointment_id IS NULL)", name="ck_bk_seat_owner"),
        sa.CheckConstraint(
            "state <> 'held' OR hold_expires_us IS NOT NULL", name="ck_bk_seat_hold"
        ),
    )
    op.create_index("ux_bk_seat_appointment", "bk_seat", ["appointment_id"], unique=True)
    op.create_index("ux_bk_seat_patient", "bk_seat", ["slot_id", "patient_id"], unique=True)
    op.create_index("ix_bk_seat_patient", "bk_seat", ["patient_id"])
    op.create_table(
        "bk_queue_counter",
        sa.Column("service_point", sa.String(64), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
    )
    op.create_table(
        "bk_queue_ticket",
        sa.Column("service_point", sa.String(64), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("appointment_id", sa.String(64)),
        sa.Column("patient_id", sa.String(64)),
        sa.Column("facility", sa.String(16), nullable=False),
        sa.Column("start_us", sa.BigInteger),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("issued_us", sa.BigInteger, nullable=False),
        sa.Column("arrived_us", sa.BigInteger),
        sa.Column("called_us", sa.BigInteger),
        sa.CheckConstraint("kind IN ('booked', 'walk-in')", name="ck_bk_ticket_kind"),
        sa.CheckConstraint(
            "state IN ('waiting', 'arrived', 'called', 'done', 'noshow', 'cancelled')",
            name="ck_bk_ticket_state",
        ),
    )
    op.create_index(
        "ux_bk_ticket_appointment", "bk_queue_ticket", ["appointment_id"], unique=True
    )
    op.create_table(
        "bk_slip_use",
        sa.Column("slip", sa.String(140), primary_key=True),
        sa.Column("appointment_id", sa.String(64), nullable=False),
        sa.Column("used_us", sa.BigInteger, nullable=False),
    )


    op.create_table(
        "bk_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(32), nullable=False),
        sa.Column("patient_id", sa.String(64)),
        sa.Column("appointment_id", sa.String(64)),
        sa.Column("body", sa.String(480), nullable=False),
        sa.Column("due_us", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("sent_us", sa.BigInteger),
        sa.Column("dedupe_key", sa.String(160), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ux_bk_outbox_dedupe", "bk_outbox", ["dedupe_key"], unique=True)
    op.create_index("ix_bk_outbox_due", "bk_outbox", ["status", "due_us"])


def downgrade() -> None:
    tables = ("bk_outbox", "bk_slip_use", "bk_queue_ticket", "bk_queue_counter", "bk_seat",
              "bk_slot")
    for table in tables:
        op.drop_table(table)
