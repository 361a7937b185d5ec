"""Load FHIR JSON Bundles and NDJSON files through the normal write path.

Each resource is written in its own savepoint inside batch transactions: a bad line is
reported (file, line, element path, message) and skipped, and never leaves half a
record behind. References are checked once the whole load is in, since files may
reference each other in any order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hoso.core import jsonx
from hoso.core.errors import FhirError
from hoso.fhir.repository import is_relative_reference, iter_references
from hoso.fhir.transaction import process_bundle
from hoso.store.session import StoreSession
from hoso.store.sql_store import SqlStore

BATCH = 200


@dataclass
class LoadError:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        return f"{self.file}:{self.line}:{where} {self.message}"


@dataclass
class LoadReport:
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[LoadError] = field(default_factory=list)


def _entries(path: Path) -> Iterator[tuple[int, Any]]:
    """(line, resource) pairs: NDJSON by line, or the entries of one JSON document."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ndjson":
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                yield number, line
        return
    document = jsonx.loads_request(text.encode())
    if isinstance(document, dict) and document.get("resourceType") == "Bundle":
        for i, entry in enumerate(document.get("entry") or []):
            yield i + 1, (entry or {}).get("resource")
    else:
        yield 1, document


def _write_one(session: StoreSession, raw: Any) -> dict[str, Any]:
    resource = jsonx.loads_request(raw.encode()) if isinstance(raw, str) else raw
    if not isinstance(resource, dict) or "resourceType" not in resource:
        raise FhirError("Không phải tài nguyên FHIR / Not a FHIR resource", code="structure")
    with session.conn.begin_nested():
        if resource.get("id"):
            session.update(resource["resourceType"], resource["id"], resource)
        else:
            session.create(resource)
    return resource


def load_files(store: SqlStore, paths: list[Path]) -> LoadReport:
    report = LoadReport()
    references: list[tuple[str, str, int, str]] = []
    for path in paths:
        if _load_transaction(store, path, report):
            continue
        items = list(_entries(path))
        for start in range(0, len(items), BATCH):
            with store.unit_of_work(check_references=False) as session:
                for line, raw in items[start : start + BATCH]:
                    try:
                        resource = _write_one(session, raw)
                    except FhirError as exc:
                        for issue in exc.issues:
                            report.errors.append(
                                LoadError(
                                    str(path), line, ",".join(issue.expression), issue.diagnostics
                                )
                            )
                        continue
                    kind = resource["resourceType"]
                    report.counts[kind] = report.counts.get(kind, 0) + 1
                    references.extend(
                        (str(path), ref, line, where)
                        for where, ref in iter_references(resource, kind)
                    )
    _check_references(store, references, report)
    return report


def _load_transaction(store: SqlStore, path: Path, report: LoadReport) -> bool:
    """A `transaction` or `batch` Bundle keeps its own semantics (urn:uuid references,
    conditional requests, all-or-nothing); returns False for any other file."""
    if path.suffix == ".ndjson":
        return False
    try:
        document = jsonx.loads_request(path.read_bytes())
    except FhirError:
        return False  # reported with its line by the ordinary path
    if not isinstance(document, dict) or document.get("type") not in ("transaction", "batch"):
        return False
    try:
        response = process_bundle(store, document, base_url="")
    except FhirError as exc:
        report.errors.extend(
            LoadError(str(path), 1, ",".join(i.expression), i.diagnostics) for i in exc.issues
        )
        return True
    for i, entry in enumerate(response.get("entry") or []):
        status = (entry.get("response") or {}).get("status", "")
        location = (entry.get("response") or {}).get("location", "")
        if status.startswith("2") and location:
            kind = location.split("/")[0]
            report.counts[kind] = report.counts.get(kind, 0) + 1
        elif not status.startswith("2"):
            report.errors.append(LoadError(str(path), i + 1, f"Bundle.entry[{i}]", status))
    return True


def _check_references(
    store: SqlStore, references: list[tuple[str, str, int, str]], report: LoadReport
) -> None:
    with store.unit_of_work(write=False) as session:
        for file, ref, line, where in references:
            if is_relative_reference(ref) and not session.exists(ref):
                report.errors.append(
                    LoadError(
                        file,
                        line,
                        where,
                        f"Tham chiếu {ref} không tồn tại / Reference {ref} does not resolve",
                    )
                )
