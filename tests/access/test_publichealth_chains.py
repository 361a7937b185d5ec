"""Chain snapshots and indicators through their facade on SQLite and PostgreSQL: asked,
cached per disease and day, computed by the job, read page by page; one chain drawn
with persons identified only for the officer whose cases they are."""

from __future__ import annotations

import re

import pytest

from hoso.access import claims as roles
from hoso.core.errors import Forbidden, InvalidRequest, ResourceNotFound
from hoso.store.sql_store import SqlStore
from tests.access.test_publichealth_tracing import OFFICER, OTHER_OFFICER, _contact, _source
from tests.callers import as_caller, audit_subtypes
from tests.publichealth.tracing.world import STATION, add_case, day, facades, principal


def _outbreak(store: SqlStore) -> tuple[object, object, str, str]:
    tracing, chains, _cases = facades(store.engine)
    source = _source(store)
    contact = _contact(store, tracing, source, 2)["target"]
    add_case(store.engine, contact, onset=day(-2))  # the contact fell ill: F1
    return tracing, chains, source, contact


def test_a_snapshot_is_asked_cached_computed_and_read(store: SqlStore) -> None:
    _tracing, chains, source, contact = _outbreak(store)
    with as_caller(store, OFFICER) as repo:
        asked, cached = chains.request(repo, {"disease": "measles", "as_of": day(0)})
        assert asked.status == "queued" and cached is False
        again, cached = chains.request(repo, {"disease": "measles", "as_of": day(0)})
        assert again.id == asked.id and cached is True
        assert chains.status(repo, asked.id)["status"] == "queued"
    assert chains.run(asked.id) == "done"
    assert chains.run(asked.id) == "done"  # claimed once; the second run does nothing
    with as_caller(store, OFFICER) as repo:
        snap = chains.status(repo, asked.id)
        assert snap["status"] == "done" and snap["totals"]["chains"] == 1
        (chain,) = snap["chains"]
        assert chain["size"] == 2 and chain["max_generation"] == 1 and "members" not in chain
        mine = chains.chain(repo, asked.id, 1)
    assert source in mine["svg"] and contact in mine["svg"]  # linked: real ids
    with as_caller(store, OTHER_OFFICER) as repo:
        theirs = chains.chain(repo, asked.id, "1")
    assert source not in theirs["svg"] and contact not in theirs["svg"]
    assert len(re.findall(r"anon-[0-9a-f]{20}", theirs["svg"])) == 2
    assert "ph-chain" in audit_subtypes(store)


def test_who_may_and_what_is_refused(store: SqlStore) -> None:
    _tracing, chains, _source_id, _contact_id = _outbreak(store)
    with as_caller(store, OFFICER) as repo:
        asked, _ = chains.request(repo, {"disease": "measles"})
        for bad in ({"disease": "nope"}, {"disease": "measles", "as_of": "2999-01-01"},
                    {"disease": "measles", "as_of": "yesterday"}):  # fmt: skip
            with pytest.raises(InvalidRequest):
                chains.request(repo, bad)
        with pytest.raises(ResourceNotFound):
            chains.status(repo, 999_999)
        with pytest.raises(InvalidRequest):
            chains.status(repo, asked.id, limit=10_000)
    chains.run(asked.id)
    with as_caller(store, OFFICER) as repo:
        with pytest.raises(ResourceNotFound):
            chains.chain(repo, asked.id, 2)
        with pytest.raises(InvalidRequest):
            chains.chain(repo, asked.id, 1, node_cap=100_000)
    station = principal(roles.CLINICIAN, "account:tyt-a", facility=STATION)
    for who in (station, principal(roles.RESIDENT, "account:p1")):
        with as_caller(store, who) as repo:
            with pytest.raises(Forbidden):
                chains.status(repo, asked.id)
            with pytest.raises(Forbidden):
                chains.indicators(repo, "measles", day(-30), day(0))


def test_a_failed_job_is_recorded_not_raised(store: SqlStore) -> None:
    _tracing, chains, _s, _c = _outbreak(store)

    class Broken:
        def chain_rows(self, disease: str, as_of: str) -> None:
            raise RuntimeError("disk on fire")

    chains.bulk = Broken()
    with as_caller(store, OFFICER) as repo:
        asked, _ = chains.request(repo, {"disease": "measles", "as_of": day(-1)})
    assert chains.run(asked.id) == "failed"
    with as_caller(store, OFFICER) as repo:
        snap = chains.status(repo, asked.id)
        assert snap["status"] == "failed" and "disk on fire" in snap["error"]
        # A failed snapshot is not the cache: asking again queues a new one.
        fresh, cached = chains.request(repo, {"disease": "measles", "as_of": day(-1)})
    assert fresh.id != asked.id and cached is False


def test_indicators_are_aggregates(store: SqlStore) -> None:
    _tracing, chains, _source_id, contact = _outbreak(store)
    with as_caller(store, OFFICER) as repo:
        out = chains.indicators(repo, "measles", day(-30), day(0), 2)
        with pytest.raises(InvalidRequest):
            chains.indicators(repo, "measles", day(-400), day(0))
    assert out["new_cases"] == {"n": 2, "known_contacts": 1, "share": 0.5}
    assert out["serial_interval"]["n"] == 1 and out["serial_interval"]["mean"] == 8
    assert out["secondary_attack_rate"]["household"]["rate"] == 1.0
    assert contact not in str(out)
