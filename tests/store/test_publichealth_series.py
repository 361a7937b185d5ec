"""The surveillance SQL (`hoso.store.publichealth_series`) on both databases: counts
grouped by ward and day or ISO week (the same Mondays on SQLite and PostgreSQL, across a
year's end), discarded cases never counted; denominators replaced and looked up by year;
signals stored once per disease, ward, week and method; decisions and focus moves as
conditional updates; one report a day per focus."""

from __future__ import annotations

from hoso.store.publichealth_series import SqlSurveillance
from hoso.store.sql_store import SqlStore
from tests.publichealth.case_rows import Case, assign_ward, enable_diseases, insert_cases

SAIGON, BEN_THANH = "26740", "26743"
ALL = ("suspected", "probable", "confirmed")


def _rows(store: SqlStore) -> SqlSurveillance:
    return SqlSurveillance(store.engine)


def test_counts_by_iso_week_and_day_by_onset_and_report(store: SqlStore) -> None:
    insert_cases(store.engine, [
        Case("dengue", SAIGON, "2026-01-01", "2026-01-05"),  # Thursday of 2026-W01
        Case("dengue", SAIGON, "2026-01-04", "2026-01-04", "suspected"),  # its Sunday
        Case("dengue", SAIGON, "2025-12-29", "2026-01-06", "probable"),  # its Monday
        Case("dengue", BEN_THANH, "2026-01-05"),  # Monday of W02
        Case("dengue", BEN_THANH, "2026-01-05", classification="discarded"),
        Case("dengue", None, "2026-01-02"),  # no ward known: the city total only
        Case("measles", SAIGON, "2026-01-02"),
    ])  # fmt: skip
    rows = _rows(store)
    weekly = rows.counts(basis="onset", interval="week", first="2025-12-01",
                         last="2026-01-31", classifications=ALL, disease="dengue")
    assert sorted(weekly, key=str) == sorted([
        ("dengue", SAIGON, "2025-12-29", 3), ("dengue", BEN_THANH, "2026-01-05", 1),
        ("dengue", None, "2025-12-29", 1)], key=str)  # fmt: skip
    by_report = rows.counts(basis="report", interval="week", first="2025-12-01",
                            last="2026-01-31", classifications=ALL, disease="dengue")
    assert ("dengue", SAIGON, "2026-01-05", 2) in by_report  # reported the next week
    daily = rows.counts(basis="onset", interval="day", first="2026-01-01", last="2026-01-04",
                        classifications=("confirmed",))  # fmt: skip
    assert sorted(daily, key=str) == sorted([
        ("dengue", SAIGON, "2026-01-01", 1), ("dengue", None, "2026-01-02", 1),
        ("measles", SAIGON, "2026-01-02", 1)], key=str)  # fmt: skip
    # "discarded" asked for explicitly still does not count.
    none = rows.counts(basis="onset", interval="day", first="2026-01-05", last="2026-01-05",
                       classifications=("discarded",))  # fmt: skip
    assert none == []
    one_ward = rows.counts(basis="onset", interval="week", first="2025-12-01",
                           last="2026-01-31", classifications=ALL, wards={BEN_THANH})
    assert one_ward == [("dengue", BEN_THANH, "2026-01-05", 1)]


def test_population_replaced_and_the_latest_year_used(store: SqlStore) -> None:
    rows = _rows(store)
    assert rows.store_population([(SAIGON, 2024, 40_000), (BEN_THANH, 2025, 30_000)]) == 2
    rows.store_population([(SAIGON, 2024, 41_000), (SAIGON, 2026, 42_000)])
    assert rows.population(2025) == {SAIGON: 41_000, BEN_THANH: 30_000}
    assert rows.population(2026) == {SAIGON: 42_000, BEN_THANH: 30_000}
    assert rows.population(2023) == {}


def _alarm(ward: str = SAIGON, week: str = "2026-01-05") -> dict[str, object]:
    return {"disease": "dengue", "ward": ward, "week": week, "method": "four-week",
            "observed": 9, "expected": 2.5, "upperbound": 3.75}  # fmt: skip


