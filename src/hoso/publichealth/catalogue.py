"""The diseases in force: the latest version of each definition in the store, parsed
once per change (`stamp`), so a definition an officer adds is used by the very next
batch of the case detection, the daily detection and tracing, without a restart."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any, Protocol

from hoso.publichealth.definitions import (
    DefinitionError,
    DiseaseDefinition,
    packaged_definitions,
    parse_definition,
)
from hoso.publichealth.evidence import VersionedDefinition

__all__ = ["DefinitionRecords", "DiseaseCatalogue", "StoredDefinition"]

MAX_DOCUMENT_BYTES = 256 * 1024


class DefinitionRecords(Protocol):
    """`hoso.access.publichealth_cases.CaseAccess`'s definitions."""

    def check_definition_writer(self) -> None: ...
    def add_definition(self, code: str, content: str, enabled: bool) -> int: ...
    def definitions(self, code: str | None = None, *, every_version: bool = False
                    ) -> list[Any]: ...  # fmt: skip
    def definitions_stamp(self) -> tuple[int, int]: ...


@dataclass(frozen=True, slots=True)
class StoredDefinition:
    definition: DiseaseDefinition
    version: int
    created_by: str
    created_at: int


class DiseaseCatalogue:
    def __init__(self, records: DefinitionRecords) -> None:
        self.records = records
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._current: tuple[StoredDefinition, ...] = ()

    def current(self) -> tuple[StoredDefinition, ...]:
        """Every disease's latest definition (enabled or not), by code."""
        stamp = self.records.definitions_stamp()
        with self._lock:
            if stamp != self._stamp:
                self._current = tuple(_stored(row) for row in self.records.definitions())
                self._stamp = stamp
            return self._current

    def enabled(self) -> list[VersionedDefinition]:
        return [VersionedDefinition(s.definition, s.version) for s in self.current()
                if s.definition.enabled]  # fmt: skip

    def get(self, code: str) -> StoredDefinition | None:
        return next((s for s in self.current() if s.definition.code == code), None)

    def versions(self, code: str) -> list[StoredDefinition]:
        return [_stored(row) for row in self.records.definitions(code, every_version=True)]

    def add(self, document: Any) -> tuple[DiseaseDefinition, int]:
        """Validate and store a new version; raises `DefinitionError` (after the
        caller's right to add one is checked: a refusal says nothing of the document)."""
        self.records.check_definition_writer()
        definition = parse_definition(document)
        content = json.dumps(document, ensure_ascii=False, sort_keys=True)
        if len(content.encode()) > MAX_DOCUMENT_BYTES:
            raise DefinitionError("định nghĩa quá lớn / the definition is too large")
        version = self.records.add_definition(definition.code, content, definition.enabled)
        return definition, version

    def seed(self) -> list[str]:
        """Add the shipped definitions of diseases the store does not know yet."""
        known = {s.definition.code for s in self.current()}
        added = []
        for definition in packaged_definitions():
            if definition.code not in known:
                self.add(definition.document)
                added.append(definition.code)
        return added


def _stored(row: Any) -> StoredDefinition:
    return StoredDefinition(parse_definition(json.loads(row.content)), row.version,
                            row.created_by, row.created_at)  # fmt: skip
