"""The one shape every group-1 analysis returns, so `values` and the engines' comparison
read them alike: `period`, `org_kind`, `org`, one column per category of the indicator's
definition (its name with `_` for `-`), `numerator` (BIGINT) and `denominator` (DOUBLE,
null for a count)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ibis
import ibis.expr.types as ir

__all__ = ["CITY_CODE", "OUTPUT_COLUMNS", "Tables", "category_column", "output", "union"]

Tables = Mapping[str, ir.Table]
CITY_CODE = "79"  # Ho Chi Minh City's province code: the org of city-wide rows
OUTPUT_COLUMNS = ("period", "org_kind", "org")


def category_column(category: str) -> str:
    """"icd10-chapter" → "icd10_chapter"."""
    return category.replace("-", "_")


def output(
    t: ir.Table,
    *,
    period: ir.Value,
    org_kind: str,
    org: ir.Value | str,
    categories: Mapping[str, ir.Value],
    numerator: ir.Value,
    denominator: ir.Value | None,
) -> ir.Table:
    den = ibis.null().cast("float64") if denominator is None else denominator.cast("float64")
    org_value = ibis.literal(org) if isinstance(org, str) else org
    return t.select(
        period=period.cast("string"),
        org_kind=ibis.literal(org_kind),
        org=org_value.cast("string"),
        **{category_column(k): v.cast("string") for k, v in categories.items()},
        numerator=numerator.cast("int64"),
        denominator=den,
    )


def union(parts: Sequence[ir.Table]) -> ir.Table:
    found = parts[0]
    for part in parts[1:]:
        found = found.union(part, distinct=False)
    return found
