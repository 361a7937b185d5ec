"""Turn NDJSON lines into prepared resources: the CPU half of a bulk import, run in
worker processes.

Each line is parsed as strictly as a request body (`jsonx.loads_request`), given an id
when it has none (uuid5 of the file's digest and the line number: the same on every
run, so a rerun finds it stored), and handed to the importer's row builder: the access
layer's write policy in front of the store's validation and row layout
(`hoso.access.bulk_import.PolicyRowBuilder`). Nothing here knows the policy or SQL.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from hoso.core import jsonx
from hoso.core.errors import FhirError, InvalidRequest
from hoso.core.settings import Settings
from hoso.fhir.store import PreparedRows, RowBuilder

__all__ = ["Chunk", "ChunkResult", "LineError", "PrepareContext", "Prepared", "prepare_chunk"]


@dataclass(frozen=True, slots=True)
class LineError:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        return f"{self.file}:{self.line}:{where} {self.message}"


@dataclass(slots=True)
class Prepared:
    """One valid resource, ready to copy, and where it came from."""

    file: str
    line: int
    rows: PreparedRows

    @property
    def key(self) -> tuple[str, str]:
        return self.rows.resource_type, self.rows.id


@dataclass(slots=True)
class ChunkResult:
    prepared: list[Prepared] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Chunk:
    """Lines of one file; `seqs` (when the store numbers rows beforehand) holds one
    reserved row number per line."""

    file: str
    id_namespace: uuid.UUID  # ids for lines without one: uuid5(namespace, line number)
    lines: list[tuple[int, bytes]]
    seqs: list[int] | None


@dataclass(frozen=True, slots=True)
class PrepareContext:
    """Sent once to each worker process: the limits of input, and the rows' builder."""

    settings: Settings
    builder: RowBuilder


_context: PrepareContext | None = None


def init_worker(context: PrepareContext) -> None:
    """Pool initializer: the context, sent once per worker."""
    global _context
    _context = context


def prepare_chunk_in_worker(chunk: Chunk) -> ChunkResult:
    assert _context is not None, "init_worker was not called"
    return prepare_chunk(chunk, _context)


def prepare_chunk(chunk: Chunk, context: PrepareContext) -> ChunkResult:
    result = ChunkResult()
    for i, (line, raw) in enumerate(chunk.lines):
        seq = chunk.seqs[i] if chunk.seqs is not None else 0
        try:
            rows = _prepare_line(chunk, line, raw, seq, context)
            result.prepared.append(Prepared(chunk.file, line, rows))
        except FhirError as exc:
            result.errors.extend(
                LineError(chunk.file, line, ",".join(issue.expression), issue.diagnostics)
                for issue in exc.issues
            )
    return result


def _prepare_line(
    chunk: Chunk, line: int, raw: bytes, seq: int, context: PrepareContext
) -> PreparedRows:
    settings = context.settings
    resource = jsonx.loads_request(
        raw, max_depth=settings.max_json_depth, max_repeats=settings.max_element_repeats
    )
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        raise InvalidRequest("Không phải tài nguyên FHIR / Not a FHIR resource", code="structure")
    rtype = resource["resourceType"]
    id = resource.get("id")
    method = "PUT"  # as a single write records an update-as-create with a given id
    if id is None:
        method = "POST"
        resource = {**resource, "id": str(uuid.uuid5(chunk.id_namespace, str(line)))}
    elif not isinstance(id, str):
        raise InvalidRequest("id phải là chuỗi / id must be a string", code="structure",
                             expression=[f"{rtype}.id"])  # fmt: skip
    return context.builder.build(resource, seq, method)
