"""The national sync: the change feed, in order, to the national health record database.

One worker holds the consumer's lease at a time (`hoso sync run`, or the thread inside
`hoso serve`); each step sends the changes after the cursor as one transaction Bundle
(`hoso.exchange.national_bundle`) and then moves the cursor, so a crash between the two
leaves the Bundle "in doubt": the next step asks the receiver what it already holds
and sends only the rest (`NationalClient.applied`). The receiver down or slow
(`Transient`): the same Bundle again after an exponential backoff with full jitter,
for as long as it takes. A refused Bundle (`Refused`): halved until the one change it
refuses is found, which is parked as a dead letter with the error; the rest go on.
`hoso sync retry` marks dead letters for another attempt, made with the resource's
current version.
"""

from __future__ import annotations

import logging
import os
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from hoso.exchange.national_bundle import Outgoing, plan_batch, references_of, transaction
from hoso.exchange.national_client import NationalClient, Refused, Transient
from hoso.fhir.change_feed import Change, DeadLetter, FeedStats

__all__ = ["CONSUMER", "Backoff", "FeedPort", "NationalSync", "SyncStalled", "worker_name"]

log = logging.getLogger(__name__)
CONSUMER = "national"
KNOWN_MAX = 200_000
_LOCATION = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/|$)")


class FeedPort(Protocol):
    """What the worker needs of the feed (`hoso.access.feed_access.ConsumerFeed`)."""

    def lease(self, owner: str, lease_us: int, *, from_head: bool = False,
              steal: str | None = None) -> int | None: ...  # fmt: skip
    def stats(self) -> FeedStats: ...
    def advance(self, owner: str, position: int, *, lease_us: int, sent: int, rate: float
                ) -> None: ...  # fmt: skip
    def release(self, owner: str) -> None: ...
    def note_failure(self, owner: str, error: str | None) -> None: ...
    def park(self, change: Change, error: str) -> None: ...
    def unpark(self, position: int) -> None: ...
    def dead_letters(self, *, status: str | None = None, limit: int = 100
                     ) -> list[DeadLetter]: ...  # fmt: skip
    def batch(self, position: int, limit: int, references: Callable[[Change], Sequence[str]]
              ) -> Batch: ...  # fmt: skip
    def current(self, keys: Sequence[tuple[str, str]],
                references: Callable[[Change], Sequence[str]]) -> Batch: ...  # fmt: skip
    def record_delivery(self, patients: Sequence[str], description: str) -> None: ...


class SyncStalled(RuntimeError):
    """`run(until_idle=True)` gave up after `max_failures` failed attempts in a row."""


