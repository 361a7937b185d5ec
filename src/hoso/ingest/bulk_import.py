"""Bulk import of FHIR NDJSON: `hoso import` and the `$import` operation.

Lines are prepared (validated, indexed) in worker processes and written in batches, one
transaction per batch with its audit entry, by `COPY` on PostgreSQL and batched inserts
on SQLite. A batch is all or nothing, so a crash or Ctrl-C loses nothing committed;
resumable because a rerun finds what is stored by (type, id) and skips it (lines
without an id get one derived from the file's SHA-256 and the line number, the same on
every run). A line already stored with other content becomes a new version through the
single write path. Bad lines are reported (file, line, element path, message) and the
import goes on.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path

from hoso.core.settings import Settings
from hoso.ingest.bulk_batches import (
    BatchWriter,
    Importer,
    ImportOptions,
    ImportProgress,
    ImportReport,
    Stopped,
)
from hoso.ingest.bulk_prepare import (
    Chunk,
    ChunkResult,
    PrepareContext,
    init_worker,
    prepare_chunk,
    prepare_chunk_in_worker,
)

__all__ = ["ImportOptions", "ImportProgress", "ImportReport", "Importer", "import_ndjson"]

ID_NAMESPACE = uuid.UUID("6f1c3a52-2f0e-4d7e-9b8e-3d6a1f0c7b21")  # Hồ Sơ bulk import
CHUNK_LINES = 500  # lines per worker task
PARALLEL_FROM_BYTES = 8 * 1024 * 1024  # smaller inputs are prepared in this process


def import_ndjson(
    importer: Importer,
    settings: Settings,
    paths: Sequence[Path],
    options: ImportOptions | None = None,
) -> ImportReport:
    """Import every line of `paths` through `importer` (the caller's access layer); see
    the module docstring."""
    options = options or ImportOptions()
    report = ImportReport()
    started = time.perf_counter()
    progress = ImportProgress(bytes_total=sum(p.stat().st_size for p in paths))
    context = PrepareContext(settings, importer.row_builder())
    workers = options.workers
    if workers is None:
        workers = (os.cpu_count() or 1) if progress.bytes_total >= PARALLEL_FROM_BYTES else 0
    from_seq = importer.first_new_seq()
    pool = _pool(workers, context) if workers > 0 else None
    writer = BatchWriter(importer, report, progress, options)
    try:
        for result in _prepared(paths, context, importer, pool, progress, workers):
            writer.add(result)
        writer.flush()
    except (KeyboardInterrupt, Stopped):
        report.interrupted = True
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    if options.check_references and not report.interrupted:
        for row in importer.dangling_references(from_seq):
            report.warnings.append(
                f"{row.resource_type}/{row.id} ({row.param}): tham chiếu "
                f"{row.target_type}/{row.target_id} không tồn tại / reference "
                f"{row.target_type}/{row.target_id} does not resolve"
            )
    if report.errors:
        writer.audit_failures()
    report.seconds = time.perf_counter() - started
    return report


def _pool(workers: int, context: PrepareContext) -> multiprocessing.pool.Pool:
    # spawn, not fork: the server runs imports beside its own threads.
    ctx = multiprocessing.get_context("spawn")
    return ctx.Pool(workers, initializer=init_worker, initargs=(context,))


def _chunks(
    paths: Sequence[Path], importer: Importer, progress: ImportProgress
) -> Iterator[tuple[Chunk, int]]:
    """(chunk, bytes it covers), read lazily so that memory stays flat."""
    for path in paths:
        namespace = uuid.uuid5(ID_NAMESPACE, _sha256(path))
        lines: list[tuple[int, bytes]] = []
        size = 0
        with path.open("rb") as f:
            for number, raw in enumerate(f, start=1):
                size += len(raw)
                if raw.strip():
                    lines.append((number, raw))
                if len(lines) >= CHUNK_LINES:
                    seqs = importer.reserve_seqs(len(lines))
                    yield Chunk(str(path), namespace, lines, seqs), size
                    lines, size = [], 0
        seqs = importer.reserve_seqs(len(lines)) if lines else None
        yield Chunk(str(path), namespace, lines, seqs), size


def _prepared(
    paths: Sequence[Path],
    context: PrepareContext,
    importer: Importer,
    pool: multiprocessing.pool.Pool | None,
    progress: ImportProgress,
    workers: int,
) -> Iterator[ChunkResult]:
    """Prepared chunks in input order; at most a few chunks in flight per worker."""
    if pool is None:
        for chunk, size in _chunks(paths, importer, progress):
            progress.bytes_done += size
            yield prepare_chunk(chunk, context)
        return
    pending: deque[tuple[multiprocessing.pool.AsyncResult[ChunkResult], int]] = deque()
    source = _chunks(paths, importer, progress)
    exhausted = False
    while True:
        while not exhausted and len(pending) < workers * 3:
            nxt = next(source, None)
            if nxt is None:
                exhausted = True
                break
            pending.append((pool.apply_async(prepare_chunk_in_worker, (nxt[0],)), nxt[1]))
        if not pending:
            return
        result, size = pending.popleft()
        chunk_result = result.get()
        progress.bytes_done += size
        yield chunk_result


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
