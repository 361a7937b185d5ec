"""Age bands of the morbidity and mortality tables.

The warehouse holds birth YEAR only (de-identified), so an age is the year of the event
minus the year of birth: the age the resident reaches in that year.

Bands (HOUSE assumption, built to add up to the cuts the Ministry's statistics use, no
single official list of bands was found): `<1` (infants: infant mortality), `1-4`
(with `<1`: the under-fives, "trẻ em dưới 5 tuổi"), `5-14` (with the two before: children
under 15, "trẻ em dưới 15 tuổi", the children's columns of the hospital ICD-10 morbidity
and mortality form), `15-49` (WHO's women of reproductive age), `50-59`, `60+` (the elderly
of Luật Người cao tuổi 39/2009/QH12, from 60).
"""

from __future__ import annotations

from itertools import pairwise

import ibis
import ibis.expr.types as ir

__all__ = ["AGE_BANDS", "UNKNOWN_AGE", "age_band", "age_band_expr"]

# (code, lowest age in the band); the last band has no upper limit.
AGE_BANDS: tuple[tuple[str, int], ...] = (
    ("<1", 0), ("1-4", 1), ("5-14", 5), ("15-49", 15), ("50-59", 50), ("60+", 60),
)  # fmt: skip
UNKNOWN_AGE = "unknown"  # no birth year, or an event dated before the birth year


def age_band(age: int | None) -> str:
    if age is None or age < 0:
        return UNKNOWN_AGE
    code = AGE_BANDS[0][0]
    for band, lowest in AGE_BANDS:
        if age >= lowest:
            code = band
    return code


def age_band_expr(age: ir.IntegerValue) -> ir.StringValue:
    """The band of an integer age column, as a CASE every backend runs."""
    branches: list[tuple[ir.BooleanValue, str]] = [(age.isnull() | (age < 0), UNKNOWN_AGE)]
    for (band, _), (_, upper) in pairwise(AGE_BANDS):
        branches.append((age < upper, band))
    return ibis.cases(*branches, else_=AGE_BANDS[-1][0])
