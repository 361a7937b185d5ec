"""A facility's bookable services from the catalogue (`hoso booking setup --facility F |
--all`, issue 21 point 1): for every facility Organization (identifier system
`settings.facility_system`) its HealthcareServices, one room (Location) each and one
Schedule each with a slot template, ready for `hoso booking slots`.

Ids are deterministic (`hs-<code>-<kind>`, `room-<code>-<kind>`, `sch-<code>-<kind>`), so
running the setup again is a conditional PUT that writes nothing when the resource is
already as planned (no new version) and brings it back to the plan when it is not. Each
facility is ONE transaction of the booking door (`hoso.access.booking`): the operator or
the facility's own staff only, audited with what was written.

What a facility offers, its opening hours and each service's slot (minutes, residents
per slot) come from the catalogue (`hoso.booking.catalogue`, docs/booking.md); a caller
may pass another with the same functions (the bench passes a reduced one). A facility's
level and speciality come from its Organization as `hoso.synth.facilities` writes them
(`type.text`, else the name): HOUSE, no national register of levels is read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from hoso.booking import catalogue as city_catalogue
from hoso.booking.slots import template_extension
from hoso.core import jsonx
from hoso.core.errors import ResourceNotFound
from hoso.fhir.repository import Repository


class Door(Protocol):
    """`hoso.access.booking.BookingAccess`, as the setup uses it."""

    def require_staff(self, facility: str, what: str) -> None: ...
    def transaction(self, operation: str, entity: str) -> Any: ...

__all__ = ["SetupReport", "facility_level", "facility_plan", "facility_speciality",
           "setup_facilities"]  # fmt: skip

# Organization.type.text as hoso.synth.facilities writes it -> level
_LEVEL_OF_TYPE = {
    "bệnh viện tuyến thành phố": "city",
    "bệnh viện khu vực": "area",
    "trạm y tế xã, phường": "station",
    "phòng khám tư nhân": "clinic",
}
# name prefixes, when the type says nothing (checked in this order)
_LEVEL_OF_NAME = (("trạm y tế", "station"), ("phòng khám", "clinic"),
                  ("bệnh viện khu vực", "area"), ("bệnh viện", "city"))  # fmt: skip
# words of a hospital's name -> speciality (HOUSE, the city's specialised hospitals)
_SPECIALITY_OF_NAME = (("nhi", "children"), ("từ dũ", "obstetric"), ("hùng vương", "obstetric"),
                       ("phụ sản", "obstetric"), ("nhiệt đới", "tropical"))  # fmt: skip
_PAGE = 500


@dataclass
class SetupReport:
    facility: str
    level: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kinds: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"facility": self.facility, "level": self.level, "services": self.kinds,
                "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged}  # fmt: skip


def facility_level(org: dict[str, Any]) -> str:
    """city | area | station | clinic, from `type.text`, else the name (else clinic)."""
    for kind in org.get("type") or []:
        level = _LEVEL_OF_TYPE.get(str((kind or {}).get("text") or "").strip().lower())
        if level:
            return level
    name = str(org.get("name") or "").strip().lower()
    return next((level for prefix, level in _LEVEL_OF_NAME if name.startswith(prefix)),
                "clinic")  # fmt: skip


def facility_speciality(org: dict[str, Any]) -> str:
    """general | children | obstetric | tropical, from words of the name."""
    words = f" {str(org.get('name') or '').lower()} "
    return next((spec for word, spec in _SPECIALITY_OF_NAME if f" {word} " in words),
                "general")  # fmt: skip


def facility_plan(org: dict[str, Any], code: str, catalogue: Any = city_catalogue
                  ) -> list[dict[str, Any]]:  # fmt: skip
    """The Locations, HealthcareServices and Schedules facility `code` should have,
    in the order they are written (what a resource names is written before it)."""
    level, org_ref = facility_level(org), f"Organization/{org['id']}"
    plan: list[dict[str, Any]] = []
    for kind in catalogue.offered_at(level, facility_speciality(org)):
        room = f"room-{code}-{kind.code}"
        service, schedule = f"hs-{code}-{kind.code}", f"sch-{code}-{kind.code}"
        plan.append({"resourceType": "Location", "id": room, "status": "active",
                     "name": f"Phòng {kind.name_vi}", "mode": "instance",
                     "managingOrganization": {"reference": org_ref}})  # fmt: skip
        offered = catalogue.healthcare_service(kind, org_ref, f"Location/{room}", level=level)
        plan.append({**offered, "id": service})
        plan.append({"resourceType": "Schedule", "id": schedule, "active": True,
                     "serviceType": offered["type"],
                     "actor": [{"reference": f"HealthcareService/{service}"},
                               {"reference": f"Location/{room}"}],
                     "extension": [template_extension(kind.slot_minutes,
                                                      kind.patients_per_slot)]})  # fmt: skip
    return plan


def setup_facilities(repo: Repository, door: Door, system: str,
                     facilities: Sequence[str] | None = None, *,
                     catalogue: Any = city_catalogue) -> list[SetupReport]:  # fmt: skip
    """Set up `facilities` (codes in the facility `system`), or every facility
    Organization when None; one report each, in the order the store lists them. An
    unknown code is a 404. `hoso.assembly.booking_setup` passes the caller's repository
    and booking door."""
    reports = []
    for code, org in _organizations(repo, system, facilities):
        reports.append(_setup_one(door, code, org, catalogue))
    return reports


def _organizations(repo: Repository, system: str, facilities: Sequence[str] | None
                   ) -> Iterator[tuple[str, dict[str, Any]]]:  # fmt: skip
    if facilities is not None:
        for code in facilities:
            page = repo.search("Organization", [("identifier", f"{system}|{code}")])
            if not page.matches:
                raise ResourceNotFound(f"Không tìm thấy cơ sở {code[:16]} / facility not found")
            yield code, jsonx.loads(page.matches[0].content)
        return
    cursor: str | None = None
    while True:
        page = repo.search("Organization", [("identifier", f"{system}|"),
                                            ("_count", str(_PAGE))], cursor=cursor)  # fmt: skip
        for hit in page.matches:
            org = jsonx.loads(hit.content)
            code = next((str(i.get("value")) for i in org.get("identifier") or []
                         if i.get("system") == system and i.get("value")), None)  # fmt: skip
            if code is not None:
                yield code, org
        cursor = page.next_cursor
        if not cursor:
            return


def _setup_one(door: Door, code: str, org: dict[str, Any], catalogue: Any
               ) -> SetupReport:  # fmt: skip
    door.require_staff(code, f"thiết lập đặt lịch cơ sở {code[:16]} / set up booking")
    plan = facility_plan(org, code, catalogue)
    report = SetupReport(code, facility_level(org))
    report.kinds = [r["id"].split("-", 2)[2] for r in plan if r["resourceType"] == "Schedule"]
    with door.transaction("setup", f"Organization/{org['id']}") as tx:
        for resource in plan:
            stored = tx.read(resource["resourceType"], resource["id"])
            if stored is None:
                tx.create(resource, resource["id"])
                report.created += 1
            elif _as_planned(stored, resource):
                report.unchanged += 1
            else:
                tx.update(resource)
                report.updated += 1
        tx.audit("setup", patients=(), entities=(f"Organization/{org['id']}",),
                 description=f"{report.kinds}: {report.created} tạo mới / created, "
                             f"{report.updated} cập nhật / updated")  # fmt: skip
    return report


def _as_planned(stored: dict[str, Any], planned: dict[str, Any]) -> bool:
    """Whether the stored resource says what the plan says (the store adds `meta`)."""
    return {k: v for k, v in stored.items() if k != "meta"} == planned
