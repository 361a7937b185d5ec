"""A small city for the batch, API and CLI tests: one facility, two wards, one resident
per kind of fault, written through the store with the quality check plugged in."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hoso.access.records import QualityJob
from hoso.access.repository import AccessRepository
from hoso.core import clock
from hoso.core.settings import DEFAULT_FACILITY_SYSTEM
from hoso.ingest.quality import RunReport, run_quality_batch
from hoso.ingest.quality.scorecard import Scorecard, read_scorecard
from hoso.store import schema
from hoso.store.sql_store import SqlStore
from tests.ingest.quality.helpers import PHONE, good_condition, good_patient, vital

FACILITY = "79001"
WARD_BEN_THANH = "26743"
WARD_SAI_GON = "26740"
SAI_GON = {"use": "home", "city": "Phường Sài Gòn", "state": "Thành phố Hồ Chí Minh"}


def organization() -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        "id": "org-a",
        "name": "Trạm y tế phường Bến Thành",
        "identifier": [{"system": DEFAULT_FACILITY_SYSTEM, "value": FACILITY}],
    }


def resident_a() -> dict[str, Any]:
    """Bến Thành, managed by facility 79001, nothing wrong."""
    return {
        **good_patient(),
        "id": "p1",
        "managingOrganization": {"reference": "Organization/org-a"},
    }


def resident_b() -> dict[str, Any]:
    """Sài Gòn ward, no facility, name in capitals (SACH-002)."""
    patient = good_patient(
        name=[{"family": "TRẦN", "given": ["THỊ", "BÌNH"]}],
        address=[SAI_GON],
        telecom=[PHONE],
        gender="female",
    )
    patient["identifier"][0]["value"] = "079190001235"  # a woman born in 1990
    return {**patient, "id": "p2"}


def heavy_weight(value: float = 700) -> dict[str, Any]:
    """Resident A's weight: 700 kg is impossible (DUNG-005)."""
    return {**vital("29463-7", value, "kg", subject={"reference": "Patient/p1"}), "id": "o1"}


def unknown_diagnosis() -> dict[str, Any]:
    """Resident B's diagnosis with a code outside the ICD-10 list (DUNG-001)."""
    coding = [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "Z99.99"}]
    return {**good_condition(subject={"reference": "Patient/p2"},
                             code={"coding": coding}), "id": "c1"}  # fmt: skip


def build(repo: AccessRepository) -> None:
    """The city, written by `repo`'s caller (the store's quality hook checks each write)."""
    for resource in (organization(), resident_a(), resident_b(), heavy_weight(),
                     unknown_diagnosis()):  # fmt: skip
        repo.update(resource["resourceType"], resource["id"], resource)
    with repo.store.engine.begin() as conn:  # the MPI's pairs: one decided, one still open
        base = {"weight": 9.0, "probability": 0.9, "grade": "probable", "origin": "batch",
                "details": "{}", "created": clock.now_us()}  # fmt: skip
        conn.execute(schema.mpi_candidate.insert(), [
            {**base, "patient_a": "p1", "patient_b": "p2", "status": "rejected"},
            {**base, "patient_a": "p2", "patient_b": "p9", "status": "open"},
        ])  # fmt: skip


def quality_rows(store: SqlStore, resource_type: str, id: str) -> list[tuple[str, str, str]]:
    """(rule, kind, expression) of a resource's stored findings."""
    q, r = schema.quality_issue, schema.resource
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(q.c.rule, q.c.kind, q.c.expression)
            .select_from(q.join(r, r.c.seq == q.c.res_seq))
            .where(r.c.resource_type == resource_type, r.c.id == id)
            .order_by(q.c.rule, q.c.expression)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def run_batch(repo: AccessRepository) -> RunReport:
    """`hoso quality run` as `repo`'s caller."""
    return run_quality_batch(QualityJob(repo), repo.settings)


def scorecard(repo: AccessRepository, facility: str | None = None, ward: str | None = None,
              runs: int = 12) -> Scorecard:  # fmt: skip
    """The scorecard as `repo`'s caller reads it."""
    with repo.quality_tables() as tables:
        return read_scorecard(tables, facility, ward, runs)
