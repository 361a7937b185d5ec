"""ph_case rows for the surveillance tests, by plain SQL (the cases themselves are made
from the record by `hoso.publichealth.cases`, the lead's part; these tests need only
their dates, ward and classification)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from hoso.store.publichealth_schema import ph_case, ph_disease, ph_officer_ward

NOW = 1_800_000_000_000_000


@dataclass(frozen=True, slots=True)
class Case:
    disease: str
    ward: str | None
    onset: str
    report: str | None = None
    classification: str = "confirmed"


def insert_cases(engine: sa.Engine, cases: Iterable[Case]) -> int:
    values = [{"disease": c.disease, "definition_version": 1, "patient_id": f"p{i}",
               "classification": c.classification, "status": "open", "onset_date": c.onset,
               "report_date": c.report or c.onset, "diagnosed_at": NOW, "reported_at": NOW,
               "deadline_at": NOW, "last_evidence_at": NOW, "ward": c.ward,
               "facility": "79001", "epi": "{}", "created_at": NOW, "updated_at": NOW}
              for i, c in enumerate(cases)]  # fmt: skip
    with engine.begin() as conn:
        for start in range(0, len(values), 5000):
            conn.execute(sa.insert(ph_case), values[start:start + 5000])
    return len(values)


def enable_diseases(engine: sa.Engine, codes: Iterable[str], *, version: int = 1,
                    enabled: bool = True) -> None:  # fmt: skip
    with engine.begin() as conn:
        for code in codes:
            conn.execute(sa.insert(ph_disease).values(
                code=code, version=version, content="{}", enabled=enabled,
                created_by="operator:test", created_at=NOW))  # fmt: skip


def assign_ward(engine: sa.Engine, officer: str, ward: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.insert(ph_officer_ward).values(officer=officer, ward=ward))
