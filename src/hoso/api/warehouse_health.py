"""What the `/warehouse/health/` page draws, as rows: the same rows are drawn (tiles,
bars, tables) and served as CSV, so a download is exactly the data on the screen.

- the ward map: one tile per ward (all 168, by former district), each ward's total of
  the chosen indicator (its value without categories) in the period;
- top diagnoses: the city's ten most frequent options of a diagnosis dimension
  (`icd10…`, the finest there is) of the first indicator that has one;
- one bar chart per group-1 indicator: the city's value per option of its first
  dimension in the period, or, for an indicator without categories, per month (the
  last twelve periods there are).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from hoso.fhir.icd10_names import icd10_name
from hoso.publichealth.series.districts import districts, ward_places
from hoso.warehouse.indicators.model import CITY, WARD, IndicatorDef, IndicatorValue
from hoso.warehouse.indicators.source import IndicatorSource

__all__ = ["ChartRow", "bar_rows", "csv_of", "diagnosis_dimension", "latest_period",
           "map_indicator", "top_diagnoses", "ward_rows"]  # fmt: skip

TOP_N, MAX_BARS, TREND = 10, 30, 12
CSV_HEAD = ("key", "label", "period", "numerator", "denominator", "value", "unit")


@dataclass(frozen=True, slots=True)
class ChartRow:
    key: str  # ward code, option code, period
    label: str
    period: str
    numerator: float | None
    denominator: float | None
    value: float | None  # as shown: × scale for a rate, the count for a count
    group: str = ""  # a ward's former district


def shown(d: IndicatorDef, v: IndicatorValue) -> float | None:
    if v.value is None:
        return None
    return round(v.value * d.scale, 2) if v.denominator is not None else v.value


def group1(source: IndicatorSource) -> list[IndicatorDef]:
    return [d for d in source.definitions() if d.group == 1]


def map_indicator(defs: Sequence[IndicatorDef], code: str | None) -> IndicatorDef | None:
    """The chosen one, else the first rate (a map of counts favours big wards)."""
    if code is not None:
        return next((d for d in defs if d.code == code), None)
    return next((d for d in defs if d.scale > 1), defs[0] if defs else None)


def latest_period(source: IndicatorSource, d: IndicatorDef, kind: str) -> str | None:
    months = {v.period for v in source.values(d.code, org_kind=kind) if len(v.period) == 7}
    return max(months) if months else None


def ward_rows(source: IndicatorSource, d: IndicatorDef, period: str) -> list[ChartRow]:
    totals = {v.org: v for v in source.values(d.code, period=period, org_kind=WARD)
              if not v.categories}  # fmt: skip
    order = {group: i for i, group in enumerate(districts())}
    rows = []
    for place in sorted(ward_places(), key=lambda p: order[p.district]):
        v = totals.get(place.code)
        rows.append(ChartRow(place.code, place.name, period,
                             None if v is None else v.numerator,
                             None if v is None else v.denominator,
                             None if v is None else shown(d, v), place.district))  # fmt: skip
    return rows


def _fineness(dim: str) -> tuple[bool, bool, str]:
    """A code before a group before a chapter."""
    return "chapter" in dim, "group" in dim, dim


def diagnosis_dimension(d: IndicatorDef) -> str | None:
    """The finest ICD-10 dimension of `d`."""
    dims = [c for c in d.categories if c.startswith("icd10")]
    return min(dims, key=_fineness) if dims else None


def _option_label(dim: str, option: str) -> str:
    if dim.startswith("icd10") and "chapter" not in dim:
        name = icd10_name(option)
        return f"{option} {name}" if name else option
    if "chapter" in dim:
        return f"Chương {option}"
    return option


def _one_dimension(d: IndicatorDef, values: Sequence[IndicatorValue], dim: str
                   ) -> list[ChartRow]:  # fmt: skip
    return [ChartRow(v.categories[dim], _option_label(dim, v.categories[dim]), v.period,
                     v.numerator, v.denominator, shown(d, v))
            for v in values if list(v.categories) == [dim]]  # fmt: skip


def top_diagnoses(source: IndicatorSource, period: str) -> tuple[IndicatorDef | None,
                                                                 list[ChartRow]]:  # fmt: skip
    """The city's most frequent options of the finest diagnosis dimension of any
    group-1 indicator (the first such indicator when two are as fine)."""
    found = [(d, dim) for d in group1(source) if (dim := diagnosis_dimension(d)) is not None]
    if not found:
        return None, []
    d, dim = min(found, key=lambda pair: _fineness(pair[1]))
    rows = _one_dimension(d, source.values(d.code, period=period, org_kind=CITY), dim)
    rows.sort(key=lambda r: (-(r.numerator or 0), r.key))
    return d, rows[:TOP_N]


def bar_rows(source: IndicatorSource, d: IndicatorDef, period: str) -> list[ChartRow]:
    if d.categories:
        values = source.values(d.code, period=period, org_kind=CITY)
        rows = _one_dimension(d, values, d.categories[0])
        return sorted(rows, key=lambda r: r.key)[:MAX_BARS]
    totals = [v for v in source.values(d.code, org_kind=CITY)
              if not v.categories and len(v.period) == len(period) and v.period <= period]
    totals.sort(key=lambda v: v.period)
    return [ChartRow(v.period, v.period, v.period, v.numerator, v.denominator, shown(d, v))
            for v in totals[-TREND:]]  # fmt: skip


def _cell(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if x == int(x) else repr(x)


def _text(cell: str) -> str:
    """A text cell a spreadsheet would run as a formula (OWASP "CSV injection": = + - @,
    tab, carriage return) is written with a leading apostrophe."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def csv_of(rows: Sequence[ChartRow], d: IndicatorDef | None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEAD)
    unit = d.unit_vi if d is not None else ""
    for r in rows:
        writer.writerow([_text(r.key), _text(r.label), r.period, _cell(r.numerator),
                         _cell(r.denominator), _cell(r.value), _text(unit)])  # fmt: skip
    return out.getvalue()
