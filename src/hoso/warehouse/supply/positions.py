"""Stock derived from the ledger, recomputed on every read (the ledger is the truth):

- on hand per facility × drug = receipts − dispensed ± adjustments, and per lot: a
  receipt fills its lot; a dispensing (XML2 names no lot) or a lot-less adjustment takes
  from the lot that expires first (FEFO, first expiry first out — HOUSE assumption, the
  rule pharmacies are told to follow: GSP, Thông tư 36/2018/TT-BYT); what no lot covers
  is carried as lot "" (negative: dispensed beyond what was received);
- mean daily dispensing = units dispensed in the 90 days ending on `today` ÷ 90, and
  days of stock left = on hand ÷ that mean (None when nothing was dispensed);
- a stock-out: on hand ≤ 0 while something was dispensed in those 90 days;
- expiring lots: a lot with stock whose expiry is within 90 days of `today` (or past).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

__all__ = ["WINDOW_DAYS", "DrugPosition", "LotPosition", "expiring", "positions", "stock_outs"]

WINDOW_DAYS = 90
_ZERO = Decimal(0)


class Entry(Protocol):
    facility: str
    drug: str
    drug_name: str
    lot: str
    expiry: str | None
    kind: str
    quantity: Decimal
    occurred: str


@dataclass(frozen=True, slots=True)
class LotPosition:
    facility: str
    drug: str
    drug_name: str
    lot: str
    expiry: str | None
    on_hand: Decimal


@dataclass(frozen=True, slots=True)
class DrugPosition:
    facility: str
    drug: str
    drug_name: str
    on_hand: Decimal
    received: Decimal
    dispensed: Decimal  # all time, positive
    adjusted: Decimal  # signed
    dispensed_window: Decimal  # in the 90 days ending today
    lots: tuple[LotPosition, ...]

    @property
    def mean_daily(self) -> Decimal:
        return self.dispensed_window / WINDOW_DAYS

    @property
    def days_left(self) -> Decimal | None:
        if self.dispensed_window <= 0:
            return None
        days = max(self.on_hand, _ZERO) / self.mean_daily
        return days.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def stock_out(self) -> bool:
        return self.on_hand <= 0 and self.dispensed_window > 0

    def as_dict(self) -> dict[str, Any]:
        return {"facility": self.facility, "drug": self.drug, "drug_name": self.drug_name,
                "on_hand": self.on_hand, "received": self.received,
                "dispensed": self.dispensed, "adjusted": self.adjusted,
                "dispensed_90d": self.dispensed_window, "days_left": self.days_left,
                "stock_out": self.stock_out}  # fmt: skip


class _Drug:
    def __init__(self, name: str) -> None:
        self.name = name
        self.lots: dict[str, Decimal] = defaultdict(Decimal)
        self.expiry: dict[str, str | None] = {}
        self.totals = {"receipt": _ZERO, "dispense": _ZERO, "adjustment": _ZERO}
        self.window = _ZERO
        self._order: list[str] | None = None  # the lots, first expiry first (kept: FEFO)

    def take(self, quantity: Decimal) -> None:
        """Take `quantity` (> 0) from the lots that expire first; the rest from lot ""."""
        if self._order is None:
            self._order = sorted((lot for lot in self.lots if lot),
                                 key=lambda lot: (self.expiry.get(lot) or "9999", lot))  # fmt: skip
        for lot in self._order:
            if self.lots[lot] <= 0:
                continue
            used = min(self.lots[lot], quantity)
            self.lots[lot] -= used
            quantity -= used
            if quantity == 0:
                return
        self.lots[""] -= quantity

    def apply(self, entry: Entry, window_start: str, today: str) -> None:
        self.totals[entry.kind] = self.totals.get(entry.kind, _ZERO) + entry.quantity
        if entry.kind == "dispense" and window_start <= entry.occurred <= today:
            self.window -= entry.quantity
        if entry.lot and (entry.lot not in self.lots or entry.expiry):
            self._order = None  # a new lot, or a lot's expiry given: sort again
            if entry.expiry or entry.lot not in self.expiry:
                self.expiry[entry.lot] = entry.expiry or self.expiry.get(entry.lot)
        if entry.quantity > 0 or entry.lot:
            self.lots[entry.lot] += entry.quantity
        else:
            self.take(-entry.quantity)


def positions(entries: Iterable[Entry], today: date) -> list[DrugPosition]:
    """Each facility × drug's position on `today`, entries replayed in date order
    (within a day, in the order given: the ledger's)."""
    window_start = (today - timedelta(days=WINDOW_DAYS - 1)).isoformat()
    drugs: dict[tuple[str, str], _Drug] = {}
    day = today.isoformat()
    ordered = sorted(enumerate(entries), key=lambda pair: (pair[1].occurred, pair[0]))
    for _, entry in ordered:
        if entry.occurred > day:
            continue
        state = drugs.get((entry.facility, entry.drug))
        if state is None:
            state = drugs[(entry.facility, entry.drug)] = _Drug(entry.drug_name)
        elif state.name == entry.drug and entry.drug_name != entry.drug:
            state.name = entry.drug_name  # a receipt's name is better than the bare key
        state.apply(entry, window_start, day)
    found = []
    for (facility, drug), state in sorted(drugs.items()):
        lots = tuple(LotPosition(facility, drug, state.name, lot, state.expiry.get(lot), q)
                     for lot, q in sorted(state.lots.items()) if q != 0)  # fmt: skip
        found.append(DrugPosition(
            facility, drug, state.name, sum(state.lots.values(), _ZERO),
            state.totals["receipt"], -state.totals["dispense"], state.totals["adjustment"],
            state.window, lots))  # fmt: skip
    return found


def stock_outs(found: Sequence[DrugPosition]) -> list[DrugPosition]:
    return [p for p in found if p.stock_out]


def expiring(found: Sequence[DrugPosition], today: date) -> list[LotPosition]:
    """Lots with stock that expire within 90 days of `today`, or have expired."""
    limit = (today + timedelta(days=WINDOW_DAYS)).isoformat()
    lots = [lot for p in found for lot in p.lots
            if lot.lot and lot.on_hand > 0 and lot.expiry and lot.expiry <= limit]  # fmt: skip
    return sorted(lots, key=lambda lot: (lot.expiry or "", lot.facility, lot.drug, lot.lot))
