"""Group 1 indicators on DuckDB over the hand-made city of small_city.py: each answer is
worked out by hand in the comment above its assert."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import ibis
import ibis.expr.types as ir
import pytest

from hoso.core.errors import InvalidRequest
from hoso.warehouse.indicators import icd10_chapters
from hoso.warehouse.indicators.age_bands import age_band, age_band_expr
from hoso.warehouse.indicators.care import readmissions, visits_per_resident
from hoso.warehouse.indicators.definitions import DEFINITIONS
from hoso.warehouse.indicators.group1 import ANALYSES, Parameters, analyse, analyse_all
from hoso.warehouse.indicators.immunisation import immunisation_coverage
from hoso.warehouse.indicators.model import CITY, FACILITY, WARD
from hoso.warehouse.indicators.morbidity import (
    morbidity,
    morbidity_by_group,
    mortality_in_hospital,
    mortality_residents,
    top_diagnoses,
)
from hoso.warehouse.indicators.prevalence import chronic_prevalence
from hoso.warehouse.indicators.values import values
from tests.warehouse import small_city
from tests.warehouse.small_city import W1, W2
from tests.warehouse.warehouse_tables import load, offline_duckdb

Key = tuple[str, ...]


@pytest.fixture(scope="module")
def con() -> Iterator[Any]:
    backend = offline_duckdb()
    yield backend
    backend.disconnect()


@pytest.fixture(scope="module")
def tables(con: Any) -> dict[str, ir.Table]:
    return load(con, small_city.DATA)


def rows(t: ir.Table) -> dict[Key, tuple[int, float | None]]:
    """(period, org_kind, org, categories…) → (numerator, denominator)."""
    frame = t.to_pandas()
    cats = [c for c in frame.columns if c not in ("period", "org_kind", "org", "numerator",
                                                   "denominator")]  # fmt: skip
    found: dict[Key, tuple[int, float | None]] = {}
    for r in frame.to_dict("records"):
        key = (r["period"], r["org_kind"], r["org"], *(r[c] for c in cats))
        assert key not in found, f"two rows for {key}"
        den = r["denominator"]
        found[key] = (int(r["numerator"]), None if den != den else float(den))
    return found


# --- ICD-10 chapters and age bands -------------------------------------------------------


@pytest.mark.parametrize(("code", "chapter"), [
    ("A00.0", "I"), ("B99", "I"), ("C00", "II"), ("D48.9", "II"), ("D50", "III"),
    ("H59", "VII"), ("H60", "VIII"), ("I109", "IX"), ("i10", "IX"), ("S00", "XIX"),
    ("T98.3", "XIX"), ("V01", "XX"), ("Z99", "XXI"), ("U07.1", "XXII"), ("D49", "unknown"),
    ("", "unknown"), (None, "unknown"), ("X", "unknown"), ("XAB", "unknown"), ("I1", "unknown"),
])  # fmt: skip
def test_chapter_in_python_and_in_sql_agree(con: Any, code: str | None, chapter: str) -> None:
    assert icd10_chapters.chapter_of(code) == chapter
    t = ibis.memtable({"code": [code]}, schema={"code": "string"})
    assert con.to_pandas(t.select(c=icd10_chapters.chapter_expr(t.code)))["c"][0] == chapter


def test_chapters_and_groups_cover_the_ministry_list() -> None:
    chapters = icd10_chapters.chapters()
    assert [c.code for c in chapters][:3] == ["I", "II", "III"] and len(chapters) == 22
    groups = icd10_chapters.groups()
    # blocks do not overlap, and each lies inside its chapter's range
    for before, after in pairwise(groups):
        assert before.end < after.start
    by_code = {c.code: c for c in chapters}
    for g in groups:
        assert by_code[g.chapter].start <= g.start <= g.end <= by_code[g.chapter].end
    assert icd10_chapters.group_of("I10.9") == "I10-I15"
    assert icd10_chapters.group_of("G11") == "G10-G14"  # the sheet's split block, merged
    assert icd10_chapters.group_of("D49") == "unknown"


def test_groups_table_joins_on_the_range(con: Any) -> None:
    t = ibis.memtable({"code": ["E11.9", "J45", "D49"]})
    g = icd10_chapters.groups_table()
    c3 = icd10_chapters.code3_expr(t.code)
    j = t.left_join(g, (c3 >= g.group_start) & (c3 <= g.group_end))
    found = dict(con.to_pandas(j.select("code", "icd10_group")).values.tolist())
    assert found == {"E11.9": "E10-E14", "J45": "J40-J47", "D49": None}


def test_episodes_chapter_and_group_by_join_equal_the_python_ones(con: Any) -> None:
    """The analyses place a code by joining the table of 3-character codes; over a
    generated city (codes with and without the dot, lower case, outside the list, empty)
    that gives what `chapter_of` says of each code."""
    from hoso.warehouse.indicators.population import episodes
    from tests.warehouse.generated_city import generate

    ep = episodes(load(offline_duckdb(), generate(seed=3, residents=120))).to_pandas()
    assert len(ep) > 300 and ep["icd10_chapter"].nunique() > 8
    assert ep["icd10_group"].nunique() > 8
    for icd10, chapter, group in zip(ep["icd10"], ep["icd10_chapter"], ep["icd10_group"],
                                     strict=True):  # fmt: skip
        code = icd10 if isinstance(icd10, str) else None
        assert (chapter, group) == (icd10_chapters.chapter_of(code), icd10_chapters.group_of(code))


@pytest.mark.parametrize(("age", "band"), [
    (None, "unknown"), (-1, "unknown"), (0, "<1"), (1, "1-4"), (4, "1-4"), (5, "5-14"),
    (14, "5-14"), (15, "15-49"), (49, "15-49"), (50, "50-59"), (59, "50-59"), (60, "60+"),
    (104, "60+"),
])  # fmt: skip
def test_age_band_in_python_and_in_sql_agree(con: Any, age: int | None, band: str) -> None:
    assert age_band(age) == band
    t = ibis.memtable({"age": [age]}, schema={"age": "int64"})
    assert con.to_pandas(t.select(b=age_band_expr(t.age)))["b"][0] == band


# --- the analyses --------------------------------------------------------------------------


def test_morbidity(tables: dict[str, ir.Table]) -> None:
    found = rows(morbidity(tables))
    # ward 26734, June 2025: e11 and e12, both O80 (chapter XV) of p1, female born 1980
    # (45: 15-49); the ward's women of 15-49 in 2025: p1 alone.
    assert found["2025-06", WARD, W1, "XV", "15-49", "female"] == (2, 1)
    # e2 has no reason code: its rank-1 Condition c1 (E11.9) gives chapter IV
    assert found["2025-01", WARD, W1, "IV", "15-49", "female"] == (1, 1)
    # e14 has no diagnosis at all: chapter unknown, still an episode
    assert found["2025-01", WARD, W2, "unknown", "15-49", "female"] == (1, 1)
    # e5 is cancelled: ward 26737 has only e6 for chapter I in January
    assert found["2025-01", WARD, W2, "I", "15-49", "female"] == (1, 1)
    # p6 has no birth year: band unknown; the population of that band is p6 alone
    assert found["2025-04", WARD, W2, "XI", "unknown", "male"] == (1, 1)
    # city, 2024: e10 (p2, born 2024: <1) over the city's boys under one in 2024: p2, p8
    assert found["2024-11", CITY, "79", "X", "<1", "male"] == (1, 2)
    # e7 is p7's, who has no ward: in F1's count (p7 is 55: 50-59) but in no ward or city
    assert found["2025-01", FACILITY, "F1", "IX", "50-59", "female"] == (1, None)
    assert ("2025-01", CITY, "79", "IX", "50-59", "female") not in found
    # the city's January IX episodes among women 15-49: e1 only, over p1 and p5
    assert found["2025-01", CITY, "79", "IX", "15-49", "female"] == (1, 2)
    # every episode once per level: 13 encounters, e5 cancelled → 12 at facilities;
    # e7 has no ward → 11 in wards and 11 in the city
    totals = {k: 0 for k in (WARD, CITY, FACILITY)}
    for key, (n, _) in found.items():
        totals[key[1]] += n
    assert totals == {WARD: 11, CITY: 11, FACILITY: 12}


def test_morbidity_by_group(tables: dict[str, ir.Table]) -> None:
    found = rows(morbidity_by_group(tables))
    # 26734 in 2025: J44 ×2 (J40-J47), O80 ×2 (O80-O84), E11 (E10-E14), I10 (I10-I15), over
    # the ward's 3 residents of 2025 (p1, p2, p3)
    assert {k[3]: v for k, v in found.items() if k[:3] == ("2025", WARD, W1)} == {
        "J40-J47": (2, 3), "O80-O84": (2, 3), "E10-E14": (1, 3), "I10-I15": (1, 3),
    }
    # F2 in 2025: J44 ×2, K35 ×2 (K35-K38), O80: counts
    assert {k[3]: v for k, v in found.items() if k[:3] == ("2025", FACILITY, "F2")} == {
        "J40-J47": (2, None), "K35-K38": (2, None), "O80-O84": (1, None),
    }
    # the city in 2025: e14 has no diagnosis → unknown; 10 episodes over 6 residents
    city = {k[3]: v for k, v in found.items() if k[:3] == ("2025", CITY, "79")}
    assert city["unknown"] == (1, 6) and sum(n for n, _ in city.values()) == 10


def test_mortality(tables: dict[str, ir.Table]) -> None:
    # e4: p3 died at F2 (KET_QUA_DTRI 5), J44.1 → X, 75 in 2025: 60+; the only episode of
    # its cell at F2 in March → 1 / 1; no other death.
    assert rows(mortality_in_hospital(tables)) == {
        ("2025-03", FACILITY, "F2", "X", "60+", "male"): (1, 1),
        ("2025-03", CITY, "79", "X", "60+", "male"): (1, 1),
    }
    # p3's death on 10/03/2025, cause from e4; the men 60+ of 26734 in 2025: p3 (dead in
    # 2025, so alive part of it). p4 is deceased with no date: in no year.
    assert rows(mortality_residents(tables)) == {
        ("2025", WARD, W1, "X", "60+", "male"): (1, 1),
        ("2025", CITY, "79", "X", "60+", "male"): (1, 1),
    }


def test_top_diagnoses(tables: dict[str, ir.Table]) -> None:
    found = rows(top_diagnoses(tables))
    # ward 26734 in 2025: J44 ×2 (e3, e4), O80 ×2 (e11, e12), E11 (e2 via c1), I10 (e1):
    # 6 episodes; ties by code: J44 before O80.
    assert {k[3:]: v for k, v in found.items() if k[:3] == ("2025", WARD, W1)} == {
        ("J44", "1"): (2, 6), ("O80", "2"): (2, 6), ("E11", "3"): (1, 6), ("I10", "4"): (1, 6),
    }
    # F2 in 2025: J44 ×2, K35 ×2 (K35.8 and the XML form K358), O80 (e11): 5
    assert {k[3:]: v for k, v in found.items() if k[:3] == ("2025", FACILITY, "F2")} == {
        ("J44", "1"): (2, 5), ("K35", "2"): (2, 5), ("O80", "3"): (1, 5),
    }
    # F1 in 2025: I10 ×2 (e1 and non-resident e7), A09, E11; e14 has no code: 4
    top2 = rows(top_diagnoses(tables, top=2))
    assert {k[3:]: v for k, v in top2.items() if k[:3] == ("2025", FACILITY, "F1")} == {
        ("I10", "1"): (2, 4), ("A09", "2"): (1, 4),
    }


def test_malformed_codes_are_not_ranked() -> None:
    codes = ("XYZ", "XYZ", "i10", "D49")
    enc = [{"id": f"x{i}", "patient_id": "q", "status": "finished", "class": "AMB",
            "start": "2025-05-01", "facility_id": "H", "reason_icd10": code,
            "period": "2025-05"} for i, code in enumerate(codes)]  # fmt: skip
    # XYZ is no code; D49 is in no chapter of the list; i10 is I10: one episode, 100 %
    assert rows(top_diagnoses(load(offline_duckdb(), {"encounter": enc}))) == {
        ("2025", FACILITY, "H", "I10", "1"): (1, 1),
    }


def test_chronic_prevalence(tables: dict[str, ir.Table]) -> None:
    # Living on 31/12/2025: 26734 p1, p2 (p3 died); 26737 p5, p6, p8 (p4 deceased).
    # p1: I10 and I15.0 → hypertension once; E11.9 → diabetes. p5: E11 unconfirmed no,
    # J45.9 resolved no, E10.9 with no onset but recorded 01/07/2025 → diabetes.
    # p6: I11.9 from 05/01/2026, after the day → no. p3's COPD: p3 is dead.
    assert rows(chronic_prevalence(tables, "2025-12-31")) == {
        ("2025-12", WARD, W1, "hypertension"): (1, 2),
        ("2025-12", WARD, W1, "diabetes"): (1, 2),
        ("2025-12", WARD, W2, "diabetes"): (1, 3),
        ("2025-12", CITY, "79", "hypertension"): (1, 5),
        ("2025-12", CITY, "79", "diabetes"): (2, 5),
    }
    # on 15/01/2025 p3 is alive with COPD from 01/02? No: onset after the day. p1's
    # diabetes (onset 20/01/2025) not yet; hypertension c2 since 01/06/2024 yes.
    # 26734 living then: p1, p2, p3.
    early = rows(chronic_prevalence(tables, "2025-01-15"))
    assert early[("2025-01", WARD, W1, "hypertension")] == (1, 3)
    assert ("2025-01", WARD, W1, "diabetes") not in early
    assert ("2025-01", WARD, W1, "copd") not in early


def test_immunisation_coverage(tables: dict[str, ir.Table]) -> None:
    found = rows(immunisation_coverage(tables, (2025,)))
    # Cohort 2025 (born 2024): p2 in 26734, p8 in 26737.
    # p2: BCG; 5-in-1 ×3 (DTP3, HepB3, Hib3); bOPV ×2 + IPV = polio ×3; measles 01/10/2025.
    for vaccine in ("bcg", "dtp1", "dtp3", "pol3", "hepb3", "hib3", "mcv1"):
        assert found["2025", WARD, W1, vaccine] == (1, 1)
    # p8: 5-in-1 ×2 completed and one not-done → DTP1 only; MR on 10/01/2026: too late
    p8 = {k[3]: v for k, v in found.items() if k[:3] == ("2025", WARD, W2)}
    assert p8 == {"bcg": (0, 1), "dtp1": (1, 1), "dtp3": (0, 1), "pol3": (0, 1),
                  "hepb3": (0, 1), "hib3": (0, 1), "mcv1": (0, 1)}  # fmt: skip
    assert found["2025", CITY, "79", "dtp1"] == (2, 2)
    assert found["2025", CITY, "79", "dtp3"] == (1, 2)
    # 2026: p8's MR now counts, but the 2026 cohort is born in 2025: nobody
    assert not [k for k in rows(immunisation_coverage(tables, (2026,)))]


def test_visits_per_resident(tables: dict[str, ir.Table]) -> None:
    # 2025: 26734 e1 e2 e3 e4 e11 e12 = 6 over p1 p2 p3 (p3 alive until March) = 3;
    # 26737 e6 e8 e9 e14 = 4 (e5 cancelled) over p5 p6 p8 (p4 undated death) = 3;
    # city 10 over 6 (p7 has no ward). 2024: e10 over 26734's 3 and the city's 6.
    assert rows(visits_per_resident(tables)) == {
        ("2025", WARD, W1): (6, 3), ("2025", WARD, W2): (4, 3), ("2024", WARD, W1): (1, 3),
        ("2025", CITY, "79"): (10, 6), ("2024", CITY, "79"): (1, 6),
    }


def test_readmissions(tables: dict[str, ir.Table]) -> None:
    # Index discharges (IMP, not a death, not a transfer): e3 (F2, 10/02), e8 (F2, 05/04),
    # e9 (F2, 08/05), e12 (F3, 08/06); e4 is a death, e11 a transfer (other-hcf).
    # e3 → e4 on 01/03, 19 days later: readmitted. e8 → e9 on 06/05: 31 days, not.
    assert rows(readmissions(tables)) == {
        ("2025-02", FACILITY, "F2"): (1, 1), ("2025-04", FACILITY, "F2"): (0, 1),
        ("2025-05", FACILITY, "F2"): (0, 1), ("2025-06", FACILITY, "F3"): (0, 1),
    }
    # with a 31-day window e8 → e9 counts
    assert rows(readmissions(tables, days=31))["2025-04", FACILITY, "F2"] == (1, 1)


def test_readmission_on_day_30_and_same_day_count() -> None:
    enc = [
        {"id": "a1", "patient_id": "q", "status": "finished", "class": "IMP",
         "start": "2025-01-01", "end": "2025-01-31", "facility_id": "H", "period": "2025-01"},
        {"id": "a2", "patient_id": "q", "status": "finished", "class": "IMP",
         "start": "2025-03-02", "end": "2025-03-05", "facility_id": "H", "period": "2025-03"},
        {"id": "a3", "patient_id": "q", "status": "finished", "class": "IMP",
         "start": "2025-03-05", "end": "2025-03-06", "facility_id": "K", "period": "2025-03"},
        {"id": "a4", "patient_id": "q", "status": "finished", "class": "AMB",
         "start": "2025-03-07", "end": "2025-03-07", "facility_id": "K", "period": "2025-03"},
    ]  # fmt: skip
    t = load(offline_duckdb(), {"encounter": enc})
    # a1 ends 31/01 → a2 on 02/03 is day 30: counts; a2 → a3 the day it ends: counts;
    # a3 → a4 is ambulatory: does not; a4 is no inpatient discharge.
    assert rows(readmissions(t)) == {
        ("2025-01", FACILITY, "H"): (1, 1), ("2025-03", FACILITY, "H"): (1, 1),
        ("2025-03", FACILITY, "K"): (0, 1),
    }


def test_vaccine_series_match_the_programmes_table() -> None:
    """The warehouse's copy of which product counts for which series equals what the
    programmes' vaccines.json says of each product's antigens."""
    import json
    from importlib import resources

    from hoso.warehouse.indicators.immunisation import PRODUCT_SERIES

    text = resources.files("hoso.programmes").joinpath("data/vaccines.json").read_text("utf-8")
    series_of = {"bcg": "bcg", "pertussis": "dtp", "polio_oral": "polio",
                 "polio_inactivated": "polio", "hepb": "hepb", "hib": "hib", "measles": "mcv"}
    expected = {(p["system"], p["code"], series_of[a])
                for p in json.loads(text)["products"] for a in p["antigens"] if a in series_of}
    assert set(PRODUCT_SERIES) == expected


def test_partial_and_impossible_dates_are_not_an_error() -> None:
    """FHIR allows '2025-02' for a dateTime; a bad copy may hold '2025-02-30'. Neither
    stops the analysis: such a stay is not a discharge to count from nor a readmission."""
    enc = [
        {"id": "b1", "patient_id": "q", "status": "finished", "class": "IMP",
         "start": "2025-01-01", "end": "2025-02", "facility_id": "H", "period": "2025-01"},
        {"id": "b2", "patient_id": "q", "status": "finished", "class": "IMP",
         "start": "2025-02-30", "end": "2025-03-05", "facility_id": "H", "period": "2025-02"},
        {"id": "b3", "patient_id": "q", "status": "finished", "class": "IMP",
         "start": "2025-03-10", "end": "2025-03-12", "facility_id": "H", "period": "2025-03"},
    ]  # fmt: skip
    t = load(offline_duckdb(), {"encounter": enc})
    # b1 has no full end: not an index; b2's start is impossible: it readmits nobody, but
    # its end is a discharge, and b3 on 10/03 is 5 days later; b3 is an index of its own.
    assert rows(readmissions(t)) == {("2025-03", FACILITY, "H"): (1, 2)}


def test_empty_warehouse_gives_empty_results() -> None:
    empty = load(offline_duckdb(), {})
    params = Parameters(as_of="2025-12-31", years=(2025,))
    for code, expr in analyse_all(empty, params).items():
        assert expr.to_pandas().empty, code


# --- definitions and values ----------------------------------------------------------------


def test_long_form_stacks_indicators(tables: dict[str, ir.Table]) -> None:
    from hoso.warehouse.indicators.definitions import definition
    from hoso.warehouse.indicators.output import long_form, union

    codes = ("mortality-in-hospital", "visits-per-resident")
    stacked = union([long_form(c, analyse(c, tables, Parameters("2025-12-31", (2025,))),
                               definition(c).categories) for c in codes]).to_pandas()  # fmt: skip
    found = {(r["indicator"], r["org"], r["period"], r["categories"]): r["numerator"]
             for r in stacked.to_dict("records")}  # fmt: skip
    assert found[("mortality-in-hospital", "F2", "2025-03",
                  "icd10-chapter=X;age-band=60+;sex=male")] == 1  # fmt: skip
    assert found[("visits-per-resident", W1, "2025", "")] == 6
    assert len(found) == 2 + 5


def test_every_analysis_has_a_definition_and_back() -> None:
    assert [d.code for d in DEFINITIONS] == list(ANALYSES)
    for d in DEFINITIONS:
        assert d.group == 1 and d.name_vi and d.name_en and d.source and d.unit_vi
    with pytest.raises(InvalidRequest):
        analyse("no-such-indicator", {}, Parameters(as_of="2025-12-31", years=(2025,)))


@pytest.mark.parametrize(("as_of", "years"), [
    ("2025-13-01", (2025,)), ("31/12/2025", (2025,)), ("2025-12-31' OR 1=1 --", (2025,)),
    ("", (2025,)), (None, (2025,)), ("2025-12-31", ()), ("2025-12-31", (2025.0,)),
    ("2025-12-31", (True,)), ("2025-12-31", ("2025",)), ("2025-12-31", (10**12,)),
    ("2025-12-31", tuple(range(1990, 2060))),
])  # fmt: skip
def test_parameters_are_checked_before_any_query(as_of: Any, years: Any) -> None:
    with pytest.raises(InvalidRequest):
        Parameters(as_of=as_of, years=years)


def test_the_analyses_check_their_own_arguments(tables: dict[str, ir.Table]) -> None:
    for bad in (
        lambda: chronic_prevalence(tables, "2025-02-30"),
        lambda: immunisation_coverage(tables, ()),
        lambda: immunisation_coverage(tables, (99999,)),
        lambda: top_diagnoses(tables, top=0),
        lambda: top_diagnoses(tables, top=10**9),
        lambda: readmissions(tables, days=-1),
        lambda: readmissions(tables, days=1.5),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidRequest):
            bad()


def test_values_carry_the_definitions_categories(tables: dict[str, ir.Table]) -> None:
    params = Parameters(as_of="2025-12-31", years=(2025,))
    for d in DEFINITIONS:
        result = analyse(d.code, tables, params)
        found = values(d.code, result)
        assert found, d.code
        assert len(found) == result.count().to_pyarrow().as_py()
        for v in found:
            assert set(v.categories) == set(d.categories)
            assert v.org_kind in (WARD, FACILITY, CITY)
    morbidity_values = values("morbidity-icd10-chapter", morbidity(tables))
    june = next(v for v in morbidity_values if v.period == "2025-06" and v.org == W1)
    assert june.categories == {"icd10-chapter": "XV", "age-band": "15-49", "sex": "female"}
    assert (june.numerator, june.denominator, june.value) == (2.0, 1.0, 2.0)
    facility = next(v for v in morbidity_values if v.org_kind == FACILITY)
    assert facility.denominator is None and facility.value == facility.numerator
    visits = {(v.period, v.org): v.value for v in values("visits-per-resident",
                                                         visits_per_resident(tables))}
    assert visits["2025", W1] == pytest.approx(2.0)
    assert visits["2025", "79"] == pytest.approx(10 / 6)
