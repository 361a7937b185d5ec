"""The writing half of a bulk import: batches handed to the importer (the access layer's
`BulkImportAccess`), which commits each in one transaction with the checks single writes
make and one audit entry; here, which lines they were, the report and the progress.
See `hoso.ingest.bulk_import`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from hoso.fhir.store import BatchOutcome, PreparedRows, RowBuilder
from hoso.ingest.bulk_prepare import ChunkResult, LineError, Prepared

LABEL = "bulk import"


class Importer(Protocol):
    """What a bulk import needs of the access layer (`hoso.access.bulk_import`)."""

    def row_builder(self) -> RowBuilder: ...
    def reserve_seqs(self, count: int) -> list[int] | None: ...
    def first_new_seq(self) -> int: ...
    def dangling_references(self, from_seq: int) -> list[Any]: ...
    def write_batch(self, items: Sequence[PreparedRows], *, label: str,
                    files: str | None) -> BatchOutcome: ...  # fmt: skip
    def refused(self, count: int, label: str) -> None: ...


@dataclass
class ImportProgress:
    bytes_done: int = 0
    bytes_total: int = 0
    written: int = 0
    skipped: int = 0  # already stored, unchanged (a rerun)
    errors: int = 0


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=dict)  # written, per type
    updated: int = 0  # stored before with other content: a new version
    skipped: int = 0
    errors: list[LineError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def written(self) -> int:
        return sum(self.counts.values())


@dataclass
class ImportOptions:
    workers: int | None = None  # None: one per core for large inputs, else in-process
    batch_resources: int = 5_000
    check_references: bool = True
    progress: Callable[[ImportProgress], None] | None = None
    stop: threading.Event | None = None  # set it to stop after the current batch
    max_errors_kept: int = 10_000


class Stopped(Exception):
    """The caller asked the import to stop (after the batch just committed)."""


class BatchWriter:
    """Collects prepared resources and hands them over a batch at a time."""

    def __init__(self, importer: Importer, report: ImportReport, progress: ImportProgress,
                 options: ImportOptions) -> None:  # fmt: skip
        self._importer = importer
        self._report = report
        self._progress = progress
        self._options = options
        self._items: list[Prepared] = []

    def add(self, result: ChunkResult) -> None:
        for error in result.errors:
            self._error(error)
        self._items.extend(result.prepared)
        size = self._options.batch_resources
        while len(self._items) >= size:
            batch, self._items = self._items[:size], self._items[size:]
            self._commit(batch)
            self._tell()
            if self._options.stop is not None and self._options.stop.is_set():
                raise Stopped
        self._tell()

    def flush(self) -> None:
        while self._items:  # a repeated id comes back for the next round, as an update
            items, self._items = self._items, []
            self._commit(items)
        self._tell()

    def audit_failures(self) -> None:
        self._importer.refused(self._progress.errors, LABEL)

    def _tell(self) -> None:
        if self._options.progress is not None:
            self._options.progress(self._progress)

    def _error(self, error: LineError) -> None:
        self._progress.errors += 1
        if len(self._report.errors) < self._options.max_errors_kept:
            self._report.errors.append(error)

    def _commit(self, items: list[Prepared]) -> None:
        items = self._without_repeats(items)
        files = sorted({Path(p.file).name for p in items} - {""})
        outcome = self._importer.write_batch([p.rows for p in items], label=LABEL,
                                             files=" ".join(files) or None)  # fmt: skip
        for i, reasons in sorted(outcome.refused.items()):
            for path, message in reasons:
                self._error(LineError(items[i].file, items[i].line, path, message))
        for i in outcome.written:
            rtype = items[i].rows.resource_type
            self._report.counts[rtype] = self._report.counts.get(rtype, 0) + 1
        self._report.updated += len(outcome.updated)
        self._report.skipped += len(outcome.skipped)
        self._progress.skipped += len(outcome.skipped)
        self._progress.written += len(outcome.written) + len(outcome.updated)

    def _without_repeats(self, items: list[Prepared]) -> list[Prepared]:
        """A (type, id) twice in one batch: the later line wins as an update, as two
        single writes would have it; the earlier is written first."""
        seen: set[tuple[str, str]] = set()
        first: list[Prepared] = []
        later: list[Prepared] = []
        for p in items:
            (later if p.key in seen else first).append(p)
            seen.add(p.key)
        if later:
            self._items = later + self._items  # written by the next batch, as updates
        return first
