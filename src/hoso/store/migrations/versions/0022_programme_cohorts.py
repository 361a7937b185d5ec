"""programmes: cohort definitions and the daily snapshots of their members (issue 19
point 6)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
# Re-chained to "0021" (the school eye programme's) on the prog-eyes branch.
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prog_cohort",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("version", sa.String(32), primary_key=True),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("restricted", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(140), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "prog_cohort_member",
        sa.Column("cohort", sa.String(64), primary_key=True),
        sa.Column("version", sa.String(32), primary_key=True),
        sa.Column("computed_on", sa.String(10), primary_key=True),
        sa.Column("patient_id", sa.String(64), primary_key=True),
        sa.Column("ward", sa.String(8)),
        sa.Column("age_band", sa.String(8), nullable=False),
        sa.Column("sex", sa.String(8), nullable=False),
    )
    op.create_index("ix_prog_cohort_member_ward", "prog_cohort_member",
                    ["cohort", "version", "computed_on", "ward"])  # fmt: skip
    op.create_index("ix_prog_cohort_member_day_patient", "prog_cohort_member",
                    ["computed_on", "patient_id"])  # fmt: skip


def downgrade() -> None:
    op.drop_table("prog_cohort_member")
    op.drop_table("prog_cohort")
