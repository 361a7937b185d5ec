"""Writing a run: FHIR Bulk Data NDJSON (one file per resource type, one compact UTF-8
resource per line), the ground truth beside it, and a manifest.

Chunks arrive already serialised and in index order, so the files are the same bytes
whatever the number of worker processes, and nothing but the open files stays in memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

import orjson

GROUND_TRUTH = "ground_truth"
PERSONS_HEADER = ("patient_id", "person_key", "household_key", "record")
FAULTS_HEADER = ("patient_id", "fault", "field", "original", "faulted")


def dumps(resource: dict[str, Any]) -> bytes:
    """Compact JSON, keys in insertion order, Vietnamese left as UTF-8 (no \\u escapes)."""
    return orjson.dumps(resource)


def csv_bytes(rows: Iterable[tuple[str, ...]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


class Output:
    """The open files of one run, and the counts of what went into them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        (directory / GROUND_TRUTH).mkdir(parents=True, exist_ok=True)
        self._files: dict[str, BinaryIO] = {}
        self.counts: dict[str, int] = {}
        self.persons = self._open(Path(GROUND_TRUTH) / "persons.csv")
        self.persons.write(csv_bytes([PERSONS_HEADER]))
        self.faults = self._open(Path(GROUND_TRUTH) / "faults.csv")
        self.faults.write(csv_bytes([FAULTS_HEADER]))
        self.written: list[Path] = [
            directory / GROUND_TRUTH / "persons.csv",
            directory / GROUND_TRUTH / "faults.csv",
        ]

    def _open(self, relative: Path) -> BinaryIO:
        return (self.directory / relative).open("wb")

    def resources(self, resource_type: str, lines: bytes, count: int) -> None:
        """`count` resources of one type, each line ending in a newline."""
        file = self._files.get(resource_type)
        if file is None:
            name = f"{resource_type}.ndjson"
            file = self._files[resource_type] = self._open(Path(name))
            self.written.append(self.directory / name)
        file.write(lines)
        self.counts[resource_type] = self.counts.get(resource_type, 0) + count

    def truth(self, name: str, header: tuple[str, ...], rows: bytes) -> None:
        """Rows of `ground_truth/<name>.csv`, opened with its header on first use."""
        file = self._files.get(f"truth:{name}")
        if file is None:
            file = self._files[f"truth:{name}"] = self._open(Path(GROUND_TRUTH) / f"{name}.csv")
            file.write(csv_bytes([header]))
            self.written.append(self.directory / GROUND_TRUTH / f"{name}.csv")
        file.write(rows)

    def close(self) -> None:
        for file in (*self._files.values(), self.persons, self.faults):
            file.close()

    def manifest(self, info: dict[str, Any]) -> Path:
        path = self.directory / "manifest.json"
        path.write_bytes(orjson.dumps(info, option=orjson.OPT_INDENT_2) + b"\n")
        self.written.append(path)
        return path
