"""Residents: who they are, where they live, their CCCD and their BHYT card.

Ages follow the shape of the city's 2019 census pyramid (a young-adult bulge from
migration, about 7 % aged 65 and over, slightly more women, most of all among the old).
Households of 1–6 people share an address; men and children mostly carry the
household's family name, wives keep their own.

The CCCD is `PPP G YY NNNNNN` (`hoso.identity.cccd`): birth-registration province,
century-and-sex digit, year digits, and a serial that is a bijection of the person's
index, so numbers are unique in a run of up to a million people without any lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from random import Random
from typing import Any

from hoso.core.settings import DEFAULT_BHXH_SYSTEM, DEFAULT_BHYT_SYSTEM, DEFAULT_CCCD_SYSTEM
from hoso.identity.cccd import CCCD_PROVINCES
from hoso.synth.facilities import Facility, Network
from hoso.synth.names import FAMILY, draw_given, full_text
from hoso.synth.places import CITY, COUNTRY, Ward, birth_province, street_line
from hoso.synth.sampling import NOW, NOW_DAY, Weighted, iso_day

MAX_PEOPLE = 1_000_000  # the CCCD serial (6 digits) is a bijection of the index below it

# Share of the population per five-year band 0-4 … 95-99 (2019 census shape).
PYRAMID = (6.4, 6.8, 6.0, 5.6, 8.8, 10.4, 10.0, 8.8, 7.6, 6.6, 5.7, 4.9, 4.0, 2.6, 1.7, 1.2,
           0.8, 0.5, 0.22, 0.05)  # fmt: skip
_SIZES = ((1, 15), (2, 22), (3, 23), (4, 21), (5, 11), (6, 8))  # HCMC mean about 3.1
HOUSEHOLD_SIZES = Weighted(_SIZES)
_HEAD_SHARE = sum(w for _, w in _SIZES) / sum(s * w for s, w in _SIZES)  # 1 / mean size
_ADULT_SHARE = sum(PYRAMID[4:]) / sum(PYRAMID)
# Heads are adults (20+); the other members are drawn with adults discounted by as much,
# so that heads and members together follow the pyramid.
HEAD_BANDS = Weighted((band, PYRAMID[band]) for band in range(4, len(PYRAMID)))
MEMBER_BANDS = Weighted(
    (band, share * (1 if band < 4 else 1 - _HEAD_SHARE / _ADULT_SHARE))
    for band, share in enumerate(PYRAMID)
)


def _female_share(age: int) -> float:
    if age < 20:
        return 0.485
    if age < 60:
        return 0.51
    return 0.56 if age < 70 else 0.63


@dataclass(slots=True)
class Person:
    index: int
    id: str
    household: int  # index of the household's first member
    family: str
    given: list[str]  # middle names then the given name
    sex: str  # FHIR AdministrativeGender
    birth_day: int  # ordinal
    age: int  # whole years at NOW
    birth_province: str  # CCCD PPP
    cccd: str
    ward: Ward
    line: str
    phone: str | None
    station: Facility  # the ward health station: first-contact facility (KCB ban đầu)

    @property
    def ref(self) -> str:
        return f"Patient/{self.id}"

    @property
    def text(self) -> str:
        return full_text(self.family, self.given)


def cccd_serial(index: int, seed: int) -> int:
    """A bijection of [0, 10**6): 7**7 is prime to 10**6, the shift depends on the seed."""
    return (index * 823_543 + seed * 7_919 + 104_729) % 1_000_000


def make_cccd(province: str, sex: str, birth_year: int, index: int, seed: int) -> str:
    century_sex = 2 * ((birth_year - 1900) // 100) + (1 if sex == "female" else 0)
    return f"{province}{century_sex}{birth_year % 100:02d}{cccd_serial(index, seed):06d}"


def _age(rng: Random, adult: bool) -> tuple[int, int]:
    """(age in whole years at NOW, birth day ordinal)."""
    band = (HEAD_BANDS if adult else MEMBER_BANDS).pick(rng)
    offset = rng.random() * 5.0
    if band == 19:
        offset = rng.random() * 3.0  # nobody past 102
    years = band * 5 + offset
    birth = NOW_DAY - 1 - int(years * 365.2425)
    birth_date = date.fromordinal(birth)
    age = NOW.year - birth_date.year - ((NOW.month, NOW.day) < (birth_date.month, birth_date.day))
    return age, birth


def household(rng: Random, first: int, size: int, seed: int, network: Network) -> list[Person]:
    """`size` people at one address, oldest first; indices first … first+size-1."""
    ages = [_age(rng, adult=(k == 0)) for k in range(size)]
    ages.sort(key=lambda a: a[1])  # oldest (smallest birth ordinal) first
    ward = network.wards[_pick_index(rng, network.ward_weights)]
    line = street_line(rng)
    station = network.station_of[ward.code]
    home_family = FAMILY.pick(rng)
    people = []
    for k, (age, birth_day) in enumerate(ages):
        index = first + k
        sex = "female" if rng.random() < _female_share(age) else "male"
        child = k > 0 and ages[0][0] - age >= 16
        keeps = 0.9 if (sex == "male" or child) else 0.35
        family = home_family if rng.random() < keeps else FAMILY.pick(rng)
        year = date.fromordinal(birth_day).year
        province = birth_province(rng, ward, age)
        phone = _phone(rng) if age >= 15 or rng.random() < 0.1 else None
        people.append(Person(
            index, f"pat-{index}", first, family, draw_given(rng, sex, year), sex, birth_day,
            age, province, make_cccd(province, sex, year, index, seed), ward, line, phone,
            station,
        ))  # fmt: skip
    return people


def _pick_index(rng: Random, weights: tuple[float, ...]) -> int:
    target = rng.random() * sum(weights)
    for i, w in enumerate(weights):
        target -= w
        if target < 0:
            return i
    return len(weights) - 1


_MOBILE = ("090", "091", "093", "094", "096", "097", "098", "032", "033", "034", "035",
           "036", "037", "038", "039", "070", "076", "077", "078", "079", "081", "083", "085",
           "056", "058")  # fmt: skip


def _phone(rng: Random) -> str:
    return f"{_MOBILE[rng.randrange(len(_MOBILE))]}{rng.randrange(10**7):07d}"


def patient_resource(p: Person) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": p.id,
        "identifier": [{
            "use": "official",
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                 "code": "NI"}], "text": "Số định danh cá nhân"},
            "system": DEFAULT_CCCD_SYSTEM,
            "value": p.cccd,
        }],
        "active": True,
        "name": [{"use": "official", "text": p.text, "family": p.family, "given": list(p.given)}],
    }  # fmt: skip
    if p.phone:
        resource["telecom"] = [{"system": "phone", "value": p.phone, "use": "mobile"}]
    resource["gender"] = p.sex
    resource["birthDate"] = iso_day(p.birth_day)
    resource["address"] = [{
        "use": "home", "type": "physical", "line": [p.line], "city": p.ward.name,
        "state": CITY, "country": COUNTRY,
    }]  # fmt: skip
    resource["extension"] = [{
        "url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
        "valueAddress": {"state": CCCD_PROVINCES[p.birth_province], "country": COUNTRY},
    }]  # fmt: skip
    resource["managingOrganization"] = {"reference": p.station.org_ref}
    return resource


# BHYT beneficiary group and benefit level (the `XX Y` of the card code), by life stage.
_STUDENT = Weighted((("HS4", 1.0),))
_WORKING = Weighted((("DN4", 52), ("GD4", 30), ("HC4", 8), ("CN3", 4), ("HN2", 2), ("SV4", 4)))
_OLD = Weighted((("HT3", 40), ("GD4", 35), ("CN3", 8), ("CK2", 5), ("BT2", 12)))
COVERED = 0.92


def coverage_resource(p: Person, rng: Random, payor_id: str, seed: int) -> dict[str, Any] | None:
    """A BHYT card for about 92 % of residents (all children under 6: the law covers them)."""
    if p.age >= 6 and rng.random() > (COVERED - 0.064) / 0.936:  # under-6s are 6.4 %
        return None
    if p.age < 6:
        group = "TE1"
    elif p.age < 18:
        group = _STUDENT.pick(rng)
    elif p.age < 60:
        group = "SV4" if p.age < 23 and rng.random() < 0.5 else _WORKING.pick(rng)
    else:
        group = _OLD.pick(rng)
    bhxh = f"79{(p.index * 7_654_321 + seed * 97 + 12_345) % 10**8:08d}"
    card = f"{group}79{bhxh}"
    return {
        "resourceType": "Coverage",
        "id": f"cov-{p.index}",
        "identifier": [
            {"use": "official", "system": DEFAULT_BHYT_SYSTEM, "value": card},
            {"use": "secondary", "system": DEFAULT_BHXH_SYSTEM, "value": bhxh},
        ],
        "status": "active",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                             "code": "PUBLICPOL", "display": "public healthcare"}],
                 "text": "Bảo hiểm y tế"},
        "subscriberId": bhxh,
        "beneficiary": {"reference": p.ref},
        "relationship": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
            "code": "self"}]},
        "period": {"start": "2025-01-01", "end": "2026-12-31"},
        "payor": [{"reference": f"Organization/{payor_id}"}],
        "class": [{"type": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/coverage-class", "code": "plan"}]},
            "value": group, "name": f"Đối tượng {group[:2]}, mức hưởng {group[2]}"}],
    }  # fmt: skip
