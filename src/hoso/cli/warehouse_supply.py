"""`hoso warehouse import-workforce|import-devices|import-stock|adjust-stock|stock`:
group 2 of the warehouse on the server's machine, as the operator, audited (issue 20
point 4, docs/warehouse-supply.md). A file with a bad row writes nothing and exits 2
naming the line. Registered on `hoso warehouse` by `hoso.cli.warehouse`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store
from hoso.core import clock
from hoso.core.errors import FhirError

__all__ = ["adjust_stock", "import_devices", "import_stock", "import_workforce", "stock"]

Facility = Annotated[str, typer.Option("--facility", help="mã CSKCB / facility code")]
InputFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                           help=".csv hoặc .xlsx / .csv or .xlsx")]  # fmt: skip


def _with_door(database_url: str | None, act: Callable[[Any], Any]) -> Any:
    """Run `act(door)` as the operator; a refusal exits 2 with its message."""
    from hoso.api.warehouse_supply_routes import supply_door

    store = open_store(database_url)
    try:
        with as_operator(store) as repo:
            return act(supply_door(store, repo))
    except FhirError as exc:
        fail(exc.message, code=2)
    finally:
        store.engine.dispose()


def _echo_counts(path: Path, counts: Mapping[str, int]) -> None:
    typer.echo(f"{path.name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def import_workforce(file: InputFile, facility: Facility, database_url: DatabaseUrl = None
                     ) -> None:  # fmt: skip
    """Nhập danh sách nhân lực / Import a facility's staff list."""
    from hoso.warehouse.supply import service

    data = file.read_bytes()
    _echo_counts(file, _with_door(database_url, lambda door: service.import_workforce(
        door, data, facility)))  # fmt: skip


def import_devices(file: InputFile, facility: Facility, database_url: DatabaseUrl = None
                   ) -> None:  # fmt: skip
    """Nhập danh sách trang thiết bị y tế / Import a facility's medical devices."""
    from hoso.warehouse.supply import service

    data = file.read_bytes()
    _echo_counts(file, _with_door(database_url, lambda door: service.import_devices(
        door, data, facility)))  # fmt: skip


def import_stock(file: InputFile, facility: Facility, database_url: DatabaseUrl = None
                 ) -> None:  # fmt: skip
    """Nhập phiếu nhập kho thuốc / Import a goods-received file into the stock ledger."""
    from hoso.warehouse.supply import service

    data = file.read_bytes()
    _echo_counts(file, _with_door(database_url, lambda door: service.import_stock(
        door, data, facility, clock.today_vn())))  # fmt: skip


def adjust_stock(facility: Facility,
                 drug: Annotated[str, typer.Option(help="SĐK hoặc ma-thuoc:<mã>")],
                 quantity: Annotated[str, typer.Option(help="±số lượng / signed quantity")],
                 reason: Annotated[str, typer.Option(help="lý do / reason")],
                 lot: Annotated[str, typer.Option(help="số lô / lot")] = "",
                 database_url: DatabaseUrl = None) -> None:  # fmt: skip
    """Điều chỉnh tồn kho (kiểm kê, hư hỏng) / Adjust stock (count, loss)."""
    from hoso.warehouse.supply import service

    try:
        amount = Decimal(quantity)
    except InvalidOperation:
        fail("Số lượng không hợp lệ / invalid quantity", code=2)
    counts = _with_door(database_url, lambda door: service.adjust(
        door, facility, drug, amount, reason, clock.today_vn(), lot))  # fmt: skip
    typer.echo(f"điều chỉnh / adjusted: {counts['added']}")


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    cells = [[str(r.get(c, "") if r.get(c) is not None else "—") for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


def stock(facility: Annotated[str | None, typer.Option(help="mã CSKCB / facility")] = None,
          view: Annotated[str, typer.Option(help="on-hand | stock-outs | expiring")] = "on-hand",
          csv: Annotated[bool, typer.Option("--csv", help="CSV thay cho bảng")] = False,
          sync: Annotated[bool, typer.Option(help="cập nhật cấp phát từ MedicationDispense "
                                             "trước / sync dispensing first")] = False,
          database_url: DatabaseUrl = None) -> None:  # fmt: skip
    """Tồn kho, hết hàng, lô sắp hết hạn / Stock on hand, stock-outs, expiring lots."""
    from hoso.warehouse.supply import service
    from hoso.warehouse.supply.reports import stock_report, table_csv

    keys = {"on-hand": "on_hand", "stock-outs": "stock_outs", "expiring": "expiring"}
    if view not in keys:
        fail("--view: on-hand | stock-outs | expiring", code=2)
    if sync and facility is None:
        fail("--sync cần --facility / --sync needs --facility", code=2)

    def act(door: Any) -> dict[str, list[dict[str, Any]]]:
        if sync:
            assert facility is not None
            service.sync_dispensing(door, facility)
        return stock_report(door, clock.today_vn())

    rows = _with_door(database_url, act)[keys[view]]
    if facility is not None:
        rows = [r for r in rows if r["facility"] == facility]
    if csv:
        typer.echo(table_csv(rows), nl=False)
    elif rows:
        typer.echo(_table(rows, list(rows[0])))
    else:
        typer.echo("Không có dòng nào / no rows")
