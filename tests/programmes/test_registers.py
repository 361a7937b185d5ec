"""The programme framework end to end on SQLite and PostgreSQL (issue 19 point 1): a
rule enrols residents from their record, the recompute stores their due activities per
ward, the change feed re-assesses a resident whose record changed, a station enrols by
hand with a reason, a station sees its own ward's lists and nothing of another ward (the
same 404 as for an absent resident), and a visit recorded from a form becomes the
resident's Encounter, QuestionnaireResponse and Observations."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hoso.access.programmes import ENCOUNTER, ProgrammeAccess
from hoso.core import clock, jsonx
from hoso.core.errors import Forbidden, InvalidRequest, ResourceNotFound
from hoso.programmes.forms import visit_resources
from hoso.store.programme_schema import prog_due, prog_enrolment
from hoso.store.sql_store import SqlStore
from tests.callers import as_caller, audit_subtypes, staff
from tests.programmes.world import (
    FORM,
    OTHER_STATION,
    OTHER_WARD,
    WARD,
    access,
    bp,
    home,
    hypertension,
    recompute,
    station_clinician,
)


def _city(store: SqlStore) -> dict[str, str]:
    """Five residents: two hypertensive by diagnosis, one by two high readings, one with
    a single high reading (not enough), one in the other ward with a diagnosis."""
    today = clock.today_vn()
    ids: dict[str, str] = {}
    with as_caller(store) as repo:
        for name, n, ward in (("dx", 1, WARD), ("dx2", 2, WARD), ("readings", 3, WARD),
                              ("once", 4, WARD), ("other", 5, OTHER_WARD)):  # fmt: skip
            ids[name] = repo.create(home(n, ward)).stored.id
        for name in ("dx", "dx2", "other"):
            repo.create(hypertension(ids[name]))
        for days in (100, 40):
            repo.create(bp(ids["readings"], 150, today - timedelta(days=days)))
        repo.create(bp(ids["once"], 160, today - timedelta(days=10)))
    return ids


def visit(station: ProgrammeAccess, patient_id: str, answers: dict[str, str]) -> dict[str, str]:
    resources = visit_resources(FORM, answers, patient=f"Patient/{patient_id}",
                                authored=clock.fhir_instant(clock.now()), author=None,
                                encounter=ENCOUNTER)  # fmt: skip
    return station.record_visit(patient_id, FORM["title"], resources)


def _enrolled(store: SqlStore) -> dict[str, str | None]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(prog_enrolment.c.patient_id, prog_enrolment.c.ward))
        return {pid: ward for pid, ward in rows}


def test_the_rule_enrols_and_the_registers_hold_each_ward(store: SqlStore) -> None:
    ids = _city(store)
    with as_caller(store) as operator:
        assert recompute(store, operator).everyone() == 5
    enrolled = _enrolled(store)
    assert enrolled == {ids["dx"]: WARD, ids["dx2"]: WARD, ids["readings"]: WARD,
                        ids["other"]: OTHER_WARD}  # fmt: skip
    with store.engine.connect() as conn:
        due = conn.execute(sa.select(prog_due.c.patient_id, prog_due.c.status)).all()
    assert len(due) == 4 and {s for _p, s in due} <= {"due", "overdue"}
    # Idempotent: a second run changes nothing, and keeps the day each enrolment began.
    with as_caller(store) as operator:
        recompute(store, operator).everyone()
    assert _enrolled(store) == enrolled
    assert "programme-register" in audit_subtypes(store)


def test_the_feed_reassesses_a_changed_record(store: SqlStore) -> None:
    ids = _city(store)
    with as_caller(store) as operator:
        worker = recompute(store, operator, feed=None)
        worker.everyone()
        from hoso.access.feed_access import ConsumerFeed

        worker.feed = ConsumerFeed(operator, "programme-enrolment")
        worker.run(threading.Event(), until_idle=True)  # catches up with the city's writes
        assert ids["once"] not in _enrolled(store)
        operator.create(bp(ids["once"], 170, clock.today_vn()))  # a second high reading
        worker.run(threading.Event(), until_idle=True)
        assert ids["once"] in _enrolled(store)
    with as_caller(store) as operator:
        # A station keeps a resident out with a reason: the next run respects it.
        station = access(store, operator)
        station.set_manual("toy-bp", ids["dx"], False, "Đã chuyển đi / moved away")
        worker.patients([ids["dx"]])
    assert ids["dx"] not in _enrolled(store)


def test_a_station_sees_its_ward_only_and_hidden_is_absent(store: SqlStore) -> None:
    ids = _city(store)
    with as_caller(store) as operator:
        recompute(store, operator).everyone()
        org = operator.create({"resourceType": "Organization", "name": "Trạm y tế Phường Sài Gòn"})
    nurse = station_clinician(org.stored.id)
    until = clock.today_vn() + timedelta(days=31)
    with as_caller(store, nurse) as repo:
        station = access(store, repo)
        assert station.wards() == frozenset({WARD})
        rows, total = station.due_list("toy-bp", ("due", "overdue"), until)
        assert total == 3 and {r.patient_id for r in rows} == {ids["dx"], ids["dx2"],
                                                               ids["readings"]}  # fmt: skip
        assert station.overview(until)["enrolled"] == {"toy-bp": 3}
        with pytest.raises(Forbidden):
            station.due_list("toy-bp", ("due",), until, ward=OTHER_WARD)
        answers = []
        for pid in (ids["other"], "no-such-resident"):
            with pytest.raises(ResourceNotFound) as caught:
                station.patient_view(pid)
            answers.append(str(caught.value).replace(pid, "ID"))
        assert answers[0] == answers[1]
        patient, enrolments, _due = station.patient_view(ids["dx"])
        assert patient["id"] == ids["dx"] and [e.programme for e in enrolments] == ["toy-bp"]
    # The other ward's station sees its own resident and not ours.
    with as_caller(store, station_clinician(None, OTHER_STATION)) as repo:
        other = access(store, repo)
        rows, total = other.due_list("toy-bp", ("due", "overdue"), until)
        assert [r.patient_id for r in rows] == [ids["other"]]
    for role in ("resident", "officer", "steward"):
        with as_caller(store, staff(role)) as repo, pytest.raises(Forbidden):
            access(store, repo).due_list("toy-bp", ("due",), until)


def test_a_visit_from_the_form_is_part_of_the_record(store: SqlStore) -> None:
    ids = _city(store)
    with as_caller(store) as operator:
        org = operator.create({"resourceType": "Organization", "name": "Trạm y tế Phường Sài Gòn"})
    nurse = station_clinician(org.stored.id)
    with as_caller(store, nurse) as repo:
        station = access(store, repo)
        for bad in ({"sbp": "abc"}, {"sbp": "400"}, {}, {"sbp": "120", "ghost": "1"}):
            with pytest.raises(InvalidRequest):
                visit(station, ids["once"], bad)
        made = visit(station, ids["once"], {"sbp": "128", "note": "ổn định"})
        with pytest.raises(ResourceNotFound):
            visit(station, ids["other"], {"sbp": "128"})
    with as_caller(store) as operator:
        obs = jsonx.loads(
            operator.read("Observation", made["urn:hoso:visit-observation-0"].split("/")[1]).content
        )
        assert obs["valueQuantity"]["value"] == 128
        assert obs["derivedFrom"] == [{"reference": made["urn:hoso:visit-response"]}]
        encounter = jsonx.loads(operator.read("Encounter", made[ENCOUNTER].split("/")[1]).content)
        assert encounter["serviceProvider"] == {"reference": f"Organization/{org.stored.id}"}
        # Nothing half-written from the refused attempts: one visit's resources only.
        page = operator.search("Observation", [("patient", ids["once"])])
        assert len(page.matches) == 2  # the earlier reading and this visit's
