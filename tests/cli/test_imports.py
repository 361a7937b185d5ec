"""`hoso import` (hoso.cli.imports) as a user runs it: a real process, killed midway,
then run again."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import orjson
import sqlalchemy as sa

from tests.builders.clinical import observation
from tests.builders.patient import patient
from tests.cli.conftest import HOSO


def _input(tmp_path: Path, people: int, per_person: int) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    with (folder / "Patient.ndjson").open("wb") as f:
        for i in range(people):
            f.write(orjson.dumps({**patient(cccd=f"0790900{i:05d}"), "id": f"p{i}"}) + b"\n")
    with (folder / "Observation.ndjson").open("wb") as f:
        for i in range(people * per_person):
            f.write(orjson.dumps({**observation(f"p{i % people}", value=i % 90), "id": f"o{i}"}))
            f.write(b"\n")
    return folder


def _count(url: str) -> int:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT count(*) FROM resource").scalar_one())
    except sa.exc.OperationalError:
        return 0
    except sa.exc.ProgrammingError:
        return 0
    finally:
        engine.dispose()


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HOSO, *args], capture_output=True, text=True, timeout=300)


def test_killed_import_reruns_to_exact_counts(tmp_path: Path, database_url: str) -> None:
    folder = _input(tmp_path, people=100, per_person=60)  # 6,100 resources
    run = subprocess.Popen(
        [*HOSO, "import", str(folder), "--database-url", database_url, "--batch", "100",
         "--workers", "0", "--no-progress"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while _count(database_url) < 500 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    committed = _count(database_url)
    assert 500 <= committed < 6100, "the kill must land midway"
    rerun = _run("import", str(folder), "--database-url", database_url, "--no-progress")
    assert rerun.returncode == 0, rerun.stderr
    assert f"đã có / already stored: {committed}," in rerun.stdout
    assert _count(database_url) == 6100
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM resource_history").scalar() == 6100
        orphans = conn.exec_driver_sql(
            "SELECT count(*) FROM idx_token WHERE res_seq NOT IN (SELECT seq FROM resource)"
        ).scalar()
        assert orphans == 0
    engine.dispose()


def test_cli_reports_bad_lines_and_missing_files(tmp_path: Path, database_url: str) -> None:
    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"resourceType":"Patient","id":"x","gender":"nam"}\nnot json\n')
    result = _run("import", str(bad), "--database-url", database_url, "--no-progress")
    assert result.returncode == 1
    assert f"{bad}:1: Patient.gender" in result.stderr and f"{bad}:2:" in result.stderr
    missing = _run("import", str(tmp_path / "nope"), "--database-url", database_url)
    assert missing.returncode == 2 and "Không tìm thấy / not found" in missing.stderr


def test_a_folder_is_imported_in_reference_order(tmp_path: Path) -> None:
    """What others point at first, so that the change feed (and the national sync
    reading it) meets an Organization before a Patient, an Encounter before a Condition."""
    from hoso.cli.imports import _ndjson_files

    names = ["Condition", "Encounter", "Observation", "Organization", "Patient",
             "DiagnosticReport", "Practitioner", "Zzz"]  # fmt: skip
    for name in names:
        (tmp_path / f"{name}.ndjson").write_text("")
    order = [p.stem for p in _ndjson_files([tmp_path])]
    assert order == ["Organization", "Practitioner", "Patient", "Encounter", "Condition",
                     "Observation", "Zzz", "DiagnosticReport"]  # fmt: skip
