"""The tracing indicators over rows small enough to count by hand."""

from __future__ import annotations

from hoso.publichealth.tracing.indicators import (
    CaseRow,
    EdgeRow,
    FollowupDay,
    tracing_indicators,
)


def test_every_indicator_by_hand() -> None:
    cases = [CaseRow("a", "2026-11-01", "2026-11-03", "2026-11-04"),
             CaseRow("b", "2026-11-05", "2026-11-06", None),
             CaseRow("c", "2026-11-09", "2026-11-09", "2026-11-12")]  # fmt: skip
    edges = [EdgeRow("a", "b", "household", "2026-11-02"),
             EdgeRow("a", "k1", "household", "2026-11-02"),
             EdgeRow("a", "k2", "school", "2026-11-02"),
             EdgeRow("b", "c", "school", "2026-11-06"),
             EdgeRow(None, "k3", "event", "2026-11-01")]  # fmt: skip
    out = tracing_indicators(
        cases=cases, edges=edges,
        statuses={"active": 1, "completed": 3, "lost": 1, "became-case": 2},
        days={"2026-11-05": FollowupDay(4, 3), "2026-11-06": FollowupDay(2, 2),
              "2026-12-01": FollowupDay(9, 0)},
        period=("2026-11-05", "2026-11-30"), few_contacts=2)  # fmt: skip
    assert out["seen_daily"]["due"] == 6 and out["seen_daily"]["seen"] == 5
    assert out["seen_daily"]["share"] == round(5 / 6, 4)
    assert out["followups"]["completing_share"] == 0.75 and out["followups"]["lost_share"] == 0.25
    # b and c reported in the period, both already contacts.
    assert out["new_cases"] == {"n": 2, "known_contacts": 2, "share": 1.0}
    assert out["few_contacts"]["cases"] == 2  # b (1 contact), c (none)
    assert out["delays"]["onset_to_report"]["mean"] == round((2 + 1 + 0) / 3, 3)
    assert out["delays"]["onset_to_isolation"]["n"] == 2
    assert out["delays"]["onset_to_isolation"]["median"] == 3
    assert out["serial_interval"]["n"] == 2 and out["serial_interval"]["mean"] == 4
    sar = out["secondary_attack_rate"]
    assert sar["household"] == {"exposed": 2, "cases": 1, "rate": 0.5}
    assert sar["school"] == {"exposed": 2, "cases": 1, "rate": 0.5}
    assert "event" not in sar  # an event is no case


def test_nothing_to_count_is_none_not_zero_division() -> None:
    out = tracing_indicators(cases=[], edges=[], statuses={}, days={},
                             period=("2026-11-01", "2026-11-30"))  # fmt: skip
    assert out["seen_daily"]["share"] is None and out["new_cases"]["share"] is None
    assert out["serial_interval"]["mean"] is None
