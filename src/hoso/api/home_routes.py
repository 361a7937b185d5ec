"""`/`: the home page. Without a session, what Hồ Sơ is and the way in; with one, who
you are and, for your role, the places you may go. The places are links to pages that
exist; what later issues add (the public-health pages) is listed as coming,
not linked to a 404."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hoso.access import claims as roles
from hoso.api.facility_names import facility_names
from hoso.api.layout import render_page
from hoso.api.page_session import LoginRequired, PageCaller, get_page_caller
from hoso.core.errors import FhirError
from hoso.identity.mpi import review_queue as rq

router = APIRouter()

# (path, Vietnamese, English) per role; None as path: coming with a later issue.
Place = tuple[str | None, str, str]
STEWARD_PLACES: list[Place] = [
    ("/api/mpi/review.html", "Hồ sơ nghi trùng cần xem xét", "Possible duplicates to review"),
    ("/api/quality/scorecard.html", "Bảng điểm chất lượng dữ liệu", "Data-quality scorecard"),
]
PLACES: dict[str, list[Place]] = {
    roles.RESIDENT: [
        ("/book", "Sổ sức khỏe điện tử của tôi", "My electronic health book"),
    ],
    roles.CLINICIAN: [(None, "Tra cứu người bệnh", "Find a patient")],
    roles.OFFICER: [
        ("/publichealth/", "Giám sát bệnh truyền nhiễm", "Infectious-disease surveillance"),
        (None, "Chương trình sức khỏe cộng đồng", "Community health programmes"),
        ("/warehouse/", "Kho dữ liệu y tế", "Health data warehouse"),
    ],
    roles.STEWARD: STEWARD_PLACES,
    roles.DPO: [(None, "Bất thường trong nhật ký truy cập", "Access anomalies")],
    roles.ADMIN: [("/status", "Tình trạng hệ thống", "System status"), *STEWARD_PLACES],
    roles.OPERATOR: [("/status", "Tình trạng hệ thống", "System status")],
}


@router.get("/", include_in_schema=False)
async def home(request: Request) -> HTMLResponse:
    try:
        caller = await get_page_caller(request)
    except LoginRequired:
        lang = "en" if request.query_params.get("lang") == "en" else "vi"
        return render_page(request, "landing.html", lang=lang)
    facts = await _facts(request, caller)
    return render_page(request, "home.html", lang=caller.lang, who=caller.who(),
                       places=PLACES.get(caller.principal.claims.role, []),
                       **facts)  # fmt: skip


async def _facts(request: Request, caller: PageCaller) -> dict[str, Any]:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_read_facts, caller)


def _read_facts(caller: PageCaller) -> dict[str, Any]:
    """What the home page says about the person, read through their own repository."""
    claims = caller.principal.claims
    facts: dict[str, Any] = {"facility": None, "patient": None, "open_pairs": None}
    if claims.facility:
        name = facility_names(caller.repo, [claims.facility]).get(claims.facility)
        facts["facility"] = f"{claims.facility} — {name}" if name else claims.facility
    if claims.role == roles.RESIDENT and claims.patient:
        facts["patient"] = _patient_summary(caller, claims.patient)
    if claims.role in (roles.STEWARD, roles.ADMIN):
        with suppress(FhirError):  # the queue's count is a nicety, not the page
            facts["open_pairs"] = rq.open_queue(caller.repo, limit=1, offset=0).total_open
    return facts


def _patient_summary(caller: PageCaller, patient_id: str) -> dict[str, str] | None:
    try:
        patient = orjson.loads(caller.repo.read("Patient", patient_id).content)
    except FhirError:
        return None
    names = patient.get("name") or [{}]
    first = names[0]
    text = first.get("text") or " ".join([first.get("family", ""), *first.get("given", [])])
    return {"name": text.strip() or "—", "birthDate": patient.get("birthDate", "")}
