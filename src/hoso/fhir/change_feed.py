"""The change feed's contract: every committed write, in commit order, for consumers.

Every unit of work that writes appends one `Change` per resource version it stored, in
the same transaction, numbered in commit order (`position`). A consumer (the national
sync, a facility's Subscription, and later case detection, programmes, the warehouse)
keeps its own cursor: it reads what follows the cursor, handles it, and moves the
cursor, so it can stop, crash and resume without losing or repeating a change. The
cursor is leased to one worker at a time (`lease`), so two workers never send the same
change, and a worker killed without a word loses its lease when the lease runs out.
A change that fails for good is parked as a dead letter with its last error, so that it
does not block the rest, until an operator re-drives it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["Change", "ChangeFeed", "ConsumerCursor", "DeadLetter", "FeedStats", "LeaseLost"]


class LeaseLost(RuntimeError):
    """Another worker took this consumer's lease (ours ran out): stop without moving
    the cursor; the new holder resumes from it."""


@dataclass(frozen=True, slots=True)
class Change:
    position: int
    resource_type: str
    id: str
    version: int
    deleted: bool
    patient_id: str | None
    committed_us: int  # the version's lastUpdated, µs since the epoch
    content: str | None = None  # that version as stored (canonical JSON)

    @property
    def key(self) -> str:
        return f"{self.resource_type}/{self.id}"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    consumer: str
    change: Change
    attempts: int
    error: str
    first_failed_us: int
    last_failed_us: int
    status: str  # dead | retry (an operator asked for another attempt)


@dataclass(frozen=True, slots=True)
class FeedStats:
    consumer: str
    head: int  # the last position written
    position: int  # the consumer's cursor
    pending: int  # changes after the cursor
    oldest_pending_us: int | None  # when the oldest of them was committed
    dead_letters: int
    sent: int  # changes handled since the consumer began
    rate: float  # changes per second over the worker's last batches
    failures: int  # consecutive failed attempts (0: healthy)
    last_error: str | None
    lease_owner: str | None
    lease_until_us: int | None


class ChangeFeed(Protocol):
    """The feed on one unit of work (`Session.feed`)."""

    def lease(self, consumer: str, owner: str, now_us: int, lease_us: int, *,
              from_head: bool = False, steal: str | None = None) -> int | None:  # fmt: skip
        """Take or renew `consumer`'s lease for `owner` until now + `lease_us` and give
        the cursor; None while another owner's lease runs (unless that owner is
        `steal`: a worker known to be dead). A new consumer starts at the beginning of
        the feed, or at its head with `from_head`."""
        ...

    def advance(self, consumer: str, owner: str, position: int, *, now_us: int,
                lease_us: int, sent: int, rate: float) -> None:  # fmt: skip
        """Move the cursor to `position` (renewing the lease); `LeaseLost` if `owner`
        no longer holds it."""
        ...

    def release(self, consumer: str, owner: str) -> None: ...

    def note_failure(self, consumer: str, owner: str, error: str | None) -> None:
        """Record a failed attempt (None: healthy again) for `status`."""
        ...

    def changes_after(self, position: int, limit: int, *,
                      types: Sequence[str] | None = None) -> list[Change]:  # fmt: skip
        """Up to `limit` changes after `position`, in order, each with its content."""
        ...

    def for_patient(self, patient_id: str, after: int, limit: int) -> list[Change]:
        """One resident's changes after `after`, in order, without content."""
        ...

    def latest(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Change]:
        """The current version of each (type, id) as a change (position 0), with content
        (a deleted one's: the version before the deletion, as in `changes_after`)."""
        ...

    def park(self, consumer: str, change: Change, error: str, now_us: int) -> None: ...

    def dead_letters(self, consumer: str, *, status: str | None = None,
                     limit: int = 100) -> list[DeadLetter]:  # fmt: skip
        ...

    def mark_retry(self, consumer: str, positions: Sequence[int] | None) -> int:
        """Ask for another attempt at these dead letters (None: all); how many."""
        ...

    def unpark(self, consumer: str, position: int) -> None: ...

    def stats(self, consumer: str) -> FeedStats: ...


class ConsumerCursor(Protocol):
    """One consumer's view of the feed (`hoso.access.feed_access.ConsumerFeed`), as the
    workers that react to changes use it (case detection, programme enrolment)."""

    def lease(self, owner: str, lease_us: int, *, from_head: bool = False,
              steal: str | None = None) -> int | None: ...  # fmt: skip
    def batch(self, position: int, limit: int, references: Callable[[Change], Sequence[str]],
              types: Sequence[str] | None = None) -> Any: ...  # fmt: skip
    def advance(self, owner: str, position: int, *, lease_us: int, sent: int, rate: float
                ) -> None: ...  # fmt: skip
