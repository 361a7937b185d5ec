"""The DHIS2 aggregate export: indicator values as DHIS2 data values, one per data element
× period × organisation unit × category option combo × attribute option combo
(docs.dhis2.org, Developer guide, Web API "Data values": `/api/dataValueSets`).

- JSON: `{"dataValues": [{"dataElement", "period", "orgUnit", "categoryOptionCombo",
  "attributeOptionCombo", "value"}]}`;
- CSV: DHIS2 reads columns by position and skips the first row (the header), in the
  order dataelement, period, orgunit, categoryoptioncombo, attributeoptioncombo, value,
  storedby, lastupdated, comment, followup (the last four empty here);
- periods in DHIS2's ISO form: a month `YYYYMM`, a year `YYYY`.

Each value becomes its numerator's data value (a count: DHIS2 computes rates itself, as
indicators over data elements) and, where the mapping names one, its denominator's.
A value the mapping cannot place (no data element for the indicator, no combo for its
categories, no organisation unit for its ward or facility) is not dropped in silence: it
is listed in `Dhis2Export.unmapped` with the reason.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hoso.warehouse.exchange.dhis2_mapping import Dhis2Mapping, combo_key
from hoso.warehouse.exchange.periods import dhis2_period
from hoso.warehouse.indicators.model import IndicatorValue

__all__ = ["CSV_COLUMNS", "Dhis2Export", "Unmapped", "dhis2_export", "number_text"]

CSV_COLUMNS = ("dataelement", "period", "orgunit", "categoryoptioncombo",
               "attributeoptioncombo", "value", "storedby", "lastupdated", "comment",
               "followup")  # fmt: skip
# Why a value is left out.
NO_ELEMENT, NO_COMBO, NO_ORG_UNIT = "data-element", "category-option-combo", "org-unit"


@dataclass(frozen=True, slots=True)
class Unmapped:
    indicator: str
    period: str
    org_kind: str
    org: str
    categories: str  # the combo key
    reason: str  # NO_ELEMENT | NO_COMBO | NO_ORG_UNIT

    def as_dict(self) -> dict[str, str]:
        return {"indicator": self.indicator, "period": self.period, "orgKind": self.org_kind,
                "org": self.org, "categories": self.categories, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Dhis2Export:
    mapping_version: str
    data_values: list[dict[str, str]] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)

    def data_value_set(self) -> dict[str, Any]:
        return {"dataValues": self.data_values}

    def csv_text(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for v in self.data_values:
            writer.writerow([v["dataElement"], v["period"], v["orgUnit"],
                             v["categoryOptionCombo"], v["attributeOptionCombo"], v["value"],
                             "", "", "", ""])  # fmt: skip
        return out.getvalue()


def number_text(value: float) -> str:
    """A whole number without ".0" (DHIS2 refuses "12.0" for an integer element); others
    as their shortest round-trip decimal."""
    if value == int(value):
        return str(int(value))
    return repr(float(value))


def _place(mapping: Dhis2Mapping, v: IndicatorValue) -> tuple[str, str, str] | str:
    """(data element, org unit, combo) of `v`, or why it has none."""
    element = mapping.elements.get(v.indicator)
    if element is None:
        return NO_ELEMENT
    unit = mapping.org_unit(v.org_kind, v.org)
    if unit is None:
        return NO_ORG_UNIT
    combo = mapping.combo(v.indicator, v.categories)
    if combo is None:
        return NO_COMBO
    return element.numerator, unit, combo


def dhis2_export(values: Iterable[IndicatorValue], mapping: Dhis2Mapping) -> Dhis2Export:
    found = Dhis2Export(mapping.version)
    seen: set[tuple[str, ...]] = set()

    def add(row: dict[str, str]) -> None:
        # Indicators that share a denominator element (a ward's population) give the
        # same data value more than once: sent once.
        key = tuple(row.values())
        if key not in seen:
            seen.add(key)
            found.data_values.append(row)

    for v in values:
        placed = _place(mapping, v)
        if isinstance(placed, str):
            found.unmapped.append(Unmapped(v.indicator, v.period, v.org_kind, v.org,
                                           combo_key(v.categories), placed))  # fmt: skip
            continue
        numerator, unit, combo = placed
        common = {"period": dhis2_period(v.period), "orgUnit": unit,
                  "categoryOptionCombo": combo, "attributeOptionCombo": mapping.attribute_combo}
        add({"dataElement": numerator, **common, "value": number_text(v.numerator)})
        denominator = mapping.elements[v.indicator].denominator
        if denominator is not None and v.denominator is not None:
            add({"dataElement": denominator, **common, "value": number_text(v.denominator)})
    return found
