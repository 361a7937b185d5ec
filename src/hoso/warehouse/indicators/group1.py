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
    mortality_in_hospital,
    mortality_residents,
    top_diagnoses,
)
from hoso.warehouse.indicators.output import Tables
from hoso.warehouse.indicators.prevalence import chronic_prevalence

__all__ = ["ANALYSES", "Parameters", "analyse", "analyse_all"]


@dataclass(frozen=True, slots=True)
class Parameters:
    as_of: str  # 'YYYY-MM-DD': the day of point prevalence
    years: Sequence[int]  # the years of immunisation coverage


ANALYSES: dict[str, Callable[[Tables, Parameters], ir.Table]] = {
    "morbidity-icd10-chapter": lambda t, _: morbidity(t),
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
