"""change feed by resident: an index for one resident's changes (the health book's sync)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 14:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_change_feed_patient", "change_feed", ["patient_id", "position"])


def downgrade() -> None:
    op.drop_index("ix_change_feed_patient", "change_feed")
