"""`kill -9` between the spool and the chain loses no audit entry: the real server
answers reads whose entries are only in its spool (its chainer told to wait), is killed,
and `hoso audit verify` chains them and finds the chain intact, on both databases."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from hoso.store import schema
from hoso.store.engine import make_engine
from tests.api.test_live import _free_port, _operator_token, _wait_until_up
from tests.builders.patient import patient

pytestmark = pytest.mark.live
READS = 25


def _reads_in_chain(database_url: str, patient_id: str) -> int:
    e, p = schema.audit_event, schema.audit_patient
    engine = make_engine(database_url)
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(sa.func.count()).select_from(e.join(p, p.c.seq == e.c.seq))
            .where(p.c.patient_id == patient_id, e.c.subtype == "read")
        ).scalar_one()  # fmt: skip
    engine.dispose()
    return int(found)


def test_entries_left_in_the_spool_by_kill_9_reach_the_chain(
    database_url: str, tmp_path: Path
) -> None:
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {**os.environ, "HOSO_DATABASE_URL": database_url, "HOSO_BASE_URL": origin,
           "HOSO_AUDIT_SPOOL_DIR": str(tmp_path / "spool"),
           "HOSO_AUDIT_CHAIN_INTERVAL": "3600"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "hoso.cli", "serve", "--port", str(port), "--no-demo-data"],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_until_up(f"{origin}/fhir")
        auth = {"Authorization": f"Bearer {_operator_token(database_url, origin)}"}
        created = httpx.post(f"{origin}/fhir/Patient", json=patient(cccd="079090001234"),
                             headers={**auth, "Content-Type": "application/fhir+json"})  # fmt: skip
        assert created.status_code == 201, created.text
        pid = created.json()["id"]
        with httpx.Client(headers=auth) as client:
            for _ in range(READS):
                assert client.get(f"{origin}/fhir/Patient/{pid}").status_code == 200
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
    # Every read was answered, so every entry is on disk; none is in the chain yet.
    assert _reads_in_chain(database_url, pid) == 0
    assert list((tmp_path / "spool").glob("spool-*.log"))
    verify = subprocess.run([sys.executable, "-m", "hoso.cli", "audit", "verify"], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert verify.returncode == 0, verify.stderr
    assert "chained 1 spool files" in verify.stderr and "intact" in verify.stdout
    assert _reads_in_chain(database_url, pid) == READS
    assert not list((tmp_path / "spool").glob("spool-*.log"))
