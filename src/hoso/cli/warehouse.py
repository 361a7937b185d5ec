"""`hoso warehouse …`: the health data warehouse (issue 20, docs/warehouse.md).

Each part of the warehouse registers its commands on `warehouse_app` here, one line each.
"""

from __future__ import annotations

import typer

from hoso.cli import warehouse_licences

__all__ = ["warehouse_app"]

warehouse_app = typer.Typer(
    help="Kho dữ liệu y tế: view SQL-on-FHIR, Parquet, phân tích / Health data warehouse",
    no_args_is_help=True,
)

# Group 3: practising certificates and operating licences (docs/warehouse-licences.md).
warehouse_app.command("import-licences")(warehouse_licences.import_licences)
warehouse_app.command("check-licences")(warehouse_licences.check_licences)
warehouse_app.add_typer(warehouse_licences.licences_app, name="licences")
