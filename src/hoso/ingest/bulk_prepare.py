"""Turn NDJSON lines into the exact table rows a single write would store.

This is the CPU half of a bulk import and runs in worker processes: parse, stamp (the
access layer's `policy.stamp`), validate (`hoso.store.write.prepare`, the same check
as every single write), version (`write.versioned`) and derive the search-index, access
and CCCD rows. The database half (`hoso.store.bulk_write`) only copies what comes out.

On PostgreSQL each row leaves here already encoded as a line of `COPY … FROM STDIN`
text, so the importing process does nothing per row but join bytes; on SQLite rows
stay tuples whose first field (the resource `seq`) is filled in by the writer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from psycopg._copy_base import format_row_text
from psycopg.adapt import Transformer

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.principal import Principal
from hoso.core import clock, jsonx
from hoso.core.errors import FhirError, InvalidRequest
from hoso.core.settings import Settings
from hoso.fhir.quality import QualityCheck
from hoso.store import schema
from hoso.store.access_rows import access_rows
from hoso.store.index_rows import build_rows
from hoso.store.quality_rows import issue_rows
from hoso.store.write import cccd_rows, check_id, prepare, versioned

# Every table a bulk import writes, with its columns in the order the rows carry them;
# the first column is always the resource's `seq`.
BULK_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("resource", ("seq", "resource_type", "id", "version", "last_updated", "deleted",
                  "patient_id", "content")),
    ("resource_history", ("res_seq", "resource_type", "id", "version", "last_updated",
                          "method", "deleted", "patient_id", "content")),
    *(
        (t.name, ("res_seq", "resource_type", "param", "patient_id",
                  *(c.name for c in t.columns if c.name not in
                    ("res_seq", "resource_type", "param", "patient_id"))))
        for t in schema.INDEX_TABLES
    ),
    ("care_link", ("res_seq", "patient_id", "facility_ref", "kind", "low", "high",
                   "self_claimed")),
    ("consent_rule", ("res_seq", "patient_id", "effect", "actor_ref", "label_system",
                      "label_code", "purpose", "low", "high")),
    ("patient_cccd", ("res_seq", "cccd", "patient_id")),
    ("cccd_warning", ("res_seq", "patient_id", "version", "cccd", "messages")),
    ("quality_issue", ("res_seq", "resource_type", "patient_id", "rule", "kind", "severity",
                       "expression", "message")),
)  # fmt: skip
TABLE_NUMBER = {name: i for i, (name, _) in enumerate(BULK_TABLES)}
_COLUMNS = [cols for _, cols in BULK_TABLES]

# psycopg's own COPY text encoder (C in psycopg[binary], three times faster than
# escaping in Python); it lives in a private module of the pinned psycopg version,
# which the PostgreSQL equality tests (bulk rows == single-write rows) guard.
_COPY_TRANSFORMER = Transformer()


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
    """One valid resource, ready to copy: `rows[i]` belongs to `BULK_TABLES[i]`."""

    file: str
    line: int
    resource_type: str
    id: str
    patient_id: str | None
    cccds: tuple[str, ...]
    opens_care: bool  # it records a care link (at the writer's own facility)
    rows: list[Any]  # bytes (PostgreSQL COPY text) or list[tuple] (SQLite)


@dataclass(slots=True)
class ChunkResult:
    prepared: list[Prepared] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Chunk:
    """Lines of one file; `seqs` (PostgreSQL) holds one reserved seq per line."""

    file: str
    id_namespace: uuid.UUID  # ids for lines without one: uuid5(namespace, line number)
    lines: list[tuple[int, bytes]]
    seqs: list[int] | None


@dataclass(frozen=True, slots=True)
class PrepareContext:
    principal: Principal
    settings: Settings
    copy_text: bool  # PostgreSQL: encode rows as COPY text
    quality: QualityCheck | None = None  # the store's data-quality rules, if plugged in


_context: PrepareContext | None = None


def init_worker(context: PrepareContext) -> None:
    """Pool initializer: the caller's principal and settings, sent once per worker."""
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
            result.prepared.append(_prepare_line(chunk, line, raw, seq, context))
        except FhirError as exc:
            result.errors.extend(
                LineError(chunk.file, line, ",".join(issue.expression), issue.diagnostics)
                for issue in exc.issues
            )
    return result


