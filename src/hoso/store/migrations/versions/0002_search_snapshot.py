"""search snapshot: the frozen order of sorted searches, for stable paging

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 01:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_snapshot",
        sa.Column("search_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("res_seq", sa.BigInteger(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("search_id", "position"),
    )
    op.create_index("ix_search_snapshot_created", "search_snapshot", ["created"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_search_snapshot_created", table_name="search_snapshot")
    op.drop_table("search_snapshot")
