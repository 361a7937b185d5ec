"""The calling rule and the board, pure: N booked then one walk-in, each by number, the
room never idling; the board's numbers in the order the rule will call them; a room's
own ratio from its Location, a typo ignored."""

from __future__ import annotations

from types import SimpleNamespace

from hoso.booking.calling import QUEUE_RULE, QueueRules, board_of, next_to_call, rules_for_room

ROOM = "room-79001"


def test_next_to_call_rule_by_itself() -> None:
    def t(kind: str, number: int) -> SimpleNamespace:
        return SimpleNamespace(kind=kind, number=number)

    arrived = [t("walk-in", 1), t("booked", 5), t("booked", 3), t("walk-in", 4)]
    assert next_to_call(arrived, [], 2).number == 3
    assert next_to_call(arrived, ["booked", "booked"], 2).number == 1
    assert next_to_call(arrived, ["booked", "walk-in", "booked"], 2).number == 3
    assert next_to_call(arrived, ["booked"], 0).number == 1  # strictly by number
    assert next_to_call([t("booked", 9)], ["booked", "booked"], 2).number == 9
    assert next_to_call([], [], 2) is None


def test_board_shows_numbers_in_calling_order() -> None:
    def t(number: int, kind: str, state: str, called: int | None = None) -> SimpleNamespace:
        return SimpleNamespace(number=number, kind=kind, state=state, called_us=called)

    tickets = [t(1, "booked", "done", 10), t(2, "booked", "called", 20),
               t(3, "booked", "arrived"), t(4, "walk-in", "arrived"), t(5, "booked", "arrived"),
               t(6, "booked", "waiting"), t(7, "walk-in", "called", 30)]  # fmt: skip
    board = board_of(ROOM, "2026-12-08", tickets, QueueRules())
    assert board.calling == "007" and board.recent == ["002"]
    # Called so far: B, B, W → the next are B, B, then the walk-in.
    assert board.coming == ["003", "005", "004"] and board.waiting == 3


def test_a_rooms_ratio_and_a_typo() -> None:
    own = rules_for_room([{"url": QUEUE_RULE, "valueUnsignedInt": 1}], QueueRules())
    assert own.booked_per_walkin == 1 and own.board_next == QueueRules().board_next
    assert rules_for_room([{"url": QUEUE_RULE, "valueUnsignedInt": 99}], QueueRules()) == \
        QueueRules()  # a typo is ignored  # fmt: skip
    assert rules_for_room([{"url": QUEUE_RULE, "valueUnsignedInt": "2"}], QueueRules()) == \
        QueueRules()  # fmt: skip
