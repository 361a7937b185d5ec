"""The audit spool: an entry is durable in a local file before the answer leaves, and
chained into the database's audit chain a moment later, by a thread of its own.

Why: a read's entry used to be one database commit per read (a round trip and a WAL
flush, 0.5–1 ms on the test machine), the largest part of the access layer's cost. An
append here is one `write` and one `fdatasync` of a local file (~0.07 ms), shared by
the requests that arrive together (the group-commit trail batches them).

- Each process appends to a file of its own (`spool-<database>-<pid>-<random>.log` in
  `Settings.audit_spool_dir`), one JSON line per entry, and holds an exclusive `flock`
  on it while it lives. `<database>` is an id the database keeps (`server_secret`), so
  a folder shared by servers of several databases never chains one's entries into
  another's chain.
- Its chainer thread reads complete lines after the last chained position and appends
  them to the chain; the file's new position (`audit_spool` table) is written in the
  same transaction, so every entry is chained exactly once, whatever crashes when.
- A file nobody holds a lock on belongs to a process that died (`kill -9`, power): the
  next process to start, and `hoso audit verify`, chain what is left of it, then delete
  it. A line cut short by the crash was never acknowledged (its fdatasync had not
  returned), so no answer was given without it.
- Until chained, an entry is protected by the file's permissions (0600, owner only);
  `hoso audit verify` chains the spools it finds first, then checks the whole chain.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import suppress
from pathlib import Path

import orjson

from hoso.fhir.audit_row import AuditRow
from hoso.store.audit_writer import ChainWriter, chain_writer
from hoso.store.secrets import server_secret
from hoso.store.sql_store import SqlStore

__all__ = ["AuditSpool", "drain_spools"]

log = logging.getLogger("hoso.audit")
BATCH = 500  # entries per chaining transaction


def database_id(store: SqlStore) -> str:
    """The id of the database behind `store`, made once and kept in it."""
    return server_secret(store.engine, "database-id", lambda: uuid.uuid4().bytes).hex()


def _line(row: AuditRow) -> bytes:
    return orjson.dumps([row.recorded, row.action, row.subtype, row.outcome, row.agent,
                         row.role, row.facility, row.break_glass, row.content,
                         list(row.patients)]) + b"\n"  # fmt: skip


def _row(line: bytes) -> AuditRow:
    recorded, action, subtype, outcome, agent, role, facility, glass, content, patients = (
        orjson.loads(line)
    )
    return AuditRow(recorded=recorded, action=action, subtype=subtype, outcome=outcome,
                    agent=agent, role=role, facility=facility, break_glass=glass,
                    content=content, patients=tuple(patients))  # fmt: skip


def _batches(path: Path, start: int) -> Iterator[tuple[list[AuditRow], int]]:
    """Complete lines after byte `start`, `BATCH` at a time, each batch with the
    position after it; a trailing line without its newline is left for later."""
    with path.open("rb") as f:
        f.seek(start)
        data = f.read()
    end = data.rfind(b"\n") + 1
    position, rows = start, []
    for line in data[:end].splitlines(keepends=True):
        rows.append(_row(line))
        position += len(line)
        if len(rows) == BATCH:
            yield rows, position
            rows = []
    if rows:
        yield rows, position


def _chain_file(writer: ChainWriter, path: Path, position: int | None = None) -> int:
    """Chain what `path` holds past `position` (by default the one recorded in the
    database); returns the new position."""
    if position is None:
        position = writer.spool_position(path.name)
    for rows, after in _batches(path, position):
        writer.append(rows, (path.name, after))
        position = after
    return position


def drain_spools(store: SqlStore, directory: Path, *, keep: str | None = None) -> int:
    """Chain and delete every spool file in `directory` that no live process holds
    (`keep`: this process's own, skipped); returns how many files were drained."""
    if not directory.is_dir():
        return 0
    drained = 0
    writer = chain_writer(store.engine, store.settings.audit_key)
    try:
        for path in sorted(directory.glob(f"spool-{database_id(store)}-*.log")):
            if path.name == keep:
                continue
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue  # drained by another process meanwhile
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue  # its process is alive and chains it itself
            try:
                if path.exists():
                    _chain_file(writer, path)
                    path.unlink()
                    writer.forget_spool(path.name)
                    drained += 1
            finally:
                os.close(fd)
    finally:
        writer.close()
    return drained


class AuditSpool:
    """An audit sink (`hoso.access.audit.AuditSink`): `append` returns once the rows are
    on disk; the chainer thread links them into the chain soon after (at once, unless
    `interval` says to wait between passes)."""

    def __init__(self, store: SqlStore, directory: Path, *, interval: float = 0.0) -> None:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._store = store
        self._directory = directory
        self._interval = interval
        name = f"spool-{database_id(store)}-{os.getpid()}-{uuid.uuid4().hex}.log"
        self._path = directory / name
        self._fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._chained = threading.Condition()
        self._durable = 0  # bytes appended and synced
        self._position = 0  # bytes chained
        self._failed = True  # read the chained position from the database first
        self._thread = threading.Thread(target=self._run, name="hoso-audit-chain", daemon=True)
        self._thread.start()

    @property
    def path(self) -> Path:
        return self._path

    def append(self, rows: Sequence[AuditRow]) -> None:
        data = b"".join(_line(row) for row in rows)
        with self._lock:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
            os.fdatasync(self._fd)  # durable: the answer may leave
            self._durable += len(data)
        self._wake.set()

    def wait_chained(self, timeout: float = 10.0) -> bool:
        """Block until everything appended so far is in the chain (tests, shutdown)."""
        with self._chained:
            target = self._durable
            return self._chained.wait_for(lambda: self._position >= target, timeout)

    def close(self) -> None:
        """Chain what is left, then remove the file."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)
        if self._position >= self._durable:
            with suppress(FileNotFoundError):
                self._path.unlink()
            with suppress(Exception):
                writer = chain_writer(self._store.engine, self._store.settings.audit_key)
                writer.forget_spool(self._path.name)
                writer.close()
        os.close(self._fd)  # a file left behind is drained by the next start

    # -- the chainer thread -------------------------------------------------------------
    def _run(self) -> None:
        try:
            drain_spools(self._store, self._directory, keep=self._path.name)
        except Exception as exc:  # the orphans stay on disk for the next start
            log.error("audit spool: orphans not chained: %s", type(exc).__name__)
        writer: ChainWriter | None = None
        while True:
            self._wake.wait(timeout=1.0)
            self._wake.clear()
            stopping = self._stop.is_set()
            if self._interval and not stopping:
                self._stop.wait(self._interval)
            try:
                writer = writer or chain_writer(self._store.engine, self._store.settings.audit_key)
                # The database's position after a failure (it may have committed).
                known = None if self._failed else self._position
                position = _chain_file(writer, self._path, known)
                self._failed = False
            except Exception as exc:  # kept on disk; retried on the next pass
                log.error("audit spool: chaining failed: %s", type(exc).__name__)
                self._failed = True
                if writer is not None:
                    with suppress(Exception):
                        writer.close()
                writer = None
                if stopping:
                    return
                self._stop.wait(1.0)
                continue
            with self._chained:
                self._position = position
                self._chained.notify_all()
            if stopping and position >= self._durable:
                writer.close()
                return
