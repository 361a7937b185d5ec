"""`GET /api/health-book/{id}` (issue 17 points 1–2, first part): the four groups with
counts, each item with its facility and date, ICD-10 names in the reader's language,
empty sections that say so, ETag/304, and nobody else's book."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hoso.core import clock
from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from tests.api.access_world import World, create
from tests.builders.clinical import observation
from tests.builders.patient import patient


def _book(client: TestClient, patient_id: str, **headers: str) -> Any:
    return client.get(f"/api/health-book/{patient_id}", headers=headers)


def _history(book: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["key"]: s for s in book["history"]}


def test_the_resident_reads_every_group_of_their_book(world: World) -> None:
    answer = _book(world.resident("p1"), world.ids["p1"])
    assert answer.status_code == 200, answer.text
    book = answer.json()
    assert book["administrative"]["birth_date"] and book["administrative"]["name"]
    history = _history(book)
    assert set(history) == {"allergies", "conditions", "procedures", "family", "risk_factors",
                            "vaccinations", "results"}  # fmt: skip
    [reading] = history["results"]["items"]  # a blood pressure taken outside an episode
    assert reading["reference"] == f"Observation/{world.ids['obsA1']}"
    assert reading["value"] == "131 mm[Hg]" and reading["facility"] == "79001"
    [hiv] = [i for i in history["conditions"]["items"]
             if i["reference"] == f"Condition/{world.ids['hivB1']}"]  # fmt: skip
    assert hiv["title"].startswith("B20 Bệnh") and hiv["facility"] == "79002" and hiv["date"]
    assert history["allergies"]["count"] == 0
    assert history["allergies"]["empty"] == "Chưa có thông tin"
    episodes = book["episodes"]
    assert episodes["count"] == 2 and {e["title"] for e in episodes["items"]} == {"Ngoại trú"}
    assert {e["facility"] for e in episodes["items"]} == {"79001", "79002"}
    assert book["papers"]["empty"] == "Chưa có thông tin"


def test_english_when_asked(world: World) -> None:
    book = _book(world.resident("p1"), world.ids["p1"], **{"Accept-Language": "en-GB,en"})
    assert book.headers["content-language"] == "en"
    history = _history(book.json())
    assert history["allergies"]["title"] == "Allergies"
    assert history["allergies"]["empty"] == "Nothing recorded yet"
    titles = [i["title"] for i in history["conditions"]["items"]]
    assert any(t.startswith("B20 ") and "HIV" in t for t in titles)


def test_a_phone_revalidates_with_its_etag(world: World, client: TestClient) -> None:
    resident = world.resident("p1")
    first = _book(resident, world.ids["p1"])
    etag = first.headers["etag"]
    again = _book(resident, world.ids["p1"], **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    create(client, observation(world.ids["p1"], value=128))
    changed = _book(resident, world.ids["p1"], **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_nobody_reads_another_book(world: World) -> None:
    resident = world.resident("p1")
    other, missing = _book(resident, world.ids["p2"]), _book(resident, "khong-co-ai")
    assert other.status_code == missing.status_code == 404
    assert other.json()["issue"][0]["code"] == missing.json()["issue"][0]["code"]
    # The book is the resident's: other roles are refused whoever's record it is.
    for caller in (world.facility("79001"), world.clinician(), world.as_role("officer")):
        refused = _book(caller, world.ids["p1"])
        assert refused.status_code == 403 and world.ids["hivB1"] not in refused.text


def test_a_guardian_reads_their_childs_book(world: World) -> None:
    """p1 is the child's mother (a RelatedPerson with her CCCD): she switches to the
    child's book with her own token; the child's is not p2's."""
    mother = world.resident("p1")
    child = _book(mother, world.ids["child"])
    assert child.status_code == 200, child.text
    [height] = _history(child.json())["results"]["items"]
    assert height["reference"] == f"Observation/{world.ids['obsChild']}"
    assert _book(world.resident("p2"), world.ids["child"]).status_code == 404


def test_an_app_syncs_only_what_changed(world: World, client: TestClient) -> None:
    resident = world.resident("p1")
    first = resident.get(f"/api/health-book/{world.ids['p1']}/changes")
    assert first.status_code == 200, first.text
    everything = first.json()
    assert f"Condition/{world.ids['hivB1']}" in {c["reference"] for c in everything["changes"]}
    assert all(c["reference"] != f"Observation/{world.ids['obsB2']}"  # p2's
               for c in everything["changes"])  # fmt: skip
    new = create(client, observation(world.ids["p1"], value=140))
    later = resident.get(f"/api/health-book/{world.ids['p1']}/changes",
                         params={"since": everything["next"]}).json()  # fmt: skip
    assert [c["reference"] for c in later["changes"]] == [f"Observation/{new}"]
    assert later["next"] > everything["next"]
    client.delete(f"/fhir/Observation/{new}")
    gone = resident.get(f"/api/health-book/{world.ids['p1']}/changes",
                        params={"since": later["next"]}).json()  # fmt: skip
    assert [(c["reference"], c["deleted"]) for c in gone["changes"]] == [
        (f"Observation/{new}", True)]


def test_changes_refuse_bad_positions_and_strangers(world: World) -> None:
    resident = world.resident("p1")
    for params in ({"since": "-1"}, {"since": "x"}, {"limit": "0"}, {"limit": "5000"},
                   {"since": "9" * 40}):  # fmt: skip
        answer = resident.get(f"/api/health-book/{world.ids['p1']}/changes", params=params)
        assert answer.status_code == 400, (params, answer.text)
    other = resident.get(f"/api/health-book/{world.ids['p2']}/changes")
    missing = resident.get("/api/health-book/khong-co-ai/changes")
    assert other.status_code == missing.status_code == 404
    assert world.facility("79002").get(
        f"/api/health-book/{world.ids['p2']}/changes").status_code == 403


