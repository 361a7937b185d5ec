"""A consumer of the change feed's Appointment versions (issue 21 point 5): the
reminders (`booking-reminders`) and the waitlist (`booking-waitlist`) each keep their
own cursor, so each stops, restarts and catches up on its own without losing or
repeating a change (docs ARCHITECTURE "The change feed": nothing polls the tables for
what is new).

One worker holds a consumer's lease at a time (`owner` names the server process, so
two processes never read one batch together). The cursor moves after the batch is
handled; a crash before that replays the batch, which the handlers make harmless (the
outbox's `dedupe_key`, the waitlist's conditional state changes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hoso.core import jsonx
from hoso.fhir.change_feed import Change, ConsumerCursor

__all__ = ["AppointmentFeed", "AppointmentVersion", "versions_of"]

LEASE_US = 60_000_000
TYPES = ("Appointment",)


@dataclass(frozen=True, slots=True)
class AppointmentVersion:
    """One Appointment version as the feed committed it."""

    appointment: dict[str, Any]
    deleted: bool
    committed_us: int

    @property
    def status(self) -> str:
        return "deleted" if self.deleted else str(self.appointment.get("status") or "")


def versions_of(changes: Sequence[Change]) -> list[AppointmentVersion]:
    return [AppointmentVersion(dict(jsonx.loads(c.content)), c.deleted, c.committed_us)
            for c in changes if c.content]  # fmt: skip


class Feed(ConsumerCursor, Protocol):
    def release(self, owner: str) -> None: ...


@dataclass
class AppointmentFeed:
    feed: Feed
    handle: Callable[[list[AppointmentVersion]], None]
    owner: str
    batch_size: int = 200

    def step(self) -> int:
        """One batch: how many changes it held (0: none, or another worker's lease)."""
        position = self.feed.lease(self.owner, LEASE_US)
        if position is None:
            return 0
        batch = self.feed.batch(position, self.batch_size, lambda _c: [], types=TYPES)
        changes: list[Change] = list(batch.changes)
        if not changes:
            return 0
        self.handle(versions_of(changes))
        self.feed.advance(self.owner, changes[-1].position, lease_us=LEASE_US,
                          sent=len(changes), rate=0.0)  # fmt: skip
        return len(changes)

    def drain(self) -> int:
        """Batches until the feed is read, then the lease is let go (another server
        process may take the next turn at once); how many changes in all."""
        total = 0
        try:
            while done := self.step():
                total += done
        finally:
            self.feed.release(self.owner)
        return total
