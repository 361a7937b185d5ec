"""pseudonym aliases: the pseudonyms de-identified views handed out, resolvable

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pseudonym_alias",
        sa.Column("key_fp", sa.String(32), primary_key=True),
        sa.Column("resource_type", sa.String(64), primary_key=True),
        sa.Column("alias", sa.String(32), primary_key=True),
        sa.Column("resource_id", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("pseudonym_alias")
