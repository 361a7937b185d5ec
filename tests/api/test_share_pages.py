"""The resident's share-link pages (issue 17 point 6) with plain HTML forms: the list and
its form, making a link (QR code and URL shown once), revoking it; CSRF and cross-site
posts refused; nobody else's book. (The headless-browser walk is written elsewhere.)"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi.testclient import TestClient

from tests.api.access_world import World

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _csrf(html: str, action: str) -> str:
    """The CSRF token of the form posting to `action`."""
    form = re.search(rf'action="{re.escape(action)}"[^>]*>\s*<input type="hidden" name="csrf" '
                     r'value="([^"]+)"', html)  # fmt: skip
    assert form, action
    return form.group(1)


def _page(world: World) -> str:
    return f"/book/{world.ids['p1']}/share"


def _make(resident: TestClient, world: World, fields: list[tuple[str, str]]) -> Any:
    listing = resident.get(_page(world)).text
    body = [("csrf", _csrf(listing, _page(world))), *fields]
    return resident.post(_page(world), content=urlencode(body), headers=FORM)


def _form_token(client: TestClient, purpose: str) -> str:
    """A form token as the page makes one for a bearer (HMAC keyed by the token's hash):
    a caller can always make their own, so it is no authority over a link."""
    key = hashlib.sha256(client.headers["authorization"].removeprefix("Bearer ").encode())
    mac = hmac.new(key.digest(), f"hoso-form:{purpose}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def test_the_list_page_offers_the_form_with_safe_defaults(world: World) -> None:
    page = world.resident("p1").get(_page(world))
    assert page.status_code == 200, page.text
    html = page.text
    assert "Chia sẻ sổ sức khỏe" in html and 'id="no-links"' in html
    assert html.count('type="checkbox" name="section"') == 10
    assert '<option value="24" selected>24 giờ</option>' in html
    assert re.search(r'id="include-sensitive"(?![^>]*checked)', html)
    assert "<script" not in html
    assert f'href="/book/{world.ids["p1"]}/share"' in html  # the book's own navigation


def test_make_open_and_revoke_through_the_forms(world: World) -> None:
    resident = world.resident("p1")
    made = _make(resident, world, [("section", "results"), ("section", "conditions"),
                                   ("hours", "72")])  # fmt: skip
    assert made.status_code == 200, made.text
    assert '<figure id="qr"><svg' in made.text
    url = re.search(r'id="share-url" type="text" readonly value="([^"]+)"', made.text).group(1)
    path = urlsplit(url).path
    assert f'id="share-open" href="{path}"' in made.text
    with TestClient(world.app, raise_server_exceptions=False) as stranger:
        assert stranger.get(path).status_code == 200
    listing = resident.get(_page(world)).text
    row = re.search(r'<tr id="link-(\d+)">(.*?)</tr>', listing, re.S)
    assert row is not None
    number, cells = row.group(1), row.group(2)
    assert re.search(r'class="n opened"[^>]*>1<', cells)
    assert re.search(r'class="expires">\d\d/\d\d/\d{4} \d\d:\d\d<', cells)
    assert "Kết quả đo" in cells and "Tiêm chủng" not in cells
    # The URL is shown once: the list never has it.
    assert url not in listing and "share-url" not in listing

    action = f"{_page(world)}/{number}/revoke"
    revoked = resident.post(action, content=f"csrf={_csrf(listing, action)}", headers=FORM,
                            follow_redirects=False)  # fmt: skip
    assert revoked.status_code == 303 and revoked.headers["location"] == _page(world)
    assert 'id="no-links"' in resident.get(_page(world)).text
    with TestClient(world.app, raise_server_exceptions=False) as stranger:
        assert stranger.get(path).status_code == 410


def test_forms_refuse_a_bad_token_another_site_and_no_section(world: World) -> None:
    resident = world.resident("p1")
    forged = resident.post(_page(world), content="csrf=forged&section=results", headers=FORM)
    assert forged.status_code == 403
    token = _csrf(resident.get(_page(world)).text, _page(world))
    cross = resident.post(_page(world), content=f"csrf={token}&section=results",
                          headers={**FORM, "Origin": "https://evil.example"})  # fmt: skip
    assert cross.status_code == 403
    assert _make(resident, world, [("hours", "24")]).status_code == 400
    assert _make(resident, world, [("section", "results"), ("hours", "500")]).status_code == 400
    assert 'id="no-links"' in resident.get(_page(world)).text  # nothing was made


def test_nobody_else_sees_or_changes_the_share_page(world: World) -> None:
    assert world.resident("p2").get(_page(world)).status_code == 404
    assert world.clinician().get(_page(world)).status_code == 403
    resident = world.resident("p1")
    made = _make(resident, world, [("section", "results")])
    assert made.status_code == 200
    number = re.search(r'<tr id="link-(\d+)">', made.text).group(1)
    # p2, with valid form tokens of their own, posts p1's link number to p1's page and
    # to their own: neither is theirs (404), and the link stays.
    other = world.resident("p2")
    for book in (world.ids["p1"], world.ids["p2"]):
        token = _form_token(other, f"share-revoke:{book}:{number}")
        answer = other.post(f"/book/{book}/share/{number}/revoke", content=f"csrf={token}",
                            headers=FORM)  # fmt: skip
        assert answer.status_code == 404, answer.text
    assert re.search(rf'<tr id="link-{number}">', resident.get(_page(world)).text)
