"""The elderly, hypertension and diabetes programmes in the real registers, on SQLite
and PostgreSQL: the packaged rules enrol residents from their record, a ward station
nurse records visits from the packaged forms through the access layer, and the
recompute turns them into control at the last visit and into the register of the
dependent and bedridden; malformed answers write nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from hoso.access.programmes import ENCOUNTER, ProgrammeAccess
from hoso.core import clock, jsonx
from hoso.core.errors import InvalidRequest, ResourceNotFound
from hoso.programmes.forms import visit_resources
from hoso.programmes.packaged import packaged_form
from hoso.store.programme_schema import prog_enrolment
from hoso.store.sql_store import SqlStore
from tests.builders.programmes import recompute_all
from tests.callers import as_caller
from tests.programmes.world import OTHER_WARD, WARD, access, home, station_clinician

LOINC = "http://loinc.org"


_recompute = recompute_all


def _glucose(pid: str, mgdl: float, days_ago: int) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "1558-6"}]},
            "subject": {"reference": f"Patient/{pid}"},
            "effectiveDateTime": (clock.today_vn() - timedelta(days=days_ago)).isoformat(),
            "valueQuantity": {"value": mgdl, "unit": "mg/dL",
                              "system": "http://unitsofmeasure.org", "code": "mg/dL"}}  # fmt: skip


def _city(store: SqlStore) -> tuple[dict[str, str], str]:
    ids: dict[str, str] = {}
    with as_caller(store) as repo:
        for name, n, ward in (("old", 1, WARD), ("htn", 20, WARD), ("dm", 30, WARD),
                              ("far", 3, OTHER_WARD)):  # fmt: skip
            ids[name] = repo.create(home(n, ward)).stored.id
        icd10 = {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "I10"}]}
        repo.create({"resourceType": "Condition", "code": icd10, "recordedDate": "2024-01-01",
                     "subject": {"reference": f"Patient/{ids['htn']}"}})  # fmt: skip
        for days in (60, 20):
            repo.create(_glucose(ids["dm"], 140, days))  # 7.8 mmol/L twice: diabetes
        org = repo.create({"resourceType": "Organization", "name": "Trạm y tế Phường Sài Gòn"})
    return ids, org.stored.id


def _visit(station: ProgrammeAccess, pid: str, form: str, answers: dict[str, Any]) -> None:
    questionnaire = packaged_form(form)
    resources = visit_resources(questionnaire, answers, patient=f"Patient/{pid}",
                                authored=clock.fhir_instant(clock.now()), author=None,
                                encounter=ENCOUNTER)  # fmt: skip
    station.record_visit(pid, questionnaire["title"], resources)


def _measures(store: SqlStore) -> dict[tuple[str, str], dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(prog_enrolment.c.programme, prog_enrolment.c.patient_id,
                                      prog_enrolment.c.measures))  # fmt: skip
        return {(p, pid): jsonx.loads(m) for p, pid, m in rows}


def test_rules_enrol_and_visits_set_control(store: SqlStore) -> None:
    ids, org = _city(store)
    with as_caller(store) as operator:
        _recompute(store, operator).everyone()
    measures = _measures(store)
    assert set(measures) == {("elderly", ids["old"]), ("elderly", ids["far"]),
                             ("hypertension", ids["htn"]), ("diabetes", ids["dm"])}  # fmt: skip
    assert measures["diabetes", ids["dm"]]["enrolled_by"] == "measurement"
    assert float(measures["diabetes", ids["dm"]]["last_glucose_mmol"]) == 7.8  # 140 / 18.016
    assert measures["hypertension", ids["htn"]]["controlled"] is None  # no reading yet
    with as_caller(store, station_clinician(org)) as repo:
        station = access(store, repo)
        _visit(station, ids["htn"], "hypertension-visit", {"bp-systolic": 152,
                                                             "bp-diastolic": 96})  # fmt: skip
    with as_caller(store) as operator:
        _recompute(store, operator).patients([ids["htn"]])
    htn = _measures(store)["hypertension", ids["htn"]]
    assert (htn["controlled"], htn["visited_90d"], htn["last_systolic"]) == (False, True, 152)


def test_a_nurses_flag_puts_a_resident_on_the_home_visit_register(store: SqlStore) -> None:
    ids, org = _city(store)
    with as_caller(store, station_clinician(org)) as repo:
        _visit(access(store, repo), ids["old"], "elderly-health-check",
               {"bp-systolic": 128, "bp-diastolic": 76, "bedridden": True})  # fmt: skip
    with as_caller(store) as operator:
        _recompute(store, operator).everyone()
    until = clock.today_vn() + timedelta(days=400)
    with as_caller(store, station_clinician(org)) as repo:
        rows, _ = access(store, repo).due_list("elderly", ("upcoming", "due", "overdue"), until)
    home_visits = [r for r in rows if r.activity == "home-visit"]
    assert [r.patient_id for r in home_visits] == [ids["old"]]
    detail = jsonx.loads(home_visits[0].detail)
    assert (detail["bedridden"], detail["source"], detail["every_days"]) == (True, "hand-set", 30)
    assert _measures(store)["elderly", ids["old"]]["checked_12m"] is True


@pytest.mark.parametrize("answers", [
    {"bp-systolic": "abc", "bp-diastolic": 80},
    {"bp-systolic": 9999, "bp-diastolic": 80},
    {"bp-systolic": 120},  # diastolic is required
    {"bp-systolic": 120, "bp-diastolic": 80, "notes": "x" * 5000},
    {"bp-systolic": 120, "bp-diastolic": 80, "ghost": "1"},
])  # fmt: skip
def test_malformed_answers_write_nothing(store: SqlStore, answers: dict[str, Any]) -> None:
    ids, org = _city(store)
    with as_caller(store, station_clinician(org)) as repo:
        station = access(store, repo)
        with pytest.raises(InvalidRequest):
            _visit(station, ids["htn"], "hypertension-visit", answers)
        with pytest.raises(ResourceNotFound):  # another ward's resident: as if absent
            _visit(station, ids["far"], "hypertension-visit", {"bp-systolic": 120,
                                                                "bp-diastolic": 80})  # fmt: skip
    with as_caller(store) as operator:
        assert operator.search("QuestionnaireResponse", [("patient", ids["htn"])]).matches == []
