"""Resources → the warehouse's rows: a view's rows, de-identified as the catalog says,
with the resident's ward and the row's period, as an Arrow table.

The rows come from a `RowSource` (the Python runner `viewdef.runner`, or DuckDB SQL
compiled from the view, `viewdef.duckdb_sql`); this module only shapes them, so both
paths give byte-identical tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from hoso.warehouse.catalog import TableSpec

__all__ = ["ARROW_TYPES", "Deidentify", "Flattener", "arrow_schema"]

# The view's column types as Arrow types (FHIR primitives; the rest are text).
ARROW_TYPES: dict[str, pa.DataType] = {
    "boolean": pa.bool_(),
    "integer": pa.int64(),
    "positiveInt": pa.int64(),
    "unsignedInt": pa.int64(),
    "integer64": pa.int64(),
    "decimal": pa.float64(),
}
NO_PERIOD = ""  # a table without a date (patient): one partition per ward
NO_YEAR = "none"


def arrow_schema(spec: TableSpec) -> pa.Schema:
    fields = []
    for column in spec.columns:
        if column == "birth_date":
            fields.append(pa.field("birth_year", pa.int64()))
        else:
            fields.append(pa.field(column, ARROW_TYPES.get(spec.types[column], pa.string())))
    fields += [pa.field("ward", pa.string()), pa.field("period", pa.string()),
               pa.field("year", pa.string())]  # fmt: skip
    return pa.schema(fields)


@dataclass
class Deidentify:
    """What leaves the store: `pseudonym` maps a real id to its pseudonym (None keeps
    real ids: an identified extract, which the access layer must have allowed)."""

    pseudonym: Callable[[str], str] | None
    _seen: dict[str, str] = field(default_factory=dict)

    def key(self, value: Any) -> Any:
        if value is None or self.pseudonym is None:
            return value
        text = str(value)
        alias = self._seen.get(text)
        if alias is None:
            if len(self._seen) > 500_000:  # a bounded memo: a city has millions of ids
                self._seen.clear()
            alias = self._seen[text] = self.pseudonym(text)
        return alias

    @property
    def identified(self) -> bool:
        return self.pseudonym is None


class Flattener:
    """One table's rows from resources of its type."""

    def __init__(self, spec: TableSpec, rows_of: Callable[[dict[str, Any]], Iterable[dict]],
                 deidentify: Deidentify) -> None:  # fmt: skip
        self.spec = spec
        self.rows_of = rows_of
        self.deidentify = deidentify
        self.schema = arrow_schema(spec)

    def table(self, resources: Iterable[dict[str, Any]], wards: Mapping[str, str]) -> pa.Table:
        """`wards`: real Patient id → its home ward ('' unknown)."""
        shaped = [self.shape(row, wards) for r in resources for row in self.rows_of(r)]
        return self.arrow(shaped)

    def arrow(self, shaped: list[dict[str, Any]]) -> pa.Table:
        return pa.Table.from_pylist(shaped, schema=self.schema)

    def shape(self, row: dict[str, Any], wards: Mapping[str, str]) -> dict[str, Any]:
        spec = self.spec
        owner = row.get("id") if spec.name == "patient" else row.get("patient_id")
        out: dict[str, Any] = {}
        for column in spec.columns:
            value = row.get(column)
            if column == "birth_date":
                out["birth_year"] = _year(value)
                continue
            if value is not None and column in spec.dates:
                value = str(value)[:10]
            out[column] = value
        period = next((str(row[c])[:7] for c in spec.period_from if row.get(c)), NO_PERIOD)
        for column in spec.pseudonymous:
            out[column] = self.deidentify.key(out[column])
        out["ward"] = wards.get(str(owner), "") if owner is not None else ""
        out["period"] = period
        out["year"] = period[:4] or NO_YEAR
        return out


def _year(value: Any) -> int | None:
    text = str(value or "")
    return int(text[:4]) if text[:4].isascii() and text[:4].isdigit() else None
