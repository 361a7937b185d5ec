"""Synthetic residents for a first start, so a newcomer sees real-looking records at
once: `hoso serve` loads them into an empty store unless `--no-demo-data` is given."""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa

from hoso.access.principal import operator_principal
from hoso.ingest.bulk_import import ImportOptions, ImportReport, import_ndjson
from hoso.store import schema
from hoso.store.sql_store import SqlStore

log = logging.getLogger("hoso.demo")
DEMO_PEOPLE = 1000
DEMO_SEED = 79  # HCMC's province code; any fixed seed gives the same residents


def has_patients(store: SqlStore) -> bool:
    r = schema.resource
    with store.engine.connect() as conn:
        found = conn.execute(sa.select(r.c.seq).where(r.c.resource_type == "Patient").limit(1))
        return found.first() is not None


def load_demo_population(
    store: SqlStore, folder: Path, people: int = DEMO_PEOPLE
) -> ImportReport | None:
    """Generate (once, into `folder`) and import the demo residents if the store has no
    Patient yet; returns None when it had some."""
    if has_patients(store):
        return None
    from hoso.synth import generate

    files = sorted(folder.glob("*.ndjson"))
    if not (folder / "manifest.json").is_file() or not files:
        generate(people, DEMO_SEED, folder)
        files = sorted(folder.glob("*.ndjson"))
    report = import_ndjson(store, files, operator_principal("demo-data"), ImportOptions())
    log.info(
        "demo data: %d synthetic residents, %d resources in %.1f s (%d errors)",
        report.counts.get("Patient", 0),
        report.written,
        report.seconds,
        len(report.errors),
    )
    return report
