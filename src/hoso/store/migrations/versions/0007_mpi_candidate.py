"""master patient index: candidate pairs and the data steward's decisions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mpi_candidate",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("patient_a", sa.String(64), nullable=False),
        sa.Column("patient_b", sa.String(64), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("grade", sa.String(16), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("decided", sa.BigInteger()),
        sa.Column("decided_by", sa.String(140)),
        sa.UniqueConstraint("patient_a", "patient_b", name="uq_mpi_candidate_pair"),
    )
    op.create_index("ix_mpi_candidate_status_weight", "mpi_candidate", ["status", "weight"])
    op.create_index("ix_mpi_candidate_patient_b", "mpi_candidate", ["patient_b"])


def downgrade() -> None:
    op.drop_index("ix_mpi_candidate_patient_b", table_name="mpi_candidate")
    op.drop_index("ix_mpi_candidate_status_weight", table_name="mpi_candidate")
    op.drop_table("mpi_candidate")
