"""Use of care: visits per resident and readmissions within 30 days."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from hoso.warehouse.indicators.model import FACILITY
from hoso.warehouse.indicators.output import Tables, bounded, output
from hoso.warehouse.indicators.population import (
    DEATH_DISPOSITION,
    day_of,
    episodes,
    population,
    population_rates,
)

__all__ = ["READMISSION_DAYS", "TRANSFER_DISPOSITION", "readmissions", "visits_per_resident"]

READMISSION_DAYS = 30
# A discharge to another hospital is a transfer, not the end of the stay (CMS's hospital-wide
# readmission measure leaves transfers and deaths out of the index admissions).
TRANSFER_DISPOSITION = "other-hcf"


def visits_per_resident(tables: Tables) -> ir.Table:
    """Episodes of care (any class) of the ward's residents in the year / the ward's
    population of that year; and the city's."""
    ep = episodes(tables, person=False)
    ep = ep.filter(ep.ward != "")
    events = ep.select(period=ep.year.cast("string"), year=ep.year, ward=ep.ward)
    pop = population(tables, events.select("year").distinct())
    return population_rates(events, (), pop=pop)


def readmissions(tables: Tables, days: int = READMISSION_DAYS) -> ir.Table:
    """Inpatient (class IMP) discharges followed by another inpatient admission of the same
    resident (at any facility) starting on the discharge day or within `days` days after
    it / the inpatient discharges, per discharging facility and month of discharge (%).
    Index discharges are stays with a full end date (a partial '2025-02' cannot be
    counted from), not deaths and not transfers."""
    days = bounded(days, 0, 365, "days")
    ep = episodes(tables, person=False)
    imp = ep.filter(ep.enc_class == "IMP")
    index = imp.filter(
        day_of(imp.end).notnull() & ~imp.died
        & (imp.discharge != DEATH_DISPOSITION) & (imp.discharge != TRANSFER_DISPOSITION)
    )  # fmt: skip
    index = index.select(
        idx_id=index.encounter_id,
        idx_patient=index.patient_id,
        idx_facility=index.facility_id,
        idx_end=day_of(index.end),
        idx_month=index.end.substr(0, 7),
    )
    later = imp.filter(day_of(imp.start).notnull())
    later = later.select(
        next_id=later.encounter_id,
        next_patient=later.patient_id,
        next_start=day_of(later.start),
    )
    pairs = index.inner_join(later, [
        index.idx_patient == later.next_patient,
        index.idx_id != later.next_id,
        later.next_start >= index.idx_end,
        later.next_start <= index.idx_end + ibis.interval(days=days),
    ])  # fmt: skip
    readmitted = pairs.select(readmitted_id=pairs.idx_id).distinct()
    flagged = index.left_join(readmitted, index.idx_id == readmitted.readmitted_id)
    flagged = flagged.mutate(hit=flagged.readmitted_id.notnull().cast("int64"))
    cells = flagged.group_by(["idx_month", "idx_facility"]).aggregate(
        numerator=flagged.hit.sum(), denominator=flagged.count()
    )
    return output(
        cells, period=cells.idx_month, org_kind=FACILITY, org=cells.idx_facility,
        categories={}, numerator=cells.numerator, denominator=cells.denominator,
    )  # fmt: skip
