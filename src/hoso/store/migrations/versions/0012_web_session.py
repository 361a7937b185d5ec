"""web sessions: server-side sessions of the browser pages

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("cookie_hash", sa.String(64), nullable=False),
        sa.Column("previous_hash", sa.String(64)),
        sa.Column("rotated", sa.BigInteger, nullable=False),
        sa.Column("account_id", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("facility", sa.String(64)),
        sa.Column("patient_id", sa.String(64)),
        sa.Column("fhir_user", sa.String(128)),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("csrf_secret", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("last_seen", sa.BigInteger, nullable=False),
        sa.Column("expires", sa.BigInteger, nullable=False),
        sa.Column("ended", sa.BigInteger),
        sa.UniqueConstraint("cookie_hash", name="uq_web_session_cookie_hash"),
    )
    op.create_index("ix_web_session_previous_hash", "web_session", ["previous_hash"])
    op.create_index("ix_web_session_account_id", "web_session", ["account_id"])
    op.create_index("ix_web_session_expires", "web_session", ["expires"])


def downgrade() -> None:
    op.drop_table("web_session")
