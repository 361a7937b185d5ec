"""The one shape every group-1 analysis returns, so `values` and the engines' comparison
read them alike: `period`, `org_kind`, `org`, one column per category of the indicator's
definition (its name with `_` for `-`), `numerator` (BIGINT) and `denominator` (DOUBLE,
null for a count)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import ibis
import ibis.expr.types as ir

from hoso.core.errors import InvalidRequest

__all__ = ["CITY_CODE", "OUTPUT_COLUMNS", "Tables", "bounded", "category_column", "day_text",
           "long_form", "output", "union"]  # fmt: skip

Tables = Mapping[str, ir.Table]
CITY_CODE = "79"  # Ho Chi Minh City's province code: the org of city-wide rows
OUTPUT_COLUMNS = ("period", "org_kind", "org")


def day_text(value: object) -> str:
    """A 'YYYY-MM-DD' parameter, checked: it goes into the analyses' comparisons."""
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise InvalidRequest(f"Ngày không hợp lệ {str(value)[:32]!r}, cần YYYY-MM-DD / invalid "
                         "day, YYYY-MM-DD expected")  # fmt: skip


def bounded(value: object, low: int, high: int, name: str) -> int:
    """An integer parameter within [low, high] (not a bool, not a float)."""
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    raise InvalidRequest(f"{name}: cần số nguyên từ {low} đến {high} / an integer from {low} "
                         f"to {high} expected, not {str(value)[:32]!r}")  # fmt: skip


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


def long_form(code: str, t: ir.Table, categories: Sequence[str]) -> ir.Table:
    """An analysis's rows in one shape for every indicator — `indicator`, `period`,
    `org_kind`, `org`, `categories` ("age-band=15-49;sex=female", in the definition's
    order), `numerator`, `denominator` — so results of several indicators can be stacked
    (one query, one fetch) and exported alike."""
    parts: list[ir.Value] = []
    for i, category in enumerate(categories):
        value = t[category_column(category)].fill_null("")
        parts += [ibis.literal((";" if i else "") + f"{category}="), value]
    joined = ibis.literal("").concat(*parts) if parts else ibis.literal("")
    return t.select(
        indicator=ibis.literal(code), period=t.period, org_kind=t.org_kind, org=t.org,
        categories=joined, numerator=t.numerator, denominator=t.denominator,
    )  # fmt: skip
