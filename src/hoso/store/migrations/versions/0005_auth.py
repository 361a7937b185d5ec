"""auth: signing keys, OAuth clients, accounts, authorization codes, refresh and revoked tokens

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signing_key",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("alg", sa.String(8), nullable=False),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("private_key", sa.Text(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("retired", sa.BigInteger()),
        sa.Column("verify_until", sa.BigInteger()),
    )
    op.create_table(
        "oauth_client",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("facility", sa.String(64)),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("jwks", sa.Text()),
        sa.Column("redirect_uris", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "client_assertion_jti",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("jti", sa.String(255), primary_key=True),
        sa.Column("expires", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_client_assertion_jti_expires", "client_assertion_jti", ["expires"])
    op.create_table(
        "auth_account",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("facility", sa.String(64)),
        sa.Column("patient_id", sa.String(64)),
        sa.Column("practitioner_id", sa.String(64)),
        sa.Column("totp_secret", sa.Text()),
        sa.Column("totp_last_step", sa.BigInteger()),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.BigInteger()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("username", name="uq_auth_account_username"),
    )
    op.create_table(
        "authorization_code",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("code_challenge", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(40), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("nonce", sa.String(255)),
        sa.Column("family_id", sa.String(40), nullable=False),
        sa.Column("auth_time", sa.BigInteger(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_authorization_code_expires", "authorization_code", ["expires"])
    op.create_table(
        "refresh_token",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("family_id", sa.String(40), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(40), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("access_jti", sa.String(64), nullable=False),
        sa.Column("access_expires", sa.BigInteger(), nullable=False),
        sa.Column("auth_time", sa.BigInteger(), nullable=False),
        sa.Column("issued", sa.BigInteger(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_index("ix_refresh_token_family_id", "refresh_token", ["family_id"])
    op.create_index("ix_refresh_token_expires", "refresh_token", ["expires"])
    op.create_table(
        "revoked_token",
        sa.Column("jti", sa.String(64), primary_key=True),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.Column("revoked", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_revoked_token_expires", "revoked_token", ["expires"])


def downgrade() -> None:
    for table in (
        "revoked_token",
        "refresh_token",
        "authorization_code",
        "auth_account",
        "client_assertion_jti",
        "oauth_client",
        "signing_key",
    ):
        op.drop_table(table)