def test_signals_once_per_week_and_decided_once(store: SqlStore) -> None:
    rows = _rows(store)
    assert rows.add_signals([_alarm(), _alarm("city")], now=1) == 2
    assert rows.add_signals([_alarm(), _alarm(week="2026-01-12")], now=2) == 1  # re-run
    listed = rows.signals(status="open", disease="dengue", limit=10)
    assert (listed[0].ward, listed[0].week) == (SAIGON, "2026-01-12")  # newest first
    assert len(listed) == 3 and rows.signals(status="open", disease="hfmd", limit=10) == []
    first = listed[-1]
    assert rows.decide_signal(first.id, was="open", status="dismissed", agent="account:a",
                              at=5, note="backlog") is True  # fmt: skip
    assert rows.decide_signal(first.id, was="open", status="verified", agent="account:b",
                              at=6, note=None) is False  # fmt: skip
    decided = rows.signal(first.id)
    assert decided is not None and decided.status == "dismissed"
    assert decided.decided_by == "account:a" and decided.note == "backlog"
    assert rows.signal(10_000) is None
    assert len(rows.signals(status=None, disease=None, limit=2, offset=2)) == 1


def test_a_signal_becomes_a_focus_in_one_step(store: SqlStore) -> None:
    rows = _rows(store)
    rows.add_signals([_alarm()], now=1)
    signal = rows.signals(status="open", disease=None, limit=1)[0]
    focus = {"disease": "dengue", "ward": SAIGON, "status": "active",
             "first_case_date": "2026-01-05", "last_case_date": "2026-01-11", "case_count": 9,
             "opened_at": 7, "response_deadline_at": 7 + 48 * 3_600_000_000,
             "created_by": "account:a", "created_at": 7}  # fmt: skip
    made = rows.focus_from_signal(signal.id, was="open", agent="account:a", at=7, note=None,
                                  focus=focus)  # fmt: skip
    assert made is not None
    again = rows.focus_from_signal(signal.id, was="open", agent="account:b", at=8, note=None,
                                   focus=focus)  # fmt: skip
    assert again is None and len(rows.foci(status=None, disease=None, limit=10)) == 1
    turned = rows.signal(signal.id)
    assert turned is not None and turned.status == "focus" and turned.focus_id == made


def test_foci_moves_standing_and_one_report_a_day(store: SqlStore) -> None:
    rows = _rows(store)
    focus_id = rows.add_focus(disease="dengue", ward=SAIGON, status="suggested",
                              first_case_date="2026-01-01", last_case_date="2026-01-09",
                              case_count=3, opened_at=None, response_deadline_at=99,
                              created_by="job", created_at=1)  # fmt: skip
    assert rows.standing_foci() == {("dengue", SAIGON): "2026-01-09"}
    assert rows.open_focus("dengue", SAIGON).id == focus_id  # type: ignore[union-attr]
    assert rows.open_focus("dengue", BEN_THANH) is None
    assert rows.move_focus(focus_id, was="active", status="closed", at=2) is False
    assert rows.move_focus(focus_id, was="suggested", status="active", at=3) is True
    opened = rows.focus(focus_id)
    assert opened is not None and opened.status == "active" and opened.opened_at == 3
    report = {"focus_id": focus_id, "day": "2026-01-10", "new_cases": 1, "text": "Phun hóa chất",
              "reported_by": "account:a", "reported_at": 4}  # fmt: skip
    assert rows.add_focus_report(**report) is True
    assert rows.add_focus_report(**{**report, "text": "again"}) is False
    assert [r.text for r in rows.focus_reports(focus_id)] == ["Phun hóa chất"]
    assert rows.move_focus(focus_id, was="active", status="closed", at=5) is True
    closed = rows.focus(focus_id)
    assert closed is not None and closed.closed_at == 5
    assert rows.standing_foci() == {}  # a closed focus no longer holds its ward
    assert rows.open_focus("dengue", SAIGON) is None


def test_enabled_diseases_and_officer_wards(store: SqlStore) -> None:
    enable_diseases(store.engine, ["dengue", "measles"])
    enable_diseases(store.engine, ["measles"], version=2, enabled=False)  # switched off
    rows = _rows(store)
    assert rows.enabled_diseases() == ["dengue"]
    assign_ward(store.engine, "account:an", SAIGON)
    assert rows.wards_of_officer("account:an") == {SAIGON}
    assert rows.wards_of_officer("account:binh") == frozenset()
