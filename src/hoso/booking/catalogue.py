"""What residents book: the kinds of visit (khám Nội, khám Nhi, tiêm chủng, …), where each is
offered, how its sessions are cut into slots, what it costs, and the FHIR R4
HealthcareService a facility publishes for it (issue 21).

The catalogue is data, `data/services.json` (versioned; sources and HOUSE rules in
docs/booking.md, "Danh mục dịch vụ / Service catalogue"):
- codes in a local CodeSystem (`CODE_SYSTEM`), each also coded in the R4 code systems:
  specialty SNOMED CT from the `c80-practice-codes` value set (HealthcareService.specialty,
  preferred binding; Khám Nhi uses 394537008 |Pediatric specialty|, which that set lacks),
  `service-category`, `service-type` (example bindings) and v2-0276 for the
  appointmentType of the Slots and Appointments booked;
- which facilities offer it, by level (`city | area | station | clinic`) and speciality
  (`general | children | obstetric | tropical`), as `hoso.synth.facilities.Facility`;
- the slot: N minutes at one consulting room, taking M patients (outpatient clinics here
  queue by number within a window rather than booking one patient a minute; HOUSE);
- the price: the level's consultation price (`consultation_price_vnd`), plus an extra (đo
  khúc xạ) or nothing where the state pays (TCMR and the elderly check at the station);
- opening hours per level, and a service's own sessions where it keeps fixed weekdays
  (vaccination at the ward station).
See: hl7.org/fhir/R4/healthcareservice.html
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "CODE_SYSTEM",
    "LEVELS",
    "SPECIALITIES",
    "Catalogue",
    "Coding",
    "ServiceKind",
    "Session",
    "healthcare_service",
    "offered_at",
    "opening_hours",
    "parse_catalogue",
    "referral_required",
    "service",
    "service_hours",
    "services",
]

CODE_SYSTEM = "https://fhir.hoso.hochiminhcity.gov.vn/CodeSystem/booking-service"
LEVELS = ("city", "area", "station", "clinic")
SPECIALITIES = ("general", "children", "obstetric", "tropical")
SNOMED = "http://snomed.info/sct"
SERVICE_CATEGORY = "http://terminology.hl7.org/CodeSystem/service-category"
SERVICE_TYPE = "http://terminology.hl7.org/CodeSystem/service-type"
APPOINTMENT_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0276"
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
DAYS_OF_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # R4 days-of-week
HOLIDAYS = (
    "Nghỉ các ngày lễ, Tết (Bộ luật Lao động 2019 Điều 112) / "
    "Closed on public holidays (Labour Code 2019 Art. 112)"
)
REFERRAL_NOTE = (
    "Cần giấy chuyển tuyến để bảo hiểm y tế chi trả khi khám chuyên khoa tại bệnh viện tuyến "
    "thành phố / A referral is needed for health insurance to pay for a specialist visit at "
    "a city hospital"
)


@dataclass(frozen=True, slots=True)
class Coding:
    system: str
    code: str
    display: str

    def to_fhir(self) -> dict[str, str]:
        return {"system": self.system, "code": self.code, "display": self.display}


@dataclass(frozen=True, slots=True)
class Session:
    """One opening window on one weekday, local time (Asia/Ho_Chi_Minh)."""

    weekday: int  # 0 = thứ Hai / Monday … 6 = Chủ nhật / Sunday, as date.weekday()
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class ServiceKind:
    """A bookable kind of visit; `needs_referral` marks a specialist service whose BHYT
    cover at a city hospital needs a transfer paper (see `referral_required`)."""

    code: str
    name_vi: str
    name_en: str
    specialty: Coding  # SNOMED CT practice setting
    category: Coding  # service-category
    service_types: tuple[Coding, ...]  # service-type
    appointment_type: Coding  # v2-0276, for Slot/Appointment.appointmentType
    needs_referral: bool
    offered: frozenset[tuple[str, str]]  # (level, speciality) pairs
    slot_minutes: int
    patients_per_slot: int
    prices_vnd: tuple[tuple[str, int], ...]  # (level, VND) for each level that offers it
    own_hours: tuple[tuple[str, tuple[Session, ...]], ...] = ()  # replaces a level's hours

    @property
    def coding(self) -> Coding:
        return Coding(CODE_SYSTEM, self.code, self.name_vi)

    @property
    def levels(self) -> tuple[str, ...]:
        offering = {level for level, _ in self.offered}
        return tuple(level for level in LEVELS if level in offering)

    def price_at(self, level: str) -> int:
        """Default price in VND at a facility of that level (the co-payment estimate's base);
        KeyError where the level does not offer the service."""
        return dict(self.prices_vnd)[level]


def _sessions(rows: Iterable[Mapping[str, Any]]) -> tuple[Session, ...]:
    found = []
    for row in rows:
        start, end = time.fromisoformat(row["start"]), time.fromisoformat(row["end"])
        if not start < end:
            raise ValueError(
                f"Buổi kết thúc trước khi bắt đầu / session ends before it starts: {row}"
            )
        for day in row["days"]:
            if day not in range(7):
                raise ValueError(f"Ngày trong tuần không hợp lệ / bad weekday: {day}")
            found.append(Session(day, start, end))
    return tuple(sorted(found, key=lambda s: (s.weekday, s.start)))


def _offered(raw: Mapping[str, list[str]]) -> frozenset[tuple[str, str]]:
    pairs = frozenset((level, spec) for level, specs in raw.items() for spec in specs)
    unknown = {lv for lv, _ in pairs} - set(LEVELS) | {sp for _, sp in pairs} - set(SPECIALITIES)
    if unknown or not pairs:
        raise ValueError(f"Tuyến/chuyên khoa không rõ / unknown level or speciality: {unknown}")
    return pairs


def _service(row: Mapping[str, Any], consultation: Mapping[str, int]) -> ServiceKind:
    offered = _offered(row["offered"])
    free_at = set(row.get("free_at", ()))
    offering = {level for level, _ in offered}
    prices = tuple(
        (level, 0 if level in free_at else consultation[level] + row.get("extra_vnd", 0))
        for level in LEVELS
        if level in offering
    )
    stray = (free_at | set(row.get("hours", {}))) - offering
    if stray:  # a free price or fixed days where the service is not offered: a typo
        raise ValueError(f"{row['code']}: không có ở tuyến / not offered at {sorted(stray)}")
    if row["slot_minutes"] <= 0 or row["patients_per_slot"] <= 0:
        raise ValueError(f"Khung giờ không hợp lệ / bad slot: {row['code']}")
    return ServiceKind(
        code=row["code"],
        name_vi=row["name_vi"],
        name_en=row["name_en"],
        specialty=Coding(SNOMED, *row["specialty"]),
        category=Coding(SERVICE_CATEGORY, *row["category"]),
        service_types=tuple(Coding(SERVICE_TYPE, *pair) for pair in row["service_type"]),
        appointment_type=Coding(APPOINTMENT_TYPE, *_APPOINTMENT_TYPES[row["appointment_type"]]),
        needs_referral=bool(row["needs_referral"]),
        offered=offered,
        slot_minutes=int(row["slot_minutes"]),
        patients_per_slot=int(row["patients_per_slot"]),
        prices_vnd=prices,
        own_hours=tuple((lv, _sessions(rows)) for lv, rows in row.get("hours", {}).items()),
    )


# The v2-0276 codes booking uses, with the R4 package's displays.
_APPOINTMENT_TYPES = {
    "ROUTINE": ("ROUTINE", "Routine appointment - default if not valued"),
    "CHECKUP": ("CHECKUP", "A routine check-up, such as an annual physical"),
}


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The parsed `data/services.json`."""

    services: tuple[ServiceKind, ...]
    hours: Mapping[str, tuple[Session, ...]]


def parse_catalogue(doc: Mapping[str, Any]) -> Catalogue:
    """The catalogue from its JSON document; ValueError on data that breaks a rule."""
    consultation = {level: int(doc["consultation_price_vnd"][level]) for level in LEVELS}
    kinds = tuple(_service(row, consultation) for row in doc["services"])
    codes = [k.code for k in kinds]
    if len(set(codes)) != len(codes):
        raise ValueError(f"Mã dịch vụ trùng / duplicate service code: {codes}")
    hours = {level: _sessions(doc["opening_hours"][level]) for level in LEVELS}
    return Catalogue(kinds, hours)


@cache
def _catalogue() -> Catalogue:
    text = resources.files("hoso.booking").joinpath("data/services.json").read_text("utf-8")
    return parse_catalogue(json.loads(text))


def services() -> tuple[ServiceKind, ...]:
    """Every bookable kind of visit, in the catalogue's order."""
    return _catalogue().services


def service(code: str) -> ServiceKind:
    """The kind with that local code; KeyError if the catalogue has none."""
    for kind in services():
        if kind.code == code:
            return kind
    raise KeyError(code)


def offered_at(level: str, speciality: str) -> tuple[ServiceKind, ...]:
    """What a facility of that level and speciality offers (empty for an unknown pair)."""
    return tuple(kind for kind in services() if (level, speciality) in kind.offered)


def opening_hours(level: str) -> tuple[Session, ...]:
    """A level's outpatient sessions (HOUSE templates); KeyError for an unknown level."""
    return _catalogue().hours[level]


def service_hours(kind: ServiceKind, level: str) -> tuple[Session, ...]:
    """When a service is bookable at a level: its own fixed sessions there, if it keeps
    any (vaccination days at the ward station), else the level's opening hours."""
    return dict(kind.own_hours).get(level) or opening_hours(level)


def referral_required(kind: ServiceKind, level: str) -> bool:
    """A specialist service booked at a city hospital (cấp chuyên sâu) needs a transfer
    paper for BHYT to pay (Luật BHYT as amended by Luật 51/2024/QH15; Luật KBCB
    15/2023/QH15 on the three technical levels). HOUSE: the exceptions the law lists
    (emergencies, rare diseases, re-visits) are the booking core's to apply."""
    return kind.needs_referral and level == "city"


def _available_time(sessions: tuple[Session, ...]) -> list[dict[str, Any]]:
    """One availableTime per distinct window, with every weekday that keeps it."""
    windows: dict[tuple[time, time], list[int]] = {}
    for s in sessions:
        windows.setdefault((s.start, s.end), []).append(s.weekday)
    return [
        {
            "daysOfWeek": [DAYS_OF_WEEK[d] for d in sorted(set(days))],
            "availableStartTime": start.isoformat(timespec="seconds"),
            "availableEndTime": end.isoformat(timespec="seconds"),
        }
        for (start, end), days in sorted(windows.items())
    ]


def _text(code: Coding, text: str) -> dict[str, Any]:
    return {"coding": [code.to_fhir()], "text": text}


def healthcare_service(
    kind: ServiceKind, organization_ref: str, location_ref: str, *, level: str
) -> dict[str, Any]:
    """The R4 HealthcareService a facility of `level` publishes for `kind`, with no id
    (the caller's) and no `notAvailable` (the caller's closures); `availableTime` from
    `service_hours`. The English name rides on the translation extension."""
    if not organization_ref.startswith("Organization/"):
        raise ValueError(
            f"providedBy phải là Organization / must be an Organization: {organization_ref}"
        )
    if not location_ref.startswith("Location/"):
        raise ValueError(f"location phải là Location / must be a Location: {location_ref}")
    if level not in kind.levels:
        raise ValueError(f"{kind.code} không có ở tuyến / is not offered at level {level}")
    english = {"url": "lang", "valueCode": "en"}, {"url": "content", "valueString": kind.name_en}
    resource: dict[str, Any] = {
        "resourceType": "HealthcareService",
        "active": True,
        "providedBy": {"reference": organization_ref},
        "category": [_text(kind.category, kind.category.display)],
        "type": [
            {
                "coding": [kind.coding.to_fhir(), *(t.to_fhir() for t in kind.service_types)],
                "text": kind.name_vi,
            }
        ],
        "specialty": [_text(kind.specialty, kind.specialty.display)],
        "location": [{"reference": location_ref}],
        "name": kind.name_vi,
        "_name": {"extension": [{"url": TRANSLATION, "extension": list(english)}]},
        "appointmentRequired": True,
        "availableTime": _available_time(service_hours(kind, level)),
        "availabilityExceptions": HOLIDAYS,
    }
    if referral_required(kind, level):
        resource["eligibility"] = [{"comment": REFERRAL_NOTE}]
    return resource
