"""Contact tracing through its facade on SQLite and PostgreSQL (issue 18 point 5): an
officer registers contacts of their own cases only (the contact's Patient made through
the MPI, audited), follow-up is scheduled, restarted, visited, turned into a suspected
case in one action, closed by the daily job; the station's clinicians see their ward's
list identified and nothing of another ward; another officer sees pseudonyms."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hoso.access import claims as roles
from hoso.access.publichealth_tracing import ContactTracing
from hoso.core.errors import Conflict, Forbidden, InvalidRequest, ResourceNotFound
from hoso.store.publichealth_schema import ph_contact, ph_followup
from hoso.store.sql_store import SqlStore
from tests.callers import as_caller, audit_subtypes
from tests.publichealth.tracing.world import (
    OFFICER_A,
    OFFICER_B,
    OTHER_STATION,
    STATION,
    WARD,
    add_case,
    add_clinician,
    day,
    facades,
    principal,
    resident_at,
)

OFFICER = principal(roles.OFFICER, OFFICER_A)
OTHER_OFFICER = principal(roles.OFFICER, OFFICER_B)


def _source(store: SqlStore, n: int = 1) -> str:
    with as_caller(store) as repo:
        pid = repo.create(resident_at(n)).stored.id
    add_case(store.engine, pid, officers=(OFFICER_A,))
    return pid


def _contact(store: SqlStore, tracing: ContactTracing, source: str, n: int,
             **extra: object) -> dict:
    body = {"disease": "measles", "source_patient": source, "target": resident_at(n),
            "last_exposure": day(-3), "setting": "household", "ward": WARD, **extra}
    with as_caller(store, OFFICER) as repo:
        return tracing.register_contact(repo, body)


def test_an_officer_registers_a_contact_and_its_follow_up(store: SqlStore) -> None:
    tracing, _chains, _cases = facades(store.engine)
    team = [add_clinician(store.engine, name, STATION) for name in ("tyt-a", "tyt-b")]
    source = _source(store)
    made = _contact(store, tracing, source, 2)
    assert made["patient_created"] is True and made["identified"] is True
    assert made["followup"]["start"] == day(-2) and made["followup"]["end"] == day(18)
    target = made["target"]
    with as_caller(store) as repo:  # the Patient exists, made through the MPI
        assert repo.read("Patient", target).id == target
    # The same person again (the MPI matches the resident) with a later exposure: the
    # follow-up restarts rather than doubling.
    again = _contact(store, tracing, source, 2, last_exposure=day(-1))
    assert again["matched_existing"] is True and again["target"] == target
    assert again["followup"]["restarted"] is True and again["followup"]["end"] == day(20)
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ph_followup)).scalar() == 1
        assert conn.execute(sa.select(sa.func.count()).select_from(ph_contact)).scalar() == 2
        assigned = conn.execute(sa.select(ph_followup.c.assignee)).scalar()
    assert assigned in team
    subtypes = audit_subtypes(store)
    assert subtypes.count("ph-contact") == 2 and "create" in subtypes


def test_another_officer_registers_nothing_and_hidden_is_absent(store: SqlStore) -> None:
    tracing, _chains, _cases = facades(store.engine)
    source = _source(store)
    body = {"disease": "measles", "target": resident_at(5), "last_exposure": day(-1)}
    answers = []
    for who, pid in ((OTHER_OFFICER, source), (OTHER_OFFICER, "no-such-id"),
                     (OFFICER, "no-such-id")):  # fmt: skip
        with as_caller(store, who) as repo, pytest.raises(ResourceNotFound) as caught:
            tracing.register_contact(repo, {**body, "source_patient": pid})
        answers.append(caught.value.message)
    assert len(set(answers)) == 1  # hidden and absent: one answer
    for role in (roles.RESIDENT, roles.CLINICIAN, roles.STEWARD):
        with as_caller(store, principal(role, f"account:{role}", facility=STATION)) as repo, \
                pytest.raises(Forbidden):  # fmt: skip
            tracing.register_contact(repo, {**body, "source_patient": source})


@pytest.mark.parametrize("change", [
    {"last_exposure": "2026-02-30"}, {"last_exposure": "2999-01-01"},
    {"setting": "bar"}, {"certainty": "sure"}, {"duration_minutes": -1},
    {"duration_minutes": True}, {"disease": "no-such"}, {"disease": "X" * 5000},
    {"ward": "<script>"}, {"first_exposure": "2999-01-01"}, {"extra": 1},
    {"target": {"resourceType": "Observation"}},
])  # fmt: skip
def test_malformed_contacts_are_400(store: SqlStore, change: dict) -> None:
    tracing, _chains, _cases = facades(store.engine)
    source = _source(store)
    body = {"disease": "measles", "source_patient": source, "target": resident_at(3),
            "last_exposure": day(-2), **change}
    with as_caller(store, OFFICER) as repo, pytest.raises(InvalidRequest):
        tracing.register_contact(repo, body)


def test_daily_lists_identified_for_the_station_pseudonyms_elsewhere(store: SqlStore) -> None:
    tracing, _chains, _cases = facades(store.engine)
    add_clinician(store.engine, "tyt-a", STATION)
    source = _source(store)
    _contact(store, tracing, source, 2)
    _contact(store, tracing, source, 3)
    station = principal(roles.CLINICIAN, "account:tyt-a", facility=STATION)
    with as_caller(store, station) as repo:
        listing = tracing.daily_list(repo, WARD, day(0))
    assert listing["total"] == 2 and all(i["identified"] for i in listing["items"])
    assert {i["phone"] for i in listing["items"]} == {"0900000002", "0900000003"}
    assert all(i["assignee"] == "account:tyt-a" for i in listing["items"])
    with as_caller(store, OFFICER) as repo:
        mine = tracing.daily_list(repo, WARD, day(0))
    assert all(i["identified"] for i in mine["items"])
    with as_caller(store, OTHER_OFFICER) as repo:
        theirs = tracing.daily_list(repo, WARD, day(0))
    assert theirs["total"] == 2
    for item in theirs["items"]:
        assert not item["identified"] and item["patient"] is None and "phone" not in item
        assert item["label"].startswith("anon-")
    elsewhere = principal(roles.CLINICIAN, "account:tyt-x", facility=OTHER_STATION)
    with as_caller(store, elsewhere) as repo:
        for ward in (WARD, "99999"):  # another ward, a ward of no one: one answer
            with pytest.raises(ResourceNotFound):
                tracing.daily_list(repo, ward, day(0))
        with pytest.raises(ResourceNotFound):
            tracing.record_visit(repo, listing["items"][0]["followup_id"], {"outcome": "seen-ok"})
    with as_caller(store, station) as repo:
        for bad in ({"offset": -1}, {"limit": 0}, {"limit": 10**6}):
            with pytest.raises(InvalidRequest):
                tracing.daily_list(repo, WARD, day(0), **bad)
        with pytest.raises(InvalidRequest):
            tracing.daily_list(repo, "'; drop table x", day(0))


def test_symptoms_make_a_suspected_case_in_one_action(store: SqlStore) -> None:
    tracing, _chains, cases = facades(store.engine)
    add_clinician(store.engine, "tyt-a", STATION)
    source = _source(store)
    made = _contact(store, tracing, source, 2)
    fid = made["followup"]["id"]
    station = principal(roles.CLINICIAN, "account:tyt-a", facility=STATION)
    with as_caller(store, station) as repo:
        ok = tracing.record_visit(repo, fid, {"day": day(-1), "outcome": "seen-ok"})
        assert ok["case_id"] is None
        with pytest.raises(InvalidRequest):  # not a day of this follow-up
            tracing.record_visit(repo, fid, {"day": day(-20), "outcome": "seen-ok"})
        with pytest.raises(InvalidRequest):  # the future
            tracing.record_visit(repo, fid, {"day": day(1), "outcome": "seen-ok"})
        sick = tracing.record_visit(repo, fid, {"outcome": "seen-with-symptoms",
                                                "onset_date": day(-1)})  # fmt: skip
        assert sick["status"] == "became-case" and sick["case_id"] is not None
        with pytest.raises(Conflict):  # closed now
            tracing.record_visit(repo, fid, {"outcome": "seen-ok"})
    assert cases.opened == [(made["target"], "measles", day(-1), "account:tyt-a")]
    with store.engine.connect() as conn:  # the edge is kept
        assert conn.execute(sa.select(ph_contact.c.target_patient)).scalar() == made["target"]
        row = conn.execute(sa.select(ph_followup.c.status, ph_followup.c.case_id)).one()
    assert tuple(row) == ("became-case", sick["case_id"])


def test_supervisors_reassign_and_record_in_bulk(store: SqlStore) -> None:
    tracing, _chains, _cases = facades(store.engine)
    a, b = (add_clinician(store.engine, n, STATION) for n in ("tyt-a", "tyt-b"))
    outsider = add_clinician(store.engine, "tyt-z", OTHER_STATION)
    source = _source(store)
    ids = [_contact(store, tracing, source, n)["followup"]["id"] for n in (2, 3, 4)]
    with store.engine.connect() as conn:
        first = dict(conn.execute(sa.select(ph_followup.c.id, ph_followup.c.assignee)).all())
    assert sorted(first.values()) == sorted([a, a, b]) or sorted(first.values()) == sorted(
        [a, b, b])  # round robin over the two
    with as_caller(store, OFFICER) as repo:
        assert tracing.reassign(repo, {"ward": WARD, "followup_ids": ids, "assignee": b}) == 3
        with pytest.raises(InvalidRequest):
            tracing.reassign(repo, {"ward": WARD, "followup_ids": ids, "assignee": outsider})
        with pytest.raises(InvalidRequest):
            tracing.reassign(repo, {"ward": WARD, "followup_ids": list(range(1, 5000))})
        done = tracing.bulk_outcome(repo, {"ward": WARD, "followup_ids": ids, "day": day(0),
                                           "outcome": "not-attempted"})  # fmt: skip
        assert done == 3
        with pytest.raises(InvalidRequest):  # symptoms are one person's action
            tracing.bulk_outcome(repo, {"ward": WARD, "followup_ids": ids,
                                        "outcome": "seen-with-symptoms"})  # fmt: skip
    station = principal(roles.CLINICIAN, "account:tyt-a", facility=STATION)
    with as_caller(store, station) as repo, pytest.raises(Forbidden):
        tracing.reassign(repo, {"ward": WARD, "followup_ids": ids, "assignee": a})


def test_the_daily_job_closes_completed_and_lost(store: SqlStore) -> None:
    tracing, _chains, _cases = facades(store.engine)
    source = _source(store)
    seen = _contact(store, tracing, source, 2, last_exposure=day(-30))["followup"]
    gone = _contact(store, tracing, source, 3, last_exposure=day(-24))["followup"]
    with as_caller(store, OFFICER) as repo:
        for n in range(-29, -8):  # every visit of the first seen
            tracing.record_visit(repo, seen["id"], {"day": day(n), "outcome": "seen-ok"})
        tracing.record_visit(repo, gone["id"], {"day": day(-3), "outcome": "missed"})
        with pytest.raises(Forbidden):  # the job is the operator's
            tracing.close_due(repo)
    with as_caller(store) as repo:
        counts = tracing.close_due(repo, day(-2))  # the second ended 1 day ago
        assert counts == {"completed": 1, "lost": 0, "active": 1, "became-case": 0}
        assert tracing.close_due(repo, day(1)) == {"completed": 0, "lost": 1, "active": 0,
                                                   "became-case": 0}  # fmt: skip
    with store.engine.connect() as conn:
        statuses = dict(conn.execute(sa.select(ph_followup.c.id, ph_followup.c.status)).all())
    assert statuses == {seen["id"]: "completed", gone["id"]: "lost"}


def test_a_contact_diagnosed_elsewhere_closes_as_became_case(store: SqlStore) -> None:
    tracing, _chains, _cases = facades(store.engine)
    source = _source(store)
    made = _contact(store, tracing, source, 2)
    case_id = add_case(store.engine, made["target"], onset=day(-1))  # the case register's
    add_case(store.engine, made["target"], onset=day(-1), classification="discarded")
    with as_caller(store) as repo:
        counts = tracing.close_due(repo)
    assert counts["became-case"] == 1
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(ph_followup.c.status, ph_followup.c.case_id)).one()
    assert tuple(row) == ("became-case", case_id)


def test_the_policy_lets_an_officer_create_a_patient_and_nothing_else() -> None:
    from hoso.access.policy import authorize

    authorize(OFFICER, "Patient", "c")  # a traced contact not yet on file
    for resource_type, permission in (("Patient", "u"), ("Patient", "d"), ("Observation", "c"),
                                      ("Condition", "c"), ("Encounter", "u")):  # fmt: skip
        with pytest.raises(Forbidden):
            authorize(OFFICER, resource_type, permission)
    reader = principal(roles.OFFICER, OFFICER_A, scopes=("user/*.rs",))
    with pytest.raises(Forbidden):  # the scopes still decide first
        authorize(reader, "Patient", "c")


def test_a_disease_without_follow_up_and_a_broken_definition(store: SqlStore) -> None:
    tracing, _chains, _cases = facades(store.engine)
    source = _source(store)
    add_case(store.engine, source, disease="no-followup", officers=(OFFICER_A,))
    made = _contact(store, tracing, source, 2, disease="no-followup")
    assert made["followup"] is None and made["contact_id"] > 0
    with pytest.raises(InvalidRequest):
        _contact(store, tracing, source, 3, disease="broken")
