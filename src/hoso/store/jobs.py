"""Bulk jobs' state in the `bulk_job` table (the contract's `JobTable`, `hoso.fhir.jobs`):
created on kick-off, heartbeats while running (`updated`, with a short progress text),
then completed with a manifest, failed with an error, or cancelled by the client.

A job whose worker died (the server stopped or crashed) stops beating; `fail_stale`
fails it, so its owner sees a failure and kicks off again: jobs are not resumed, since
an export is cheap to restart and a half-written part is not worth trusting. Staleness
is judged by the heartbeat, not by "found running at startup", because several API
processes may share the database and another one may be running the job.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from hoso.core import clock, jsonx
from hoso.fhir.jobs import ACCEPTED, ACTIVE, CANCELLED, COMPLETED, FAILED, RUNNING, Job
from hoso.store.engine import WRITE_OPTION
from hoso.store.schema import bulk_job

__all__ = ["SqlJobs"]

def _job(row: Any) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        status=row.status,
        owner=row.owner,
        request=jsonx.loads(row.request),
        created=row.created,
        updated=row.updated,
        finished=row.finished,
        progress=row.progress,
        manifest=jsonx.loads(row.manifest) if row.manifest else None,
        error=row.error,
    )


class SqlJobs:
    """Each call is its own short transaction (jobs are read by other processes)."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def _reading(self) -> sa.Connection:
        return self._engine.connect().execution_options(**{WRITE_OPTION: False})

    def create(self, kind: str, owner: str, request: dict[str, Any]) -> Job:
        now = clock.now_us()
        values = {
            "id": str(uuid.uuid4()),
            "kind": kind,
            "status": ACCEPTED,
            "owner": owner,
            "request": jsonx.dumps_str(request),
            "created": now,
            "updated": now,
        }
        with self._engine.begin() as conn:
            conn.execute(sa.insert(bulk_job).values(**values))
        job = self.get(values["id"])
        assert job is not None
        return job

    def get(self, job_id: str) -> Job | None:
        with self._reading() as conn:
            row = conn.execute(sa.select(bulk_job).where(bulk_job.c.id == job_id)).first()
        return _job(row) if row is not None else None

    def heartbeat(self, job_id: str, progress: str) -> bool:
        """Record progress (and that the worker lives); False once the job is no longer
        active (cancelled, or failed as stale), telling the worker to stop."""
        return self._move(job_id, ACTIVE, status=RUNNING, progress=progress[:200])

    def complete(self, job_id: str, manifest: dict[str, Any]) -> bool:
        return self._move(
            job_id, ACTIVE, status=COMPLETED, manifest=jsonx.dumps_str(manifest), finished=True
        )

    def fail(self, job_id: str, error: str) -> bool:
        return self._move(job_id, ACTIVE, status=FAILED, error=error[:2000], finished=True)

    def cancel(self, job_id: str) -> bool:
        """Cancel an active or finished job (its files are then removed); False if
        it was already cancelled or does not exist."""
        every = (ACCEPTED, RUNNING, COMPLETED, FAILED)
        return self._move(job_id, every, status=CANCELLED, finished=True)

    def stale(self, older_than_us: int) -> list[Job]:
        """Active jobs whose heartbeat is older than `older_than_us`."""
        with self._reading() as conn:
            rows = conn.execute(
                sa.select(bulk_job).where(
                    bulk_job.c.status.in_(ACTIVE), bulk_job.c.updated < older_than_us
                )
            ).all()
        return [_job(row) for row in rows]

    def fail_stale(self, older_than_us: int) -> list[Job]:
        """Fail every stale job; returns those this call failed."""
        failed = []
        for job in self.stale(older_than_us):
            if self._move(
                job.id,
                ACTIVE,
                status=FAILED,
                error="Máy chủ đã dừng khi đang chạy; hãy yêu cầu lại / "
                "The server stopped while the job ran; please kick off again",
                finished=True,
                unless_beat_since=older_than_us,
            ):
                failed.append(job)
        return failed

    def _move(
        self,
        job_id: str,
        from_status: tuple[str, ...],
        *,
        finished: bool = False,
        unless_beat_since: int | None = None,
        **values: Any,
    ) -> bool:
        now = clock.now_us()
        values["updated"] = now
        if finished:
            values["finished"] = now
        where = [bulk_job.c.id == job_id, bulk_job.c.status.in_(from_status)]
        if unless_beat_since is not None:
            where.append(bulk_job.c.updated < unless_beat_since)
        with self._engine.begin() as conn:
            moved = conn.execute(sa.update(bulk_job).where(*where).values(**values)).rowcount
        return moved == 1
