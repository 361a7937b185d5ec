"""`hoso sync run` as a real process, killed with SIGKILL in the middle of 10,000
changes and started again: every change arrives at the national database exactly once
(one version there per version here), and the cursor ends at the head."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from hoso.store.sql_store import SqlStore
from tests.callers import bulk_import
from tests.exchange.national_server import NationalServer

pytestmark = [pytest.mark.live, pytest.mark.slow]

PATIENTS, OBSERVATIONS_EACH = 2_000, 4  # 10,000 changes
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hải", "Khoa", "Lan", "Minh", "Ngọc")


@pytest.fixture
def national(tmp_path: Path) -> Iterator[NationalServer]:
    server = NationalServer(tmp_path)
    server.register_peer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def city_files(folder: Path) -> list[Path]:
    """2,000 invented residents with four blood-pressure readings each, as NDJSON."""
    patients, observations = folder / "Patient.ndjson", folder / "Observation.ndjson"
    with patients.open("wb") as p, observations.open("wb") as o:
        for n in range(PATIENTS):
            pid, cccd = f"sync-p{n}", f"079{n % 2 ^ 1}{80 + n % 20}{n:06d}"
            p.write(orjson.dumps({
                "resourceType": "Patient", "id": pid,
                "identifier": [{"system": DEFAULT_CCCD_SYSTEM, "value": cccd}],
                "name": [{"family": FAMILY[n % 10], "given": [GIVEN[n // 10 % 10], GIVEN[n % 7]]}],
                "gender": "male" if n % 2 else "female",
                "birthDate": f"{1980 + n % 20}-{1 + n % 12:02d}-{1 + n % 28:02d}",
            }) + b"\n")  # fmt: skip
            for k in range(OBSERVATIONS_EACH):
                o.write(orjson.dumps({
                    "resourceType": "Observation", "id": f"sync-o{n}-{k}", "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                    "subject": {"reference": f"Patient/{pid}"},
                    "effectiveDateTime": f"2026-0{1 + k}-01T08:00:00+07:00",
                    "valueQuantity": {"value": 110 + k, "unit": "mm[Hg]",
                                      "system": "http://unitsofmeasure.org", "code": "mm[Hg]"},
                }) + b"\n")  # fmt: skip
    return [patients, observations]


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
    report = bulk_import(store, city_files(tmp_path))
    assert report.written == PATIENTS * (1 + OBSERVATIONS_EACH)
    first = sync_process(database_url, national)
    deadline = time.monotonic() + 240
    while arrived(national) < 2_000 and time.monotonic() < deadline:
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
    total = PATIENTS * (1 + OBSERVATIONS_EACH)
    assert national.rows("SELECT resource_type, count(*) FROM resource GROUP BY resource_type "
                         "ORDER BY resource_type") == [
        ("Observation", PATIENTS * OBSERVATIONS_EACH), ("Patient", PATIENTS)]  # fmt: skip
    assert arrived(national) == total  # exactly once: one version each
