"""Each ward's health station from the store's Organizations (the synthetic city's
care network), for the follow-up lists' teams: on SQLite and PostgreSQL."""

from __future__ import annotations

from hoso.access.repository import AccessRepository
from hoso.api.ward_stations import StoreStations, is_station, station_map
from hoso.core.settings import DEFAULT_FACILITY_SYSTEM
from hoso.synth.facilities import build_network, network_resources


def _station(code: str, ward: str, name: str = "Trạm Y tế") -> dict:
    return {"resourceType": "Organization", "name": f"{name} {ward}",
            "identifier": [{"system": DEFAULT_FACILITY_SYSTEM, "value": code}],
            "type": [{"text": "Trạm y tế xã, phường"}],
            "address": [{"use": "work", "city": ward,
                         "state": "Thành phố Hồ Chí Minh"}]}  # fmt: skip


def test_stations_are_read_from_organizations(repo: AccessRepository) -> None:
    repo.create(_station("79400", "Phường Sài Gòn"))
    repo.create(_station("79401", "Phường Bến Thành"))
    hospital = {**_station("79001", "Phường Sài Gòn", "Bệnh viện"),
                "type": [{"text": "Bệnh viện"}]}
    repo.create(hospital)
    stations = StoreStations(repo, DEFAULT_FACILITY_SYSTEM)
    assert stations.station_of("26740") == "79400"
    assert stations.wards_of("79401") == frozenset({"26743"})
    assert stations.wards_of("79001") == frozenset()  # a hospital is no ward's station
    assert stations.station_of("99999") is None


def test_the_synthetic_citys_stations_are_found_in_their_wards() -> None:
    network = build_network(1000, 79)
    orgs = [r for r in network_resources(network) if r["resourceType"] == "Organization"]
    assert sum(1 for o in orgs if is_station(o)) == len(network.station_of) > 0
    assert station_map(orgs, DEFAULT_FACILITY_SYSTEM) == {
        str(ward): f.code for ward, f in network.station_of.items()}
