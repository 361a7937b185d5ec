"""The job table's life cycle, the kick-off parameters and the streaming read (keyset
pages under a caller's visibility)."""

from __future__ import annotations

import pytest

from hoso.access.bulk_access import ALL_PATIENTS, GROUP, PATIENT, SYSTEM, stream
from hoso.access.repository import AccessRepository
from hoso.bulk.request import parse_export
from hoso.core import clock
from hoso.core.errors import FhirError, NotSupported
from hoso.fhir.visibility import Visibility
from hoso.store.jobs import SqlJobs
from hoso.store.sql_store import SqlStore
from tests.builders.clinical import observation
from tests.builders.patient import resident


def test_job_life_cycle(store: SqlStore) -> None:
    jobs = SqlJobs(store.engine)
    job = jobs.create("export", "client:his", {"url": "u"})
    assert (job.status, job.owner, job.request) == ("accepted", "client:his", {"url": "u"})
    assert jobs.heartbeat(job.id, "Patient 10 (type 1/3)")
    assert jobs.get(job.id).status == "in-progress"
    assert jobs.complete(job.id, {"output": []})
    done = jobs.get(job.id)
    assert (done.status, done.manifest, done.finished is not None) == (
        "completed",
        {"output": []},
        True,
    )
    assert not jobs.heartbeat(job.id, "late")  # no longer active: the worker stops
    assert jobs.cancel(job.id) and not jobs.cancel(job.id)
    assert jobs.get("missing") is None


def test_stale_jobs_fail_and_fresh_ones_do_not(store: SqlStore) -> None:
    jobs = SqlJobs(store.engine)
    old, fresh = jobs.create("export", "a", {}), jobs.create("export", "a", {})
    later = clock.now_us() + 1
    jobs.heartbeat(fresh.id, "x")
    failed = jobs.fail_stale(older_than_us=later)
    assert {j.id for j in failed} >= {old.id}
    assert jobs.get(old.id).status == "failed" and "kick off again" in jobs.get(old.id).error
    assert not jobs.fail(old.id, "again")


def test_parse_export_parameters() -> None:
    req = parse_export(
        PATIENT,
        "u",
        {
            "_type": ["Patient,Observation", "Condition"],
            "_since": ["2026-01-01T00:00:00+07:00"],
            "_outputFormat": ["application/fhir+ndjson"],
            "patient": [{"reference": "Patient/a"}, {"reference": "Patient/b"}],
        },
    )
    assert req.types == ("Patient", "Observation", "Condition")
    assert clock.fhir_instant(clock.from_us(req.since_us or 0)) == "2025-12-31T17:00:00.000Z"
    assert req.patients == ("a", "b")
    assert parse_export(GROUP, "u", {}, group_id="g").group_id == "g"
    with pytest.raises(NotSupported):
        parse_export(SYSTEM, "u", {"_typeFilter": ["Patient?x=y"]})
    for bad in (
        {"patient": [{"reference": "Patient/a"}]},
        {"_since": ["2026-01-01"]},
        {"x": ["1"]},
    ):
        with pytest.raises(FhirError):
            parse_export(SYSTEM, "u", bad)
    assert parse_export(SYSTEM, "u", {"x": ["1"]}, lenient=True).types is None


def test_stream_pages_by_id_under_a_visibility(repo: AccessRepository) -> None:
    everything = repo.decider.visibility()
    with repo.store.unit_of_work() as s:
        pids = [s.create(resident(n)).stored.id for n in range(7)]
        for pid in pids:
            s.create(observation(pid))
        s.create({"resourceType": "Organization", "name": "BV"})
    rows = list(stream(repo, ["Patient", "Observation"], visibility=everything, batch=2))
    assert [r.id for r in rows if r.resource_type == "Patient"] == sorted(pids)
    assert len(rows) == 14
    some = sorted(pids)[:3]
    mine = Visibility(patients=frozenset(some))
    seen = list(stream(repo, ["Patient", "Observation", "Organization"], visibility=mine, batch=2))
    assert {r.patient_id for r in seen if r.patient_id} == set(some)
    assert sum(r.resource_type == "Organization" for r in seen) == 1  # outside compartments
    in_compartments = list(
        stream(repo, ["Organization", "Patient"], patients=ALL_PATIENTS, visibility=everything)
    )
    assert {r.resource_type for r in in_compartments} == {"Patient"}
    group = list(stream(repo, ["Observation"], patients=[pids[0], pids[1], "nobody"],
                        visibility=everything, batch=1))  # fmt: skip
    assert {r.patient_id for r in group} == {pids[0], pids[1]}
