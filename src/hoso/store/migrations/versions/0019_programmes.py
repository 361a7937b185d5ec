"""community programmes: each enrolled resident's assessment, the activities due, and
the enrolments set by hand (issue 19)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prog_enrolment",
        sa.Column("programme", sa.String(32), primary_key=True),
        sa.Column("patient_id", sa.String(64), primary_key=True),
        sa.Column("ward", sa.String(8)),
        sa.Column("birth_year", sa.Integer),
        sa.Column("sex", sa.String(8), nullable=False),
        sa.Column("age_band", sa.String(8), nullable=False),
        sa.Column("rule_version", sa.String(32), nullable=False),
        sa.Column("by_hand", sa.Boolean, nullable=False),
        sa.Column("measures", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("since", sa.String(10), nullable=False),
        sa.Column("assessed_on", sa.String(10), nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_prog_enrolment_ward", "prog_enrolment", ["programme", "ward"])
    op.create_index("ix_prog_enrolment_patient", "prog_enrolment", ["patient_id"])
    op.create_table(
        "prog_due",
        sa.Column("programme", sa.String(32), primary_key=True),
        sa.Column("patient_id", sa.String(64), primary_key=True),
        sa.Column("activity", sa.String(64), primary_key=True),
        sa.Column("ward", sa.String(8)),
        sa.Column("due", sa.String(10), nullable=False),
        sa.Column("latest", sa.String(10)),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("form", sa.String(200)),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_prog_due_ward", "prog_due", ["programme", "ward", "status", "due"])
    op.create_index("ix_prog_due_patient", "prog_due", ["patient_id"])
    op.create_table(
        "prog_manual",
        sa.Column("programme", sa.String(32), primary_key=True),
        sa.Column("patient_id", sa.String(64), primary_key=True),
        sa.Column("enrolled", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("set_by", sa.String(140), nullable=False),
        sa.Column("set_at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in ("prog_manual", "prog_due", "prog_enrolment"):
        op.drop_table(table)
