"""The warehouse's tables as the lead's pipeline writes them (docs: the briefing's table
layout), for tests that build them by hand: their Ibis schemas, and loading rows into any
Ibis backend (DuckDB, Spark) through Arrow, so both get the same types."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq
from ibis.backends import BaseBackend

S, B, N, D = "string", "boolean", "int64", "float64"
_TAIL = {"ward": S, "period": S}
SCHEMAS: dict[str, ibis.Schema] = {
    name: ibis.schema({**columns, **_TAIL})
    for name, columns in {
        "patient": {"id": S, "gender": S, "birth_year": N, "deceased": B, "deceased_at": S},
        "encounter": {"id": S, "patient_id": S, "status": S, "class": S, "start": S, "end": S,
                      "facility_id": S, "reason_icd10": S, "primary_condition_id": S,
                      "discharge": S, "treatment_result": S},
        "condition": {"id": S, "patient_id": S, "encounter_id": S, "icd10": S,
                      "clinical_status": S, "verification_status": S, "category": S,
                      "onset": S, "recorded": S},
        "observation": {"id": S, "patient_id": S, "encounter_id": S, "status": S, "code": S,
                        "code_system": S, "effective": S, "value": D, "unit": S,
                        "value_code": S},
        "immunization": {"id": S, "patient_id": S, "encounter_id": S, "status": S,
                         "vaccine_code": S, "vaccine_system": S, "occurrence": S,
                         "facility_id": S},
        "medication_request": {"id": S, "patient_id": S, "encounter_id": S, "status": S,
                               "medication_code": S, "medication_system": S, "authored": S,
                               "requester_id": S},
        "procedure": {"id": S, "patient_id": S, "encounter_id": S, "status": S, "code": S,
                      "code_system": S, "performed": S},
    }.items()
}  # fmt: skip


def offline_duckdb() -> BaseBackend:
    """An in-memory DuckDB that may neither install nor load an extension: the analyses
    need only what is linked in (the issue: offline, never INSTALL)."""
    return ibis.duckdb.connect(autoinstall_known_extensions=False,
                               autoload_known_extensions=False)  # fmt: skip


def arrow(name: str, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Rows (missing keys are null) as an Arrow table of the view's schema."""
    schema = SCHEMAS[name].to_pyarrow()
    columns = {f.name: [row.get(f.name) for row in rows] for f in schema}
    return pa.table(columns, schema=schema)


def load(
    con: BaseBackend,
    data: Mapping[str, Sequence[Mapping[str, Any]]],
    parquet: Path | None = None,
) -> dict[str, ir.Table]:
    """Every table of SCHEMAS in `con`, with `data`'s rows (an absent table is empty):
    created in the backend, or, given a directory, written there as Parquet (as the
    pipeline writes the warehouse) and read back by the backend."""
    found = {}
    for name in SCHEMAS:
        rows = arrow(name, data.get(name, ()))
        if parquet is None:
            found[name] = con.create_table(name, rows, overwrite=True)
            continue
        path = parquet / f"{name}.parquet"
        pq.write_table(rows, path)
        found[name] = con.read_parquet(str(path), table_name=name)
    return found
