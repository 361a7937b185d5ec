"""`hoso warehouse …`: the health data warehouse (issue 20, docs/warehouse.md).

Each part of the warehouse registers its commands on `warehouse_app` here, one line each.
"""

from __future__ import annotations

import typer

from hoso.cli import (
                       warehouse_build,
                       warehouse_exchange,
                       warehouse_licences,
                       warehouse_supply,  # fmt: skip
                       warehouse_views,
)

__all__ = ["warehouse_app"]

warehouse_app = typer.Typer(
    help="Kho dữ liệu y tế: view SQL-on-FHIR, Parquet, phân tích / Health data warehouse",
    no_args_is_help=True,
)
warehouse_app.command("run-view")(warehouse_views.run_view)  # SQL on FHIR v2 views, NDJSON
warehouse_app.command("build")(warehouse_build.build)
warehouse_app.command("query")(warehouse_build.query)
warehouse_app.command("status")(warehouse_build.status)
warehouse_app.command("export-dhis2")(warehouse_exchange.export_dhis2)  # point 6
warehouse_app.command("measure-report")(warehouse_exchange.measure_report)
# Group 2: workforce, equipment, drug supply (docs/warehouse-supply.md).
warehouse_app.command("import-workforce")(warehouse_supply.import_workforce)
warehouse_app.command("import-devices")(warehouse_supply.import_devices)
warehouse_app.command("import-stock")(warehouse_supply.import_stock)
warehouse_app.command("adjust-stock")(warehouse_supply.adjust_stock)
warehouse_app.command("stock")(warehouse_supply.stock)

# Group 3: practising certificates and operating licences (docs/warehouse-licences.md).
warehouse_app.command("import-licences")(warehouse_licences.import_licences)
warehouse_app.command("check-licences")(warehouse_licences.check_licences)
warehouse_app.add_typer(warehouse_licences.licences_app, name="licences")
