"""Morbidity and mortality by ICD-10 chapter, age band and sex, and the top diagnoses:
the Ministry's hospital statistics tables, with population denominators where the rows
are a ward's or the city's residents.

Each function takes the warehouse's tables and returns an Ibis table in the shape of
`output.output`; nothing here is backend-specific, so DuckDB and Spark run the same
expressions.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from hoso.warehouse.indicators.age_bands import age_band_expr
from hoso.warehouse.indicators.icd10_chapters import UNKNOWN
from hoso.warehouse.indicators.model import CITY, FACILITY, WARD
from hoso.warehouse.indicators.output import CITY_CODE, Tables, bounded, output, union
from hoso.warehouse.indicators.population import (
    episodes,
    population,
    population_rates,
    residents,
)

__all__ = ["CELLS", "TOP_N", "morbidity", "morbidity_by_group", "mortality_in_hospital",
           "mortality_residents", "top_diagnoses"]  # fmt: skip

CELLS = ("icd10_chapter", "age_band", "sex")
TOP_N = 10


def morbidity(tables: Tables) -> ir.Table:
    """Episodes per month by chapter × age band × sex: per ward and for the city over the
    population of the year (per 100,000), and per facility (a count: a facility has no
    population of its own)."""
    ep = episodes(tables)
    pop = population(tables, ep.select("year").distinct())
    rates = population_rates(ep.filter(ep.ward != ""), CELLS, pop=pop)
    facility = ep.group_by(["period", "facility_id", *CELLS]).aggregate(numerator=ep.count())
    by_facility = output(
        facility, period=facility.period, org_kind=FACILITY, org=facility.facility_id,
        categories={c: facility[c] for c in CELLS}, numerator=facility.numerator,
        denominator=None,
    )  # fmt: skip
    return union([rates, by_facility])


def morbidity_by_group(tables: Tables) -> ir.Table:
    """Episodes per year by ICD-10 main group (QĐ 4469's blocks, "nhóm chính"): per ward
    and for the city over the year's population (per 100,000), per facility a count."""
    ep = episodes(tables, person=False)
    ep = ep.mutate(period=ep.year.cast("string"))
    pop = population(tables, ep.select("year").distinct())
    rates = population_rates(ep.filter(ep.ward != ""), ("icd10_group",), pop=pop)
    facility = ep.group_by(["period", "facility_id", "icd10_group"]).aggregate(
        numerator=ep.count()
    )
    by_facility = output(
        facility, period=facility.period, org_kind=FACILITY, org=facility.facility_id,
        categories={"icd10_group": facility.icd10_group}, numerator=facility.numerator,
        denominator=None,
    )  # fmt: skip
    return union([rates, by_facility])


def mortality_in_hospital(tables: Tables) -> ir.Table:
    """In-hospital deaths (KET_QUA_DTRI 5 or discharge disposition 'exp') per month of the
    encounter's start, by chapter × age band × sex, per facility and for the city, over
    the episodes of the same cell (case fatality, %). Cells without a death are left out."""
    ep = episodes(tables)
    parts = []
    for org_kind in (FACILITY, CITY):
        where = ["facility_id"] if org_kind == FACILITY else []
        cells = ep.group_by(["period", *where, *CELLS]).aggregate(
            numerator=ep.died.cast("int64").sum(), denominator=ep.count()
        )
        cells = cells.filter(cells.numerator > 0)
        parts.append(output(
            cells, period=cells.period, org_kind=org_kind,
            org=cells.facility_id if where else CITY_CODE,
            categories={c: cells[c] for c in CELLS}, numerator=cells.numerator,
            denominator=cells.denominator,
        ))  # fmt: skip
    return union(parts)


def mortality_residents(tables: Tables) -> ir.Table:
    """Residents' deaths per year (Patient.deceasedDateTime) by chapter × age band × sex,
    per ward and for the city, over the population of that year (per 1,000). The chapter
    is that of the resident's in-hospital death episode when there is one (the lowest,
    should there be several), else "unknown": Patient carries no cause of death."""
    r = residents(tables)
    dead = r.filter(r.death_year.notnull() & (r.ward != ""))
    ep = episodes(tables, person=False)
    cause = ep.filter(ep.died).group_by("patient_id").aggregate(
        cause=ep.icd10_chapter.min()
    )
    cause = cause.select(cause_patient=cause.patient_id, cause=cause.cause)
    j = dead.left_join(cause, dead.patient_id == cause.cause_patient)
    events = j.select(
        period=j.death_year.cast("string"),
        year=j.death_year,
        ward=j.ward,
        icd10_chapter=j.cause.fill_null(UNKNOWN),
        age_band=age_band_expr(j.death_year - j.birth_year),
        sex=j.sex,
    )
    pop = population(tables, events.select("year").distinct())
    return population_rates(events, CELLS, pop=pop)


def top_diagnoses(tables: Tables, top: int = TOP_N) -> ir.Table:
    """The `top` most frequent 3-character ICD-10 codes of the year's episodes, per ward
    (the residents') and per facility, ranked by count then code; the denominator is all
    the org's episodes of the year with a diagnosis (the share, %). A diagnosis is a code
    within the list's chapters: a malformed one ('XYZ') is no disease to rank."""
    top = bounded(top, 1, 100, "top")
    ep = episodes(tables, person=False)
    ep = ep.filter(ep.icd10_chapter != UNKNOWN)
    ep = ep.mutate(year_text=ep.year.cast("string"))
    parts = []
    for org_kind, column in ((WARD, "ward"), (FACILITY, "facility_id")):
        scope = ep.filter(ep[column] != "") if org_kind == WARD else ep
        counts = scope.group_by(["year_text", column, "code3"]).aggregate(n=scope.count())
        window = ibis.window(
            group_by=[counts.year_text, counts[column]],
            order_by=[ibis.desc(counts.n), counts.code3],
        )
        ranked = counts.mutate(
            rank=ibis.row_number().over(window) + 1,
            total=counts.n.sum().over(ibis.window(group_by=[counts.year_text, counts[column]])),
        )
        ranked = ranked.filter(ranked["rank"] <= top)
        parts.append(output(
            ranked, period=ranked.year_text, org_kind=org_kind, org=ranked[column],
            categories={"icd10": ranked.code3, "rank": ranked["rank"]},
            numerator=ranked.n, denominator=ranked.total,
        ))  # fmt: skip
    return union(parts)
