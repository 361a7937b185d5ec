"""The health book's share links (`hoso.access.share_links`), on the store's one
`metadata`.

One row per link a resident made: whose book, which sections, until when. The link's
secret is never stored, only its SHA-256 (`token_hash`), so a copy of the database
opens no book; `id` is the number the audit trail names the viewer by ("share link N").
Times are µs since the epoch, as everywhere in the store.
"""

from __future__ import annotations

import sqlalchemy as sa

from hoso.store.schema import metadata

share_link = sa.Table(
    "share_link",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("patient_id", sa.String(64), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),  # hex SHA-256 of the secret
    sa.Column("sections", sa.Text, nullable=False),  # JSON list of the book's section keys
    sa.Column("include_sensitive", sa.Boolean, nullable=False),
    sa.Column("created_by", sa.String(140), nullable=False),  # the creator's token subject
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False),
    sa.Column("revoked_at", sa.BigInteger),
    sa.Column("opened_count", sa.Integer, nullable=False),
    sa.Column("last_opened_at", sa.BigInteger),
    sa.UniqueConstraint("token_hash", name="uq_share_link_token_hash"),
    sa.Index("ix_share_link_patient", "patient_id", "expires_at"),  # a book's active links
)
