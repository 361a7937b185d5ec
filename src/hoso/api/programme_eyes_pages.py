"""`/programmes/eyes`: the screening-round entry screen for a class, the same calls as
the JSON API (`hoso.api.programme_eyes_routes`) behind it.

- `GET /programmes/eyes/rounds/{round}/classes/{class}`: one row per child, tab/enter
  moves on, acuity typed as 6/9, 20/40, 5/10, 0.5 or logMAR with pass/fail shown at
  once (`static/eyes-round.js`, the criteria's cut-off sent with the page);
- `POST …/results` (JSON, from the page's script, CSRF token in `X-CSRF-Token`): each
  row saved on its own; the page keeps what was typed in a refused row and shows why.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from hoso.api.body import read_json
from hoso.api.layout import page_policy, render_page
from hoso.api.page_session import PageCallerDep
from hoso.api.programme_eyes_routes import (
    MAX_BODY_BYTES,
    _id,
    eyes_for,
    save_rows,
    sheet_json,
)
from hoso.programmes.eyes.acuity import snellen_of

router = APIRouter(prefix="/programmes/eyes")
PURPOSE = "eyes-results"
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
