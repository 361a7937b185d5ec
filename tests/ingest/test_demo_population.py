"""The README's run command shows synthetic residents on first start, once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from hoso.ingest.demo_population import load_demo_population
from hoso.store.sql_store import SqlStore


def test_demo_population_loads_into_an_empty_store_only(store: SqlStore, tmp_path: Path) -> None:
    first = load_demo_population(store, tmp_path / "demo", people=30)
    assert first is not None and first.errors == []
    assert first.counts["Patient"] == 30 and first.written >= 30 * 20
    assert load_demo_population(store, tmp_path / "demo", people=30) is None


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_first_start_of_the_server_loads_about_a_thousand_residents(tmp_path: Path) -> None:
    port = _port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "hoso.cli", "serve", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/fhir/metadata").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError("server did not start")
        token = subprocess.run(
            # The server names itself by its port; the token is for that audience.
            [sys.executable, "-m", "hoso.cli", "token", "--scope", "system/*.rs",
             "--base-url", f"http://127.0.0.1:{port}"],
            cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        count = httpx.get(
            f"http://127.0.0.1:{port}/fhir/Patient",
            params={"_summary": "count"},
            headers={"Authorization": f"Bearer {token}"},
        ).json()["total"]
        assert count == 1000
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0].decode()
    assert "1000 người dân tổng hợp" in output and "--no-demo-data" in output
