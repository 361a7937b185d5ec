"""`hoso mllp` (issue 16 point 3): a real listener process for one facility, a real
socket client; what it took is read back through the access layer. Both databases."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import orjson

from hoso.assembly import open_store
from hoso.core.settings import Settings
from tests.callers import as_caller
from tests.cli.conftest import hoso
from tests.ingest.hl7v2.messages import ADT_A01, CCCD, adt

START, END = b"\x0b", b"\x1c\x0d"


def _facility(tmp_path: Path, database_url: str) -> None:
    org = {"resourceType": "Organization", "active": True, "name": "Bệnh viện Quận 1",
           "identifier": [{"system": "https://fhir.hoso.hochiminhcity.gov.vn/sid/ma-cskcb",
                           "value": "79001"}]}  # fmt: skip
    path = tmp_path / "org.ndjson"
    path.write_bytes(orjson.dumps(org) + b"\n")
    assert hoso("import", str(path), "--no-progress", database_url=database_url).returncode == 0


def _exchange(port: int, message: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
        client.sendall(START + message.encode() + END)
        answer = b""
        while not answer.endswith(END):
            chunk = client.recv(65536)
            assert chunk, "the listener closed the connection"
            answer += chunk
    return answer.strip(START + END).decode()


def test_a_listener_takes_an_admission_and_refuses_another_facility(
    tmp_path: Path, database_url: str
) -> None:
    _facility(tmp_path, database_url)
    env = {**os.environ, "HOSO_DATABASE_URL": database_url}
    listener = subprocess.Popen(
        [sys.executable, "-m", "hoso.cli", "mllp", "--facility", "79001", "--port", "0"],
        env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert listener.stderr is not None
        line = listener.stderr.readline()
        found = re.search(r"MLLP 127\.0\.0\.1:(\d+)", line)
        assert found, line
        port = int(found.group(1))
        ack = _exchange(port, ADT_A01)
        assert "MSA|AA|ADT0001" in ack, ack
        other = _exchange(port, adt("A01", "ADT0099", facility="79002"))
        assert "MSA|AR|ADT0099" in other and "ERR||MSH^1^4|" in other  # names MSH-4
    finally:
        listener.send_signal(signal.SIGTERM)
        assert listener.wait(timeout=30) == 0
    store = open_store(database_url, Settings(database_url=database_url))
    try:
        with as_caller(store) as repo:
            patients = repo.search("Patient", [("identifier", CCCD)]).matches
            encounters = repo.search("Encounter", []).matches
    finally:
        store.engine.dispose()
    assert len(patients) == 1 and len(encounters) == 1  # nothing from facility 79002


def test_serve_runs_a_listener_beside_the_api(tmp_path: Path, database_url: str) -> None:
    """`hoso serve --mllp-port P --mllp-facility CODE`: one process, both doors."""
    _facility(tmp_path, database_url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        http_port = s.getsockname()[1]
    env = {**os.environ, "HOSO_DATABASE_URL": database_url}
    server = subprocess.Popen(
        [sys.executable, "-m", "hoso.cli", "serve", "--port", str(http_port), "--no-demo-data",
         "--mllp-port", "0", "--mllp-facility", "79001"],
        env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert server.stderr is not None
        found = None
        for _ in range(200):
            line = server.stderr.readline()
            if found := re.search(r"MLLP 127\.0\.0\.1:(\d+), cơ sở / facility 79001", line):
                break
        assert found, "no MLLP listener announced"
        ack = _exchange(int(found.group(1)), ADT_A01)
        assert "MSA|AA|ADT0001" in ack, ack
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    store = open_store(database_url, Settings(database_url=database_url))
    try:
        with as_caller(store) as repo:
            assert len(repo.search("Patient", [("identifier", CCCD)]).matches) == 1
    finally:
        store.engine.dispose()


def test_serve_wants_both_mllp_options(tmp_path: Path) -> None:
    done = hoso("serve", "--mllp-port", "2575", database_url=f"sqlite:///{tmp_path}/x.db")
    assert done.returncode == 2 and "--mllp-facility" in done.stderr
