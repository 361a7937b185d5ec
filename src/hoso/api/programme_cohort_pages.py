"""`/programmes/cohorts`: the at-risk groups' counts as a page (issue 19 points 6 and 8),
the same calls as the JSON API (`hoso.api.programme_cohort_routes`) behind it.

`GET /programmes/cohorts?cohort=&day=&ward=`: the cohorts, and the chosen one's counts
by ward, age band and sex (a restricted cohort: ward totals, small ones "<5"), with its
members where the caller may see them and the campaign CSV
(`/programmes/cohorts/{code}/members.csv`, the page session's own door to the export).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from hoso.access.programme_cohorts import CohortAccess
from hoso.api.layout import render_page
from hoso.api.page_session import PageCaller, PageCallerDep
from hoso.api.programme_cohort_routes import code_of, cohorts_of, csv_response, filters_of
from hoso.core import clock
from hoso.core.errors import Forbidden
from hoso.programmes import registry
from hoso.publichealth.wards import ward_name

router = APIRouter(prefix="/programmes/cohorts")
MEMBERS_SHOWN = 50
SEXES = {"female": ("Nữ", "Female"), "male": ("Nam", "Male"), "other": ("Khác", "Other"),
         "unknown": ("Không rõ", "Unknown")}  # fmt: skip


def _members(access: CohortAccess, caller: PageCaller, code: str, filters: dict[str, Any]
             ) -> dict[str, Any] | None:  # fmt: skip
    """The first members, or None when the caller may see counts only."""
    try:
        return access.members(caller.repo, code, limit=MEMBERS_SHOWN, **filters)
    except Forbidden:
        return None


@router.get("", include_in_schema=False)
def cohorts_page(request: Request, caller: PageCallerDep) -> HTMLResponse:
    access, filters = cohorts_of(request.app.state), filters_of(request)
    view, cohorts = access.listing(caller.repo)
    chosen = request.query_params.get("cohort") or (cohorts[0].code if cohorts else None)
    counts = members = cohort = None
    if chosen:
        cohort = next((c for c in cohorts if c.code == code_of(chosen)), None)
        counts = access.counts(caller.repo, code_of(chosen), **filters)
        if not counts["restricted"]:
            members = _members(access, caller, chosen, filters)
    bands = sorted({b for w in (counts or {}).get("wards", []) for b in _bands(w)},
                   key=_band_order)  # fmt: skip
    return render_page(request, "programme_cohorts.html", lang=caller.lang, who=caller.who(),
                       cohorts=cohorts, cohort=cohort, counts=counts, members=members,
                       bands=bands, sexes=SEXES, filters=filters, ward_name=ward_name,
                       wards=sorted(view.wards) if view.wards is not None else None,
                       today=clock.now().astimezone(clock.VN_TZ).date(),
                       programmes=registry.PROGRAMMES)  # fmt: skip


def _bands(ward: dict[str, Any]) -> set[str]:
    return {key.split("|")[0] for key in ward["cells"]}


def _band_order(band: str) -> int:
    head = band.split("-")[0].rstrip("+")
    return int(head) if head.isdigit() else 999


@router.get("/{code}/members.csv", include_in_schema=False)
def cohort_export_page(code: str, request: Request, caller: PageCallerDep) -> Response:
    text = cohorts_of(request.app.state).export_csv(caller.repo, code_of(code),
                                                    **filters_of(request))  # fmt: skip
    return csv_response(text, code)
