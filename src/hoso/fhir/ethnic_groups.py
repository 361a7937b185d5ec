"""Vietnam's ethnic groups by the code XML 130 sends (`MA_DANTOC`: the General
Statistics Office's list, QĐ 121-TCTK/PPCĐ of 02/03/1979), for showing a person's
ethnicity by name. The list is data (`fhir/data/ethnic-groups-qd121.json`)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import orjson

__all__ = ["ethnic_group_name"]


@cache
def _names() -> dict[str, str]:
    raw = resources.files("hoso.fhir").joinpath("data/ethnic-groups-qd121.json").read_bytes()
    return dict(orjson.loads(raw)["codes"])


def ethnic_group_name(code: str) -> str | None:
    """"01" → "Kinh"; a one-digit code ("1") is read as its two-digit form."""
    text = code.strip()
    return _names().get(text.zfill(2) if text.isdigit() else text)
