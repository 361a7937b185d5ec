"""immunisation programme: vaccine lots (flagged after a severe adverse event), the
24-hour AEFI reports, and the birth cohorts that are coverage's denominator (issue 19)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prog_vaccine_lot",
        sa.Column("product", sa.String(200), primary_key=True),
        sa.Column("lot", sa.String(40), primary_key=True),
        sa.Column("expiry", sa.String(10)),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("changed_by", sa.String(140), nullable=False),
        sa.Column("changed_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_prog_vaccine_lot_status", "prog_vaccine_lot", ["status"])
    op.create_table(
        "prog_aefi_report",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("ward", sa.String(8)),
        sa.Column("station", sa.String(32)),
        sa.Column("immunization_id", sa.String(64), nullable=False),
        sa.Column("adverse_event_id", sa.String(64), nullable=False),
        sa.Column("product", sa.String(200), nullable=False),
        sa.Column("lot", sa.String(40), nullable=False),
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("opened_at", sa.BigInteger, nullable=False),
        sa.Column("deadline_at", sa.BigInteger, nullable=False),
        sa.Column("reported_at", sa.BigInteger),
        sa.Column("reported_by", sa.String(140)),
        sa.Column("opened_by", sa.String(140), nullable=False),
        sa.UniqueConstraint("adverse_event_id", name="uq_prog_aefi_report_event"),
    )
    op.create_index("ix_prog_aefi_report_ward", "prog_aefi_report",
                    ["ward", "reported_at", "deadline_at"])  # fmt: skip
    op.create_table(
        "prog_imm_cohort",
        sa.Column("ward", sa.String(8), primary_key=True),
        sa.Column("birth_year", sa.Integer, primary_key=True),
        sa.Column("children", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("loaded_at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in ("prog_imm_cohort", "prog_aefi_report", "prog_vaccine_lot"):
        op.drop_table(table)
