"""The health book as PDF and its verification QR (issue 17 point 5), over the app on
both backends: the resident downloads an episode and the book (bearer token or browser
session); `pdftotext` gives the Vietnamese words back; the address printed under the QR
opens a page confirming the same hash; nobody reaches another resident's episode, and
no token, however broken, gets more than a "cannot be confirmed" page."""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx2
import segno
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image, ImageOps

from hoso.access import claims as roles
from hoso.access.document_tokens import sign_document
from hoso.core import jsonx
from hoso.fhir.icd10_names import icd10_name
from hoso.store import schema
from hoso.store.sql_store import SqlStore
from tests.api.access_world import World
from tests.builders.web_login import log_in_to_pages
from tests.pdf_text import pdf_text

HTML = {"Accept": "text/html"}
PASSWORD = "mat-khau-rat-dai-2026"
_HASH_LINE = re.compile(r"SHA-256: ([0-9a-f]{64})")


def verify_path(text: str) -> str:
    """The QR's address as printed under it (<…>, wrapped over lines), as a local path."""
    start = text.index("/verify/")
    end = text.index(">", start)
    return "".join(text[start:end].split())


def qr_holds(pdf: bytes, url: str, tmp_path: Path) -> bool:
    """Whether the PDF's one image is the QR code of `url` (segno only encodes, so the
    image is read module by module against segno's matrix for that URL)."""
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "qr.pdf").write_bytes(pdf)
    subprocess.run(["pdfimages", "-png", str(tmp_path / "qr.pdf"), str(tmp_path / "qr")],
                   check=True, timeout=60)  # fmt: skip
    [image] = [Image.open(p).convert("L") for p in sorted(tmp_path.glob("qr-*.png"))]
    code = image.crop(ImageOps.invert(image).getbbox())  # the dark modules' square
    for level in "lmqh":
        matrix = segno.make(url, error=level, boost_error=False, micro=False).matrix
        size = code.width / len(matrix)
        dark = [[code.getpixel((int((c + 0.5) * size), int((r + 0.5) * size))) < 128
                 for c in range(len(matrix))] for r in range(len(matrix))]  # fmt: skip
        if dark == [[bool(v) for v in row] for row in matrix]:
            return True
    return False


def printed_hash(text: str) -> str:
    found = _HASH_LINE.search(text)
    assert found is not None, text
    return found.group(1)


