"""The building blocks every group-1 analysis shares: the residents, the population of a
year (the denominators) and the care episodes with their diagnosis, age band and sex.

Who counts in the population of year Y (HOUSE assumption, the warehouse has birth YEAR
and death DATE): a resident with a home ward, born in or before Y, not dead before
1 January Y; one whose record says deceased without a date is left out of every year.
A resident without a birth year counts, in age band "unknown".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ibis
import ibis.expr.types as ir

from hoso.warehouse.indicators.age_bands import age_band_expr
from hoso.warehouse.indicators.icd10_chapters import UNKNOWN, code3_expr, codes_table
from hoso.warehouse.indicators.model import CITY, WARD
from hoso.warehouse.indicators.output import CITY_CODE, Tables, output, union

__all__ = ["DEATH_DISPOSITION", "DEATH_RESULTS", "EXCLUDED_STATUSES", "day_of", "episodes",
           "living_in", "population", "population_rates", "residents", "year_of"]  # fmt: skip

# Encounter.status values that are not care given: planned, cancelled or recorded by error.
EXCLUDED_STATUSES = ("planned", "cancelled", "entered-in-error")
# KET_QUA_DTRI 5 "Tử vong" (QĐ 130/QĐ-BYT as amended by QĐ 4750/QĐ-BYT, Bảng 1 field 40);
# 8 "Tử vong ngoại viện" (died outside the hospital) is not an in-hospital death.
DEATH_RESULTS = ("5",)
DEATH_DISPOSITION = "exp"  # HL7 discharge-disposition "Expired"


def year_of(date_text: ir.StringValue) -> ir.IntegerValue:
    """The year of a 'YYYY-MM…' text column; null for null, '' or no year."""
    return date_text.substr(0, 4).nullif("").try_cast("int64")


def day_of(date_text: ir.StringValue) -> ir.DateValue:
    """The DATE of a 'YYYY-MM-DD…' text column; null for a partial date ('2025-02', which
    Spark would read as the 1st and DuckDB not at all) or an impossible one."""
    day = date_text.substr(0, 10)
    return ibis.ifelse(day.length() == 10, day, ibis.null().cast("string")).try_cast("date")


def residents(tables: Tables) -> ir.Table:
    """Every Patient row with what the denominators need: ward ('' for none), sex
    ('unknown' for none), birth year, death date and year, and whether the record says
    deceased without a date."""
    p = tables["patient"]
    death = p.deceased_at.nullif("")
    return p.select(
        patient_id=p.id,
        ward=p.ward.fill_null(""),
        sex=p.gender.fill_null("unknown"),
        birth_year=p.birth_year,
        death_date=death,
        death_year=year_of(death),
        dead_undated=p.deceased.fill_null(False) & death.isnull(),
    )


def living_in(r: ir.Table, year: ir.IntegerValue) -> ir.BooleanValue:
    """Residents of table `residents` who lived some part of `year`."""
    return (
        (r.ward != "")
        & ~r.dead_undated
        & (r.death_year.isnull() | (r.death_year >= year))
        & (r.birth_year.isnull() | (r.birth_year <= year))
    )


def population(tables: Tables, years: ir.Table) -> ir.Table:
    """(pop_year, pop_ward, pop_age_band, pop_sex, population) for each year of `years`
    (its column `year`): the residents who lived some part of that year."""
    r = residents(tables)
    both = r.cross_join(years.select(pop_year=years.year.cast("int64")))
    alive = both.filter(living_in(both, both.pop_year))
    banded = alive.select(
        pop_year=alive.pop_year,
        pop_ward=alive.ward,
        pop_age_band=age_band_expr(alive.pop_year - alive.birth_year),
        pop_sex=alive.sex,
    )
    return banded.group_by(["pop_year", "pop_ward", "pop_age_band", "pop_sex"]).aggregate(
        population=banded.count()
    )


def episodes(tables: Tables, person: bool = True) -> ir.Table:
    """Encounters that are care given, one row each, with the diagnosis that counts
    (Encounter.reasonCode's ICD-10, else the rank-1 diagnosis Condition's), its chapter and
    group, and — with `person` — the resident's sex and age band in the year of the
    encounter's start. Without `person` the join with every resident is left out (the
    analyses that need neither sex nor age run about twice as fast)."""
    e = tables["encounter"]
    e = e.filter(e.status.fill_null("").notin(EXCLUDED_STATUSES) & (e.period.fill_null("") != ""))
    c = tables["condition"]
    cond = c.select(cond_id=c.id, cond_icd10=c.icd10)
    j = e.left_join(cond, e.primary_condition_id == cond.cond_id)
    if person:
        r = residents(tables)
        res = r.select(res_id=r.patient_id, res_sex=r.sex, res_birth_year=r.birth_year)
        j = j.left_join(res, j.patient_id == res.res_id)
    icd = ibis.coalesce(j.reason_icd10.nullif(""), j.cond_icd10.nullif(""))
    year = year_of(j.period)
    died = j.treatment_result.fill_null("").isin(DEATH_RESULTS) | (
        j.discharge.fill_null("") == DEATH_DISPOSITION
    )
    codes = codes_table()
    j = j.left_join(codes, code3_expr(icd) == codes.lookup_code3)
    unknown = ibis.literal(UNKNOWN)
    return j.select(
        encounter_id=j.id,
        patient_id=j.patient_id,
        ward=j.ward.fill_null(""),
        facility_id=j.facility_id.fill_null(""),
        enc_class=j["class"].fill_null(""),
        period=j.period,
        year=year,
        start=j.start,
        end=j["end"],
        discharge=j.discharge.fill_null(""),
        icd10=icd,
        code3=code3_expr(icd),
        icd10_chapter=j.lookup_chapter.fill_null(UNKNOWN),
        icd10_group=j.lookup_group.fill_null(UNKNOWN),
        sex=j.res_sex.fill_null("unknown") if person else unknown,
        age_band=age_band_expr(year - j.res_birth_year) if person else unknown,
        died=died,
    )


def population_rates(
    events: ir.Table,
    categories: Sequence[str],
    *,
    pop: ir.Table,
    numerator: Callable[[ir.Table], ir.Value] | None = None,
) -> ir.Table:
    """Ward rows and city rows of a rate over the population: `events` has `period`
    (the output's), `year` (the population's), `ward` (≠ ''), and a column per category;
    the denominator is the population of that year, ward (or city) and, where they are
    categories, age band and sex."""
    count = numerator or (lambda t: t.count())
    strata = [s for s in ("age_band", "sex") if s in categories]
    parts = []
    for org_kind in (WARD, CITY):
        where = ["ward"] if org_kind == WARD else []
        counts = events.group_by(["period", "year", *where, *categories]).aggregate(
            numerator=count(events)
        )
        den = pop.group_by(["pop_year", *[f"pop_{w}" for w in where + strata]]).aggregate(
            population=pop.population.sum()
        )
        keys = [counts.year == den.pop_year]
        keys += [counts[k] == den[f"pop_{k}"] for k in where + strata]
        j = counts.left_join(den, keys)
        parts.append(output(
            j, period=j.period, org_kind=org_kind, org=j.ward if where else CITY_CODE,
            categories={c: j[c] for c in categories}, numerator=j.numerator,
            denominator=j.population.fill_null(0),
        ))  # fmt: skip
    return union(parts)
