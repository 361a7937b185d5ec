"""The real server's logs hold method, path and status, never a CCCD, a name or a note.

`hoso serve` runs as shipped (its logging setup, uvicorn, the app's own access log) and
receives requests that carry a synthetic resident's CCCD, Vietnamese name and clinical
note in query strings, bodies, headers and broken requests. Everything the process
writes (stdout and stderr: every logger and uvicorn's own messages) is then searched
for those strings, in plain, case-folded, diacritic-folded and percent-encoded forms.

The assertions are on the logs only, never on business status codes: today the record
endpoints answer anonymous callers; once they require a bearer token they answer 401,
and a refused request is as good a hygiene case as a served one. Either way the test
holds. The one status it asserts is 429 from the rate limiter, which refuses anonymous
bursts whether or not tokens are required.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import httpx
import pytest

from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from hoso.core.text import fold

pytestmark = [pytest.mark.live, pytest.mark.backend_independent]  # logs, not storage

# Synthetic resident: the number, name and note are invented for this test.
CCCD = "079189006543"
FAMILY, GIVEN = "Phạm", "Thị Thu Trang"
NAME = f"{FAMILY} {GIVEN}"
NOTE = "Sốt xuất huyết ngày thứ ba, chấm xuất huyết dưới da"
# A second resident seen only in URL paths (client-chosen ids, mistaken reads).
PATH_CCCD = "079189006544"
PATH_NAME = "Huỳnh Bảo Ngọc"

BURST = 40  # the limiter's burst for this server: the last requests meet a 429
JSON_HEADERS = {"Content-Type": "application/fhir+json"}


COMMON_WORDS = {"thị", "thi", "ngày", "ngay", "thứ", "thu", "ba", "da"}


def _forms(*secrets: str) -> set[str]:
    """Each secret, and each distinctive word of it, as typed, folded, and as a URL,
    a logged bytes object (Ph\\xe1\\xba\\xa1m) or a JSON string (Ph\\u1ea1m) spells it."""
    texts: set[str] = set()
    for secret in secrets:
        for variant in (secret, fold(secret), secret.casefold()):
            texts.add(variant)
            texts |= {w for w in variant.split() if w.casefold() not in COMMON_WORDS}
    out: set[str] = set()
    for text in texts:
        out |= {text, quote(text), quote(text, safe="").lower()}
        out.add(repr(text.encode())[2:-1])
        out.add(json.dumps(text)[1:-1])
    return {s for s in out if len(s) >= 4}


def _leaks(output: str, *secrets: str) -> list[str]:
    """The forms found in `output`; a word counts only as a whole word ("trang" is in
    "strange"), a number anywhere (a CCCD glued to other text is still a CCCD)."""
    folded = output.casefold()
    found = []
    for form in _forms(*secrets):
        text = re.escape(form.casefold())
        pattern = text if form.isdigit() else rf"(?<![^\W_]){text}(?![^\W_])"
        if re.search(pattern, folded):
            found.append(form)
    return sorted(found)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(database_url: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`hoso serve` with a small body limit and burst, so 413 and 429 are reachable."""
    port = _free_port()
    env = {
        **os.environ,
        "HOSO_DATABASE_URL": database_url,
        "HOSO_BASE_URL": f"http://127.0.0.1:{port}",
        "HOSO_MAX_BODY_BYTES": "4096",
        "HOSO_RATE_LIMIT_PER_MINUTE": "60",
        "HOSO_RATE_LIMIT_BURST": str(BURST),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "hoso.cli", "serve", "--port", str(port), "--no-demo-data"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):  # any HTTP answer means it is up (metadata may need no token)
            try:
                httpx.get(f"{base}/fhir/metadata", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("server did not start")
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


def _operator_authorization(base: str, database_url: str) -> dict[str, str]:
    """`hoso token` on the server's machine, as an operator would get one."""
    result = subprocess.run(
        [sys.executable, "-m", "hoso.cli", "token", "--scope", "system/*.*",
         "--database-url", database_url, "--audience", f"{base}/fhir"],
        capture_output=True, text=True, check=True, env={**os.environ, "HOSO_BASE_URL": base},
    )  # fmt: skip
    return {"Authorization": f"Bearer {result.stdout.strip().splitlines()[-1]}"}


def _logs(process: subprocess.Popen[bytes]) -> str:
    process.terminate()
    return process.communicate(timeout=10)[0].decode("utf-8", errors="replace")


def _patient() -> dict:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": DEFAULT_CCCD_SYSTEM, "value": CCCD}],
        "name": [{"family": FAMILY, "given": GIVEN.split(), "text": NAME}],
        "gender": "female",
        "birthDate": "1989-07-14",
        "text": {
            "status": "generated",
            "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{NAME}: {NOTE}</div>',
        },
    }


