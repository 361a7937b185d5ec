"""The real server process, driven by a FHIR client library (fhirpy) and httpx."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fhirpy import SyncFHIRClient

from tests.builders.patient import patient

pytestmark = pytest.mark.live

CCCD_SYSTEM = "https://fhir.hoso.hochiminhcity.gov.vn/sid/cccd"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


AUTH: dict[str, str] = {}


def _wait_until_up(base: str, tries: int = 150) -> None:
    for _ in range(tries):
        try:
            if httpx.get(f"{base}/metadata", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("server did not start")


def _operator_token(database_url: str, origin: str) -> str:
    """`hoso token --scope system/*.*` for the server at `origin`, as an operator would."""
    result = subprocess.run(
        [sys.executable, "-m", "hoso.cli", "token", "--scope", "system/*.*",
         "--database-url", database_url, "--audience", f"{origin}/fhir"],
        capture_output=True, text=True, check=True,
        env={**os.environ, "HOSO_BASE_URL": origin},
    )  # fmt: skip
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture
def server_process(database_url: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {**os.environ, "HOSO_DATABASE_URL": database_url, "HOSO_BASE_URL": origin}
    process = subprocess.Popen(
        [sys.executable, "-m", "hoso.cli", "serve", "--port", str(port), "--no-demo-data"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/fhir"
    try:
        _wait_until_up(base)
        AUTH["Authorization"] = f"Bearer {_operator_token(database_url, origin)}"
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def server(server_process: tuple[str, subprocess.Popen[bytes]]) -> str:
    return server_process[0]


def test_fhir_client_create_search_history_transaction(server: str) -> None:
    client = SyncFHIRClient(server, authorization=AUTH["Authorization"])
    created = client.resource("Patient", **patient(cccd="079085012345", birth_date="1985-01-01"))
    created.save()
    assert created.id
    found = client.resources("Patient").search(name="nguyen van an").fetch()
    assert [p.id for p in found] == [created.id]
    by_cccd = client.resources("Patient").search(identifier=f"{CCCD_SYSTEM}|079085012345").fetch()
    assert [p.id for p in by_cccd] == [created.id]
    created["gender"] = "male"
    created.save()
    history = httpx.get(f"{server}/Patient/{created.id}/_history", headers=AUTH).json()
    assert [e["response"]["etag"] for e in history["entry"]] == ['W/"2"', 'W/"1"']
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:4f8a6b1e-0000-4000-8000-000000000001",
                "resource": patient(
                    cccd="079190000321",
                    family="Lê",
                    given=("Thị", "Hoa"),
                    gender="female",
                    birth_date="1990-09-09",
                ),
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
                    "subject": {"reference": "urn:uuid:4f8a6b1e-0000-4000-8000-000000000001"},
                    "valueQuantity": {"value": 52, "unit": "kg"},
                },
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }
    response = client.execute("", method="post", data=bundle)
    assert response["type"] == "transaction-response"
    assert [e["response"]["status"][:3] for e in response["entry"]] == ["201", "201"]
    hoa = client.resources("Patient").search(name="le thi hoa").fetch()[0]
    weights = client.resources("Observation").search(subject=f"Patient/{hoa.id}").fetch()
    assert len(weights) == 1


def test_parallel_creates_with_one_cccd_end_as_one_patient(server: str) -> None:
    def create(i: int) -> tuple[int, str]:
        # Two facilities' spellings of one resident, sent at the same moment.
        given = ("Minh", "Tuấn") if i % 2 else ("MINH", "TUAN")
        body = patient(cccd="079095000999", given=given, birth_date="1995-01-01")
        response = httpx.post(
            f"{server}/Patient",
            json=body,
            headers={"Content-Type": "application/fhir+json", **AUTH},
            timeout=30,
        )
        return response.status_code, response.json()["id"]

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(create, range(32)))
    codes = [code for code, _ in answers]
    assert codes.count(201) == 1
    assert set(codes) == {201, 200}  # every other create attaches to the one record
    assert len({id for _, id in answers}) == 1
    total = httpx.get(
        f"{server}/Patient", params={"identifier": f"{CCCD_SYSTEM}|079095000999"}, headers=AUTH
    ).json()
    assert total["total"] == 1


def test_logs_hold_paths_and_statuses_not_names_or_cccds(
    server_process: tuple[str, subprocess.Popen[bytes]],
) -> None:
    base, process = server_process
    body = patient(cccd="079088004321", birth_date="1988-03-03")
    headers = {"Content-Type": "application/fhir+json", **AUTH}
    assert httpx.post(f"{base}/Patient", json=body, headers=headers).status_code == 201
    search = httpx.get(
        f"{base}/Patient", params={"identifier": f"{CCCD_SYSTEM}|079088004321"}, headers=AUTH
    )
    assert search.status_code == 200
    named = httpx.get(f"{base}/Patient", params={"name": "nguyen van an"}, headers=AUTH)
    assert named.status_code == 200
    process.terminate()
    output = process.communicate(timeout=10)[0].decode()
    assert "GET /fhir/Patient 200" in output
    assert "POST /fhir/Patient 201" in output
    for secret in ("079088004321", "nguyen", "Nguyễn", "1988-03-03"):
        assert secret not in output


def _hoso(database_url: str, origin: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hoso.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "HOSO_DATABASE_URL": database_url, "HOSO_BASE_URL": origin, **env},
        timeout=120,
    )


def test_demo_accounts_log_in_from_the_command_line(
    server: str, database_url: str, tmp_path: Path
) -> None:
    """The README's path for people: `hoso demo`, then `hoso login` through the real login
    form (password, TOTP, PKCE) gives a token that reads what the role may see."""
    origin = server.removesuffix("/fhir")
    demo = _hoso(database_url, origin, "demo", "--key-out", str(tmp_path / "key.json"))
    assert demo.returncode == 0, demo.stderr
    out = demo.stdout
    patient_id = re.search(r"\(Patient/([^)]+)\)", out).group(1)  # type: ignore[union-attr]
    cccd, resident_pw = re.search(r"resident: (\d{12}) / (\S+)", out).groups()  # type: ignore[union-attr]
    bs_pw, bs_totp = re.search(r"bs\.demo / (\S+)\s+TOTP: (\S+)", out).groups()  # type: ignore[union-attr]

    def login(*args: str, password: str) -> str:
        done = _hoso(database_url, origin, "login", *args, "--server", origin,
                     "--password-env", "DEMO_PW", DEMO_PW=password)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    resident = {"Authorization": f"Bearer {login(cccd, password=resident_pw)}"}
    doctor_token = login("bs.demo", "--totp-uri", bs_totp, password=bs_pw)
    clinician = {"Authorization": f"Bearer {doctor_token}"}
    assert httpx.get(f"{server}/Patient/{patient_id}", headers=resident).status_code == 200
    assert httpx.get(f"{server}/Patient", headers=resident).json()["total"] == 1
    assert httpx.get(f"{server}/Patient/{patient_id}", headers=clinician).status_code == 200
    wrong = _hoso(database_url, origin, "login", "bs.demo", "--server", origin, "--password-env",
                  "DEMO_PW", "--totp-uri", bs_totp, DEMO_PW="not-the-password")  # fmt: skip
    assert wrong.returncode != 0 and "Login failed" in wrong.stderr


def test_two_server_processes_share_one_store_and_one_audit_chain(database_url: str) -> None:
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {**os.environ, "HOSO_DATABASE_URL": database_url, "HOSO_BASE_URL": origin}
    command = [sys.executable, "-m", "hoso.cli", "serve", "--port", str(port), "--no-demo-data",
               "--workers", "2"]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(f"{origin}/fhir", tries=300)
        auth = {"Authorization": f"Bearer {_operator_token(database_url, origin)}"}
        created = httpx.post(f"{origin}/fhir/Patient", json=patient(), headers=auth)
        assert created.status_code == 201, created.text
        url = f"{origin}/fhir/Patient/{created.json()['id']}"

        def read(_: int) -> int:
            with httpx.Client(headers=auth) as c:  # a new connection: either process
                return c.get(url).status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(read, range(40))) == {200}
    finally:
        process.terminate()
        process.wait(timeout=20)
    verify = subprocess.run(
        [sys.executable, "-m", "hoso.cli", "audit", "verify", "--database-url", database_url],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "Nguyên vẹn / intact" in verify.stdout
