"""The change feed's tables (`hoso.fhir.change_feed`), on the store's one `metadata`.

`change_feed` holds one row per stored version, numbered by `position` in commit order:
the number comes from the single `change_counter` row, updated as the last statement of
each writing transaction, so its row lock orders the commits that take numbers and a
reader that sees position N has seen every position below it. (An autoincrement key
would not do on PostgreSQL: a transaction that took a lower number can commit later,
after a consumer has moved past it.) The content is not copied: the history row of
the same (type, id, version) holds it.
"""

from __future__ import annotations

import sqlalchemy as sa

from hoso.store.schema import metadata

change_feed = sa.Table(
    "change_feed",
    metadata,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("resource_type", sa.String(64), nullable=False),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False),
    sa.Column("patient_id", sa.String(64)),
    sa.Column("committed", sa.BigInteger, nullable=False),  # µs since the epoch
    sa.Index("ix_change_feed_patient", "patient_id", "position"),  # one resident's changes
)

change_counter = sa.Table(
    "change_counter",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)

# One row per consumer: its cursor, its worker's lease and what `hoso sync status` shows.
feed_cursor = sa.Table(
    "feed_cursor",
    metadata,
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

feed_dead_letter = sa.Table(
    "feed_dead_letter",
    metadata,
    sa.Column("consumer", sa.String(160), primary_key=True),
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("resource_type", sa.String(64), nullable=False),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("first_failed", sa.BigInteger, nullable=False),
    sa.Column("last_failed", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(8), nullable=False),  # dead | retry
)
