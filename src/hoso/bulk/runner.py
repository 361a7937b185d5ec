"""Running `$export` jobs on a small thread pool owned by the API process.

A job's files go to `<bulk_dir>/<job id>/`; the manifest is stored only once the
completion is audited, so a client never gets files whose export left no trace. When
the process stops, running jobs are failed ("kick off again"); a process that died
without stopping leaves jobs whose heartbeat ends, and `recover` (at startup, and on
every status read) fails them once the heartbeat is older than `stale_seconds`.
"""

from __future__ import annotations

import logging
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hoso.access.bulk_access import BulkExportAccess, ExportPlan
from hoso.bulk.export import DEFAULT_PART_LINES, ExportCancelled, manifest, write_export
from hoso.core import clock
from hoso.core.errors import FhirError
from hoso.fhir.jobs import Job, JobTable

__all__ = ["BulkRunner"]

log = logging.getLogger("hoso.bulk")
FAILED_MESSAGE = "Xuất dữ liệu thất bại / The export failed"
STOPPED_MESSAGE = (
    "Máy chủ dừng khi đang xuất; hãy yêu cầu lại / "
    "The server stopped during the export; please kick off again"
)


class _Stopping(Exception):
    """The runner is shutting down: the job fails, to be kicked off again."""


class BulkRunner:
    def __init__(
        self,
        jobs: JobTable,
        bulk_dir: Path,
        *,
        workers: int = 2,
        part_lines: int = DEFAULT_PART_LINES,
        stale_seconds: float = 600.0,
        batch: int = 1000,
    ) -> None:
        self.jobs = jobs
        self.bulk_dir = bulk_dir
        self.part_lines = part_lines
        self.stale_seconds = stale_seconds
        self._workers = workers
        self._batch = batch
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._stop = threading.Event()

    def files_of(self, job_id: str) -> Path:
        return self.bulk_dir / job_id

    def start(self, access: BulkExportAccess, plan: ExportPlan, base_url: str) -> Job:
        """Record the job and queue it; the kick-off is already decided and audited."""
        request = {"url": plan.request.url, "level": plan.request.level, "base": base_url}
        job = self.jobs.create("export", access.principal.owner, request)
        with self._lock:
            if self._pool is None:
                self._stop = threading.Event()
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="hoso-bulk")
            pool, stop = self._pool, self._stop
        pool.submit(self._run, job.id, access, plan, base_url, stop)
        return job

    def cancel(self, job: Job) -> bool:
        """Cancel the job and remove its files (a running worker stops at its next
        heartbeat and removes whatever it wrote since)."""
        cancelled = self.jobs.cancel(job.id)
        shutil.rmtree(self.files_of(job.id), ignore_errors=True)
        return cancelled

    def recover(self) -> list[Job]:
        """Fail the active jobs whose worker stopped beating."""
        older_than = clock.now_us() - int(self.stale_seconds * 1_000_000)
        failed = self.jobs.fail_stale(older_than)
        for job in failed:
            shutil.rmtree(self.files_of(job.id), ignore_errors=True)
        return failed

    def stop(self) -> None:
        """Stop taking jobs; running ones fail at their next heartbeat."""
        with self._lock:
            pool, self._pool = self._pool, None
            self._stop.set()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    # -- one job -----------------------------------------------------------------------
    def _run(
        self,
        job_id: str,
        access: BulkExportAccess,
        plan: ExportPlan,
        base_url: str,
        stop: threading.Event,
    ) -> None:
        out = self.files_of(job_id)

        def heartbeat(progress: str) -> bool:
            if stop.is_set():
                raise _Stopping()
            return self.jobs.heartbeat(job_id, progress)

        try:
            started = clock.now_us()  # transactionTime: rows read after this instant
            if not heartbeat("starting"):
                raise ExportCancelled()
            result = write_export(
                access,
                plan,
                out,
                part_lines=self.part_lines,
                heartbeat=heartbeat,
                batch=self._batch,
            )

            def url_of(name: str) -> str:
                return f"{base_url}/bulk-files/{job_id}/{name}"

            patients = None if result.patients is None else sorted(result.patients)
            urls = [url_of(f.name) for f in result.files]
            access.completed(plan, urls, result.total, patients)  # raises if not durable
            if not self.jobs.complete(job_id, manifest(plan, result, started, url_of)):
                shutil.rmtree(out, ignore_errors=True)  # cancelled meanwhile
        except ExportCancelled:
            shutil.rmtree(out, ignore_errors=True)
        except _Stopping:
            self._failed(job_id, access, plan, out, STOPPED_MESSAGE)
        except FhirError as exc:
            self._failed(job_id, access, plan, out, exc.message)
        except Exception as exc:
            # The type only: an exception's text may quote record content.
            log.error("bulk export %s failed: %s", job_id, type(exc).__name__)
            self._failed(job_id, access, plan, out, f"{FAILED_MESSAGE} ({type(exc).__name__})")

    def _failed(
        self, job_id: str, access: BulkExportAccess, plan: ExportPlan, out: Path, message: str
    ) -> None:
        shutil.rmtree(out, ignore_errors=True)
        try:
            access.failed(plan.request, message)
        except Exception as exc:
            log.error("bulk export %s: failure not audited: %s", job_id, type(exc).__name__)
        self.jobs.fail(job_id, message)