class Batch(Protocol):
    changes: list[Change]
    targets: dict[tuple[str, str], Change]
    refusals: dict[str, set[str | None]]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def dead_local_worker(owner: str | None) -> bool:
    """Whether `owner` was a worker on this machine whose process is gone (killed
    without releasing its lease): its lease need not be waited out."""
    host, _, pid = (owner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with full jitter (a random wait up to base × 2^attempt,
    capped): many workers retrying at once do not return in step."""

    base: float = 0.5
    cap: float = 60.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.cap, self.base * 2 ** min(attempt, 30)))


@dataclass
class NationalSync:
    feed: FeedPort
    client: NationalClient
    cccd_system: str
    source_base: str  # our public FHIR base: meta.source of what we send
    batch_size: int = 200
    lease_seconds: float = 60.0
    idle_seconds: float = 1.0
    backoff: Backoff = Backoff()
    max_failures: int = 20  # in a row, before `run(until_idle=True)` gives up
    owner: str = ""

    def __post_init__(self) -> None:
        self.owner = self.owner or worker_name()
        self.in_doubt = True  # until a step of ours is known to have landed
        self.failures = 0
        self.sent = 0
        self.parked = 0
        self.rate = 0.0
        self._parked_now: set[int] = set()
        # Sync key URL → the receiver's `Type/id`, learnt from its answers (locations);
        # forgotten whenever it refuses anything, and when it grows past KNOWN_MAX.
        self.known: dict[str, str] = {}

    @property
    def _lease_us(self) -> int:
        return int(self.lease_seconds * 1_000_000)

    def run(self, stop: threading.Event, *, until_idle: bool = False) -> None:
        """Send until `stop` is set (or, with `until_idle`, until nothing is left)."""
        try:
            while not stop.is_set():
                try:
                    handled = self.step()
                except Transient as exc:
                    self._failed(str(exc))
                    if until_idle and self.failures >= self.max_failures:
                        raise SyncStalled(f"{self.failures} lần thất bại liên tiếp / failed "
                                          f"attempts in a row: {exc}") from exc  # fmt: skip
                    stop.wait(self.backoff.delay(self.failures))
                    continue
                except Exception:
                    if until_idle:
                        raise
                    # Our own store unreachable, the lease taken over: a worker inside
                    # `hoso serve` keeps trying (with backoff) rather than stop for good.
                    log.exception("national sync: step failed")
                    self.failures += 1
                    self.in_doubt = True
                    stop.wait(self.backoff.delay(self.failures))
                    continue
                if handled is None:  # another worker holds the lease
                    stop.wait(min(self.lease_seconds, 5.0))
                elif handled == 0:
                    if until_idle:
                        return
                    stop.wait(self.idle_seconds)
        finally:
            self.feed.release(self.owner)

    def step(self) -> int | None:
        """One Bundle: the number of changes handled, 0 when none wait, None when
        another worker holds the lease."""
        position = self.feed.lease(self.owner, self._lease_us)
        if position is None:
            holder = self.feed.stats().lease_owner
            if not dead_local_worker(holder):
                return None
            log.warning("national sync: taking over the lease of %s (gone)", holder)
            position = self.feed.lease(self.owner, self._lease_us, steal=holder)
            if position is None:
                return None
        if retried := self._redrive():
            return retried
        started = time.monotonic()
        batch = self.feed.batch(position, self.batch_size, references_of)
        if not batch.changes:
            return 0
        prefix = plan_batch(batch, self.cccd_system, self.source_base, self.known)
        context = replace_targets(batch, [o.change for o in prefix])
        changes = [o.change for o in prefix]
        if self.in_doubt:
            there = self.client.applied(prefix)
            changes = [c for c in changes if c.position not in there]
        self._deliver(changes, context)
        last = prefix[-1].change.position
        elapsed = max(time.monotonic() - started, 1e-6)
        self.rate = len(prefix) / elapsed if self.rate == 0 else (
            0.7 * self.rate + 0.3 * len(prefix) / elapsed)  # fmt: skip
        self.feed.advance(self.owner, last, lease_us=self._lease_us, sent=len(prefix),
                          rate=self.rate)  # fmt: skip
        self._delivered(prefix, last)
        return len(prefix)

    def _delivered(self, prefix: list[Outgoing], last: int) -> None:
        self.in_doubt, self.failures = False, 0
        self.sent += len(prefix)
        patients = [o.change.patient_id for o in prefix if o.entry and o.change.patient_id]
        self.feed.record_delivery(
            [p for p in patients if p is not None],
            f"national-sync: {len(prefix)} thay đổi đến vị trí / changes up to {last}")

    def _failed(self, error: str) -> None:
        self.failures += 1
        self.in_doubt = True  # a timeout may have landed: ask before sending again
        log.warning("national sync: attempt %d failed: %s", self.failures, error[:300])
        try:
            self.feed.note_failure(self.owner, error)
        except Exception:  # the store down too: the next attempt will say so
            log.exception("national sync: could not record the failure")

    # -- sending ----------------------------------------------------------------------
    def _deliver(self, changes: list[Change], context: Batch) -> None:
        done = 0
        while done < len(changes):
            outgoing = plan_batch(with_changes(context, changes[done:]), self.cccd_system,
                                  self.source_base, self.known)  # fmt: skip
            self._send(outgoing, context)
            done += len(outgoing)

    def _send(self, outgoing: list[Outgoing], context: Batch) -> None:
        entries = [o for o in outgoing if o.entry is not None]
        if not entries:
            return
        try:
            answer = self.client.post(transaction(outgoing))
        except Refused as exc:
            self.known.clear()
            if len(entries) == 1:
                log.warning("national sync: %s refused, parked: %s", entries[0].change.key, exc)
                self.feed.park(entries[0].change, str(exc))
                self._parked_now.add(entries[0].change.position)
                self.parked += 1
                return
            changes = [o.change for o in outgoing]
            half = len(changes) // 2
            self._deliver(changes[:half], context)
            self._deliver(changes[half:], context)
            return
        self._learn(entries, answer)

    def _learn(self, entries: list[Outgoing], answer: dict[str, Any]) -> None:
        """Where the receiver put what was sent by identifier (its `location`s)."""
        if len(self.known) > KNOWN_MAX:
            self.known.clear()
        for sent, got in zip(entries, answer.get("entry") or [], strict=False):
            location = str((got.get("response") or {}).get("location") or "")
            found = _LOCATION.search(location)  # relative or absolute, R4 allows both
            if sent.key.conditional and not sent.change.deleted and found:
                self.known[sent.key.url()] = f"{found.group(1)}/{found.group(2)}"

    def _redrive(self) -> int:
        """Dead letters an operator marked for retry, sent at their current version."""
        letters = self.feed.dead_letters(status="retry", limit=self.batch_size)
        if not letters:
            return 0
        keys = [(d.change.resource_type, d.change.id) for d in letters]
        current = self.feed.current(keys, references_of)
        by_key = {(c.resource_type, c.id): c for c in current.changes}
        changes = []
        for letter in letters:
            found = by_key.get((letter.change.resource_type, letter.change.id))
            if found is None:
                self.feed.unpark(letter.change.position)  # erased since: nothing to send
                continue
            changes.append(replace(found, position=letter.change.position))
        self._parked_now.clear()
        self._deliver(changes, replace_targets(current, changes))
        for change in changes:
            if change.position not in self._parked_now:
                self.feed.unpark(change.position)
        return len(letters)


@dataclass(frozen=True, slots=True)
class _Context:
    changes: list[Change]
    targets: dict[tuple[str, str], Change]
    refusals: dict[str, set[str | None]]


def replace_targets(batch: Batch, sent: list[Change]) -> Batch:
    """The batch's context for re-planning parts of it: the resources it points at,
    and the changes being sent as targets of one another."""
    targets = dict(batch.targets)
    targets.update({(c.resource_type, c.id): c for c in sent})
    return _Context([], targets, batch.refusals)


def with_changes(context: Batch, changes: list[Change]) -> Batch:
    return _Context(changes, context.targets, context.refusals)
