"""self-claimed care links: the flag, the per-hour rate the watch keeps, its anomalies

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("care_link") as batch:
        batch.add_column(
            sa.Column("self_claimed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Links already stored by a facility's own writes are self-claimed too.
    op.execute(
        "UPDATE care_link SET self_claimed = true WHERE res_seq IN (SELECT res_seq FROM "
        "idx_uri WHERE param = '_source' AND uri LIKE 'urn:hoso:facility:%')"
    )
    op.create_table(
        "care_claim_rate",
        sa.Column("agent", sa.String(140), primary_key=True),
        sa.Column("hour_us", sa.BigInteger(), primary_key=True),
        sa.Column("facility", sa.String(64)),
        sa.Column("opened", sa.Integer(), nullable=False),
        sa.Column("last_us", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "access_anomaly",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("agent", sa.String(140), primary_key=True),
        sa.Column("hour_us", sa.BigInteger(), primary_key=True),
        sa.Column("client_id", sa.String(140)),
        sa.Column("facility", sa.String(64)),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("detected_us", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_access_anomaly_detected", "access_anomaly", ["detected_us"])


def downgrade() -> None:
    op.drop_index("ix_access_anomaly_detected", "access_anomaly")
    op.drop_table("access_anomaly")
    op.drop_table("care_claim_rate")
    with op.batch_alter_table("care_link") as batch:
        batch.drop_column("self_claimed")
