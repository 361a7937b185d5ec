"""Prefix-search indexes: text_pattern_ops on folded strings and token text.

PostgreSQL can serve `LIKE 'abc%'` from a btree only with text_pattern_ops when the
database collation is not C; SQLite ignores the option and gets the same plain index.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STRING_FOLDED = "ix_idx_string_resource_type_param_folded"
TOKEN_TEXT = "ix_idx_token_resource_type_param_text"


def upgrade() -> None:
    with op.batch_alter_table("idx_string") as batch_op:
        batch_op.drop_index(STRING_FOLDED)
        batch_op.create_index(
            STRING_FOLDED,
            ["resource_type", "param", "folded"],
            postgresql_ops={"folded": "text_pattern_ops"},
        )
    with op.batch_alter_table("idx_token") as batch_op:
        batch_op.create_index(
            TOKEN_TEXT,
            ["resource_type", "param", "text"],
            postgresql_ops={"text": "text_pattern_ops"},
        )


def downgrade() -> None:
    with op.batch_alter_table("idx_token") as batch_op:
        batch_op.drop_index(TOKEN_TEXT)
    with op.batch_alter_table("idx_string") as batch_op:
        batch_op.drop_index(STRING_FOLDED)
        batch_op.create_index(STRING_FOLDED, ["resource_type", "param", "folded"])
