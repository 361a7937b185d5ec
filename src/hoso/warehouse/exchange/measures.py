"""A warehouse indicator as a FHIR R4 `Measure`, and its values for one organisation unit
and period as a `MeasureReport` (https://hl7.org/fhir/R4/measure.html,
https://hl7.org/fhir/R4/measurereport.html).

The conventions are the programmes' reports' (`hoso.programmes.reports.measure_report`,
which this package may not import): canonical URLs under `https://hoso.vn/fhir/Measure/`
(here `warehouse-<code>`), the ward as a Location by its 2025 code, the population codes
of `measure-population`, a population count rounded to an integer (R4's `count` is one).

- scoring follows the definition's `scale`: 1 (a count) cohort, 100 (a percentage)
  proportion, 1,000 and more (per population) ratio; a caller who knows better (a mean
  length of stay: continuous-variable) passes `scoring`;
- the values without categories are the group's populations and score; the others are
  strata, one stratifier per combination of dimensions present (one dimension: the
  stratum's `value`; several: its `component`s).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from hoso.core import clock
from hoso.core.settings import DEFAULT_FACILITY_SYSTEM
from hoso.warehouse.exchange.periods import period_bounds
from hoso.warehouse.indicators.model import CITY, FACILITY, WARD, IndicatorDef, IndicatorValue

__all__ = ["MEASURE_BASE", "SCORINGS", "measure", "measure_report", "measure_reports",
           "measure_url", "scoring_of"]

MEASURE_BASE = "https://hoso.vn/fhir/Measure/warehouse-"
WARD_SYSTEM = "https://hoso.vn/fhir/sid/ward-2025"  # as the programmes' reports
PROVINCE_SYSTEM = "https://hoso.vn/fhir/sid/province"
CITY_CODE = "79"  # HCMC's province code (the model's CITY org)
_POP = "http://terminology.hl7.org/CodeSystem/measure-population"
_SCORING = "http://terminology.hl7.org/CodeSystem/measure-scoring"
_TYPE = "http://terminology.hl7.org/CodeSystem/measure-type"
_INDICATOR = "https://hoso.vn/fhir/CodeSystem/warehouse-indicator"
_DIMENSION = "https://hoso.vn/fhir/CodeSystem/warehouse-dimension"
_OPTION = "https://hoso.vn/fhir/CodeSystem/warehouse-option/"  # + dimension
_UCUM = "http://unitsofmeasure.org"
SCORINGS = ("proportion", "ratio", "continuous-variable", "cohort")
_POPULATIONS = {  # R4's populations per scoring (measure.html#scoring)
    "cohort": ("initial-population",),
    "proportion": ("initial-population", "denominator", "numerator"),
    "ratio": ("initial-population", "denominator", "numerator"),
    "continuous-variable": ("initial-population", "measure-population", "measure-observation"),
}
_NOT_ID = re.compile(r"[^A-Za-z0-9.-]+")


def measure_url(code: str) -> str:
    return f"{MEASURE_BASE}{code}"


def scoring_of(definition: IndicatorDef) -> str:
    if definition.scale == 1:
        return "cohort"
    return "proportion" if definition.scale == 100 else "ratio"


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    found = {"system": system, "code": code}
    return found if display is None else {**found, "display": display}


def _concept(system: str, code: str, text: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"coding": [_coding(system, code)]}
    return found if text is None else {**found, "text": text}


def _name(definition: IndicatorDef) -> str:
    """A computable name (measure.html: "Name for this measure (computer friendly)")."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", definition.code)
                   if part)[:255] or "Indicator"  # fmt: skip


def _fhir_id(text: str) -> str:
    return _NOT_ID.sub("-", text).strip("-")[:64] or "x"


def _criteria(definition: IndicatorDef, part: str) -> dict[str, Any]:
    """R4 requires an Expression; the computation is the warehouse's analysis of that
    name, not CQL, so it is named as plain text."""
    return {"language": "text/plain", "expression": f"{definition.code}#{part}",
            "description": "Tính trong kho dữ liệu y tế / computed by the health data "
                           "warehouse"}  # fmt: skip


def measure(definition: IndicatorDef, *, scoring: str | None = None,
            version: str | None = None) -> dict[str, Any]:  # fmt: skip
    """The `Measure` of `definition`."""
    chosen = scoring or scoring_of(definition)
    if chosen not in SCORINGS:
        raise ValueError(f"scoring {chosen!r} is not one of {SCORINGS}")
    populations = [{"code": _concept(_POP, code), "criteria": _criteria(definition, code)}
                   for code in _POPULATIONS[chosen]]  # fmt: skip
    stratifiers = [{"code": _concept(_DIMENSION, dim, dim),
                    "criteria": _criteria(definition, f"stratifier/{dim}")}
                   for dim in definition.categories]  # fmt: skip
    if len(definition.categories) > 1:  # the full combination too
        stratifiers.append({"component": [{"code": _concept(_DIMENSION, dim, dim),
                                           "criteria": _criteria(definition, f"stratifier/{dim}")}
                                          for dim in definition.categories]})  # fmt: skip
    found: dict[str, Any] = {
        "resourceType": "Measure",
        "id": _fhir_id(f"warehouse-{definition.code}"),
        "url": measure_url(definition.code),
        "name": _name(definition),
        "title": f"{definition.name_vi} / {definition.name_en}",
        "status": "active",
        "scoring": _concept(_SCORING, chosen),
        "type": [_concept(_TYPE, "outcome")],
        "group": [{"code": _concept(_INDICATOR, definition.code, definition.name_vi),
                   "population": populations, "stratifier": stratifiers}],
    }  # fmt: skip
    if version:
        found["version"] = version
    description = " / ".join(x for x in (definition.description_vi, definition.description_en)
                             if x)  # fmt: skip
    if description:
        found["description"] = description
    if definition.source:
        found["rationale"] = f"Nguồn / Source: {definition.source}"
    if not stratifiers:
        del found["group"][0]["stratifier"]
    return found


