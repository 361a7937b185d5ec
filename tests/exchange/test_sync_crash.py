"""`hoso sync run` as a real process, killed with SIGKILL in the middle of 10,000
changes and started again: every change arrives at the national database exactly once
(one version there per version here), and the cursor ends at the head.

10,000 changes on PostgreSQL, the city's database; on SQLite (the embedded default,
the same feed code over another dialect) a quarter of that, to keep the suite's time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bench.national_sync import write_city

from hoso.store.sql_store import SqlStore
from tests.callers import bulk_import
from tests.exchange.national_server import NationalServer

pytestmark = [pytest.mark.live, pytest.mark.slow]

OBSERVATIONS_EACH = 4
PATIENTS = {"postgresql": 2_000, "sqlite": 500}  # 10,000 and 2,500 changes


def sync_process(database_url: str, national: NationalServer, *args: str
                 ) -> subprocess.Popen[bytes]:  # fmt: skip
    env = {**os.environ, "HOSO_DATABASE_URL": database_url,
           "HOSO_NATIONAL_FHIR_URL": national.fhir,
           "HOSO_NATIONAL_KEY_FILE": str(national.key_file)}  # fmt: skip
    log = (national.folder / "sync.log").open("ab")
    return subprocess.Popen([sys.executable, "-m", "hoso.cli", "sync", "run", *args],
                            env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip


def arrived(national: NationalServer) -> int:
    return int(national.rows("SELECT count(*) FROM resource_history")[0][0])


def test_killed_mid_sync_then_restarted_sends_every_change_once(
    store: SqlStore, database_url: str, national: NationalServer, tmp_path: Path
) -> None:
    patients = PATIENTS[store.engine.dialect.name]
    report = bulk_import(store, write_city(tmp_path / "city", patients, OBSERVATIONS_EACH))
    assert report.written == patients * (1 + OBSERVATIONS_EACH)
    first = sync_process(database_url, national)
    deadline = time.monotonic() + 240
    while arrived(national) < patients and time.monotonic() < deadline:
        assert first.poll() is None, (national.folder / "sync.log").read_text()
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)  # mid-batch: no release, no cursor move
    first.wait(timeout=10)
    with store.unit_of_work(write=False) as s:
        stats = s.feed.stats("national")
    assert stats.lease_owner and stats.lease_owner.endswith(f":{first.pid}")
    assert 0 < stats.position < stats.head
    second = sync_process(database_url, national, "--until-idle")
    assert second.wait(timeout=300) == 0, (national.folder / "sync.log").read_text()
    with store.unit_of_work(write=False) as s:
        stats = s.feed.stats("national")
    assert stats.pending == 0 and stats.position == stats.head and stats.dead_letters == 0
    total = patients * (1 + OBSERVATIONS_EACH)
    assert national.rows("SELECT resource_type, count(*) FROM resource GROUP BY resource_type "
                         "ORDER BY resource_type") == [
        ("Observation", patients * OBSERVATIONS_EACH), ("Patient", patients)]  # fmt: skip
    assert arrived(national) == total  # exactly once: one version each
