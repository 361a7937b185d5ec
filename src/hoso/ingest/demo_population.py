"""Synthetic residents for a first start, so a newcomer sees real-looking records at
once: `hoso serve` loads them into an empty embedded store (SQLite under `./var`), or
into any store when asked (`--demo-data`), through the bulk import's access layer.

The residents carry the generator's faults at modest rates (a few typos, swapped day and
month, missing CCCDs, a second record of the same person from another facility), and
the first start ends with the two batch runs a data steward would start next, `hoso mpi
dedupe` then `hoso quality run`: the same functions through the same doors and audit, so
that the review queue and the data-quality scorecard have something on them. Dedupe
goes first: the quality run counts the open duplicate pairs it leaves (rule SACH-001).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from hoso.core.settings import Settings
from hoso.core.vi_format import vi_number
from hoso.fhir.repository import Repository
from hoso.fhir.store import BulkRow, MatchQueue
from hoso.ingest.bulk_import import (
    Importer,
    ImportOptions,
    ImportProgress,
    ImportReport,
    import_ndjson,
)
from hoso.ingest.progress import ProgressReporter
from hoso.ingest.quality.batch import QualityAccess, RunReport

if TYPE_CHECKING:  # the matcher brings pandas and splink: loaded when it runs, not per start
    from hoso.identity.mpi.dedupe import DedupeReport

__all__ = ["DEMO_FAULTS", "DEMO_PEOPLE", "DEMO_SEED", "FirstStartRecords", "FirstStartReport",
           "check_quality", "demo_files", "find_duplicates", "has_patients",
           "load_demo_population"]  # fmt: skip

log = logging.getLogger("hoso.demo")
DEMO_PEOPLE = 1000
DEMO_SEED = 79  # HCMC's province code; any fixed seed gives the same residents
# Per resident. At 1,000 residents: ~35 registered twice (the review queue's pairs), ~30
# typos, ~15 swapped birth dates, ~15 without a CCCD; few enough that the records still
# look like a city's, enough that every page has something on it.
DEMO_FAULTS = {"typo": 0.03, "swap-dmy": 0.01, "missing-cccd": 0.02, "duplicate": 0.03}
# What the log names each step by, and the bar (short: 80 columns leave it little room).
LOADING = ("Nạp dữ liệu mẫu / Loading demo data", "Nạp / Loading")
CHECKING = ("Kiểm tra chất lượng dữ liệu / Data-quality run", "Kiểm tra / Checking")


class FirstStartRecords(Repository, Protocol):
    """The operator's access repository (`hoso.access.repository`), as the first start
    uses it: its whole-store read and the MPI's review queue, besides the records."""

    def whole_store(self, types: Sequence[str], purpose: str) -> Iterator[BulkRow]: ...
    def match_queue(self, *, write: bool = False) -> AbstractContextManager[MatchQueue]: ...


@dataclass
class FirstStartReport:
    """What the first start did: the residents, the import, the two batch runs."""

    people: int  # residents, each with one Patient (and a few with a second)
    imported: ImportReport
    duplicates: DedupeReport | None = None  # None: not run (the import was stopped)
    quality: RunReport | None = None
    seconds: float = 0.0

    @property
    def interrupted(self) -> bool:
        return self.imported.interrupted


def has_patients(repo: Repository) -> bool:
    page = repo.search("Patient", [("_count", "1"), ("_total", "none"), ("_elements", "id")])
    return bool(page.matches)


def demo_files(folder: Path, people: int) -> dict[str, Any]:
    """The manifest of the demo population in `folder`, generated there first unless a
    run of this generator with these people, seed and faults is already in it (a run of
    another version or fault mix is written over: its files are derived data, and only
    the files the manifest names are imported)."""
    from hoso.synth import GENERATOR_VERSION, generate

    wanted = {"version": GENERATOR_VERSION, "seed": DEMO_SEED, "people": people,
              "faults": DEMO_FAULTS}  # fmt: skip
    manifest = _manifest(folder)
    if (
        manifest is not None
        and all(manifest.get(k) == v for k, v in wanted.items())
        and all((folder / name).is_file() for name in manifest["files"])
    ):
        return manifest
    generate(people, DEMO_SEED, folder, DEMO_FAULTS)
    found = _manifest(folder)
    assert found is not None, "generate() always writes a manifest"
    return found


