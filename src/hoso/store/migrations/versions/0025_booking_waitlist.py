"""booking: the waitlist (issue 21 point 5)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bk_waitlist",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("service_type", sa.String(64), nullable=False),
        sa.Column("facility", sa.String(16)),
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
    )
    op.create_index("ix_bk_waitlist_match", "bk_waitlist", ["state", "service_type", "id"])
    op.create_index("ix_bk_waitlist_patient", "bk_waitlist", ["patient_id"])
    op.create_index("ix_bk_waitlist_offer", "bk_waitlist", ["offered_appointment_id"])


def downgrade() -> None:
    op.drop_table("bk_waitlist")
