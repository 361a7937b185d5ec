"""Data-subject requests as pure rules: the kinds, the statutory clocks on the
Vietnamese calendar, the Task, the deletion answer and the overdue list."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from hoso.access.data_requests import (
    ACK_EXTENSION,
    CODE_SYSTEM,
    KINDS,
    RequestInput,
    acknowledgement_deadline,
    add_working_days,
    build_request_task,
    code_system,
    is_working_day,
    overdue_requests,
    parse_request_parameters,
    response_deadline,
)
from hoso.core.clock import VN_TZ
from hoso.core.errors import InvalidRequest
from hoso.fhir.validation import validate_resource


def local(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    """A moment in Ho Chi Minh City, as the aware datetime the functions take."""
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


def local_day(moment: datetime) -> date:
    return moment.astimezone(VN_TZ).date()


def task_for(kind: str, received: datetime, **kw: object) -> dict:
    return build_request_task(
        patient_id="p1",
        request=RequestInput(kind, "Yêu cầu thử"),
        requester="Patient/p1",
        received=received,
        **kw,  # type: ignore[arg-type]
    )


# -- the kinds -------------------------------------------------------------------------


def test_six_kinds_with_vietnamese_displays_and_deadlines() -> None:
    assert {k: v.response_days for k, v in KINDS.items()} == {
        "access": 10,
        "correction": 10,
        "restriction": 15,
        "objection": 15,
        "withdrawal": 15,
        "deletion": 20,
    }
    cs = code_system()
    assert CODE_SYSTEM.endswith("hochiminhcity.gov.vn/CodeSystem/data-subject-request")
    assert cs["url"] == CODE_SYSTEM
    displays = {c["code"]: c["display"] for c in cs["concept"]}
    assert displays["withdrawal"] == "Rút lại sự đồng ý"
    assert displays["deletion"] == "Xoá dữ liệu cá nhân"
    assert all(c["designation"][0]["language"] == "en" for c in cs["concept"])


# -- acknowledgement: 2 working days -----------------------------------------------------


def test_request_filed_the_day_before_tet_is_acknowledged_after_the_holiday() -> None:
    # Tết Đinh Mùi: 04/02/2027 (29 Tết) to 10/02/2027 (mùng 5) are public holidays,
    # 06–07/02 also a weekend. Filed Wednesday 03/02: day 1 is Thursday 11/02, day 2
    # is Friday 12/02.
    for day in range(4, 11):
        assert not is_working_day(date(2027, 2, day)), day
    deadline = acknowledgement_deadline(local(2027, 2, 3, 10))
    assert deadline.tzinfo is UTC
    assert deadline == datetime.combine(date(2027, 2, 12), time(23, 59, 59), VN_TZ)
    assert deadline == datetime(2027, 2, 12, 16, 59, 59, tzinfo=UTC)


def test_the_day_of_receipt_is_the_local_day_not_the_utc_one() -> None:
    # 17:30 UTC on 02/02 is 00:30 on 03/02 in Ho Chi Minh City.
    received = datetime(2027, 2, 2, 17, 30, tzinfo=UTC)
    assert local_day(acknowledgement_deadline(received)) == date(2027, 2, 12)


@pytest.mark.parametrize(
    ("received", "deadline"),
    [
        (local(2026, 12, 2), date(2026, 12, 4)),  # Wednesday → Friday
        (local(2026, 12, 3), date(2026, 12, 7)),  # Thursday → Monday (weekend skipped)
        (local(2026, 12, 4, 17), date(2026, 12, 8)),  # Friday evening → Tuesday
        (local(2026, 12, 5), date(2026, 12, 8)),  # Saturday: Monday is day 1
        (local(2026, 12, 6, 23, 50), date(2026, 12, 8)),  # Sunday night
    ],
)
def test_weekends_do_not_count(received: datetime, deadline: date) -> None:
    assert local_day(acknowledgement_deadline(received)) == deadline


def test_national_day_and_its_substitute_day_off_do_not_count() -> None:
    # 31/08/2026 is a day off swapped for Saturday 22/08; 01–02/09 National Day.
    assert local_day(acknowledgement_deadline(local(2026, 8, 28))) == date(2026, 9, 4)


def test_a_saturday_swapped_into_a_working_day_counts() -> None:
    # The package knows 22/08/2026 is worked in exchange for 31/08.
    assert is_working_day(date(2026, 8, 22))
    assert add_working_days(date(2026, 8, 21), 2) == date(2026, 8, 24)


# -- response deadlines: calendar days -----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "deadline"),
    [
        ("access", date(2026, 12, 14)),
        ("correction", date(2026, 12, 14)),
        ("restriction", date(2026, 12, 19)),  # a Saturday: calendar days, not moved
        ("objection", date(2026, 12, 19)),
        ("withdrawal", date(2026, 12, 19)),
        ("deletion", date(2026, 12, 24)),
    ],
)
def test_each_kind_is_answered_within_its_calendar_days(kind: str, deadline: date) -> None:
    due = response_deadline(kind, local(2026, 12, 4, 9))
    assert due == datetime.combine(deadline, time(23, 59, 59), VN_TZ)


def test_calendar_days_run_through_tet() -> None:
    # Filed 03/02/2027: 10 days later is 13/02, holidays included.
    assert local_day(response_deadline("access", local(2027, 2, 3))) == date(2027, 2, 13)


# -- the Task --------------------------------------------------------------------------


def test_task_for_a_new_request() -> None:
    received = local(2027, 2, 3, 10)
    task = build_request_task(
        patient_id="p1",
        request=RequestInput("correction", "Sửa ngày sinh", "Patient/p1"),
        requester="RelatedPerson/rp1",
        received=received,
    )
    assert validate_resource(task) == []
    assert task["status"] == "requested"
    assert task["intent"] == "order"
    assert task["code"]["coding"] == [
        {"system": CODE_SYSTEM, "code": "correction", "display": "Chỉnh sửa dữ liệu cá nhân"}
    ]
    assert task["for"] == {"reference": "Patient/p1"}
    assert task["requester"] == {"reference": "RelatedPerson/rp1"}
    assert task["focus"] == {"reference": "Patient/p1"}
    assert task["description"] == "Sửa ngày sinh"
    assert task["authoredOn"] == "2027-02-03T03:00:00.000Z"  # stored in UTC
    assert task["restriction"]["period"]["end"] == "2027-02-13T16:59:59.000Z"
    assert task["extension"] == [
        {"url": ACK_EXTENSION, "valueDateTime": "2027-02-12T16:59:59.000Z"}
    ]
    # Shown to people as dd/mm/yyyy in Ho Chi Minh City, Vietnamese first.
    assert task["note"][0]["text"].startswith(
        "Hạn xác nhận: 12/02/2027 23:59; hạn trả lời: 13/02/2027 23:59 / Acknowledge by"
    )
    assert "statusReason" not in task and "focus" not in task_for("access", received)


def test_deletion_before_the_retention_period_ends_is_refused_with_the_date() -> None:
    task = task_for(
        "deletion", local(2026, 12, 4), retention=(date(2024, 3, 15), {"medical-record"})
    )
    assert validate_resource(task) == []
    assert task["status"] == "requested"  # the DPO still acknowledges and answers it
    vi, en = task["statusReason"]["text"].split(" / Deletion refused")
    assert vi.startswith("Từ chối xoá: hồ sơ bệnh án phải lưu trữ 10 năm (Thông tư 33/2025/TT-BYT")
    assert vi.endswith("được lưu đến hết ngày 15/03/2034")
    assert en.endswith("is kept until 15/03/2034")


@pytest.mark.parametrize(
    ("categories", "until"),
    [
        ({"medical-record", "death"}, "15/03/2054"),
        ({"medical-record", "psychiatric"}, "15/03/2044"),
        ({"medical-record", "work-accident"}, "15/03/2044"),
        ({"medical-record", "traffic-accident"}, "15/03/2044"),
    ],
)
def test_deletion_answer_uses_the_longest_period(categories: set[str], until: str) -> None:
    task = task_for("deletion", local(2026, 12, 4), retention=(date(2024, 3, 15), categories))
    assert f"đến hết ngày {until}" in task["statusReason"]["text"]


def test_deletion_after_the_retention_period_may_proceed() -> None:
    task = task_for(
        "deletion", local(2026, 12, 4), retention=(date(2015, 1, 10), {"medical-record"})
    )
    assert task["statusReason"]["text"].startswith(
        "Thời hạn lưu trữ bắt buộc đã hết ngày 10/01/2025"
    )
    assert "deletion may proceed" in task["statusReason"]["text"]


def test_deletion_with_no_record_or_no_assessment() -> None:
    none_kept = task_for("deletion", local(2026, 12, 4), retention=(None, {"medical-record"}))
    assert none_kept["statusReason"]["text"].startswith("Không có hồ sơ bệnh án nào")
    unknown = task_for("deletion", local(2026, 12, 4))
    assert unknown["statusReason"]["text"].startswith("Chưa đánh giá được thời hạn lưu trữ")


# -- overdue ---------------------------------------------------------------------------


def with_status(task: dict, status: str) -> dict:
    return {**task, "id": status, "status": status}


def test_overdue_acknowledgement_only_while_still_requested() -> None:
    task = with_status(task_for("access", local(2026, 12, 2)), "requested")  # ack by 04/12
    assert overdue_requests([task], local(2026, 12, 4, 23, 59)) == []
    [late] = overdue_requests([task], local(2026, 12, 5, 0, 1))
    assert (late.acknowledgement, late.response) == (True, False)
    received = with_status(task, "received")
    assert overdue_requests([received], local(2026, 12, 5, 0, 1)) == []


def test_overdue_response_until_completed_rejected_or_cancelled() -> None:
    task = task_for("access", local(2026, 12, 2))  # answer by 12/12/2026
    after = local(2026, 12, 13, 0, 1)
    tasks = [with_status(task, s) for s in ("requested", "received", "in-progress", "on-hold")]
    late = overdue_requests(tasks, after)
    assert [o.task["status"] for o in late] == ["requested", "received", "in-progress", "on-hold"]
    assert all(o.response for o in late)
    assert [o.acknowledgement for o in late] == [True, False, False, False]
    closed = [with_status(task, s) for s in ("completed", "rejected", "cancelled", "draft")]
    assert overdue_requests(closed, after) == []
    assert overdue_requests([with_status(task, "received")], after - timedelta(days=1)) == []


def test_overdue_ignores_a_task_without_deadlines() -> None:
    bare = {"resourceType": "Task", "id": "x", "status": "requested", "intent": "order"}
    assert overdue_requests([bare], local(2030, 1, 1)) == []


# -- the Parameters ----------------------------------------------------------------------


def parameters(*items: dict) -> dict:
    return {"resourceType": "Parameters", "parameter": list(items)}


KIND = {"name": "kind", "valueCode": "deletion"}
DESCRIPTION = {"name": "description", "valueString": " Xoá số điện thoại cũ "}


def test_parameters_are_read() -> None:
    focus = {"name": "focus", "valueReference": {"reference": "Observation/o-1"}}
    assert parse_request_parameters(parameters(KIND, DESCRIPTION, focus)) == RequestInput(
        "deletion", "Xoá số điện thoại cũ", "Observation/o-1"
    )
    assert parse_request_parameters(parameters(DESCRIPTION, KIND)).focus is None


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"resourceType": "Task"}, "Parameters"),
        ({"resourceType": "Parameters"}, "Parameters.parameter"),
        (parameters(DESCRIPTION), "Parameters.parameter.where(name='kind')"),
        (parameters(KIND), "Parameters.parameter.where(name='description')"),
        (parameters({"name": "kind", "valueCode": "erase"}, DESCRIPTION),
         "Parameters.parameter[0].valueCode"),
        (parameters({"name": "kind", "valueString": "access"}, DESCRIPTION),
         "Parameters.parameter[0].valueCode"),
        (parameters(KIND, KIND, DESCRIPTION), "Parameters.parameter[1].name"),
        (parameters(KIND, DESCRIPTION, {"name": "reason", "valueString": "x"}),
         "Parameters.parameter[2].name"),
        (parameters(KIND, {"name": "description", "valueString": "   "}),
         "Parameters.parameter[1].valueString"),
        (parameters(KIND, DESCRIPTION, {"name": "focus", "valueReference": {"reference": "x"}}),
         "Parameters.parameter[2].valueReference.reference"),
        (parameters(KIND, DESCRIPTION, {"name": "focus", "valueString": "Observation/1"}),
         "Parameters.parameter[2].valueReference"),
    ],
)  # fmt: skip
def test_bad_parameters_name_the_element(body: dict, path: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_request_parameters(body)
    issue = caught.value.issues[0]
    assert issue.expression == (path,)
    vi, _, en = issue.diagnostics.partition(" / ")
    assert vi and en  # Vietnamese first, then English
