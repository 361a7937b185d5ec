"""Chronic disease prevalence per ward, on a given day.

The groups are the non-communicable diseases of the national strategy (QĐ 376/QĐ-TTg,
20/03/2015: cancer, cardiovascular disease with hypertension, diabetes, chronic
obstructive pulmonary disease and asthma), by their ICD-10 blocks (WHO ICD-10, 2019, as
translated in QĐ 4469/QĐ-BYT), plus chronic kidney disease N18 (HOUSE: the issue asks for
it; no Vietnamese indicator text found).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from hoso.warehouse.indicators.icd10_chapters import code3_expr
from hoso.warehouse.indicators.model import CITY, WARD
from hoso.warehouse.indicators.output import CITY_CODE, Tables, day_text, output, union
from hoso.warehouse.indicators.population import residents

__all__ = ["ACTIVE_STATUSES", "CHRONIC_GROUPS", "chronic_group_expr", "chronic_prevalence"]

# (code, Vietnamese, English, first and last 3-character code of each range)
CHRONIC_GROUPS: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = (
    ("hypertension", "Tăng huyết áp", "Hypertension", (("I10", "I15"),)),
    ("diabetes", "Đái tháo đường", "Diabetes mellitus", (("E10", "E14"),)),
    ("copd", "Bệnh phổi tắc nghẽn mạn tính", "COPD", (("J44", "J44"),)),
    ("asthma", "Hen phế quản", "Asthma", (("J45", "J46"),)),
    ("ckd", "Bệnh thận mạn", "Chronic kidney disease", (("N18", "N18"),)),
    ("cancer", "Ung thư", "Malignant neoplasms", (("C00", "C97"),)),
)  # fmt: skip
ACTIVE_STATUSES = ("active", "recurrence", "relapse")  # condition-clinical, still present
CONFIRMED = "confirmed"


def chronic_group_expr(code: ir.StringValue) -> ir.StringValue:
    """The chronic group of an ICD-10 column, null outside every group."""
    c3 = code3_expr(code)
    branches = [(c3.between(lo, hi), group) for group, _, _, ranges in CHRONIC_GROUPS
                for lo, hi in ranges]  # fmt: skip
    return ibis.cases(*branches, else_=ibis.null().cast("string"))


def _living_on(tables: Tables, as_of: str) -> ir.Table:
    r = residents(tables)
    year = int(as_of[:4])
    return r.filter(
        (r.ward != "")
        & ~r.dead_undated
        & (r.death_date.isnull() | (r.death_date > as_of))
        & (r.birth_year.isnull() | (r.birth_year <= year))
    )


def chronic_prevalence(tables: Tables, as_of: str) -> ir.Table:
    """Residents living on `as_of` ('YYYY-MM-DD') with an active, confirmed condition of the
    group whose onset (else recorded date; a condition with neither counts) is on or before
    that day / residents of the ward living that day (%); period = as_of's month."""
    as_of = day_text(as_of)
    living = _living_on(tables, as_of)
    c = tables["condition"]
    dated = ibis.coalesce(c.onset.nullif(""), c.recorded.nullif(""))
    cond = c.filter(
        c.clinical_status.fill_null("").isin(ACTIVE_STATUSES)
        & (c.verification_status.fill_null("") == CONFIRMED)
        & (dated.isnull() | (dated.substr(0, 10) <= as_of))
    )
    cond = cond.select(cond_patient=cond.patient_id, chronic_disease=chronic_group_expr(cond.icd10))
    cond = cond.filter(cond.chronic_disease.notnull()).distinct()
    cases = living.inner_join(cond, living.patient_id == cond.cond_patient)
    period = as_of[:7]
    parts = []
    for org_kind in (WARD, CITY):
        where = ["ward"] if org_kind == WARD else []
        num = cases.group_by([*where, "chronic_disease"]).aggregate(
            numerator=cases.patient_id.nunique()
        )
        den = living.group_by(where).aggregate(population=living.count()) if where else (
            living.aggregate(population=living.count()))
        j = num.inner_join(den, where) if where else num.cross_join(den)
        parts.append(output(
            j, period=ibis.literal(period), org_kind=org_kind,
            org=j.ward if where else CITY_CODE,
            categories={"chronic-disease": j.chronic_disease}, numerator=j.numerator,
            denominator=j.population,
        ))  # fmt: skip
    return union(parts)
