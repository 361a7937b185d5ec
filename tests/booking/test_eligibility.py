"""The BHYT checks inside a booking (issue 21 point 4): a referral past its validity, a
re-examination slip used twice and an expired card are refused with a clear Vietnamese
message; a valid referral and a slip book."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hoso.booking.service import BookRequest
from hoso.core.errors import Conflict, UnprocessableEntity
from hoso.store.sql_store import SqlStore
from tests.booking.world import booking_as, build_world
from tests.callers import as_caller

CARD = "DN4790123456789"


def _coverage(store: SqlStore, pid: str, end: str) -> None:
    with as_caller(store) as repo:
        repo.update("Coverage", f"cov-{pid}", {
            "resourceType": "Coverage", "id": f"cov-{pid}", "status": "active",
            "identifier": [{"system": repo.settings.bhyt_system, "value": CARD}],
            "beneficiary": {"reference": f"Patient/{pid}"},
            "payor": [{"display": "Bảo hiểm xã hội Việt Nam"}],
            "period": {"start": "2024-01-01", "end": end}})  # fmt: skip


def _referral(store: SqlStore, pid: str, number: str, issued: str) -> None:
    with as_caller(store) as repo:
        repo.update("ServiceRequest", f"ref-{number}", {
            "resourceType": "ServiceRequest", "id": f"ref-{number}", "status": "active",
            "intent": "order", "subject": {"reference": f"Patient/{pid}"},
            "identifier": [{"type": {"text": "Số giấy chuyển tuyến"}, "value": number}],
            "authoredOn": issued,
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "3457005"}]},
            "performer": [{"identifier": {"system": repo.settings.facility_system,
                                          "value": "79001"}}]})  # fmt: skip


def test_expired_card_is_refused_in_vietnamese(store: SqlStore) -> None:
    world = build_world(store, capacity=2)
    _coverage(store, world.patients[0], "2025-12-31")
    with booking_as(store, bhyt=True) as service, pytest.raises(UnprocessableEntity) as refused:
        service.book(BookRequest(world.patients[0], slot_id=world.slot_ids()[0]))
    assert "hết hạn" in refused.value.message and " / " in refused.value.message
    _coverage(store, world.patients[0], (world.first + timedelta(days=365)).isoformat())
    with booking_as(store, bhyt=True) as service:
        assert service.book(BookRequest(world.patients[0], slot_id=world.slot_ids()[0]))


def test_referral_past_its_validity_is_refused(store: SqlStore) -> None:
    world = build_world(store, capacity=2, referral=True)
    old = (world.first - timedelta(days=40)).isoformat()
    fresh = (world.first - timedelta(days=2)).isoformat()
    _referral(store, world.patients[0], "CT-0001", old)
    _referral(store, world.patients[1], "CT-0002", fresh)
    slot = world.slot_ids()[0]
    with booking_as(store, bhyt=True) as service:
        with pytest.raises(UnprocessableEntity) as none:
            service.book(BookRequest(world.patients[0], slot_id=slot))
        assert "giấy chuyển tuyến" in none.value.message
        with pytest.raises(UnprocessableEntity) as expired:
            service.book(BookRequest(world.patients[0], slot_id=slot, referral="CT-0001"))
        assert "đã hết hạn" in expired.value.message and "CT-0001" in expired.value.message
        with pytest.raises(UnprocessableEntity):  # another resident's referral is not found
            service.book(BookRequest(world.patients[0], slot_id=slot, referral="CT-0002"))
        ok = service.book(BookRequest(world.patients[1], slot_id=slot, referral="CT-0002"))
    assert ok["status"] == "booked"


def test_a_reexamination_slip_books_once(store: SqlStore) -> None:
    world = build_world(store, capacity=3, days=2, referral=True)
    pid = world.patients[0]
    day = world.first.isoformat()
    with as_caller(store) as repo:
        repo.update("Appointment", "slip-1", {
            "resourceType": "Appointment", "id": "slip-1", "status": "booked",
            "start": f"{day}T08:00:00+07:00", "end": f"{day}T08:00:00+07:00",
            "identifier": [{"type": {"text": "Số giấy hẹn khám lại"}, "value": "GH-77"}],
            "participant": [{"actor": {"reference": f"Patient/{pid}"},
                             "status": "accepted"}]})  # fmt: skip
    slots = world.slot_ids()
    with booking_as(store, bhyt=True) as service:
        first = service.book(BookRequest(pid, slot_id=slots[0], slip="slip-1"))
        assert first["supportingInformation"] == [{"reference": "Appointment/slip-1"}]
        with pytest.raises((Conflict, UnprocessableEntity)) as twice:
            service.book(BookRequest(pid, slot_id=slots[-1], slip="slip-1"))
    assert "đã được dùng" in twice.value.message


def test_the_estimate_before_confirming(store: SqlStore) -> None:
    """A DN4 card (80 %) at a city hospital (cấp chuyên sâu): coming on one's own, BHYT
    pays nothing for an outpatient visit; with a referral the visit is in the right place
    and costs less than 15 % of the base salary (351,000 đ), so BHYT pays it all."""
    world = build_world(store, capacity=2, service_code="kham-noi-tong-quat")
    pid, slot = world.patients[0], world.slot_ids()[0]
    with booking_as(store) as service:
        system = service.door.repo.settings.bhyt_system
        assert service.estimate(BookRequest(pid, slot_id=slot), system) == {
            "insured": False, "estimate": None}
        _coverage(store, pid, (world.first + timedelta(days=365)).isoformat())
        alone = service.estimate(BookRequest(pid, slot_id=slot), system)["estimate"]
        referred = service.estimate(BookRequest(pid, slot_id=slot, referral="CT-9"), system)
    assert (alone["insurer_vnd"], alone["patient_vnd"]) == (0, 52_600)
    assert referred["estimate"]["insurer_vnd"] == 52_600
    assert referred["estimate"]["patient_vnd"] == 0
    assert any("15" in rule for rule in referred["estimate"]["basis"])
    assert referred["estimate"]["label"].startswith("Ước tính")
