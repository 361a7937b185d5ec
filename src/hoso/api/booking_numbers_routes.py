"""`GET /api/booking/numbers?facility=&from=&to=[&format=csv]` (issue 21 point 6): the
booking numbers per facility, service and day — utilisation, bookings by channel, lead
time, no-show rate (`hoso.booking.numbers` says what each means and who sees what).
`facility` may repeat or be comma-separated; `from`/`to` are ISO dates (YYYY-MM-DD),
by default the last 30 days to today (Asia/Ho_Chi_Minh). JSON: `{"from", "to", "rows",
"totals"}`; CSV: the rows, one channel per column, UTF-8 with a BOM for Excel."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from hoso.api.deps import RepoDep
from hoso.assembly import booking_numbers as numbers_for
from hoso.booking.numbers import BookingNumbers, NumbersRow, csv_text
from hoso.core import clock
from hoso.core.errors import InvalidRequest

__all__ = ["router"]

router = APIRouter()
NO_STORE = {"Cache-Control": "no-store"}
_FACILITY = re.compile(r"[0-9A-Za-z]{1,16}")  # mã cơ sở KCB
DEFAULT_DAYS = 30


def _day(raw: str | None, name: str, default: date) -> date:
    if raw is None or raw == "":
        return default
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidRequest(f"'{name}' là ngày dạng YYYY-MM-DD / '{name}' is a date "
                             "YYYY-MM-DD", expression=[name]) from None  # fmt: skip


def _facilities(request: Request) -> tuple[str, ...]:
    codes = [c.strip() for v in request.query_params.getlist("facility") for c in v.split(",")]
    codes = [c for c in codes if c]
    if len(codes) > 200 or not all(_FACILITY.fullmatch(c) for c in codes):
        raise InvalidRequest("Mã cơ sở không hợp lệ / Invalid facility code",
                             expression=["facility"])  # fmt: skip
    return tuple(dict.fromkeys(codes))


def _csv(rows: list[NumbersRow], name: str) -> Response:
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
    # UTF-8 with a BOM: Excel, which the hospitals' planning staff open it in, reads it right.
    return Response(("\ufeff" + csv_text(rows)).encode("utf-8"),
                    media_type="text/csv; charset=utf-8", headers=headers)  # fmt: skip


@router.get("/api/booking/numbers")
async def booking_numbers(request: Request, repo: RepoDep) -> Response:
    """Số liệu đặt lịch / Booking numbers (JSON, or CSV with `format=csv`)."""
    query = request.query_params
    today = clock.today_vn()
    last = _day(query.get("to"), "to", today)
    first = _day(query.get("from"), "from", last - timedelta(days=DEFAULT_DAYS - 1))
    numbers: BookingNumbers = numbers_for(repo)
    rows, totals = await run_in_threadpool(numbers.compute, _facilities(request), first, last)
    if query.get("format") == "csv":
        return _csv(rows, f"booking-numbers-{first}-{last}.csv")
    return JSONResponse({"from": first.isoformat(), "to": last.isoformat(),
                         "rows": [r.to_json() for r in rows],
                         "totals": [t.to_json() for t in totals]}, headers=NO_STORE)  # fmt: skip