def _manifest(folder: Path) -> dict[str, Any] | None:
    try:
        found = orjson.loads((folder / "manifest.json").read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return found if isinstance(found, dict) and isinstance(found.get("files"), list) else None


def load_demo_population(
    repo: FirstStartRecords, importer: Importer, quality: QualityAccess, settings: Settings,
    folder: Path, people: int = DEMO_PEOPLE,
) -> FirstStartReport | None:  # fmt: skip
    """Generate (once, into `folder`) and import the demo residents if the store has no
    Patient yet, then fill the review queue and the scorecard; None when it had some.
    `repo`, `importer` and `quality` are the one caller's doors (the operator's)."""
    if has_patients(repo):
        return None
    started = time.perf_counter()
    manifest = demo_files(folder, people)
    files = [folder / name for name in sorted(manifest["files"])]
    with ProgressReporter(LOADING[0], int(manifest["total"]), log, tag=LOADING[1]) as shown:

        def tell(p: ImportProgress) -> None:
            shown.update(p.written + p.skipped + p.errors)

        imported = import_ndjson(importer, settings, files, ImportOptions(progress=tell))
    report = FirstStartReport(int(manifest["people"]), imported)
    if not imported.interrupted:  # the batch runs would describe half a population
        report.duplicates = find_duplicates(repo, settings.cccd_system)
        report.quality = check_quality(quality, settings, imported.written + imported.skipped)
    report.seconds = time.perf_counter() - started
    log.info("Dữ liệu mẫu / demo data: %s người dân (residents), %s tài nguyên (resources), "
             "%s lỗi (errors), %s cặp chờ xem xét (pairs to review), %s vấn đề chất lượng "
             "(data-quality findings), %s s", vi_number(report.people),
             vi_number(imported.written), vi_number(len(imported.errors)),
             vi_number(report.duplicates.queued if report.duplicates else 0),
             vi_number(report.quality.issues if report.quality else 0),
             vi_number(report.seconds, 1))  # fmt: skip
    return report


def find_duplicates(repo: FirstStartRecords, cccd_system: str) -> DedupeReport:
    """What `hoso mpi dedupe` does (hoso.cli.mpi): every active Patient, read through
    the whole-store door, through the batch matcher with the shipped model; the pairs
    into the review queue through its door. Both doors decide and audit."""
    from hoso.core import clock
    from hoso.identity.mpi.dedupe import dedupe
    from hoso.identity.mpi.model import load_model

    def write(rows: list[dict[str, Any]]) -> int:
        with repo.match_queue(write=True) as queue:
            return queue.add(rows)

    log.info("Tìm hồ sơ trùng / Finding duplicate residents (MPI dedupe)")
    contents = (row.content for row in repo.whole_store(["Patient"], "MPI dedupe"))
    found = dedupe(contents, load_model(), cccd_system, write=write, now_us=clock.now_us())
    found.frame = None  # the pairs are in the queue; the frame was for `--report`
    log.info("Tìm hồ sơ trùng / Finding duplicate residents: %s hồ sơ (Patients), %s cặp "
             "vào hàng đợi xem xét (pairs queued for review), %s s", vi_number(found.patients),
             vi_number(found.queued), vi_number(sum(found.seconds.values()), 1))  # fmt: skip
    return found


def check_quality(quality: QualityAccess, settings: Settings, resources: int) -> RunReport:
    """What `hoso quality run` does (hoso.cli.quality): every resource rechecked and the
    scorecard snapshot written, through the data-quality batch's door."""
    from hoso.ingest.quality import run_quality_batch

    with ProgressReporter(CHECKING[0], resources, log, tag=CHECKING[1]) as shown:
        return run_quality_batch(quality, settings, progress=shown.update)
