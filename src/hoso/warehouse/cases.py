"""The surveillance issue's case reports as a warehouse table (`case`): disease,
classification, severity, status, outcome, onset and report dates, the resident's ward
and the reporting facility, the resident as their pseudonym — so disease patterns by
ward can count notified cases beside encounters.

Case reports live in the public-health tables, not in FHIR resources, so no
ViewDefinition reads them and the change feed does not carry them: every build (full or
incremental) writes the whole table again from the case register, read through the
access layer (`CaseAccess`, audited naming the residents). A city's register is
thousands of rows a year, not millions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from hoso.warehouse.flatten import Deidentify

__all__ = ["CASE_COLUMNS", "CASE_SCHEMA", "CASE_TABLE", "case_table"]

CASE_TABLE = "case"
CASE_COLUMNS = ("id", "patient_id", "disease", "classification", "severity", "status",
                "outcome", "onset", "report_date", "facility_id")  # fmt: skip
CASE_SCHEMA = pa.schema([*(pa.field(c, pa.string()) for c in CASE_COLUMNS),
                         pa.field("ward", pa.string()), pa.field("period", pa.string()),
                         pa.field("year", pa.string())])  # fmt: skip


def case_table(cases: Iterable[Any], deidentify: Deidentify) -> pa.Table:
    """`cases`: the register's rows (`CaseRow`: id, patient_id, disease, …)."""
    rows = []
    for case in cases:
        onset = str(case.onset_date or "")[:10]
        rows.append({
            "id": deidentify.key(f"case-{case.id}"),
            "patient_id": deidentify.key(case.patient_id),
            "disease": case.disease, "classification": case.classification,
            "severity": case.severity, "status": case.status, "outcome": case.outcome,
            "onset": onset or None, "report_date": str(case.report_date or "")[:10] or None,
            "facility_id": case.facility, "ward": case.ward or "",
            "period": onset[:7], "year": onset[:4] or "none",
        })  # fmt: skip
    return pa.Table.from_pylist(rows, schema=CASE_SCHEMA)
