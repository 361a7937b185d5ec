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
from typing import Annotated, Any

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store

eyes_app = typer.Typer(help="Sức khỏe mắt học đường / School eye health")


def roster_resolver(repo: Any, cccd_system: str) -> Any:
    """`row → (patient id | None, reason)`: the MPI's answer for a roster row, through
    the caller's own searches; only a certain match places a child."""
    from hoso.core import jsonx
    from hoso.identity.mpi.model import load_model
    from hoso.identity.mpi.online import resolve_patient

    model = load_model()

    def search_any(queries: list[list[tuple[str, str]]]) -> Any:
        for query in queries:
            for hit in repo.search("Patient", query).matches:
                yield jsonx.loads(hit.content)

    def resolve(row: Any) -> tuple[str | None, str]:
        patient: dict[str, Any] = {"resourceType": "Patient"}
        if row.cccd:
            patient["identifier"] = [{"system": cccd_system, "value": row.cccd}]
        if row.family_name or row.given_name:
            patient["name"] = [{"family": row.family_name, "given": row.given_name.split()}]
        if row.birth_date:
            patient["birthDate"] = row.birth_date.isoformat()
        if row.sex:
            patient["gender"] = row.sex
        found = resolve_patient(patient, search_any, model, cccd_system)
        if found.outcome == "match" and found.patient_id:
            return found.patient_id, "match"
        reasons = {
            "possible": "MPI: có thể trùng, cần người duyệt / possible match, needs review",
            "new": "MPI: không tìm thấy người này / no such resident",
            "cccd-conflict": "MPI: CCCD thuộc người khác / CCCD held by another person",
        }
        return None, reasons.get(found.outcome, f"MPI: {found.outcome}")

    return resolve


@eyes_app.command("import-roster")
def import_roster(
    file: Annotated[
        Path, typer.Argument(help="Tệp CSV / CSV file", exists=True, dir_okay=False, readable=True)
    ],
    database_url: DatabaseUrl = None,
) -> None:
    """Nhập danh sách lớp / Import class rosters (children found through the MPI)."""
    from hoso.access.programme_eyes import EyeAccess
    from hoso.core.errors import FhirError
    from hoso.programmes.eyes.roster import MAX_BYTES, read_roster
    from hoso.store.programme_eyes import SqlEyeRegistry

    if file.stat().st_size > MAX_BYTES:
        fail("Tệp quá lớn / file too large")
    store = open_store(database_url)
    try:
        rows, problems = read_roster(file.read_bytes())
        with as_operator(store) as repo:
            access = EyeAccess(repo, SqlEyeRegistry(store.engine), None)
            report = access.import_roster(rows, roster_resolver(repo, store.settings.cccd_system))
    except FhirError as exc:
        fail(exc.message)
    finally:
        store.engine.dispose()
    unread = [{"line": p.line, "field": p.field, "message": p.message} for p in problems]
    for p in sorted(unread + report["problems"], key=lambda p: p["line"]):
        typer.echo(f"dòng / line {p['line']}: {p['field']}: {p['message']}", err=True)
    typer.echo(
        f"{report['placed']} trẻ đã xếp lớp / children placed ({report['added']} mới / new) "
        f"trong {report['classes']} lớp / classes; "
        f"{len(unread) + len(report['problems'])} dòng chưa xếp / rows not placed"
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
