"""What the messages say: Vietnamese first then English, local time dd/mm/yyyy, the
places named as residents know them, within the outbox's 480 characters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hoso.booking.messages import PlaceNames, offer_body, phone_of, reminder_body, visit_of
from hoso.core.clock import VN_TZ

START = int(datetime(2026, 12, 10, 7, 30, tzinfo=VN_TZ).timestamp() * 1_000_000)
RESOURCES: dict[tuple[str, str], dict[str, Any]] = {
    ("HealthcareService", "hs-1"): {"name": "Khám Nội tổng quát"},
    ("Location", "room-1"): {"name": "Phòng khám 1",
                             "managingOrganization": {"reference": "Organization/org-1"}},
    ("Organization", "org-1"): {"name": "Bệnh viện Quận 1"},
}  # fmt: skip


def appointment(**changes: Any) -> dict[str, Any]:
    return {"resourceType": "Appointment", "id": "a-123456789", "status": "booked",
            "start": "2026-12-10T07:30:00+07:00",
            "participant": [{"actor": {"reference": "Patient/p1"}},
                            {"actor": {"reference": "HealthcareService/hs-1"}},
                            {"actor": {"reference": "Location/room-1"}}],
            "extension": [{"url": "https://hoso.vn/fhir/StructureDefinition/queue-number",
                           "valueInteger": 7}], **changes}  # fmt: skip


def test_a_reminder_names_the_place_time_and_number() -> None:
    reads: list[tuple[str, str]] = []

    def read(resource_type: str, id: str) -> dict[str, Any] | None:
        reads.append((resource_type, id))
        return RESOURCES.get((resource_type, id))

    names = PlaceNames(read)
    visit = visit_of(appointment())
    assert visit is not None and visit.start_us == START and visit.queue_number == 7
    body = reminder_body(visit, names)
    assert body.startswith(
        "Hồ Sơ nhắc lịch hẹn: Khám Nội tổng quát lúc 07:30 ngày 10/12/2026 "
        "tại Phòng khám 1, Bệnh viện Quận 1. Số thứ tự của bạn: 007."
    )
    assert " / Reminder: Khám Nội tổng quát at 07:30 on 10/12/2026" in body
    reminder_body(visit, names)
    assert sorted(reads) == sorted(RESOURCES)  # each read once
    offer = offer_body(visit, names, START - 3 * 3_600_000_000)
    assert "Chỗ được giữ cho bạn đến 04:30" in offer and "(mã a-123456)" in offer


def test_unknown_places_and_long_names_still_make_a_message() -> None:
    visit = visit_of(appointment())
    assert visit is not None
    bare = reminder_body(visit, PlaceNames(lambda _t, _i: None))
    assert bare.startswith("Hồ Sơ nhắc lịch hẹn: khám bệnh lúc 07:30 ngày 10/12/2026.")
    assert "Reminder: your visit at 07:30" in bare
    long = {("HealthcareService", "hs-1"): {"name": "Khám " + "rất dài " * 40}}
    text = reminder_body(visit, PlaceNames(lambda t, i: long.get((t, i))))
    assert len(text) <= 480 and " / " not in text  # Vietnamese alone when both do not fit


def test_what_is_not_a_visit_and_which_phone() -> None:
    assert visit_of(appointment(start="tomorrow")) is None
    assert visit_of(appointment(participant=[])) is None
    patient = {"telecom": [
        {"system": "email", "value": "a@b.vn"},
        {"system": "phone", "value": "0281234567", "use": "home"},
        {"system": "phone", "value": "0901111111", "use": "old"},
        {"system": "phone", "value": "0912345678", "use": "mobile"}]}  # fmt: skip
    assert phone_of(patient) == "0912345678"
    assert phone_of({"telecom": [{"system": "email", "value": "a@b.vn"}]}) is None
