"""Synthetic residents for a first start, so a newcomer sees real-looking records at
once: `hoso serve` loads them into an empty embedded store (SQLite under `./var`), or
into any store when asked (`--demo-data`), through the bulk import's access layer."""

from __future__ import annotations

import logging
from pathlib import Path

from hoso.core.settings import Settings
from hoso.fhir.repository import Repository
from hoso.ingest.bulk_import import Importer, ImportOptions, ImportReport, import_ndjson

log = logging.getLogger("hoso.demo")
DEMO_PEOPLE = 1000
DEMO_SEED = 79  # HCMC's province code; any fixed seed gives the same residents


def has_patients(repo: Repository) -> bool:
    page = repo.search("Patient", [("_count", "1"), ("_total", "none"), ("_elements", "id")])
    return bool(page.matches)


def load_demo_population(
    repo: Repository, importer: Importer, settings: Settings, folder: Path,
    people: int = DEMO_PEOPLE,
) -> ImportReport | None:  # fmt: skip
    """Generate (once, into `folder`) and import the demo residents if the store has no
    Patient yet; returns None when it had some."""
    if has_patients(repo):
        return None
    from hoso.synth import generate

    files = sorted(folder.glob("*.ndjson"))
    if not (folder / "manifest.json").is_file() or not files:
        generate(people, DEMO_SEED, folder)
        files = sorted(folder.glob("*.ndjson"))
    report = import_ndjson(importer, settings, files, ImportOptions())
    log.info(
        "demo data: %d synthetic residents, %d resources in %.1f s (%d errors)",
        report.counts.get("Patient", 0),
        report.written,
        report.seconds,
        len(report.errors),
    )
    return report
