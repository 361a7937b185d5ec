"""An analysis's rows → the shared model's `IndicatorValue`s (the dashboards, the FHIR
MeasureReport and the DHIS2 export all read these)."""

from __future__ import annotations

import math
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from hoso.warehouse.indicators.definitions import definition
from hoso.warehouse.indicators.model import IndicatorValue
from hoso.warehouse.indicators.output import category_column

__all__ = ["values"]


def _number(found: Any) -> float | None:
    if found is None or found is pd.NA:
        return None
    number = float(found)
    return None if math.isnan(number) else number


def values(code: str, result: ir.Table | pd.DataFrame) -> list[IndicatorValue]:
    """One `IndicatorValue` per row of `result` (an analysis's table, executed here if it
    is an Ibis expression), its categories those of the indicator's definition."""
    frame = result if isinstance(result, pd.DataFrame) else result.to_pandas()
    categories = definition(code).categories
    found = []
    for row in frame.to_dict("records"):
        found.append(IndicatorValue(
            indicator=code, period=str(row["period"]), org_kind=str(row["org_kind"]),
            org=str(row["org"]), numerator=_number(row["numerator"]) or 0.0,
            denominator=_number(row["denominator"]),
            categories={c: str(row[category_column(c)]) for c in categories},
        ))  # fmt: skip
    return found
