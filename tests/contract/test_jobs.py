"""JobTable: a bulk job is accepted, beats while running, then completes, fails or is
cancelled, each move made once; a job whose heartbeat stopped is failed as stale."""

from __future__ import annotations

from hoso.core import clock
from hoso.fhir.jobs import ACCEPTED, CANCELLED, COMPLETED, FAILED, RUNNING, JobTable

OWNER = "client:his-79001"


def test_a_created_job_is_accepted_as_asked(jobs: JobTable) -> None:
    """create: an accepted, active job with its kind, owner and request; get reads it."""
    before = clock.now_us()
    job = jobs.create("export", OWNER, {"types": ["Patient"], "since": None})
    assert (job.kind, job.owner, job.status) == ("export", OWNER, ACCEPTED) and job.active
    assert job.request == {"types": ["Patient"], "since": None}
    assert before <= job.created <= job.updated and job.finished is None
    assert (job.progress, job.manifest, job.error) == (None, None, None)
    assert jobs.get(job.id) == job
    assert jobs.get("no-such-job") is None
    assert jobs.create("import", OWNER, {}).id != job.id


def test_a_job_runs_then_completes_once(jobs: JobTable) -> None:
    """heartbeat: running, with progress; complete: the manifest, finished; after that
    heartbeats and a second end are refused (the worker stops)."""
    job = jobs.create("export", OWNER, {})
    assert jobs.heartbeat(job.id, "Patient 10/30")
    running = jobs.get(job.id)
    assert running is not None
    assert (running.status, running.progress, running.active) == (RUNNING, "Patient 10/30", True)
    assert jobs.complete(job.id, {"output": [{"type": "Patient", "url": "f1"}]})
    done = jobs.get(job.id)
    assert done is not None and not done.active
    assert (done.status, done.manifest) == (COMPLETED, {"output": [{"type": "Patient",
                                                                    "url": "f1"}]})  # fmt: skip
    assert done.finished is not None and done.finished >= running.updated
    assert not jobs.heartbeat(job.id, "late")
    assert not jobs.complete(job.id, {}) and not jobs.fail(job.id, "late")


def test_a_job_fails_once_with_its_error(jobs: JobTable) -> None:
    """fail: an active job ends failed with its error; a second fail is refused."""
    job = jobs.create("import", OWNER, {})
    assert jobs.fail(job.id, "Tệp hỏng / Broken file")
    failed = jobs.get(job.id)
    assert failed is not None
    assert (failed.status, failed.error, failed.active) == (FAILED, "Tệp hỏng / Broken file", False)
    assert failed.finished is not None
    assert not jobs.fail(job.id, "again") and not jobs.heartbeat(job.id, "x")


def test_cancel_ends_any_job_once(jobs: JobTable) -> None:
    """cancel: an active or finished job becomes cancelled (its worker's next heartbeat
    is refused); cancelling again, or an unknown job, is refused."""
    active, finished = jobs.create("export", OWNER, {}), jobs.create("export", OWNER, {})
    jobs.heartbeat(active.id, "1/3")
    jobs.complete(finished.id, {"output": []})
    assert jobs.cancel(active.id) and jobs.cancel(finished.id)
    for job_id in (active.id, finished.id):
        job = jobs.get(job_id)
        assert job is not None and job.status == CANCELLED and job.finished is not None
    assert not jobs.heartbeat(active.id, "2/3")
    assert not jobs.cancel(active.id) and not jobs.cancel("no-such-job")
    assert not jobs.heartbeat("no-such-job", "x")


def test_stale_jobs_are_those_whose_heartbeat_stopped(jobs: JobTable) -> None:
    """stale(older_than) lists active jobs not updated since; fail_stale fails them and
    returns them; fresh and finished jobs are left alone."""
    quiet, done = jobs.create("export", OWNER, {}), jobs.create("export", OWNER, {})
    jobs.complete(done.id, {"output": []})
    cutoff = clock.now_us() + 1
    while clock.now_us() <= cutoff:
        pass  # the next heartbeat must come after the cut-off
    beating = jobs.create("export", OWNER, {})
    jobs.heartbeat(beating.id, "1/3")
    assert [j.id for j in jobs.stale(cutoff)] == [quiet.id]
    assert [j.id for j in jobs.fail_stale(cutoff)] == [quiet.id]
    failed = jobs.get(quiet.id)
    assert failed is not None and failed.status == FAILED and failed.error
    assert jobs.stale(cutoff) == [] and jobs.fail_stale(cutoff) == []
    still = jobs.get(beating.id)
    assert still is not None and still.status == RUNNING