def _count(code: str, value: float | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"code": _concept(_POP, code), "count": round(value)}


def _populations(scoring: str, value: IndicatorValue) -> list[dict[str, Any]]:
    if scoring == "cohort":
        found = [_count("initial-population", value.numerator)]
    else:
        found = [_count("numerator", value.numerator), _count("denominator", value.denominator)]
    return [p for p in found if p is not None]


def _score(definition: IndicatorDef, scoring: str, value: IndicatorValue
           ) -> dict[str, Any] | None:  # fmt: skip
    """The value as the definition shows it (× scale): % in UCUM, a rate per population
    with the definition's unit as text; a count is its population, no score."""
    if scoring == "cohort" or value.value is None or value.denominator is None:
        return None
    shown = round(value.value * definition.scale, 6)
    if definition.scale == 100:
        return {"value": shown, "unit": "%", "system": _UCUM, "code": "%"}
    return {"value": shown, "unit": definition.unit_vi}


def _stratum_value(dim: str, option: str) -> dict[str, Any]:
    return {"coding": [_coding(f"{_OPTION}{dim}", option)], "text": option}


def _stratifiers(definition: IndicatorDef, scoring: str,
                 values: Iterable[IndicatorValue]) -> list[dict[str, Any]]:  # fmt: skip
    by_dims: dict[tuple[str, ...], list[IndicatorValue]] = {}
    for value in values:
        by_dims.setdefault(tuple(sorted(value.categories)), []).append(value)
    found = []
    for dims, cells in by_dims.items():
        strata = []
        for cell in sorted(cells, key=lambda c: tuple(c.categories[d] for d in dims)):
            stratum: dict[str, Any] = {"population": _populations(scoring, cell)}
            if len(dims) == 1:
                stratum["value"] = _stratum_value(dims[0], cell.categories[dims[0]])
            else:
                stratum["component"] = [{"code": _concept(_DIMENSION, d, d),
                                         "value": _stratum_value(d, cell.categories[d])}
                                        for d in dims]  # fmt: skip
            if (score := _score(definition, scoring, cell)) is not None:
                stratum["measureScore"] = score
            strata.append(stratum)
        found.append({"code": [_concept(_DIMENSION, d, d) for d in dims], "stratum": strata})
    return found


def _org(org_kind: str, org: str, name: str | None) -> tuple[str, dict[str, Any]]:
    """Where the report is about: a ward is its `subject` (a Location); a facility and
    the city report (`reporter`, an Organization: R4's subject may not be one)."""
    if org_kind == WARD:
        ident = {"system": WARD_SYSTEM, "value": org}
        return "subject", {"type": "Location", "identifier": ident, "display": name or org}
    if org_kind == FACILITY:
        ident = {"system": DEFAULT_FACILITY_SYSTEM, "value": org}
        return "reporter", {"type": "Organization", "identifier": ident,
                            "display": name or org}  # fmt: skip
    if org_kind == CITY:
        ident = {"system": PROVINCE_SYSTEM, "value": org or CITY_CODE}
        return "reporter", {"type": "Organization", "identifier": ident,
                            "display": name or "Sở Y tế TP. Hồ Chí Minh"}  # fmt: skip
    raise ValueError(f"org_kind {org_kind!r}")


def measure_report(definition: IndicatorDef, values: Sequence[IndicatorValue], *,
                   period: str, org_kind: str, org: str, org_name: str | None = None,
                   scoring: str | None = None, generated: datetime | None = None
                   ) -> dict[str, Any]:  # fmt: skip
    """The summary `MeasureReport` of `definition` for `org` in `period`, from those of
    `values` that are its (other indicators', periods' or places' are left out)."""
    chosen = scoring or scoring_of(definition)
    mine = [v for v in values if v.indicator == definition.code and v.period == period
            and v.org_kind == org_kind and v.org == org]  # fmt: skip
    totals = [v for v in mine if not v.categories]
    group: dict[str, Any] = {"code": _concept(_INDICATOR, definition.code, definition.name_vi)}
    if totals:
        group["population"] = _populations(chosen, totals[0])
        if (score := _score(definition, chosen, totals[0])) is not None:
            group["measureScore"] = score
    if strata := _stratifiers(definition, chosen, [v for v in mine if v.categories]):
        group["stratifier"] = strata
    start, end = period_bounds(period)
    where, who = _org(org_kind, org, org_name)
    return {
        "resourceType": "MeasureReport",
        "id": _fhir_id(f"{definition.code}-{period}-{org_kind}-{org}"),
        "status": "complete",
        "type": "summary",
        "measure": measure_url(definition.code),
        where: who,
        "date": clock.fhir_instant(generated or clock.now()),
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "group": [group],
    }


def measure_reports(definition: IndicatorDef, values: Sequence[IndicatorValue], *,
                    names: dict[str, str] | None = None,
                    generated: datetime | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """One report per organisation unit × period present in `values`."""
    cells: dict[tuple[str, str, str], list[IndicatorValue]] = {}
    for v in values:
        if v.indicator == definition.code:
            cells.setdefault((v.org_kind, v.org, v.period), []).append(v)
    when = generated or clock.now()
    return [measure_report(definition, cells[key], period=key[2], org_kind=key[0], org=key[1],
                           org_name=(names or {}).get(key[1]), generated=when)
            for key in sorted(cells)]  # fmt: skip
