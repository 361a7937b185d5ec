"""What a person waiting for the first start sees (hoso.ingest.progress): counts, the
rate and the time left, the Vietnamese way, in the log every few seconds or as a bar."""

from __future__ import annotations

import io
import logging

import pytest

from hoso.ingest.progress import ProgressReporter, eta_text, rate_text

LABEL = "Nạp dữ liệu mẫu / Loading demo data"


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_rate_and_time_left_read_the_vietnamese_way() -> None:
    assert rate_text(1050.4) == "1.050/s"
    assert rate_text(12_345.6) == "12.346/s"
    assert rate_text(2.54) == "2,5/s"
    assert eta_text(45.2) == "còn ~45 s / ETA ~45 s"
    assert eta_text(200) == "còn ~3 phút / ETA ~3 min"
    assert eta_text(None) == "đang ước tính / estimating ETA"


def test_the_log_says_where_the_load_is_every_few_seconds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    log = logging.getLogger("hoso.demo.test")
    caplog.set_level(logging.INFO, logger=log.name)
    with ProgressReporter(LABEL, 57_000, log, stream=io.StringIO(), every_seconds=5,
                          clock=clock) as shown:  # fmt: skip
        clock.now += 2
        shown.update(2_000)  # too soon after the start for a line
        clock.now += 9.75
        shown.update(12_345)  # 11.75 s in: 1,050.6 a second, 44,655 left: 42.5 s
        clock.now += 1
        shown.update(13_000)  # one second after the last line: none
        clock.now += 40.5
        shown.update(57_000)
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        f"{LABEL}: 57.000 tài nguyên (resources)",
        f"{LABEL}: 12.345/57.000 tài nguyên (resources), 1.051/s, còn ~43 s / ETA ~43 s",
        f"{LABEL}: 57.000/57.000 tài nguyên (resources), 1.070/s, còn ~0 s / ETA ~0 s",
        f"{LABEL}: xong / done, 57.000/57.000 tài nguyên (resources), 53,2 s, 1.070/s",
    ]


def test_a_load_cut_short_says_it_stopped(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    log = logging.getLogger("hoso.demo.test")
    caplog.set_level(logging.INFO, logger=log.name)
    with pytest.raises(KeyboardInterrupt), ProgressReporter(LABEL, 1_000, log,
                                                            stream=io.StringIO(),
                                                            clock=clock) as shown:  # fmt: skip
        clock.now += 4
        shown.update(10)
        raise KeyboardInterrupt
    assert caplog.records[-1].getMessage() == (
        f"{LABEL}: dừng / stopped, 10/1.000 tài nguyên (resources), 4,0 s, 2,5/s"
    )


def test_a_terminal_gets_a_bar_instead_of_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    log = logging.getLogger("hoso.demo.test")
    caplog.set_level(logging.INFO, logger=log.name)
    terminal = Terminal()  # 80 columns, as rich takes a terminal it cannot measure
    with ProgressReporter(LABEL, 57_000, log, tag="Nạp / Loading", stream=terminal,
                          every_seconds=5, clock=clock) as shown:  # fmt: skip
        clock.now += 11.75
        shown.update(12_345)
    last = terminal.getvalue().split("\r")[-1]
    assert "Nạp / Loading" in last and "━" * 10 in last  # the bar, room left for it
    assert "12.345/57.000 1.051/s còn ~43 s / ETA ~43 s" in last
    # The log has the start and the end, not the lines the bar shows.
    assert [r.getMessage().split(": ", 1)[1][:4] for r in caplog.records] == ["57.0", "dừng"]
