"""The index `$find` walks (issue 21 point 7, found by `bench.booking`): Slots by
service type, service and start, so the earliest free Slot of every service is one
short index range each instead of a count of every seat in the window (migration
0026b)."""

from __future__ import annotations

import sqlalchemy as sa

from hoso.store.booking_schema import bk_slot

__all__ = ["ix_bk_slot_type_service_start"]

ix_bk_slot_type_service_start = sa.Index(
    "ix_bk_slot_type_service_start", bk_slot.c.service_type, bk_slot.c.service, bk_slot.c.start_us
)
