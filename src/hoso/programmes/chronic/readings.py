"""Measurements the chronic registers read from a resident's Observations, in one
unit each: blood pressure (LOINC 8480-6 / 8462-4, as a panel's components or as two
Observations taken together) in mm[Hg]; fasting glucose (1558-6 mass, 14771-0 moles)
in mmol/L; HbA1c (4548-4 %, 59261-8 IFCC) in NGSP %.

Units follow the UCUM code (or unit text) of the value, not the LOINC code alone: a
glucometer's 1558-6 sent in mmol/L is read as mmol/L. Without a unit, the LOINC code's
property decides (1558-6 mass → mg/dL; 14771-0 moles → mmol/L). A value in a unit not
listed here is left out rather than guessed.

One pass over the Observations finds all three kinds (`readings`): the recompute reads
every enrolled resident's record, so the code is checked before any date is parsed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hoso.programmes.cadence import local_day
from hoso.programmes.framework import Record
from hoso.programmes.quantities import as_number

__all__ = ["LOINC", "MGDL_PER_MMOL", "BloodPressure", "Reading", "Readings", "blood_pressures",
           "fasting_glucose", "glucose_mmol", "hba1c", "hba1c_percent", "readings"]  # fmt: skip

LOINC = "http://loinc.org"
SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"
GLUCOSE_MASS, GLUCOSE_MOLES, HBA1C, HBA1C_IFCC = "1558-6", "14771-0", "4548-4", "59261-8"
MGDL_PER_MMOL = 18.016  # glucose 180.16 g/mol: 1 mmol/L = 18.016 mg/dL
_FINAL = frozenset(("final", "amended", "corrected"))
_BP = frozenset((SYSTOLIC, DIASTOLIC))
_GLUCOSE = frozenset((GLUCOSE_MASS, GLUCOSE_MOLES))
_A1C = frozenset((HBA1C, HBA1C_IFCC))
_WANTED = _BP | _GLUCOSE | _A1C
_MGDL = frozenset(("mg/dl", "mg%"))  # compared lower-cased
_MMHG = frozenset((None, "mm[hg]", "mmhg"))


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


@dataclass(slots=True)
class Readings:
    """A resident's readings, each list oldest first."""

    blood_pressure: list[BloodPressure] = field(default_factory=list)
    glucose: list[Reading] = field(default_factory=list)
    hba1c: list[Reading] = field(default_factory=list)


def _code(part: Mapping[str, Any], wanted: frozenset[str]) -> str | None:
    for coding in (part.get("code") or {}).get("coding") or ():
        if isinstance(coding, dict) and coding.get("system") == LOINC:
            code = coding.get("code")
            if code in wanted:
                return str(code)
    return None


def _quantity(part: Mapping[str, Any]) -> tuple[float, str | None] | None:
    quantity = part.get("valueQuantity")
    value = as_number(quantity.get("value")) if isinstance(quantity, dict) else None
    if value is None:
        return None
    unit = quantity.get("code") or quantity.get("unit")  # type: ignore[union-attr]
    return value, (str(unit).strip().lower() if unit else None)


def glucose_mmol(value: float, unit: str | None, loinc: str) -> float | None:
    """A fasting glucose in mmol/L, from its unit (or, without one, its LOINC code)."""
    unit = unit.lower() if unit else None
    if unit == "mmol/l" or (unit is None and loinc == GLUCOSE_MOLES):
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


def _pressures(obs: Mapping[str, Any]) -> dict[str, float]:
    values: dict[str, float] = {}
    for part in (obs, *(obs.get("component") or ())):
        code = _code(part, _BP)
        q = _quantity(part) if code else None
        if code and q is not None and q[1] in _MMHG:
            values[code] = q[0]
    return values


def readings(record: Record, until: date | None = None) -> Readings:
    """Every blood pressure (separate systolic and diastolic Observations pair up when
    they share their effective time), fasting glucose and HbA1c up to `until`."""
    found = Readings()
    loose: dict[str, dict[str, Any]] = {}
    for obs in record.of("Observation"):
        if obs.get("status") not in _FINAL:
            continue
        top = _code(obs, _WANTED)
        if top is None and not obs.get("component"):
            continue
        when = str(obs.get("effectiveDateTime") or (obs.get("effectivePeriod") or {}).get("start")
                   or "")  # fmt: skip
        day = local_day(when)
        if day is None or (until is not None and day > until):
            continue
        if top in _GLUCOSE or top in _A1C:
            q = _quantity(obs)
            convert = glucose_mmol if top in _GLUCOSE else hba1c_percent
            value = convert(q[0], q[1], top) if q else None
            if value is not None:
                (found.glucose if top in _GLUCOSE else found.hba1c).append(
                    Reading(day, when, value)
                )
            continue
        values = _pressures(obs)
        if len(values) == 2:
            found.blood_pressure.append(BloodPressure(day, when, values[SYSTOLIC],
                                                      values[DIASTOLIC]))  # fmt: skip
        elif values:
            loose.setdefault(when, {"day": day}).update(values)
    for when, pair in loose.items():
        if SYSTOLIC in pair and DIASTOLIC in pair:
            found.blood_pressure.append(BloodPressure(pair["day"], when, pair[SYSTOLIC],
                                                      pair[DIASTOLIC]))  # fmt: skip
    for kind in (found.blood_pressure, found.glucose, found.hba1c):
        kind.sort(key=lambda r: (r.day, r.when))
    return found


def blood_pressures(record: Record, until: date | None = None) -> list[BloodPressure]:
    return readings(record, until).blood_pressure


def fasting_glucose(record: Record, until: date | None = None) -> list[Reading]:
    return readings(record, until).glucose


def hba1c(record: Record, until: date | None = None) -> list[Reading]:
    return readings(record, until).hba1c
