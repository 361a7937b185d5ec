"""Data-subject requests: the kinds, their statutory clocks and the FHIR `Task` that
records one (Luật 91/2025/QH15, NĐ 356/2025/NĐ-CP Art. 5; DOMAIN-VN.md §9).

No HTTP and no SQL: `hoso.access.subject_rights` runs these against the repository.

**Clocks.** A request is acknowledged within 2 *working days* and answered within
10 days (access, correction), 15 days (withdrawal, restriction, objection) or 20 days
(deletion). The 10/15/20 are read as **calendar days**: DOMAIN-VN.md §9 lists them in
the same table as "2 working days" and says only "days" for them, and its product
summary repeats "2 working days to acknowledge; 10, 15 or 20 days to execute" (both
[S]: confirm against the text of NĐ 356 Art. 5). Every period starts the day after
receipt, the day of receipt not counted, and ends at the end (23:59:59) of its last
day in Asia/Ho_Chi_Minh, as the Civil Code counts periods in days (Bộ luật Dân sự 2015
Art. 147–148 [R]: not in DOMAIN-VN.md). Art. 148 would move a calendar-day deadline that
ends on a weekend or holiday to the next working day; that is *not* applied here, so
the DPO is warned at the earlier, stricter date. Longer deadlines where third parties
are involved (§9) are not modelled; the DPO extends them by hand.

**Working days** are Monday–Friday minus Vietnamese public holidays, Tết included,
from the `holidays` package (country "VN"). The package also knows the Saturdays the
Government swapped into working days (e.g. 22/08/2026), but only those its
maintainers entered: a swap announced later counts wrongly until it is upgraded.

**Deletion** is answered with the retention the law imposes on medical records
(`hoso.access.retention`: TT 33/2025/TT-BYT, DOMAIN-VN.md §2.2; Luật 91 Art. 14, Luật
KCB Art. 69, §9): 10 years, 30 for a death, 20 for psychiatric, work-accident and
traffic-accident records.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

import holidays

from hoso.access.retention import NOT_ASSESSED, retention_answer
from hoso.core.clock import VN_TZ, fhir_instant, local_display
from hoso.core.errors import InvalidRequest
from hoso.fhir.dates import date_range

__all__ = [
    "ACK_EXTENSION",
    "ACK_WORKING_DAYS",
    "CLOSED_STATUSES",
    "CODE_SYSTEM",
    "KINDS",
    "OPEN_STATUSES",
    "Overdue",
    "RequestInput",
    "RequestKind",
    "acknowledgement_deadline",
    "add_working_days",
    "build_request_task",
    "code_system",
    "is_working_day",
    "overdue_requests",
    "parse_request_parameters",
    "response_deadline",
]

BASE = "https://fhir.hoso.hochiminhcity.gov.vn"
CODE_SYSTEM = f"{BASE}/CodeSystem/data-subject-request"
ACK_EXTENSION = f"{BASE}/StructureDefinition/data-request-acknowledge-by"
ACK_WORKING_DAYS = 2


@dataclass(frozen=True, slots=True)
class RequestKind:
    code: str
    display: str  # Vietnamese: what the resident reads
    english: str
    response_days: int  # calendar days (see the module docstring)


KINDS: dict[str, RequestKind] = {
    k.code: k
    for k in (
        RequestKind("access", "Xem, tải dữ liệu cá nhân", "Access (view, download)", 10),
        RequestKind("correction", "Chỉnh sửa dữ liệu cá nhân", "Correction", 10),
        RequestKind("restriction", "Hạn chế xử lý dữ liệu cá nhân", "Restriction", 15),
        RequestKind("objection", "Phản đối xử lý dữ liệu cá nhân", "Objection", 15),
        RequestKind("withdrawal", "Rút lại sự đồng ý", "Withdrawal of consent", 15),
        RequestKind("deletion", "Xoá dữ liệu cá nhân", "Deletion", 20),
    )
}

# R4 TaskStatus. Answered: completed, rejected, cancelled; entered-in-error was never a
# request, and a draft was never filed. Every other status is still open.
CLOSED_STATUSES = frozenset({"completed", "rejected", "cancelled", "entered-in-error"})
OPEN_STATUSES = (
    "requested", "received", "accepted", "ready", "in-progress", "on-hold", "failed",
)  # fmt: skip


def code_system() -> dict[str, Any]:
    """The CodeSystem resource behind `CODE_SYSTEM` (Vietnamese display, English
    designation, the deadline in the definition)."""
    return {
        "resourceType": "CodeSystem",
        "url": CODE_SYSTEM,
        "name": "DataSubjectRequest",
        "title": "Yêu cầu của chủ thể dữ liệu / Data-subject request",
        "status": "active",
        "content": "complete",
        "caseSensitive": True,
        "concept": [
            {
                "code": k.code,
                "display": k.display,
                "definition": f"{k.english}; trả lời trong {k.response_days} ngày / "
                f"answered within {k.response_days} days",
                "designation": [{"language": "en", "value": k.english}],
            }
            for k in KINDS.values()
        ],
    }


# -- clocks -------------------------------------------------------------------------


@cache
def _calendar(year: int) -> holidays.HolidayBase:
    # One read-only calendar per year: expand=False so a lookup never mutates it.
    return holidays.country_holidays("VN", years=year, expand=False)


def is_working_day(day: date) -> bool:
    return bool(_calendar(day.year).is_working_day(day))


def add_working_days(day: date, count: int) -> date:
    """The `count`-th working day after `day` (`day` itself not counted)."""
    found = 0
    while found < count:
        day += timedelta(days=1)
        if is_working_day(day):
            found += 1
    return day


def _end_of_local_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), VN_TZ).astimezone(UTC)


def _received_day(received: datetime) -> date:
    if received.tzinfo is None:
        raise ValueError("received must be timezone-aware")
    return received.astimezone(VN_TZ).date()


def acknowledgement_deadline(received: datetime) -> datetime:
    """End of the 2nd working day after receipt, as a UTC instant."""
    return _end_of_local_day(add_working_days(_received_day(received), ACK_WORKING_DAYS))


def response_deadline(kind: str, received: datetime) -> datetime:
    """End of the 10th/15th/20th calendar day after receipt, as a UTC instant."""
    days = KINDS[kind].response_days
    return _end_of_local_day(_received_day(received) + timedelta(days=days))


# -- the request as a Task ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestInput:
    kind: str
    description: str
    focus: str | None = None  # "Type/id"


_REFERENCE = re.compile(r"^[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}$")
_PARAM = "Parameters.parameter"
_NAMES = ("kind", "description", "focus")
MAX_DESCRIPTION = 2000


def _bad(vi: str, en: str, path: str) -> InvalidRequest:
    return InvalidRequest(f"{vi} / {en}", expression=[path])


def parse_request_parameters(body: Any) -> RequestInput:
    """`Parameters` with `kind` (valueCode), `description` (valueString) and an
    optional `focus` (valueReference); each error names the element at fault."""
    seen = _parameters_by_name(body)
    kind = _value(seen, "kind", "valueCode", str)
    if kind not in KINDS:
        choices = ", ".join(KINDS)
        raise _bad(
            f"Loại yêu cầu '{kind}' không hợp lệ; dùng một trong: {choices}",
            f"Unknown request kind '{kind}'; use one of: {choices}",
            f"{_PARAM}[{seen['kind'][0]}].valueCode",
        )
    description = _value(seen, "description", "valueString", str).strip()
    if not description or len(description) > MAX_DESCRIPTION:
        raise _bad(
            f"'description' phải có từ 1 đến {MAX_DESCRIPTION} ký tự",
            f"'description' must have 1 to {MAX_DESCRIPTION} characters",
            f"{_PARAM}[{seen['description'][0]}].valueString",
        )
    focus = None
    if "focus" in seen:
        focus = _value(seen, "focus", "valueReference", dict).get("reference")
        if not isinstance(focus, str) or not _REFERENCE.match(focus):
            raise _bad(
                "'focus' phải là tham chiếu dạng Loại/id",
                "'focus' must be a Type/id reference",
                f"{_PARAM}[{seen['focus'][0]}].valueReference.reference",
            )
    return RequestInput(kind, description, focus)


def _parameters_by_name(body: Any) -> dict[str, tuple[int, dict[str, Any]]]:
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise _bad(
            "Nội dung phải là tài nguyên Parameters",
            "The body must be a Parameters resource",
            "Parameters",
        )
    parameters = body.get("parameter")
    if not isinstance(parameters, list):
        raise _bad("Thiếu danh sách tham số", "Missing the parameter list", _PARAM)
    seen: dict[str, tuple[int, dict[str, Any]]] = {}
    for i, p in enumerate(parameters):
        name = p.get("name") if isinstance(p, dict) else None
        if name not in _NAMES or name in seen:
            why = ("lặp lại", "repeated") if name in seen else ("không được hỗ trợ", "unsupported")
            raise _bad(
                f"Tham số '{name}' {why[0]}", f"Parameter '{name}' {why[1]}", f"{_PARAM}[{i}].name"
            )
        seen[name] = (i, p)
    return seen


def _value(seen: dict[str, tuple[int, dict[str, Any]]], name: str, key: str, kind: type) -> Any:
    if name not in seen:
        raise _bad(
            f"Thiếu tham số '{name}'",
            f"Missing parameter '{name}'",
            f"{_PARAM}.where(name='{name}')",
        )
    i, p = seen[name]
    value = p.get(key)
    if not isinstance(value, kind):
        raise _bad(
            f"Tham số '{name}' cần {key}", f"Parameter '{name}' needs {key}", f"{_PARAM}[{i}].{key}"
        )
    return value


def build_request_task(
    *,
    patient_id: str,
    request: RequestInput,
    requester: str,
    received: datetime,
    retention: tuple[date | None, Collection[str]] | None = None,
) -> dict[str, Any]:
    """The Task recording a new request (https://hl7.org/fhir/R4/task.html): for the
    Patient, by `requester` ("Patient/…" or "RelatedPerson/…"), with the response
    deadline in `restriction.period.end` and the acknowledgement deadline in an
    extension. A deletion carries its retention answer as `statusReason`, from
    `retention` = (the newest record's date or None, the record's categories), or
    says it was not assessed when `retention` is None."""
    kind = KINDS[request.kind]
    ack = acknowledgement_deadline(received)
    due = response_deadline(kind.code, received)
    task: dict[str, Any] = {
        "resourceType": "Task",
        "extension": [{"url": ACK_EXTENSION, "valueDateTime": fhir_instant(ack)}],
        "status": "requested",
        "intent": "order",
        "code": {
            "coding": [{"system": CODE_SYSTEM, "code": kind.code, "display": kind.display}],
            "text": f"{kind.display} / {kind.english}",
        },
        "description": request.description,
        "for": {"reference": f"Patient/{patient_id}"},
        "authoredOn": fhir_instant(received),
        "requester": {"reference": requester},
        "restriction": {"period": {"end": fhir_instant(due)}},
        "note": [
            {
                "text": f"Hạn xác nhận: {local_display(ack)}; hạn trả lời: "
                f"{local_display(due)} / Acknowledge by {local_display(ack)}; "
                f"answer by {local_display(due)}"
            }
        ],
    }
    if request.focus:
        task["focus"] = {"reference": request.focus}
    if kind.code == "deletion":
        today = received.astimezone(VN_TZ).date()
        answer = NOT_ASSESSED if retention is None else retention_answer(*retention, today)
        task["statusReason"] = {"text": answer}
    return task


# -- overdue ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Overdue:
    task: dict[str, Any]
    acknowledgement: bool  # still `requested` past the acknowledgement deadline
    response: bool  # not answered past the response deadline


def _deadline_us(value: Any) -> int | None:
    """The last microsecond a FHIR date/dateTime deadline covers; None if unusable."""
    if not isinstance(value, str):
        return None
    try:
        return date_range(value)[1]
    except (InvalidRequest, ValueError):
        return None


def _ack_deadline(task: dict[str, Any]) -> Any:
    for ext in task.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == ACK_EXTENSION:
            return ext.get("valueDateTime")
    return None


def overdue_requests(tasks: Iterable[dict[str, Any]], now: datetime) -> list[Overdue]:
    """The requests past a deadline at `now`: not acknowledged (status still
    `requested`) after the acknowledgement deadline, or not answered (not completed,
    rejected or cancelled) after the response deadline."""
    now_us = int(now.timestamp() * 1_000_000)
    found = []
    for task in tasks:
        status = task.get("status")
        if status not in OPEN_STATUSES:
            continue
        ack = _deadline_us(_ack_deadline(task))
        due = _deadline_us(((task.get("restriction") or {}).get("period") or {}).get("end"))
        late_ack = status == "requested" and ack is not None and now_us > ack
        late_answer = due is not None and now_us > due
        if late_ack or late_answer:
            found.append(Overdue(task, late_ack, late_answer))
    return found
