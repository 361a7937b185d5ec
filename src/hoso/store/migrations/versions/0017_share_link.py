"""share links: a resident's time-limited, revocable links to read their health book

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "share_link",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("sections", sa.Text, nullable=False),
        sa.Column("include_sensitive", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(140), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("revoked_at", sa.BigInteger),
        sa.Column("opened_count", sa.Integer, nullable=False),
        sa.Column("last_opened_at", sa.BigInteger),
        sa.UniqueConstraint("token_hash", name="uq_share_link_token_hash"),
    )
    op.create_index("ix_share_link_patient", "share_link", ["patient_id", "expires_at"])


def downgrade() -> None:
    op.drop_index("ix_share_link_patient", "share_link")
    op.drop_table("share_link")
