"""The `hoso` commands, run as a user would run them, on both databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from hoso.store import schema
from hoso.store.engine import make_engine
from tests.builders.clinical import observation
from tests.builders.patient import patient


def hoso(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOSO_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "hoso.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_db_upgrade_creates_the_schema(database_url: str) -> None:
    result = hoso("db", "upgrade", database_url=database_url)
    assert result.returncode == 0, result.stderr
    engine = make_engine(database_url)
    names = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert {"resource", "resource_history", "idx_token", "patient_cccd", "alembic_version"} <= names


def test_load_ndjson_reports_counts_and_line_errors(database_url: str, tmp_path: Path) -> None:
    lines = [
        json.dumps({**patient(), "id": "bn-1"}),
        '{"resourceType": "Patient", "birthDate": "1990-02-30"}',
        json.dumps({**observation("bn-1"), "id": "obs-1"}),
        json.dumps({**observation("khong-co"), "id": "obs-2"}),
        "not json",
    ]
    path = tmp_path / "Patient.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = hoso("load", str(path), database_url=database_url)
    assert result.returncode == 1
    assert "Patient: 1" in result.stdout
    assert "Observation: 2" in result.stdout
    errors = result.stderr
    assert f"{path}:2: Patient.birthDate" in errors
    assert f"{path}:4: Observation.subject.reference" in errors
    assert f"{path}:5:" in errors
    engine = make_engine(database_url)
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(schema.resource)).scalar()
    engine.dispose()
    assert count == 3  # the bad lines left nothing behind


def test_load_bundle_then_reindex(database_url: str, tmp_path: Path) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {**patient(), "id": "bn-2"}}],
    }
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    assert hoso("load", str(path), database_url=database_url).returncode == 0
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(schema.idx_string.delete())
    result = hoso("reindex", database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert "reindexed: 1" in result.stdout
    with engine.connect() as conn:
        folded = conn.execute(sa.select(schema.idx_string.c.folded)).scalars().all()
    engine.dispose()
    assert "nguyen van an" in folded


def test_load_missing_file_is_a_clear_error(database_url: str) -> None:
    result = hoso("load", "/nonexistent/file.ndjson", database_url=database_url)
    assert result.returncode == 2
    assert "Không tìm thấy tệp" in result.stderr


def test_load_transaction_bundle_resolves_placeholders(database_url: str, tmp_path: Path) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:6c1e2f1a-0000-4000-8000-000000000001",
                "resource": patient(),
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "resource": observation("x")
                | {"subject": {"reference": "urn:uuid:6c1e2f1a-0000-4000-8000-000000000001"}},
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }
    path = tmp_path / "transaction.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    result = hoso("load", str(path), database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert "Patient: 1" in result.stdout
    assert "Observation: 1" in result.stdout


def test_audit_anomalies_lists_what_the_watch_flagged(database_url: str) -> None:
    from hoso.core import clock
    from hoso.store.sql_store import make_store

    store = make_store(database_url)
    with store.unit_of_work() as session:
        session.flag_anomaly({"kind": "care-claim-rate", "agent": "client:his-79002",
                              "hour_us": clock.now_us() // 3_600_000_000 * 3_600_000_000,
                              "client_id": "his-79002", "facility": "79002", "count": 61,
                              "threshold": 30, "detected_us": clock.now_us()})  # fmt: skip
    store.engine.dispose()
    listed = hoso("audit", "anomalies", database_url=database_url)
    assert listed.returncode == 0, listed.stderr
    assert "client:his-79002 | 79002 | 61 | 30" in listed.stdout
    none_since = hoso("audit", "anomalies", "--days", "0", database_url=database_url)
    assert none_since.returncode == 0
    assert "Không có cảnh báo trong 0 ngày" in none_since.stdout


def test_serve_names_itself_by_its_host_and_port() -> None:
    from hoso.cli import local_base_url

    assert local_base_url("127.0.0.1", 8801) == "http://127.0.0.1:8801"
    assert local_base_url("0.0.0.0", 8801) == "http://127.0.0.1:8801"
    assert local_base_url("::", 8801) == "http://[::1]:8801"
    assert local_base_url("::1", 9000) == "http://[::1]:9000"
