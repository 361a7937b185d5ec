"""Keeping the registers current: the change feed's changes to residents' records
(consumer `programme-enrolment`) re-assess those residents; the nightly run re-assesses
everyone, because a due date passes and an age is reached without any change to the
record.

Both read records in chunks through the access layer (`RecordSource`, as the operator
`hoso-programmes`, audited) and replace the chunk's register rows in one transaction
(`RegisterSink`). The feed's cursor moves after the batch is stored: a crash before
replays it, and replaying an assessment is harmless (rows are replaced, not added).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from hoso.core import clock
from hoso.fhir.change_feed import Change, ConsumerCursor
from hoso.programmes.assess import Manual, Outcome, assess_record
from hoso.programmes.framework import Programme, Record
from hoso.programmes.rules import Rule
from hoso.programmes.wards import home_ward

__all__ = ["CONSUMER", "READ_TYPES", "Recompute", "RecordSource", "RegisterSink"]

log = logging.getLogger(__name__)
CONSUMER = "programme-enrolment"
LEASE_US = 60_000_000
# What any programme or cohort reads; a change to anything else cannot change a register.
READ_TYPES = ("Patient", "Condition", "Observation", "Immunization", "QuestionnaireResponse",
              "MedicationRequest", "MedicationStatement", "Encounter", "ServiceRequest",
              "AdverseEvent", "Procedure", "Flag")  # fmt: skip
# Observer of each stored chunk (the cohorts' daily snapshot): records, outcomes, day.
ChunkObserver = Callable[[Sequence[Record], Sequence[Outcome], date], None]


RawRecord = tuple[dict[str, Any], dict[str, list[Any]]]


class RecordSource(Protocol):
    """`hoso.access.programme_records.ProgrammeRecords`: residents' Patients with their
    resources by type."""

    def records(self, patient_ids: Sequence[str]) -> list[RawRecord]: ...
    def patient_pages(self, size: int) -> Iterator[list[dict[str, Any]]]: ...
    def with_patients(self, patients: Sequence[dict[str, Any]]) -> list[RawRecord]: ...


def as_records(raw: Sequence[RawRecord]) -> list[Record]:
    return [Record(patient, resources, home_ward(patient)) for patient, resources in raw]


class RegisterSink(Protocol):
    def manual(self, patient_ids: Sequence[str]) -> Manual: ...
    def replace(self, patient_ids: Sequence[str],
                enrolments: Sequence[Mapping[str, Any]],
                dues: Sequence[Mapping[str, Any]]) -> None: ...  # fmt: skip


@dataclass
class Recompute:
    source: RecordSource
    sink: RegisterSink
    programmes: Sequence[Programme]
    rules: Mapping[str, Rule]
    feed: ConsumerCursor | None = None
    observers: list[ChunkObserver] = field(default_factory=list)
    owner: str = CONSUMER
    batch_size: int = 500
    today: Callable[[], date] = clock.today_vn
    assessed: int = 0
    nightly: bool = False  # run() re-assesses everyone once a day (the server's worker)
    settle_seconds: float = 60.0  # the first nightly run waits this long after start

    def assess(self, records: Sequence[Record], asked: Sequence[str]) -> int:
        """Assess `records` and store the registers of every id in `asked` (an id
        without a record — a deleted Patient — loses its rows)."""
        day = self.today()
        manual = self.sink.manual(asked)
        now = clock.now_us()
        outcomes = [assess_record(r, day, self.programmes, self.rules, manual, now)
                    for r in records]  # fmt: skip
        self.sink.replace(asked,
                          [e for o in outcomes for e in o.enrolments],
                          [d for o in outcomes for d in o.dues])  # fmt: skip
        for observer in self.observers:
            observer(records, outcomes, day)
        self.assessed += len(records)
        return len(records)

    def patients(self, patient_ids: Sequence[str]) -> int:
        """Re-assess these residents now (a station's change, a test)."""
        ids = sorted(set(patient_ids))
        return self.assess(as_records(self.source.records(ids)), ids)

    def everyone(self, progress: Callable[[int], None] | None = None, chunk: int = 1000) -> int:
        """The nightly run: every resident, a chunk of Patients at a time. The next
        chunk's records are read (a thread waiting on the database) while this one is
        assessed and stored: a third of the run was waiting on those reads (py-spy,
        docs/performance.md)."""
        done = 0
        pending: tuple[Future[list[RawRecord]], list[dict[str, Any]]] | None = None
        with ThreadPoolExecutor(1, thread_name_prefix="programme-reads") as pool:
            for page in self.source.patient_pages(chunk):
                ahead = (pool.submit(self.source.with_patients, page), page)
                if pending is not None:
                    done += self._assess_page(*pending)
                    if progress:
                        progress(done)
                pending = ahead
            if pending is not None:
                done += self._assess_page(*pending)
                if progress:
                    progress(done)
        return done

    def _assess_page(self, read: Future[list[RawRecord]], page: list[dict[str, Any]]) -> int:
        return self.assess(as_records(read.result()), [str(p["id"]) for p in page])

    # -- the change feed -------------------------------------------------------------------
    def step(self) -> int:
        """One batch of the feed; how many changes it held."""
        assert self.feed is not None
        position = self.feed.lease(self.owner, LEASE_US)
        if position is None:
            return 0  # another worker holds the lease
        batch = self.feed.batch(position, self.batch_size, lambda _c: [], types=READ_TYPES)
        changes: list[Change] = list(batch.changes)
        if not changes:
            return 0
        ids = {c.id if c.resource_type == "Patient" else c.patient_id for c in changes}
        self.patients([i for i in ids if i])
        self.feed.advance(self.owner, changes[-1].position, lease_us=LEASE_US,
                          sent=len(changes), rate=0.0)  # fmt: skip
        return len(changes)

    def run(self, stop: threading.Event, *, until_idle: bool = False, idle: float = 1.0
            ) -> None:  # fmt: skip
        """Follow the feed; once per local day re-assess everyone, since due dates pass
        and ages are reached without a change — the first time `settle_seconds` after the
        server starts, so the run does not compete with its start."""
        nightly_on: date | None = None if self.nightly else self.today()
        started = time.monotonic()
        failures = 0
        while not stop.is_set():
            try:
                settled = time.monotonic() - started >= self.settle_seconds
                if settled and nightly_on != self.today():
                    nightly_on = self.today()
                    log.info("programmes: nightly run, %d residents", self.everyone())
                done = self.step()
                failures = 0
            except Exception as exc:
                if until_idle:
                    raise
                # A busy or restarting store is retried quietly; a failure that repeats
                # is logged whole (the traceback says what to fix).
                failures += 1
                if failures >= 3:
                    log.exception("programme enrolment: step failed %d times", failures)
                else:
                    log.warning("programme enrolment: step failed (%s: %s); retrying",
                                type(exc).__name__, str(exc)[:200])  # fmt: skip
                stop.wait(5.0)
                continue
            if done == 0:
                if until_idle:
                    return
                stop.wait(idle)
