"""SQL of the drug stock ledger (`wh_stock_entry`, issue 20 point 4): append and read,
nothing else — there is no update or delete here, and the table's triggers refuse them
from anywhere (`warehouse_supply_schema`). `hoso.access.warehouse_supply` is the one
caller; it decides who may append for which facility and audits it.

Each call is one short transaction: a file's receipts are appended whole or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from hoso.store.engine import transaction
from hoso.store.warehouse_supply_schema import wh_stock_entry

__all__ = ["SqlStockLedger", "StockEntryRow"]

_E = wh_stock_entry
_IN_CHUNK = 900  # IN lists under SQLite's bound-parameter limit
_FIELDS = ("facility", "drug", "drug_name", "lot", "expiry", "kind", "quantity", "occurred",
           "reason", "source", "agent", "recorded_at")  # fmt: skip


@dataclass(frozen=True, slots=True)
class StockEntryRow:
    seq: int
    facility: str
    drug: str
    drug_name: str
    lot: str
    expiry: str | None
    kind: str
    quantity: Decimal
    occurred: str
    reason: str
    source: str
    agent: str
    recorded_at: int


def _exact(value: object) -> Decimal:
    """The column's NUMERIC(18, 3) as the number written: 145.000 is 145, 60.500 60.5."""
    number = Decimal(str(value))
    return number.quantize(Decimal(1)) if number == number.to_integral() else number.normalize()


class SqlStockLedger:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _tx(self, *, write: bool = True) -> AbstractContextManager[sa.Connection]:
        return transaction(self.engine, write=write)

    def append(self, rows: Sequence[Mapping[str, Any]], *, skip_known_sources: bool) -> int:
        """Append `rows` in one transaction; with `skip_known_sources`, a row whose source
        is already in the ledger is left out (a file imported again). The number added."""
        values = [{k: row[k] for k in _FIELDS} for row in rows]
        with self._tx() as conn:
            if skip_known_sources and values:
                known = self._known(conn, [v["source"] for v in values])
                values = [v for v in values if v["source"] not in known]
            if values:
                conn.execute(sa.insert(_E), values)
        return len(values)

    @staticmethod
    def _known(conn: sa.Connection, sources: Sequence[str]) -> set[str]:
        found: set[str] = set()
        unique = sorted(set(sources))
        for start in range(0, len(unique), _IN_CHUNK):
            chunk = unique[start : start + _IN_CHUNK]
            found.update(conn.execute(sa.select(_E.c.source).distinct()
                                      .where(_E.c.source.in_(chunk))).scalars())  # fmt: skip
        return found

    def totals_by_source(self, facility: str, sources: Sequence[str]) -> dict[str, Decimal]:
        """What the ledger holds so far for each source (a dispensing synced before)."""
        found: dict[str, Decimal] = {}
        unique = sorted(set(sources))
        with self._tx(write=False) as conn:
            for start in range(0, len(unique), _IN_CHUNK):
                chunk = unique[start : start + _IN_CHUNK]
                query = (sa.select(_E.c.source, sa.func.sum(_E.c.quantity))
                         .where(_E.c.facility == facility, _E.c.source.in_(chunk))
                         .group_by(_E.c.source))  # fmt: skip
                found.update({s: _exact(q) for s, q in conn.execute(query)})
        return found

    def entries(self, facilities: Sequence[str] | None, *, drug: str | None = None,
                limit: int = 200_000) -> list[StockEntryRow]:  # fmt: skip
        """The ledger of `facilities` (None: every facility), oldest first."""
        query = sa.select(_E).order_by(_E.c.seq).limit(limit)
        if facilities is not None:
            query = query.where(_E.c.facility.in_(list(facilities)))
        if drug is not None:
            query = query.where(_E.c.drug == drug)
        with self._tx(write=False) as conn:
            return [StockEntryRow(r.seq, r.facility, r.drug, r.drug_name, r.lot, r.expiry,
                                  r.kind, _exact(r.quantity), r.occurred, r.reason,
                                  r.source, r.agent, r.recorded_at)
                    for r in conn.execute(query)]  # fmt: skip
