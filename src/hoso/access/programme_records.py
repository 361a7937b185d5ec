"""Residents' records as the programmes' recompute reads them: in chunks of Patients,
every type the programmes read, through the store's paged bulk read with the
operator's visibility (`hoso-programmes`), audited — the feed's batches naming the
residents read, the nightly run once as a whole-store read like the data-quality batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from hoso.access.audit_record import READ
from hoso.core import jsonx

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["ProgrammeRecords", "RawRecord"]

# A resident's Patient and their current resources of the types asked for, by type.
RawRecord = tuple[dict[str, Any], dict[str, list[Any]]]


class ProgrammeRecords:
    def __init__(self, repo: AccessRepository, types: Sequence[str]) -> None:
        self.repo = repo
        self.types = tuple(t for t in types if t != "Patient")

    def _stream(self, types: Sequence[str], patients: Sequence[str] | None) -> Iterator[Any]:
        from hoso.access.bulk_access import stream  # the same paged read as `$export`

        return stream(self.repo, types, patients=patients,
                      visibility=self.repo.decider.visibility())  # fmt: skip

    def records(self, patient_ids: Sequence[str]) -> list[RawRecord]:
        """The records of these residents (absent ones are left out)."""
        if not patient_ids:
            return []
        self.repo.audit(READ, "search-system", patients=tuple(patient_ids),
                        description="chương trình / programmes: re-assess")  # fmt: skip
        wanted = set(patient_ids)
        # A Patient's own row carries its id as `patient_id` (its compartment is itself).
        patients = [
            dict(jsonx.loads(row.content))
            for row in self._stream(["Patient"], sorted(wanted))
            if row.id in wanted
        ]
        return self._build(patients)

    def patient_pages(self, size: int) -> Iterator[list[dict[str, Any]]]:
        """Every Patient, `size` at a time (one audited whole-store read)."""
        rows = self.repo.whole_store(["Patient"], "chương trình / programmes: nightly")
        page: list[dict[str, Any]] = []
        for row in rows:
            page.append(dict(jsonx.loads(row.content)))
            if len(page) >= size:
                yield page
                page = []
        if page:
            yield page

    def with_patients(self, patients: Sequence[dict[str, Any]]) -> list[RawRecord]:
        return self._build(list(patients))

    def _build(self, patients: list[dict[str, Any]]) -> list[RawRecord]:
        ids = [str(p["id"]) for p in patients]
        found: dict[str, dict[str, list[dict[str, Any]]]] = {i: {} for i in ids}
        for row in self._stream(self.types, ids):
            if row.patient_id in found:
                by_type = found[row.patient_id]
                by_type.setdefault(row.resource_type, []).append(jsonx.loads(row.content))
        return [(p, found[str(p["id"])]) for p in patients]
