"""The care network: city hospitals, area hospitals, ward health stations, private clinics,
their staff, and the social-insurance agency that pays for BHYT cards.

The network depends only on (people, seed) and is small, so it is built once in the
parent process and handed to the workers; its size grows mildly with the population,
while even a 30-person run has a few of each kind. Facility codes (mã cơ sở KCB) are
invented 5-digit codes in the city's range, 79xxx.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from random import Random
from typing import Any

from hoso.core.settings import DEFAULT_FACILITY_SYSTEM
from hoso.synth.names import FAMILY, draw_given, full_text
from hoso.synth.places import CITY, COUNTRY, Ward, all_wards, street_line, ward_weight

ORG_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
ROLE = "http://terminology.hl7.org/CodeSystem/practitioner-role"

# name, speciality: "general" | "children" | "obstetric" | "tropical"
CITY_HOSPITALS = (
    ("Bệnh viện Chợ Rẫy", "general"), ("Bệnh viện Nhân dân 115", "general"),
    ("Bệnh viện Nhi Đồng 1", "children"), ("Bệnh viện Từ Dũ", "obstetric"),
    ("Bệnh viện Nhân dân Gia Định", "general"), ("Bệnh viện Bệnh Nhiệt đới", "tropical"),
    ("Bệnh viện Nhi Đồng 2", "children"), ("Bệnh viện Hùng Vương", "obstetric"),
    ("Bệnh viện Thống Nhất", "general"), ("Bệnh viện Nguyễn Tri Phương", "general"),
    ("Bệnh viện Trưng Vương", "general"), ("Bệnh viện Nhi Đồng Thành phố", "children"),
    ("Bệnh viện Đa khoa Sài Gòn", "general"), ("Bệnh viện Bình Dân", "general"),
    ("Bệnh viện An Bình", "general"), ("Bệnh viện Đa khoa Bình Dương", "general"),
)  # fmt: skip
AREAS = (
    "Thủ Đức", "Gò Vấp", "Bình Thạnh", "Tân Bình", "Bình Tân", "Củ Chi", "Hóc Môn",
    "Bình Chánh", "Nhà Bè", "Cần Giờ", "Thủ Dầu Một", "Dĩ An", "Vũng Tàu", "Bà Rịa",
    "Tân Phú", "Phú Nhuận",
)  # fmt: skip
CLINIC_KINDS = ("Phòng khám Đa khoa", "Phòng khám Nhi", "Phòng khám Nội", "Phòng khám Gia đình")
CLINIC_NAMES = (
    "An Khang", "Hoa Sen", "Phước An", "Tâm Đức", "Minh Châu", "Sài Gòn Xanh", "Thiện Nhân",
    "Bình An", "Hồng Phúc", "Kim Ngân", "Tân Tạo", "Vạn Hạnh", "Phú Thọ", "Hòa Bình",
    "Quang Minh", "Thành Công", "Đông Tây", "Việt Mỹ", "Nhân Ái", "Gia An",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Facility:
    code: str  # mã cơ sở KCB, 79xxx
    name: str
    level: str  # city | area | station | clinic
    speciality: str
    ward: Ward
    line: str
    doctors: tuple[str, ...]  # Practitioner ids
    nurses: tuple[str, ...]

    @property
    def org_ref(self) -> str:
        return f"Organization/{self.org_id}"

    @property
    def org_id(self) -> str:
        return f"org-{self.code}"

    @property
    def loc_ref(self) -> str:
        return f"Location/loc-{self.code}"


@dataclass(frozen=True, slots=True)
class Network:
    """Everything a person's history may point at."""

    payor_id: str
    wards: tuple[Ward, ...]  # the wards residents live in
    ward_weights: tuple[float, ...]
    station_of: dict[int, Facility]  # ward code -> its health station
    city: tuple[Facility, ...]
    area: tuple[Facility, ...]
    clinics: tuple[Facility, ...]
    practitioners: tuple[tuple[str, str, list[str], str], ...]  # id, sex, given, family

    def hospitals(self, speciality: str = "general") -> tuple[Facility, ...]:
        found = tuple(f for f in self.city if f.speciality == speciality)
        return found or self.city


