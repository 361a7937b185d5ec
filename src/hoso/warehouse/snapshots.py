"""The warehouse on disk: builds as immutable snapshots, the newest named by `CURRENT`.

    <root>/CURRENT                         the id of the build readers open
    <root>/builds/<id>/_build.json         what the build was: mode, feed position, counts
    <root>/builds/<id>/<table>/year=YYYY/ward=WWWWW/*.parquet

A full build writes every table anew. An incremental build rewrites only the partitions
its changes touch and hard-links the others from the previous build, so it costs what
changed, not the size of the city. `CURRENT` is replaced by an atomic rename after the
new build is complete: a reader sees the old snapshot or the new one, never half of
one, and a build that fails leaves the warehouse as it was. Older builds are removed,
but for the previous one (a reader that opened it a moment ago keeps its files).

The partition columns are written inside the files too (`WRITE_PARTITION_COLUMNS`), and
readers do not infer them from folder names (a ward code is text, not a number).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

__all__ = ["BuildRunning", "Snapshot", "Warehouse", "offline_duckdb", "parquet_scan"]


class BuildRunning(RuntimeError):
    """Another build holds the warehouse's lock."""


def offline_duckdb(database: str = ":memory:", *, read_only: bool = False
                   ) -> duckdb.DuckDBPyConnection:  # fmt: skip
    """DuckDB with only what is linked into it (parquet, json, icu): never a download,
    never an extension loaded behind our back (issue 20: works offline)."""
    return duckdb.connect(database, read_only=read_only, config={
        "autoinstall_known_extensions": False, "autoload_known_extensions": False})  # fmt: skip


def parquet_scan(files: Sequence[str], *, filename: bool = False) -> str:
    """DuckDB's scan of these files: partition values from inside the files, never from
    folder names (which DuckDB would otherwise read, and type a ward code as a number).
    The paths are the warehouse's own (no quote can be in them: `Warehouse.new_build`)."""
    listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    extra = ", filename = true" if filename else ""
    return f"read_parquet([{listed}], hive_partitioning = false, union_by_name = true{extra})"


@dataclass(frozen=True, slots=True)
class Snapshot:
    root: Path  # the build's folder
    info: dict[str, Any]

    def files(self, table: str) -> list[str]:
        folder = self.root / table
        return sorted(str(p) for p in folder.rglob("*.parquet")) if folder.is_dir() else []

    def table_names(self) -> list[str]:
        """The tables this snapshot holds (the views' and the side tables such as
        `case`): its folders with Parquet files."""
        folders = [p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("_")]
        return sorted(p.name for p in folders if self.files(p.name))

    @property
    def position(self) -> int:
        return int(self.info.get("position", 0))

    @property
    def identified(self) -> bool:
        return bool(self.info.get("identified", False))


class Warehouse:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def current(self) -> Snapshot | None:
        try:
            build = (self.root / "CURRENT").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        folder = self.root / "builds" / build
        info = json.loads((folder / "_build.json").read_text(encoding="utf-8"))
        return Snapshot(folder, info)

    def new_build(self) -> Path:
        builds = self.root / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        build_id = time.strftime("%Y%m%dT%H%M%S") + f"-{time.monotonic_ns() % 1_000_000:06d}"
        folder = builds / (build_id + ".partial")
        folder.mkdir()
        return folder

    def publish(self, folder: Path, info: dict[str, Any]) -> Snapshot:
        """Seal a build and make it current; drop all but it and its predecessor."""
        (folder / "_build.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
        final = folder.with_name(folder.name.removesuffix(".partial"))
        folder.rename(final)
        previous = self.current()
        pointer = self.root / "CURRENT.tmp"
        pointer.write_text(final.name, encoding="utf-8")
        os.replace(pointer, self.root / "CURRENT")
        keep = {final.name} | ({previous.root.name} if previous else set())
        for other in (self.root / "builds").iterdir():
            # A build under way elsewhere is left alone; one a crash left behind goes
            # after a day.
            partial = other.name.endswith(".partial")
            stale = partial and time.time() - other.stat().st_mtime > 86_400
            if other.name not in keep and (not partial or stale):
                shutil.rmtree(other, ignore_errors=True)
        return Snapshot(final, info)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """One build at a time on this warehouse (a second one is refused at once)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BuildRunning(
                    "Một bản dựng kho khác đang chạy / Another warehouse build is running"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @staticmethod
    def abandon(folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)


def link_unchanged(previous: Snapshot, table: str, target: Path,
                   rewritten: Sequence[Path]) -> int:  # fmt: skip
    """Hard-link the previous build's partitions of `table` that are not in `rewritten`
    (partition folders relative to the table); how many files."""
    source = previous.root / table
    if not source.is_dir():
        return 0
    skip = {str(p) for p in rewritten}
    linked = 0
    for file in source.rglob("*.parquet"):
        partition = file.parent.relative_to(source)
        if str(partition) in skip:
            continue
        destination = target / table / partition / file.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.link(file, destination)
        linked += 1
    return linked