async def raw_get(app: FastAPI, path: str) -> tuple[int, str]:
    """A GET straight into the ASGI app: the test clients refuse a URL this long before
    sending it, a server behind a proxy may still receive one."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": b"", "headers": [(b"host", b"testserver"), (b"accept", b"text/html")],
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body.decode()


def _episode(client: TestClient, patient_id: str, encounter_id: str) -> httpx2.Response:
    return client.get(f"/book/{patient_id}/episodes/{encounter_id}.pdf")


def test_the_resident_downloads_an_episode_and_its_qr_confirms_it(
    world: World, tmp_path: Path
) -> None:
    resident, ids = world.resident("p1"), world.ids
    answer = resident.get(f"/book/{ids['p1']}/episodes/{ids['encB1']}.pdf")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["cache-control"] == "private, no-store"
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=") and disposition.isascii()
    text = pdf_text(answer.content)
    for words in ("Trần Văn An", "01/01/1990", "Chẩn đoán", "Bệnh viện Quận 3 (79002)",
                  "Ngoại trú", "Cơ sở khám, chữa bệnh"):  # fmt: skip
        assert words in text, words
    content_hash = printed_hash(text)
    printed_url = world.app.state.settings.public_base_url + verify_path(text)
    assert qr_holds(answer.content, printed_url, tmp_path)  # the QR is the printed address
    assert not qr_holds(answer.content, printed_url[:-1], tmp_path / "other")
    page = world.operator.get(verify_path(text), headers={"Authorization": ""})
    assert page.status_code == 200, page.text
    assert "Tài liệu hợp lệ" in page.text and "Valid document" in page.text
    assert content_hash in page.text and "79002" in page.text
    assert f"Patient/•••{ids['p1'][-4:]}" in text and f"Patient/•••{ids['p1'][-4:]}" in page.text
    assert "Trần" not in page.text and "079090001234" not in page.text  # no name, no CCCD


def test_a_download_is_an_audited_read(world: World, store: SqlStore) -> None:
    def reads_by_p1() -> list[dict[str, Any]]:
        with store.engine.connect() as conn:
            rows = conn.execute(sa.select(schema.audit_event.c.content))
            events = [jsonx.loads(row.content) for row in rows]
        return [e for e in events if e["action"] == "R"
                and e["agent"][0]["who"]["identifier"]["value"] == "account:p1"
                and f"Patient/{world.ids['p1']}" in jsonx.dumps_str(e.get("entity"))]  # fmt: skip

    before = len(reads_by_p1())
    answer = world.resident("p1").get(f"/book/{world.ids['p1']}/book.pdf")
    assert answer.status_code == 200
    assert len(reads_by_p1()) > before


def test_the_book_and_chosen_sections(world: World, tmp_path: Path) -> None:
    resident, ids = world.resident("p1"), world.ids
    whole = resident.get(f"/book/{ids['p1']}/book.pdf")
    assert whole.status_code == 200, whole.text
    text = pdf_text(whole.content)
    hiv = f"B20 {icd10_name('B20', 'vi')}"
    for words in ("Hồ Sơ — Sổ sức khỏe điện tử", "Trần Văn An", hiv, "Bệnh viện Quận 1 (79001)",
                  "Các lần khám, chữa bệnh", "131 mm[Hg]", "Chưa có thông tin"):  # fmt: skip
        assert words in text, words
    some = resident.get(f"/book/{ids['p1']}/book.pdf", params={"sections": "results,allergies"})
    assert some.status_code == 200, some.text
    part = pdf_text(some.content)
    assert "131 mm[Hg]" in part and "Dị ứng" in part and hiv not in part
    assert printed_hash(part) != printed_hash(text)
    page = world.operator.get(verify_path(part), headers={"Authorization": ""})
    assert page.status_code == 200 and printed_hash(part) in page.text
    assert 'Dị ứng <span lang="en" class="alt">/ Allergies</span>; Kết quả đo' in page.text
    bad = resident.get(f"/book/{ids['p1']}/book.pdf", params={"sections": "allergies,secrets"})
    assert bad.status_code == 400 and bad.json()["resourceType"] == "OperationOutcome"
    assert "secrets" in bad.json()["issue"][0]["diagnostics"]


def test_no_episode_of_another_resident_by_changing_the_url(world: World) -> None:
    resident, ids = world.resident("p1"), world.ids
    answers = {
        "someone else's episode under my id": _episode(resident, ids["p1"], ids["encB2"]),
        "my episode under someone else's id": _episode(resident, ids["p2"], ids["encA1"]),
        "a missing episode": _episode(resident, ids["p1"], "khong-co"),
        "a missing book": _episode(resident, "khong-co-ai", ids["encA1"]),
        "someone else's book": resident.get(f"/book/{ids['p2']}/book.pdf"),
    }
    for case, answer in answers.items():
        assert answer.status_code == 404, case
        outcome = answer.json()
        assert outcome["issue"][0]["code"] == "not-found", case
        assert "Bệnh viện" not in answer.text and "Lê" not in answer.text, case
    # The same words as for a missing one, the id asked for aside.
    foreign = answers["someone else's episode under my id"].json()["issue"][0]["diagnostics"]
    missing = answers["a missing episode"].json()["issue"][0]["diagnostics"]
    assert foreign.replace(ids["encB2"], "X") == missing.replace("khong-co", "X")


def test_other_roles_are_refused(world: World) -> None:
    for caller in (world.clinician(), world.facility("79001")):
        refused = _episode(caller, world.ids["p1"], world.ids["encA1"])
        assert refused.status_code == 403
        assert refused.headers["content-type"] != "application/pdf"
    assert world.clinician().get(f"/book/{world.ids['p1']}/book.pdf").status_code == 403


def test_the_residents_browser_session_downloads_too(
    app: FastAPI, world: World, tmp_path: Path
) -> None:
    app.state.auth.accounts.create("079090001234", PASSWORD, roles.RESIDENT,
                                   patient_id=world.ids["p1"])  # fmt: skip
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as browser:
        anonymous = browser.get(f"/book/{world.ids['p1']}/book.pdf", headers=HTML)
        assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
        log_in_to_pages(browser, "079090001234", PASSWORD)
        answer = browser.get(f"/book/{world.ids['p1']}/episodes/{world.ids['encA1']}.pdf")
        assert answer.status_code == 200, answer.text
        assert "Bệnh viện Quận 1 (79001)" in pdf_text(answer.content)


def test_a_broken_token_is_not_confirmed_and_never_a_server_error(
    app: FastAPI, world: World, tmp_path: Path
) -> None:
    answer = world.resident("p1").get(f"/book/{world.ids['p1']}/book.pdf")
    path = verify_path(pdf_text(answer.content))
    token = path.removeprefix("/verify/")
    header, claims, signature = token.split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    access_token = world.resident("p1").headers["authorization"].removeprefix("Bearer ")
    other_typ = app.state.auth.keys.sign({"hash": "0" * 64}, typ="JWT")
    keys = app.state.auth.keys
    odd_claims = sign_document(keys, {"hash": "0" * 64, "kind": "passport"})
    anonymous = TestClient(app, raise_server_exceptions=False)
    for case, bad in {"tampered signature": f"{header}.{claims}.{flipped}",
                      "claims of another token": f"{header}.{access_token.split('.')[1]}."
                                                 f"{signature}",
                      "truncated": token[: len(token) // 2], "garbage": "%E2%80%A2.x.y",
                      "an access token": access_token, "another JWT we signed": other_typ,
                      "a document token of no known shape": odd_claims,
                      "empty parts": "e30..", "not base64": "a.b.c"}.items():  # fmt: skip
        page = anonymous.get(f"/verify/{bad}", headers=HTML)
        assert page.status_code == 404, (case, page.status_code)
        assert "Không xác nhận được tài liệu" in page.text, case
        assert "Tài liệu hợp lệ" not in page.text, case
    started = time.monotonic()
    status, body = asyncio.run(raw_get(app, f"/verify/{'A' * 100_000}.{claims}.{signature}"))
    assert 400 <= status < 500 and time.monotonic() - started < 5
    assert "Không xác nhận được tài liệu" in body
    assert anonymous.get(path).status_code == 200  # the untouched one still confirms
    anonymous.close()
