"""Measurements the chronic registers read from a resident's Observations, in one
unit each: blood pressure (LOINC 8480-6 / 8462-4, as a panel's components or as two
Observations taken together) in mm[Hg]; fasting glucose (1558-6 mass, 14771-0 moles)
in mmol/L; HbA1c (4548-4) in NGSP %.

Units follow the UCUM code (or unit text) of the value, not the LOINC code alone: a
glucometer's 1558-6 sent in mmol/L is read as mmol/L. Without a unit, the LOINC code's
property decides (1558-6 mass → mg/dL; 14771-0 moles → mmol/L). A value in a unit not
listed here is left out rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from hoso.programmes.cadence import local_day
from hoso.programmes.framework import Record
from hoso.programmes.quantities import as_number

__all__ = ["LOINC", "MGDL_PER_MMOL", "BloodPressure", "Reading", "blood_pressures",
           "fasting_glucose", "glucose_mmol", "hba1c", "hba1c_percent"]  # fmt: skip

LOINC = "http://loinc.org"
SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"
GLUCOSE_MASS, GLUCOSE_MOLES, HBA1C, HBA1C_IFCC = "1558-6", "14771-0", "4548-4", "59261-8"
MGDL_PER_MMOL = 18.016  # glucose 180.16 g/mol: 1 mmol/L = 18.016 mg/dL
_FINAL = ("final", "amended", "corrected")
_MGDL = {"mg/dl", "mg%"}  # compared lower-cased
_MMOL = {"mmol/l"}


@dataclass(frozen=True, slots=True)
class BloodPressure:
    day: date
    when: str  # the effective dateTime, to order readings on one day
    systolic: float
    diastolic: float


@dataclass(frozen=True, slots=True)
class Reading:
    day: date
    when: str
    value: float  # in the module's unit for the kind (mmol/L, %)


def _codes(part: Mapping[str, Any]) -> set[str]:
    codings = (part.get("code") or {}).get("coding") or []
    return {
        str(c.get("code")) for c in codings if isinstance(c, Mapping) and c.get("system") == LOINC
    }


def _quantity(part: Mapping[str, Any]) -> tuple[float, str | None] | None:
    quantity = part.get("valueQuantity") or {}
    value = as_number(quantity.get("value"))
    if value is None:
        return None
    unit = quantity.get("code") or quantity.get("unit")
    return value, (str(unit).strip().lower() if unit else None)


def _final(record: Record) -> Iterable[tuple[Mapping[str, Any], date, str]]:
    for obs in record.of("Observation"):
        if obs.get("status") not in _FINAL:
            continue
        when = str(
            obs.get("effectiveDateTime") or (obs.get("effectivePeriod") or {}).get("start") or ""
        )
        day = local_day(when)
        if day is not None:
            yield obs, day, when


def blood_pressures(record: Record, until: date | None = None) -> list[BloodPressure]:
    """Each reading with both values, oldest first. Separate systolic and diastolic
    Observations pair up when they share their effective time."""
    loose: dict[str, dict[str, Any]] = {}
    found: list[BloodPressure] = []
    for obs, day, when in _final(record):
        if until is not None and day > until:
            continue
        values: dict[str, float] = {}
        for part in [obs, *(obs.get("component") or [])]:
            codes = _codes(part)
            for code in (SYSTOLIC, DIASTOLIC):
                q = _quantity(part) if code in codes else None
                if q is not None and q[1] in (None, "mm[hg]", "mmhg"):
                    values[code] = q[0]
        if SYSTOLIC in values and DIASTOLIC in values:
            found.append(BloodPressure(day, when, values[SYSTOLIC], values[DIASTOLIC]))
        elif values:
            pair = loose.setdefault(when, {"day": day})
            pair.update(values)
    for when, pair in loose.items():
        if SYSTOLIC in pair and DIASTOLIC in pair:
            found.append(BloodPressure(pair["day"], when, pair[SYSTOLIC], pair[DIASTOLIC]))
    found.sort(key=lambda r: (r.day, r.when))
    return found


def glucose_mmol(value: float, unit: str | None, loinc: str) -> float | None:
    """A fasting glucose in mmol/L, from its unit (or, without one, its LOINC code)."""
    unit = unit.lower() if unit else None
    if unit in _MMOL or (unit is None and loinc == GLUCOSE_MOLES):
        return value
    if unit in _MGDL or (unit is None and loinc == GLUCOSE_MASS):
        return value / MGDL_PER_MMOL
    return None


def hba1c_percent(value: float, unit: str | None, loinc: str) -> float | None:
    """HbA1c in NGSP %; an IFCC value (mmol/mol) by the NGSP/IFCC master equation."""
    unit = unit.lower() if unit else None
    if unit == "%" or (unit is None and loinc == HBA1C):
        return value
    if unit == "mmol/mol" or (unit is None and loinc == HBA1C_IFCC):
        return round(0.09148 * value + 2.152, 2)
    return None


def _readings(record: Record, codes: tuple[str, ...], convert: Any, until: date | None
              ) -> list[Reading]:  # fmt: skip
    found = []
    for obs, day, when in _final(record):
        if until is not None and day > until:
            continue
        hit = _codes(obs) & set(codes)
        q = _quantity(obs) if hit else None
        if q is None:
            continue
        value = convert(q[0], q[1], next(iter(hit)))
        if value is not None:
            found.append(Reading(day, when, value))
    found.sort(key=lambda r: (r.day, r.when))
    return found


def fasting_glucose(record: Record, until: date | None = None) -> list[Reading]:
    return _readings(record, (GLUCOSE_MASS, GLUCOSE_MOLES), glucose_mmol, until)


def hba1c(record: Record, until: date | None = None) -> list[Reading]:
    return _readings(record, (HBA1C, HBA1C_IFCC), hba1c_percent, until)
