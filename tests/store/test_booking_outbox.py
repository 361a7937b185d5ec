"""The outbox and waitlist SQL of `SqlBookingTables` on SQLite and PostgreSQL: a
dedupe key the database refuses twice, due messages settled once, a waitlist matched
in the order residents joined."""

from __future__ import annotations

from hoso.booking.sender import Message
from hoso.store.sql_store import SqlStore

NOW = 1_800_000_000_000_000


def _message(key: str, due: int, appointment: str = "a1", kind: str = "reminder") -> Message:
    return Message(kind, "0912345678", f"nội dung {key}", "p1", appointment, due, key)


def test_enqueue_skips_a_known_dedupe_key(store: SqlStore) -> None:
    with store.unit_of_work() as s:
        first = s.booking.enqueue([_message("k1", NOW), _message("k2", NOW + 10)], NOW)
    with store.unit_of_work() as s:
        again = s.booking.enqueue([_message("k1", NOW), _message("k3", NOW + 5)], NOW)
        rows = s.booking.outbox(appointment_id="a1")
    assert (first, again) == (2, 1)
    assert sorted(r.dedupe_key for r in rows) == ["k1", "k2", "k3"]
    assert {r.status for r in rows} == {"pending"} and {r.created_us for r in rows} == {NOW}


def test_due_messages_are_settled_once_and_voided_by_appointment(store: SqlStore) -> None:
    with store.unit_of_work() as s:
        s.booking.enqueue([_message("k1", NOW), _message("k2", NOW + 10),
                           _message("k3", NOW + 20, "a2"),
                           _message("o1", NOW + 30, kind="offer")], NOW)  # fmt: skip
    with store.unit_of_work() as s:
        due = s.booking.due_messages(NOW + 10, 10)
        assert [r.dedupe_key for r in due] == ["k1", "k2"]
        assert s.booking.mark_sent(due[0].id, NOW + 11)
        assert not s.booking.mark_sent(due[0].id, NOW + 12)  # sent already
        assert s.booking.mark_failed(due[1].id, NOW + 11)
    with store.unit_of_work() as s:
        assert s.booking.due_messages(NOW + 10, 10) == []
        assert s.booking.void_for("a1") == 0  # only pending reminders are voided
        assert s.booking.void_for("a2") == 1
        statuses = {r.dedupe_key: (r.status, r.sent_us) for r in s.booking.outbox()}
    assert statuses == {"k1": ("sent", NOW + 11), "k2": ("failed", NOW + 11),
                        "k3": ("void", None), "o1": ("pending", None)}  # fmt: skip


def test_first_waiting_follows_join_order_facility_and_days(store: SqlStore) -> None:
    def join(patient: str, facility: str | None, first: str, last: str) -> int:
        return s.booking.join_waitlist(patient_id=patient, service_type="kham-noi",
                                       facility=facility, from_day=first, to_day=last,
                                       phone="0912345678", now_us=NOW)  # fmt: skip

    with store.unit_of_work() as s:
        elsewhere = join("p1", "79002", "2027-01-01", "2027-01-31")
        any_place = join("p2", None, "2027-01-10", "2027-01-12")
        here = join("p3", "79001", "2027-01-01", "2027-01-31")
        found = s.booking.first_waiting(service_type="kham-noi", facility="79001",
                                        day="2027-01-11")  # fmt: skip
        assert found is not None and found.id == any_place
        nxt = s.booking.first_waiting(service_type="kham-noi", facility="79001",
                                      day="2027-01-11", after_id=any_place)  # fmt: skip
        assert nxt is not None and nxt.id == here
        outside = s.booking.first_waiting(service_type="kham-noi", facility="79001",
                                          day="2027-01-20")  # fmt: skip
        assert outside is not None and outside.id == here
        assert s.booking.offer_seat(here, "appt-1", NOW + 900)
        assert not s.booking.offer_seat(here, "appt-2", NOW + 900)  # offered already
        assert s.booking.waitlist_offer_of("appt-1").id == here  # type: ignore[union-attr]
        assert [e.id for e in s.booking.lapsed_offers(NOW + 900)] == [here]
        assert s.booking.lapsed_offers(NOW + 899) == []
        assert s.booking.close_past_waits("2027-01-13") == 1  # p2's days are over
        states = {e.id: e.state for e in s.booking.waitlist_entries()}
    assert states == {elsewhere: "waiting", any_place: "expired", here: "offered"}
