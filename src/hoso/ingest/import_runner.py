"""Running `$import` jobs on the API process's thread (one at a time: an import already
uses every core through its worker processes)."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hoso.access.audit_record import MAJOR_FAILURE, SUCCESS
from hoso.access.principal import Principal
from hoso.bulk.jobs import Job, JobStore
from hoso.core.errors import FhirError
from hoso.ingest.import_audit import append_entry, import_entry
from hoso.ingest.import_job import ImportInput, remove_staging, run_import, stage_inputs
from hoso.store.sql_store import SqlStore

log = logging.getLogger("hoso.ingest")


class ImportRunner:
    def __init__(self, store: SqlStore, jobs: JobStore, bulk_dir: Path) -> None:
        self._store = store
        self.jobs = jobs
        self.bulk_dir = bulk_dir
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="hoso-import")
        self._lock = threading.Lock()

    def files_of(self, job_id: str) -> Path:
        return self.bulk_dir / job_id

    def start(
        self,
        principal: Principal,
        request: dict[str, str],
        inputs: list[ImportInput],
        *,
        body_file: Path | None,
        job: Job,
        base_url: str,
        fetch_headers: dict[str, str],
    ) -> None:
        self.audit(principal, SUCCESS, f"$import kick-off {job.id}", query=request["url"])
        self._pool.submit(self._run, principal, request, inputs, body_file, job, base_url,
                          fetch_headers)  # fmt: skip

    def audit(
        self,
        principal: Principal,
        outcome: str,
        description: str,
        query: str | None = None,
        *,
        subtype: str = "import",
    ) -> None:
        entry = import_entry(principal, description, outcome=outcome, subtype=subtype, query=query)
        append_entry(self._store, entry)

    def _run(
        self,
        principal: Principal,
        request: dict[str, str],
        inputs: list[ImportInput],
        body_file: Path | None,
        job: Job,
        base_url: str,
        fetch_headers: dict[str, str],
    ) -> None:
        out = self.files_of(job.id)
        try:
            if not self.jobs.heartbeat(job.id, "fetching inputs"):
                remove_staging(out)
                return
            urls = [i for i in inputs if i.url != "body"]
            paths = [body_file] if body_file is not None else []
            paths += stage_inputs(urls, out, fetch_headers)
            names = {str(p): i.url for p, i in zip(paths, inputs, strict=True)}
            result = run_import(
                self._store,
                principal,
                paths,
                names,
                out,
                request_url=request["url"],
                files_url=lambda name: f"{base_url}/$import-files/{job.id}/{name}",
                heartbeat=lambda text: self.jobs.heartbeat(job.id, text),
            )
            if not self.jobs.complete(job.id, result.manifest):
                return  # cancelled: committed batches stay (rerun to finish)
        except FhirError as exc:
            remove_staging(out)
            self.jobs.fail(job.id, exc.message)
            self.audit(principal, MAJOR_FAILURE, f"$import {job.id}: {exc.message}")
        except Exception as exc:
            # The type only: an exception's text may quote record content.
            log.error("import %s failed: %s", job.id, type(exc).__name__)
            remove_staging(out)
            failed = f"Nạp dữ liệu thất bại / The import failed ({type(exc).__name__})"
            self.jobs.fail(job.id, failed)
            self.audit(principal, MAJOR_FAILURE, f"$import {job.id}: {type(exc).__name__}")

    def stop(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
