"""warehouse: the drug stock ledger, append-only (issue 20 point 4)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_MESSAGE = "wh_stock_entry is append-only: record a correction as a new entry"
# Triggers, not only an API without update: a ledger's past must not change whatever
# client writes to the database.
_SQLITE = [
    f"CREATE TRIGGER wh_stock_entry_no_update BEFORE UPDATE ON wh_stock_entry "
    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END",
    f"CREATE TRIGGER wh_stock_entry_no_delete BEFORE DELETE ON wh_stock_entry "
    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END",
]
_POSTGRESQL = [
    "CREATE FUNCTION wh_stock_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{_MESSAGE}'; END $$",
    "CREATE TRIGGER wh_stock_entry_no_change BEFORE UPDATE OR DELETE ON wh_stock_entry "
    "FOR EACH ROW EXECUTE FUNCTION wh_stock_entry_append_only()",
    "CREATE TRIGGER wh_stock_entry_no_truncate BEFORE TRUNCATE ON wh_stock_entry "
    "FOR EACH STATEMENT EXECUTE FUNCTION wh_stock_entry_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "wh_stock_entry",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("facility", sa.String(16), nullable=False),
        sa.Column("drug", sa.String(80), nullable=False),
        sa.Column("drug_name", sa.String(256), nullable=False),
        sa.Column("lot", sa.String(64), nullable=False),
        sa.Column("expiry", sa.String(10)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("quantity", sa.Numeric(18, 3), nullable=False),
        sa.Column("occurred", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(256), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("agent", sa.String(140), nullable=False),
        sa.Column("recorded_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_wh_stock_entry_facility_drug", "wh_stock_entry", ["facility", "drug"])
    op.create_index("ix_wh_stock_entry_source", "wh_stock_entry", ["source"])
    dialect = op.get_bind().dialect.name
    for statement in _POSTGRESQL if dialect == "postgresql" else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE wh_stock_entry")
        op.execute("DROP FUNCTION wh_stock_entry_append_only()")
    else:
        op.drop_table("wh_stock_entry")
