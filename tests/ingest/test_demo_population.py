"""The README's run command shows synthetic residents on first start, once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from hoso.access.bulk_import import BulkImportAccess
from hoso.ingest.bulk_import import ImportReport
from hoso.ingest.demo_population import load_demo_population
from hoso.store.sql_store import SqlStore, make_store
from tests.callers import as_caller, audit_subtypes


def test_demo_population_loads_into_an_empty_store_only(store: SqlStore, tmp_path: Path) -> None:
    def load() -> ImportReport | None:
        with as_caller(store) as repo:
            return load_demo_population(repo, BulkImportAccess(repo), store.settings,
                                        tmp_path / "demo", people=30)  # fmt: skip

    first = load()
    assert first is not None and first.errors == []
    assert first.counts["Patient"] == 30 and first.written >= 30 * 20
    assert load() is None
    # Written by the operator through the bulk import's door: audited batch by batch.
    assert audit_subtypes(store).count("import") >= 1


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/fhir/metadata").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("server did not start")


@pytest.mark.live
def test_an_operators_empty_database_gets_no_invented_residents(
    database_url: str, tmp_path: Path
) -> None:
    """Not the embedded default (PostgreSQL, or SQLite outside ./var): the server starts
    empty and says how to ask for the demo residents."""
    port = _port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_")}
    env["HOSO_DATABASE_URL"] = database_url
    process = subprocess.Popen([sys.executable, "-m", "hoso.cli", "serve", "--port", str(port)],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)  # fmt: skip
    try:
        _wait_for(port, process)
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0].decode()
    store = make_store(database_url)
    with store.unit_of_work(write=False) as session:
        assert session.search("Patient", [("_summary", "count")]).total == 0
    store.engine.dispose()
    assert "người dân tổng hợp" not in output and not (tmp_path / "var" / "demo").exists()


@pytest.mark.live
def test_first_start_of_the_server_loads_about_a_thousand_residents(tmp_path: Path) -> None:
    port = _port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "hoso.cli", "serve", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_for(port, process)
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
