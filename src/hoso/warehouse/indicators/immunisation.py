"""Immunisation coverage of the birth cohort, the WHO/UNICEF way.

WHO/UNICEF estimates of national immunization coverage (WUENIC) define a dose's coverage
as the share of surviving infants (children who reach their first birthday) who received
it: DTP1, DTP3 (doses of a diphtheria-tetanus-pertussis-containing vaccine), Pol3 (any
polio vaccine), HepB3, Hib3, MCV1 (first dose of a measles-containing vaccine); BCG is
measured among live births (here: the same cohort). The warehouse has birth YEAR only, so
(HOUSE) the cohort of year Y is the ward's residents born in Y-1 who were alive on
1 January Y, and a dose counts when given by 31 December Y.

Which vaccine product counts for which series is the programmes' table
(`hoso/programmes/data/vaccines.json`, CVX codes the synthetic city and HL7 v2 carry);
the warehouse may not import `programmes`, so the series are copied here and a test keeps
the two equal.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from hoso.core.errors import InvalidRequest
from hoso.warehouse.indicators.model import CITY, WARD
from hoso.warehouse.indicators.output import CITY_CODE, Tables, bounded, output, union
from hoso.warehouse.indicators.population import living_in, residents, year_of

__all__ = ["COVERAGE", "CVX", "PRODUCT_SERIES", "immunisation_coverage"]

CVX = "http://hl7.org/fhir/sid/cvx"
VAC_XIN = "https://fhir.hoso.hochiminhcity.gov.vn/CodeSystem/vac-xin"
# series → the products that give a dose of it (a combination counts for each series).
_SERIES: dict[str, tuple[tuple[str, str], ...]] = {
    "bcg": ((CVX, "19"), (VAC_XIN, "QT-BCG")),
    "dtp": tuple((CVX, c) for c in ("102", "198", "146", "110", "120", "130", "22", "50", "01",
                                    "20", "106", "107", "115")),
    "polio": tuple((CVX, c) for c in ("146", "110", "120", "130", "178", "02", "179", "182",
                                      "10")),
    "hepb": tuple((CVX, c) for c in ("08", "43", "45", "102", "198", "146", "110")),
    "hib": tuple((CVX, c) for c in ("102", "198", "146", "120", "22", "50", "17", "48", "49")),
    "mcv": tuple((CVX, c) for c in ("05", "04", "03", "94")),
}
PRODUCT_SERIES: tuple[tuple[str, str, str], ...] = tuple(
    (system, code, series) for series, products in _SERIES.items() for system, code in products
)
# (indicator option, series, doses needed)
COVERAGE: tuple[tuple[str, str, int], ...] = (
    ("bcg", "bcg", 1), ("dtp1", "dtp", 1), ("dtp3", "dtp", 3), ("pol3", "polio", 3),
    ("hepb3", "hepb", 3), ("hib3", "hib", 3), ("mcv1", "mcv", 1),
)  # fmt: skip


def _doses(tables: Tables, years: ir.Table) -> ir.Table:
    """(patient, series, year, doses given by the end of that year)."""
    imm = tables["immunization"]
    imm = imm.filter((imm.status == "completed") & imm.occurrence.notnull())
    products = ibis.memtable({
        "p_system": [p[0] for p in PRODUCT_SERIES], "p_code": [p[1] for p in PRODUCT_SERIES],
        "series": [p[2] for p in PRODUCT_SERIES],
    })  # fmt: skip
    given = imm.inner_join(
        products, (imm.vaccine_system == products.p_system) & (imm.vaccine_code == products.p_code)
    )
    given = given.select(d_patient=given.patient_id, d_series=given.series,
                         d_year=year_of(given.occurrence))  # fmt: skip
    both = given.cross_join(years)
    both = both.filter(both.d_year <= both.cov_year)
    return both.group_by(["d_patient", "d_series", "cov_year"]).aggregate(doses=both.count())


def immunisation_coverage(tables: Tables, years: Sequence[int]) -> ir.Table:
    """Per ward and for the city, each year Y of `years`: children of the cohort born in
    Y-1 with the doses of each indicator option by the end of Y / the cohort (%)."""
    checked = [bounded(y, 1900, 2100, "năm / year") for y in years]
    if not checked:
        raise InvalidRequest("Cần ít nhất một năm / at least one year is needed")
    years_t = ibis.memtable({"cov_year": checked}, schema={"cov_year": "int64"})
    r = residents(tables)
    both = r.cross_join(years_t)
    cohort = both.filter(living_in(both, both.cov_year) & (both.birth_year == both.cov_year - 1))
    needs = ibis.memtable({
        "vaccine": [c[0] for c in COVERAGE], "n_series": [c[1] for c in COVERAGE],
        "needed": [c[2] for c in COVERAGE],
    })  # fmt: skip
    cells = cohort.select("patient_id", "ward", "cov_year").cross_join(needs)
    doses = _doses(tables, years_t).rename(dose_year="cov_year")
    j = cells.left_join(doses, [
        cells.patient_id == doses.d_patient, cells.n_series == doses.d_series,
        cells.cov_year == doses.dose_year,
    ])  # fmt: skip
    j = j.mutate(hit=(j.doses.fill_null(0) >= j.needed).cast("int64"))
    parts = []
    for org_kind in (WARD, CITY):
        where = ["ward"] if org_kind == WARD else []
        agg = j.group_by(["cov_year", *where, "vaccine"]).aggregate(
            numerator=j.hit.sum(), denominator=j.count()
        )
        parts.append(output(
            agg, period=agg.cov_year, org_kind=org_kind, org=agg.ward if where else CITY_CODE,
            categories={"vaccine": agg.vaccine}, numerator=agg.numerator,
            denominator=agg.denominator,
        ))  # fmt: skip
    return union(parts)
