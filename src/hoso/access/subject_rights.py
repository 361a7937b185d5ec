"""Data-subject rights as calls on the caller's `AccessRepository`: filing a request,
listing a resident's requests, the DPO's overdue list and the consent log
(Luật 91/2025/QH15, NĐ 356/2025/NĐ-CP Art. 5–6; DOMAIN-VN.md §9).

Every record is read and written through the repository, so the policy decides who
may file or see what, and each call leaves its AuditEvent. The rules themselves
(kinds, clocks, the Task) are in `hoso.access.data_requests`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from hoso.access.data_requests import (
    CODE_SYSTEM,
    OPEN_STATUSES,
    Overdue,
    build_request_task,
    overdue_requests,
    parse_request_parameters,
)
from hoso.access.repository import AccessRepository
from hoso.access.retention import retention_categories
from hoso.core import clock, jsonx
from hoso.core.errors import Forbidden, InvalidRequest
from hoso.fhir.dates import date_range
from hoso.fhir.repository import (
    HistoryEntry,
    HistoryPage,
    SearchPage,
    WriteResult,
    every_match,
)

__all__ = ["consent_log", "file_request", "list_requests", "overdue_page"]

PAGE = 500  # rows per internal search page


def file_request(
    repo: AccessRepository,
    patient_id: str,
    body: Any,
    *,
    cccd_system: str,
    now: datetime | None = None,
) -> WriteResult:
    """Record a new request from `Parameters` as a Task for the Patient."""
    request = parse_request_parameters(body)
    # 404 for a record the caller may not see, before anything is written.
    patient = jsonx.loads(repo.read("Patient", patient_id).content)
    if request.focus:
        _check_focus(repo, patient_id, request.focus)
    retention = _retention(repo, patient) if request.kind == "deletion" else None
    task = build_request_task(
        patient_id=patient_id,
        request=request,
        requester=_requester(repo, patient_id, cccd_system),
        received=now or clock.now(),
        retention=retention,
    )
    return repo.create(task)


def list_requests(
    repo: AccessRepository, patient_id: str, *, count: int, cursor: str | None
) -> SearchPage:
    """One page of the Patient's requests (404 for a record the caller may not see)."""
    repo.read("Patient", patient_id)
    params = [("patient", f"Patient/{patient_id}"), ("code", f"{CODE_SYSTEM}|")]
    return repo.search("Task", [*params, ("_count", str(count))], cursor=cursor)


def overdue_page(
    repo: AccessRepository, *, count: int, cursor: str | None, now: datetime | None = None
) -> tuple[SearchPage, list[Overdue]]:
    """One page of open requests, kept only where a deadline has passed. A page may
    hold fewer than `count` (even none) and still link to the next one."""
    params = [
        ("code", f"{CODE_SYSTEM}|"),
        ("status", ",".join(OPEN_STATUSES)),
        ("_count", str(count)),
    ]
    page = repo.search("Task", params, cursor=cursor)
    tasks = {hit.id: hit for hit in page.matches}
    late = overdue_requests((jsonx.loads(h.content) for h in page.matches), now or clock.now())
    hits = [tasks[o.task["id"]] for o in late]
    return SearchPage(hits, [], None, page.next_cursor), late


def consent_log(repo: AccessRepository, patient_id: str) -> HistoryPage:
    """Every version of every Consent of the Patient, newest first: consents given,
    changed and withdrawn (NĐ 356 Art. 6). A record the caller may not see has none."""
    entries: list[HistoryEntry] = []
    for hit in every_match(repo, "Consent", [("patient", f"Patient/{patient_id}")]):
        cursor: str | None = None
        while True:
            page = repo.history("Consent", hit.id, count=PAGE, cursor=cursor)
            entries.extend(page.entries)
            cursor = page.next_cursor
            if cursor is None:
                break
    entries.sort(key=lambda e: (e.stored.last_updated_us, e.stored.id), reverse=True)
    return HistoryPage(entries, len(entries), None)


# -- helpers ----------------------------------------------------------------------------


def _check_focus(repo: AccessRepository, patient_id: str, reference: str) -> None:
    rtype, _, id = reference.partition("/")
    stored = repo.read(rtype, id)  # 404 for what the caller may not see
    if stored.patient_id != patient_id:
        raise InvalidRequest(
            f"'focus' {reference} không thuộc hồ sơ của Patient/{patient_id} / "
            f"'focus' {reference} is not in the record of Patient/{patient_id}",
            expression=["Parameters.parameter.where(name='focus')"],
        )


def _requester(repo: AccessRepository, patient_id: str, cccd_system: str) -> str:
    """The Patient, or for a guardian filing for a child the RelatedPerson that makes
    them one (its identifier carries the guardian's CCCD)."""
    own = repo.principal.claims.patient
    if own is None or own == patient_id:
        return f"Patient/{patient_id}"
    me = jsonx.loads(repo.read("Patient", own).content)
    for identifier in me.get("identifier") or []:
        if identifier.get("system") != cccd_system or not identifier.get("value"):
            continue
        page = repo.search(
            "RelatedPerson",
            [
                ("patient", f"Patient/{patient_id}"),
                ("identifier", f"{cccd_system}|{identifier['value']}"),
                ("_count", "1"),
            ],
        )
        if page.matches:
            return f"RelatedPerson/{page.matches[0].id}"
    return f"Patient/{own}"


def _retention(
    repo: AccessRepository, patient: dict[str, Any]
) -> tuple[date | None, frozenset[str]] | None:
    """(newest record date, categories) for the deletion answer; None when the
    caller's scopes do not reach the record (the DPO then answers)."""
    subject = [("patient", f"Patient/{patient['id']}")]
    try:
        conditions = every_match(repo, "Condition", [*subject, ("_elements", "code")])
        latest = repo.search(
            "Encounter", [*subject, ("_sort", "-date"), ("_elements", "period"), ("_count", "1")]
        )
    except Forbidden:
        return None
    dates = [_local_date(patient.get("deceasedDateTime"))]
    for hit in latest.matches:
        period = jsonx.loads(hit.content).get("period") or {}
        dates.append(_local_date(period.get("end") or period.get("start")))
    known = [d for d in dates if d is not None]
    categories = retention_categories(patient, (jsonx.loads(h.content) for h in conditions))
    return (max(known) if known else None), categories


def _local_date(value: Any) -> date | None:
    """The Asia/Ho_Chi_Minh day a FHIR date/dateTime ends on."""
    if not isinstance(value, str):
        return None
    try:
        high = date_range(value)[1]
    except (InvalidRequest, ValueError):
        return None
    return clock.from_us(high).astimezone(clock.VN_TZ).date()
