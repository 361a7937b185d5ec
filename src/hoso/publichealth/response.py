"""What officers do with an alarm and a focus (issue 18 points 3 and 6): verify,
dismiss or turn a signal into a focus; register a focus, confirm, reject or close it;
one report a day while it is active. The caller (the access gate) has decided who may;
these functions check the request and the state, and answer JSON-ready dicts."""

from __future__ import annotations

from datetime import date
from typing import Any

from hoso.core import clock
from hoso.core.errors import Conflict, InvalidRequest, ResourceNotFound
from hoso.publichealth.disease_rules import DiseaseCatalogue
from hoso.publichealth.foci import HOUR_US, check_report_text, is_overdue, next_focus_status
from hoso.publichealth.series.districts import CITY, place_of
from hoso.publichealth.series.rows import SurveillanceRows
from hoso.publichealth.series.weeks import iso_label, parse_day
from hoso.publichealth.signals import next_status

__all__ = ["decide_signal", "focus_json", "move_focus", "register_focus", "report_focus",
           "signal_json"]  # fmt: skip

MAX_NOTE = 2000


def signal_json(row: Any) -> dict[str, Any]:
    place = place_of(row.ward)
    return {"id": row.id, "disease": row.disease, "ward": row.ward,
            "ward_name": place.name if place else None, "week": row.week,
            "iso_week": iso_label(parse_day(row.week)),
            "method": row.method, "observed": row.observed, "expected": row.expected,
            "upperbound": row.upperbound, "status": row.status, "focus_id": row.focus_id,
            "decided_by": row.decided_by, "decided_at": row.decided_at, "note": row.note,
            "created_at": row.created_at}  # fmt: skip


def focus_json(row: Any, now_us: int | None = None) -> dict[str, Any]:
    place = place_of(row.ward)
    now = clock.now_us() if now_us is None else now_us
    return {"id": row.id, "disease": row.disease, "ward": row.ward,
            "ward_name": place.name if place else None, "status": row.status,
            "first_case_date": row.first_case_date, "last_case_date": row.last_case_date,
            "case_count": row.case_count, "opened_at": row.opened_at,
            "response_deadline_at": row.response_deadline_at, "closed_at": row.closed_at,
            "created_by": row.created_by, "created_at": row.created_at,
            "report_count": row.reports, "last_report_day": row.last_report_day,
            "overdue": is_overdue(row.status, row.response_deadline_at, row.reports,
                                  now)}  # fmt: skip


def _note(note: object) -> str | None:
    if note is None or note == "":
        return None
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise InvalidRequest(f"Ghi chú là văn bản tối đa {MAX_NOTE} ký tự / The note is text "
                             f"of at most {MAX_NOTE} characters", expression=["note"])  # fmt: skip
    return note.strip() or None


def _missing(what: str) -> ResourceNotFound:
    return ResourceNotFound(f"Không tìm thấy {what} / {what} not found")


def decide_signal(rows: SurveillanceRows, catalogue: DiseaseCatalogue, signal_id: int,
                  decision: object, note: object, *, agent: str, now_us: int
                  ) -> dict[str, Any]:  # fmt: skip
    row = rows.signal(signal_id)
    if row is None:
        raise _missing("tín hiệu / signal")
    status = next_status(row.status, str(decision) if isinstance(decision, str) else "")
    text = _note(note)
    if status != "focus":
        if not rows.decide_signal(signal_id, was=row.status, status=status, agent=agent,
                                  at=now_us, note=text):  # fmt: skip
            raise Conflict("Tín hiệu vừa được người khác xử lý / Someone else has just decided "
                           "this signal")  # fmt: skip
        return signal_json(rows.signal(signal_id))
    if row.ward == CITY:
        raise InvalidRequest("Ổ dịch thuộc một phường/xã; tín hiệu toàn thành phố không thể "
                             "thành ổ dịch / A focus is in one ward; a city-wide signal "
                             "cannot become one", expression=["decision"])  # fmt: skip
    standing = rows.open_focus(row.disease, row.ward)
    if standing is not None:  # the job already suggested it, or an officer opened it
        return _join_focus(rows, row, standing, text, agent=agent, now_us=now_us)
    rule = catalogue.rule(row.disease)
    hours = rule.response_hours if rule else 48
    monday = parse_day(row.week)
    focus = {"disease": row.disease, "ward": row.ward, "status": "active",
             "first_case_date": row.week,
             "last_case_date": date.fromordinal(monday.toordinal() + 6).isoformat(),
             "case_count": row.observed, "opened_at": now_us,
             "response_deadline_at": now_us + hours * HOUR_US, "created_by": agent,
             "created_at": now_us}  # fmt: skip
    if rows.focus_from_signal(signal_id, was=row.status, agent=agent, at=now_us, note=text,
                              focus=focus) is None:  # fmt: skip
        raise Conflict("Tín hiệu vừa được người khác xử lý / Someone else has just decided "
                       "this signal")  # fmt: skip
    return signal_json(rows.signal(signal_id))


