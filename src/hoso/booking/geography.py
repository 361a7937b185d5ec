"""Where a ward is, and how far apart two places are: `$find` ranks options by distance
from the resident's ward (issue 21).

A ward is placed at the centroid of its boundary (HOUSE): `data/ward-centroids.json`, one
point for each of HCMC's 168 wards since 01/07/2025 (NQ 1685/NQ-UBTVQH15), keyed by NSO
code, computed from the national mapping agency's ward polygons by
`tools/gen_ward_centroids.py` (source and method in the file's header and in
docs/booking.md, "Khoảng cách / Distance"). Distances are great-circle, not by road:
Phường Sài Gòn to Phường Thủ Dầu Một is about 22 km as the crow flies, a longer trip by
road. That is enough to rank facilities, not to promise a travel time.
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources

__all__ = ["EARTH_RADIUS_KM", "distance_km", "ward_distance_km", "ward_position"]

# The IUGG mean Earth radius. A sphere is off by at most ~0.5% from the WGS84 ellipsoid,
# far less than the gap between a ward's centroid and a resident's home.
EARTH_RADIUS_KM = 6371.0088

Position = tuple[float, float]  # (latitude, longitude), WGS84 degrees


@cache
def _positions() -> dict[int, Position]:
    text = resources.files("hoso.booking").joinpath("data/ward-centroids.json").read_text("utf-8")
    wards = json.loads(text)["wards"]
    return {int(code): (row["lat"], row["lon"]) for code, row in wards.items()}


def _ward_number(ward_code: str | int) -> int | None:
    """26740, "26740" and " 26740 " name the same ward; anything else names none. Only
    ASCII digits count: str.isdigit() also accepts "²" and "٣", which int() refuses."""
    if isinstance(ward_code, bool):
        return None
    if isinstance(ward_code, int):
        return ward_code
    text = ward_code.strip() if isinstance(ward_code, str) else ""
    return int(text) if text.isascii() and text.isdigit() else None


def ward_position(ward_code: str | int) -> Position | None:
    """The (lat, lon) point standing for an HCMC ward (NSO code, 2025 list), or None for a
    code outside the city's 168 (a pre-2025 ward, another province, a typo)."""
    number = _ward_number(ward_code)
    return None if number is None else _positions().get(number)


def distance_km(a: Position, b: Position) -> float:
    """Great-circle distance in km between two (lat, lon) points (haversine).

    Written here rather than taken from a library (geopy, haversine): neither is a
    dependency, the formula is four lines, and haversine stays accurate for the short
    distances booking compares (the spherical law of cosines loses digits below ~1 km).
    See: R. W. Sinnott, "Virtues of the Haversine", Sky and Telescope 68(2), 1984.
    """
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))  # min: rounding past 1


def ward_distance_km(ward_a: str | int, ward_b: str | int) -> float | None:
    """Distance in km between two wards' centroids; None if either is not an HCMC ward."""
    a, b = ward_position(ward_a), ward_position(ward_b)
    if a is None or b is None:
        return None
    return distance_km(a, b)
