"""The cohorts' SQL (`hoso.store.programme_cohorts`) on both databases: a day's counts
under a rule version are reproducible — recomputing the same day gives the same rows,
a later day's change leaves the earlier day's counts as they were — and officers'
versions are stored once."""

from __future__ import annotations

from datetime import date

from hoso.core.errors import Conflict
from hoso.programmes.cohorts import shipped_cohorts
from hoso.programmes.cohorts.catalogue import StoredCatalogue, store_cohort_day
from hoso.store.programme_cohorts import SqlCohorts
from hoso.store.sql_store import SqlStore
from tests.programmes.cohorts.records import condition, record

DAY1, DAY2 = date(2026, 12, 5), date(2026, 12, 6)


def _city(n: int = 30):  # type: ignore[no-untyped-def]
    """n residents over two wards: every third ≥ 60, every second with hypertension."""
    found = []
    for i in range(n):
        born = "1950-01-01" if i % 3 == 0 else "1990-01-01"
        ward = "26734" if i % 2 else "26737"
        conditions = [condition("I10")] if i % 2 == 0 else []
        found.append((record(f"p{i}", born, "male" if i % 5 else "female", ward,
                             Condition=conditions), {}))  # fmt: skip
    return found


def test_counts_are_reproducible_for_a_day_and_version(store: SqlStore) -> None:
    rows, cohorts = SqlCohorts(store.engine), shipped_cohorts()
    stored = store_cohort_day(rows, DAY1, _city(), cohorts, followed=frozenset({"p1"}))
    first = rows.counts("elderly-60", "2026.1", DAY1, None)
    assert sum(n for *_k, n in first) == 10  # p0, p3, … p27
    assert sum(n for *_k, n in rows.counts("hypertension", "2026.1", DAY1, None)) == 15
    assert rows.counts("contacts-followup", "2026.1", DAY1, None) == [("26734", "20-39",
                                                                       "male", 1)]  # fmt: skip
    # The same day again: the same rows, not twice as many.
    assert store_cohort_day(rows, DAY1, _city(), cohorts, followed=frozenset({"p1"})) == stored
    assert rows.counts("elderly-60", "2026.1", DAY1, None) == first
    # The record changes (p0 dies out of the list); the next day differs, the first not.
    store_cohort_day(rows, DAY2, _city()[1:], cohorts)
    assert sum(n for *_k, n in rows.counts("elderly-60", "2026.1", DAY2, None)) == 9
    assert rows.counts("elderly-60", "2026.1", DAY1, None) == first
    assert rows.last_day("elderly-60", "2026.1", date(2026, 12, 31)) == DAY2
    assert rows.last_day("elderly-60", "2026.1", DAY1) == DAY1
    assert rows.last_day("elderly-60", "2026.1", date(2026, 1, 1)) is None


def test_counts_and_members_by_ward(store: SqlStore) -> None:
    rows = SqlCohorts(store.engine)
    store_cohort_day(rows, DAY1, _city(), shipped_cohorts())
    ward = frozenset({"26737"})
    counts = rows.counts("hypertension", "2026.1", DAY1, ward)
    assert {w for w, *_r in counts} == {"26737"} and sum(n for *_k, n in counts) == 15
    members = rows.members("hypertension", "2026.1", DAY1, ward, offset=0, limit=5)
    assert [m.patient_id for m in members] == ["p0", "p10", "p12", "p14", "p16"]
    rest = rows.members("hypertension", "2026.1", DAY1, ward, offset=5, limit=100)
    assert len(rest) == 10 and {m.ward for m in rest} == {"26737"}
    assert rows.members("hypertension", "2026.1", DAY1, frozenset({"26734"})) == []


def test_an_officers_version_is_stored_once_and_becomes_current(store: SqlStore) -> None:
    catalogue = StoredCatalogue(SqlCohorts(store.engine))
    doc = {"code": "elderly-60", "version": "2027.1", "name": {"vi": "Người từ 65 tuổi"},
           "all": [{"age": {"min": 65}}]}  # fmt: skip
    made = catalogue.add(doc, "account:o", 1)
    assert catalogue.find("elderly-60").version == "2027.1"  # type: ignore[union-attr]
    assert catalogue.find("elderly-60", "2026.1").version == "2026.1"  # type: ignore[union-attr]
    for again in (doc, {**doc, "version": "2026.1"}):  # stored, shipped: never replaced
        try:
            catalogue.add(again, "account:o", 2)
        except Conflict:
            continue
        raise AssertionError(f"{again['version']} stored twice")
    assert made.rule.matches(record("p", "1960-01-01"), DAY1) is True
    assert [c.code for c in catalogue.current()].count("elderly-60") == 1
