"""`/programmes/eyes`: the school eye programme's pages for a ward health station, the
same calls as the JSON API (`hoso.api.programme_eyes_routes`) behind them.

- `GET /programmes/eyes`: the station's schools, each round's progress per class (a
  link to its entry screen), a form to open a round, and the referrals open or lapsed,
  each with a button for "glasses dispensed" (forms post back and return here, 303);

- `GET /programmes/eyes/rounds/{round}/classes/{class}`: one row per child, tab/enter
  moves on, acuity typed as 6/9, 20/40, 5/10, 0.5 or logMAR with pass/fail shown at
  once (`static/eyes-round.js`, the criteria's cut-off sent with the page);
- `GET /programmes/eyes/children/{patient}`: a child's acuity and SE, year on year;
- `POST …/results` (JSON, from the page's script, CSRF token in `X-CSRF-Token`): each
  row saved on its own; the page keeps what was typed in a refused row and shows why.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from hoso.api.body import read_json
from hoso.api.forms import read_form
from hoso.api.layout import page_policy, render_page
from hoso.api.page_session import PageCallerDep
from hoso.api.programme_eyes_routes import (
    MAX_BODY_BYTES,
    _id,
    eyes_for,
    parse_day,
    referral_state,
    save_rows,
    sheet_json,
    today,
)
from hoso.programmes import registry
from hoso.programmes.eyes.acuity import snellen_of
from hoso.programmes.eyes.criteria import packaged_criteria
from hoso.programmes.eyes.history import progression
from hoso.programmes.eyes.recording import referral_closer

router = APIRouter(prefix="/programmes/eyes")
PURPOSE, HOME_FORMS = "eyes-results", "eyes-home"
ROUNDS_SHOWN = 3
SCRIPT_POLICY = "; script-src 'self'; connect-src 'self'"


@router.get("/rounds/{round_id}/classes/{class_id}", include_in_schema=False)
def entry_page(round_id: str, class_id: str, request: Request, caller: PageCallerDep
               ) -> HTMLResponse:  # fmt: skip
    access = eyes_for(request, caller.repo)
    sheet = sheet_json(access.class_sheet(_id(round_id, "round"), _id(class_id, "class")))
    page = render_page(request, "programme_eyes_round.html", lang=caller.lang,
                       who=caller.who(), sheet=sheet, csrf=caller.form_token(PURPOSE),
                       snellen=snellen_of)  # fmt: skip
    # The one page with a script: 40 rows typed fast need pass/fail as they are typed
    # and saving per row without reloading. Our own file only, and fetch to us only.
    page.headers["Content-Security-Policy"] = page_policy() + SCRIPT_POLICY
    return page


@router.post("/rounds/{round_id}/classes/{class_id}/results", include_in_schema=False)
async def entry_save(round_id: str, class_id: str, request: Request, caller: PageCallerDep
                     ) -> Response:  # fmt: skip
    caller.check_form(request, PURPOSE, request.headers.get("x-csrf-token"))
    body = await read_json(request, request.app.state.settings, max_bytes=MAX_BODY_BYTES)
    rows = body.get("rows") if isinstance(body, dict) else None
    saved = await run_in_threadpool(
        save_rows,
        eyes_for(request, caller.repo),
        _id(round_id, "round"),
        _id(class_id, "class"),
        rows,
    )
    return JSONResponse({"rows": saved, "saved": sum(1 for r in saved if r["ok"])})


@router.get("", include_in_schema=False)
def home(request: Request, caller: PageCallerDep) -> HTMLResponse:
    access = eyes_for(request, caller.repo)
    now = today()
    schools = []
    for school in access.schools():
        rounds = access.rounds(int(school["id"]))[:ROUNDS_SHOWN]
        schools.append({**school, "rounds": [{**r, "classes": access.progress(int(r["id"]))}
                                             for r in rounds]})  # fmt: skip
    referrals = [{**r, "state": referral_state(r, now)}
                 for r in access.referrals(status="open")]  # fmt: skip
    referrals.sort(key=lambda r: (r["state"] != "lapsed", r["lapse_on"]))
    # Named as on the class sheet; `referrals()` audited the read naming each child.
    people = access.people([r["patient_id"] for r in referrals])
    for r in referrals:
        name = (people[r["patient_id"]].get("name") or [{}])[0]
        r["name"] = " ".join([name.get("family", ""), *name.get("given", [])]).strip()
    year = packaged_criteria().school_year(now)
    return render_page(request, "programme_eyes_home.html", lang=caller.lang, who=caller.who(),
                       schools=schools, referrals=referrals, today=now,
                       csrf=caller.form_token(HOME_FORMS),
                       done=request.query_params.get("done"),
                       lapse_days=packaged_criteria().lapse_days,
                       programmes=registry.PROGRAMMES, school_year=year,
                       by_age=prevalence_by_age(access.prevalence(year)))  # fmt: skip


def prevalence_by_age(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The prevalence rows (ward × school × age × sex) summed by age, girls and boys
    apart: counts, not persons."""
    by: dict[int | None, dict[str, int]] = {}
    for g in groups:
        row = by.setdefault(
            g["age"],
            {k: 0 for k in ("screened", "failed", "refracted", "myopia", "girls", "girls_myopia")},
        )
        for key in ("screened", "failed", "refracted", "myopia"):
            row[key] += int(g[key] or 0)
        if g["sex"] == "female":
            row["girls"] += int(g["refracted"] or 0)
            row["girls_myopia"] += int(g["myopia"] or 0)
    return [{"age": age, **row} for age, row in sorted(by.items(), key=lambda x: x[0] or -1)]


@router.get("/children/{patient_id}", include_in_schema=False)
def child_page(patient_id: str, request: Request, caller: PageCallerDep) -> HTMLResponse:
    """A child's year-on-year acuity and spherical equivalent, from their record."""
    found = eyes_for(request, caller.repo).child(patient_id[:64])
    observations = [r for r in found["resources"] if r.get("resourceType") == "Observation"]
    name = (found["patient"].get("name") or [{}])[0]
    return render_page(request, "programme_eyes_child.html", lang=caller.lang,
                       who=caller.who(), visits=progression(observations),
                       name=" ".join([name.get("family", ""), *name.get("given", [])]).strip(),
                       birth_date=found["patient"].get("birthDate"), snellen=snellen_of,
                       cutoff=packaged_criteria().fail_above_logmar,
                       programmes=registry.PROGRAMMES)  # fmt: skip


@router.post("/rounds", include_in_schema=False)
async def home_open_round(request: Request, caller: PageCallerDep) -> Response:
    form = await read_form(request)
    caller.check_form(request, HOME_FORMS, (form.get("csrf") or [""])[0])
    school = _id((form.get("school") or [""])[0], "school")
    day = parse_day((form.get("day") or [""])[0])
    access = eyes_for(request, caller.repo)
    await run_in_threadpool(access.open_round, school, day,
                            packaged_criteria().school_year(day))  # fmt: skip
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/programmes/eyes?done=round", status_code=303)


@router.post("/referrals/{referral_id}", include_in_schema=False)
async def home_dispensed(referral_id: str, request: Request, caller: PageCallerDep) -> Response:
    form = await read_form(request)
    caller.check_form(request, HOME_FORMS, (form.get("csrf") or [""])[0])
    rid, day = _id(referral_id, "referral"), today()
    access = eyes_for(request, caller.repo)

    def run() -> None:
        found = access.referral(rid)
        access.close_referral(
            rid, "dispensed", day, referral_closer(found, "dispensed", day, caller.principal.source)
        )

    await run_in_threadpool(run)
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/programmes/eyes?done=dispensed", status_code=303)
