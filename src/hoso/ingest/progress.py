"""How far a long job a person waits for has come (the first start's demo load and its
data-quality run): resources done out of a total, the rate and the time left, numbers
written the Vietnamese way ("12.345", "2,5").

On a terminal (stderr is a tty) a bar (rich) shows it; otherwise a log line every few
seconds does, so that a service's journal shows the same. Not both: `hoso serve` logs to
the same stderr, and a log line written under a live bar tears it. The start and the end
are logged either way. Lines name counts only, never a record.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn

from hoso.core.vi_format import vi_number

__all__ = ["ProgressReporter", "eta_text", "rate_text"]

LOG_EVERY_SECONDS = 5.0
RESOURCES = "tài nguyên (resources)"


def rate_text(per_second: float) -> str:
    """1050.4 → "1.050/s"; a slow rate keeps one decimal: 2.54 → "2,5/s"."""
    return f"{vi_number(per_second, 0 if per_second >= 100 else 1)}/s"


def eta_text(seconds: float | None) -> str:
    """The time left, both languages: "còn ~45 s / ETA ~45 s", "còn ~3 phút / ETA ~3 min"."""
    if seconds is None:
        return "đang ước tính / estimating ETA"
    if seconds < 90:
        shown = vi_number(max(seconds, 0))
        return f"còn ~{shown} s / ETA ~{shown} s"
    minutes = vi_number(seconds / 60)
    return f"còn ~{minutes} phút / ETA ~{minutes} min"


class ProgressReporter:
    """`update(done)` as often as the job likes; a log line at most every
    `every_seconds`, or the bar on a terminal. Used as a context manager. `tag` names
    the job on the bar, where the log's full `label` leaves no room for the bar itself
    in 80 columns."""

    def __init__(
        self,
        label: str,
        total: int,
        log: logging.Logger,
        *,
        tag: str | None = None,
        stream: TextIO | None = None,
        every_seconds: float = LOG_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.label = label
        self.tag = tag or label
        self.total = total
        self._log = log
        self._stream = stream if stream is not None else sys.stderr
        self._every = every_seconds
        self._clock = clock
        self._started = self._last_logged = clock()
        self.done = 0
        self._bar: Progress | None = None  # while shown
        self._task = TaskID(0)

    def _parts(self) -> tuple[str, str, str]:
        """("12.345/57.097", "1.050/s", "còn ~45 s / ETA ~45 s") as of now."""
        elapsed = self._clock() - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else None
        return f"{vi_number(self.done)}/{vi_number(self.total)}", rate_text(rate), eta_text(left)

    def line(self) -> str:
        """Where the job is: "12.345/57.097 tài nguyên (resources), 1.050/s, còn ~45 s / …"."""
        counts, rate, eta = self._parts()
        return f"{counts} {RESOURCES}, {rate}, {eta}"

    def update(self, done: int) -> None:
        self.done = done
        if self._bar is not None:
            counts, rate, eta = self._parts()
            self._bar.update(self._task, completed=done, counts=counts, rate=rate, eta=eta)
            return
        now = self._clock()
        if now - self._last_logged >= self._every:
            self._last_logged = now
            self._log.info("%s: %s", self.label, self.line())

    def __enter__(self) -> ProgressReporter:
        self._started = self._last_logged = self._clock()
        self._log.info("%s: %s %s", self.label, vi_number(self.total), RESOURCES)
        if self._stream.isatty():
            self._show_bar()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:  # fmt: skip
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        elapsed = self._clock() - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        # A job may end short without raising (the bulk import keeps what a Ctrl-C
        # left committed and returns): short of the total is stopped too.
        stopped = kind is not None or self.done < self.total
        outcome = "dừng / stopped" if stopped else "xong / done"
        self._log.info("%s: %s, %s/%s %s, %s s, %s", self.label, outcome, vi_number(self.done),
                       vi_number(self.total), RESOURCES, vi_number(elapsed, 1),
                       rate_text(rate))  # fmt: skip

    def _show_bar(self) -> None:
        self._bar = bar = Progress(
            TextColumn(self.tag, style="bold", markup=False),
            BarColumn(bar_width=None),  # whatever the text columns leave
            TextColumn("{task.fields[counts]}"),
            TextColumn("{task.fields[rate]}"),
            TextColumn("{task.fields[eta]}"),
            console=Console(file=self._stream),
            expand=True,
            transient=False,
            # Rich would swap sys.stderr for its own; the log handler keeps writing to
            # the real one, so that would only reorder what others print.
            redirect_stderr=False,
            redirect_stdout=False,
        )
        counts, rate, eta = self._parts()
        self._task = bar.add_task(self.tag, total=self.total or None, counts=counts, rate=rate,
                                  eta=eta)  # fmt: skip
        bar.start()
