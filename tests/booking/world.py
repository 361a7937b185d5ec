"""A small booking world in a real store: one facility, one room, one service
("Khám Nội tổng quát") open every day 07:00–11:00 in 30-minute slots of `capacity`, and
residents with a home ward — written through the operator's access repository, as a
facility's setup would be."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hoso.access.booking import BookingAccess
from hoso.access.principal import Principal
from hoso.booking.eligibility import bhyt_eligibility
from hoso.booking.model import SERVICE_TYPE
from hoso.booking.publish import publish_slots
from hoso.booking.service import BookingRules, BookingService
from hoso.booking.slots import template_extension
from hoso.core import clock
from hoso.store.sql_store import SqlStore
from tests.callers import OPERATOR, as_caller

FAC = "79001"
OTHER_FAC = "79002"
WARD = "26734"  # Phường Sài Gòn
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@dataclass
class World:
    store: SqlStore
    patients: list[str]
    first: date

    def slot_ids(self, facility: str = FAC) -> list[str]:
        import sqlalchemy as sa

        from hoso.store.booking_schema import bk_slot

        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(bk_slot.c.slot_id).where(bk_slot.c.facility == facility)
                                .order_by(bk_slot.c.start_us))  # fmt: skip
            return [r[0] for r in rows]


def _facility(repo: Any, code: str, capacity: int, *, referral: bool = False,
              service_code: str = "kham-noi") -> None:  # fmt: skip
    system = repo.settings.facility_system
    repo.update("Organization", f"org-{code}", {
        "resourceType": "Organization", "id": f"org-{code}", "name": f"Bệnh viện thử {code}",
        "identifier": [{"system": system, "value": code}],
        "address": [{"use": "work", "line": ["1 Lê Lợi"], "city": "Phường Sài Gòn",
                     "state": "Thành phố Hồ Chí Minh", "country": "VN"}]})  # fmt: skip
    repo.update("Location", f"room-{code}", {
        "resourceType": "Location", "id": f"room-{code}", "name": "Phòng khám 1",
        "managingOrganization": {"reference": f"Organization/org-{code}"}})  # fmt: skip
    service: dict[str, Any] = {
        "resourceType": "HealthcareService", "id": f"hs-{code}", "name": "Khám Nội tổng quát",
        "providedBy": {"reference": f"Organization/org-{code}"},
        "type": [{"coding": [{"system": SERVICE_TYPE, "code": service_code}]}],
        "location": [{"reference": f"Location/room-{code}"}],
        "availableTime": [{"daysOfWeek": ALL_DAYS, "availableStartTime": "07:00:00",
                           "availableEndTime": "11:00:00"}]}  # fmt: skip
    if referral:
        from hoso.booking.model import REFERRAL_REQUIRED

        service["extension"] = [{"url": REFERRAL_REQUIRED, "valueBoolean": True}]
    repo.update("HealthcareService", f"hs-{code}", service)
    repo.update("Schedule", f"sch-{code}", {
        "resourceType": "Schedule", "id": f"sch-{code}", "active": True,
        "actor": [{"reference": f"HealthcareService/hs-{code}"},
                  {"reference": f"Location/room-{code}"}],
        "extension": [template_extension(30, capacity)]})  # fmt: skip


def patient(n: int) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": f"bk-p{n}", "active": True,
            "name": [{"family": "Nguyễn", "given": ["Văn", f"Thử{n}"]}],
            "telecom": [{"system": "phone", "value": f"09{n:08d}"}],
            "address": [{"use": "home", "line": ["2 Hàm Nghi"], "city": "Phường Sài Gòn",
                         "state": "Thành phố Hồ Chí Minh", "country": "VN"}]}  # fmt: skip


def build_world(store: SqlStore, *, capacity: int = 2, residents: int = 3, days: int = 2,
                referral: bool = False, service_code: str = "kham-noi") -> World:  # fmt: skip
    first = clock.today_vn() + timedelta(days=1)
    with as_caller(store) as repo:
        for code in (FAC, OTHER_FAC):
            _facility(repo, code, capacity, referral=referral, service_code=service_code)
        for n in range(residents):
            repo.update("Patient", f"bk-p{n}", patient(n))
        door = BookingAccess(repo)
        for code in (FAC, OTHER_FAC):
            publish_slots(door, repo.settings.facility_system, code, first,
                          first + timedelta(days=days - 1), lambda d: False,
                          lambda r: WARD)  # fmt: skip
    return World(store, [f"bk-p{n}" for n in range(residents)], first)


@contextmanager
def booking_as(store: SqlStore, principal: Principal = OPERATOR, *,
               now: Callable[[], int] = clock.now_us, rules: BookingRules | None = None,
               bhyt: bool = False) -> Iterator[BookingService]:  # fmt: skip
    """The booking service for `principal`; `bhyt=True` adds the BHYT checks as the
    composition root does."""
    with as_caller(store, principal) as repo:
        check = bhyt_eligibility(repo.settings.bhyt_system) if bhyt else None
        yield BookingService(BookingAccess(repo), rules, now=now, eligibility=check)
