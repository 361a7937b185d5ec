"""`hoso load` and `hoso reindex` (hoso.cli.records), run as a user would run them, on
both databases."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from hoso.store import schema
from hoso.store.engine import make_engine
from tests.builders.clinical import observation
from tests.builders.patient import patient
from tests.cli.conftest import hoso


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
    e, p = schema.audit_event, schema.audit_patient
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(schema.resource)).scalar()
        audited = conn.execute(
            sa.select(e.c.subtype, e.c.agent, p.c.patient_id).join(p, p.c.seq == e.c.seq)
        ).all()
    engine.dispose()
    assert count == 3  # the bad lines left nothing behind
    # Written by the operator through the access layer, each write audited.
    assert {(s, a.split(":")[0], pid) for s, a, pid in audited} >= {("create", "operator", "bn-1")}


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
        subtypes = conn.execute(sa.select(schema.audit_event.c.subtype)).scalars().all()
    assert "reindex" in subtypes
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
