"""Running `$import` jobs on the API process's thread (one at a time: an import already
uses every core through its worker processes)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from hoso.core.errors import FhirError
from hoso.core.settings import Settings
from hoso.fhir.audit_row import MAJOR_FAILURE, SUCCESS
from hoso.fhir.jobs import Job, JobTable
from hoso.ingest.bulk_batches import Importer
from hoso.ingest.import_job import ImportInput, remove_staging, run_import, stage_inputs

log = logging.getLogger("hoso.ingest")


class JobImporter(Importer, Protocol):
    """The importer of a job, which also audits the job's own steps."""

    def note(self, outcome: str, description: str, *, query: str | None = None,
             subtype: str = "import") -> None: ...  # fmt: skip


class ImportRunner:
    def __init__(self, jobs: JobTable, bulk_dir: Path, settings: Settings) -> None:
        self.jobs = jobs
        self.bulk_dir = bulk_dir
        self._settings = settings
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="hoso-import")

    def files_of(self, job_id: str) -> Path:
        return self.bulk_dir / job_id

    def start(
        self,
        importer: JobImporter,
        request: dict[str, str],
        inputs: list[ImportInput],
        *,
        body_file: Path | None,
        job: Job,
        base_url: str,
        fetch_headers: dict[str, str],
    ) -> None:
        importer.note(SUCCESS, f"$import kick-off {job.id}", query=request["url"])
        self._pool.submit(self._run, importer, request, inputs, body_file, job, base_url,
                          fetch_headers)  # fmt: skip

    def _run(
        self,
        importer: JobImporter,
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
                importer,
                self._settings,
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
            importer.note(MAJOR_FAILURE, f"$import {job.id}: {exc.message}")
        except Exception as exc:
            # The type only: an exception's text may quote record content.
            log.error("import %s failed: %s", job.id, type(exc).__name__)
            remove_staging(out)
            failed = f"Nạp dữ liệu thất bại / The import failed ({type(exc).__name__})"
            self.jobs.fail(job.id, failed)
            importer.note(MAJOR_FAILURE, f"$import {job.id}: {type(exc).__name__}")

    def stop(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
