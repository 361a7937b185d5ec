"""The drug stock ledger's table (`hoso.warehouse.supply.stock`, issue 20 point 4), on
the store's one `metadata`.

`wh_stock_entry`: one row per movement of a drug at a facility — a receipt (+), a
dispensing (−, from a MedicationDispense) or an adjustment (±, with its reason). The
table is append-only: a correction is a new row, never an UPDATE or a DELETE, and the
migration (0023) installs triggers that refuse both on SQLite and PostgreSQL, so not even
a hand-written statement can rewrite the past. It has no FHIR home in R4 (R5's
InventoryReport is the nearest), which is why it is a table. `source` names what the row
came from (a file's digest and line, a MedicationDispense, an adjustment's id), so an
import or a sync run twice appends nothing the second time. Dates are ISO `YYYY-MM-DD`,
instants µs since the epoch.
"""

from __future__ import annotations

import sqlalchemy as sa

from hoso.store.schema import metadata

wh_stock_entry = sa.Table(
    "wh_stock_entry",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("facility", sa.String(16), nullable=False),
    sa.Column("drug", sa.String(80), nullable=False),  # normalised SĐK, or "ma-thuoc:<code>"
    sa.Column("drug_name", sa.String(256), nullable=False),
    sa.Column("lot", sa.String(64), nullable=False),  # "" when the source names none
    sa.Column("expiry", sa.String(10)),
    sa.Column("kind", sa.String(16), nullable=False),  # receipt | dispense | adjustment
    sa.Column("quantity", sa.Numeric(18, 3), nullable=False),  # signed
    sa.Column("occurred", sa.String(10), nullable=False),
    sa.Column("reason", sa.String(256), nullable=False),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("agent", sa.String(140), nullable=False),
    sa.Column("recorded_at", sa.BigInteger, nullable=False),
    sa.Index("ix_wh_stock_entry_facility_drug", "facility", "drug"),
    sa.Index("ix_wh_stock_entry_source", "source"),
)
