"""change feed: every committed write in commit order, consumers' cursors, dead letters

Existing resources enter the feed once each, at their current version, numbered by
their row number, so that a consumer starting at the beginning sees the whole store.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_feed",
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("resource_type", sa.String(64), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("patient_id", sa.String(64)),
        sa.Column("committed", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "change_counter",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "feed_cursor",
        sa.Column("consumer", sa.String(160), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("lease_owner", sa.String(160)),
        sa.Column("lease_until", sa.BigInteger),
        sa.Column("sent", sa.BigInteger, nullable=False),
        sa.Column("rate", sa.Float, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("updated", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "feed_dead_letter",
        sa.Column("consumer", sa.String(160), primary_key=True),
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("resource_type", sa.String(64), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("first_failed", sa.BigInteger, nullable=False),
        sa.Column("last_failed", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
    )
    op.execute(
        "INSERT INTO change_feed (position, resource_type, id, version, deleted, patient_id, "
        "committed) SELECT seq, resource_type, id, version, deleted, patient_id, last_updated "
        "FROM resource"
    )
    op.execute(
        "INSERT INTO change_counter (name, position) "
        "SELECT 'feed', coalesce(max(seq), 0) FROM resource"
    )


def downgrade() -> None:
    for table in ("feed_dead_letter", "feed_cursor", "change_counter", "change_feed"):
        op.drop_table(table)
