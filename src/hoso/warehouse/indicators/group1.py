"""Group 1 — residents' health and disease patterns: every analysis by its indicator code,
written once in Ibis, run on whichever backend holds the tables (DuckDB or Spark)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import ibis.expr.types as ir

from hoso.core.errors import InvalidRequest
from hoso.warehouse.indicators.care import readmissions, visits_per_resident
from hoso.warehouse.indicators.immunisation import immunisation_coverage
from hoso.warehouse.indicators.morbidity import (
    morbidity,
    morbidity_by_group,
    mortality_in_hospital,
    mortality_residents,
    top_diagnoses,
)
from hoso.warehouse.indicators.output import Tables, bounded, day_text
from hoso.warehouse.indicators.prevalence import chronic_prevalence

__all__ = ["ANALYSES", "MAX_YEARS", "Parameters", "analyse", "analyse_all"]


MAX_YEARS = 50  # coverage years in one call: a decade or five, not a typo's 10,000
MIN_YEAR, MAX_YEAR = 1900, 2100


@dataclass(frozen=True, slots=True)
class Parameters:
    """What the analyses need besides the tables, checked when made (they come from a
    command line or a request)."""

    as_of: str  # 'YYYY-MM-DD': the day of point prevalence
    years: Sequence[int]  # the years of immunisation coverage

    def __post_init__(self) -> None:
        day_text(self.as_of)
        years = tuple(self.years)
        if not 1 <= len(years) <= MAX_YEARS:
            raise InvalidRequest(f"Từ 1 đến {MAX_YEARS} năm / from 1 to {MAX_YEARS} years")
        for year in years:
            bounded(year, MIN_YEAR, MAX_YEAR, "năm / year")
        object.__setattr__(self, "years", years)


ANALYSES: dict[str, Callable[[Tables, Parameters], ir.Table]] = {
    "morbidity-icd10-chapter": lambda t, _: morbidity(t),
    "morbidity-icd10-group": lambda t, _: morbidity_by_group(t),
    "mortality-in-hospital": lambda t, _: mortality_in_hospital(t),
    "mortality-residents": lambda t, _: mortality_residents(t),
    "top-diagnoses": lambda t, _: top_diagnoses(t),
    "chronic-prevalence": lambda t, p: chronic_prevalence(t, p.as_of),
    "immunisation-coverage": lambda t, p: immunisation_coverage(t, p.years),
    "visits-per-resident": lambda t, _: visits_per_resident(t),
    "readmissions-30d": lambda t, _: readmissions(t),
}


def analyse(code: str, tables: Tables, params: Parameters) -> ir.Table:
    """The analysis of one indicator, as an unexecuted Ibis expression."""
    if code not in ANALYSES:
        raise InvalidRequest(f"Không có chỉ số {code[:64]!r} / no indicator {code[:64]!r}")
    return ANALYSES[code](tables, params)


def analyse_all(tables: Tables, params: Parameters) -> dict[str, ir.Table]:
    """Every analysis of the group, as unexecuted Ibis expressions."""
    return {code: run(tables, params) for code, run in ANALYSES.items()}
