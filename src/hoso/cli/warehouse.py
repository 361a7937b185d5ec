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

# The aggregate exchange (issue 20 point 6): src/hoso/cli/warehouse_exchange.py.
from hoso.cli.warehouse_exchange import export_dhis2, measure_report  # noqa: E402

warehouse_app.command("export-dhis2")(export_dhis2)
warehouse_app.command("measure-report")(measure_report)
