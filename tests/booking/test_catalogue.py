"""The booking catalogue (hoso.booking.catalogue): the kinds of visit, where each is
offered, hours, prices, referral, and the HealthcareService each facility publishes,
valid R4 by the repository's validator and by fhir.resources; the codes exist in the
official R4 package (marked `examples`)."""

from __future__ import annotations

import copy
import json
from datetime import time
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.healthcareservice import HealthcareService

from hoso.booking.catalogue import (
    CODE_SYSTEM,
    LEVELS,
    SPECIALITIES,
    Session,
    healthcare_service,
    offered_at,
    opening_hours,
    parse_catalogue,
    referral_required,
    service,
    service_hours,
    services,
)
from hoso.fhir.validation import validate_resource
from hoso.synth.facilities import build_network, facilities_of
from tests.fhir.official_examples import examples_dir

ORG, LOC = "Organization/org-79001", "Location/loc-79001"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _doc() -> dict[str, Any]:
    text = resources.files("hoso.booking").joinpath("data/services.json").read_text("utf-8")
    return json.loads(text)


def _codes(*names: str) -> set[str]:
    return {service(n).code for n in names}


def test_the_catalogue_holds_the_services_residents_book() -> None:
    assert {k.name_vi for k in services()} == {
        "Khám Nội tổng quát", "Khám Nhi", "Khám Sản phụ khoa", "Khám Mắt / đo khúc xạ",
        "Tiêm chủng", "Khám sức khỏe người cao tuổi", "Khám Tai Mũi Họng", "Khám Răng Hàm Mặt",
        "Khám Da liễu", "Khám bệnh nhiệt đới",
    }  # fmt: skip
    for kind in services():
        assert service(kind.code) is kind
        assert kind.coding.system == CODE_SYSTEM and kind.name_en
        assert kind.slot_minutes > 0 and kind.patients_per_slot > 0


def test_an_unknown_code_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        service("kham-than-kinh")


def test_what_each_kind_of_facility_offers() -> None:
    station = {k.code for k in offered_at("station", "general")}
    assert station == _codes("kham-noi-tong-quat", "kham-nhi", "kham-san-phu-khoa",
                             "tiem-chung", "kham-suc-khoe-nguoi-cao-tuoi")  # fmt: skip
    assert {k.code for k in offered_at("city", "tropical")} == _codes(
        "tiem-chung", "kham-benh-nhiet-doi"
    )
    children = {k.code for k in offered_at("city", "children")}
    assert "kham-nhi" in children and "kham-noi-tong-quat" not in children
    assert "kham-nhi" not in {k.code for k in offered_at("city", "general")}
    assert offered_at("city", "dental") == () and offered_at("ward", "general") == ()
    for kind in services():
        for level, speciality in kind.offered:
            assert kind in offered_at(level, speciality)


def test_every_facility_of_the_synthetic_city_offers_something() -> None:
    network = build_network(6_000, seed=7)
    for facility in facilities_of(network):
        assert offered_at(facility.level, facility.speciality), facility.name
    pairs = {(lv, sp) for lv in LEVELS for sp in SPECIALITIES}
    assert all(kind.offered <= pairs for kind in services())


def test_opening_hours_per_level() -> None:
    for level in LEVELS:
        days = {s.weekday for s in opening_hours(level)}
        assert {0, 1, 2, 3, 4} <= days, level
        assert all(s.start < s.end for s in opening_hours(level))
    station_saturday = [s for s in opening_hours("station") if s.weekday == 5]
    assert station_saturday == [Session(5, time(7, 30), time(11, 30))]  # morning only
    assert 6 not in {s.weekday for s in opening_hours("city")}
    with pytest.raises(KeyError):
        opening_hours("ward")


def test_vaccination_at_the_station_keeps_its_fixed_weekdays() -> None:
    vaccination = service("tiem-chung")
    sessions = service_hours(vaccination, "station")
    assert {s.weekday for s in sessions} == {1, 3}  # Tuesday and Thursday mornings
    for s in sessions:  # inside the station's own opening hours
        assert any(o.weekday == s.weekday and o.start <= s.start and s.end <= o.end
                   for o in opening_hours("station"))  # fmt: skip
    assert service_hours(vaccination, "city") == opening_hours("city")
    assert service_hours(service("kham-nhi"), "station") == opening_hours("station")


def test_prices_follow_the_level_and_the_service() -> None:
    consultation = _doc()["consultation_price_vnd"]
    assert consultation["city"] == 52_600  # QĐ 3467/QĐ-BYT Phụ lục I
    general = service("kham-noi-tong-quat")
    assert [general.price_at(lv) for lv in LEVELS] == [consultation[lv] for lv in LEVELS]
    eyes = service("kham-mat-do-khuc-xa")
    assert eyes.price_at("city") == 52_600 + 12_700  # + đo khúc xạ máy
    assert service("tiem-chung").price_at("station") == 0  # TCMR
    assert service("tiem-chung").price_at("clinic") == consultation["clinic"]
    assert service("kham-suc-khoe-nguoi-cao-tuoi").price_at("station") == 0
    with pytest.raises(KeyError):
        eyes.price_at("station")  # not offered there
    assert all(price >= 0 for kind in services() for _, price in kind.prices_vnd)