def _prepare_line(
    chunk: Chunk, line: int, raw: bytes, seq: int, context: PrepareContext
) -> Prepared:
    settings = context.settings
    resource = jsonx.loads_request(
        raw, max_depth=settings.max_json_depth, max_repeats=settings.max_element_repeats
    )
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        raise InvalidRequest("Không phải tài nguyên FHIR / Not a FHIR resource", code="structure")
    principal = context.principal
    rtype = resource["resourceType"]
    policy.authorize(principal, rtype, "c")
    id = resource.get("id")
    method = "PUT"  # as a single write records an update-as-create with a given id
    if id is None:
        method = "POST"
        id = str(uuid.uuid5(chunk.id_namespace, str(line)))
        resource = {**resource, "id": id}
    elif not isinstance(id, str):
        raise InvalidRequest("id phải là chuỗi / id must be a string", code="structure",
                        expression=[f"{rtype}.id"])  # fmt: skip
    check_id(rtype, id)
    resource = policy.stamp(principal, resource)
    warnings = prepare(resource, context.settings)
    if principal.role != roles.OPERATOR:
        policy.check_care_links(principal, resource)
    stored_resource, values, stored = versioned(resource, 1, clock.now())
    patient_id = stored.patient_id
    tables: list[list[tuple[Any, ...]]] = [[] for _ in BULK_TABLES]
    tables[0].append((seq, rtype, id, 1, stored.last_updated_us, False, patient_id,
                      stored.content))  # fmt: skip
    tables[1].append((seq, rtype, id, 1, stored.last_updated_us, method, False, patient_id,
                      stored.content))  # fmt: skip
    head = {"res_seq": seq, "resource_type": rtype, "patient_id": patient_id}
    for table, rows in build_rows(values).items():
        number = TABLE_NUMBER[table.name]
        cols = _COLUMNS[number]
        tables[number].extend(tuple({**head, **row}[c] for c in cols) for row in rows)
    derived = access_rows(seq, rtype, patient_id, stored_resource)
    opens_care = False
    if derived is not None and derived[1]:
        number = TABLE_NUMBER[derived[0].name]
        tables[number].extend(tuple(row[c] for c in _COLUMNS[number]) for row in derived[1])
        opens_care = derived[0].name == "care_link"
    cccds: tuple[str, ...] = ()
    if rtype == "Patient":
        rows, warning = cccd_rows(context.settings, stored_resource, seq, 1, warnings)
        cccds = tuple(r["cccd"] for r in rows)
        number = TABLE_NUMBER["patient_cccd"]
        tables[number].extend(tuple(r[c] for c in _COLUMNS[number]) for r in rows)
        if warning is not None:
            number = TABLE_NUMBER["cccd_warning"]
            tables[number].append(tuple(warning[c] for c in _COLUMNS[number]))
    if context.quality is not None:  # the findings a single write would store
        number = TABLE_NUMBER["quality_issue"]
        found = issue_rows(seq, rtype, patient_id, context.quality(stored_resource))
        tables[number].extend(tuple(row[c] for c in _COLUMNS[number]) for row in found)
    encoded: list[Any] = [_copy_text(t) for t in tables] if context.copy_text else tables
    return Prepared(chunk.file, line, rtype, id, patient_id, cccds, opens_care, encoded)


def _copy_text(rows: list[tuple[Any, ...]]) -> bytes:
    if not rows:
        return b""
    out = bytearray()
    for row in rows:
        format_row_text(row, _COPY_TRANSFORMER, out)
    return bytes(out)
