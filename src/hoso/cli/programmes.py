"""`hoso programmes …`: the community programmes' registers on the server's machine, as
the operator, audited (issue 19; docs/programmes.md). Registered on the main app by
`hoso.cli`; each programme package adds its own subcommands to `programmes_app`.

- `recompute [--patient ID …] [--follow]`: re-assess everyone (the nightly run), or these
  residents; `--follow` then catches up with the change feed;
- `due --programme P [--ward CODE] [--status …]`: the due list, as a ward's station sees it;
- `enrol --programme P --patient ID --reason "…" [--out | --auto]`: enrol by hand, keep
  out, or hand back to the rule.
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import timedelta
from typing import Annotated

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store
from hoso.core import clock, jsonx
from hoso.core.errors import FhirError
from hoso.core.vi_format import vi_number

programmes_app = typer.Typer(help="Chương trình y tế cộng đồng / Community health programmes",
                             no_args_is_help=True)  # fmt: skip
STATUSES = ("due", "overdue", "missed", "upcoming")


@programmes_app.command("recompute")
def recompute(patient: Annotated[list[str] | None, typer.Option(help="Patient id")] = None,
              follow: Annotated[bool, typer.Option(help="rồi theo luồng thay đổi / "
                                                   "then follow the change feed")] = False,
              database_url: DatabaseUrl = None) -> None:  # fmt: skip
    """Tính lại sổ chương trình / Re-assess every resident (or these ones)."""
    from hoso.access.audit import GroupCommitAuditTrail
    from hoso.assembly import programme_recompute
    from hoso.store.sql_store import SqlAuditLog

    store = open_store(database_url)
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    started = time.perf_counter()
    try:
        worker = programme_recompute(store, trail)
        if patient:
            done = worker.patients(patient)
        else:
            done = worker.everyone(lambda n: print(f"\r{vi_number(n)} …", end="",
                                                   file=sys.stderr, flush=True))  # fmt: skip
        if follow:
            worker.run(threading.Event(), until_idle=True)
    except FhirError as exc:
        fail(exc.message, code=2)
    finally:
        trail.close()
        store.engine.dispose()
    seconds = time.perf_counter() - started
    typer.echo(f"đã đánh giá / assessed: {vi_number(done)} người / residents in {seconds:.1f} s")


@programmes_app.command("due")
def due(programme: Annotated[str, typer.Option(help="mã chương trình / programme code")],
        ward: Annotated[str | None, typer.Option(help="mã phường/xã / ward code")] = None,
        status: Annotated[list[str] | None, typer.Option(help=" | ".join(STATUSES))] = None,
        days: Annotated[int, typer.Option(help="đến hạn trong N ngày / due within N days")] = 31,
        limit: int = 50, database_url: DatabaseUrl = None) -> None:  # fmt: skip
    """Danh sách đến hạn / The due list (NDJSON, one activity per line)."""
    from hoso.assembly import programme_access

    wanted = tuple(status or ("due", "overdue"))
    if not set(wanted) <= set(STATUSES) or not 0 <= days <= 3660 or not 1 <= limit <= 10_000:
        fail("status/days/limit không hợp lệ / invalid status, days or limit", code=2)
    store = open_store(database_url)
    try:
        with as_operator(store) as repo:
            until = clock.today_vn() + timedelta(days=days)
            rows, total = programme_access(store, repo, None).due_list(
                programme, wanted, until, ward=ward, limit=limit
            )
    except FhirError as exc:
        fail(exc.message, code=2)
    finally:
        store.engine.dispose()
    for row in rows:
        typer.echo(jsonx.dumps_str({"patient": row.patient_id, "ward": row.ward,
                                    "activity": row.activity, "due": row.due,
                                    "status": row.status}))  # fmt: skip
    typer.echo(f"tổng / total: {vi_number(total)}", err=True)


@programmes_app.command("enrol")
def enrol(programme: Annotated[str, typer.Option(help="mã chương trình / programme code")],
          patient: Annotated[str, typer.Option(help="Patient id")],
          reason: Annotated[str, typer.Option(help="lý do / reason")] = "",
          out: Annotated[bool, typer.Option("--out", help="loại ra / keep out")] = False,
          auto: Annotated[bool, typer.Option("--auto", help="theo quy tắc / by the rule")
                          ] = False,
          database_url: DatabaseUrl = None) -> None:  # fmt: skip
    """Ghi danh thủ công / Enrol by hand (or keep out, or back to the rule)."""
    from hoso.access.audit import GroupCommitAuditTrail
    from hoso.assembly import programme_access, programme_recompute
    from hoso.programmes.registry import programme as find_programme
    from hoso.store.sql_store import SqlAuditLog

    if find_programme(programme) is None:
        fail(f"Không có chương trình / no programme {programme!r}", code=2)
    store = open_store(database_url)
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        with as_operator(store) as repo:
            enrolled = None if auto else not out
            programme_access(store, repo, None).set_manual(programme, patient, enrolled, reason)
        programme_recompute(store, trail).patients([patient])
    except FhirError as exc:
        fail(exc.message, code=2)
    finally:
        trail.close()
        store.engine.dispose()
    typer.echo("đã lưu / saved")


# Each programme package's own commands (`hoso programmes immunisation export …`).
from hoso.cli.programme_immunisation import immunisation_app  # noqa: E402

programmes_app.add_typer(immunisation_app, name="immunisation")
