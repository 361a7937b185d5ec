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