def test_the_summary_previews_and_the_sections_page(world: World, client: TestClient) -> None:
    """The summary holds each section's count and its newest items; the rest comes a
    page at a time, `next` pointing at the following page until the last."""
    resident, pid = world.resident("p1"), world.ids["p1"]
    made = [create(client, observation(pid, value=100 + i)) for i in range(7)]
    results = _history(_book(resident, pid).json())["results"]
    assert results["count"] == 8 and len(results["items"]) == 5 and results["more"] is True
    seen, offset = [], 0
    while offset is not None:
        page = resident.get(f"/api/health-book/{pid}/sections/results",
                            params={"offset": offset, "count": 3})  # fmt: skip
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["count"] == 8 and len(body["items"]) <= 3
        seen += [i["reference"] for i in body["items"]]
        offset = body.get("next")
    assert len(seen) == 8 and set(seen) >= {f"Observation/{i}" for i in made}
    for params in ({"offset": "-1"}, {"count": "0"}, {"count": "101"}, {"offset": "x"}):
        bad = resident.get(f"/api/health-book/{pid}/sections/results", params=params)
        assert bad.status_code == 400, params
    assert resident.get(f"/api/health-book/{pid}/sections/secrets").status_code == 400
    stranger = resident.get(f"/api/health-book/{world.ids['p2']}/sections/results")
    assert stranger.status_code == 404


def test_an_episode_whole_and_nobody_elses(world: World) -> None:
    resident, pid = world.resident("p1"), world.ids["p1"]
    listed = resident.get(f"/api/health-book/{pid}/sections/episodes").json()
    heading = next(e for e in listed["items"] if e["reference"].endswith(world.ids["encA1"]))
    assert set(heading["counts"]) == {"diagnoses", "results", "medications", "procedures"}
    whole = resident.get(f"/api/health-book/{pid}/episodes/{world.ids['encA1']}")
    assert whole.status_code == 200, whole.text
    assert whole.json()["facility"] == "79001" and whole.json()["title"] == "Ngoại trú"
    assert whole.headers["etag"]
    # p2's episode under p1's book, p1's episode under p2's book, a made-up one: alike.
    answers = [resident.get(f"/api/health-book/{pid}/episodes/{world.ids['encB2']}"),
               resident.get(f"/api/health-book/{world.ids['p2']}/episodes/{world.ids['encA1']}"),
               resident.get(f"/api/health-book/{pid}/episodes/khong-co")]  # fmt: skip
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert len({a.json()["issue"][0]["code"] for a in answers}) == 1


def test_a_guardian_lists_the_books_they_may_open(world: World) -> None:
    mother = world.resident("p1").get("/api/health-book")
    assert mother.status_code == 200, mother.text
    books = mother.json()["books"]
    assert [b["id"] for b in books] == [world.ids["p1"], world.ids["child"]]
    assert books[1]["birth_date"] == "2020-06-01" and books[1]["name"].startswith("Trần")
    assert [b["id"] for b in world.resident("p2").get("/api/health-book").json()["books"]] == [
        world.ids["p2"]]
    assert world.clinician().get("/api/health-book").status_code == 403


def test_a_babys_book_lists_the_next_doses_of_the_schedule(world: World,
                                                          client: TestClient) -> None:  # fmt: skip
    """Ten days old: BCG is due (the schedule's first month); once given it is no longer
    listed, and the vaccination names what it protects against."""
    born = (clock.now().astimezone(clock.VN_TZ).date() - timedelta(days=10)).isoformat()
    baby = create(client, patient(cccd=None, family="Trần", given=("Bé", "Hai"),
                                  birth_date=born))  # fmt: skip
    create(client, {"resourceType": "RelatedPerson", "patient": {"reference": f"Patient/{baby}"},
                    "identifier": [{"system": DEFAULT_CCCD_SYSTEM, "value": "079090001234"}],
                    "relationship": [{"coding": [{"code": "MTH", "system":
                                      "http://terminology.hl7.org/CodeSystem/v3-RoleCode"}]}]})
    world.app.state.principals.forget()  # the mother's children are cached for a minute
    mother = world.resident("p1")
    due = _history(_book(mother, baby).json())["vaccinations"]["next_due"]
    [bcg] = [d for d in due if d["antigen"] == "Lao (BCG)"]
    assert bcg["code"] in ("due", "overdue") and bcg["status"] and bcg["due"] >= born
    create(client, {"resourceType": "Immunization", "status": "completed",
                    "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx",
                                                "code": "19"}]},
                    "patient": {"reference": f"Patient/{baby}"},
                    "occurrenceDateTime": born})  # fmt: skip
    vaccinations = _history(_book(mother, baby).json())["vaccinations"]
    assert "Lao (BCG)" not in {d["antigen"] for d in vaccinations["next_due"]}
    assert vaccinations["items"][0]["antigens"] == ["Lao (BCG)"]
    english = _history(_book(mother, baby, **{"Accept-Language": "en"}).json())
    assert all(d["status"] in ("Due now", "Overdue, catch up", "Upcoming")
               for d in english["vaccinations"]["next_due"])  # fmt: skip


@pytest.mark.backend_independent
def test_the_app_api_is_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/health-book", "/api/health-book/{patient_id}",
                 "/api/health-book/{patient_id}/sections/{key}",
                 "/api/health-book/{patient_id}/episodes/{encounter_id}",
                 "/api/health-book/{patient_id}/changes",
                 "/api/health-book/{patient_id}/share-links"):  # fmt: skip
        assert "get" in paths[path] and paths[path]["get"].get("description"), path
