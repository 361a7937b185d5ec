"""booking: Slots by service type, service and start, for $find (issue 21 point 7)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_bk_slot_type_service_start", "bk_slot",
                    ["service_type", "service", "start_us"])  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_bk_slot_type_service_start", table_name="bk_slot")