def _observation(subject: str) -> dict:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": NOTE},
        "subject": {"reference": subject, "display": NAME},
        "valueString": NOTE,
        "note": [{"text": f"{NOTE} ({NAME}, CCCD {CCCD})"}],
    }


def _raw(base: str, payload: bytes) -> None:
    """A request no HTTP parser accepts; uvicorn answers 400 and logs a warning."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(payload)
        with contextlib.suppress(OSError):
            conn.recv(1024)


def _send_everything(base: str, auth: dict[str, str]) -> None:
    """Served, refused and malformed requests, each carrying the resident's data; with
    `auth` they reach the handlers, without it they stop at the token check."""
    fhir = f"{base}/fhir"
    identifier = f"{DEFAULT_CCCD_SYSTEM}|{CCCD}"
    # No keep-alive: after a 500 the server drops the connection, which must not make
    # the next request fail on the client side.
    c = httpx.Client(timeout=10, headers=auth, limits=httpx.Limits(max_keepalive_connections=0))
    created = c.post(f"{fhir}/Patient", json=_patient(), headers=JSON_HEADERS)
    # The server's id when the write was allowed; never a CCCD in a path (see the last test).
    subject = f"Patient/{created.json()['id']}" if created.status_code == 201 else "Patient/x"
    c.post(f"{fhir}/Observation", json=_observation(subject), headers=JSON_HEADERS)
    # Query strings: search by name, by CCCD, by note; bad values that errors echo.
    c.get(f"{fhir}/Patient", params={"name": NAME, "identifier": identifier})
    c.get(f"{fhir}/Patient", params={"name": fold(NAME), "birthdate": f"ge{NAME}"})
    c.get(f"{fhir}/Observation", params={"_content": NOTE, "value-string": NOTE})
    c.get(f"{fhir}/Patient", params={"_count": CCCD + NAME, "_sort": NOTE})
    c.get(f"{fhir}/Patient", params={f"{NAME}": CCCD})  # unknown parameter named like a person
    c.post(
        f"{fhir}/Patient/_search",
        content=f"name={quote(NAME)}&identifier={quote(identifier)}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    # Bodies that fail: broken JSON, wrong media type, wrong type, bad patch, bad bundle.
    broken = json.dumps(_patient(), ensure_ascii=False)[:-7].encode()
    c.post(f"{fhir}/Patient", content=broken, headers=JSON_HEADERS)
    c.post(f"{fhir}/Patient", content=NAME.encode(), headers={"Content-Type": "text/plain"})
    c.post(f"{fhir}/Observation", json=_patient(), headers=JSON_HEADERS)
    c.put(f"{fhir}/Patient", params={"identifier": identifier}, json=[NAME, NOTE])
    c.patch(
        f"{fhir}/{subject}",
        json=[{"op": "replace", "path": "/name/0/text", "value": NOTE}, {"op": CCCD}],
        headers={"Content-Type": "application/json-patch+json"},
    )
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": _patient(), "request": {"method": "PUT", "url": f"Patient?{NAME}"}},
            {"resource": _observation(f"Patient/{CCCD}"), "request": {"method": "POST"}},
        ],
    }
    c.post(fhir, json=bundle, headers=JSON_HEADERS)
    c.post(fhir, json={"resourceType": "Bundle", "type": [NAME, CCCD]}, headers=JSON_HEADERS)
    # The same CCCD again, one by one and racing: the unique index's error (PostgreSQL
    # puts the duplicate key in its message) must become a 409, not a logged traceback.
    c.post(f"{fhir}/Patient", json=_patient(), headers=JSON_HEADERS)
    with ThreadPoolExecutor(max_workers=6) as pool:
        racers = [{**_patient(), "birthDate": f"1989-07-{day:02d}"} for day in range(1, 7)]
        list(pool.map(lambda body: c.post(f"{fhir}/Patient", json=body), racers))
    c.post(f"{fhir}/Patient/$validate", json=_observation(NAME), headers=JSON_HEADERS)
    big = {**_patient(), "extension": [{"url": "urn:x", "valueString": NOTE * 100}]}
    c.post(f"{fhir}/Patient", json=big, headers=JSON_HEADERS)  # over the 4 KiB limit: 413
    # Credentials that are not tokens, and a login-style form.
    c.get(f"{fhir}/Patient", headers={"Authorization": f"Bearer {CCCD}.{fold(NAME)}"})
    c.post(f"{base}/auth/token", data={"username": CCCD, "password": NAME})
    # Requests no HTTP parser accepts.
    _raw(base, f"GET /fhir/Patient?name={NAME} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    _raw(base, f"BROKEN {CCCD} {NOTE}\r\n\r\n".encode())
    _raw(base, b"POST /fhir/Patient HTTP/1.1\r\nContent-Length: x" + CCCD.encode() + b"\r\n\r\n")
    c.close()


def _burst(base: str) -> None:
    """Anonymous requests past the limiter: the 429 lines must be as clean as the others."""
    with httpx.Client(timeout=10) as c:
        for _ in range(BURST):
            c.get(f"{base}/fhir/Patient", params={"identifier": f"{DEFAULT_CCCD_SYSTEM}|{CCCD}"})


def test_logs_hold_request_lines_but_no_resident_data(
    served: tuple[str, subprocess.Popen[bytes]], database_url: str
) -> None:
    base, process = served
    _send_everything(base, _operator_authorization(base, database_url))
    _send_everything(base, {})
    _burst(base)
    output = _logs(process)
    leaked = _leaks(output, CCCD, NAME, NOTE)
    assert leaked == [], f"resident data in the logs: {leaked}"
    # The access log still tells an operator what happened.
    for line in (
        "POST /fhir/Patient ",
        "GET /fhir/Patient ",
        "POST /fhir ",
        "GET /fhir/Patient 429",
    ):
        assert line in output, line


def test_ids_in_url_paths_do_not_reach_the_logs(
    served: tuple[str, subprocess.Popen[bytes]], database_url: str
) -> None:
    base, process = served
    fhir = f"{base}/fhir"
    for auth in (_operator_authorization(base, database_url), {}):
        with httpx.Client(timeout=10, headers=auth) as c:
            c.get(f"{fhir}/Patient/{PATH_CCCD}")
            c.get(f"{fhir}/Patient/{PATH_CCCD}/$everything")
            c.get(f"{fhir}/Patient/{PATH_CCCD}/_history/1")
            c.put(f"{fhir}/Patient/{PATH_CCCD}", json={"resourceType": "Patient"})
            c.delete(f"{fhir}/Patient/{PATH_NAME}")
            c.get(f"{fhir}/{PATH_NAME}")
    output = _logs(process)
    assert "GET /fhir/Patient/" in output
    leaked = _leaks(output, PATH_CCCD, PATH_NAME)
    assert leaked == [], f"resident data in the logs: {leaked}"
