"""At-risk groups over HTTP (issue 19 point 6): an officer defines a cohort; counts by
ward, age band and sex for officers and a ward station's clinicians; members where
allowed (officers de-identified, a station its own ward, a restricted cohort never);
small counts of a restricted cohort suppressed; the campaign CSV; every refusal 4xx
with the field named, never a 500; reads and exports audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir.resources.R4B.group import Group

from hoso.access.publichealth_tracing import MappedStations
from hoso.core import clock, jsonx
from hoso.programmes.cohorts import shipped_cohorts
from hoso.programmes.cohorts.catalogue import store_cohort_day
from hoso.store import schema
from hoso.store.programme_cohorts import SqlCohorts
from hoso.store.publichealth_schema import ph_officer_ward
from hoso.store.sql_store import SqlStore
from tests.api.conftest import bearer
from tests.programmes.cohorts.records import condition, record

WARD, OTHER_WARD, STATION, OTHER_STATION = "26734", "26737", "79TYT01", "79TYT02"
OFFICER, WARD_OFFICER = "account:officer-a", "account:officer-w"
TODAY = clock.now().astimezone(clock.VN_TZ).date()


class Cohorts:
    def __init__(self, app: FastAPI, store: SqlStore) -> None:
        self.app, self.store, self.clients = app, store, []  # type: ignore[var-annotated]
        app.state.ph_ward_stations = MappedStations({WARD: STATION, OTHER_WARD: OTHER_STATION})
        with store.engine.begin() as conn:
            conn.execute(sa.insert(ph_officer_ward).values(officer=WARD_OFFICER, ward=WARD))

    def as_(self, role: str, subject: str, **claims: Any) -> TestClient:
        scopes = claims.pop("scopes", ("user/*.cruds",))
        headers = bearer(self.app, role=role, scopes=scopes, subject=subject, **claims)
        client = TestClient(self.app, raise_server_exceptions=False, headers=headers)
        self.clients.append(client)
        return client

    def officer(self) -> TestClient:
        return self.as_("officer", OFFICER)

    def station(self, facility: str = STATION) -> TestClient:
        return self.as_("clinician", f"account:tyt-{facility}", facility=facility)

    def snapshot(self, day: date = TODAY) -> None:
        """12 residents of WARD (8 with hypertension, 3 with TB) and 2 of OTHER_WARD."""
        residents = []
        for i in range(12):
            found = [condition("I10")] if i < 8 else []
            found += [condition("A15.0")] if i >= 9 else []
            residents.append((record(f"w{i}", "1950-01-01" if i % 2 else "1985-06-01",
                                     "female" if i % 3 else "male", WARD,
                                     Condition=found), {}))  # fmt: skip
        for i in range(2):
            residents.append((record(f"o{i}", "1970-01-01", "male", OTHER_WARD,
                                     Condition=[condition("I10")]), {}))  # fmt: skip
        store_cohort_day(SqlCohorts(self.store.engine), day, residents, shipped_cohorts())


@pytest.fixture
def world(app: FastAPI, store: SqlStore) -> Iterator[Cohorts]:
    made = Cohorts(app, store)
    yield made
    for c in made.clients:
        c.close()


def _events(store: SqlStore, subtype: str) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(schema.audit_event.c.content)
                            .where(schema.audit_event.c.subtype == subtype))  # fmt: skip
        return [jsonx.loads(row.content) for row in rows]


FLU = {"code": "flu-campaign", "version": "2026.12", "name": {"vi": "Tiêm cúm", "en": "Flu"},
       "source": "WHO position paper on influenza vaccines, May 2022",
       "all": [{"age": {"min": 60}}],
       "any": [{"condition": {"icd10": ["I10-I15", "E10-E14"]}}]}  # fmt: skip


def test_an_officer_defines_a_cohort_and_sees_its_counts(world: Cohorts) -> None:
    officer = world.officer()
    made = officer.post("/api/programmes/cohorts", json=FLU)
    assert made.status_code == 201, made.text
    Group.model_validate(made.json()["group"])
    again = officer.post("/api/programmes/cohorts", json=FLU)
    assert again.status_code == 409
    listed = officer.get("/api/programmes/cohorts").json()["cohorts"]
    assert "flu-campaign" in {c["code"] for c in listed}
    world.snapshot()  # after the definition: today's recompute knows it
    store_cohort_day(SqlCohorts(world.store.engine), TODAY,
                     [(record("e1", "1950-01-01", "male", WARD, Condition=[condition("E11")]),
                       {})], [*shipped_cohorts(), _parsed(FLU)])  # fmt: skip
    counts = officer.get("/api/programmes/cohorts/flu-campaign/counts").json()
    assert counts["total"] == 1 and counts["version"] == "2026.12"
    group = officer.get("/api/programmes/cohorts/flu-campaign/Group")
    assert group.status_code == 200 and group.json()["quantity"] == 1
    assert _events(world.store, "prog-cohort") and _events(world.store, "prog-cohort-counts")


def _parsed(document: dict[str, Any]) -> Any:
    from hoso.programmes.cohorts import parse_cohort

    return parse_cohort(document)


@pytest.mark.parametrize(("role", "claims"), [
    ("resident", {"patient": "w1"}), ("clinician", {"facility": STATION}), ("admin", {}),
])  # fmt: skip
def test_others_may_not_define_even_with_a_bad_body(world: Cohorts, role: str,
                                                     claims: dict[str, Any]) -> None:  # fmt: skip
    caller = world.as_(role, f"account:{role}", **claims)
    refused = caller.post("/api/programmes/cohorts", content=b"{not json",
                          headers={"Content-Type": "application/json"})  # fmt: skip
    assert refused.status_code == 403, refused.text


@pytest.mark.parametrize(("body", "field"), [
    ({**FLU, "all": [{"age": {"min": "sixty"}}]}, "all[0].age.min"),
    ({**FLU, "any": [{"condition": {"icd10": ["ZZZ9"]}}]}, "any[0].condition.icd10"),
    ({**FLU, "restricted": "no"}, "restricted"),
    ({**FLU, "all": [{"fhirpath": "Patient.where("}]}, "all[0].fhirpath"),
    ({**FLU, "code": "../etc"}, "code"),
    ([1, 2], "Quy tắc"),
])  # fmt: skip
def test_a_bad_definition_is_a_400_naming_the_field(world: Cohorts, body: Any,
                                                    field: str) -> None:  # fmt: skip
    refused = world.officer().post("/api/programmes/cohorts", json=body)
    assert refused.status_code == 400, refused.text
    assert field in refused.text


def test_enormous_and_malformed_bodies(world: Cohorts) -> None:
    officer = world.officer()
    big = {**FLU, "source": "x" * 100_000}
    assert officer.post("/api/programmes/cohorts", json=big).status_code == 413
    bad = officer.post("/api/programmes/cohorts", content=b"{", headers={
        "Content-Type": "application/json"})  # fmt: skip
    assert bad.status_code == 400
    assert officer.get("/api/programmes/cohorts/NOPE/counts").status_code == 400
    assert officer.get("/api/programmes/cohorts/no-such/counts").status_code == 404
    for query in ("day=2026-13-40", "day=x", "ward=<script>", "version=" + "9" * 50,
                  "limit=9999", "offset=-1"):  # fmt: skip
        answer = officer.get(f"/api/programmes/cohorts/hypertension/members?{query}")
        assert answer.status_code == 400, (query, answer.text)


def test_counts_by_ward_band_and_sex_and_a_station_sees_its_ward(world: Cohorts) -> None:
    world.snapshot()
    counts = world.officer().get("/api/programmes/cohorts/hypertension/counts").json()
    assert counts["total"] == 10 and counts["day"] == TODAY.isoformat()
    assert {w["ward"]: w["total"] for w in counts["wards"]} == {WARD: 8, OTHER_WARD: 2}
    assert counts["by_band"] == {"40-59": 6, "70-79": 4}
    assert sum(counts["by_sex"].values()) == 10
    station = world.station()
    mine = station.get("/api/programmes/cohorts/hypertension/counts").json()
    assert {w["ward"] for w in mine["wards"]} == {WARD} and mine["total"] == 8
    other = station.get("/api/programmes/cohorts/hypertension/counts", params={"ward": OTHER_WARD})
    nowhere = station.get("/api/programmes/cohorts/hypertension/counts", params={"ward": "99999"})
    assert other.status_code == nowhere.status_code == 404
    assert other.json() == nowhere.json()  # another ward: as one with nothing
    resident = world.as_("resident", "account:r", patient="w1")
    assert resident.get("/api/programmes/cohorts/hypertension/counts").status_code == 403
    past = world.officer().get("/api/programmes/cohorts/hypertension/counts",
                               params={"day": "2020-01-01"}).json()  # fmt: skip
    assert past["day"] is None and past["total"] == 0


def test_members_officer_deidentified_station_identified(world: Cohorts) -> None:
    world.snapshot()
    listed = world.officer().get("/api/programmes/cohorts/hypertension/members").json()
    ids = [m["patient"] for m in listed["members"]]
    assert len(ids) == 10 and all(i.startswith("anon-") for i in ids)
    station = world.station().get("/api/programmes/cohorts/hypertension/members").json()
    assert sorted(m["patient"] for m in station["members"]) == sorted(f"w{i}" for i in range(8))
    audited = _events(world.store, "prog-cohort-members")
    assert any("w0" in str(e) for e in audited)  # the identified list names its people


def test_a_restricted_cohort_hides_members_and_small_counts(world: Cohorts) -> None:
    world.snapshot()  # 3 TB patients in WARD, none in OTHER_WARD
    for caller in (world.officer(), world.station(), world.as_("officer", WARD_OFFICER)):
        assert caller.get("/api/programmes/cohorts/tb-hiv/members").status_code == 403
        assert caller.get("/api/programmes/cohorts/tb-hiv/members.csv").status_code == 403
    officer = world.officer().get("/api/programmes/cohorts/tb-hiv/counts").json()
    assert officer["restricted"] and officer["suppressed_below"] == 5
    assert officer["wards"] == [{"ward": WARD, "total": None, "cells": {}}]
    assert officer["total"] is None and set(officer["by_sex"].values()) == {None}
    group = world.officer().get("/api/programmes/cohorts/tb-hiv/Group").json()
    assert "quantity" not in group
    answering = world.as_("officer", WARD_OFFICER).get("/api/programmes/cohorts/tb-hiv/counts")
    assert answering.json()["wards"] == [{"ward": WARD, "total": 3, "cells": {}}]
    operator = world.as_("operator", "operator:t", scopes=("system/*.*",))
    exact = operator.get("/api/programmes/cohorts/tb-hiv/members").json()
    assert sorted(m["patient"] for m in exact["members"]) == ["w10", "w11", "w9"]
    station = world.station().get("/api/programmes/cohorts/tb-hiv/counts").json()
    assert station["wards"][0]["total"] is None


def test_the_campaign_csv(world: Cohorts) -> None:
    world.snapshot()
    answer = world.station().get("/api/programmes/cohorts/elderly-60/members.csv")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert "nhom-elderly-60.csv" in answer.headers["content-disposition"]
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("ma_nguoi_benh/patient,phuong_xa/ward")
    body = [line.split(",") for line in lines[1:]]
    assert sorted(r[0] for r in body) == sorted(f"w{i}" for i in range(1, 12, 2))
    assert {r[5] for r in body} == {"2026.1"} and {r[6] for r in body} == {
        TODAY.strftime("%d/%m/%Y")
    }
    officer = world.officer().get("/api/programmes/cohorts/elderly-60/members.csv")
    assert all(line.startswith("anon-") for line in officer.text.splitlines()[1:])
    exports = _events(world.store, "prog-cohort-export")
    assert len(exports) == 2