def _scale(people: int) -> tuple[int, int, int, int]:
    """(city hospitals, area hospitals, wards, clinics) for a population."""
    city = min(len(CITY_HOSPITALS), 4 + people // 10_000)
    area = min(len(AREAS), 2 + people // 15_000)
    wards = min(168, max(3, people // 250))
    clinics = min(300, max(2, people // 1_500))
    return city, area, wards, clinics


def build_network(people: int, seed: int) -> Network:
    rng = Random(f"{seed}:network")
    n_city, n_area, n_wards, n_clinics = _scale(people)
    every = all_wards()
    chosen = sorted(_weighted_sample(rng, every, n_wards), key=lambda w: w.code)
    staff: list[tuple[str, str, list[str], str]] = []

    def hire(count: int) -> tuple[str, ...]:
        ids = []
        for _ in range(count):
            pid = f"prac-{len(staff) + 1}"
            sex = "female" if rng.random() < 0.55 else "male"
            year = 1960 + rng.randrange(40)
            staff.append((pid, sex, draw_given(rng, sex, year), FAMILY.pick(rng)))
            ids.append(pid)
        return tuple(ids)

    def facility(
        code: int, name: str, level: str, speciality: str, ward: Ward, doctors: int, nurses: int
    ) -> Facility:
        return Facility(
            f"79{code:03d}",
            name,
            level,
            speciality,
            ward,
            street_line(rng),
            hire(doctors),
            hire(nurses),
        )

    grow = people // 20_000
    city = tuple(
        facility(1 + k, name, "city", spec, rng.choice(every), 3 + min(grow, 27), 1 + grow // 2)
        for k, (name, spec) in enumerate(CITY_HOSPITALS[:n_city])
    )
    area = tuple(
        facility(
            101 + k,
            f"Bệnh viện Khu vực {name}",
            "area",
            "general",
            rng.choice(every),
            2 + min(grow, 18),
            1 + grow // 3,
        )
        for k, name in enumerate(AREAS[:n_area])
    )
    stations = tuple(
        facility(400 + k, f"Trạm Y tế {w.name}", "station", "general", w, 1, 1)
        for k, w in enumerate(chosen)
    )
    clinics = tuple(
        facility(
            700 + k,
            f"{CLINIC_KINDS[k % 4]} {CLINIC_NAMES[k % 20]}"
            + (f" {k // 20 + 1}" if k >= 20 else ""),
            "clinic",
            "children" if k % 4 == 1 else "general",
            rng.choice(chosen),
            1,
            0,
        )
        for k in range(n_clinics)
    )
    return Network(
        payor_id="org-bhxh-79",
        wards=tuple(chosen),
        ward_weights=tuple(ward_weight(w) for w in chosen),
        station_of={f.ward.code: f for f in stations},
        city=city,
        area=area,
        clinics=clinics,
        practitioners=tuple(staff),
    )


def _weighted_sample(rng: Random, wards: tuple[Ward, ...], k: int) -> list[Ward]:
    """k distinct wards, denser ones more likely (Efraimidis–Spirakis keys)."""
    keyed = sorted(wards, key=lambda w: rng.random() ** (1.0 / ward_weight(w)), reverse=True)
    return keyed[:k]


def facilities_of(network: Network) -> tuple[Facility, ...]:
    return (*network.city, *network.area, *network.station_of.values(), *network.clinics)


def _address(ward: Ward, line: str) -> list[dict[str, Any]]:
    return [{"use": "work", "line": [line], "city": ward.name, "state": CITY, "country": COUNTRY}]


_ORG_KIND = {
    "city": ("prov", "Healthcare Provider", "Bệnh viện tuyến thành phố"),
    "area": ("prov", "Healthcare Provider", "Bệnh viện khu vực"),
    "station": ("prov", "Healthcare Provider", "Trạm y tế xã, phường"),
    "clinic": ("prov", "Healthcare Provider", "Phòng khám tư nhân"),
}


def network_resources(network: Network) -> Iterator[dict[str, Any]]:
    """The payor, then per facility its Organization and Location, then the staff and
    their PractitionerRoles."""
    yield {
        "resourceType": "Organization",
        "id": network.payor_id,
        "active": True,
        "type": [
            {
                "coding": [{"system": ORG_TYPE, "code": "ins", "display": "Insurance Company"}],
                "text": "Cơ quan bảo hiểm xã hội",
            }
        ],
        "name": "Bảo hiểm xã hội Thành phố Hồ Chí Minh",
        "alias": ["BHXH TP.HCM"],
        "address": [{"use": "work", "state": CITY, "country": COUNTRY}],
    }
    facilities = facilities_of(network)
    for f in facilities:
        code, display, text = _ORG_KIND[f.level]
        yield {
            "resourceType": "Organization",
            "id": f.org_id,
            "identifier": [{"system": DEFAULT_FACILITY_SYSTEM, "value": f.code}],
            "active": True,
            "type": [
                {"coding": [{"system": ORG_TYPE, "code": code, "display": display}], "text": text}
            ],
            "name": f.name,
            "address": _address(f.ward, f.line),
        }
        yield {
            "resourceType": "Location",
            "id": f.loc_ref.split("/")[1],
            "status": "active",
            "name": f.name,
            "mode": "instance",
            "address": _address(f.ward, f.line)[0],
            "managingOrganization": {"reference": f.org_ref},
        }
    people = {pid: (sex, given, family) for pid, sex, given, family in network.practitioners}
    roles = [(pid, f, "doctor") for f in facilities for pid in f.doctors]
    roles += [(pid, f, "nurse") for f in facilities for pid in f.nurses]
    for pid, _, kind in sorted(roles, key=lambda r: int(r[0].split("-")[1])):
        sex, given, family = people[pid]
        yield {
            "resourceType": "Practitioner",
            "id": pid,
            "active": True,
            "name": [
                {
                    "use": "official",
                    "text": full_text(family, given),
                    "family": family,
                    "given": given,
                    "prefix": ["BS." if kind == "doctor" else "ĐD."],
                }
            ],
            "gender": sex,
        }
    for pid, f, kind in roles:
        yield {
            "resourceType": "PractitionerRole",
            "id": f"role-{pid}",
            "active": True,
            "practitioner": {"reference": f"Practitioner/{pid}"},
            "organization": {"reference": f.org_ref},
            "code": [
                {
                    "coding": [
                        {
                            "system": ROLE,
                            "code": kind,
                            "display": "Doctor" if kind == "doctor" else "Nurse",
                        }
                    ],
                    "text": "Bác sĩ" if kind == "doctor" else "Điều dưỡng",
                }
            ],
            "location": [{"reference": f.loc_ref}],
        }
