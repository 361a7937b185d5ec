"""The city the booking bench runs in (`bench.booking`): every facility of the synthetic
network at city scale (`hoso.synth.facilities`: 16 city hospitals, 16 area hospitals,
168 ward health stations, 300 private clinics) plus generated private clinics up to
`--facilities` (their codes fill the rest of the 5-digit 79xxx range, so at most 999),
their bookable services from `hoso booking setup` (`hoso.booking.setup`, with the
bench's reduced catalogue `bench.booking_catalogue`), 14 days of
Slots published through `hoso.booking.publish.publish_slots` (timed), and residents.

Organizations, Locations and residents are the bench's fixtures, written through the
operator's repository in batches; the setup and the publishing are what the product
runs, timed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from bench import booking_catalogue
from bench.population import patient_resource, person
from hoso.access.booking import BookingAccess
from hoso.access.repository import AccessRepository
from hoso.assembly import booking_setup
from hoso.booking.publish import publish_slots
from hoso.booking.residence import ward_of
from hoso.core.settings import DEFAULT_FACILITY_SYSTEM
from hoso.store.sql_store import SqlStore
from hoso.synth.facilities import build_network, network_resources

CITY_PEOPLE = 9_000_000  # the synthetic network at its largest
SEED = 79
DAYS = 14
# codes the synthetic network leaves free (it uses 001-016, 101-116, 400-567, 700-999)
_FREE_CODES = [*range(17, 101), *range(117, 400), *range(568, 700)]
_CLINIC_TYPE = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/organization-type",
                            "code": "prov", "display": "Healthcare Provider"}],
                "text": "Phòng khám tư nhân"}  # fmt: skip


def city_facilities(count: int) -> Iterator[dict[str, Any]]:
    """Organizations and Locations of `count` facilities (at most 999)."""
    network = build_network(CITY_PEOPLE, SEED)
    made = 0
    wards = list(network.wards)
    for resource in network_resources(network):
        if resource["resourceType"] == "Organization" and resource.get("identifier"):
            if made >= count:
                return
            made += 1
            yield resource
        elif resource["resourceType"] == "Location":
            yield resource
    for k, n in enumerate(_FREE_CODES[: max(0, count - made)]):
        code, ward = f"79{n:03d}", wards[k % len(wards)]
        yield {"resourceType": "Organization", "id": f"org-{code}", "active": True,
               "identifier": [{"system": DEFAULT_FACILITY_SYSTEM, "value": code}],
               "type": [_CLINIC_TYPE], "name": f"Phòng khám Đa khoa Thử {code}",
               "address": [{"use": "work", "line": [f"{k + 1} Đường Thử"], "city": ward.name,
                            "state": "Thành phố Hồ Chí Minh", "country": "VN"}]}  # fmt: skip


def write_batches(store: SqlStore, resources: Iterator[dict[str, Any]], batch: int = 500) -> int:
    """The bench's fixtures, straight through the store's unit of work (no caller to
    audit: what is measured is the booking, not the loading)."""
    written, pending = 0, []
    for resource in resources:
        pending.append(resource)
        if len(pending) == batch:
            written += _write(store, pending)
            pending = []
    return written + (_write(store, pending) if pending else 0)


def _write(store: SqlStore, resources: list[dict[str, Any]]) -> int:
    with store.unit_of_work(check_references=False) as session:
        for r in resources:
            session.update(r["resourceType"], r["id"], r)
    return len(resources)


def residents(first: int, count: int) -> Iterator[dict[str, Any]]:
    for i in range(first, first + count):
        yield patient_resource(person(i))


def facility_codes(store: SqlStore) -> list[str]:
    import sqlalchemy as sa

    from hoso.store import schema

    r = schema.resource
    with store.engine.connect() as conn:
        ids = conn.execute(sa.select(r.c.id).where(r.c.resource_type == "Organization",
                                                   r.c.id.like("org-79%")))  # fmt: skip
        return sorted(i[0].removeprefix("org-") for i in ids)


def set_up_and_publish(repo: AccessRepository, codes: list[str], first: date) -> dict[str, Any]:
    """`hoso booking setup --all` (with the bench's reduced catalogue), then each
    facility's Slots for `DAYS` days, public holidays closed (`hoso.booking.calendar`)."""
    from hoso.booking.calendar import is_holiday

    started = time.perf_counter()
    reports = booking_setup(repo, catalogue=booking_catalogue)
    setup_s = time.perf_counter() - started
    door, system = BookingAccess(repo), repo.settings.facility_system
    started = time.perf_counter()
    created = known = schedules = 0
    for code in codes:
        report = publish_slots(door, system, code, first, first + timedelta(days=DAYS - 1),
                               lambda d: is_holiday(d) is not None, ward_of)  # fmt: skip
        created, known = created + report.created, known + report.known
        schedules += report.schedules
    publish_s = time.perf_counter() - started
    return {"facilities": len(reports), "setup_s": round(setup_s, 1),
            "setup_resources_created": sum(r.created for r in reports),
            "schedules": schedules, "slots_created": created, "slots_known": known,
            "publish_s": round(publish_s, 1),
            "slots_per_s": round(created / publish_s, 1) if publish_s else None}  # fmt: skip
