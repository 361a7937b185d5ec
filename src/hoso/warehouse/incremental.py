"""An incremental build: the change feed after the current snapshot's position, applied
to the partitions it touches (the rest hard-linked: `snapshots.link_unchanged`).

A row is replaced by its resource's key (the view's `id`, pseudonymised as stored): a
changed resource's old rows are dropped wherever they were — its date or its resident's
ward may have changed — and its new rows written where they now belong; a deleted one's
are dropped. A changed Patient may have moved ward, so every row of their record is
dropped and their whole record read again (`BuildSource.records`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from hoso.core import jsonx
from hoso.fhir.change_feed import Change
from hoso.warehouse.catalog import TableSpec, tables
from hoso.warehouse.flatten import arrow_schema
from hoso.warehouse.flatten_sql import register_wards
from hoso.warehouse.snapshots import Snapshot, link_unchanged, offline_duckdb, parquet_scan

if TYPE_CHECKING:
    from hoso.warehouse.build import BuildReport, WarehouseBuilder

__all__ = ["FEED_PAGE", "apply_changes"]

FEED_PAGE = 10_000


def read_changes(builder: WarehouseBuilder, after: int) -> list[Change]:
    found: list[Change] = []
    while True:
        page = builder.source.changes(after, FEED_PAGE)
        found.extend(page)
        if len(page) < FEED_PAGE:
            return found
        after = page[-1].position


def apply_changes(builder: WarehouseBuilder, previous: Snapshot, report: BuildReport,
                  changes: list[Change] | None = None) -> bool:  # fmt: skip
    """Write the new build's tables into a fresh folder and publish it; False when
    there is nothing new (no build). `changes`: the feed after the snapshot's position
    when None; else these (`--since`: resources by `_lastUpdated`, position kept)."""
    from hoso.warehouse.build import home_ward

    started = time.monotonic()
    from_feed = changes is None
    changes = read_changes(builder, previous.position) if changes is None else changes
    report.changes = len(changes)
    if not changes:
        return False
    report.position = changes[-1].position if from_feed else previous.position
    latest = {(c.resource_type, c.id): c for c in changes}
    view_types = {s.resource_type for s in tables()}
    moved = sorted({i for (t, i), c in latest.items() if t == "Patient"})
    resources: dict[tuple[str, str], str] = {}  # (type, id) → the stored JSON
    owners: set[str] = set()
    for (rtype, rid), change in latest.items():
        if rtype in view_types and not change.deleted and change.content:
            resources[(rtype, rid)] = change.content
        if change.patient_id:
            owners.add(change.patient_id)
    if moved:
        others = sorted(view_types - {"Patient"})
        for row in builder.source.records(moved, others):
            resources[(row.resource_type, row.id)] = row.content
            if row.patient_id:
                owners.add(row.patient_id)
    key = builder.deidentify.key
    wards = _known_wards(previous, owners - set(moved), key)
    for pid in moved:
        patient = resources.get(("Patient", pid))
        wards[pid] = home_ward(jsonx.loads(patient)) if patient else ""
    removed = {s.name: sorted({key(i) for (t, i) in latest if t == s.resource_type})
               for s in tables()}  # fmt: skip
    moved_aliases = sorted({key(p) for p in moved})
    folder = builder.warehouse.new_build()
    try:
        with offline_duckdb() as db:
            register_wards(db, wards)
            for spec in tables():
                batch = [(t, i, c) for (t, i), c in resources.items() if t == spec.resource_type]
                new = builder.flatten(db, spec, batch, wards)
                report.resources[spec.name] = len(batch)
                report.rows[spec.name] = new.num_rows
                _rewrite(db, spec, previous, folder, new, removed[spec.name],
                         moved_aliases if spec.name != "patient" else [], report)  # fmt: skip
        builder.write_cases(folder, report)
        report.seconds = time.monotonic() - started
        builder.warehouse.publish(folder, report.info())
    except BaseException:
        builder.warehouse.abandon(folder)
        raise
    return True


def _known_wards(previous: Snapshot, patients: Iterable[str], key: Any) -> dict[str, str]:
    """Residents' wards as the previous build placed them (real id → ward)."""
    by_alias = {key(p): p for p in patients}
    files = previous.files("patient")
    if not by_alias or not files:
        return {p: "" for p in by_alias.values()}
    with offline_duckdb() as db:
        db.register("wanted", pa.table({"k": list(by_alias)}))
        rows = db.execute(f"SELECT id, ward FROM {parquet_scan(files)} "
                          "WHERE id IN (SELECT k FROM wanted)").fetchall()  # fmt: skip
    found = {by_alias[alias]: ward or "" for alias, ward in rows}
    return {p: found.get(p, "") for p in by_alias.values()}


def _rewrite(db: Any, spec: TableSpec, previous: Snapshot, folder: Path, new: pa.Table,
             removed: list[str], moved: list[str], report: BuildReport) -> None:  # fmt: skip
    files = previous.files(spec.name)
    db.register("new_rows", new)
    db.register("removed", pa.table({"k": pa.array(removed, pa.string())}))
    db.register("moved", pa.table({"k": pa.array(moved, pa.string())}))
    gone = "id IN (SELECT k FROM removed)"
    if spec.name != "patient":
        gone += " OR coalesce(patient_id, '') IN (SELECT k FROM moved)"
    # The partitions to rewrite: the folders of files holding a row to drop, and those
    # the new rows go to (an existing one among them must be merged, not linked beside).
    base = previous.root / spec.name
    folders: set[Path] = set()
    if files and (removed or moved):
        scan = parquet_scan(files, filename=True)
        hits = db.execute(f"SELECT DISTINCT filename FROM {scan} WHERE {gone}").fetchall()
        folders |= {Path(f).parent.relative_to(base) for (f,) in hits}
    new_parts = db.execute("SELECT DISTINCT year, ward FROM new_rows").fetchall()
    folders |= {Path(f"year={y}") / f"ward={w}" for y, w in new_parts}
    partitions = sorted(folders)
    target = folder / spec.name
    inside = [f for f in files if Path(f).parent.relative_to(base) in folders]
    if partitions:
        old = (f"SELECT * FROM {parquet_scan(inside)} WHERE NOT ({gone}) UNION ALL BY NAME "
               if inside else "")  # fmt: skip
        db.execute(f"COPY ({old}SELECT * FROM new_rows) TO '{target}' (FORMAT parquet, "
                   "PARTITION_BY (year, ward), WRITE_PARTITION_COLUMNS true, "
                   "OVERWRITE_OR_IGNORE true)")  # fmt: skip
        report.partitions_rewritten += len(partitions)
    report.files_linked += link_unchanged(previous, spec.name, folder, partitions)
    if not any(target.rglob("*.parquet")):
        empty = target / "year=none" / "ward="
        empty.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist([], schema=arrow_schema(spec)),
                       empty / "empty.parquet")  # fmt: skip
    for name in ("new_rows", "removed", "moved"):
        db.unregister(name)
