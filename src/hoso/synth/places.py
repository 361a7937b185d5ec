"""Where residents live and where they were born.

Wards are HCMC's 168 commune-level units after the 1 July 2025 reorganisation (113
phường, 54 xã, 1 đặc khu), read from the NSO list in `vietnam-provinces` (province 79).
The city absorbed Bình Dương and Bà Rịa–Vũng Tàu, so a ward's NSO code also tells its
pre-2025 province, which is where most people born there registered their birth: the
first three digits of their CCCD (DOMAIN-VN.md §1.1 and §7).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from random import Random

from hoso.synth.sampling import Weighted

CITY = "Thành phố Hồ Chí Minh"
COUNTRY = "VN"


@dataclass(frozen=True, slots=True)
class Ward:
    code: int  # NSO (GSO) code
    name: str  # "Phường Sài Gòn", "Xã Bình Chánh", "Đặc khu Côn Đảo"
    kind: str  # phường | xã | đặc khu
    legacy_province: str  # CCCD province code before the 2025 merger: 079, 074 or 077


def _legacy_province(code: int) -> str:
    if code < 26500:
        return "074"  # Bình Dương (NSO ward codes 25xxx)
    if code <= 26732:
        return "077"  # Bà Rịa–Vũng Tàu, Côn Đảo included
    return "079"


@cache
def all_wards() -> tuple[Ward, ...]:
    """The 168 wards of HCMC, by NSO code (imported lazily: the package loads its
    whole national table)."""
    from vietnam_provinces import ProvinceCode
    from vietnam_provinces import Ward as NsoWard

    found = []
    for w in NsoWard.iter_all():
        if w.province_code == ProvinceCode.P_79:
            name = " ".join(w.name.split())  # the data has "Phường  Rạch Dừa"
            code = int(w.code.value)
            found.append(Ward(code, name, str(w.division_type.value), _legacy_province(code)))
    return tuple(sorted(found, key=lambda w: w.code))


def ward_weight(ward: Ward) -> float:
    """Rough relative population: the old city's phường are the densest."""
    if ward.kind == "đặc khu":
        return 0.1
    if ward.kind == "xã":
        return 1.0
    return 3.0 if ward.legacy_province == "079" else 2.0


STREETS = (
    "Nguyễn Trãi", "Lê Lợi", "Hai Bà Trưng", "Cách Mạng Tháng Tám", "Điện Biên Phủ",
    "Lý Thường Kiệt", "Trần Hưng Đạo", "Nguyễn Thị Minh Khai", "Võ Văn Tần", "Phan Xích Long",
    "Quang Trung", "Lê Văn Sỹ", "Hoàng Văn Thụ", "Nguyễn Văn Linh", "Kha Vạn Cân", "Âu Cơ",
    "Lạc Long Quân", "Tô Ký", "Phạm Văn Đồng", "Nơ Trang Long", "Nguyễn Đình Chiểu",
    "Pasteur", "Nam Kỳ Khởi Nghĩa", "Võ Thị Sáu", "Trường Chinh", "Cộng Hòa", "Lũy Bán Bích",
    "Bình Long", "Hậu Giang", "Kinh Dương Vương", "Tỉnh Lộ 10", "Huỳnh Tấn Phát",
    "Nguyễn Hữu Thọ", "Lê Văn Việt", "Đỗ Xuân Hợp", "Nguyễn Duy Trinh", "Phan Văn Trị",
    "Nguyễn Oanh", "Lê Đức Thọ", "Thống Nhất", "Nguyễn Kiệm", "Bạch Đằng", "Xô Viết Nghệ Tĩnh",
    "Đinh Bộ Lĩnh", "Bùi Đình Túy", "Lê Quang Định", "Hồng Bàng", "Ba Tháng Hai",
    "Sư Vạn Hạnh", "Thành Thái", "Tô Hiến Thành", "Lý Thái Tổ", "Nguyễn Tri Phương",
    "An Dương Vương", "Tân Kỳ Tân Quý", "Hương Lộ 2", "Quốc Lộ 22", "Nguyễn Ảnh Thủ",
    "Phan Văn Hớn", "Trần Văn Giàu", "Đại lộ Bình Dương", "Yersin",
    "Võ Văn Kiệt", "Trần Phú", "Thùy Vân", "Lê Hồng Phong", "Nguyễn An Ninh", "Hùng Vương",
)  # fmt: skip


def street_line(rng: Random) -> str:
    """House number (sometimes an alley, "hẻm") and street: "123/4 Lê Văn Sỹ"."""
    number = str(rng.randrange(1, 700))
    if rng.random() < 0.35:
        number += f"/{rng.randrange(1, 60)}"
        if rng.random() < 0.2:
            number += f"/{rng.randrange(1, 20)}"
    street = STREETS[rng.randrange(len(STREETS))]
    return f"{number} {street}"


# Home provinces of people who moved to the city, by rough share of migrants (Mekong
# delta and the north-central coast first), all pre-2025 CCCD codes (TT 07/2016).
MIGRANT_PROVINCES = Weighted([
    ("080", 6), ("082", 5), ("083", 5), ("084", 4), ("086", 4), ("087", 4), ("089", 5),
    ("091", 4), ("092", 3), ("093", 2), ("094", 4), ("095", 3), ("096", 4), ("072", 3),
    ("075", 3), ("070", 2), ("040", 5), ("038", 4), ("042", 3), ("051", 4), ("052", 4),
    ("049", 3), ("054", 2), ("060", 3), ("058", 2), ("034", 2), ("036", 2), ("001", 3),
    ("066", 2), ("068", 2), ("064", 1), ("044", 2), ("045", 1), ("046", 2), ("056", 2),
    ("031", 1), ("030", 1), ("048", 1), ("074", 2), ("079", 1), ("077", 1), ("062", 1),
    ("067", 1), ("033", 1), ("035", 1), ("037", 1), ("026", 0.5), ("027", 0.5),
    ("024", 0.5), ("025", 0.5), ("019", 0.5), ("022", 0.5), ("017", 0.5), ("014", 0.3),
    ("015", 0.3), ("008", 0.3), ("010", 0.2), ("020", 0.3), ("004", 0.2), ("006", 0.2),
    ("002", 0.2), ("011", 0.1), ("012", 0.1),
])  # fmt: skip

MIGRANT_ADULT_SHARE = 0.38  # adults born (registered) outside the city's territory
MIGRANT_CHILD_SHARE = 0.08


def birth_province(rng: Random, ward: Ward, age: int) -> str:
    share = MIGRANT_ADULT_SHARE if age >= 18 else MIGRANT_CHILD_SHARE
    if rng.random() < share:
        return MIGRANT_PROVINCES.pick(rng)
    return ward.legacy_province
