"""A person logging in to the pages as a browser would, over a Starlette TestClient or
an httpx client: `/login` → the login form → `/login/callback` → the page asked for."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def _local(location: str) -> str:
    """A redirect's path and query (the test client keeps its own host)."""
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def log_in_to_pages(
    http: Any, username: str, password: str, totp: str | None = None, *, next_path: str = "/"
) -> Any:
    """Log in through the form; returns the callback's answer (a 303 to `next_path`
    carrying the session cookie). `http` must not follow redirects."""
    start = http.get("/login", params={"next": next_path})
    assert start.status_code == 303, start.text
    form_page = http.get(_local(start.headers["location"]))
    assert form_page.status_code == 200, form_page.text
    found = _CSRF_FIELD.search(form_page.text)
    assert found is not None
    fields = {"csrf_token": found.group(1), "username": username, "password": password}
    if totp is not None:
        fields["totp"] = totp
    approved = http.post("/auth/authorize", data=fields)
    assert approved.status_code == 303, approved.text
    return http.get(_local(approved.headers["location"]))


def form_field(html: str, name: str) -> str:
    """The value of the first hidden input called `name` on a page."""
    found = re.search(rf'name="{re.escape(name)}" value="([^"]+)"', html)
    assert found is not None, f"no {name} field"
    return found.group(1)
