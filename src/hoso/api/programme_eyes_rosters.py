"""Class rosters into the school eye programme: `POST /api/programmes/eyes/rosters`
(the CSV of docs/programmes-eyes.md, `text/csv`, at most 5 MB) and `hoso programmes
eyes import-roster FILE.csv` share `import_roster`. Each child is found through the MPI
(`hoso.identity.mpi.online.resolve_patient`: an exact current CCCD, else the
Fellegi–Sunter model on name, birth date and sex); only a certain match places a child,
nobody is ever created, and every other row is answered with its line and reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from hoso.access.programme_eyes import EyeAccess
from hoso.api.body import check_media_type, read_body
from hoso.api.deps import RepoDep
from hoso.api.programme_eyes_routes import eyes_for
from hoso.api.ward_stations import stations_of
from hoso.assembly import programme_access
from hoso.core.errors import ResourceNotFound
from hoso.identity.mpi.model import MatchModel, load_model
from hoso.identity.mpi.online import resolve_patient
from hoso.programmes.eyes.roster import MAX_BYTES, RosterRow, read_roster

router = APIRouter(prefix="/api/programmes/eyes")
REASONS = {
    "possible": "MPI: có thể trùng, cần người duyệt / possible match, needs review",
    "new": "MPI: không tìm thấy người này / no such resident",
    "cccd-conflict": "MPI: CCCD thuộc người khác / the CCCD is another person's",
}
_MODEL: list[MatchModel] = []


def _model() -> MatchModel:
    if not _MODEL:
        _MODEL.append(load_model())
    return _MODEL[0]


def roster_resolver(search: Callable[[list[list[tuple[str, str]]]], list[dict[str, Any]]],
                    cccd_system: str) -> Callable[[RosterRow], tuple[str | None, str]]:  # fmt: skip
    """`row → (patient id | None, reason)`: the MPI's answer for one roster row."""
    model = _model()

    def resolve(row: RosterRow) -> tuple[str | None, str]:
        patient: dict[str, Any] = {"resourceType": "Patient"}
        if row.cccd:
            patient["identifier"] = [{"system": cccd_system, "value": row.cccd}]
        if row.family_name or row.given_name:
            patient["name"] = [{"family": row.family_name, "given": row.given_name.split()}]
        if row.birth_date:
            patient["birthDate"] = row.birth_date.isoformat()
        if row.sex:
            patient["gender"] = row.sex
        found = resolve_patient(patient, search, model, cccd_system)
        if found.outcome == "match" and found.patient_id:
            return found.patient_id, "match"
        return None, REASONS.get(found.outcome, f"MPI: {found.outcome}")

    return resolve


ENROL_REASON = "danh sách lớp / class roster"


def enrol_placed(registers: Any, patient_ids: list[str]) -> int:
    """Enrol the placed children in `school-eye` by hand (the rule needs a screening in
    the record; a child on a roster is due one before that). Only those living in the
    caller's wards: the framework's lists are by home ward, another ward's station enrols
    its own (a 404 here is that, not an error)."""
    done = 0
    for pid in patient_ids:
        try:
            registers.set_manual("school-eye", pid, True, ENROL_REASON)
            done += 1
        except ResourceNotFound:
            continue
    return done


def import_roster(access: EyeAccess, data: bytes, cccd_system: str, registers: Any = None
                  ) -> dict[str, Any]:  # fmt: skip
    """Read the file, place the children it names (and enrol them, through `registers`,
    `hoso.access.programmes.ProgrammeAccess`); the rows not placed, by line."""
    access.require_worker()
    rows, unread = read_roster(data)
    report = access.import_roster(rows, roster_resolver(access.search_patients, cccd_system))
    problems = [{"line": p.line, "field": p.field, "message": p.message} for p in unread]
    problems = sorted(problems + report["problems"], key=lambda p: p["line"])
    placed = report.pop("placed_ids", [])
    enrolled = enrol_placed(registers, placed) if registers is not None else 0
    return {**report, "rows": len(rows) + len(unread), "problems": problems,
            "enrolled": enrolled}  # fmt: skip


@router.post("/rosters")
async def post_roster(request: Request, repo: RepoDep) -> Response:
    check_media_type(request, {"text/csv"})
    data = await read_body(request, MAX_BYTES)
    access = eyes_for(request, repo)
    state = request.app.state
    registers = programme_access(state.store, repo, stations_of(state))
    report = await run_in_threadpool(import_roster, access, data, state.settings.cccd_system,
                                     registers)  # fmt: skip
    return JSONResponse(report)
