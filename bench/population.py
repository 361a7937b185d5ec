"""A small, deterministic synthetic population of Ho Chi Minh City residents.

Everyone here is invented: names are drawn from common Vietnamese family, middle and
given names, CCCD numbers are built to agree with the birth year, sex and province
(`PPP G YY NNNNNN`, see `hoso.identity.cccd`) and are unique by construction, and the
clinical records are plausible vital signs and chronic conditions, nothing more.

Person `i` depends only on `(seed, i)`, so the latency run can rebuild the CCCD or the
name of any resident without reading the database, and a reload writes the same data.
Standard library only.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from hoso.core.settings import DEFAULT_CCCD_SYSTEM, DEFAULT_FACILITY_SYSTEM
from hoso.core.text import fold

__all__ = [
    "BIG_RECORDS",
    "RECORD_SIZE",
    "REFERENCE_DATE",
    "SEED",
    "Person",
    "big_record_indices",
    "patient_id",
    "patient_resource",
    "person",
    "record_resources",
    "support_resources",
]

SEED = 2025
REFERENCE_DATE = date(2025, 1, 1)  # "today" of the population, fixed so data never drift
BIG_RECORDS = 20  # residents with a long record, for `$everything`
VN = timezone(timedelta(hours=7))

# Rough shares of the commonest family names (per cent of the population).
FAMILY_NAMES: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 38.0),
    ("Trần", 11.0),
    ("Lê", 9.5),
    ("Phạm", 7.0),
    ("Hoàng", 2.6),
    ("Huỳnh", 2.5),
    ("Phan", 4.5),
    ("Vũ", 2.0),
    ("Võ", 1.9),
    ("Đặng", 2.1),
    ("Bùi", 2.0),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1.0),
    ("Lý", 0.5),
    ("Đinh", 0.6),
    ("Trương", 0.6),
    ("Lâm", 0.5),
    ("Mai", 0.4),
    ("Tô", 0.3),
    ("Châu", 0.3),
    ("Lưu", 0.3),
    ("Tạ", 0.2),
    ("Thái", 0.2),
    ("Quách", 0.2),
)
MIDDLE_NAMES = {
    "male": (
        ("Văn", 40),
        ("Hữu", 8),
        ("Đức", 10),
        ("Minh", 12),
        ("Quốc", 8),
        ("Thành", 6),
        ("Công", 5),
        ("Gia", 4),
        ("Ngọc", 3),
        ("Hoàng", 4),
    ),
    "female": (
        ("Thị", 45),
        ("Ngọc", 12),
        ("Thu", 6),
        ("Thanh", 8),
        ("Mỹ", 5),
        ("Kim", 6),
        ("Phương", 4),
        ("Bảo", 3),
        ("Minh", 4),
        ("Hồng", 4),
    ),
}
GIVEN_NAMES = {
    "male": (
        "An",
        "Bình",
        "Cường",
        "Dũng",
        "Hùng",
        "Huy",
        "Khang",
        "Long",
        "Minh",
        "Nam",
        "Phúc",
        "Quân",
        "Sơn",
        "Tài",
        "Thắng",
        "Trung",
        "Tuấn",
        "Việt",
        "Vinh",
        "Hải",
        "Hiếu",
        "Khoa",
        "Lâm",
        "Phong",
        "Tâm",
        "Thành",
        "Đạt",
        "Đông",
        "Lộc",
        "Nhân",
    ),
    "female": (
        "Anh",
        "Chi",
        "Dung",
        "Giang",
        "Hà",
        "Hạnh",
        "Hoa",
        "Hương",
        "Lan",
        "Linh",
        "Mai",
        "Ngân",
        "Nhung",
        "Oanh",
        "Phương",
        "Quyên",
        "Thảo",
        "Trang",
        "Trinh",
        "Tuyết",
        "Vy",
        "Yến",
        "Hằng",
        "Thủy",
        "Nga",
        "Duyên",
        "Hiền",
        "Loan",
        "My",
        "Nhi",
    ),
}
# Where the birth was registered: mostly the city itself, then the usual home provinces
# of people who moved here (all codes from TT 07/2016).
PROVINCES = (
    ("079", 62),
    ("080", 4),
    ("083", 3),
    ("087", 3),
    ("089", 3),
    ("082", 3),
    ("092", 2),
    ("040", 3),
    ("038", 3),
    ("052", 2),
    ("051", 2),
    ("074", 2),
    ("075", 2),
    ("001", 2),
    ("066", 2),
    ("096", 2),
)
# Five-year age bands 0-4 … 90-94 with rough weights of the city's age pyramid.
AGE_BANDS = (7, 7, 7, 6, 7, 9, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1.2, 0.6, 0.3, 0.1)
DISTRICTS = (
    "Quận 1",
    "Quận 3",
    "Quận 4",
    "Quận 5",
    "Quận 6",
    "Quận 7",
    "Quận 8",
    "Quận 10",
    "Quận 11",
    "Quận 12",
    "Quận Bình Thạnh",
    "Quận Gò Vấp",
    "Quận Phú Nhuận",
    "Quận Tân Bình",
    "Quận Tân Phú",
    "Quận Bình Tân",
    "Thành phố Thủ Đức",
    "Huyện Bình Chánh",
    "Huyện Hóc Môn",
    "Huyện Củ Chi",
    "Huyện Nhà Bè",
)
STREETS = (
    "Nguyễn Trãi",
    "Lê Lợi",
    "Hai Bà Trưng",
    "Cách Mạng Tháng Tám",
    "Điện Biên Phủ",
    "Lý Thường Kiệt",
    "Trần Hưng Đạo",
    "Nguyễn Thị Minh Khai",
    "Võ Văn Tần",
    "Phan Xích Long",
    "Quang Trung",
    "Lê Văn Sỹ",
    "Hoàng Văn Thụ",
    "Nguyễn Văn Linh",
    "Kha Vạn Cân",
    "Âu Cơ",
    "Lạc Long Quân",
    "Tô Ký",
    "Phạm Văn Đồng",
    "Nơ Trang Long",
)


def _weighted(pairs: tuple[tuple[str, float], ...]) -> tuple[list[str], list[float]]:
    return [p[0] for p in pairs], [p[1] for p in pairs]


_FAMILY = _weighted(FAMILY_NAMES)
_MIDDLE = {sex: _weighted(pairs) for sex, pairs in MIDDLE_NAMES.items()}
_PROVINCE = _weighted(PROVINCES)


@dataclass(frozen=True, slots=True)
class Person:
    index: int
    id: str
    family: str
    middle: str
    given: str
    gender: str  # FHIR AdministrativeGender: male | female
    birth_date: date
    cccd: str
    district: str
    line: str
    phone: str

    @property
    def full_name(self) -> str:
        return f"{self.family} {self.middle} {self.given}"

    @property
    def folded_name(self) -> str:
        """What a user types without diacritics: "Nguyễn Văn An" → "nguyen van an"."""
        return fold(self.full_name)


def patient_id(i: int) -> str:
    return f"bench-{i:07d}"


def _rng(seed: int, i: int, salt: int = 0) -> random.Random:
    return random.Random(seed * 1_000_003 + i * 7 + salt)


def person(i: int, seed: int = SEED) -> Person:
    """Resident number `i` (0 ≤ i < 1,000,000: the CCCD serial is a bijection of `i`)."""
    if not 0 <= i < 1_000_000:
        raise ValueError("person index must be in [0, 1000000)")
    rng = _rng(seed, i)
    gender = "male" if rng.random() < 0.495 else "female"
    family = rng.choices(*_FAMILY)[0]
    middle = rng.choices(*_MIDDLE[gender])[0]
    given = rng.choice(GIVEN_NAMES[gender])
    band = rng.choices(range(len(AGE_BANDS)), AGE_BANDS)[0]
    birth = REFERENCE_DATE - timedelta(days=band * 5 * 365 + rng.randrange(5 * 365) + 1)
    province = rng.choices(*_PROVINCE)[0]
    century_sex = (2 if birth.year >= 2000 else 0) + (1 if gender == "female" else 0)
    serial = (i * 7919 + 104_729) % 1_000_000  # 7919 is prime to 10**6: unique per i
    cccd = f"{province}{century_sex}{birth.year % 100:02d}{serial:06d}"
    district = rng.choice(DISTRICTS)
    line = f"{rng.randrange(1, 400)} {rng.choice(STREETS)}"
    phone = f"09{rng.randrange(10**8):08d}"
    return Person(
        i, patient_id(i), family, middle, given, gender, birth, cccd, district, line, phone
    )


def patient_resource(p: Person) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": p.id,
        "identifier": [{"use": "official", "system": DEFAULT_CCCD_SYSTEM, "value": p.cccd}],
        "active": True,
        "name": [
            {
                "use": "official",
                "text": p.full_name,
                "family": p.family,
                "given": [p.middle, p.given],
            }
        ],
        "telecom": [{"system": "phone", "value": p.phone, "use": "mobile"}],
        "gender": p.gender,
        "birthDate": p.birth_date.isoformat(),
        "address": [
            {
                "use": "home",
                "line": [p.line],
                "district": p.district,
                "city": "Thành phố Hồ Chí Minh",
                "country": "VN",
            }
        ],
    }


# -- support resources and long records ------------------------------------------------

ORGANIZATIONS = 5
PRACTITIONERS = 20


def organization_id(k: int) -> str:
    return f"bench-org-{k:02d}"


def facility_code(k: int) -> str:
    """A made-up 5-digit facility code (mã cơ sở KCB) in the HCMC range (79…)."""
    return f"79{900 + k:03d}"


def practitioner_id(k: int) -> str:
    return f"bench-prac-{k:02d}"


def support_resources(seed: int = SEED) -> Iterator[dict[str, Any]]:
    """The facilities and clinicians the long records point at."""
    for k in range(ORGANIZATIONS):
        yield {
            "resourceType": "Organization",
            "id": organization_id(k),
            "identifier": [{"system": DEFAULT_FACILITY_SYSTEM, "value": facility_code(k)}],
            "active": True,
            "name": f"Bệnh viện Mô phỏng Số {k + 1}",  # a synthetic facility
            "address": [
                {"city": "Thành phố Hồ Chí Minh", "district": DISTRICTS[k], "country": "VN"}
            ],
        }
    for k in range(PRACTITIONERS):
        doctor = person(999_000 + k, seed)  # drawn like residents, outside their range
        yield {
            "resourceType": "Practitioner",
            "id": practitioner_id(k),
            "active": True,
            "name": [
                {"family": doctor.family, "given": [doctor.middle, doctor.given], "prefix": ["BS."]}
            ],
            "gender": doctor.gender,
        }


def big_record_indices(n: int, count: int = BIG_RECORDS) -> list[int]:
    """Residents with a long record, spread over the population."""
    count = min(count, n)
    return [(k * n) // count + (n // count) // 2 for k in range(count)]


LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITIONS = (
    ("E11", "Đái tháo đường type 2"),
    ("I10", "Tăng huyết áp vô căn"),
    ("E78", "Rối loạn chuyển hóa lipoprotein"),
    ("J45", "Hen phế quản"),
    ("K21", "Bệnh trào ngược dạ dày - thực quản"),
    ("M17", "Thoái hóa khớp gối"),
    ("N18", "Bệnh thận mạn"),
    ("I25", "Bệnh tim thiếu máu cục bộ mạn"),
)
# code, display, unit, low, high, category
VITALS = (
    ("8867-4", "Heart rate", "/min", 55, 110, "vital-signs"),
    ("29463-7", "Body weight", "kg", 40, 90, "vital-signs"),
    ("8310-5", "Body temperature", "Cel", 36.0, 38.5, "vital-signs"),
    ("2339-0", "Glucose [Mass/volume] in Blood", "mg/dL", 70, 220, "laboratory"),
)
ENCOUNTERS_PER_RECORD = 40  # × (1 Encounter + 1 blood pressure + 4 others) + conditions
RECORD_SIZE = len(CONDITIONS) + ENCOUNTERS_PER_RECORD * (2 + len(VITALS))  # 248


def record_resources(i: int, seed: int = SEED) -> Iterator[dict[str, Any]]:
    """A long record for resident `i`: 8 Conditions, 40 Encounters over ten years and 5
    Observations per Encounter (248 resources), every one with a subject reference."""
    p = person(i, seed)
    rng = _rng(seed, i, salt=1)
    subject = {"reference": f"Patient/{p.id}", "display": p.full_name}
    start = datetime(2015, 1, 5, 8, 0, tzinfo=VN)
    for k, (code, display) in enumerate(CONDITIONS):
        onset = start + timedelta(days=rng.randrange(3650))
        yield {
            "resourceType": "Condition",
            "id": f"{p.id}-cond-{k:02d}",
            "clinicalStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        "code": "active",
                    }
                ]
            },
            "verificationStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                        "code": "confirmed",
                    }
                ]
            },
            "code": {"coding": [{"system": ICD10, "code": code, "display": display}]},
            "subject": subject,
            "onsetDateTime": onset.isoformat(),
            "recordedDate": onset.isoformat(),
        }
    for e in range(ENCOUNTERS_PER_RECORD):
        when = start + timedelta(days=e * 90 + rng.randrange(60), minutes=rng.randrange(540))
        enc_id = f"{p.id}-enc-{e:03d}"
        doctor = {"reference": f"Practitioner/{practitioner_id(rng.randrange(PRACTITIONERS))}"}
        yield {
            "resourceType": "Encounter",
            "id": enc_id,
            "status": "finished",
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "AMB",
                "display": "ambulatory",
            },
            "subject": subject,
            "participant": [{"individual": doctor}],
            "period": {
                "start": when.isoformat(),
                "end": (when + timedelta(minutes=20)).isoformat(),
            },
            "serviceProvider": {
                "reference": f"Organization/{organization_id(rng.randrange(ORGANIZATIONS))}"
            },
        }
        common = {
            "status": "final",
            "subject": subject,
            "encounter": {"reference": f"Encounter/{enc_id}"},
            "effectiveDateTime": (when + timedelta(minutes=5)).isoformat(),
            "performer": [doctor],
        }
        yield {
            "resourceType": "Observation",
            "id": f"{enc_id}-bp",
            "category": [_category("vital-signs")],
            "code": {
                "coding": [{"system": LOINC, "code": "85354-9", "display": "Blood pressure panel"}]
            },
            **common,
            "component": [
                _component("8480-6", "Systolic blood pressure", rng.randrange(100, 170)),
                _component("8462-4", "Diastolic blood pressure", rng.randrange(60, 100)),
            ],
        }
        for code, display, unit, low, high, category in VITALS:
            value = round(rng.uniform(low, high), 1)
            yield {
                "resourceType": "Observation",
                "id": f"{enc_id}-{code}",
                "category": [_category(category)],
                "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
                **common,
                "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
            }


def _category(code: str) -> dict[str, Any]:
    return {"coding": [{"system": OBS_CATEGORY, "code": code}]}


def _component(code: str, display: str, value: int) -> dict[str, Any]:
    return {
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
        "valueQuantity": {"value": value, "unit": "mm[Hg]", "system": UCUM, "code": "mm[Hg]"},
    }
