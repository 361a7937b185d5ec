"""`/status`: the operator's page (admin and operator roles): which database, which
schema revision, which version, the time here. No record content, nothing per person."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from hoso import __version__
from hoso.access import claims as roles
from hoso.api.layout import render_page
from hoso.api.page_session import PageCallerDep
from hoso.core.errors import Forbidden
from hoso.store.migrate import current_revision

router = APIRouter()
STARTED = time.time()


@router.get("/status", include_in_schema=False)
async def status(request: Request, caller: PageCallerDep) -> HTMLResponse:
    if caller.principal.claims.role not in (roles.ADMIN, roles.OPERATOR):
        raise Forbidden("Chỉ dành cho quản trị và vận hành / For administrators and operators")
    engine = request.app.state.store.engine
    revision = await run_in_threadpool(current_revision, engine)
    caller.repo.audit("E", "status")
    return render_page(request, "status.html", lang=caller.lang, who=caller.who(),
                       backend=engine.dialect.name, revision=revision, version=__version__,
                       started=STARTED, now=time.time())  # fmt: skip
