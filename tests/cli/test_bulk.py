"""`hoso export DIR` (hoso.cli.bulk): files, manifest, audit, bad arguments; and
export → import into an empty store → export gives the same files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from hoso.cli import bulk
from hoso.core import jsonx
from hoso.fhir.security_labels import with_inferred_labels
from hoso.store import schema
from hoso.store.sql_store import SqlAuditLog, SqlStore
from tests.builders.clinical import condition, observation
from tests.builders.patient import patient
from tests.callers import bulk_import

app = typer.Typer()
app.command()(bulk.export)


def run(*args: str, database_url: str) -> Any:
    return CliRunner().invoke(app, [*args, "--database-url", database_url])


def _fill(store: SqlStore) -> dict[str, str]:
    with store.unit_of_work() as s:
        org = s.create({"resourceType": "Organization", "name": "Bệnh viện Quận 1"}).stored.id
        p1 = s.create(patient(cccd="079090001234")).stored.id
        p2 = s.create(patient(cccd="079085004321", family="Lê", given=("Thị", "Hoa"))).stored.id
        obs = [s.create(observation(p, value=v)).stored.id for p, v in ((p1, 120), (p2, 135))]
        s.create(condition(p1, icd10="I10"))
        # The access layer labels sensitive codes on every write (policy.stamp).
        s.create(with_inferred_labels(condition(p2, icd10="B20", text="Nhiễm HIV")))
    with store.unit_of_work() as s:
        s.delete("Observation", obs[1])
    return {"org": org, "p1": p1, "p2": p2}


def _without_last_updated(folder: Path) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for path in sorted(folder.glob("*.ndjson")):
        resources = [jsonx.loads(line) for line in path.read_text().splitlines()]
        for r in resources:
            r["meta"].pop("lastUpdated")
        out[path.name] = resources
    return out


def test_export_import_export_gives_the_same_files(
    store: SqlStore,
    database_url: str,
    second_store: SqlStore,
    second_database_url: str,
    tmp_path: Path,
) -> None:
    ids = _fill(store)
    first, second = tmp_path / "first", tmp_path / "second"
    result = run(str(first), database_url=database_url)
    assert result.exit_code == 0, result.output
    assert "Patient.ndjson: 2" in result.output and "Observation.ndjson: 1" in result.output
    manifest = jsonx.loads((first / "manifest.json").read_bytes())
    assert {o["type"]: o["count"] for o in manifest["output"]} == {
        "Condition": 2, "Observation": 1, "Organization": 1, "Patient": 2,
    }  # fmt: skip
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []

    files = sorted(first.glob("*.ndjson"))
    report = bulk_import(second_store, files)
    assert report.errors == [] and report.written == 6
    result = run(str(second), database_url=second_database_url)
    assert result.exit_code == 0, result.output
    assert _without_last_updated(first) == _without_last_updated(second)
    patients = (first / "Patient.ndjson").read_text().splitlines()
    assert [jsonx.loads(line)["id"] for line in patients] == sorted([ids["p1"], ids["p2"]])


def test_the_export_is_audited_as_the_operator(
    store: SqlStore, database_url: str, tmp_path: Path
) -> None:
    ids = _fill(store)
    assert run(str(tmp_path / "out"), "--type", "Patient", database_url=database_url).exit_code == 0
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(schema.audit_event.c.content, schema.audit_event.c.agent)
            .where(schema.audit_event.c.subtype == "export")
            .order_by(schema.audit_event.c.seq)
        ).all()
    kick, done = (jsonx.loads(r.content) for r in rows)
    assert all(r.agent.startswith("operator:") for r in rows)
    assert kick["entity"][-1]["description"] == "hoso export --type Patient"
    what = {e["what"]["reference"] for e in done["entity"] if "what" in e}
    assert {f"Patient/{ids['p1']}", f"Patient/{ids['p2']}"} <= what
    assert any(w.endswith("Patient.ndjson") for w in what)
    assert SqlAuditLog(store).verify().intact


def test_bad_arguments_exit_2_with_a_bilingual_message(
    store: SqlStore, database_url: str, tmp_path: Path
) -> None:
    for args in (["--type", "Spaceship"], ["--since", "yesterday"]):
        result = run(str(tmp_path / "x"), *args, database_url=database_url)
        assert result.exit_code == 2
        assert " / " in result.output
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("x")
    result = run(str(full), database_url=database_url)
    assert result.exit_code == 2 and "empty" in result.output


def test_a_synthetic_population_survives_import_export_import_export(
    store: SqlStore,
    database_url: str,
    second_store: SqlStore,
    second_database_url: str,
    tmp_path: Path,
) -> None:
    from hoso.synth import generate

    source = tmp_path / "synth"
    generated = generate(25, 7, source)
    inputs = sorted(source.glob("*.ndjson"))
    report = bulk_import(store, inputs)
    assert report.errors == [] and report.written == generated.total
    first, second = tmp_path / "first", tmp_path / "second"
    assert run(str(first), database_url=database_url).exit_code == 0
    exported = {
        (r["resourceType"], r["id"]): r
        for f in first.glob("*.ndjson")
        for r in map(jsonx.loads, f.read_bytes().splitlines())
    }
    assert len(exported) == generated.total
    for f in inputs:  # the same resources as generated, apart from meta
        for line in f.read_bytes().splitlines():
            original = jsonx.loads(line)
            again = dict(exported[(original["resourceType"], original["id"])])
            meta = again.pop("meta")
            assert again == {k: v for k, v in original.items() if k != "meta"}
            assert meta["versionId"] == "1"
    files = sorted(first.glob("*.ndjson"))
    again_report = bulk_import(second_store, files)
    assert again_report.errors == [] and again_report.written == generated.total
    assert run(str(second), database_url=second_database_url).exit_code == 0
    assert _without_last_updated(first) == _without_last_updated(second)
