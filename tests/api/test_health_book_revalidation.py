"""A phone's revalidation of its health book (issue 17 point 7): answered 304 (or the
same bytes) from the record's state without building the book again, and never for a
record that changed since (a new resource, a deletion, a resource moved to another
resident); the kept bytes stay within their budget."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hoso.api import health_book_routes
from hoso.api.book_etags import BuiltBooks
from hoso.core import clock
from tests.api.access_world import World, create
from tests.builders.clinical import observation


def _get(client: TestClient, patient_id: str, etag: str | None = None) -> Any:
    headers = {"If-None-Match": etag} if etag else {}
    return client.get(f"/api/health-book/{patient_id}", headers=headers)


def test_a_current_copy_is_not_built_again(world: World, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:  # fmt: skip
    resident, me = world.resident("p1"), world.ids["p1"]
    etag = _get(resident, me).headers["etag"]
    built: list[str] = []
    real = health_book_routes.health_book
    monkeypatch.setattr(health_book_routes, "health_book",
                        lambda repo, pid, lang, *more: built.append(pid)
                        or real(repo, pid, lang, *more))  # fmt: skip
    again = _get(resident, me, etag)
    assert again.status_code == 304 and again.headers["etag"] == etag and built == []
    whole = _get(resident, me)
    assert whole.status_code == 200 and whole.headers["etag"] == etag and built == []
    # Another language is another book.
    english = resident.get(f"/api/health-book/{me}", headers={"If-None-Match": etag,
                                                              "Accept-Language": "en"})
    assert english.status_code == 200 and built == [me]
    # Tomorrow is another book too: the schedule's due doses move with the day.
    now = clock.now()
    monkeypatch.setattr(clock, "now", lambda: now + timedelta(days=1))
    tomorrow = _get(resident, me, etag)
    assert tomorrow.status_code == 304 and built == [me, me]  # rebuilt, and the same bytes


def test_every_change_to_the_record_is_a_new_book(world: World, client: TestClient) -> None:
    resident, me = world.resident("p1"), world.ids["p1"]
    etag = _get(resident, me).headers["etag"]
    added = create(client, observation(me, value=133))
    after_add = _get(resident, me, etag)
    assert after_add.status_code == 200 and added in after_add.text
    etag = after_add.headers["etag"]
    assert client.delete(f"/fhir/Observation/{added}").status_code in (200, 204)
    after_delete = _get(resident, me, etag)
    assert after_delete.status_code == 200 and added not in after_delete.text
    etag = after_delete.headers["etag"]
    moved = create(client, observation(me, value=120))
    etag = _get(resident, me).headers["etag"]
    body = client.get(f"/fhir/Observation/{moved}").json()
    body["subject"] = {"reference": f"Patient/{world.ids['p2']}"}
    assert client.put(f"/fhir/Observation/{moved}", json=body,
                      headers={"Content-Type": "application/fhir+json"}).status_code == 200
    after_move = _get(resident, me, etag)
    assert after_move.status_code == 200 and moved not in after_move.text


def test_strangers_get_no_304_even_with_the_etag(world: World) -> None:
    etag = _get(world.resident("p1"), world.ids["p1"]).headers["etag"]
    assert _get(world.resident("p2"), world.ids["p1"], etag).status_code == 404
    assert _get(world.facility("79001"), world.ids["p1"], etag).status_code == 403


def test_kept_books_stay_within_their_budget() -> None:
    books = BuiltBooks(budget_bytes=10, etags=3)
    for k in range(5):
        books.put(k, f"e{k}", b"x" * 4)
    assert [books.body(k) is not None for k in range(5)] == [False] * 3 + [True] * 2
    assert [books.etag(k) for k in range(5)] == [None, None, "e2", "e3", "e4"]
    books.put("big", "eb", b"x" * 11)  # larger than the budget: its ETag only
    assert books.etag("big") == "eb" and books.body("big") is None and books.body(4)
    assert BuiltBooks(budget_bytes=0).body("k") is None
