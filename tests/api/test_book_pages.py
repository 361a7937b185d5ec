"""`/book/` (issue 17 point 4) as HTML, through the same access layer as the API: the
resident's sections with their counts, a guardian's switch between books, paging, one
episode, charts drawn on the server, and nobody else's book (the browser run is
tests/api/test_book_browser.py)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api.access_world import World, create
from tests.builders.clinical import observation

HTML = {"Accept": "text/html"}


def _page(client: TestClient, path: str) -> tuple[int, str]:
    answer = client.get(path, headers=HTML, follow_redirects=False)
    return answer.status_code, answer.text


def test_the_resident_sees_every_section_with_its_count(world: World, client: TestClient
                                                        ) -> None:  # fmt: skip
    for kg, day in ((61.5, "2024-05-01"), (63.0, "2025-05-01")):
        create(client, observation(world.ids["p1"], loinc="29463-7", value=kg, unit="kg",
                                   when=f"{day}T08:00:00+07:00"))  # fmt: skip
    status, html = _page(world.resident("p1"), f"/book/{world.ids['p1']}")
    assert status == 200, html
    assert '<html lang="vi">' in html and "Sổ sức khỏe điện tử" in html
    for section in ("allergies", "conditions", "procedures", "family", "risk_factors",
                    "vaccinations", "results", "episodes", "papers"):  # fmt: skip
        assert f'id="section-{section}"' in html, section
    # Two episodes (79001 and 79002), one reading outside them, the HIV diagnosis (hers).
    assert re.search(r'id="h-episodes">[^<]*<span class="count">\(2\)', html)
    assert "B20 Bệnh" in html and "Chưa có thông tin" in html
    assert "Bệnh viện Quận 1" in html  # the facility by its name, not only its code
    # Weight over time drawn on the server (no script), its values also as a table.
    assert 'id="chart-weight"' in html and "<script" not in html
    assert "<td class=\"n\">61,5</td>" in html and "01/05/2024" in html


def test_a_guardian_switches_to_the_childs_book(world: World) -> None:
    mother = world.resident("p1")
    status, html = _page(mother, "/book")
    assert status == 200 and f"/book/{world.ids['child']}" in html
    status, html = _page(mother, f"/book/{world.ids['child']}")
    assert status == 200 and "Xem sổ của" in html
    # The child's height, charted (6 years old: past the WHO 0–5 curves, tested in
    # tests/healthbook/test_charts.py).
    assert 'id="chart-height"' in html and 'id="chart-growth_height"' not in html
    alone = world.resident("p2").get("/book", headers=HTML, follow_redirects=False)
    assert alone.status_code == 303 and alone.headers["location"].endswith(
        f"/book/{world.ids['p2']}")


def test_sections_page_and_an_episode_opens(world: World, client: TestClient) -> None:
    pid, resident = world.ids["p1"], world.resident("p1")
    for i in range(22):
        create(client, observation(pid, value=100 + i, when=f"2024-01-{i + 1:02d}T08:00:00+07:00"))
    status, first = _page(resident, f"/book/{pid}/sections/results")
    assert status == 200 and 'id="next-page"' in first and first.count("<li>") == 20
    status, second = _page(resident, f"/book/{pid}/sections/results?offset=20")
    assert status == 200 and 'id="next-page"' not in second and second.count("<li>") == 3
    status, episode = _page(resident, f"/book/{pid}/episodes/{world.ids['encA1']}")
    assert status == 200 and "Chẩn đoán" in episode and "Bệnh viện Quận 1" in episode
    status, chart = _page(resident, f"/book/{pid}")
    assert 'id="chart-blood_pressure"' not in chart  # systolic alone is no pressure
    assert status == 200


def test_nobody_opens_another_book(world: World) -> None:
    resident, p1, p2 = world.resident("p1"), world.ids["p1"], world.ids["p2"]
    books = [f"/book/{p2}", "/book/khong-co-ai", f"/book/{p2}/sections/results",
             f"/book/{p2}/episodes/{world.ids['encB2']}"]  # fmt: skip
    episodes = [f"/book/{p1}/episodes/{world.ids['encB2']}", f"/book/{p1}/episodes/khong-co"]
    asked = "|".join([p2, "khong-co-ai", world.ids["encB2"], "khong-co"])
    for group in (books, episodes):
        answers = [_page(resident, path) for path in group]
        assert [status for status, _ in answers] == [404] * len(group)
        # The same page whatever was asked (another's, hidden, missing), but for the id.
        shown = {re.sub(asked, "ID", html) for _, html in answers}
        assert len(shown) == 1 and "Không tìm thấy" in shown.pop()
    status, html = _page(world.clinician(), f"/book/{world.ids['p1']}")
    assert status == 403 and "B20" not in html
    assert _page(resident, f"/book/{world.ids['p1']}/sections/results?offset=-3")[0] == 400
    assert _page(resident, f"/book/{world.ids['p1']}/sections/nope")[0] == 400
