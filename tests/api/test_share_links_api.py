"""Share links of the health book (issue 17 point 6), for apps and for whoever opens one:
made, listed, opened (counted, audited as "share link N"), revoked and expired (410),
guessed (404); nobody else's book; sensitive items only when the resident included them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from hoso.core import clock, jsonx
from hoso.store import schema
from hoso.store.share_schema import share_link
from hoso.store.sql_store import SqlStore
from tests.api.access_world import World


def _links_url(world: World, key: str = "p1") -> str:
    return f"/api/health-book/{world.ids[key]}/share-links"


def _make(client: TestClient, world: World, key: str = "p1", **body: Any) -> Any:
    return client.post(_links_url(world, key), json=body)


def _token(url: str) -> str:
    return url.rsplit("/share/", 1)[1]


def _open(world: World, url: str) -> Any:
    """Open a link as a stranger would: no account, no header of ours."""
    with TestClient(world.app, raise_server_exceptions=False) as stranger:
        return stranger.get(f"/share/{_token(url)}")


def _events(store: SqlStore) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(schema.audit_event).order_by(schema.audit_event.c.seq))
        return [jsonx.loads(row.content) for row in rows]


def _who(event: dict[str, Any]) -> str:
    return str(event["agent"][0]["who"]["identifier"]["value"])


def test_a_resident_makes_lists_opens_and_revokes_a_link(world: World, store: SqlStore) -> None:
    resident = world.resident("p1")
    made = _make(resident, world, sections=["conditions", "results"])
    assert made.status_code == 201, made.text
    link = made.json()
    assert link["url"].startswith("http") and "/share/" in link["url"]
    assert link["qr_svg"].startswith("<svg") and "<script" not in link["qr_svg"]
    assert link["sections"] == ["conditions", "results"] and link["opened_count"] == 0
    expires = datetime.fromisoformat(link["expires_at"].replace("Z", "+00:00"))
    hours = (expires - clock.now()).total_seconds() / 3600
    assert 23.9 < hours <= 24  # the default

    first, second = _open(world, link["url"]), _open(world, link["url"])
    assert first.status_code == second.status_code == 200, first.text
    assert first.headers["cache-control"] == "no-store"
    assert first.headers["referrer-policy"] == "no-referrer"
    assert "noindex" in first.headers["x-robots-tag"]
    assert "131 mm[Hg]" in first.text and "20/11/2026" not in first.text  # no episodes
    listed = resident.get(_links_url(world)).json()["links"]
    assert [(x["id"], x["opened_count"]) for x in listed] == [(link["id"], 2)]

    gone = resident.delete(f"{_links_url(world)}/{link['id']}")
    assert gone.status_code == 204
    assert _open(world, link["url"]).status_code == 410
    assert resident.get(_links_url(world)).json()["links"] == []
    # The secret is nowhere in the database, only its digest.
    with store.engine.connect() as conn:
        stored = [str(v) for v in conn.execute(sa.select(share_link)).one()]
    assert not any(_token(link["url"]) in v for v in stored)


def test_each_open_is_audited_as_the_share_link(world: World, store: SqlStore) -> None:
    link = _make(world.resident("p1"), world).json()
    assert _open(world, link["url"]).status_code == 200
    name = f"share link {link['id']}"
    reads = [e for e in _events(store) if _who(e) == name]
    assert reads and all(e["action"] == "R" and e["outcome"] == "0" for e in reads)
    assert any({"reference": f"Patient/{world.ids['p1']}"} in [x["what"] for x in e["entity"]]
               for e in reads)  # fmt: skip
    made = [e for e in _events(store) if e["subtype"][0]["code"] == "share-link"
            and e["action"] == "C"]  # fmt: skip
    assert len(made) == 1 and _who(made[0]) == "account:p1"
    assert made[0]["outcomeDesc"].startswith(name + ":")
    # The resident sees who read their record in their own access log.
    log = world.resident("p1").get(f"/fhir/Patient/{world.ids['p1']}/$access-log")
    assert log.status_code == 200 and name in log.text


def test_an_expired_link_answers_410(world: World, store: SqlStore) -> None:
    link = _make(world.resident("p1"), world, hours=1).json()
    with store.engine.begin() as conn:
        conn.execute(sa.update(share_link).values(expires_at=clock.now_us() - 1))
    gone = _open(world, link["url"])
    assert gone.status_code == 410 and "hết hạn" in gone.text
    assert gone.headers["cache-control"] == "no-store"
    refused = [e for e in _events(store) if _who(e) == f"share link {link['id']}"]
    assert [(e["outcome"], e["outcomeDesc"]) for e in refused] == [("4", "410 ResourceGone")]
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(share_link.c.opened_count)).scalar_one() == 0


def test_a_guessed_or_malformed_token_is_a_missing_page(world: World) -> None:
    link = _make(world.resident("p1"), world).json()
    real = _token(link["url"])
    guessed = real[:-1] + ("A" if real[-1] != "A" else "B")
    with TestClient(world.app, raise_server_exceptions=False) as stranger:
        for token in (guessed, "x", "A" * 43, "é" * 43, "a" * 5000, "../" * 20 + "etc"):
            answer = stranger.get(f"/share/{token}")
            assert answer.status_code == 404, (token[:20], answer.status_code)
            assert "131" not in answer.text
        # A NUL never reaches the handler: the server's URL guard refuses it first.
        assert stranger.get("/share/" + "%00" * 43).status_code == 400


def test_sections_filter_the_book(world: World) -> None:
    link = _make(world.resident("p1"), world, sections=["administrative"]).json()
    page = _open(world, link["url"])
    assert page.status_code == 200
    assert "Thông tin hành chính" in page.text and "Trần" in page.text
    assert "131 mm[Hg]" not in page.text and "Các lần khám" not in page.text
    for bad in (["nothing-like-it"], [], "conditions", [1], ["conditions"] * 2 + ["x"]):
        refused = _make(world.resident("p1"), world, sections=bad)
        assert refused.status_code == 400, (bad, refused.text)


def test_hiv_is_hidden_unless_the_resident_includes_it(world: World) -> None:
    resident = world.resident("p1")
    plain = _make(resident, world, sections=["conditions"]).json()
    shown = _make(resident, world, sections=["conditions"], include_sensitive=True).json()
    hidden_page, shown_page = _open(world, plain["url"]), _open(world, shown["url"])
    assert hidden_page.status_code == shown_page.status_code == 200
    assert "B20" not in hidden_page.text and "HIV" not in hidden_page.text
    assert "B20" in shown_page.text and "Bệnh viện Quận 3" in shown_page.text  # its facility
    # The resident's own book still shows it.
    own = resident.get(f"/api/health-book/{world.ids['p1']}").text
    assert world.ids["hivB1"] in own


@pytest.mark.parametrize("hours", [0, 169, 24 * 30, -1, "abc", 1.5, True, None])
def test_a_link_lasts_one_hour_to_seven_days(world: World, hours: Any) -> None:
    answer = _make(world.resident("p1"), world, hours=hours)
    assert answer.status_code == 400, answer.text
    assert _make(world.resident("p1"), world, hours=168).status_code == 201


def test_nobody_else_makes_lists_or_revokes_links_of_a_book(world: World) -> None:
    link = _make(world.resident("p1"), world).json()
    stranger = world.resident("p2")
    url = _links_url(world)
    assert _make(stranger, world).status_code == 404
    assert stranger.get(url).status_code == 404
    assert stranger.delete(f"{url}/{link['id']}").status_code == 404
    # Their own book's URL with another book's link number is no way round it either.
    assert stranger.delete(f"{_links_url(world, 'p2')}/{link['id']}").status_code == 404
    for number in ("999999", "abc", "1" * 40):
        assert world.resident("p1").delete(f"{url}/{number}").status_code == 404
    clinician = world.clinician()
    assert _make(clinician, world).status_code == 403
    assert clinician.get(url).status_code == 403
    assert clinician.delete(f"{url}/{link['id']}").status_code == 403
    assert _open(world, link["url"]).status_code == 200  # still in force


def test_a_guardian_shares_their_childs_book(world: World) -> None:
    mother = world.resident("p1")
    link = _make(mother, world, "child", sections=["results"])
    assert link.status_code == 201, link.text
    page = _open(world, link.json()["url"])
    assert page.status_code == 200 and "98 cm" in page.text
    assert _make(world.resident("p2"), world, "child").status_code == 404


def test_a_link_reads_but_never_writes(world: World) -> None:
    """The share principal's view is one record; its role may not write (policy)."""
    from hoso.access import policy
    from hoso.access.share_links import share_principal
    from hoso.core.errors import Forbidden
    from hoso.store.share_links import ShareLinkRow

    row = ShareLinkRow(id=7, patient_id=world.ids["p1"], sections=("results",),
                       include_sensitive=False, created_by="account:p1", created_at=0,
                       expires_at=clock.now_us() + 10**9, revoked_at=None, opened_count=0,
                       last_opened_at=None)  # fmt: skip
    principal = share_principal(row)
    assert principal.agent == "share link 7"
    with pytest.raises(Forbidden):
        policy.authorize(principal, "Observation", "c")
    view = policy.visibility_for(principal, now_us=0, care_window_days=30)
    assert view.within_patients == frozenset({world.ids["p1"]}) and "HIV" in view.hidden_labels


