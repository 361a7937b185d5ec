"""A bulk import (`hoso import`, `ingest.bulk_import`) stores the same findings a single
write of each resource would, in-process and in worker processes, on both backends."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hoso.ingest.bulk_import import ImportOptions
from hoso.store.sql_store import SqlStore
from tests.callers import bulk_import, load
from tests.ingest.quality import world
from tests.ingest.quality.helpers import blood_pressure, good_patient

WriteNdjson = Callable[[str, list[Any]], Path]


def _findings(store: SqlStore) -> list[tuple[Any, ...]]:
    """Every stored finding keyed by (type, id) instead of seq."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT r.resource_type, r.id, q.patient_id, q.rule, q.kind, q.severity, "
            "q.expression, q.message FROM quality_issue q JOIN resource r ON r.seq = q.res_seq"
        ))  # fmt: skip
        return sorted(tuple(row) for row in rows)


def _resources() -> list[dict[str, Any]]:
    shouting = {**good_patient(name=[{"family": "LÊ", "given": ["VĂN", "CƯỜNG"]}]), "id": "p3"}
    shouting["identifier"][0]["value"] = "079090001299"
    swapped = {**blood_pressure(70, 130), "id": "o2", "subject": {"reference": "Patient/p3"}}
    return [world.organization(), world.resident_a(), world.resident_b(), shouting,
            world.heavy_weight(), world.unknown_diagnosis(), swapped]  # fmt: skip


@pytest.mark.parametrize("workers", [0, 1])
def test_bulk_import_stores_the_findings_of_single_writes(
    store: SqlStore, second_store: SqlStore, write_ndjson: WriteNdjson, workers: int
) -> None:
    path = write_ndjson("All", _resources())
    report = bulk_import(store, [path], options=ImportOptions(workers=workers))
    assert report.errors == [] and report.written == 7
    assert load(second_store, [path]).errors == []
    bulk, single = _findings(store), _findings(second_store)
    assert bulk == single
    assert {(t, i, rule) for t, i, _, rule, *_ in bulk} == {
        ("Observation", "o1", "DUNG-005"),
        ("Observation", "o2", "DUNG-006"),
        ("Condition", "c1", "DUNG-001"),
        ("Patient", "p2", "SACH-002"),
        ("Patient", "p3", "SACH-002"),
    }
