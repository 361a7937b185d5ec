"""Stock derived from ledger entries (`hoso.warehouse.supply.positions`), worked by hand:
first expiry first out across lots, the 90-day window's edges, entries after today."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hoso.warehouse.supply.positions import expiring, positions
from hoso.warehouse.supply.stock import LedgerEntry

TODAY = date(2026, 12, 7)


def _e(kind: str, quantity: int, days_ago: int, lot: str = "", expiry: int | None = None
       ) -> LedgerEntry:  # fmt: skip
    when = (TODAY - timedelta(days=days_ago)).isoformat()
    ends = (TODAY + timedelta(days=expiry)).isoformat() if expiry is not None else None
    return LedgerEntry("79001", "VD-1-19", "Thuốc", lot, ends, kind, Decimal(quantity), when,
                       "", f"s{days_ago}{lot}")  # fmt: skip


def test_fefo_window_and_future_entries() -> None:
    entries = [
        _e("receipt", 100, 200, "LATE", expiry=400),
        _e("receipt", 50, 150, "EARLY", expiry=30),  # expires first: used first
        _e("dispense", -70, 90),  # 90 days ago: outside the window (the 90 days end today)
        _e("dispense", -20, 89),  # inside
        _e("adjustment", 7, 10),  # a count found 7 more, no lot: carried as lot ""
        _e("dispense", -500, -1),  # tomorrow: not yet
    ]
    (found,) = positions(entries, TODAY)
    assert found.on_hand == 100 + 50 - 70 - 20 + 7 == 67
    lots = {lot.lot: lot.on_hand for lot in found.lots}
    assert lots == {"LATE": 60, "": 7}  # EARLY's 50 went first, then 40 of LATE
    assert found.dispensed_window == 20
    assert found.days_left == Decimal("301.5")  # 67 / (20 / 90)
    assert expiring([found], TODAY) == []  # EARLY is empty; LATE expires in 400 days


def test_a_stock_out_and_an_expiring_lot() -> None:
    entries = [_e("receipt", 10, 30, "A", expiry=60), _e("receipt", 10, 30, "B", expiry=90),
               _e("dispense", -25, 5)]  # fmt: skip
    (found,) = positions(entries, TODAY)
    assert found.on_hand == -5 and found.stock_out and found.days_left == 0
    entries[-1] = _e("dispense", -15, 5)
    (found,) = positions(entries, TODAY)
    assert [(x.lot, x.on_hand) for x in expiring([found], TODAY)] == [("B", 5)]


def test_csv_cells_a_spreadsheet_would_run_are_quoted() -> None:
    from hoso.warehouse.supply.reports import table_csv

    text = table_csv([{"drug_name": "=HYPERLINK(\"x\")", "on_hand": Decimal("-10.5"),
                       "lot": "+1", "days_left": None, "note": "@cmd"}])  # fmt: skip
    header, row = text.splitlines()
    assert header == "drug_name,on_hand,lot,days_left,note"
    assert row == "\"'=HYPERLINK(\"\"x\"\")\",-10.5,+1,,'@cmd"  # numbers stay numbers
