"""`hoso.booking.setup`: a synthetic city's facilities given their bookable services,
rooms and Schedules from the catalogue — by level and speciality, written once (a second
run writes nothing), audited, refused to another facility's staff, and publishable."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from hoso.access import claims as roles
from hoso.access.booking import BookingAccess
from hoso.access.repository import AccessRepository
from hoso.assembly import booking_setup
from hoso.booking import catalogue
from hoso.booking.publish import publish_slots
from hoso.booking.setup import facility_level, facility_plan, facility_speciality
from hoso.core import clock, jsonx
from hoso.core.errors import Forbidden, ResourceNotFound
from hoso.store import schema
from hoso.store.sql_store import SqlStore
from hoso.synth.facilities import build_network, facilities_of, network_resources
from tests.callers import as_caller, audit_subtypes, staff


def write_network(repo: AccessRepository, people: int = 300) -> dict[str, str]:
    """The synthetic network's Organizations and Locations; facility code -> level."""
    network = build_network(people, 7)
    for resource in network_resources(network):
        if resource["resourceType"] in ("Organization", "Location"):
            repo.update(resource["resourceType"], resource["id"], resource)
    return {f.code: f.level for f in facilities_of(network)}


def versions(store: SqlStore) -> dict[str, int]:
    r = schema.resource
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(r.c.resource_type, r.c.id, r.c.version).where(
            r.c.resource_type.in_(["HealthcareService", "Location", "Schedule"])))  # fmt: skip
        # the synthetic network's own Locations (loc-…) are not the setup's
        return {f"{t}/{i}": v for t, i, v in rows if i.startswith(("hs-", "room-", "sch-"))}


def test_levels_and_specialities_as_the_synthetic_city_writes_them(repo: AccessRepository) -> None:
    network = build_network(60_000, 3)
    orgs = {r["id"]: r for r in network_resources(network) if r["resourceType"] == "Organization"}
    for f in facilities_of(network):
        assert facility_level(orgs[f.org_id]) == f.level
    named = {"Bệnh viện Nhi Đồng 1": "children", "Bệnh viện Từ Dũ": "obstetric",
             "Bệnh viện Bệnh Nhiệt đới": "tropical", "Bệnh viện Chợ Rẫy": "general",
             "Phòng khám Nhi An Khang": "children"}  # fmt: skip
    for name, speciality in named.items():
        assert facility_speciality({"name": name}) == speciality
    assert facility_level({"name": "Trạm Y tế Phường Bến Thành"}) == "station"
    assert facility_level({"name": "Bệnh viện Khu vực Thủ Đức"}) == "area"


def test_a_plan_names_its_room_and_service(repo: AccessRepository) -> None:
    org = {"id": "org-79401", "name": "Trạm Y tế Phường Sài Gòn",
           "type": [{"text": "Trạm y tế xã, phường"}]}  # fmt: skip
    plan = facility_plan(org, "79401")
    offered = catalogue.offered_at("station", "general")
    assert "tiem-chung" in [k.code for k in offered]
    ids = [f"{r['resourceType']}/{r['id']}" for r in plan]
    assert ids[:3] == [f"Location/room-79401-{offered[0].code}",
                       f"HealthcareService/hs-79401-{offered[0].code}",
                       f"Schedule/sch-79401-{offered[0].code}"]  # fmt: skip
    assert len(ids) == 3 * len(offered)
    schedule = plan[2]
    code = offered[0].code
    assert schedule["actor"] == [{"reference": f"HealthcareService/hs-79401-{code}"},
                                 {"reference": f"Location/room-79401-{code}"}]  # fmt: skip
    assert plan[1]["providedBy"] == {"reference": "Organization/org-79401"}
    assert plan[1]["availableTime"]  # the station's hours, from the catalogue
    template = {e["url"]: e.get("valueUnsignedInt") for e in schedule["extension"][0]["extension"]}
    assert template == {"minutes": offered[0].slot_minutes,
                        "capacity": offered[0].patients_per_slot}  # fmt: skip


def test_setup_all_writes_once_and_is_audited(store: SqlStore, repo: AccessRepository) -> None:
    levels = write_network(repo)
    reports = booking_setup(repo)
    assert sorted(r.facility for r in reports) == sorted(levels)
    assert all(r.level == levels[r.facility] for r in reports)
    assert all(r.created == 3 * len(r.kinds) and r.kinds for r in reports)
    first = versions(store)
    assert len(first) == sum(r.created for r in reports)
    again = booking_setup(repo)
    assert [(r.created, r.updated) for r in again] == [(0, 0)] * len(reports)
    assert versions(store) == first  # no new version
    repo_trail = audit_subtypes(store)
    assert repo_trail.count("booking") >= 2 * len(reports)  # one entry per facility and run


def test_a_changed_resource_is_put_back_and_one_facility_alone(repo: AccessRepository) -> None:
    levels = write_network(repo)
    station = next(code for code, level in levels.items() if level == "station")
    [report] = booking_setup(repo, [station])
    kinds = [k.code for k in catalogue.offered_at("station", "general")]
    assert (report.level, report.kinds) == ("station", kinds)
    changed: dict[str, Any] = jsonx.loads(
        repo.read("Schedule", f"sch-{station}-{kinds[0]}").content
    )
    changed["active"] = False
    changed.pop("meta", None)
    repo.update("Schedule", changed["id"], changed)
    [again] = booking_setup(repo, [station])
    assert (again.created, again.updated, again.unchanged) == (0, 1, 3 * len(kinds) - 1)
    assert jsonx.loads(repo.read("Schedule", f"sch-{station}-{kinds[0]}").content)["active"]
    with pytest.raises(ResourceNotFound):
        booking_setup(repo, ["79998"])


def test_staff_set_up_their_own_facility_only(store: SqlStore, repo: AccessRepository) -> None:
    levels = write_network(repo)
    own, other = sorted(levels)[:2]
    clinician = staff(roles.CLINICIAN, facility=own)
    with as_caller(store, clinician) as theirs, pytest.raises(Forbidden):
        booking_setup(theirs, [other])
    assert not any(f"-{other}-" in k for k in versions(store))
    assert "booking" in audit_subtypes(store, outcome="4")  # the refusal is on record


def test_published_after_setup(store: SqlStore, repo: AccessRepository) -> None:
    levels = write_network(repo)
    hospital = next(code for code, level in levels.items() if level == "city")
    booking_setup(repo, [hospital])
    first = clock.today_vn() + timedelta(days=1)
    report = publish_slots(BookingAccess(repo), repo.settings.facility_system, hospital, first,
                           first + timedelta(days=6), lambda d: False, lambda r: None)  # fmt: skip
    assert report.skipped == [] and report.schedules >= 1
    assert report.created > 0


def test_the_bench_catalogue_plans_fewer_services(repo: AccessRepository) -> None:
    from bench import booking_catalogue

    org = {"id": "org-79701", "name": "Phòng khám Nội An Khang",
           "type": [{"text": "Phòng khám tư nhân"}]}  # fmt: skip
    full, reduced = facility_plan(org, "79701"), facility_plan(org, "79701", booking_catalogue)
    assert 0 < len(reduced) < len(full)
