"""The change feed through the access layer: a consumer's calls, decided and audited.

Consumers are the server's own jobs (the national sync, subscriptions), run by the
operator's principal (`hoso sync run`, the worker inside `hoso serve`); no other role
reaches the feed. Reading a batch is a read of every record in it: one audit entry per
batch names the residents whose records were read, so a resident's access log shows
the sync; the feed's own bookkeeping (leases, cursors, dead letters) is not a record
and is not audited. Consent: `refusals` gives, per resident, the categories they
refused to share for a purpose (`hoso.fhir.consent_rules.NATIONAL_SHARING`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.audit_record import EXECUTE, READ
from hoso.core import clock
from hoso.fhir.change_feed import Change, DeadLetter, FeedStats
from hoso.fhir.store import Session

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["FEED_READERS", "ConsumerFeed", "FeedBatch"]

FEED_READERS = (roles.OPERATOR,)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class FeedBatch:
    changes: list[Change]
    # The current version of every resource the batch's resources point at (a relative
    # reference), so the consumer can name it the way the receiver knows it.
    targets: dict[tuple[str, str], Change] = field(default_factory=dict)
    # Per resident in the batch: refused categories (None: everything) for the purpose.
    refusals: dict[str, set[str | None]] = field(default_factory=dict)


class ConsumerFeed:
    def __init__(self, repo: AccessRepository, consumer: str, *, purpose: str | None = None
                 ) -> None:  # fmt: skip
        self.repo, self.consumer, self.purpose = repo, consumer, purpose

    def _run(self, fn: Callable[[Session], T], *, write: bool = True) -> T:
        role = self.repo.principal.role
        if role not in FEED_READERS:
            raise policy.denied(role, "đọc luồng thay đổi / read the change feed")
        with self.repo.session(write=write) as s:
            return fn(s)

    # -- bookkeeping ----------------------------------------------------------------------
    def lease(self, owner: str, lease_us: int, *, from_head: bool = False,
              steal: str | None = None) -> int | None:  # fmt: skip
        return self._run(lambda s: s.feed.lease(self.consumer, owner, clock.now_us(), lease_us,
                                                from_head=from_head, steal=steal))  # fmt: skip

    def advance(self, owner: str, position: int, *, lease_us: int, sent: int, rate: float
                ) -> None:  # fmt: skip
        self._run(lambda s: s.feed.advance(self.consumer, owner, position, now_us=clock.now_us(),
                                           lease_us=lease_us, sent=sent, rate=rate))  # fmt: skip

    def release(self, owner: str) -> None:
        self._run(lambda s: s.feed.release(self.consumer, owner))

    def note_failure(self, owner: str, error: str | None) -> None:
        self._run(lambda s: s.feed.note_failure(self.consumer, owner, error))

    def park(self, change: Change, error: str) -> None:
        self._run(lambda s: s.feed.park(self.consumer, change, error, clock.now_us()))

    def unpark(self, position: int) -> None:
        self._run(lambda s: s.feed.unpark(self.consumer, position))

    def dead_letters(self, *, status: str | None = None, limit: int = 100) -> list[DeadLetter]:
        return self._run(lambda s: s.feed.dead_letters(self.consumer, status=status, limit=limit),
                         write=False)  # fmt: skip

    def mark_retry(self, positions: Sequence[int] | None) -> int:
        return self._run(lambda s: s.feed.mark_retry(self.consumer, positions))

    def stats(self) -> FeedStats:
        return self._run(lambda s: s.feed.stats(self.consumer), write=False)

    # -- the records ----------------------------------------------------------------------
    def batch(self, position: int, limit: int, references: Callable[[Change], Sequence[str]],
              types: Sequence[str] | None = None) -> FeedBatch:  # fmt: skip
        """The changes after `position` (of `types`, or all), the resources they point at
        (`references` gives a change's relative references) and their residents'
        refusals; audited."""
        return self._read(lambda s: s.feed.changes_after(position, limit, types=types),
                          references)  # fmt: skip

    def current(self, keys: Sequence[tuple[str, str]],
                references: Callable[[Change], Sequence[str]]) -> FeedBatch:  # fmt: skip
        """The current versions of `keys` as a batch (re-driving dead letters); audited."""
        return self._read(lambda s: list(s.feed.latest(keys).values()), references)

    def _read(self, fetch: Callable[[Session], list[Change]],
              references: Callable[[Change], Sequence[str]]) -> FeedBatch:  # fmt: skip
        def run(s: Session) -> FeedBatch:
            changes = fetch(s)
            wanted = {tuple(ref.split("/", 1)) for c in changes for ref in references(c)}
            known = {(c.resource_type, c.id) for c in changes}
            targets = s.feed.latest([k for k in wanted if k not in known])  # type: ignore[misc]
            patients = sorted({c.patient_id for c in changes if c.patient_id})
            refusals = (s.access.consent_refusals(patients, self.purpose, clock.now_us())
                        if self.purpose and patients else {})  # fmt: skip
            return FeedBatch(changes, targets, refusals)

        batch = self.repo.guarded(READ, "change-feed", f"feed:{self.consumer}",
                                  lambda: self._run(run, write=False))  # fmt: skip
        if batch.changes:
            patients = sorted({c.patient_id for c in batch.changes if c.patient_id})
            first, last = batch.changes[0].position, batch.changes[-1].position
            self.repo.audit(READ, "change-feed", patients=patients,
                            entities=(f"feed:{self.consumer}",),
                            description=f"{self.consumer}: {len(batch.changes)} thay đổi / "
                                        f"changes {first}–{last}")  # fmt: skip
        return batch

    def record_delivery(self, patients: Sequence[str], description: str) -> None:
        """Audit what left the building (the national sync's sent batch)."""
        self.repo.audit(EXECUTE, "disclose", patients=sorted(set(patients)),
                        entities=(f"feed:{self.consumer}",), description=description)
