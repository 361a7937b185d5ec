"""The authentication tables (hoso.access.keys / clients / accounts / refresh / tokens,
the pages' sessions, the BHXH gateway's accounts, de-identified pseudonyms;
docs/security-auth.md), on the store's one `metadata`: a concern of their own beside
the record's tables in `schema.py`."""

from __future__ import annotations

import sqlalchemy as sa

from hoso.store.schema import metadata

# -- authentication: signing keys, OAuth clients, accounts, codes and tokens ---------------
# (hoso.access.keys / clients / accounts / refresh / tokens; docs/security-auth.md).
# Times here are whole seconds since epoch, UTC, as in JWT claims.

# Token-signing keys: the newest with `retired` NULL signs; retired keys still verify
# until `verify_until`, when every token they signed has expired, and are then deleted.
signing_key = sa.Table(
    "signing_key",
    metadata,
    sa.Column("kid", sa.String(64), primary_key=True),
    sa.Column("alg", sa.String(8), nullable=False),
    sa.Column("public_jwk", sa.Text, nullable=False),
    sa.Column("private_key", sa.Text, nullable=False),  # sealed PEM: "fernet:…" or "plain:…"
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("retired", sa.BigInteger),
    sa.Column("verify_until", sa.BigInteger),
)

# OAuth clients: facility systems (client credentials, private_key_jwt, `jwks`) and
# apps that log people in (authorization code + PKCE, `redirect_uris`).
oauth_client = sa.Table(
    "oauth_client",
    metadata,
    sa.Column("client_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # system | public | confidential
    sa.Column("facility", sa.String(64)),
    sa.Column("scopes", sa.Text, nullable=False),  # space separated
    sa.Column("jwks", sa.Text),  # the client's public keys (JSON)
    sa.Column("redirect_uris", sa.Text),  # space separated
    sa.Column("status", sa.String(16), nullable=False),  # active | disabled
    sa.Column("created", sa.BigInteger, nullable=False),
)

# Client-assertion ids already used, kept until the assertion expires (replay guard).
client_assertion_jti = sa.Table(
    "client_assertion_jti",
    metadata,
    sa.Column("client_id", sa.String(64), primary_key=True),
    sa.Column("jti", sa.String(255), primary_key=True),
    sa.Column("expires", sa.BigInteger, nullable=False),
    sa.Index("ix_client_assertion_jti_expires", "expires"),
)

# People who log in to the built-in provider: residents (username = CCCD) and staff.
auth_account = sa.Table(
    "auth_account",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),  # opaque: the token subject
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),  # argon2id
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("facility", sa.String(64)),
    sa.Column("patient_id", sa.String(64)),
    sa.Column("practitioner_id", sa.String(64)),
    sa.Column("totp_secret", sa.Text),  # sealed like signing keys
    sa.Column("totp_last_step", sa.BigInteger),  # a TOTP code is accepted once
    sa.Column("failed_attempts", sa.Integer, nullable=False),
    sa.Column("locked_until", sa.BigInteger),
    sa.Column("status", sa.String(16), nullable=False),  # active | disabled
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("username", name="uq_auth_account_username"),
)

# Authorization codes (SHA-256 of the code), single use, PKCE S256 challenge.
authorization_code = sa.Table(
    "authorization_code",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("redirect_uri", sa.Text, nullable=False),
    sa.Column("code_challenge", sa.String(128), nullable=False),
    sa.Column("account_id", sa.String(40), nullable=False),
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("nonce", sa.String(255)),
    sa.Column("family_id", sa.String(40), nullable=False),  # of the tokens it yields
    sa.Column("auth_time", sa.BigInteger, nullable=False),
    sa.Column("expires", sa.BigInteger, nullable=False),
    sa.Column("used", sa.Boolean, nullable=False),
    sa.Index("ix_authorization_code_expires", "expires"),
)

# Refresh tokens (SHA-256), rotated on every use; one family per login. Presenting a
# rotated token again revokes the family and the access tokens issued with it.
refresh_token = sa.Table(
    "refresh_token",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("family_id", sa.String(40), nullable=False, index=True),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("account_id", sa.String(40), nullable=False),
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("access_jti", sa.String(64), nullable=False),
    sa.Column("access_expires", sa.BigInteger, nullable=False),
    sa.Column("auth_time", sa.BigInteger, nullable=False),
    sa.Column("issued", sa.BigInteger, nullable=False),
    sa.Column("expires", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # active | rotated | revoked
    sa.Index("ix_refresh_token_expires", "expires"),
)

# Access tokens revoked before their expiry (by jti); every API process reloads the
# set every few seconds. Rows go once the token would have expired anyway.
revoked_token = sa.Table(
    "revoked_token",
    metadata,
    sa.Column("jti", sa.String(64), primary_key=True),
    sa.Column("expires", sa.BigInteger, nullable=False),
    sa.Column("revoked", sa.BigInteger, nullable=False),
    sa.Index("ix_revoked_token_expires", "expires"),
)

# The pseudonyms de-identified views handed out (hoso.access.deidentify), so that one
# sent back resolves with a look-up in any process: a keyed hash cannot be reversed.
# `key_fp` tells one key's pseudonyms from another's. Derived data: rebuilt as views
# are read.
pseudonym_alias = sa.Table(
    "pseudonym_alias",
    metadata,
    sa.Column("key_fp", sa.String(32), primary_key=True),
    sa.Column("resource_type", sa.String(64), primary_key=True),
    sa.Column("alias", sa.String(32), primary_key=True),
    sa.Column("resource_id", sa.String(64), nullable=False),
)

# A facility's account on the BHXH-gateway-compatible door (`/api/token/take`): the HIS
# sends the upper-case MD5 hex of its password, which is therefore what the argon2 hash
# covers. One facility each; lockout as for people's accounts.
gateway_account = sa.Table(
    "gateway_account",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("facility", sa.String(64), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("failed_attempts", sa.Integer, nullable=False),
    sa.Column("locked_until", sa.BigInteger),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
)

# Browser sessions of the web pages (hoso.access.web_sessions): the cookie holds a random
# value, this table its SHA-256; the previous value stays valid a few seconds after a
# rotation (requests already in flight). `ended` is logout or revocation.
web_session = sa.Table(
    "web_session",
    metadata,
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
    sa.Index("ix_web_session_previous_hash", "previous_hash"),
    sa.Index("ix_web_session_account_id", "account_id"),
    sa.Index("ix_web_session_expires", "expires"),
)
