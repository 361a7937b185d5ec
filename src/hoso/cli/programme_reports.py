"""`hoso programmes report --programme P --month YYYY-MM [--ward CODE] [--out FILE]`: a
programme's monthly report (issue 19 point 7) on the server's machine, as the operator,
audited. `--out report.xlsx` writes the ward's spreadsheet (`--programme all`: one sheet
per programme); `--out report.json` or no `--out` the FHIR MeasureReport (one
programme). Registered on `hoso programmes` by `hoso.cli`.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Annotated

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store
from hoso.core import jsonx
from hoso.core.errors import FhirError


def report(programme: Annotated[str, typer.Option(help="mã chương trình hoặc 'all' / "
                                                  "programme code or 'all'")],
           month: Annotated[str, typer.Option(help="YYYY-MM")],
           ward: Annotated[str | None, typer.Option(help="mã phường/xã / ward code")] = None,
           out: Annotated[Path | None, typer.Option(help=".xlsx or .json")] = None,
           database_url: DatabaseUrl = None) -> None:  # fmt: skip
    """Báo cáo tháng của chương trình / A programme's monthly report."""
    from hoso.api.programme_report_routes import build_reports, programmes_named, workbook_of
    from hoso.programmes.reports import measure_report
    from hoso.programmes.reports.monthly import month_of
    from hoso.publichealth.wards import ward_name

    xlsx = out is not None and out.suffix.lower() == ".xlsx"
    store = open_store(database_url)
    try:
        month_of(month)
        chosen = programmes_named(programme)
        if not xlsx and len(chosen) != 1:
            fail("MeasureReport: một chương trình; dùng --out FILE.xlsx cho 'all' / one "
                 "programme; use --out FILE.xlsx for 'all'", code=2)  # fmt: skip
        with as_operator(store) as repo:
            reports = build_reports(SimpleNamespace(store=store), repo, chosen, month, ward)
    except FhirError as exc:
        fail(exc.message, code=2)
    finally:
        store.engine.dispose()
    if xlsx:
        assert out is not None
        out.write_bytes(workbook_of(reports, ward))
        typer.echo(f"{out}: {len(reports)} chương trình / programmes")
        return
    text = jsonx.dumps_str(measure_report(reports[0], ward_name=ward_name(ward) if ward
                                          else None))  # fmt: skip
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"{out}: MeasureReport {reports[0].programme} {month}")
