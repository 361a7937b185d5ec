"""A case linked to an officer, as the case-detection job and the ward's assignment
would leave it (`hoso.store.publichealth_cases`): for tests of what the case link lets
an officer see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hoso.publichealth.cases import CasePlan
from hoso.store.publichealth_cases import SqlCaseRegistry

DAY = "2026-11-20"


def linked_case(engine: sa.Engine, patient_id: str, officer: str, *,
                disease: str = "dengue", ward: str | None = "26740",
                resource: tuple[str, str, int] | None = None) -> int:  # fmt: skip
    """A new open case of `disease` for `patient_id`, linked to `officer`; its id."""
    rows = SqlCaseRegistry(engine)
    us = 1_795_000_000_000_000
    item = _Item(disease, 1, patient_id, resource or ("Condition", f"test-{patient_id}", 1),
                 {"report_date": DAY, "diagnosed_at": us, "reported_at": us,
                  "deadline_at": us + 86_400_000_000, "last_evidence_at": us, "ward": ward,
                  "facility": "79001"})  # fmt: skip
    (done,) = rows.apply_evidence([item], us)
    assert done is not None
    rows.link_officer(done[0], officer, "test", us)
    return done[0]


@dataclass(frozen=True)
class _Item:
    disease: str
    definition_version: int
    patient_id: str
    key: tuple[str, str, int]
    new_case: dict[str, Any]

    def planner(self, _open: list[Any]) -> CasePlan:
        return CasePlan(None, "probable", None, DAY, DAY, [("created", {"test": True})])
