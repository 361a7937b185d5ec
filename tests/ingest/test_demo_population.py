"""The README's run command shows synthetic residents on first start, once, with pairs
in the MPI review queue and a data-quality scorecard to look at."""

from __future__ import annotations

import csv
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from hoso.access.bulk_import import BulkImportAccess
from hoso.access.records import QualityJob
from hoso.ingest.demo_population import (
    DEMO_FAULTS,
    FirstStartReport,
    demo_files,
    load_demo_population,
)
from hoso.ingest.quality.scorecard import read_scorecard
from hoso.store.sql_store import SqlStore, make_store
from tests.callers import as_caller, audit_subtypes

PEOPLE = 60  # seed 79 gives four of them a second record: pairs for the queue, in seconds


def _first_start(store: SqlStore, folder: Path) -> FirstStartReport | None:
    with as_caller(store) as repo:
        return load_demo_population(repo, BulkImportAccess(repo), QualityJob(repo),
                                    store.settings, folder, people=PEOPLE)  # fmt: skip


def _duplicate_pairs(folder: Path) -> set[tuple[str, str]]:
    """The ground truth: each second record with the resident's own, as the queue orders
    a pair (smaller id first)."""
    with (folder / "ground_truth" / "faults.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["fault"] == "duplicate" and r["field"] == "id"]
    return {tuple(sorted((r["original"], r["faulted"]))) for r in rows}  # type: ignore[misc]


def test_first_start_fills_the_review_queue_and_the_scorecard(
    store: SqlStore, tmp_path: Path
) -> None:
    folder = tmp_path / "demo"
    report = _first_start(store, folder)
    assert report is not None and report.imported.errors == [] and not report.interrupted
    manifest = orjson.loads((folder / "manifest.json").read_bytes())
    assert manifest["faults"] == DEMO_FAULTS and report.people == PEOPLE
    assert report.imported.counts["Patient"] == manifest["counts"]["Patient"] > PEOPLE
    truth = _duplicate_pairs(folder)
    assert truth and report.duplicates is not None and report.duplicates.queued == len(truth)
    with as_caller(store) as repo:
        with repo.match_queue() as queue:
            queued = {(c.patient_a, c.patient_b) for c in queue.open(limit=100, offset=0)}
        with repo.quality_tables() as tables:
            card = read_scorecard(tables)
    assert queued == truth
    rules = {r.rule: r for r in card.rules}
    assert card.run_id is not None and len(rules) > 10
    # The quality run came after the dedupe: both records of each pair are flagged.
    assert rules["SACH-001"].failing == 2 * len(truth)
    assert report.quality is not None and report.quality.resources == manifest["total"]
    # The operator's doors, each decided and audited: the import batch by batch, the
    # whole-store reads, the review queue's and the quality tables' writes.
    subtypes = audit_subtypes(store)
    assert {"import", "search-system", "mpi-queue", "quality"} <= set(subtypes)
    assert _first_start(store, folder) is None  # not an empty store any more


def test_the_demo_population_carries_each_fault_and_is_generated_once(tmp_path: Path) -> None:
    from hoso.synth import generate

    folder = tmp_path / "demo"
    generate(PEOPLE, 79, folder)  # a folder from before the faults: replaced
    manifest = demo_files(folder, PEOPLE)
    assert manifest["faults"] == DEMO_FAULTS
    with (folder / "ground_truth" / "faults.csv").open(encoding="utf-8") as f:
        kinds = {row["fault"] for row in csv.DictReader(f)}
    assert {"typo", "missing-cccd", "duplicate"} <= kinds
    written = (folder / "Patient.ndjson").stat().st_mtime_ns
    assert demo_files(folder, PEOPLE) == manifest
    assert (folder / "Patient.ndjson").stat().st_mtime_ns == written  # kept, not rewritten


class StoppedImporter(BulkImportAccess):
    """The operator's door, with Ctrl-C pressed during the first batch."""

    def write_batch(self, *args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt


def test_a_stopped_load_runs_no_batch_over_half_a_population(
    store: SqlStore, tmp_path: Path
) -> None:
    with as_caller(store) as repo:
        report = load_demo_population(repo, StoppedImporter(repo), QualityJob(repo),
                                      store.settings, tmp_path / "demo", people=PEOPLE)  # fmt: skip
    assert report is not None and report.interrupted
    assert report.duplicates is None and report.quality is None
    # Neither batch ran: no whole-store read, no review-queue or quality entry audited.
    assert not {"search-system", "mpi-queue", "quality"} & set(audit_subtypes(store))


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
    """The README's first start: a thousand residents (and the second records a few of
    them got), the review queue and the scorecard filled, the load's progress logged."""
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
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0].decode()
    manifest = orjson.loads((tmp_path / "var/demo/population/manifest.json").read_bytes())
    assert manifest["people"] == 1000 and count == manifest["counts"]["Patient"] > 1000
    assert "1.000 người dân tổng hợp" in output and "--no-demo-data" in output
    summary = re.search(r"(\d+) cặp chờ xem xét / pairs to review, ([\d.]+) vấn đề", output)
    assert summary is not None and int(summary[1]) > 10 and int(summary[2].replace(".", "")) > 0
    # Not a terminal: the progress is in the log, with the rate and the time left.
    assert re.search(r"Loading demo data: [\d.]+/[\d.]+ tài nguyên \(resources\), "
                     r"[\d.,]+/s, còn ~", output)  # fmt: skip
