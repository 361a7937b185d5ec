"""Synthetic Patient builder: only invented people appear in tests."""

from __future__ import annotations

from typing import Any

from hoso.core.settings import DEFAULT_CCCD_SYSTEM


def patient(
    *,
    cccd: str | None = "079090001234",
    family: str = "Nguyễn",
    given: tuple[str, ...] = ("Văn", "An"),
    gender: str = "male",
    birth_date: str = "1990-05-01",
    **extra: Any,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "name": [{"family": family, "given": list(given)}],
        "gender": gender,
        "birthDate": birth_date,
        **extra,
    }
    if cccd is not None:
        resource["identifier"] = [{"system": DEFAULT_CCCD_SYSTEM, "value": cccd}]
    return resource


_GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hải", "Khoa", "Lan", "Minh", "Ngọc")
_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ")


def resident(n: int, **extra: Any) -> dict[str, Any]:
    """The n-th of several clearly different invented people (n < 100): the master
    patient index must not take them for one resident."""
    year = 1950 + n % 50
    return patient(
        cccd=f"079{0 if n % 2 == 0 else 1}{year % 100:02d}{n:06d}",
        family=_FAMILY[n % 10],
        given=("Thị" if n % 2 else "Văn", _GIVEN[(n // 10 + n) % 10]),
        gender="female" if n % 2 else "male",
        birth_date=f"{year}-{1 + n % 12:02d}-{1 + n % 28:02d}",
        **extra,
    )
