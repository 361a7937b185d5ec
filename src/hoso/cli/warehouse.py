"""`hoso warehouse …`: the health data warehouse (issue 20, docs/warehouse.md).

Each part of the warehouse registers its commands on `warehouse_app` here, one line each.
"""

from __future__ import annotations

import typer

__all__ = ["warehouse_app"]

warehouse_app = typer.Typer(
    help="Kho dữ liệu y tế: view SQL-on-FHIR, Parquet, phân tích / Health data warehouse",
    no_args_is_help=True,
)

# Group 2: workforce, equipment, drug supply (docs/warehouse-supply.md).
from hoso.cli import warehouse_supply as _supply  # noqa: E402

warehouse_app.command("import-workforce")(_supply.import_workforce)
warehouse_app.command("import-devices")(_supply.import_devices)
warehouse_app.command("import-stock")(_supply.import_stock)
warehouse_app.command("adjust-stock")(_supply.adjust_stock)
warehouse_app.command("stock")(_supply.stock)