def test_the_sections_offered_are_the_books(world: World) -> None:
    """The chooser's keys and names (`hoso.healthbook.sharing`) are the book's own."""
    from hoso.healthbook.sharing import SECTION_TITLES, SECTIONS

    book = world.resident("p1").get(f"/api/health-book/{world.ids['p1']}").json()
    keys = ["administrative", *(s["key"] for s in book["history"]), "episodes", "papers"]
    assert tuple(keys) == SECTIONS
    titles = {s["key"]: s["title"] for s in [*book["history"], book["episodes"], book["papers"]]}
    titles["administrative"] = book["administrative"]["title"]
    assert titles == {k: vi for k, (vi, _en) in SECTION_TITLES.items()}


def test_the_shared_page_is_vietnamese_first_and_english_on_its_switch(world: World) -> None:
    link = _make(world.resident("p1"), world, sections=["allergies"]).json()
    path = f"/share/{_token(link['url'])}"
    with TestClient(world.app, raise_server_exceptions=False) as stranger:
        vi = stranger.get(path, headers={"Accept-Language": "en-US,en"}).text
        en = stranger.get(path, params={"lang": "en"}).text
    assert '<html lang="vi">' in vi and "Chưa có thông tin" in vi
    assert '<html lang="en">' in en and "Nothing recorded yet" in en
    assert 'href="?lang=en"' in vi
