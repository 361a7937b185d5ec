"""Practising certificates and operating licences (issue 20 point 5, docs/warehouse-
licences.md), as JSON and as pages.

Public, no login (rate-limited per address like every anonymous request, `RateLimit`):
- `GET /api/licences/verify?number=…`: is it valid today, for what scope, held by whom,
  issued by whom, from and until when; an unknown number and one withheld from the
  public register get the same answer; a missing, malformed or enormous one is 400;
- `GET /licences/verify`: the same as a page with its form, Vietnamese first.

Public-health officers and the operator (the access layer decides and audits):
- `GET /api/warehouse/licences/findings?since=dd/mm/yyyy`: the check's findings;
- `GET /api/warehouse/licences/expiring?days=90`: licences expired or expiring;
- `GET /warehouse/licences/`: the page (expiring in 90 days, the findings), and each
  table as CSV (`expiring.csv`, `findings.csv`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from functools import partial
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from hoso.access.warehouse_licences import LicenceAccess, public_registry, public_verification
from hoso.api.deps import RepoDep
from hoso.api.layout import render_page
from hoso.api.page_session import PageCallerDep
from hoso.core.errors import InvalidRequest
from hoso.warehouse.licences import model
from hoso.warehouse.licences.checks import ACTIVITIES, REASONS, Finding, findings
from hoso.warehouse.licences.registry import expiring, verify
from hoso.warehouse.licences.validity import RENEWAL_WINDOW_DAYS, Alert

router = APIRouter()

NO_STORE = {"Cache-Control": "no-store"}
PAGE_FINDINGS = 200  # rows of the findings table on the page (the CSV has them all)
ALERTS = {"expired": ("Đã hết hạn", "Expired"), "expiring": ("Sắp hết hạn", "Expiring"),
          "conversion-due": ("CCHN cần chuyển đổi", "CCHN conversion due")}  # fmt: skip


def _days(raw: str | None) -> int:
    if raw is None or raw == "":
        return RENEWAL_WINDOW_DAYS
    # isascii: "¹" and other Unicode digits pass isdigit() but not int().
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 4 or int(raw) > 3660:
        raise InvalidRequest("days: số ngày 0–3660 / a number of days 0–3660")
    return int(raw)


def _since(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        if len(raw) > 10:
            raise ValueError(raw)
        if "/" in raw:
            d, m, y = (int(x) for x in raw.split("/"))
            return date(y, m, d)
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidRequest("since: ngày dd/mm/yyyy / a date dd/mm/yyyy") from None


def _verify(request: Request, number: str | None) -> dict[str, Any]:
    store = request.app.state.store
    return verify(partial(public_registry, store), number,
                  verification=partial(public_verification, store))  # fmt: skip


@router.get("/api/licences/verify")
def verify_licence(request: Request, number: str | None = None) -> Response:
    """Tra cứu giấy phép / Verify a licence (public)."""
    return JSONResponse(_verify(request, number), headers=NO_STORE)


@router.get("/licences/verify", include_in_schema=False)  # a page, like the others
def verify_page(request: Request, number: str | None = None) -> HTMLResponse:
    """Tra cứu giấy phép hành nghề, giấy phép hoạt động / Verify a licence (public page)."""
    lang = "en" if request.cookies.get("hoso_lang") == "en" else "vi"
    answer, problem = None, None
    if number is not None:
        try:
            answer = _verify(request, number)
        except InvalidRequest as exc:
            problem = str(exc)
    shown = (number or "")[:40]
    return render_page(request, "licence_verify.html", lang=lang, answer=answer,
                       problem=problem, typed=shown, titles=model.STATUSES,
                       status=400 if problem else 200)  # fmt: skip


def _alert_rows(alerts: Sequence[Alert]) -> list[dict[str, Any]]:
    return [{"number": a.number, "kind": a.licence_kind, "holder": a.holder,
             "until": a.until.isoformat(), "daysLeft": a.days_left, "alert": a.kind}
            for a in alerts]  # fmt: skip


def _csv(rows: list[dict[str, Any]], columns: Sequence[str], name: str) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
    # UTF-8 with BOM: Excel, which the Sở's staff open it in, then reads the marks right.
    return Response(("\ufeff" + out.getvalue()).encode("utf-8"),
                    media_type="text/csv; charset=utf-8", headers=headers)  # fmt: skip


FINDING_COLUMNS = ("date", "practitioner", "holder", "certificate", "facility", "activity",
                   "specialty", "reason", "reasonText", "resource", "detail")  # fmt: skip
ALERT_COLUMNS = ("number", "kind", "holder", "until", "daysLeft", "alert")


@router.get("/api/warehouse/licences/findings")
def findings_api(repo: RepoDep, since: str | None = None) -> Response:
    found: list[Finding] = findings(LicenceAccess(repo), _since(since))
    return JSONResponse({"since": since, "total": len(found),
                         "findings": [f.to_json() for f in found]}, headers=NO_STORE)  # fmt: skip


@router.get("/api/warehouse/licences/expiring")
def expiring_api(repo: RepoDep, days: str | None = None) -> Response:
    window = _days(days)
    rows = _alert_rows(expiring(LicenceAccess(repo), window))
    return JSONResponse({"days": window, "licences": rows}, headers=NO_STORE)


@router.get("/warehouse/licences/expiring.csv")
def expiring_csv(caller: PageCallerDep, days: str | None = None) -> Response:
    rows = _alert_rows(expiring(LicenceAccess(caller.repo), _days(days)))
    return _csv(rows, ALERT_COLUMNS, "giay-phep-het-han.csv")


@router.get("/warehouse/licences/findings.csv")
def findings_csv(caller: PageCallerDep, since: str | None = None) -> Response:
    rows = [f.to_json() for f in findings(LicenceAccess(caller.repo), _since(since))]
    return _csv(rows, FINDING_COLUMNS, "phat-hien-giay-phep.csv")


# The request guard strips a trailing slash: "/warehouse/licences/" arrives here.
@router.get("/warehouse/licences", include_in_schema=False)
def licences_page(request: Request, caller: PageCallerDep, days: str | None = None,
                  since: str | None = None) -> HTMLResponse:  # fmt: skip
    """Giấy phép sắp hết hạn và phát hiện / Licences expiring, and the check's findings."""
    window, start = _days(days), _since(since)
    door = LicenceAccess(caller.repo)
    alerts = expiring(door, window)
    found = findings(door, start)
    return render_page(
        request, "warehouse_licences.html", lang=caller.lang, who=caller.who(),
        alerts=alerts, labels=ALERTS, days=window, since=since or "", found=found[:PAGE_FINDINGS],
        total=len(found), by_reason=_by_reason(found), reasons=REASONS, activities=ACTIVITIES,
        scopes=model.SCOPES,
    )  # fmt: skip


def _by_reason(found: Sequence[Finding]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for f in found:
        counts[f.reason] = counts.get(f.reason, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])
