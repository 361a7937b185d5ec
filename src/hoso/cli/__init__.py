"""`hoso`: the command line, a composition root beside the API.

One module per command group; this one puts them on one Typer app. The order of
registration is the order `hoso --help` lists the commands (then the groups).
"""

from __future__ import annotations

import typer

from hoso.cli import (
    access,
    audit,
    booking,
    bulk,
    db,
    demo,
    disease,
    imports,
    mllp,
    mpi,
    programme_eyes,
    programme_reports,
    programmes,
    quality,
    records,
    serve,
    surveillance,
    sync,
    synth,
    tokens,
    tracing,
    warehouse,
    xml130,
)
from hoso.cli.serve import local_base_url

__all__ = ["app", "local_base_url"]

app = typer.Typer(help="Hồ Sơ: hồ sơ sức khỏe điện tử TP.HCM / HCMC electronic health record")
app.command()(serve.serve)
app.add_typer(db.db_app, name="db")
app.command()(records.load)
app.command("import")(imports.import_command)
app.command("import-xml130")(xml130.import_xml130)
app.command("mllp")(mllp.mllp)
app.add_typer(sync.sync_app, name="sync")  # hoso sync run | status | retry
app.command("synth")(synth.synth)
app.command("export")(bulk.export)
app.add_typer(mpi.mpi_app, name="mpi")
app.add_typer(quality.quality_app, name="quality")  # hoso quality run | report
app.add_typer(surveillance.surveillance_app, name="surveillance")  # detect | rt | cases
app.add_typer(disease.disease_app, name="disease")  # add | list | seed
app.add_typer(tracing.tracing_app, name="tracing")  # hoso tracing close | snapshot
programmes.programmes_app.command("report")(programme_reports.report)  # issue 19 point 7
programmes.programmes_app.add_typer(programme_eyes.eyes_app, name="eyes")  # issue 19 point 3
app.add_typer(programmes.programmes_app, name="programmes")  # recompute | due | enrol | …
app.add_typer(warehouse.warehouse_app, name="warehouse")  # issue 20: run-view | build | query | …
app.add_typer(booking.booking_app, name="booking")  # issue 21: slots | setup | sweep | …
app.command()(records.reindex)
app.add_typer(audit.audit_app, name="audit")
# Access: OAuth clients, accounts, keys, tokens, login, demo accounts (docs/security-auth.md).
app.add_typer(access.clients_app, name="clients")
app.add_typer(access.users_app, name="users")
app.add_typer(access.keys_app, name="keys")
app.command()(tokens.token)
app.command()(tokens.login)
app.command()(demo.demo)
