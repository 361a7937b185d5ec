"""Issue 13 against the real server process: bodies that stall or trickle, a client that
hangs up, discovery on another port, and the client libraries `fhirpy` and `fhirclient`
used as their documentation says. The server here is started without HOSO_BASE_URL, so
everything it names comes from `--port`."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fhirclient import client as smart
from fhirclient.models.patient import Patient as SmartPatient
from fhirpy import SyncFHIRClient
from joserfc import jwt
from joserfc.jwk import ECKey

from tests.api.test_live import _free_port, _wait_until_up
from tests.builders.patient import patient

pytestmark = pytest.mark.live


@dataclass
class Live:
    origin: str
    fhir: str
    log: Path
    database_url: str
    process: subprocess.Popen[bytes]

    def hoso(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "hoso.cli", *args, "--database-url", self.database_url],
            capture_output=True, text=True, timeout=120,
            env={k: v for k, v in os.environ.items() if k != "HOSO_BASE_URL"},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    def operator(self) -> dict[str, str]:
        token = self.hoso("token", "--scope", "system/*.*", "--base-url", self.origin)
        return {"Authorization": f"Bearer {token.strip().splitlines()[-1]}"}


@pytest.fixture
def live(database_url: str, tmp_path: Path) -> Iterator[Live]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "HOSO_BASE_URL"}
    env |= {"HOSO_DATABASE_URL": database_url, "HOSO_BODY_IDLE_SECONDS": "1",
            "HOSO_BODY_TIMEOUT_SECONDS": "3"}  # fmt: skip
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "hoso.cli", "serve", "--port", str(port), "--no-demo-data"],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path,
        )  # fmt: skip
    origin = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{origin}/fhir", tries=300)
        yield Live(origin, f"{origin}/fhir", log, database_url, process)
    finally:
        process.terminate()
        process.wait(timeout=20)


def _raw(origin: str, head: bytes, parts: list[tuple[bytes, float]], close: bool = False
         ) -> bytes:  # fmt: skip
    """Send `head`, then each body part after its pause; the answer (or b"")."""
    host, port = origin.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=15) as sock:
        sock.sendall(head)
        for data, pause in parts:
            time.sleep(pause)
            sock.sendall(data)
        if close:
            return b""
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks) and b"}" in chunk:
                break
        return b"".join(chunks)


def _post_head(auth: str, length: int) -> bytes:
    head = (
        f"POST /fhir/Patient HTTP/1.1\r\nHost: x\r\n{auth}\r\n"
        f"Content-Type: application/fhir+json\r\nContent-Length: {length}\r\n\r\n"
    )
    return head.encode()


@pytest.mark.backend_independent
def test_stalled_trickled_and_abandoned_bodies_neither_hang_nor_log_errors(live: Live) -> None:
    auth = "Authorization: " + live.operator()["Authorization"]
    # Content-Length 1000, 10 bytes, then silence: 408 after the idle limit (1 s).
    started = time.monotonic()
    stalled = _raw(live.origin, _post_head(auth, 1000), [(b'{"resource', 0)])
    assert stalled.startswith(b"HTTP/1.1 408"), stalled[:200]
    assert b"OperationOutcome" in stalled
    assert time.monotonic() - started < 5
    # A byte every 0.5 s never stalls a second, but passes the 3 s for the whole body.
    started = time.monotonic()
    trickled = _raw(live.origin, _post_head(auth, 1000), [(b"{", 0.5)] * 8)
    assert trickled.startswith(b"HTTP/1.1 408"), trickled[:200]
    assert time.monotonic() - started < 8
    # A client that sends half a body and hangs up.
    _raw(live.origin, _post_head(auth, 1000), [(b'{"resourceType"', 0)], close=True)
    time.sleep(1.5)
    # The server still answers, and logged no error for any of it.
    assert httpx.get(f"{live.fhir}/metadata").status_code == 200
    live.process.terminate()
    live.process.wait(timeout=20)
    log = live.log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log
    assert "unexpected error" not in log
    assert "POST /fhir/Patient 408" in log


@pytest.mark.backend_independent
def test_discovery_and_fhirclient_name_the_port_the_server_listens_on(
    live: Live, tmp_path: Path
) -> None:
    smart_config = httpx.get(f"{live.fhir}/.well-known/smart-configuration").json()
    assert smart_config["token_endpoint"] == f"{live.origin}/auth/token"
    metadata = httpx.get(f"{live.fhir}/metadata").json()
    assert f"{live.origin}/auth/token" in json.dumps(metadata["rest"][0]["security"])
    assert ":8000" not in json.dumps(smart_config) + json.dumps(metadata["rest"][0]["security"])
    # A facility registered as the README says, its snippet naming this server.
    key_file = tmp_path / "his.json"
    added = live.hoso(
        "clients", "add", "--facility", "79555", "--scopes", "system/*.cruds",
        "--generate-key", "--key-out", str(key_file), "--base-url", live.origin,
    )  # fmt: skip
    client_id = re.search(r"client_id: (\S+)", added).group(1)  # type: ignore[union-attr]
    assert f"{live.origin}/auth/token" in added
    # fhirclient in backend-services mode: discovery, then the token endpoint it names,
    # asking for `launch/patient` on top (as it always does) and getting the rest.
    key = ECKey.import_key(json.loads(key_file.read_text()))
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": smart_config["token_endpoint"],
              "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex}  # fmt: skip
    assertion = jwt.encode({"alg": "ES384", "kid": key.kid}, claims, key, algorithms=["ES384"])
    settings = {"app_id": client_id, "api_base": live.fhir, "scope": "system/*.cruds",
                "jwt_token": assertion}  # fmt: skip
    fhir = smart.FHIRClient(settings=settings)
    fhir.prepare()
    fhir.authorize()
    assert fhir.ready
    created = SmartPatient(patient(cccd="079085055555", birth_date="1985-05-05"))
    answer = created.create(fhir.server)
    pid = answer["id"]
    read = SmartPatient.read(pid, fhir.server)
    assert read.birthDate.isostring == "1985-05-05"
    found = SmartPatient.where({"identifier": "079085055555"}).perform_resources(fhir.server)
    assert [p.id for p in found] == [pid]
    # A transaction posted to the base with its trailing slash, as fhirclient does.
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [{
        "resource": patient(cccd="079190055556", family="Lê", given=("Thị", "Thu"),
                            gender="female", birth_date="1990-06-06"),
        "request": {"method": "POST", "url": "Patient"}}]}  # fmt: skip
    response = fhir.server.post_json("", bundle)
    assert response.status_code == 200
    assert response.json()["type"] == "transaction-response"


def test_fhirpy_counts_transacts_and_patches_unchanged(live: Live) -> None:
    auth = live.operator()["Authorization"]
    client = SyncFHIRClient(live.fhir, authorization=auth)
    for n in range(3):
        client.resource("Patient", **patient(cccd=f"07908506600{n}", given=("Văn", f"An{n}"),
                                              birth_date=f"1985-06-0{n + 1}")).save()  # fmt: skip
    assert client.resources("Patient").count() == 3
    assert client.resources("Patient").search(gender="male").count() == 3
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [{
        "resource": patient(cccd="079085066009", given=("Văn", "Bảo"), birth_date="1985-06-09"),
        "request": {"method": "POST", "url": "Patient"}}]}  # fmt: skip
    answer = client.execute("/", method="post", data=bundle)
    assert answer["entry"][0]["response"]["status"].startswith("201")
    target = client.resources("Patient").search(identifier="079085066009").get()
    fhirpath_patch = {"resourceType": "Parameters", "parameter": [{"name": "operation", "part": [
        {"name": "type", "valueCode": "replace"}, {"name": "path", "valueString": "Patient.gender"},
        {"name": "value", "valueCode": "other"}]}]}  # fmt: skip
    patched = client.execute(f"Patient/{target.id}", method="patch", data=fhirpath_patch)
    assert patched["gender"] == "other"
    # fhirpy's own patch() is a JSON merge patch: refused with the types that work.
    refused = httpx.patch(f"{live.fhir}/Patient/{target.id}", json={"gender": "male"},
                          headers={"Authorization": auth})  # fmt: skip
    assert refused.status_code == 415
    assert "application/json-patch+json" in refused.text
    # refresh() sends If-None-Match with the bare version: unchanged, 304.
    fresh = client.resources("Patient").search(identifier="079085066009").get()
    fresh.refresh()
    assert fresh["gender"] == "other"
