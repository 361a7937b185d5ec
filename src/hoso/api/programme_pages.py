"""`/programmes/`: the ward health station's programme pages, the same calls as the JSON
API (`hoso.api.programme_routes`) behind them (issue 19 point 8).

- `GET /programmes/`: each programme with its enrolled and due counts for my ward;
- `GET /programmes/{code}/due?status&offset`: the due list, soonest first;
- `GET /programmes/patients/{id}`: a resident's programmes, what is due, and the forms
  to record a visit (`POST …/visits`) or to enrol by hand (`POST …/enrolment`); each
  posts back and returns to the resident (303), or shows the page again with the
  message and what was typed (400).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from hoso.api.forms import read_form
from hoso.api.layout import render_page
from hoso.api.page_session import PageCaller, PageCallerDep, refuse_cross_site
from hoso.api.programme_routes import (
    due_json,
    due_query,
    enrolment_json,
    known,
    person_name,
    programmes_for,
    record_visit,
)
from hoso.core import clock
from hoso.core.errors import InvalidRequest
from hoso.programmes import registry
from hoso.programmes.forms import items
from hoso.programmes.registry import programme
from hoso.publichealth.wards import ward_name

router = APIRouter(prefix="/programmes")
STATUS_NAMES = {
    "due": ("Đến hạn", "Due"), "overdue": ("Quá hạn", "Overdue"),
    "missed": ("Đã lỡ", "Missed"), "upcoming": ("Sắp tới", "Upcoming"),
}  # fmt: skip
SAVED = {
    "visits": ("Đã lưu lượt khám vào hồ sơ.", "The visit is saved to the record."),
    "enrolment": ("Đã lưu ghi danh.", "The enrolment is saved."),
}  # fmt: skip


def _page(request: Request, caller: PageCaller, template: str, **context: Any) -> HTMLResponse:
    return render_page(request, template, lang=caller.lang, who=caller.who(),
                       statuses=STATUS_NAMES, ward_name=ward_name, programmes=registry.PROGRAMMES,
                       **context)  # fmt: skip


# The request guard strips a trailing slash: "/programmes/" arrives here.
@router.get("", include_in_schema=False)
def home(request: Request, caller: PageCallerDep) -> HTMLResponse:
    ward = request.query_params.get("ward") or None
    if ward is not None and not (ward.isdigit() and len(ward) == 5):
        raise InvalidRequest("ward: mã phường/xã 5 chữ số / a 5-digit ward code")
    access = programmes_for(request, caller.repo)
    overview = access.overview(clock.today_vn() + timedelta(days=31), ward)
    return _page(request, caller, "programmes_home.html", overview=overview, ward=ward)


@router.get("/{code}/due", include_in_schema=False)
def due_list(code: str, request: Request, caller: PageCallerDep) -> HTMLResponse:
    query = due_query(request)
    access = programmes_for(request, caller.repo)
    rows, total = access.due_list(known(code), query["statuses"], query["until"],
                                  ward=query["ward"], offset=query["offset"],
                                  limit=query["limit"])  # fmt: skip
    people = access.patients([r.patient_id for r in rows])
    return _page(request, caller, "programmes_due.html", programme=programme(code),
                 rows=[due_json(r, people.get(r.patient_id, {})) for r in rows], total=total,
                 query=query)  # fmt: skip


@router.get("/patients/{patient_id}", include_in_schema=False)
def patient_page(patient_id: str, request: Request, caller: PageCallerDep) -> HTMLResponse:
    saved = request.query_params.get("saved")
    return _patient(request, caller, patient_id, saved=saved if saved in SAVED else None)


def _patient(request: Request, caller: PageCaller, patient_id: str, *, error: str | None = None,
             typed: dict[str, str] | None = None, status: int = 200,
             saved: str | None = None) -> HTMLResponse:  # fmt: skip
    access = programmes_for(request, caller.repo)
    found, enrolments, due = access.patient_view(patient_id)
    enrolled = {e.programme for e in enrolments}
    forms = [
        (p, f, list(items(f))) for p in registry.PROGRAMMES for f in p.forms if p.code in enrolled
    ]
    return render_page(
        request, "programmes_patient.html", lang=caller.lang, who=caller.who(), status=status,
        patient=found, patient_id=patient_id, name=person_name(found), ward_name=ward_name,
        enrolments=[dict(enrolment_json(e), name=_programme_name(e.programme))
                    for e in enrolments],
        due=[due_json(d) for d in due], forms=forms, programmes=registry.PROGRAMMES,
        statuses=STATUS_NAMES, error=error, typed=typed or {}, saved=SAVED.get(saved or ""),
        tokens={"visit": caller.form_token(f"prog-visit:{patient_id}"),
                "enrol": caller.form_token(f"prog-enrol:{patient_id}")})  # fmt: skip


def _programme_name(code: str) -> dict[str, str]:
    found = programme(code)
    return dict(found.name) if found else {"vi": code, "en": code}


@router.post("/patients/{patient_id}/{action}", include_in_schema=False)
async def patient_form(patient_id: str, action: str, request: Request,
                       caller: PageCallerDep) -> Response:  # fmt: skip
    refuse_cross_site(request)
    if action not in ("visits", "enrolment"):
        raise InvalidRequest(f"Không có thao tác / no action {action[:40]}")
    form = await read_form(request, max_bytes=16384, max_fields=80)
    fields = {k: v[0] for k, v in form.items() if v and k != "csrf"}
    purpose = "prog-visit" if action == "visits" else "prog-enrol"
    caller.check_form(request, f"{purpose}:{patient_id}", (form.get("csrf") or [None])[0])
    try:
        if action == "visits":
            url = fields.get("form", "")
            answers = {k[2:]: v for k, v in fields.items() if k.startswith("a:") and v != ""}
            await run_in_threadpool(record_visit, request, caller.repo, patient_id, url, answers)
        else:
            await run_in_threadpool(_enrol, request, caller, patient_id, fields)
    except InvalidRequest as exc:
        return await run_in_threadpool(_patient, request, caller, patient_id, error=exc.message,
                                       typed=fields, status=400)  # fmt: skip
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/programmes/patients/{patient_id}?saved={action}",
                            status_code=303)  # fmt: skip


def _enrol(request: Request, caller: PageCaller, patient_id: str, fields: dict[str, str]
           ) -> None:  # fmt: skip
    choice = {"in": True, "out": False, "auto": None}.get(fields.get("enrolled", ""), "bad")
    if choice == "bad":
        raise InvalidRequest("enrolled: in | out | auto")
    code = known(fields.get("programme", ""))
    programmes_for(request, caller.repo).set_manual(
        code, patient_id, choice, fields.get("reason", "")
    )  # type: ignore[arg-type]
