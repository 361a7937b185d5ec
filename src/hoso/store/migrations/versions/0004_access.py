"""access: care links, consent rules, break-the-glass grants and the audit chain

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "care_link",
        sa.Column("res_seq", sa.BigInteger(), nullable=False),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("facility_ref", sa.String(140), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("low", sa.BigInteger(), nullable=False),
        sa.Column("high", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_care_link_res_seq", "care_link", ["res_seq"])
    op.create_index(
        "ix_care_link_patient_facility", "care_link", ["patient_id", "facility_ref", "high"]
    )
    op.create_table(
        "consent_rule",
        sa.Column("res_seq", sa.BigInteger(), nullable=False),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("effect", sa.String(8), nullable=False),
        sa.Column("actor_ref", sa.String(140)),
        sa.Column("label_system", sa.Text()),
        sa.Column("label_code", sa.String(64)),
        sa.Column("purpose", sa.String(64)),
        sa.Column("low", sa.BigInteger(), nullable=False),
        sa.Column("high", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_consent_rule_res_seq", "consent_rule", ["res_seq"])
    op.create_index("ix_consent_rule_patient", "consent_rule", ["patient_id", "effect"])
    op.create_table(
        "break_glass",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("agent", sa.String(140), nullable=False),
        sa.Column("facility", sa.String(64)),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("started", sa.BigInteger(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_break_glass_agent", "break_glass", ["agent", "patient_id", "expires"])
    op.create_index("ix_break_glass_patient", "break_glass", ["patient_id"])
    op.create_table(
        "audit_event",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("recorded", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(1), nullable=False),
        sa.Column("subtype", sa.String(40), nullable=False),
        sa.Column("outcome", sa.String(2), nullable=False),
        sa.Column("agent", sa.String(140), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("facility", sa.String(64)),
        sa.Column("break_glass", sa.Boolean(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_event_recorded", "audit_event", ["recorded"])
    op.create_table(
        "audit_patient",
        sa.Column("patient_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
    )
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    # The chain starts here; appenders lock this row, so it must exist before the first.
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": "0" * 64}])


def downgrade() -> None:
    for table in (
        "audit_head",
        "audit_patient",
        "audit_event",
        "break_glass",
        "consent_rule",
        "care_link",
    ):
        op.drop_table(table)
