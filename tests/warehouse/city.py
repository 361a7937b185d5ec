"""A small city for the warehouse's tests: residents of two wards with encounters,
diagnoses, readings and doses, written through the operator's repository (audited as
in production), and the builder wired as `hoso warehouse build` wires it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hoso.access.repository import AccessRepository
from hoso.access.warehouse_source import WarehouseSource
from hoso.assembly import case_access
from hoso.warehouse.build import WarehouseBuilder
from hoso.warehouse.catalog import tables
from hoso.warehouse.flatten import Deidentify
from hoso.warehouse.rows import python_rows
from hoso.warehouse.snapshots import Snapshot, Warehouse, offline_duckdb, parquet_scan
from tests.builders.patient import resident

WARD, OTHER_WARD = "26740", "26743"  # Phường Sài Gòn, Phường Bến Thành
WARD_NAMES = {WARD: "Phường Sài Gòn", OTHER_WARD: "Phường Bến Thành"}
ICD10 = "http://hl7.org/fhir/sid/icd-10"


def address(ward: str) -> list[dict[str, Any]]:
    return [{"use": "home", "line": ["12 Lê Lợi"], "district": WARD_NAMES[ward],
             "city": "Hồ Chí Minh"}]  # fmt: skip


def person(n: int, ward: str) -> dict[str, Any]:
    return {**resident(n), "id": f"p{n}", "address": address(ward)}


def encounter(eid: str, pid: str, start: str, cls: str = "AMB", icd: str = "J10"
              ) -> dict[str, Any]:  # fmt: skip
    return {"resourceType": "Encounter", "id": eid, "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": cls},
            "subject": {"reference": f"Patient/{pid}"},
            "period": {"start": start, "end": start},
            "reasonCode": [{"coding": [{"system": ICD10, "code": icd}]}]}  # fmt: skip


def condition(cid: str, pid: str, icd: str, onset: str) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": cid, "subject": {"reference": f"Patient/{pid}"},
            "code": {"coding": [{"system": ICD10, "code": icd}]},
            "onsetDateTime": onset}  # fmt: skip


def observation(oid: str, pid: str, value: float, when: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": oid, "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
            "subject": {"reference": f"Patient/{pid}"}, "effectiveDateTime": when,
            "valueQuantity": {"value": value, "unit": "mm[Hg]", "code": "mm[Hg]"}}  # fmt: skip


def put(repo: AccessRepository, resource: dict[str, Any]) -> None:
    repo.update(resource["resourceType"], resource["id"], resource)


def populate(repo: AccessRepository) -> None:
    for n, ward in ((1, WARD), (2, WARD), (3, OTHER_WARD)):
        put(repo, person(n, ward))
    put(repo, encounter("e1", "p1", "2025-03-04T08:00:00+07:00", icd="I10"))
    put(repo, encounter("e2", "p1", "2026-01-10T09:30:00+07:00", cls="IMP", icd="J18"))
    put(repo, encounter("e3", "p3", "2026-02-01T10:00:00+07:00"))
    put(repo, condition("c1", "p1", "I10", "2025-03-04"))
    put(repo, condition("c2", "p3", "E11", "2024-06-30"))
    put(repo, observation("o1", "p1", 150, "2025-03-04T08:10:00+07:00"))


def builder(repo: AccessRepository, root: Path, *, pseudonyms: bool = True,
            writer: str = "duckdb", compiled: bool = True) -> WarehouseBuilder:  # fmt: skip
    source = WarehouseSource(repo, sorted({s.resource_type for s in tables()}),
                             cases=case_access(repo.store, repo))  # fmt: skip
    reason = "kiểm thử trích xuất có định danh"
    deidentify = Deidentify(source.pseudonymiser() if pseudonyms else
                            source.pseudonymiser(True, reason))  # fmt: skip
    return WarehouseBuilder(Warehouse(root), source, python_rows, deidentify, writer=writer,
                            compiled=compiled)  # fmt: skip


def contents(snapshot: Snapshot) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted, as DuckDB reads them."""
    found = {}
    with offline_duckdb() as db:
        for spec in tables():
            files = snapshot.files(spec.name)
            cols = ", ".join(f'"{c}"' for c in spec.output_columns)
            found[spec.name] = sorted(db.execute(f"SELECT {cols} FROM {parquet_scan(files)}"
                                                 ).fetchall(), key=repr)  # fmt: skip
    return found
