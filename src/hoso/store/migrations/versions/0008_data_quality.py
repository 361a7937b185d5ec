"""data quality: per-resource findings, batch runs and the scorecard snapshots

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-12 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quality_issue",
        sa.Column("res_seq", sa.BigInteger(), nullable=False),
        sa.Column("resource_type", sa.String(64), nullable=False),
        sa.Column("patient_id", sa.String(64)),
        sa.Column("rule", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("expression", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
    )
    op.create_index("ix_quality_issue_res", "quality_issue", ["res_seq"])
    op.create_index("ix_quality_issue_rule", "quality_issue", ["rule", "resource_type"])
    op.create_index("ix_quality_issue_patient", "quality_issue", ["patient_id"])
    op.create_table(
        "quality_run",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("started", sa.BigInteger(), nullable=False),
        sa.Column("finished", sa.BigInteger()),
        sa.Column("resources", sa.Integer(), nullable=False),
        sa.Column("issues", sa.Integer(), nullable=False),
    )
    op.create_table(
        "quality_score",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("facility", sa.String(64), nullable=False),
        sa.Column("ward", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(16), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("failing", sa.Integer(), nullable=False),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "facility", "ward", "rule"),
    )
    op.create_index("ix_quality_score_facility", "quality_score", ["facility", "run_id"])
    op.create_index("ix_quality_score_ward", "quality_score", ["ward", "run_id"])


def downgrade() -> None:
    op.drop_index("ix_quality_score_ward", table_name="quality_score")
    op.drop_index("ix_quality_score_facility", table_name="quality_score")
    op.drop_table("quality_score")
    op.drop_table("quality_run")
    op.drop_index("ix_quality_issue_patient", table_name="quality_issue")
    op.drop_index("ix_quality_issue_rule", table_name="quality_issue")
    op.drop_index("ix_quality_issue_res", table_name="quality_issue")
    op.drop_table("quality_issue")
