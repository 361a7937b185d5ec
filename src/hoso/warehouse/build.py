"""Warehouse builds: the store's resources → the packaged views → a new snapshot.

A full build reads every current resource of the views' types (one audited whole-store
read through the access layer: `BuildSource`), Patients first so every other row can be
given its resident's ward. An incremental build reads the change feed after the
position the current snapshot was built at, and rewrites only the partitions those
changes touch (`snapshots.py`). A changed Patient may have moved ward: their whole record
is read again and re-placed. The feed position is taken before a full build reads, so a
change committed during it is applied again by the next incremental build (harmless: a
row is replaced by its resource's key, never appended twice).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from hoso.core import clock, jsonx
from hoso.fhir.change_feed import Change
from hoso.identity.addresses import normalise_address
from hoso.warehouse.cases import CASE_TABLE, case_table
from hoso.warehouse.catalog import TableSpec, tables
from hoso.warehouse.flatten import Deidentify, Flattener, arrow_schema
from hoso.warehouse.flatten_sql import SqlFlattener, register_wards, resources_table
from hoso.warehouse.read_ahead import batches_ahead
from hoso.warehouse.snapshots import Warehouse, offline_duckdb, parquet_scan
from hoso.warehouse.viewdef.duckdb_sql import Uncompilable

__all__ = ["BuildReport", "BuildSource", "StoredRow", "WarehouseBuilder", "home_ward"]

BATCH = 5_000  # resources flattened and staged at a time: memory stays flat
Progress = Callable[[str, int], None]  # (table, resources done so far)


class StoredRow(Protocol):
    resource_type: str
    id: str
    content: str
    patient_id: str | None


class BuildSource(Protocol):
    """The store as a build reads it, through the access layer (decided and audited
    there: `hoso.access.warehouse_source`)."""

    def head(self) -> int: ...
    def everything(self, types: Sequence[str]) -> Iterator[StoredRow]: ...
    def changes(self, after: int, limit: int) -> list[Change]: ...
    def records(self, patient_ids: Sequence[str], types: Sequence[str]) -> Iterator[StoredRow]: ...
    def updated_since(self, types: Sequence[str], since_us: int) -> Iterator[StoredRow]: ...
    def built(self, position: int) -> None: ...
    def cases(self) -> Iterable[Any]: ...


RowsOf = Callable[[TableSpec], Callable[[dict[str, Any]], Iterable[dict[str, Any]]]]


@dataclass
class BuildReport:
    mode: str  # full | incremental | unchanged
    position: int
    resources: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    changes: int = 0
    partitions_rewritten: int = 0
    files_linked: int = 0
    seconds: float = 0.0
    identified: bool = False

    def info(self) -> dict[str, Any]:
        return {"mode": self.mode, "position": self.position, "resources": self.resources,
                "rows": self.rows, "changes": self.changes, "identified": self.identified,
                "built_at": clock.fhir_instant(clock.now()),
                "partitions_rewritten": self.partitions_rewritten,
                "files_linked": self.files_linked, "seconds": round(self.seconds, 3)}  # fmt: skip


def home_ward(patient: dict[str, Any]) -> str:
    """The resident's ward (2025 NSO code) from their home address, else their first;
    '' when none resolves. The same rule as the programmes' registers."""
    addresses = [a for a in patient.get("address") or [] if isinstance(a, dict)]
    for address in [a for a in addresses if a.get("use") == "home"] or addresses:
        code = normalise_address(address).ward_code
        if code:
            return str(code)
    return ""


