"""Resources → a table's rows inside DuckDB: the view compiled to SQL
(`viewdef.duckdb_sql`), shaped by SQL (dates cut to the day, ward joined, period and
year computed), ids pseudonymised by Arrow on the distinct values only.

Why: the Python runner costs tens of microseconds per column per resource (the profile
of a full build: 54 % in FHIRPath evaluation); DuckDB parses the JSON and evaluates the
compiled view over whole vectors in C++, and the Python side never parses a resource.
The rows are the same as `flatten.Flattener`'s (tests/warehouse/test_flatten_sql.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from hoso.warehouse.catalog import TableSpec
from hoso.warehouse.flatten import Deidentify, arrow_schema
from hoso.warehouse.viewdef.duckdb_sql import compile_sql

__all__ = ["SqlFlattener", "register_wards", "resources_table"]

RESOURCES = pa.schema([("resource_type", pa.string()), ("id", pa.string()),
                       ("content", pa.string())])  # fmt: skip


def resources_table(rows: Sequence[tuple[str, str, str]]) -> pa.Table:
    """(resource_type, id, content JSON text) rows as the compiled views read them."""
    types, ids, contents = zip(*rows, strict=True) if rows else ((), (), ())
    return pa.table([pa.array(types, pa.string()), pa.array(ids, pa.string()),
                     pa.array(contents, pa.string())], schema=RESOURCES)  # fmt: skip


class SqlFlattener:
    """One table's rows from a batch of stored resources, in DuckDB. Raises
    `Uncompilable` at construction when the view needs the Python runner."""

    def __init__(self, spec: TableSpec, deidentify: Deidentify) -> None:
        self.spec = spec
        self.deidentify = deidentify
        self.schema = arrow_schema(spec)
        self.sql = self._shaped(compile_sql(spec.view, "batch_json"))

    def _shaped(self, view_sql: str) -> str:
        spec, picks = self.spec, []
        for column in spec.columns:
            ref = f'v."{column}"'
            if column == "birth_date":
                picks.append(f"TRY_CAST(substr(CAST({ref} AS VARCHAR), 1, 4) AS BIGINT) "
                             "AS birth_year")  # fmt: skip
            elif column in spec.dates:
                picks.append(f'substr(CAST({ref} AS VARCHAR), 1, 10) AS "{column}"')
            else:
                picks.append(f'{ref} AS "{column}"')
        dated = [f'substr(CAST(v."{c}" AS VARCHAR), 1, 7)' for c in spec.period_from]
        period = f"coalesce({', '.join([*dated, repr('')])})"
        owner = 'v."id"' if spec.name == "patient" else 'v."patient_id"'
        return (f"WITH v AS ({view_sql}) SELECT {', '.join(picks)}, "
                f"coalesce(w.ward, '') AS ward, {period} AS period, "
                f"CASE WHEN {period} = '' THEN 'none' ELSE substr({period}, 1, 4) END AS year "
                f"FROM v LEFT JOIN wards w ON w.patient = {owner}")  # fmt: skip

    def table(self, db: duckdb.DuckDBPyConnection, batch: pa.Table) -> pa.Table:
        """`batch`: a `resources_table`; the connection holds the `wards` table
        (patient, ward), registered by the caller (`register_wards`)."""
        db.register("batch_raw", batch)
        try:
            db.execute("CREATE OR REPLACE TEMP VIEW batch_json AS SELECT resource_type, id, "
                       "CAST(content AS JSON) AS content FROM batch_raw")  # fmt: skip
            result = db.sql(self.sql).to_arrow_table()
        finally:
            db.unregister("batch_raw")
        result = result.cast(self.schema)
        for column in self.spec.pseudonymous:
            index = result.schema.get_field_index(column)
            result = result.set_column(index, column, self._pseudonyms(result[column]))
        return result

    def _pseudonyms(self, values: pa.ChunkedArray) -> pa.Array:
        if self.deidentify.identified:
            return values.combine_chunks()
        distinct = pc.unique(values)
        aliases = pa.array([self.deidentify.key(v) for v in distinct.to_pylist()], pa.string())
        return aliases.take(pc.index_in(values, distinct))


def register_wards(db: duckdb.DuckDBPyConnection, wards: Mapping[str, str]) -> None:
    """The residents' wards (real Patient id → ward) as the table `wards`."""
    table = pa.table({"patient": pa.array(list(wards), pa.string()),
                      "ward": pa.array(list(wards.values()), pa.string())})
    db.register("wards", table)
