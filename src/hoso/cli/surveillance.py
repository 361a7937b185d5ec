"""`hoso surveillance`: outbreak detection and R_t over any series given as CSV
(`hoso.publichealth`), the way others check the numbers against R; the case-detection
worker (`cases`) and the officers answering for each ward (`officer-ward`)."""

from __future__ import annotations

import typer

from hoso.cli.disease import surveillance_cases, surveillance_officer_ward
from hoso.cli.surveillance_detect import detect
from hoso.cli.surveillance_rt import rt

surveillance_app = typer.Typer(help="Giám sát dịch bệnh / Disease surveillance")
surveillance_app.command("detect")(detect)
surveillance_app.command("rt")(rt)
surveillance_app.command("cases")(surveillance_cases)
surveillance_app.command("officer-ward")(surveillance_officer_ward)


def _register() -> None:
    """The series' commands (`hoso.cli.surveillance_series`): population, daily."""
    from hoso.cli import surveillance_series

    surveillance_app.add_typer(surveillance_series.population_app, name="population")
    surveillance_app.command("daily")(surveillance_series.daily)


_register()
