"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 00:35:14.743279
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "cccd_warning",
        sa.Column("res_seq", sa.BigInteger(), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("cccd", sa.String(length=12), nullable=False),
        sa.Column("messages", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("res_seq"),
    )
    op.create_table(
        "idx_date",
        sa.Column("res_seq", sa.BigInteger(), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("param", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=True),
        sa.Column("low", sa.BigInteger(), nullable=False),
        sa.Column("high", sa.BigInteger(), nullable=False),
    )
    with op.batch_alter_table("idx_date", schema=None) as batch_op:
        batch_op.create_index(
            "ix_idx_date_patient_id_resource_type_param_low",
            ["patient_id", "resource_type", "param", "low"],
            unique=False,
        )
        batch_op.create_index("ix_idx_date_res", ["res_seq"], unique=False)
        batch_op.create_index(
            "ix_idx_date_resource_type_param_high", ["resource_type", "param", "high"], unique=False
        )
        batch_op.create_index(
            "ix_idx_date_resource_type_param_low", ["resource_type", "param", "low"], unique=False
        )

    op.create_table(
        "idx_quantity",
        sa.Column("res_seq", sa.BigInteger(), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("param", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("system", sa.Text(), nullable=True),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=True),
    )
    with op.batch_alter_table("idx_quantity", schema=None) as batch_op:
        batch_op.create_index("ix_idx_quantity_res", ["res_seq"], unique=False)
        batch_op.create_index(
            "ix_idx_quantity_resource_type_param_value",
            ["resource_type", "param", "value"],
            unique=False,
        )

    op.create_table(
        "idx_reference",
        sa.Column("res_seq", sa.BigInteger(), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("param", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=True),
        sa.Column("target_type", sa.String(length=64), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
    )
    with op.batch_alter_table("idx_reference", schema=None) as batch_op:
        batch_op.create_index("ix_idx_reference_res", ["res_seq"], unique=False)
        batch_op.create_index(
            "ix_idx_reference_resource_type_param_target_id_target_type",
            ["resource_type", "param", "target_id", "target_type"],
            unique=False,
        )
        batch_op.create_index(
            "ix_idx_reference_target_id_target_type", ["target_id", "target_type"], unique=False
        )

    op.create_table(
        "idx_string",
        sa.Column("res_seq", sa.BigInteger(), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("param", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=True),
        sa.Column("exact", sa.Text(), nullable=False),
        sa.Column("folded", sa.Text(), nullable=False),
    )
    with op.batch_alter_table("idx_string", schema=None) as batch_op:
        batch_op.create_index("ix_idx_string_res", ["res_seq"], unique=False)
        batch_op.create_index(
            "ix_idx_string_resource_type_param_exact",
            ["resource_type", "param", "exact"],
            unique=False,
        )
        batch_op.create_index(
            "ix_idx_string_resource_type_param_folded",
            ["resource_type", "param", "folded"],
            unique=False,
        )

    op.create_table(
        "idx_token",
        sa.Column("res_seq", sa.BigInteger(), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("param", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=True),
        sa.Column("system", sa.Text(), nullable=True),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
    )
    with op.batch_alter_table("idx_token", schema=None) as batch_op:
        batch_op.create_index(
            "ix_idx_token_patient_id_resource_type_param_code",
            ["patient_id", "resource_type", "param", "code"],
            unique=False,
        )
        batch_op.create_index("ix_idx_token_res", ["res_seq"], unique=False)
        batch_op.create_index(
            "ix_idx_token_resource_type_param_code_system",
            ["resource_type", "param", "code", "system"],
            unique=False,
        )

    op.create_table(
        "idx_uri",
        sa.Column("res_seq", sa.BigInteger(), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("param", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=True),
        sa.Column("uri", sa.Text(), nullable=False),
    )
    with op.batch_alter_table("idx_uri", schema=None) as batch_op:
        batch_op.create_index("ix_idx_uri_res", ["res_seq"], unique=False)
        batch_op.create_index(
            "ix_idx_uri_resource_type_param_uri", ["resource_type", "param", "uri"], unique=False
        )

    op.create_table(
        "patient_cccd",
        sa.Column("cccd", sa.String(length=12), nullable=False),
        sa.Column("res_seq", sa.BigInteger(), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("cccd"),
    )
    with op.batch_alter_table("patient_cccd", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patient_cccd_res_seq"), ["res_seq"], unique=False)

    op.create_table(
        "resource",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("resource_type", "id", name="uq_resource_type_id"),
    )
    with op.batch_alter_table("resource", schema=None) as batch_op:
        batch_op.create_index("ix_resource_patient", ["patient_id"], unique=False)
        batch_op.create_index(
            "ix_resource_type_updated", ["resource_type", "last_updated"], unique=False
        )

    op.create_table(
        "resource_history",
        sa.Column(
            "hseq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("res_seq", sa.BigInteger(), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_updated", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("hseq"),
        sa.UniqueConstraint("resource_type", "id", "version", name="uq_history_version"),
    )
    with op.batch_alter_table("resource_history", schema=None) as batch_op:
        batch_op.create_index("ix_history_patient", ["patient_id"], unique=False)
        batch_op.create_index(
            "ix_history_type_updated", ["resource_type", "last_updated"], unique=False
        )
        batch_op.create_index("ix_history_updated", ["last_updated"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("resource_history", schema=None) as batch_op:
        batch_op.drop_index("ix_history_updated")
        batch_op.drop_index("ix_history_type_updated")
        batch_op.drop_index("ix_history_patient")

    op.drop_table("resource_history")
    with op.batch_alter_table("resource", schema=None) as batch_op:
        batch_op.drop_index("ix_resource_type_updated")
        batch_op.drop_index("ix_resource_patient")

    op.drop_table("resource")
    with op.batch_alter_table("patient_cccd", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_cccd_res_seq"))

    op.drop_table("patient_cccd")
    with op.batch_alter_table("idx_uri", schema=None) as batch_op:
        batch_op.drop_index("ix_idx_uri_resource_type_param_uri")
        batch_op.drop_index("ix_idx_uri_res")

    op.drop_table("idx_uri")
    with op.batch_alter_table("idx_token", schema=None) as batch_op:
        batch_op.drop_index("ix_idx_token_resource_type_param_code_system")
        batch_op.drop_index("ix_idx_token_res")
        batch_op.drop_index("ix_idx_token_patient_id_resource_type_param_code")

    op.drop_table("idx_token")
    with op.batch_alter_table("idx_string", schema=None) as batch_op:
        batch_op.drop_index("ix_idx_string_resource_type_param_folded")
        batch_op.drop_index("ix_idx_string_resource_type_param_exact")
        batch_op.drop_index("ix_idx_string_res")

    op.drop_table("idx_string")
    with op.batch_alter_table("idx_reference", schema=None) as batch_op:
        batch_op.drop_index("ix_idx_reference_target_id_target_type")
        batch_op.drop_index("ix_idx_reference_resource_type_param_target_id_target_type")
        batch_op.drop_index("ix_idx_reference_res")

    op.drop_table("idx_reference")
    with op.batch_alter_table("idx_quantity", schema=None) as batch_op:
        batch_op.drop_index("ix_idx_quantity_resource_type_param_value")
        batch_op.drop_index("ix_idx_quantity_res")

    op.drop_table("idx_quantity")
    with op.batch_alter_table("idx_date", schema=None) as batch_op:
        batch_op.drop_index("ix_idx_date_resource_type_param_low")
        batch_op.drop_index("ix_idx_date_resource_type_param_high")
        batch_op.drop_index("ix_idx_date_res")
        batch_op.drop_index("ix_idx_date_patient_id_resource_type_param_low")

    op.drop_table("idx_date")
    op.drop_table("cccd_warning")