class WarehouseBuilder:
    def __init__(self, warehouse: Warehouse, source: BuildSource, rows_of: RowsOf,
                 deidentify: Deidentify, progress: Progress | None = None,
                 writer: str = "duckdb", compiled: bool = True) -> None:  # fmt: skip
        if writer not in ("duckdb", "spark"):
            raise ValueError(f"engine: {writer!r} (duckdb | spark)")
        self.writer = writer
        self.warehouse = warehouse
        self.source = source
        self.deidentify = deidentify
        self.progress = progress or (lambda _t, _n: None)
        self.flatteners = {s.name: Flattener(s, rows_of(s), deidentify) for s in tables()}
        # The compiled (DuckDB SQL) path where the view compiles; Patients stay in Python,
        # which reads their address for the ward anyway.
        self.compiled: dict[str, SqlFlattener] = {}
        for spec in tables():
            if compiled and spec.name != "patient":
                # Uncompilable: the Python runner does every construct of the spec.
                with contextlib.suppress(Uncompilable):
                    self.compiled[spec.name] = SqlFlattener(spec, deidentify)

    def flatten(self, db: Any, spec: TableSpec, rows: list[tuple[str, str, str]],
                wards: dict[str, str]) -> pa.Table:  # fmt: skip
        """A batch of stored (type, id, content) → the table's rows; `db` holds the
        registered wards (`register_wards`) for the compiled path."""
        compiled = self.compiled.get(spec.name)
        if compiled is not None:
            return compiled.table(db, resources_table(rows))
        return self.flatteners[spec.name].table([jsonx.loads(c) for _, _, c in rows], wards)

    # -- full ----------------------------------------------------------------------------
    def full(self) -> BuildReport:
        with self.warehouse.lock():
            return self._full()

    def _full(self) -> BuildReport:
        started = time.monotonic()
        report = BuildReport("full", self.source.head(), identified=self.deidentify.identified)
        folder = self.warehouse.new_build()
        try:
            stage = folder / "_stage"
            wards: dict[str, str] = {}
            with offline_duckdb() as db:
                for spec in tables():
                    if spec.name != "patient":
                        register_wards(db, wards)  # complete: Patients come first
                    rows = self.source.everything([spec.resource_type])
                    self._stage(db, spec, rows, wards, stage, report)
            self._publish_all(stage, folder)
            _remove(stage)
            self.write_cases(folder, report)
            report.seconds = time.monotonic() - started
            self.warehouse.publish(folder, report.info())
        except BaseException:
            Warehouse.abandon(folder)
            raise
        self.source.built(report.position)
        return report

    # -- incremental -----------------------------------------------------------------------
    def incremental(self) -> BuildReport:
        """Apply the feed since the current snapshot; a full build when there is none
        (or it was built with the other identification)."""
        from hoso.warehouse.incremental import apply_changes

        with self.warehouse.lock():
            previous = self.warehouse.current()
            if previous is None or previous.identified != self.deidentify.identified:
                return self._full()
            report = BuildReport("incremental", previous.position,
                                 identified=self.deidentify.identified)  # fmt: skip
            if not apply_changes(self, previous, report):
                report.mode = "unchanged"
        self.source.built(report.position)
        return report

    def since(self, since_us: int) -> BuildReport:
        """Re-apply every resource last updated at or after `since_us` (`_lastUpdated`)
        over the current snapshot, whatever the feed's cursor says: a repair after a
        restore, or a back-fill. Deletions are not seen this way (the feed has them);
        the snapshot keeps its feed position."""
        from hoso.warehouse.incremental import apply_changes

        with self.warehouse.lock():
            previous = self.warehouse.current()
            if previous is None or previous.identified != self.deidentify.identified:
                return self._full()
            types = sorted({s.resource_type for s in tables()})
            rows = self.source.updated_since(types, since_us)
            changes = [Change(0, r.resource_type, r.id, 0, False, r.patient_id, since_us,
                              r.content) for r in rows]  # fmt: skip
            report = BuildReport("since", previous.position,
                                 identified=self.deidentify.identified)  # fmt: skip
            if not apply_changes(self, previous, report, changes):
                report.mode = "unchanged"
        return report

    def _stage(self, db: Any, spec: TableSpec, rows: Iterable[StoredRow],
               wards: dict[str, str], stage: Path, report: BuildReport) -> None:  # fmt: skip
        """Flatten `rows` into Parquet files under stage/<table>/, BATCH at a time, the
        next batch read from the store while this one is flattened (`batches_ahead`)."""
        done = part = 0
        for rows_read in batches_ahead(rows, BATCH):
            if spec.name == "patient":
                for row in rows_read:
                    wards[row.id] = home_ward(jsonx.loads(row.content))
            batch = [(row.resource_type, row.id, row.content) for row in rows_read]
            part = self._write_stage(db, spec, batch, wards, stage, part, report)
            done += len(batch)
            self.progress(spec.name, done)
        report.resources[spec.name] = report.resources.get(spec.name, 0) + done
        self.progress(spec.name, done)

    def _write_stage(self, db: Any, spec: TableSpec, batch: list[tuple[str, str, str]],
                     wards: dict[str, str], stage: Path, part: int, report: BuildReport
                     ) -> int:  # fmt: skip
        table = self.flatten(db, spec, batch, wards)
        report.rows[spec.name] = report.rows.get(spec.name, 0) + table.num_rows
        folder = stage / spec.name
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, folder / f"{part:06d}.parquet")
        return part + 1

    def write_cases(self, folder: Path, report: BuildReport) -> None:
        """The surveillance register's cases, the whole table every build (`cases.py`)."""
        table = case_table(self.source.cases(), self.deidentify)
        report.rows[CASE_TABLE] = table.num_rows
        target = folder / CASE_TABLE
        if table.num_rows == 0:
            (target / "year=none" / "ward=").mkdir(parents=True, exist_ok=True)
            pq.write_table(table, target / "year=none" / "ward=" / "empty.parquet")
            return
        with offline_duckdb() as db:
            db.register("cases", table)
            db.execute(f"COPY cases TO '{target}' (FORMAT parquet, PARTITION_BY (year, ward), "
                       "WRITE_PARTITION_COLUMNS true, OVERWRITE_OR_IGNORE true)")  # fmt: skip

    def _publish_all(self, stage: Path, folder: Path) -> None:
        """Staged files → the build's partitions, by DuckDB or by Spark (the same
        layout of rows; Spark names its folders part_year=…/part_ward=…, which no
        reader relies on). An empty table still gets one file, so readers find its
        columns."""
        staged = {s.name: sorted(str(p) for p in (stage / s.name).glob("*.parquet"))
                  for s in tables()}  # fmt: skip
        for spec in tables():
            if not staged[spec.name]:
                empty = folder / spec.name / "year=none" / "ward="
                empty.mkdir(parents=True, exist_ok=True)
                pq.write_table(pa.Table.from_pylist([], schema=arrow_schema(spec)),
                               empty / "empty.parquet")  # fmt: skip
        filled = [s for s in tables() if staged[s.name]]
        if self.writer == "spark":
            from hoso.warehouse.engine import spark_session

            with spark_session() as spark:
                for spec in filled:
                    _spark_write(spark, stage / spec.name, folder / spec.name)
            return
        with offline_duckdb() as db:
            for spec in filled:
                db.execute(
                    f"COPY (SELECT * FROM {parquet_scan(staged[spec.name])}) TO "
                    f"'{folder / spec.name}' (FORMAT parquet, PARTITION_BY (year, ward), "
                    "WRITE_PARTITION_COLUMNS true, OVERWRITE_OR_IGNORE true)"
                )


def _spark_write(spark: Any, staged: Path, target: Path) -> None:
    from pyspark.sql import functions as f

    frame = spark.read.parquet(str(staged))
    (frame.withColumn("part_year", f.col("year")).withColumn("part_ward", f.col("ward"))
     .write.mode("overwrite").partitionBy("part_year", "part_ward").parquet(str(target)))


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
