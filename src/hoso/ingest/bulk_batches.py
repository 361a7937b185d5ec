"""The writing half of a bulk import: batches committed one transaction each, with
the checks single writes make (repeated ids, CCCD uniqueness, a facility's reach) and
one audit entry naming the batch's residents. See `hoso.ingest.bulk_import`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.audit import audit_row
from hoso.access.audit_record import MINOR_FAILURE, AuditRecord
from hoso.access.principal import Principal
from hoso.core import clock, jsonx
from hoso.core.errors import FhirError
from hoso.ingest.bulk_prepare import ChunkResult, LineError, Prepared
from hoso.ingest.import_audit import append_entry, import_entry
from hoso.store import bulk_write
from hoso.store.session import StoreSession
from hoso.store.sql_store import SqlStore
from hoso.store.write import cccd_conflict


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
    """Collects prepared resources and commits them a batch at a time."""

    def __init__(
        self,
        store: SqlStore,
        principal: Principal,
        report: ImportReport,
        progress: ImportProgress,
        options: ImportOptions,
    ) -> None:
        self._store = store
        self._principal = principal
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
            if self._options.progress is not None:
                self._options.progress(self._progress)
            if self._options.stop is not None and self._options.stop.is_set():
                raise Stopped
        if self._options.progress is not None:
            self._options.progress(self._progress)

    def _error(self, error: LineError) -> None:
        self._progress.errors += 1
        if len(self._report.errors) < self._options.max_errors_kept:
            self._report.errors.append(error)

    def flush(self) -> None:
        while self._items:  # a repeated id comes back for the next round, as an update
            items, self._items = self._items, []
            self._commit(items)
        if self._options.progress is not None:
            self._options.progress(self._progress)

    def _commit(self, items: list[Prepared]) -> None:
        with self._store.unit_of_work(check_references=False) as session:
            conn = session.conn
            items = self._without_repeats(items)
            stored = bulk_write.existing(conn, [(p.resource_type, p.id) for p in items])
            fresh = [p for p in items if (p.resource_type, p.id) not in stored]
            changed = [p for p in items if (p.resource_type, p.id) in stored]
            fresh = self._without_cccd_conflicts(conn, fresh)
            fresh = self._within_reach(session, fresh)
            bulk_write.copy_batch(conn, fresh)
            updated = self._update(session, changed, stored)
            written = fresh + updated
            if written:
                session.append_audit([audit_row(self._entry(written))])
        for p in fresh:
            self._report.counts[p.resource_type] = self._report.counts.get(p.resource_type, 0) + 1
        self._report.updated += len(updated)
        self._progress.written += len(written)

    def _without_repeats(self, items: list[Prepared]) -> list[Prepared]:
        """A (type, id) twice in one batch: the later line wins as an update, as two
        single writes would have it; the earlier is written first."""
        seen: set[tuple[str, str]] = set()
        first: list[Prepared] = []
        later: list[Prepared] = []
        for p in items:
            key = (p.resource_type, p.id)
            (later if key in seen else first).append(p)
            seen.add(key)
        if later:
            self._items = later + self._items  # written by the next batch, as updates
        return first

    def _without_cccd_conflicts(self, conn: sa.Connection, items: list[Prepared]) -> list[Prepared]:
        wanted = [c for p in items for c in p.cccds]
        if not wanted:
            return items
        taken = bulk_write.taken_cccds(conn, wanted)
        kept: list[Prepared] = []
        for p in items:
            clash = [c for c in p.cccds if c in taken and taken[c] != p.id]
            if clash:
                self._conflict(p, clash, sorted({taken[c] for c in clash}))
            else:
                kept.append(p)
                taken.update(dict.fromkeys(p.cccds, p.id))  # a later line with it clashes
        return kept

    def _conflict(self, p: Prepared, cccds: list[str], owners: list[str]) -> None:
        """The line is refused, naming the resident who holds the number, so the HIS can
        send its data to that Patient (the exact-CCCD rule of the master patient index)."""
        message = cccd_conflict(cccds, owners).issues[0].diagnostics
        self._error(LineError(p.file, p.line, "Patient.identifier", message))

    def _within_reach(self, session: StoreSession, items: list[Prepared]) -> list[Prepared]:
        """A facility may add to a resident's record only where it has a care relation
        (or creates one, or creates the Patient): the rule of single writes."""
        if self._principal.role == roles.OPERATOR:
            return items
        opened = {p.patient_id for p in items if p.opens_care}
        created = {p.id for p in items if p.resource_type == "Patient"}
        reach = policy.write_reach(_visibility(self._principal, self._store))
        checked: dict[str, bool] = {}
        kept: list[Prepared] = []
        for p in items:
            pid = p.patient_id
            if pid is None or pid in opened or pid in created:
                kept.append(p)
                continue
            if pid not in checked:
                checked[pid] = session.visible("Patient", pid, reach)
            if checked[pid]:
                kept.append(p)
            else:
                self._error(
                    LineError(
                        p.file,
                        p.line,
                        p.resource_type,
                        "Không có quan hệ điều trị hay ủy quyền với người bệnh này / "
                        "No care relationship with, or authority over, this patient",
                    )
                )
        return kept

    def _update(
        self,
        session: StoreSession,
        items: list[Prepared],
        stored: dict[tuple[str, str], tuple[bool, str]],
    ) -> list[Prepared]:
        """Lines already stored: unchanged ones are skipped, others become a new version
        through the single write path (in a savepoint, so a bad one is only reported)."""
        updated: list[Prepared] = []
        for p in items:
            deleted, content = stored[(p.resource_type, p.id)]
            new = _content_of(p)
            if not deleted and _same(jsonx.loads(content), new):
                self._report.skipped += 1
                self._progress.skipped += 1
                continue
            try:
                policy.authorize(self._principal, p.resource_type, "u")
                with session.conn.begin_nested():
                    session.update(p.resource_type, p.id, _unversioned(new))
            except FhirError as exc:
                for issue in exc.issues:
                    self._error(
                        LineError(p.file, p.line, ",".join(issue.expression), issue.diagnostics)
                    )
                continue
            updated.append(p)
        return updated

    def _entry(self, written: list[Prepared]) -> AuditRecord:
        files = sorted({x.file for x in written} - {""})
        return import_entry(
            self._principal,
            f"bulk import: {len(written)} resources",
            patients=(x.patient_id for x in written if x.patient_id),
            query=" ".join(Path(f).name for f in files) or None,
        )

    def audit_failures(self) -> None:
        """Refused and invalid lines, summed up in one entry of the trail."""
        description = f"bulk import: {self._progress.errors} lines refused"
        append_entry(self._store, import_entry(self._principal, description, outcome=MINOR_FAILURE))


def _visibility(principal: Principal, store: SqlStore) -> policy.Visibility:
    now = clock.now_us()
    return policy.visibility_for(
        principal, now_us=now, care_window_days=store.settings.care_window_days, permission="c"
    )


def _content_of(p: Prepared) -> dict[str, Any]:
    """The stored form of a prepared resource, from its `resource` row."""
    row = p.rows[0]
    if isinstance(row, bytes):
        # COPY text: orjson never writes a raw tab or newline, so the only escapes in
        # the content field are doubled backslashes.
        return jsonx.loads(row.decode().rstrip("\n").split("\t")[-1].replace("\\\\", "\\"))
    return jsonx.loads(row[0][-1])


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    strip = ("versionId", "lastUpdated")
    ma = {k: v for k, v in (a.get("meta") or {}).items() if k not in strip}
    mb = {k: v for k, v in (b.get("meta") or {}).items() if k not in strip}
    return ma == mb and {k: v for k, v in a.items() if k != "meta"} == {
        k: v for k, v in b.items() if k != "meta"
    }


def _unversioned(resource: dict[str, Any]) -> dict[str, Any]:
    meta = {
        k: v
        for k, v in (resource.get("meta") or {}).items()
        if k not in ("versionId", "lastUpdated")
    }
    body = {k: v for k, v in resource.items() if k != "meta"}
    return {**body, "meta": meta} if meta else body
