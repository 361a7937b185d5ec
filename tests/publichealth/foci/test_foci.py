"""Foci suggested when N cases of a disease fall in one ward within T days (per disease),
not again for cases a focus already covers; a focus's states and daily report; R_t
through a plugged estimator, cached while the incidence is unchanged."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hoso.core.errors import Conflict, InvalidRequest
from hoso.publichealth.daily import run_daily
from hoso.publichealth.foci import check_report_text, next_focus_status, suggest_foci
from hoso.publichealth.series.counts import CountCell
from hoso.publichealth.series.rt_view import RtWindow, rt_for_area
from tests.publichealth.case_rows import Case
from tests.publichealth.fakes import FakeCatalogue, MemoryRows, rule

SAIGON, BEN_THANH = "26740", "26743"
DAY = date(2026, 12, 6)


def _cell(ward: str, days_ago: int, n: int = 1, disease: str = "dengue") -> CountCell:
    return CountCell(disease, ward, (DAY - timedelta(days=days_ago)).isoformat(), n)


def test_n_cases_in_t_days_in_one_ward() -> None:
    rules = [rule("dengue", cases=2, days=14), rule("measles", cases=3, days=21)]
    cells = [_cell(SAIGON, 13), _cell(SAIGON, 0),  # 2 in 14 days: a focus
             _cell(BEN_THANH, 14), _cell(BEN_THANH, 1),  # 15 days apart: not
             _cell(SAIGON, 20, 2, "measles"), _cell(SAIGON, 2, 1, "measles"),  # 3 in 21
             _cell(SAIGON, 0, 5, "hfmd")]  # not a rule here  # fmt: skip
    found = suggest_foci(rules, cells, DAY, standing={})
    assert [(s.disease, s.ward, s.case_count, s.first_case_date, s.last_case_date)
            for s in found] == [
        ("dengue", SAIGON, 2, "2026-11-23", "2026-12-06"),
        ("measles", SAIGON, 3, "2026-11-16", "2026-12-04")]  # fmt: skip
    # A focus covering these cases (suggested, active or rejected) holds the ward …
    assert suggest_foci(rules, cells, DAY, {("dengue", SAIGON): "2026-12-06",
                                            ("measles", SAIGON): "2026-11-16"}) == []
    # … until new cases come after it.
    later = suggest_foci(rules, cells, DAY, {("dengue", SAIGON): "2026-11-20"})
    assert [s.disease for s in later] == ["dengue", "measles"]


def test_the_job_suggests_each_focus_once_with_its_deadline() -> None:
    rows = MemoryRows([Case("dengue", SAIGON, "2026-12-01"), Case("dengue", SAIGON, "2026-12-05"),
                       Case("dengue", SAIGON, "2026-12-05", classification="discarded")])
    catalogue = FakeCatalogue(rule("dengue"))
    assert run_daily(rows, catalogue, DAY, now_us=10).foci_suggested == 1
    made = rows.foci_made[0]
    assert made["status"] == "suggested" and made["case_count"] == 2
    assert made["response_deadline_at"] == 10 + 48 * 3_600_000_000
    assert run_daily(rows, catalogue, DAY + timedelta(days=1), now_us=20).foci_suggested == 0


def test_a_focus_moves_and_reports() -> None:
    assert next_focus_status("suggested", "confirm") == "active"
    assert next_focus_status("suggested", "reject") == "rejected"
    assert next_focus_status("active", "close") == "closed"
    with pytest.raises(Conflict):
        next_focus_status("closed", "close")
    with pytest.raises(InvalidRequest):
        next_focus_status("active", "reopen")
    assert check_report_text("  Phun hóa chất  ", 2) == ("Phun hóa chất", 2)
    for text, n in (("", 0), ("x" * 4001, 0), ("ok", -1), ("ok", True), ("ok", "3"), (3, 0)):
        with pytest.raises(InvalidRequest):
            check_report_text(text, n)


def test_rt_per_district_through_the_estimator_and_cached() -> None:
    calls: list[list[int]] = []

    def fake(incidence: list[int], *, si_mean: float, si_sd: float,
             window: int = 7) -> list[RtWindow]:  # fmt: skip
        calls.append(incidence)
        q = dict.fromkeys(("0.025", "0.975"), 1.0)
        return [RtWindow(len(incidence) - window + 1, len(incidence), 1.4, 0.1, q)]

    rows = MemoryRows([Case("dengue", SAIGON, "2026-12-05")] * 3 +
                      [Case("dengue", "25747", "2026-12-05")])  # Thủ Dầu Một: elsewhere
    found = rt_for_area(rows, fake, disease="dengue", si=(15.0, 5.0), level="district",
                        area="Quận 1", last=DAY, days=30)  # fmt: skip
    assert calls[0][-2:] == [3, 0] and sum(calls[0]) == 3 and len(calls[0]) == 30
    assert found["windows"][0]["end_day"] == "2026-12-06" and found["windows"][0]["mean"] == 1.4
    rt_for_area(rows, fake, disease="dengue", si=(15.0, 5.0), level="district", area="Quận 1",
                last=DAY, days=30)  # fmt: skip
    assert len(calls) == 1  # the same incidence: the cached estimate
    rows.cases.append(Case("dengue", SAIGON, "2026-12-06"))
    rt_for_area(rows, fake, disease="dengue", si=(15.0, 5.0), level="district", area="Quận 1",
                last=DAY, days=30)  # fmt: skip
    assert len(calls) == 2


def test_a_focus_is_overdue_past_its_deadline_without_a_report() -> None:
    from hoso.publichealth.foci import is_overdue

    assert is_overdue("active", 100, 0, now_us=101) is True
    assert is_overdue("suggested", 100, 0, now_us=101) is True
    assert is_overdue("active", 100, 1, now_us=101) is False  # the team reported
    assert is_overdue("active", 100, 0, now_us=100) is False  # not yet
    assert is_overdue("closed", 100, 0, now_us=101) is False
    assert is_overdue("active", None, 0, now_us=101) is False
