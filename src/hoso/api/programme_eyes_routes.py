"""`/api/programmes/eyes`: the school eye programme for ward health stations.

- `GET /schools`; `GET /schools/{id}/classes?year`; `GET|POST /schools/{id}/rounds`
  (`{"day": "dd/mm/yyyy"}` opens a round);
- `GET /rounds/{id}/progress`: per class, screened / absent / refused / not done / failed;
- `GET /rounds/{id}/classes/{class}`: the class sheet the entry screen shows;
- `POST /rounds/{id}/classes/{class}/results` `{"rows": [{patient, status, ucva, pva,
  refraction, notation}]}`: each row saved on its own (one transaction per child), the
  answer per row — a bad row is refused with its message and the others are kept;
- `GET /referrals?school&ward&status=open|lapsed|dispensed|closed`; `POST /referrals/{id}`
  `{"status": "dispensed"|"closed", "day"}`;
- `GET /children/{patient}`: year-on-year acuity and SE; `GET /prevalence?year`.
Another ward's school, class, round, referral or child: the same 404 as an absent one.
Thin handlers: `hoso.access.programme_eyes` decides and audits, `hoso.programmes.eyes`
reads and shapes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from hoso.access.programme_eyes import EyeAccess
from hoso.access.repository import AccessRepository
from hoso.api.body import read_json
from hoso.api.deps import RepoDep
from hoso.api.ward_stations import stations_of
from hoso.core import clock
from hoso.core.errors import FhirError, InvalidRequest
from hoso.programmes.eyes.criteria import packaged_criteria
from hoso.programmes.eyes.history import progression
from hoso.programmes.eyes.recording import parse_entry, referral_closer, screen_writer
from hoso.store.programme_eyes import SqlEyeRegistry

router = APIRouter(prefix="/api/programmes/eyes")
MAX_BODY_BYTES = 512 * 1024  # 60 rows of a class with notes fit many times over
MAX_ROWS = 80


def eyes_for(request: Request, repo: AccessRepository) -> EyeAccess:
    facility = repo.principal.facility
    # The same stations as the framework's lists (`ProgrammeAccess.wards`).
    wards = stations_of(request.app.state).wards_of(facility) if facility else frozenset()
    return EyeAccess(repo, SqlEyeRegistry(request.app.state.store.engine), frozenset(wards))


def parse_day(raw: Any, field: str = "day") -> date:
    if isinstance(raw, str):
        text = raw.strip()
        try:
            if len(text) == 10 and text[2] == "/" and text[5] == "/":
                return date(int(text[6:]), int(text[3:5]), int(text[:2]))
            return date.fromisoformat(text)
        except (ValueError, IndexError):
            pass
    raise InvalidRequest(f"{field}: ngày dd/mm/yyyy / a date dd/mm/yyyy")


def _id(raw: str, field: str) -> int:
    if not raw.isdigit() or len(raw) > 12:
        raise InvalidRequest(f"{field}: số / a number")
    return int(raw)


def today() -> date:
    return clock.now().astimezone(clock.VN_TZ).date()


@router.get("/schools")
def schools(request: Request, repo: RepoDep) -> Response:
    return JSONResponse({"schools": eyes_for(request, repo).schools()})


@router.get("/schools/{school_id}/classes")
def classes(school_id: str, request: Request, repo: RepoDep) -> Response:
    year = request.query_params.get("year")
    found = eyes_for(request, repo).classes(_id(school_id, "school"), year[:9] if year else None)
    return JSONResponse({"classes": found})


@router.get("/schools/{school_id}/rounds")
def rounds(school_id: str, request: Request, repo: RepoDep) -> Response:
    return JSONResponse({"rounds": eyes_for(request, repo).rounds(_id(school_id, "school"))})


@router.post("/schools/{school_id}/rounds")
async def open_round(school_id: str, request: Request, repo: RepoDep) -> Response:
    body = await read_json(request, request.app.state.settings, max_bytes=4096)
    day = parse_day(body.get("day") if isinstance(body, dict) else None)
    criteria = packaged_criteria()
    made = await run_in_threadpool(eyes_for(request, repo).open_round, _id(school_id, "school"),
                                   day, criteria.school_year(day))  # fmt: skip
    return JSONResponse(made, status_code=201)


@router.get("/rounds/{round_id}/progress")
def progress(round_id: str, request: Request, repo: RepoDep) -> Response:
    return JSONResponse({"classes": eyes_for(request, repo).progress(_id(round_id, "round"))})


def sheet_json(sheet: dict[str, Any]) -> dict[str, Any]:
    children = []
    for pid in sheet["ids"]:
        p, done = sheet["people"].get(pid) or {}, sheet["done"].get(pid)
        name = (p.get("name") or [{}])[0]
        children.append({"patient": pid,
                         "name": " ".join([name.get("family", ""), *name.get("given", [])]).strip(),
                         "birth_date": p.get("birthDate"), "sex": p.get("gender"),
                         "status": done["status"] if done else None,
                         "outcome": done["outcome"] if done else None,
                         "result": done["result"] if done else None})  # fmt: skip
    children.sort(key=lambda c: (c["name"].split()[-1:] if c["name"] else [""], c["name"]))
    c = packaged_criteria()
    return {"round": sheet["round"], "class": sheet["class"], "children": children,
            "criteria": {"fail_above_logmar": c.fail_above_logmar, "screen_on": c.screen_on,
                         "source": c.sources["acuity"]}}  # fmt: skip


@router.get("/rounds/{round_id}/classes/{class_id}")
def class_sheet(round_id: str, class_id: str, request: Request, repo: RepoDep) -> Response:
    sheet = eyes_for(request, repo).class_sheet(_id(round_id, "round"), _id(class_id, "class"))
    return JSONResponse(sheet_json(sheet))


def save_rows(access: EyeAccess, round_id: int, class_id: int, rows: Any) -> list[dict]:
    """Each row on its own: a refused row is answered with its message, the others kept."""
    if not isinstance(rows, list) or not 0 < len(rows) <= MAX_ROWS:
        raise InvalidRequest(f"rows: danh sách 1–{MAX_ROWS} dòng / a list of 1–{MAX_ROWS} rows")
    found_round = access.round(round_id)
    criteria, out = packaged_criteria(), []
    for i, raw in enumerate(rows):
        try:
            entry = parse_entry(raw, criteria)
            write = screen_writer(entry, found_round, class_id, criteria,
                                  access.repo.principal.source, access.agent)  # fmt: skip
            out.append(
                {"row": i, "ok": True, **access.record(round_id, class_id, entry.patient_id, write)}
            )
        except FhirError as exc:
            out.append(
                {
                    "row": i,
                    "ok": False,
                    "status": exc.http_status,
                    "error": exc.message,
                    "patient": raw.get("patient") if isinstance(raw, dict) else None,
                }
            )
    return out


@router.post("/rounds/{round_id}/classes/{class_id}/results")
async def save_results(round_id: str, class_id: str, request: Request, repo: RepoDep
                       ) -> Response:  # fmt: skip
    body = await read_json(request, request.app.state.settings, max_bytes=MAX_BODY_BYTES)
    rows = body.get("rows") if isinstance(body, dict) else None
    saved = await run_in_threadpool(save_rows, eyes_for(request, repo), _id(round_id, "round"),
                                    _id(class_id, "class"), rows)  # fmt: skip
    return JSONResponse({"rows": saved, "saved": sum(1 for r in saved if r["ok"])})


def referral_state(row: dict[str, Any], day: date) -> str:
    if row["status"] == "open" and row["lapse_on"] < day.isoformat():
        return "lapsed"
    return str(row["status"])


@router.get("/referrals")
def referrals(request: Request, repo: RepoDep) -> Response:
    q = request.query_params
    wanted = q.get("status")
    if wanted not in (None, "open", "lapsed", "dispensed", "closed"):
        raise InvalidRequest("status: open | lapsed | dispensed | closed")
    school = _id(q["school"], "school") if q.get("school") else None
    stored = "open" if wanted in ("open", "lapsed") else wanted
    now = today()
    found = eyes_for(request, repo).referrals(school_id=school, status=stored)
    items = [{**r, "state": referral_state(r, now)} for r in found]
    if wanted:
        items = [r for r in items if r["state"] == wanted]
    if q.get("ward"):
        items = [r for r in items if r["ward"] == q["ward"][:8]]
    return JSONResponse({"referrals": items, "total": len(items)})


@router.post("/referrals/{referral_id}")
async def close_referral(referral_id: str, request: Request, repo: RepoDep) -> Response:
    body = await read_json(request, request.app.state.settings, max_bytes=4096)
    status = body.get("status") if isinstance(body, dict) else None
    if status not in ("dispensed", "closed"):
        raise InvalidRequest("status: dispensed | closed")
    day = parse_day(body.get("day") or today().isoformat())
    if day > today():
        raise InvalidRequest("day: không được ở tương lai / may not be in the future")
    access = eyes_for(request, repo)
    rid = _id(referral_id, "referral")

    def run() -> dict[str, Any]:
        found = access.referral(rid)
        return access.close_referral(rid, status, day, referral_closer(
            found, status, day, repo.principal.source))  # fmt: skip

    return JSONResponse(await run_in_threadpool(run))


@router.get("/children/{patient_id}")
def child(patient_id: str, request: Request, repo: RepoDep) -> Response:
    found = eyes_for(request, repo).child(patient_id[:64])
    observations = [r for r in found["resources"] if r.get("resourceType") == "Observation"]
    return JSONResponse({"patient": patient_id,
                         "progression": [v.as_json() for v in progression(observations)],
                         "screens": [{k: s[k] for k in ("day", "school_year", "status", "outcome",
                                                        "myopia", "age")}
                                     for s in found["screens"]]})  # fmt: skip


@router.get("/prevalence")
def prevalence(request: Request, repo: RepoDep) -> Response:
    year = request.query_params.get("year") or packaged_criteria().school_year(today())
    rows = eyes_for(request, repo).prevalence(year[:9])
    return JSONResponse({"school_year": year[:9], "groups": rows})
