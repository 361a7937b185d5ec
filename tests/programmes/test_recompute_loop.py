"""The programme-enrolment worker's loop (`Recompute.run`), with a fake store: the
nightly pass runs once a local day and only after the server has settled; a store that
fails now and then is retried with a warning, one that keeps failing is logged whole."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from hoso.programmes.recompute import Recompute


@dataclass
class Source:
    patients: list[dict[str, Any]]
    pages_read: int = 0

    def records(self, patient_ids: Sequence[str]) -> list[Any]:
        return [(p, {}) for p in self.patients if p["id"] in patient_ids]

    def patient_pages(self, size: int) -> Iterator[list[dict[str, Any]]]:
        self.pages_read += 1
        yield from (self.patients[i : i + size] for i in range(0, len(self.patients), size))

    def with_patients(self, patients: Sequence[dict[str, Any]]) -> list[Any]:
        return [(p, {}) for p in patients]


@dataclass
class Sink:
    stored: list[list[str]] = field(default_factory=list)

    def manual(self, patient_ids: Sequence[str]) -> dict[Any, Any]:
        return {}

    def replace(self, patient_ids: Sequence[str], enrolments: Any, dues: Any) -> None:
        self.stored.append(list(patient_ids))


@dataclass
class Feed:
    """Fails `failures` times, then has nothing new; stops the loop after `steps`."""

    stop: threading.Event
    failures: int = 0
    steps: int = 0

    def lease(self, owner: str, lease_us: int, **_: Any) -> int | None:
        self.steps += 1
        if self.steps >= 6:
            self.stop.set()
        if self.failures:
            self.failures -= 1
            raise RuntimeError("database is locked")
        return 0

    def batch(self, position: int, limit: int, references: Any, types: Any = None) -> Any:
        return type("Batch", (), {"changes": []})()

    def advance(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("nothing to advance past")


def _worker(feed: Feed, source: Source, sink: Sink, **options: Any) -> Recompute:
    return Recompute(source, sink, (), {}, feed=feed, nightly=True, today=lambda: date(2026, 12, 7),
                     **options)  # fmt: skip


def test_the_nightly_pass_runs_once_a_day_after_the_server_settles(
        monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(threading.Event, "wait", lambda self, timeout=None: self.is_set())
    stop = threading.Event()
    source = Source([{"id": f"p{i}", "resourceType": "Patient"} for i in range(3)])
    sink = Sink()
    _worker(Feed(stop), source, sink, settle_seconds=0.0).run(stop)
    assert source.pages_read == 1 and sink.stored == [["p0", "p1", "p2"]]
    stop.clear()
    unsettled = Source(source.patients)
    _worker(Feed(stop), unsettled, Sink(), settle_seconds=3600.0).run(stop)
    assert unsettled.pages_read == 0  # the server has not settled yet


def test_a_failing_store_is_retried_quietly_then_logged_whole(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    monkeypatch.setattr(threading.Event, "wait", lambda self, timeout=None: self.is_set())
    stop = threading.Event()
    with caplog.at_level(logging.WARNING, logger="hoso.programmes.recompute"):
        _worker(Feed(stop, failures=2), Source([]), Sink(), settle_seconds=3600.0).run(stop)
    assert [r.levelname for r in caplog.records] == ["WARNING", "WARNING"]
    assert not any(r.exc_info for r in caplog.records)
    caplog.clear()
    stop.clear()
    with caplog.at_level(logging.WARNING, logger="hoso.programmes.recompute"):
        _worker(Feed(stop, failures=4), Source([]), Sink(), settle_seconds=3600.0).run(stop)
    assert [r.levelname for r in caplog.records] == ["WARNING", "WARNING", "ERROR", "ERROR"]
    assert caplog.records[-1].exc_info is not None
