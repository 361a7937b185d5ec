"""The calling order at a room (issue 21 point 3), pure: which arrived ticket is called
next under the N:1 booked/walk-in rule, and the waiting-room board. No SQL, no door:
`hoso.booking.queue` calls it inside its transactions, the display's route over the
public numbers. The reading of the rule is in docs/booking-queue.md.

The rule is configurable per room: a `Location` carrying the extension
`queue-booked-per-walkin` (valueUnsignedInt) calls that many booked tickets per walk-in;
a room without it uses `QueueRules.booked_per_walkin` (HOUSE: 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from hoso.booking.appointment import queue_label
from hoso.booking.model import BASE

__all__ = [
    "BOOKED",
    "QUEUE_RULE",
    "WALK_IN",
    "QueueBoard",
    "QueueRules",
    "board_of",
    "called_kinds",
    "calling_order",
    "next_to_call",
    "rules_for_room",
]

BOOKED, WALK_IN = "booked", "walk-in"
QUEUE_RULE = BASE + "queue-booked-per-walkin"
MAX_RATIO = 20  # more booked per walk-in than this is a typo, not a rule


@dataclass(frozen=True, slots=True)
class QueueRules:
    booked_per_walkin: int = 2  # HOUSE: two booked, then one walk-in
    board_next: int = 5  # how many coming numbers the display shows


@dataclass(frozen=True, slots=True)
class QueueBoard:
    """What the waiting-room display shows: numbers only, never who holds them."""

    service_point: str
    day: str
    calling: str | None  # the number called last
    recent: list[str]  # the numbers called before it (most recent first)
    coming: list[str]  # the next numbers, in the order the rule will call them
    waiting: int  # arrived and not yet called

    def to_json(self) -> dict[str, Any]:
        return {"service_point": self.service_point, "day": self.day, "calling": self.calling,
                "recent": self.recent, "next": self.coming, "waiting": self.waiting}  # fmt: skip


def next_to_call(arrived: Sequence[Any], called_kinds: Sequence[str],
                 booked_per_walkin: int) -> Any | None:  # fmt: skip
    """The ticket to call next among `arrived` (objects with `kind` and `number`), given
    the kinds already called today in calling order."""
    if not arrived:
        return None
    if booked_per_walkin <= 0:
        return min(arrived, key=lambda t: t.number)
    booked = sorted((t for t in arrived if t.kind == BOOKED), key=lambda t: t.number)
    walk_ins = sorted((t for t in arrived if t.kind != BOOKED), key=lambda t: t.number)
    streak = 0  # booked tickets called since the last walk-in
    for kind in reversed(called_kinds):
        if kind != BOOKED:
            break
        streak += 1
    if booked and (streak < booked_per_walkin or not walk_ins):
        return booked[0]
    return walk_ins[0] if walk_ins else booked[0]


def calling_order(arrived: Sequence[Any], called_kinds: Sequence[str], booked_per_walkin: int,
                  limit: int) -> list[Any]:  # fmt: skip
    """The next `limit` tickets in the order the rule will call them (nobody new arriving)."""
    left, kinds, out = list(arrived), list(called_kinds), []
    while left and len(out) < limit:
        chosen = next_to_call(left, kinds, booked_per_walkin)
        out.append(chosen)
        left.remove(chosen)
        kinds.append(chosen.kind)
    return out


def called_kinds(tickets: Sequence[Any]) -> list[str]:
    called = sorted((t for t in tickets if t.called_us is not None), key=lambda t: t.called_us)
    return [t.kind for t in called]


def board_of(service_point: str, day: str, tickets: Sequence[Any], rules: QueueRules
             ) -> QueueBoard:  # fmt: skip
    """The display's board from the room's tickets of the day (any rows with `number`,
    `kind`, `state`, `called_us`): numbers only."""
    called = sorted((t for t in tickets if t.state == "called"),
                    key=lambda t: (t.called_us or 0, t.number), reverse=True)  # fmt: skip
    arrived = [t for t in tickets if t.state == "arrived"]
    coming = calling_order(arrived, called_kinds(tickets), rules.booked_per_walkin,
                           rules.board_next)  # fmt: skip
    return QueueBoard(service_point, day, queue_label(called[0].number) if called else None,
                      [queue_label(t.number) for t in called[1:4]],
                      [queue_label(t.number) for t in coming], len(arrived))  # fmt: skip


def rules_for_room(extensions: Sequence[Any], default: QueueRules) -> QueueRules:
    """`default` with the room's own ratio when its Location's `extension` list carries
    a sane one (0…MAX_RATIO); anything else is ignored, the default stands."""
    for ext in extensions:
        if isinstance(ext, dict) and ext.get("url") == QUEUE_RULE:
            value = ext.get("valueUnsignedInt")
            if type(value) is int and 0 <= value <= MAX_RATIO:
                return replace(default, booked_per_walkin=value)
    return default
