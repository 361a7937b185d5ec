"""`hoso surveillance`: outbreak detection and R_t over any series given as CSV
(`hoso.publichealth`), the way others check the numbers against R."""

from __future__ import annotations

import typer

from hoso.cli.surveillance_detect import detect

surveillance_app = typer.Typer(help="Giám sát dịch bệnh / Disease surveillance")
surveillance_app.command("detect")(detect)
