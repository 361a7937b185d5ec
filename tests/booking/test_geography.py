"""Ward positions and distances (hoso.booking.geography): every ward of the city's 2025
list has a point inside the city, known distances come out right, the distance is a
metric; and the generator's centroid is the textbook one (tools/gen_ward_centroids.py)."""

from __future__ import annotations

import importlib.util
import json
import math
from importlib import resources
from itertools import combinations
from pathlib import Path
from types import ModuleType

import pytest

from hoso.booking.geography import (
    EARTH_RADIUS_KM,
    distance_km,
    ward_distance_km,
    ward_position,
)
from hoso.synth.places import all_wards

SAI_GON, BEN_THANH, THU_DAU_MOT, VUNG_TAU, CON_DAO = 26740, 26743, 25747, 26506, 26732
# HCMC's extent: the bbox of the agency's province polygon (sapnhap.bando.com.vn,
# geojson_11Mar2026/29_ho_chi_minh/province.geojson), Côn Đảo included.
LAT_RANGE, LON_RANGE = (8.631, 11.503), (106.327, 107.570)
ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_ward_centroids", ROOT / "tools" / "gen_ward_centroids.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _data() -> dict:
    text = resources.files("hoso.booking").joinpath("data/ward-centroids.json").read_text("utf-8")
    return json.loads(text)


def test_every_ward_of_the_city_has_a_position_inside_the_city() -> None:
    wards = all_wards()
    assert len(wards) == 168
    for ward in wards:
        position = ward_position(ward.code)
        assert position is not None, ward.name
        lat, lon = position
        assert LAT_RANGE[0] <= lat <= LAT_RANGE[1], ward.name
        assert LON_RANGE[0] <= lon <= LON_RANGE[1], ward.name


def test_the_file_holds_exactly_the_city_wards_under_their_names() -> None:
    data = _data()
    assert {int(code): row["name"] for code, row in data["wards"].items()} == {
        w.code: w.name for w in all_wards()
    }
    assert "sapnhap.bando.com.vn" in data["source"]
    assert "HOUSE" in data["method"] and data["status"] == "HOUSE"


def test_con_dao_lies_far_out_at_sea_to_the_south() -> None:
    lat, _ = ward_position(CON_DAO) or (99.0, 0.0)
    assert lat < 9.0
    assert 215 < (ward_distance_km(SAI_GON, CON_DAO) or 0) < 250  # ~230 km


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        # Great-circle: the 25–35 km usually quoted for this trip is by road.
        (SAI_GON, THU_DAU_MOT, 18, 26),
        (SAI_GON, VUNG_TAU, 55, 70),
        (SAI_GON, BEN_THANH, 0.5, 3),  # next-door wards of the old District 1
    ],
)
def test_known_distances_are_roughly_right(a: int, b: int, low: float, high: float) -> None:
    assert low < (ward_distance_km(a, b) or 0) < high


def test_ward_distance_is_symmetric_and_zero_to_itself() -> None:
    codes = [w.code for w in all_wards()]
    for code in codes:
        assert ward_distance_km(code, code) == 0
    for a, b in combinations(codes, 2):
        there = ward_distance_km(a, b)
        assert there is not None and there > 0
        assert there == ward_distance_km(b, a)


def test_haversine_matches_the_sphere() -> None:
    quarter = math.pi * EARTH_RADIUS_KM / 2
    assert distance_km((0.0, 0.0), (90.0, 0.0)) == pytest.approx(quarter)
    assert distance_km((0.0, 0.0), (0.0, 90.0)) == pytest.approx(quarter)
    assert distance_km((10.0, 106.0), (-10.0, -74.0)) == pytest.approx(2 * quarter)  # antipodes
    # One degree of longitude at 60° N is half a degree at the equator.
    assert distance_km((60.0, 10.0), (60.0, 11.0)) == pytest.approx(
        distance_km((0.0, 10.0), (0.0, 11.0)) / 2, rel=1e-3
    )


def test_codes_are_read_as_the_nso_writes_them() -> None:
    assert ward_position("26740") == ward_position(26740) == ward_position(" 26740 ")
    assert ward_position(26740) is not None
    assert ward_distance_km("26740", 25747) == ward_distance_km(26740, "25747")


@pytest.mark.parametrize(
    "code",
    [26734, "00004", "٢٦٧٤٠", "26740²", "Phường Sài Gòn", "", True],
    ids=["pre-2025 Tân Định", "Hà Nội", "arabic digits", "superscript", "name", "empty", "bool"],
)
def test_a_code_outside_the_city_list_has_no_position(code: str | int) -> None:
    assert ward_position(code) is None
    assert ward_distance_km(code, SAI_GON) is None
    assert ward_distance_km(SAI_GON, code) is None


def test_generator_centroid_weights_area_and_subtracts_holes() -> None:
    centroid = _generator().centroid
    square = [[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]  # counter-clockwise
    assert centroid({"type": "Polygon", "coordinates": [square]}) == pytest.approx((1, 1))
    clockwise = list(reversed(square))
    assert centroid({"type": "Polygon", "coordinates": [clockwise]}) == pytest.approx((1, 1))
    # A 1×1 hole in the right half pulls the centroid left (lon), not up or down.
    hole = [[1, 0.5], [2, 0.5], [2, 1.5], [1, 1.5], [1, 0.5]]
    lat, lon = centroid({"type": "Polygon", "coordinates": [square, hole]})
    assert lat == pytest.approx(1) and lon == pytest.approx((4 * 1 - 1 * 1.5) / 3)
    # Islands: a 2×2 one and a 1×1 one far east weigh 4 : 1.
    islet = [[10, 0], [11, 0], [11, 1], [10, 1], [10, 0]]
    multi = {"type": "MultiPolygon", "coordinates": [[square], [islet]]}
    assert centroid(multi) == pytest.approx(((4 * 1 + 0.5) / 5, (4 * 1 + 10.5) / 5))


def test_generator_reproduces_the_committed_file(tmp_path: Path) -> None:
    """Fed one small square around each committed point, with names as the agency writes
    them ("Sài Gòn (phường)"), the generator writes the committed file byte for byte: the
    matching, rounding and layout are the ones that made it."""
    generator, data = _generator(), _data()
    records, folder = [], tmp_path / "wards"
    folder.mkdir()
    for index, (code, row) in enumerate(data["wards"].items()):
        kind, name = next((k, row["name"][len(k) + 1 :]) for k in ("Phường", "Xã", "Đặc khu")
                          if row["name"].startswith(k + " "))  # fmt: skip
        feature_id = f"xa3321.{index}"
        response = {"features": [{"id": feature_id, "geometry": None}]}
        records.append({"ten": f"{name} ({kind.lower()})", "provinceName": "thành phố Hồ Chí Minh",
                        "gisServerResponse": json.dumps(response)})  # fmt: skip
        lat, lon, d = row["lat"], row["lon"], 0.001
        ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d]]
        feature = {"id": feature_id, "geometry": {"type": "MultiPolygon",
                                                  "coordinates": [[[*ring, ring[0]]]]}}  # fmt: skip
        (folder / f"{code}.geojson").write_text(json.dumps({"features": [feature]}), "utf-8")
    wards_json = tmp_path / "wards.json"
    wards_json.write_text(json.dumps(records, ensure_ascii=False), "utf-8")
    committed = (ROOT / "src/hoso/booking/data/ward-centroids.json").read_text("utf-8")
    assert generator.render(generator.build(wards_json, folder)) == committed
