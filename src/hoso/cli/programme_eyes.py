"""`hoso programmes eyes`: the school eye programme at the command line, as the
operator, through the access layer (audited).

- `import-roster FILE.csv`: schools, classes and children of a roster file
  (docs/programmes-eyes.md "Roster CSV"); each child found through the MPI (an exact
  CCCD, or the Fellegi–Sunter model on name, birth date and sex) — never created; rows
  it cannot place are printed with their line and reason;
- `round --school CODE --day dd/mm/yyyy`: open a screening round at a school;
- `referrals [--status open|lapsed]`: the referrals being tracked, lapsed ones first.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store

eyes_app = typer.Typer(help="Sức khỏe mắt học đường / School eye health")


@eyes_app.command("import-roster")
def import_roster(
    file: Annotated[
        Path, typer.Argument(help="Tệp CSV / CSV file", exists=True, dir_okay=False, readable=True)
    ],
    database_url: DatabaseUrl = None,
) -> None:
    """Nhập danh sách lớp / Import class rosters (children found through the MPI)."""
    from hoso.access.programme_eyes import EyeAccess
    from hoso.api.programme_eyes_rosters import import_roster as place
    from hoso.assembly import programme_access
    from hoso.core.errors import FhirError
    from hoso.programmes.eyes.roster import MAX_BYTES
    from hoso.store.programme_eyes import SqlEyeRegistry

    if file.stat().st_size > MAX_BYTES:
        fail("Tệp quá lớn / file too large")
    store = open_store(database_url)
    try:
        with as_operator(store) as repo:
            access = EyeAccess(repo, SqlEyeRegistry(store.engine), None)
            registers = programme_access(store, repo, None)  # the operator: every ward
            report = place(access, file.read_bytes(), store.settings.cccd_system, registers)
    except FhirError as exc:
        fail(exc.message)
    finally:
        store.engine.dispose()
    for p in report["problems"]:
        typer.echo(f"dòng / line {p['line']}: {p['field']}: {p['message']}", err=True)
    typer.echo(
        f"{report['placed']} trẻ đã xếp lớp / children placed ({report['added']} mới / new, "
        f"{report['enrolled']} ghi danh / enrolled) "
        f"trong {report['classes']} lớp / classes; "
        f"{len(report['problems'])} dòng chưa xếp / rows not placed"
    )


@eyes_app.command("round")
def open_round(
    school: Annotated[str, typer.Option(help="Mã trường / school code")],
    day: Annotated[str, typer.Option(help="Ngày khám dd/mm/yyyy / day")],
    database_url: DatabaseUrl = None,
) -> None:
    """Mở đợt khám tại một trường / Open a screening round at a school."""
    from hoso.access.programme_eyes import EyeAccess
    from hoso.api.programme_eyes_routes import parse_day
    from hoso.core.errors import FhirError
    from hoso.programmes.eyes.criteria import packaged_criteria
    from hoso.store.programme_eyes import SqlEyeRegistry

    store = open_store(database_url)
    try:
        when: date = parse_day(day)
        with as_operator(store) as repo:
            access = EyeAccess(repo, SqlEyeRegistry(store.engine), None)
            found = [s for s in access.schools() if s["code"] == school]
            if not found:
                fail(f"Không có trường / no school {school}")
            made = access.open_round(int(found[0]["id"]), when,
                                     packaged_criteria().school_year(when))  # fmt: skip
    except FhirError as exc:
        fail(exc.message)
    finally:
        store.engine.dispose()
    typer.echo(
        f"đợt khám / round {made['id']}: {made['school_name']} {when:%d/%m/%Y} "
        f"({made['school_year']})"
    )


@eyes_app.command("referrals")
def referrals(
    status: Annotated[str, typer.Option(help="open | lapsed | dispensed | closed")] = "open",
    database_url: DatabaseUrl = None,
) -> None:
    """Danh sách chuyển khám mắt / Eye-clinic referrals being tracked."""
    from hoso.access.programme_eyes import EyeAccess
    from hoso.api.programme_eyes_routes import referral_state, today
    from hoso.store.programme_eyes import SqlEyeRegistry

    if status not in ("open", "lapsed", "dispensed", "closed"):
        fail("--status: open | lapsed | dispensed | closed")
    store = open_store(database_url)
    try:
        with as_operator(store) as repo:
            stored = "open" if status == "lapsed" else status
            found = EyeAccess(repo, SqlEyeRegistry(store.engine), None).referrals(status=stored)
    finally:
        store.engine.dispose()
    now = today()
    shown = [r for r in found if referral_state(r, now) == status]
    for r in shown:
        typer.echo(
            f"{r['ward']}\t{r['school_name']}\t{r['patient_id']}\t{r['opened']}\t"
            f"{r['lapse_on']}\t{referral_state(r, now)}"
        )
    typer.echo(f"{len(shown)} giấy chuyển / referrals ({status})")
