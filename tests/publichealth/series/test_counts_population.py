"""Dense series from grouped counts, small counts hidden, rates; the population CSV
checked line by line; synthetic denominators; a dashboard request's parameters."""

from __future__ import annotations

from datetime import date

import pytest

from hoso.core.errors import InvalidRequest
from hoso.publichealth.series.counts import (
    CountCell,
    dense_series,
    per_100k,
    periods,
    population_of,
    shown_count,
)
from hoso.publichealth.series.population import parse_population_csv, synthetic_population
from hoso.publichealth.series.query import parse_query
from hoso.publichealth.series.views import Viewer, district_table, rate_class, ward_map
from tests.publichealth.case_rows import Case
from tests.publichealth.fakes import MemoryRows

SAIGON, BEN_THANH, THU_DUC_WARD = "26740", "26743", "26800"


def test_series_fill_the_gaps_at_each_level() -> None:
    span = periods(date(2026, 1, 5), date(2026, 1, 25), "week")
    assert [d.isoformat() for d in span] == ["2026-01-05", "2026-01-12", "2026-01-19"]
    cells = [CountCell("dengue", SAIGON, "2026-01-12", 3),
             CountCell("dengue", BEN_THANH, "2026-01-12", 2),
             CountCell("dengue", None, "2026-01-19", 1),
             CountCell("dengue", SAIGON, "2025-01-01", 9)]  # outside the span: ignored
    wards = dense_series(cells, "ward", span, areas=("25747",))
    assert wards[SAIGON].counts == (0, 3, 0) and wards["25747"].counts == (0, 0, 0)
    assert None not in wards  # no ward: counted only in the city
    assert dense_series(cells, "district", span)["Quận 1"].counts == (0, 5, 0)
    city = dense_series(cells, "city", span)["city"]
    assert city.counts == (0, 5, 1) and city.total == 6


def test_small_counts_and_rates() -> None:
    assert [shown_count(n, False) for n in (0, 1, 4, 5, 50)] == [0, None, None, 5, 50]
    assert shown_count(3, True) == 3
    assert per_100k(29, 50_000) == 58.0 and per_100k(3, None) is None and per_100k(3, 0) is None
    assert [rate_class(r, 1) for r in (0.5, 10, 25, 60, 100, 1000)] == [1, 2, 3, 4, 5, 5]
    assert rate_class(0, 0) == 0 and rate_class(None, 2) is None and rate_class(5, None) is None
    assert population_of({SAIGON: 10, BEN_THANH: 5, "x": 3}, "district") == {"Quận 1": 15}


def test_the_map_hides_small_counts_of_others_wards() -> None:
    rows = MemoryRows([Case("dengue", SAIGON, "2026-03-02")] * 3 +
                      [Case("dengue", BEN_THANH, "2026-03-02")] * 7,
                      {SAIGON: 30_000, BEN_THANH: 70_000})  # fmt: skip
    kinds = ("suspected", "probable", "confirmed")
    mine = Viewer("account:an", frozenset({SAIGON}))
    tiles = {t["ward"]: t for t in ward_map(rows, mine, disease="dengue", first=date(2026, 3, 1),
                                            last=date(2026, 3, 8), kinds=kinds)}  # fmt: skip
    assert tiles[SAIGON]["cases"] == 3 and tiles[SAIGON]["rate"] == 10.0
    assert tiles[BEN_THANH]["cases"] == 7 and tiles[BEN_THANH]["class"] == 2
    other = Viewer("account:binh", frozenset())
    hidden = {t["ward"]: t for t in ward_map(rows, other, disease="dengue", first=date(2026, 3, 1),
                                             last=date(2026, 3, 8), kinds=kinds)}  # fmt: skip
    assert hidden[SAIGON]["cases"] is None and hidden[SAIGON]["rate"] is None
    assert hidden[SAIGON]["class"] is None and hidden["25747"]["cases"] == 0
    table = {r["area"]: r for r in district_table(rows, disease="dengue", first=date(2026, 3, 1),
                                                  last=date(2026, 3, 8), kinds=kinds)}  # fmt: skip
    assert table["Quận 1"] == {"area": "Quận 1", "cases": 10, "population": 100_000,
                               "rate": 10.0}  # fmt: skip
    assert table["city"]["cases"] == 10


def test_a_population_file_is_checked_whole() -> None:
    rows = parse_population_csv("\ufeffWard,Year,Population\r\n26740,2026,45000\r\n\r\n"
                                "26743,2026,30000\r\n")  # fmt: skip
    assert [(r.ward, r.year, r.population) for r in rows] == [
        (SAIGON, 2026, 45_000), (BEN_THANH, 2026, 30_000)]  # fmt: skip
    for text, line in (("x\n", 1), ("ward,year,population\n26740,2026\n", 2),
                       ("ward,year,population\n26740,2026,1\n26740,2026,abc\n", 3),
                       ("ward,year,population\n26740,2026,1e5\n", 2),
                       ("ward,year,population\n26740,2026,99999999\n", 2)):
        with pytest.raises(InvalidRequest) as caught:
            parse_population_csv(text)
        assert f"Dòng {line}" in caught.value.message and f"Line {line}" in caught.value.message


def test_synthetic_denominators_follow_the_weights() -> None:
    rows = synthetic_population([2025, 2026], lambda code: 3.0 if code == SAIGON else 1.0,
                                total=1_000_000)  # fmt: skip
    assert len(rows) == 2 * 168
    people = {r.ward: r.population for r in rows if r.year == 2026}
    assert abs(people[SAIGON] - 3 * people[BEN_THANH]) <= 2  # rounded
    assert abs(sum(people.values()) - 1_000_000) < 168


def test_a_dashboard_query_is_checked() -> None:
    today = date(2026, 12, 6)
    q = parse_query({}, today)
    assert (q.first, q.last, q.interval, q.level, q.area) == (
        date(2026, 6, 8), today, "week", "city", "city")  # 26 ISO weeks, the first from its Monday
    day = parse_query({"interval": "day", "level": "ward", "area": SAIGON,
                       "classification": "confirmed,confirmed"}, today)  # fmt: skip
    assert day.first == date(2026, 10, 8) and day.kinds == ("confirmed",) and day.area == SAIGON
    assert parse_query({"from": "01/12/2026"}, today).first == date(2026, 12, 1)  # the form's
    for bad in ({"interval": "year"}, {"from": "2026/12/06"}, {"from": "31/02/2026"},
                {"from": "2026-12-07"},
                {"from": "2010-01-01"}, {"classification": "suspected,discarded"},
                {"level": "province"}, {"area": "x" * 81, "level": "ward"}):
        with pytest.raises(InvalidRequest):
            parse_query(bad, today)