def _join_focus(rows: SurveillanceRows, signal: Any, focus: Any, note: str | None, *,
                agent: str, now_us: int) -> dict[str, Any]:  # fmt: skip
    """The signal turned into the focus already there for its disease and ward: one
    outbreak, one focus. A suggested one is confirmed (active) by this decision; its
    response deadline runs from when it was suggested."""
    if focus.status == "suggested":
        rows.move_focus(focus.id, was="suggested", status="active", at=now_us)
    if not rows.decide_signal(signal.id, was=signal.status, status="focus", agent=agent,
                              at=now_us, note=note, focus_id=focus.id):  # fmt: skip
        raise Conflict("Tín hiệu vừa được người khác xử lý / Someone else has just decided "
                       "this signal")  # fmt: skip
    return signal_json(rows.signal(signal.id))


def _date_field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    try:
        return parse_day(value if isinstance(value, str) else "").isoformat()
    except ValueError:
        raise InvalidRequest(f"{name} là ngày YYYY-MM-DD / {name} is a date YYYY-MM-DD",
                             expression=[name]) from None  # fmt: skip


def register_focus(rows: SurveillanceRows, catalogue: DiseaseCatalogue, body: dict[str, Any],
                   *, agent: str, now_us: int) -> dict[str, Any]:  # fmt: skip
    """A focus an officer found: disease, ward, first and last case dates, case count."""
    unknown = sorted(set(body) - {"disease", "ward", "first_case_date", "last_case_date",
                                  "case_count"})  # fmt: skip
    if unknown:
        raise InvalidRequest(f"Trường không được hỗ trợ / Unsupported field: {unknown[0][:40]}",
                             expression=[unknown[0][:40]])  # fmt: skip
    disease, ward = body.get("disease"), body.get("ward")
    rule = catalogue.rule(disease) if isinstance(disease, str) else None
    if rule is None:
        raise InvalidRequest("Bệnh không có hoặc chưa bật / Unknown or disabled disease",
                             expression=["disease"])  # fmt: skip
    if not isinstance(ward, str) or place_of(ward) is None:
        raise InvalidRequest("Mã phường/xã không thuộc TP.HCM / Not an HCMC ward code",
                             expression=["ward"])  # fmt: skip
    first, last = _date_field(body, "first_case_date"), _date_field(body, "last_case_date")
    count = body.get("case_count", 1)
    if first > last or isinstance(count, bool) or not isinstance(count, int) \
            or not 1 <= count <= 100_000:  # fmt: skip
        raise InvalidRequest("Ngày ca đầu ≤ ngày ca cuối, số ca từ 1 / first ≤ last case "
                             "date, case_count from 1", expression=["case_count"])  # fmt: skip
    focus_id = rows.add_focus(disease=rule.code, ward=ward, status="active",
                              first_case_date=first, last_case_date=last, case_count=count,
                              opened_at=now_us,
                              response_deadline_at=now_us + rule.response_hours * HOUR_US,
                              created_by=agent, created_at=now_us)  # fmt: skip
    return focus_json(rows.focus(focus_id))


def move_focus(rows: SurveillanceRows, catalogue: DiseaseCatalogue, focus_id: int,
               action: object, *, now_us: int) -> dict[str, Any]:  # fmt: skip
    row = rows.focus(focus_id)
    if row is None:
        raise _missing("ổ dịch / focus")
    status = next_focus_status(row.status, action if isinstance(action, str) else "")
    if not rows.move_focus(focus_id, was=row.status, status=status, at=now_us):
        raise Conflict("Ổ dịch vừa được người khác cập nhật / Someone else has just updated "
                       "this focus")  # fmt: skip
    return focus_json(rows.focus(focus_id))


def report_focus(rows: SurveillanceRows, focus_id: int, body: dict[str, Any], *,
                 agent: str, now_us: int, today: date) -> dict[str, Any]:  # fmt: skip
    """Today's report of an active focus (one a day)."""
    row = rows.focus(focus_id)
    if row is None:
        raise _missing("ổ dịch / focus")
    if row.status != "active":
        raise Conflict("Chỉ ổ dịch đang hoạt động mới có báo cáo ngày / Only an active focus "
                       "takes daily reports")  # fmt: skip
    text, new_cases = check_report_text(body.get("text"), body.get("new_cases", 0))
    if not rows.add_focus_report(focus_id=focus_id, day=today.isoformat(),
                                 new_cases=new_cases, text=text, reported_by=agent,
                                 reported_at=now_us):  # fmt: skip
        raise Conflict("Hôm nay ổ dịch đã có báo cáo / Today's report is already in")
    return {"focus_id": focus_id, "day": today.isoformat(), "new_cases": new_cases,
            "text": text, "reported_by": agent, "reported_at": now_us}  # fmt: skip
