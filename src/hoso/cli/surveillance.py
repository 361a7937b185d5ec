"""`hoso surveillance`: outbreak detection and R_t over any series given as CSV
(`hoso.publichealth`), the way others check the numbers against R."""

from __future__ import annotations

import typer

surveillance_app = typer.Typer(help="Giám sát dịch bệnh / Disease surveillance")


def _register() -> None:
    """The series' commands (`hoso.cli.surveillance_series`): population, daily."""
    from hoso.cli import surveillance_series

    surveillance_app.add_typer(surveillance_series.population_app, name="population")
    surveillance_app.command("daily")(surveillance_series.daily)


_register()
