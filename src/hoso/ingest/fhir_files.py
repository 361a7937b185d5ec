"""Load FHIR JSON Bundles and NDJSON files (`hoso load`) through the caller's access
layer, each resource as a single write.

Each resource is written in its own savepoint inside batch transactions: a bad line is
reported (file, line, element path, message) and skipped, and never leaves half a
record behind. References are checked once the whole load is in, since files may
reference each other in any order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from hoso.core import jsonx
from hoso.core.errors import FhirError
from hoso.fhir.repository import Repository, is_relative_reference, iter_references
from hoso.fhir.transaction import process_bundle

BATCH = 200


class Loader(Repository, Protocol):
    """What a load needs of the caller's access layer (`hoso.access.repository`)."""

    def unit_of_work(self, *, check_references: bool = True
                     ) -> AbstractContextManager[Loader]: ...  # fmt: skip
    def savepoint(self) -> AbstractContextManager[None]: ...
    def unresolved(self, references: Sequence[str]) -> set[str]: ...


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


def _write_one(uow: Loader, raw: Any) -> dict[str, Any]:
    resource = jsonx.loads_request(raw.encode()) if isinstance(raw, str) else raw
    if not isinstance(resource, dict) or "resourceType" not in resource:
        raise FhirError("Không phải tài nguyên FHIR / Not a FHIR resource", code="structure")
    with uow.savepoint():
        if resource.get("id"):
            stored = uow.update(resource["resourceType"], resource["id"], resource).stored
        else:
            stored = uow.create(resource).stored
    return dict(jsonx.loads(stored.content))


def load_files(repo: Loader, paths: list[Path]) -> LoadReport:
    report = LoadReport()
    references: list[tuple[str, str, int, str]] = []
    for path in paths:
        if _load_transaction(repo, path, report):
            continue
        items = list(_entries(path))
        for start in range(0, len(items), BATCH):
            with repo.unit_of_work(check_references=False) as uow:
                for line, raw in items[start : start + BATCH]:
                    try:
                        resource = _write_one(uow, raw)
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
    _check_references(repo, references, report)
    return report


def _load_transaction(repo: Loader, path: Path, report: LoadReport) -> bool:
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
        response = process_bundle(repo, document, base_url="")
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
    repo: Loader, references: list[tuple[str, str, int, str]], report: LoadReport
) -> None:
    missing = repo.unresolved([ref for _, ref, _, _ in references if is_relative_reference(ref)])
    for file, ref, line, where in references:
        if ref in missing:
            report.errors.append(LoadError(
                file, line, where,
                f"Tham chiếu {ref} không tồn tại / Reference {ref} does not resolve",
            ))  # fmt: skip
