"""booking portal: one-time codes and booking sessions (issue 21 point 5)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
# The chain's place: after helper B's 0025. Set to "0024" while 0025 is not on this
# branch (the lead sets "0025" on merge).
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bk_otp_code",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("cccd_hash", sa.String(64), nullable=False),
        sa.Column("ip_hash", sa.String(64), nullable=False),
        sa.Column("patient_id", sa.String(64)),
        sa.Column("code_hash", sa.String(64)),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("expires_us", sa.BigInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("used_us", sa.BigInteger),
    )
    op.create_index("ix_bk_otp_code_cccd", "bk_otp_code", ["cccd_hash", "created_us"])
    op.create_index("ix_bk_otp_code_ip", "bk_otp_code", ["ip_hash", "created_us"])
    op.create_table(
        "bk_otp_session",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("cookie_hash", sa.String(64), nullable=False),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("csrf_secret", sa.String(64), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("expires_us", sa.BigInteger, nullable=False),
        sa.Column("ended_us", sa.BigInteger),
    )
    op.create_index("ux_bk_otp_session_cookie", "bk_otp_session", ["cookie_hash"], unique=True)


def downgrade() -> None:
    op.drop_table("bk_otp_session")
    op.drop_table("bk_otp_code")
