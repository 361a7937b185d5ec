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

# Group 3: practising certificates and operating licences (docs/warehouse-licences.md).
from hoso.cli import warehouse_licences as _licences  # noqa: E402

warehouse_app.command("import-licences")(_licences.import_licences)
warehouse_app.command("check-licences")(_licences.check_licences)
warehouse_app.add_typer(_licences.licences_app, name="licences")
