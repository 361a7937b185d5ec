"""Asynchronous bulk jobs (FHIR Bulk Data `$export`, `$import`) as the runners see them:
a `Job` and the `JobTable` the store keeps them in (`hoso.store.jobs.SqlJobs`).
See https://hl7.org/fhir/uv/bulkdata/export.html#bulk-data-status-request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["ACCEPTED", "ACTIVE", "CANCELLED", "COMPLETED", "FAILED", "RUNNING", "Job", "JobTable"]

ACCEPTED, RUNNING, COMPLETED = "accepted", "in-progress", "completed"
FAILED, CANCELLED = "failed", "cancelled"
ACTIVE = (ACCEPTED, RUNNING)


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    kind: str  # export | import
    status: str
    owner: str  # `Principal.owner` of who asked
    request: dict[str, Any]
    created: int
    updated: int
    finished: int | None
    progress: str | None
    manifest: dict[str, Any] | None
    error: str | None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


class JobTable(Protocol):
    """Each call is its own short transaction (jobs are read by other processes)."""

    def create(self, kind: str, owner: str, request: dict[str, Any]) -> Job: ...
    def get(self, job_id: str) -> Job | None: ...
    def heartbeat(self, job_id: str, progress: str) -> bool: ...
    def complete(self, job_id: str, manifest: dict[str, Any]) -> bool: ...
    def fail(self, job_id: str, error: str) -> bool: ...
    def cancel(self, job_id: str) -> bool: ...
    def stale(self, older_than_us: int) -> list[Job]: ...
    def fail_stale(self, older_than_us: int) -> list[Job]: ...