def test_a_referral_is_asked_for_specialists_at_city_hospitals_only() -> None:
    eyes, general = service("kham-mat-do-khuc-xa"), service("kham-noi-tong-quat")
    assert referral_required(eyes, "city")
    assert not referral_required(eyes, "area")
    assert not referral_required(general, "city")
    assert not referral_required(service("tiem-chung"), "city")


def _sessions_of(resource: dict[str, Any]) -> set[Session]:
    return {
        Session(DAYS.index(day), time.fromisoformat(t["availableStartTime"]),
                time.fromisoformat(t["availableEndTime"]))
        for t in resource["availableTime"] for day in t["daysOfWeek"]
    }  # fmt: skip


@pytest.mark.parametrize("kind", services(), ids=lambda k: k.code)
def test_healthcare_service_is_valid_r4_at_every_level_offering_it(kind: Any) -> None:
    for level in kind.levels:
        resource = healthcare_service(kind, ORG, LOC, level=level)
        assert validate_resource(resource) == [], (kind.code, level)
        parsed = HealthcareService.model_validate(resource)
        assert parsed.providedBy.reference == ORG and parsed.location[0].reference == LOC
        assert _sessions_of(resource) == set(service_hours(kind, level))
        assert ("eligibility" in resource) == referral_required(kind, level)
        assert "notAvailable" not in resource and "id" not in resource
        codings = resource["type"][0]["coding"]
        assert codings[0] == {"system": CODE_SYSTEM, "code": kind.code, "display": kind.name_vi}
        assert resource["specialty"][0]["coding"][0]["code"] == kind.specialty.code
        translation = resource["_name"]["extension"][0]["extension"]
        assert {"url": "content", "valueString": kind.name_en} in translation


def test_healthcare_service_refuses_wrong_references_and_levels() -> None:
    kind = service("kham-benh-nhiet-doi")
    with pytest.raises(ValueError, match="Organization"):
        healthcare_service(kind, "Location/x", LOC, level="city")
    with pytest.raises(ValueError, match="Location"):
        healthcare_service(kind, ORG, "Organization/x", level="city")
    with pytest.raises(ValueError, match="station"):
        healthcare_service(kind, ORG, LOC, level="station")


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda d: d["services"].append(d["services"][0]), "duplicate"),
        (lambda d: d["services"][0]["offered"].update(ward=["general"]), "unknown level"),
        (lambda d: d["services"][0]["offered"].update(city=["dental"]), "unknown level"),
        (lambda d: d["opening_hours"]["city"][0].update(end="06:00"), "ends before"),
        (lambda d: d["opening_hours"]["area"][0].update(days=[7]), "weekday"),
        (lambda d: d["services"][1].update(patients_per_slot=0), "bad slot"),
        (lambda d: d["services"][3].update(free_at=["station"]), "not offered at"),
        (lambda d: d["services"][3].update(hours=d["services"][4]["hours"]), "not offered at"),
    ],
    ids=[
        "duplicate code",
        "unknown level",
        "unknown speciality",
        "backwards",
        "day 7",
        "slot",
        "free where not offered",
        "hours where not offered",
    ],
)
def test_the_loader_refuses_broken_data(break_it: Any, message: str) -> None:
    doc = copy.deepcopy(_doc())
    parse_catalogue(doc)  # the shipped file passes
    break_it(doc)
    with pytest.raises(ValueError, match=message):
        parse_catalogue(doc)


def _concepts(package: Path, name: str) -> dict[str, str]:
    doc = json.loads((package / name).read_text(encoding="utf-8"))
    if doc["resourceType"] == "ValueSet":
        return {c["code"]: c["display"] for i in doc["compose"]["include"] for c in i["concept"]}
    return {c["code"]: c["display"] for c in doc["concept"]}


@pytest.mark.examples
def test_every_code_exists_in_the_r4_package(request: pytest.FixtureRequest) -> None:
    package = examples_dir(request)
    practice = _concepts(package, "ValueSet-c80-practice-codes.json")
    category = _concepts(package, "CodeSystem-service-category.json")
    kinds = _concepts(package, "CodeSystem-service-type.json")
    appointment = _concepts(package, "CodeSystem-v2-0276.json")
    for kind in services():
        if kind.specialty.code != "394537008":  # Pediatric specialty: SNOMED, not in c80
            assert practice[kind.specialty.code] == kind.specialty.display, kind.code
        assert category[kind.category.code] == kind.category.display, kind.code
        for coding in kind.service_types:
            assert kinds[coding.code].strip() == coding.display, kind.code
        assert appointment[kind.appointment_type.code] == kind.appointment_type.display
    assert "394537008" not in practice  # why the exception above is needed
