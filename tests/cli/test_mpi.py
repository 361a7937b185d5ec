"""`hoso mpi queue` (hoso.cli.mpi): the review queue said in words, also when empty."""

from __future__ import annotations

from hoso.cli.mpi import queue_lines
from tests.cli.conftest import hoso


def test_an_empty_queue_says_so(database_url: str) -> None:
    result = hoso("mpi", "queue", database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Hàng đợi xem xét trống: không có cặp hồ sơ nào chờ quyết định / "
        "The review queue is empty: no pair of records awaits a decision"
    ]


def test_a_queue_with_only_decided_pairs_is_empty_and_says_what_was_decided() -> None:
    lines = queue_lines({"merged": 2, "rejected": 1}, [])
    assert "The review queue is empty" in lines[0]
    assert lines[1] == (
        "Đã quyết định / decided: đã gộp / merged: 2, không phải một người / not the same person: 1"
    )


def test_open_pairs_are_counted_and_listed() -> None:
    rows = [
        (7, "bn-a", "bn-b", 12.5, "review", "dedupe"),
        (9, "bn-c", "bn-d", 3.0, "review", "online"),
    ]
    lines = queue_lines({"open": 5, "merged": 1}, rows)
    assert lines[0] == "chờ xem xét / open: 5; đã gộp / merged: 1"
    assert lines[1] == "(2 cặp đầu / first 2 pairs; --limit N)"
    assert lines[-2:] == [
        "7\tbn-a\tbn-b\t12.50\treview\tdedupe",
        "9\tbn-c\tbn-d\t3.00\treview\tonline",
    ]
    assert not any("empty" in line for line in lines)
