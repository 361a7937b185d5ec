"""The `$export` engine: streams what the access layer lets the caller see into NDJSON
files, one per resource type (`Patient.ndjson`), split into parts of at most
`part_lines` lines (`Patient.ndjson`, `Patient-2.ndjson`, …), and builds the manifest
(https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status).

Rows are written as stored (canonical JSON, one per line), by type and then by id, so
that export → import into an empty store → export gives the same files apart from
`meta.lastUpdated`. Memory stays flat: rows stream from keyset pages, and only the set
of residents reached is kept, up to the audit cap.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from hoso.access.bulk_access import AUDIT_PATIENT_CAP, BulkExportAccess, ExportPlan
from hoso.core import clock
from hoso.fhir.store import BulkRow

__all__ = [
    "DEFAULT_PART_LINES",
    "ExportCancelled",
    "ExportResult",
    "OutputFile",
    "manifest",
    "write_export",
]

DEFAULT_PART_LINES = 100_000
HEARTBEAT_SECONDS = 2.0


class ExportCancelled(Exception):
    """The job stopped being active (cancelled by its owner) while it ran."""


@dataclass(frozen=True, slots=True)
class OutputFile:
    type: str
    name: str  # file name inside the job's folder
    count: int


@dataclass
class ExportResult:
    files: list[OutputFile] = field(default_factory=list)
    patients: set[str] | None = field(default_factory=set)  # None: over the audit cap

    @property
    def total(self) -> int:
        return sum(f.count for f in self.files)


# (progress text) -> still active?
Heartbeat = Callable[[str], bool]


def write_export(
    access: BulkExportAccess,
    plan: ExportPlan,
    out_dir: Path,
    *,
    part_lines: int = DEFAULT_PART_LINES,
    heartbeat: Heartbeat | None = None,
    batch: int = 1000,
) -> ExportResult:
    """Write the files of `plan` into `out_dir` (created, owner-only); raises
    `ExportCancelled` when `heartbeat` says the job is no longer active."""
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    result = ExportResult()
    writer = _PartWriter(out_dir, part_lines, result)
    beat = _Beat(heartbeat, len(plan.types))
    try:
        for row in access.rows(plan, batch=batch):
            writer.write(row)
            _reached(result, row)
            beat.row(row.resource_type, writer.count_of(row.resource_type))
    finally:
        writer.close()
    return result


def _reached(result: ExportResult, row: BulkRow) -> None:
    if row.patient_id is None or result.patients is None:
        return
    result.patients.add(row.patient_id)
    if len(result.patients) > AUDIT_PATIENT_CAP:
        result.patients = None  # too many to list in one audit entry


class _Beat:
    """Calls the heartbeat at most every `HEARTBEAT_SECONDS`, and on each new type."""

    def __init__(self, heartbeat: Heartbeat | None, n_types: int) -> None:
        self._heartbeat = heartbeat
        self._n_types = n_types
        self._types: list[str] = []
        self._last = 0.0

    def row(self, resource_type: str, count: int) -> None:
        if self._heartbeat is None:
            return
        new_type = not self._types or self._types[-1] != resource_type
        if new_type:
            self._types.append(resource_type)
        now = time.monotonic()
        if new_type or now - self._last >= HEARTBEAT_SECONDS:
            self._last = now
            text = f"{resource_type} {count} (type {len(self._types)}/{self._n_types})"
            if not self._heartbeat(text):
                raise ExportCancelled()


class _PartWriter:
    def __init__(self, out_dir: Path, part_lines: int, result: ExportResult) -> None:
        self._dir = out_dir
        self._part_lines = max(1, part_lines)
        self._result = result
        self._file: IO[bytes] | None = None
        self._type: str | None = None
        self._part = 0
        self._name = ""
        self._lines = 0
        self._counts: dict[str, int] = {}

    def count_of(self, resource_type: str) -> int:
        return self._counts.get(resource_type, 0)

    def write(self, row: BulkRow) -> None:
        if row.resource_type != self._type or self._lines >= self._part_lines:
            self._next_part(row.resource_type)
        assert self._file is not None
        self._file.write(row.content.encode())
        self._file.write(b"\n")
        self._lines += 1
        self._counts[row.resource_type] = self._counts.get(row.resource_type, 0) + 1

    def _next_part(self, resource_type: str) -> None:
        self.close()
        self._part = self._part + 1 if resource_type == self._type else 1
        self._type = resource_type
        self._lines = 0
        suffix = "" if self._part == 1 else f"-{self._part}"
        self._name = f"{resource_type}{suffix}.ndjson"
        fd = os.open(self._dir / self._name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._file = os.fdopen(fd, "wb", buffering=1 << 20)

    def close(self) -> None:
        if self._file is None or self._type is None:
            return
        self._file.close()
        self._file = None
        self._result.files.append(OutputFile(self._type, self._name, self._lines))


def manifest(
    plan: ExportPlan,
    result: ExportResult,
    transaction_time_us: int,
    url_of: Callable[[str], str],
) -> dict[str, Any]:
    """The complete-status body (Bulk Data IG v2)."""
    return {
        "transactionTime": clock.fhir_instant(clock.from_us(transaction_time_us)),
        "request": plan.request.url,
        "requiresAccessToken": True,
        "output": [{"type": f.type, "url": url_of(f.name), "count": f.count} for f in result.files],
        "error": [],
    }
