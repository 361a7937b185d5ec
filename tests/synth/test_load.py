"""Generated files load through the normal loader with no error."""

from __future__ import annotations

from pathlib import Path

from hoso.store.sql_store import SqlStore
from hoso.synth import generate
from tests.callers import load


def test_generated_files_load(store: SqlStore, tmp_path: Path) -> None:
    report = generate(20, 2, tmp_path, {"duplicate": 0.2, "typo": 0.1}, workers=1)
    paths = sorted(tmp_path.glob("*.ndjson"))
    loaded = load(store, paths)
    assert [str(e) for e in loaded.errors] == []
    assert loaded.counts == report.counts
