"""bulk jobs: asynchronous FHIR Bulk Data requests ($export, later $import)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulk_job",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(140), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.Column("finished", sa.BigInteger()),
        sa.Column("progress", sa.Text()),
        sa.Column("manifest", sa.Text()),
        sa.Column("error", sa.Text()),
    )
    op.create_index("ix_bulk_job_status_updated", "bulk_job", ["status", "updated"])


def downgrade() -> None:
    op.drop_index("ix_bulk_job_status_updated", table_name="bulk_job")
    op.drop_table("bulk_job")
