"""school eye programme: schools, classes, rosters, screening rounds, each child's
screening status, eye-clinic referrals (issue 19 point 3)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 22:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prog_eye_school",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("ward", sa.String(8), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_prog_eye_school_ward", "prog_eye_school", ["ward"])
    op.create_table(
        "prog_eye_class",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("school_id", sa.Integer, nullable=False),
        sa.Column("school_year", sa.String(9), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("grade", sa.Integer),
        sa.UniqueConstraint("school_id", "school_year", "name", name="uq_prog_eye_class"),
    )
    op.create_table(
        "prog_eye_roster",
        sa.Column("class_id", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.String(64), primary_key=True),
        sa.Column("added_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_prog_eye_roster_patient", "prog_eye_roster", ["patient_id"])
    op.create_table(
        "prog_eye_round",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("school_id", sa.Integer, nullable=False),
        sa.Column("school_year", sa.String(9), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("created_by", sa.String(140), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("school_id", "day", name="uq_prog_eye_round"),
    )
    op.create_table(
        "prog_eye_screen",
        sa.Column("round_id", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.String(64), primary_key=True),
        sa.Column("class_id", sa.Integer, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("outcome", sa.String(12)),
        sa.Column("result", sa.Text),
        sa.Column("myopia", sa.String(8)),
        sa.Column("age", sa.Integer),
        sa.Column("sex", sa.String(8)),
        sa.Column("observations", sa.Text),
        sa.Column("recorded_by", sa.String(140), nullable=False),
        sa.Column("recorded_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_prog_eye_screen_class", "prog_eye_screen", ["class_id", "round_id"])
    op.create_table(
        "prog_eye_referral",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("school_id", sa.Integer, nullable=False),
        sa.Column("ward", sa.String(8), nullable=False),
        sa.Column("round_id", sa.Integer, nullable=False),
        sa.Column("service_request", sa.String(64), nullable=False),
        sa.Column("opened", sa.String(10), nullable=False),
        sa.Column("lapse_on", sa.String(10), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("closed", sa.String(10)),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("round_id", "patient_id", name="uq_prog_eye_referral"),
    )
    op.create_index("ix_prog_eye_referral_ward", "prog_eye_referral",
                    ["ward", "status", "lapse_on"])  # fmt: skip
    op.create_index("ix_prog_eye_referral_school", "prog_eye_referral", ["school_id", "status"])


def downgrade() -> None:
    for table in ("prog_eye_referral", "prog_eye_screen", "prog_eye_round", "prog_eye_roster",
                  "prog_eye_class", "prog_eye_school"):  # fmt: skip
        op.drop_table(table)
